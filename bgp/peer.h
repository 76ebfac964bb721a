/*
 * peer: the session driver for one configured peer. It owns up to two FSM instances (the
 * primary and, during a connection collision, a secondary; see fsm.h), their libuv timers and
 * connections, and the peer's Adj-RIB-In. It feeds events to the pure FSM and performs the
 * actions it returns, in order. The speaker (speaker.c) owns the peers, the listener, the
 * advertised networks and the Loc-RIB; speaker_int.h is the private seam between the two.
 */
#ifndef VBR_BGP_PEER_H
#define VBR_BGP_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "bfd_packet.h"
#include "fsm.h"
#include "open.h"
#include "rib.h"
#include "speaker.h"
#include "update.h"

struct bgp_peer;

/* One FSM instance with its connection and timers. */
struct bgp_session {
	struct bgp_peer *peer;
	struct bgp_speaker *speaker;
	struct bgp_fsm fsm;
	struct bgp_conn *conn;     /* the session's connection, or NULL */
	struct bgp_conn *new_conn; /* a connection the current event reported, not yet taken */
	bool outgoing;             /* conn was initiated by us */
	uv_timer_t timers[BGP_FSM_TIMER_COUNT];
	int timers_open;
	bool discarded;
	uint8_t hold_graces; /* re-arms of an expired hold timer so input is read first */
	enum bgp_fsm_event_type feeding; /* the event whose actions are being performed */
	/* From the peer's OPEN. */
	bool have_open;
	struct bgp_open open;
};

struct bgp_peer {
	struct bgp_speaker *speaker;
	struct bgp_peer_config config;
	struct bgp_session *primary;
	struct bgp_session *secondary;
	enum bgp_state reported_state; /* last state told to on_state_change */
	struct rib_in rib_in;
	bool established;              /* PEER_UP seen, PEER_DOWN not yet */
	bool speaker_detached;         /* removed: report nothing more to the service */
	bool as4;                      /* both sides offered 4-octet AS */
	uint32_t local_ip;             /* session's local address while established */
	int64_t established_since_ms;
	uint64_t advertised_routes;
	uint64_t established_transitions;
	uint64_t messages_in, messages_out, notifications_in, notifications_out;
	uint64_t notifications_in_by_code[BGP_NOTIFY_SLOTS];
	uint64_t notifications_out_by_code[BGP_NOTIFY_SLOTS];
	char last_error[256];
	bool gr_negotiated;  /* this session: both sides offered graceful restart (RFC 4724) */
	bool restart_told;   /* an OPEN with the Restart State bit reached Established */
	bool eor_received;   /* the peer's End-of-RIB on this session */
	bool defer_synced;   /* vbrd restarting: this peer synchronised once (gr_restart.h) */
	bool start_held;     /* bgp_peer_start waits for the leftover kernel routes */
	/* vbrd the helper (peer_gr.c): the peer's restart time and BGP Identifier from its last
	 * OPEN, the timer bounding how long stale routes stay, restarts seen. */
	uint16_t gr_peer_restart_time;
	uint32_t gr_remote_id;
	struct peer_gr_timer *gr_timer;
	uint64_t graceful_restarts;
	bool stale_reported; /* ROUTES_STALE went out and its STALE_ROUTES_CLEARED not yet */
	/* peer_rib.c: the stale routes are being removed, a batch a loop turn; why (for the
	 * report when done) and how many went so far. */
	bool stale_sweeping;
	uint64_t stale_swept;
	char stale_sweep_why[128];
	uint64_t md5_failures_at_connect; /* kernel TCP MD5 drop count when we last connected */
	/* BFD (peer_bfd.c): a session exists in the speaker's driver while bfd_on. */
	bool bfd_on;
	bool bfd_was_up;		/* Up at least once since enabled */
	enum bfd_state bfd_state;	/* as last reported by the driver */
	enum bfd_state bfd_remote_state;
};

struct bgp_peer *bgp_peer_new(struct bgp_speaker *speaker, const struct bgp_peer_config *config);
/* Starts the peer unless it is admin down. */
void bgp_peer_start(struct bgp_peer *peer);
/* New configuration (same id). */
void bgp_peer_apply(struct bgp_peer *peer, const struct bgp_peer_config *config);
/* Graceful restart (RFC 4724): the sessions end without a NOTIFICATION (a Cease would make
 * the peer flush our routes: BIRD 2 has no RFC 8538), so a peer that negotiated it keeps our
 * routes and forwarding to us while vbrd restarts. Like bgp_peer_halt otherwise. */
void bgp_peer_halt_graceful(struct bgp_peer *peer);
/* Whether a stop may be graceful for this peer: Established with graceful restart negotiated
 * and still configured (turned off since: it gets the Cease it asks for). */
bool bgp_peer_may_halt_graceful(const struct bgp_peer *peer);
/* Sends Cease with subcode/message on any session, closes everything and frees the peer
 * (its handles close asynchronously). */
void bgp_peer_destroy(struct bgp_peer *peer, uint8_t cease_subcode, const char *message);
/* Like destroy but keeps the (now session-less, Idle) peer: for shutdown. */
void bgp_peer_halt(struct bgp_peer *peer, uint8_t cease_subcode, const char *message);
/* Hard: Cease / Administrative Reset, then start again. Soft: ROUTE-REFRESH. */
int bgp_peer_reset(struct bgp_peer *peer, bool soft, const char *message);
/* An accepted connection from this peer's address. Takes ownership of conn. */
void bgp_peer_accept(struct bgp_peer *peer, struct bgp_conn *conn);
void bgp_peer_status(const struct bgp_peer *peer, struct bgp_peer_status *out);
/* Our AS on this peer's sessions: its config.local_asn, else the speaker's. */
uint32_t bgp_peer_local_asn(const struct bgp_peer *peer);
/* Our networks again, as they are now (drain: with GRACEFUL_SHUTDOWN), if Established. */
void bgp_peer_readvertise(struct bgp_peer *peer);
/* Withdraws all our networks on an Established session (a drain's last step). */
void bgp_peer_withdraw_networks(struct bgp_peer *peer);
/* Announces / withdraws one of our networks on an Established session. */
void bgp_peer_advertise(struct bgp_peer *peer, const struct bgp_prefix *prefix, bool withdraw);
/* Tells the service a peer's counters or status moved (its read snapshot is refreshed soon);
 * nothing once the peer is detached from the speaker. */
void peer_notify_counters(struct bgp_peer *peer);

#endif
