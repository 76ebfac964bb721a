/*
 * fsm: the BGP-4 finite state machine of RFC 4271 section 8, as a pure function.
 *
 *   bgp_fsm_step(fsm, event) -> fsm->state updated, out = { old/new state, reason, actions[] }
 *
 * No sockets, no libuv, no clocks, no allocation: the driver (bgp/peer.c) feeds events in and
 * performs the returned actions in order. Timers are actions (start/stop timer T for N ms);
 * when a timer fires the driver feeds bgp_fsm_timer_event(T) back in. Randomness for timer
 * jitter (RFC 4271 10) comes in with each event (event.random), so the same inputs always give
 * the same outputs and every state x event cell is a unit test (tests/fsm/).
 *
 * One struct bgp_fsm drives ONE TCP connection. A peer normally has one (the "primary"); during
 * a connection collision (RFC 4271 6.8) it briefly has a second one (the "secondary"). The
 * driver's part of collision handling, all with the pure helpers below:
 *
 *   1. A connection is accepted from the peer's address: switch (bgp_fsm_route_incoming()):
 *        TO_PRIMARY:   feed BGP_FSM_EV_TCP_CONNECTION_CONFIRMED to the primary (Active).
 *        TO_SECONDARY: bgp_fsm_init_secondary(&sec, &primary), then feed it
 *                      BGP_FSM_EV_TCP_CONNECTION_CONFIRMED (it sends its own OPEN). Also when
 *                      the primary is in Connect: its attempt goes on, since the peer may
 *                      have accepted it already and keep it (6.8); the OPENs decide.
 *        REJECT:       close the accepted socket (the primary is Idle, Established, or a
 *                      secondary already exists).
 *        PEER_RESTARTED: Established with graceful restart (RFC 4724 4.2): as TO_SECONDARY,
 *                      then feed the primary BGP_FSM_EV_TCP_CONNECTION_FAILS.
 *   2. An OPEN arrives (decoded and valid) on connection X while the peer has another
 *      connection Y: switch (bgp_fsm_collision(Y's fsm, X is outgoing, ids, ASNs)):
 *        NONE:       feed BGP_FSM_EV_BGP_OPEN to X.
 *        DUMP_THIS:  feed BGP_FSM_EV_OPEN_COLLISION_DUMP to X (not the OPEN); discard X after.
 *        DUMP_OTHER: feed BGP_FSM_EV_OPEN_COLLISION_DUMP to Y, then BGP_FSM_EV_BGP_OPEN to X;
 *                    discard Y. If Y was the primary, X becomes the primary:
 *                    bgp_fsm_adopt_peer_state(X, Y) first.
 *   3. An instance that received OPEN_COLLISION_DUMP is finished: it goes to Idle and asks for
 *      no restart. Discarding an instance means stopping all its timers.
 *   4. After every event, if bgp_fsm_secondary_takes_over(primary, secondary): adopt, discard
 *      the primary, the secondary becomes the primary. (The primary fell back to Idle or
 *      Active while the secondary still has a BGP connection, or the secondary is Established;
 *      without this a secondary could be Established behind a primary the API shows as Active.)
 *      A secondary that falls back below OpenSent on its own is simply discarded.
 *   The peer's state shown to the API is the primary's.
 *
 * Deviations from the RFC text, each for a stated reason, are marked "Deviation" below and in
 * fsm.c. Sections cited are RFC 4271 unless named otherwise.
 */
#ifndef VBR_BGP_FSM_H
#define VBR_BGP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* ---- defaults (milliseconds unless named _s) ---- */

#define BGP_FSM_CONNECT_RETRY_MS    5000   /* docs/DESIGN.md: a peer comes up within seconds */
#define BGP_FSM_OPEN_HOLD_MS	    240000 /* 8.2.2 OpenSent: "a large value", 4 minutes */
#define BGP_FSM_IDLE_HOLD_MS	    1000   /* first automatic restart after a failure */
#define BGP_FSM_IDLE_HOLD_MAX_MS    120000 /* cap of the doubling idle hold time */
#define BGP_FSM_STABLE_MS	    60000  /* Established this long resets the idle hold time */
#define BGP_FSM_SEND_HOLD_MIN_MS    480000 /* RFC 9687: max(8 minutes, 2 x hold time) */
#define BGP_FSM_ERR_SEND_HOLD_TIMER 8	   /* RFC 9687 error code "Send Hold Timer Expired" */

/* ---- timers ---- */

enum bgp_fsm_timer {
	BGP_FSM_TIMER_CONNECT_RETRY = 0, /* 8: ConnectRetryTimer */
	BGP_FSM_TIMER_HOLD = 1,		 /* 8: HoldTimer */
	BGP_FSM_TIMER_KEEPALIVE = 2,	 /* 8: KeepaliveTimer */
	BGP_FSM_TIMER_SEND_HOLD = 3,	 /* RFC 9687 SendHoldTimer */
	BGP_FSM_TIMER_IDLE_HOLD = 4,	 /* 8: IdleHoldTimer (automatic restart, damping) */
	BGP_FSM_TIMER_STABLE = 5,	 /* ours: Established long enough to reset the idle hold */
};
#define BGP_FSM_TIMER_COUNT 6

/* ---- events (values are RFC 4271 8.1 event numbers where there is one) ---- */

enum bgp_fsm_event_type {
	BGP_FSM_EV_MANUAL_START = 1,	/* operator enabled the peer. data: none */
	BGP_FSM_EV_MANUAL_STOP = 2,	/* operator disabled/removed/reset it. data: stop */
	BGP_FSM_EV_AUTOMATIC_START = 3, /* start unless manually stopped. data: none */
	BGP_FSM_EV_AUTOMATIC_STOP = 8,	/* e.g. route limit teardown; restarts after idle hold.
					 * data: stop */
	BGP_FSM_EV_CONNECT_RETRY_TIMER_EXPIRES = 9, /* data: none */
	BGP_FSM_EV_HOLD_TIMER_EXPIRES = 10,	    /* data: none */
	BGP_FSM_EV_KEEPALIVE_TIMER_EXPIRES = 11,    /* data: none */
	BGP_FSM_EV_IDLE_HOLD_TIMER_EXPIRES = 13,    /* data: none */
	BGP_FSM_EV_TCP_CR_ACKED = 16,		    /* our outgoing connect succeeded. data: none */
	BGP_FSM_EV_TCP_CONNECTION_CONFIRMED = 17,   /* we accepted the peer's connection. none */
	BGP_FSM_EV_TCP_CONNECTION_FAILS = 18,	    /* connect failed, or the session's connection
						     * closed/errored (EOF: error 0). data: tcp_fail */
	BGP_FSM_EV_BGP_OPEN = 19,	     /* a valid OPEN (codec checked it). data: open */
	BGP_FSM_EV_BGP_HEADER_ERR = 21,	     /* framing error. data: notify (what to send) */
	BGP_FSM_EV_BGP_OPEN_MSG_ERR = 22,    /* bad OPEN. data: notify (what to send) */
	BGP_FSM_EV_OPEN_COLLISION_DUMP = 23, /* lost collision resolution. data: none */
	BGP_FSM_EV_NOTIF_MSG_VER_ERR = 24,   /* NOTIFICATION OPEN/Unsupported Version received.
					      * data: notify (what arrived) */
	BGP_FSM_EV_NOTIF_MSG = 25,	     /* any other NOTIFICATION received (2/1 is treated as
					      * NotifMsgVerErr). data: notify (what arrived) */
	BGP_FSM_EV_KEEPALIVE_MSG = 26,	     /* data: none */
	BGP_FSM_EV_UPDATE_MSG = 27,	     /* a valid UPDATE (RFC 7606 treat-as-withdraw and
					      * attribute-discard included) or a ROUTE-REFRESH.
					      * data: none */
	BGP_FSM_EV_UPDATE_MSG_ERR = 28,	     /* UPDATE with an RFC 7606 session-reset verdict.
					      * data: notify (what to send) */
	BGP_FSM_EV_SEND_HOLD_TIMER_EXPIRES = 29, /* RFC 9687 section 4. data: none */
	BGP_FSM_EV_SEND_PROGRESS = 100,		 /* ours: a write to the peer completed (uv_write
						  * callback, status 0). Restarts the send hold timer. */
	BGP_FSM_EV_STABLE_TIMER_EXPIRES = 101,	 /* ours. data: none */
	BGP_FSM_EV_BFD_DOWN = 102,		 /* ours: the peer's BFD session went from Up to
						  * Down (RFC 5882 3.2): close at once, no
						  * NOTIFICATION, restart as after any failure.
						  * data: bfd */
};

/* A NOTIFICATION as an event carries it (received, or an error found in what was received)
 * and as SEND_NOTIFICATION sends it. */
struct bgp_fsm_notify {
	uint8_t code;
	uint8_t subcode;
	const uint8_t *data;
	size_t data_len;
	const char *message;
};

struct bgp_fsm_event {
	enum bgp_fsm_event_type type;
	/*
	 * Uniformly random 32 bits from the driver on EVERY event; used only to jitter timers
	 * (RFC 4271 10). Tests pass fixed values. 0 means "no jitter" (full duration).
	 */
	uint32_t random;

	/* MANUAL_STOP, AUTOMATIC_STOP: the Cease NOTIFICATION to send if a session is up. */
	struct {
		uint8_t subcode;     /* enum bgp_suberr_cease; 0 = Administrative Shutdown */
		const char *message; /* RFC 9003 text for Shutdown/Reset, or NULL */
	} stop;

	/* TCP_CONNECTION_FAILS */
	struct {
		int error;	    /* negative errno as libuv gives it (UV_ECONNREFUSED ==
				     * -ECONNREFUSED); 0 = the peer closed the connection (EOF),
				     * or, with a detail, ended it otherwise (RFC 4724 4.2) */
		const char *detail; /* e.g. uv_strerror(error); may be NULL */
	} tcp_fail;

	/* BFD_DOWN: the BFD diagnostic as text ("control detection time expired"), or NULL. */
	struct {
		const char *detail;
	} bfd;

	/* BGP_OPEN: what the FSM needs from the peer's OPEN (the rest is the driver's). */
	struct {
		uint16_t hold_time; /* seconds, as received: 0 or >= 3 (1 and 2 are refused) */
		uint32_t bgp_id;    /* host byte order */
	} open;

	/*
	 * BGP_HEADER_ERR, BGP_OPEN_MSG_ERR, UPDATE_MSG_ERR: the NOTIFICATION to send (the codec's
	 * error as data). NOTIF_MSG, NOTIF_MSG_VER_ERR: the NOTIFICATION received, with its
	 * RFC 9003 text (from bgp_notification_shutdown_message) in message, or NULL.
	 */
	struct bgp_fsm_notify notify;
};

/* ---- actions ---- */

enum bgp_fsm_action_type {
	BGP_FSM_ACT_CONNECT = 1,	/* start an outgoing TCP connection to the peer; result
					 * comes back as TCP_CR_ACKED or TCP_CONNECTION_FAILS */
	BGP_FSM_ACT_CANCEL_CONNECT = 2, /* abandon the outgoing attempt in progress (if any);
					 * feed no event for it afterwards */
	BGP_FSM_ACT_REJECT = 3,		/* close the NEW connection the current event reported
					 * (TCP_CONNECTION_CONFIRMED / TCP_CR_ACKED); the session's
					 * own connection, if any, is untouched */
	BGP_FSM_ACT_SEND_OPEN = 4,	/* our OPEN, with config.hold_time_s as Hold Time */
	BGP_FSM_ACT_SEND_KEEPALIVE = 5,
	BGP_FSM_ACT_SEND_NOTIFICATION = 6, /* fields: notify */
	BGP_FSM_ACT_CLOSE = 7,		   /* close the session's connection. fields: flush */
	BGP_FSM_ACT_START_TIMER = 8,	   /* (re)start timer for ms. fields: timer, ms */
	BGP_FSM_ACT_STOP_TIMER = 9,	   /* fields: timer */
	BGP_FSM_ACT_PEER_UP = 10,	   /* entered Established: advertise networks, End-of-RIB;
					    * fsm->hold_s / keepalive_s / remote_id are final */
	BGP_FSM_ACT_PEER_DOWN = 11,	   /* left Established: drop the peer's routes from the
					    * Loc-RIB, stop advertising. fields: none (out.reason) */
	BGP_FSM_ACT_RELEASE = 12,	   /* free per-session resources: read/write buffers,
					    * negotiated capabilities, Adj-RIB-In/Out */
};

struct bgp_fsm_action {
	enum bgp_fsm_action_type type;
	enum bgp_fsm_timer timer; /* START_TIMER, STOP_TIMER */
	uint32_t ms;		  /* START_TIMER: duration, jitter already applied */
	/*
	 * CLOSE: true = write what is queued (the NOTIFICATION just sent) before closing, bounded
	 * in time; false = close now and discard queued output. The send hold timer's
	 * NOTIFICATION comes with false: RFC 9687 4.3 sends it only if that does not delay the
	 * teardown, so write it only if nothing else is pending and the socket takes it at once
	 * (uv_try_write), else drop it (a half-written message before it would garble framing).
	 */
	bool flush;
	/*
	 * SEND_NOTIFICATION. data and message point into the event passed to bgp_fsm_step (or
	 * are NULL): use them before that event's memory goes away. With a message (Cease /
	 * Administrative Shutdown or Reset) encode with bgp_notification_encode_shutdown.
	 */
	struct bgp_fsm_notify notify;
};

#define BGP_FSM_MAX_ACTIONS 16
#define BGP_FSM_REASON_MAX  256

struct bgp_fsm_output {
	enum bgp_state old_state;
	enum bgp_state new_state;
	/*
	 * Why, for a person: set (non-empty) whenever new_state != old_state, "" otherwise.
	 * Examples: "hold timer expired", "connection refused", "connection closed by peer",
	 * "NOTIFICATION received: Cease / Administrative Shutdown: \"maintenance\"",
	 * "NOTIFICATION sent: OPEN Message Error / Bad Peer AS", "send hold timer expired",
	 * "admin down", "OPEN received", "KEEPALIVE received". Truncated to fit.
	 */
	char reason[BGP_FSM_REASON_MAX];
	size_t n_actions;
	struct bgp_fsm_action actions[BGP_FSM_MAX_ACTIONS];
};

/* ---- the machine ---- */

struct bgp_fsm_config {
	uint16_t hold_time_s;	   /* proposed in our OPEN: 0 = none, else >= 3 (default 30) */
	uint16_t keepalive_s;	   /* configured keepalive; 0 = hold/3 (default 10) */
	bool passive;		   /* never connect; wait in Active for the peer to connect */
	uint32_t connect_retry_ms; /* 0 = BGP_FSM_CONNECT_RETRY_MS */
	uint32_t open_hold_ms;	   /* 0 = BGP_FSM_OPEN_HOLD_MS */
	uint32_t idle_hold_ms;	   /* 0 = BGP_FSM_IDLE_HOLD_MS */
	uint32_t idle_hold_max_ms; /* 0 = BGP_FSM_IDLE_HOLD_MAX_MS */
	uint32_t stable_ms;	   /* 0 = BGP_FSM_STABLE_MS */
	uint32_t send_hold_min_ms; /* 0 = BGP_FSM_SEND_HOLD_MIN_MS; tests set it small */
};

/* All fields are readable by the driver; only bgp_fsm_* functions write them. */
struct bgp_fsm {
	struct bgp_fsm_config config; /* may be changed between steps (takes effect next use) */
	enum bgp_state state;
	uint32_t timers_running;	/* bit (1u << enum bgp_fsm_timer) per running timer */
	uint32_t connect_retry_counter; /* 8: ConnectRetryCounter */
	uint32_t idle_hold_next_ms;	/* the idle hold time the next failure will use */
	bool manual_stop;		/* stopped by ManualStop: AutomaticStart is ignored */
	/* That ManualStop sent a Cease on a BGP connection: the next start waits passively
	 * first (see start() in fsm.c). */
	bool cease_unread;
	/* Negotiated when the OPEN arrived (OpenConfirm, Established); 0 before. */
	uint16_t hold_s;
	uint16_t keepalive_s;
	uint32_t remote_id; /* peer's BGP identifier, host byte order */
};

/* Idle, not started, no timers; config copied and its zero fields replaced by defaults. */
void bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_config *config);

/*
 * Processes one event: updates *fsm and fills *out (states, reason, n_actions and
 * actions[0..n_actions) are set; slots past n_actions are not). Never fails: an event that
 * has no meaning in the current state is ignored (no actions, same state) or handled as the
 * RFC says for "any other event". Stale timer expiries (a timer the fsm did not start or has
 * since stopped) are ignored.
 */
void bgp_fsm_step(struct bgp_fsm *fsm, const struct bgp_fsm_event *event,
		  struct bgp_fsm_output *out);

/* The event to feed when `timer` fires. */
enum bgp_fsm_event_type bgp_fsm_timer_event(enum bgp_fsm_timer timer);

/* Names for logs and tests: "ManualStart", "SEND_NOTIFICATION", "HoldTimer", ... ("?"). */
const char *bgp_fsm_event_name(enum bgp_fsm_event_type type);
/* Graceful restart, the helper (RFC 4724 4.2): whether an Established session brought down by
 * this event may be a restart of the peer, its routes kept stale. Only the TCP connection
 * ending with no NOTIFICATION either way; a NOTIFICATION (sent or received: no RFC 8538
 * here), the hold timer, BFD (RFC 5882), the operator or a route limit are real failures. */
bool bgp_fsm_down_is_graceful(enum bgp_fsm_event_type type);
const char *bgp_fsm_action_name(enum bgp_fsm_action_type type);
const char *bgp_fsm_timer_name(enum bgp_fsm_timer timer);

/* ---- pure helpers (also used by bgp_fsm_step) ---- */

/*
 * RFC 4271 4.2 / 10: hold = the smaller of ours and the peer's (0 if either is 0: no
 * keepalives, no hold timer); keepalive = configured keepalive (0: hold/3) capped at hold/3.
 * Returns false, outputs untouched, when peer_hold is 1 or 2 (6.2: Unacceptable Hold Time).
 */
bool bgp_fsm_negotiate_hold(uint16_t our_hold_s, uint16_t our_keepalive_s, uint16_t peer_hold_s,
			    uint16_t *hold_s, uint16_t *keepalive_s);

/* RFC 4271 10: ms reduced by a factor uniform in [0, 25%] from random: result in (0.75ms, ms]. */
uint32_t bgp_fsm_jitter(uint32_t ms, uint32_t random);

/*
 * RFC 9687 6: max(min_ms, 2 x negotiated hold time), min_ms being 8 minutes by default (so
 * it is always above the hold time, 4.4). Runs in Established only (4.3). 0
 * (timer not used) when hold is 0: with no keepalives there may be nothing to write for
 * hours, and the timer only restarts when a write completes.
 */
uint32_t bgp_fsm_send_hold_ms(uint16_t hold_s, uint32_t min_ms);

/*
 * Where a connection accepted from the peer's address goes (see the top of this file).
 * peer_restarts: the peer sent the Graceful Restart Capability on the Established session
 * (and graceful restart was negotiated). RFC 4724 4.2 then overrides 6.8: a new connection
 * while Established means the peer restarted and we missed the old session's end, so the old
 * one is closed and the new one kept (PEER_RESTARTED: a new secondary, as TO_SECONDARY, and
 * the primary is fed BGP_FSM_EV_TCP_CONNECTION_FAILS once the new one has its connection, so
 * its routes are kept stale and the secondary takes over).
 */
enum bgp_fsm_incoming {
	BGP_FSM_INCOMING_TO_PRIMARY = 1,
	BGP_FSM_INCOMING_TO_SECONDARY = 2,
	BGP_FSM_INCOMING_REJECT = 3,
	BGP_FSM_INCOMING_PEER_RESTARTED = 4,
};
enum bgp_fsm_incoming bgp_fsm_route_incoming(const struct bgp_fsm *primary, bool secondary_exists,
					     bool peer_restarts);

/* A fresh instance for a second connection: the primary's config, state Active, no timers. */
void bgp_fsm_init_secondary(struct bgp_fsm *secondary, const struct bgp_fsm *primary);

/* Carries the peer-wide counters (idle hold, ConnectRetryCounter, manual_stop) from an
 * instance being discarded to the one that becomes primary. */
void bgp_fsm_adopt_peer_state(struct bgp_fsm *to, const struct bgp_fsm *from);

/* True when the secondary should replace the primary: the secondary has a BGP connection
 * (OpenSent or later), the primary was not stopped by the operator, and either the primary
 * has no connection and no attempt (Idle, Active) or the secondary is Established and the
 * primary is not (6.8: Established wins; a primary in Connect is otherwise waited for, its
 * attempt may be the connection both sides keep). secondary may be NULL (false). */
bool bgp_fsm_secondary_takes_over(const struct bgp_fsm *primary, const struct bgp_fsm *secondary);

/*
 * RFC 4271 6.8 with RFC 6286 2.3: the connection initiated by the speaker with the higher BGP
 * Identifier (compared as host-order uint32) is kept; on equal identifiers, the one initiated
 * by the speaker with the larger AS number. Returns true to keep the connection WE initiated.
 */
bool bgp_fsm_collision_keep_outgoing(uint32_t local_id, uint32_t local_asn, uint32_t remote_id,
				     uint32_t remote_asn);

enum bgp_fsm_collision {
	BGP_FSM_COLLISION_NONE = 0,	    /* no decision needed: feed the OPEN */
	BGP_FSM_COLLISION_DUMP_THIS = 1,    /* dump the connection the OPEN arrived on */
	BGP_FSM_COLLISION_DUMP_OTHER = 2,   /* dump the other connection, then feed the OPEN */
	BGP_FSM_COLLISION_PEER_DECIDES = 3, /* feed the OPEN, keep the other: see below */
};
/*
 * Called when a valid OPEN arrives on one connection while `other` (the peer's other
 * connection) exists. 6.8: only an other connection in OpenConfirm can be compared (its OPEN
 * gave the peer's identifier); in states before that there is nothing to decide yet.
 *
 * An other connection in Established: 6.8 closes the new one "unless allowed via
 * configuration". We refuse every connection that arrives once a session is Established
 * (bgp_fsm_route_incoming), so an OPEN can only come this late on a connection that raced
 * the Established one, and the peer, which saw our OPEN on it, may well have chosen it by the
 * identifiers while the other was still in OpenConfirm on its side: had we dumped it, each
 * side would have dumped a different connection, and the session would wait a ConnectRetry.
 * So when the identifiers favour the new connection, the peer decides (PEER_DECIDES): this
 * one goes on to OpenConfirm beside the Established one; a NOTIFICATION on either ends that
 * one, and the peer's KEEPALIVE here (bgp_fsm_collision_confirmed) dumps the other. When the
 * identifiers favour the Established one, both rules agree: DUMP_THIS.
 */
enum bgp_fsm_collision bgp_fsm_collision(const struct bgp_fsm *other, bool this_is_outgoing,
					 uint32_t local_id, uint32_t local_asn, uint32_t remote_id,
					 uint32_t remote_asn);

/* A KEEPALIVE arrived on `this` connection while `other` exists: true when the peer has
 * thereby chosen `this` over an Established `other` (this in OpenConfirm after
 * PEER_DECIDES), and `other` is to be dumped with Cease / Connection Collision Resolution
 * before the KEEPALIVE is fed. */
bool bgp_fsm_collision_confirmed(const struct bgp_fsm *this_fsm, const struct bgp_fsm *other);

#endif
