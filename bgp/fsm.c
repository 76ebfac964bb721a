/*
 * fsm: the RFC 4271 section 8 state machine as a pure function (see fsm.h for the contract).
 *
 * Layout: small emitters (actions, timers, reasons), then the shared transitions (start,
 * enter OpenSent, tear down), then one handler per state, then the pure helpers. Every rule
 * cites the RFC section it implements; "Deviation" marks where we knowingly differ and why.
 */
#include "fsm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

/* ---- emitters ---- */

static struct bgp_fsm_action *emit(struct bgp_fsm_output *out, enum bgp_fsm_action_type type)
{
	/* BGP_FSM_MAX_ACTIONS exceeds the longest list any transition builds (a teardown: six
	 * timer stops and five more actions; the unit tests walk every cell and check it). A
	 * transition that builds more is a bug in this file: stop loudly rather than drop or
	 * overwrite an action the driver must perform. */
	if (out->n_actions >= BGP_FSM_MAX_ACTIONS)
		abort();
	struct bgp_fsm_action *a = &out->actions[out->n_actions++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

static bool timer_running(const struct bgp_fsm *fsm, enum bgp_fsm_timer t)
{
	return (fsm->timers_running & (1u << t)) != 0;
}

static void start_timer(struct bgp_fsm *fsm, struct bgp_fsm_output *out, enum bgp_fsm_timer t,
			uint32_t ms)
{
	struct bgp_fsm_action *a = emit(out, BGP_FSM_ACT_START_TIMER);
	a->timer = t;
	a->ms = ms;
	fsm->timers_running |= 1u << t;
}

static void stop_timer(struct bgp_fsm *fsm, struct bgp_fsm_output *out, enum bgp_fsm_timer t)
{
	if (!timer_running(fsm, t))
		return;
	struct bgp_fsm_action *a = emit(out, BGP_FSM_ACT_STOP_TIMER);
	a->timer = t;
	fsm->timers_running &= ~(1u << t);
}

static void stop_all_timers(struct bgp_fsm *fsm, struct bgp_fsm_output *out)
{
	for (int t = 0; t < BGP_FSM_TIMER_COUNT; t++)
		stop_timer(fsm, out, (enum bgp_fsm_timer)t);
}

static void send_notification(struct bgp_fsm_output *out, uint8_t code, uint8_t subcode,
			      const uint8_t *data, size_t data_len, const char *message)
{
	struct bgp_fsm_action *a = emit(out, BGP_FSM_ACT_SEND_NOTIFICATION);
	a->notify.code = code;
	a->notify.subcode = subcode;
	a->notify.data = data;
	a->notify.data_len = data_len;
	a->notify.message = message;
}

static void set_reason(struct bgp_fsm_output *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_reason(struct bgp_fsm_output *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

static const char *stop_reason(uint8_t cease_subcode)
{
	switch (cease_subcode) {
	case 0:
	case BGP_SUBERR_CEASE_ADMIN_SHUTDOWN:
		return "admin down";
	case BGP_SUBERR_CEASE_MAX_PREFIXES:
		return "route limit reached";
	case BGP_SUBERR_CEASE_PEER_DECONFIGURED:
		return "peer deconfigured";
	case BGP_SUBERR_CEASE_ADMIN_RESET:
		return "admin reset";
	case BGP_SUBERR_CEASE_OTHER_CONFIG_CHANGE:
		return "configuration changed";
	case BGP_SUBERR_CEASE_OUT_OF_RESOURCES:
		return "out of resources";
	case BGP_SUBERR_CEASE_HARD_RESET:
		return "hard reset";
	default:
		return "stopped";
	}
}

static void tcp_fail_reason(struct bgp_fsm_output *out, const struct bgp_fsm_event *ev)
{
	switch (ev->tcp_fail.error) {
	case 0:
		if (ev->tcp_fail.detail && ev->tcp_fail.detail[0])
			set_reason(out, "%s", ev->tcp_fail.detail); /* how the driver knows */
		else
			set_reason(out, "connection closed by peer");
		return;
	case -ECONNREFUSED:
		set_reason(out, "connection refused");
		return;
	case -ECONNRESET:
		set_reason(out, "connection reset by peer");
		return;
	case -ETIMEDOUT:
		set_reason(out, "connection timed out");
		return;
	case -EHOSTUNREACH:
		set_reason(out, "host unreachable");
		return;
	case -ENETUNREACH:
		set_reason(out, "network unreachable");
		return;
	}
	if (ev->tcp_fail.detail && ev->tcp_fail.detail[0])
		set_reason(out, "TCP connection failed: %s", ev->tcp_fail.detail);
	else
		set_reason(out, "TCP connection failed: error %d", ev->tcp_fail.error);
}

/* ---- shared transitions ---- */

/*
 * 8.2.2 Idle, ManualStart / AutomaticStart: start the ConnectRetryTimer, initiate the TCP
 * connection, go to Connect. A passive peer goes to Active and waits for the peer to connect:
 * Deviation: no ConnectRetryTimer for it (8.2.2 starts one and would connect when it fires;
 * "passive" here means we never initiate).
 */
static void start(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev, struct bgp_fsm_output *out)
{
	bool cease_unread = fsm->cease_unread;
	fsm->cease_unread = false;
	stop_timer(fsm, out, BGP_FSM_TIMER_IDLE_HOLD);
	if (fsm->config.passive) {
		fsm->state = BGP_STATE_ACTIVE;
		return;
	}
	if (cease_unread) {
		/*
		 * Deviation (8.2.2 connects at once): a start right after a ManualStop that
		 * sent a Cease (a reset, a configuration change). The peer may not have read
		 * the Cease yet, and a peer that negotiated graceful restart takes a new
		 * connection from us while its session is still Established for our restart
		 * (RFC 4724 4.2; BIRD does so when it accepts, before reading the old
		 * connection): it drops the old one unread, keeps our routes stale and never
		 * learns of the reset. So start as 8.2.2's
		 * ManualStart_with_PassiveTcpEstablishment does: Active, the peer's own
		 * reconnect (after it read the Cease) accepted at once, ours only when the
		 * ConnectRetryTimer, set to the idle hold time, expires.
		 */
		start_timer(fsm, out, BGP_FSM_TIMER_CONNECT_RETRY,
			    bgp_fsm_jitter(fsm->config.idle_hold_ms, ev->random));
		fsm->state = BGP_STATE_ACTIVE;
		return;
	}
	start_timer(fsm, out, BGP_FSM_TIMER_CONNECT_RETRY,
		    bgp_fsm_jitter(fsm->config.connect_retry_ms, ev->random));
	emit(out, BGP_FSM_ACT_CONNECT);
	fsm->state = BGP_STATE_CONNECT;
}

/* 8.2.2 Connect / Active, Tcp_CR_Acked or TcpConnectionConfirmed: stop the ConnectRetryTimer,
 * send OPEN, set the HoldTimer to a large value (4 minutes suggested), go to OpenSent. */
static void enter_open_sent(struct bgp_fsm *fsm, struct bgp_fsm_output *out)
{
	stop_timer(fsm, out, BGP_FSM_TIMER_CONNECT_RETRY);
	emit(out, BGP_FSM_ACT_SEND_OPEN);
	start_timer(fsm, out, BGP_FSM_TIMER_HOLD, fsm->config.open_hold_ms);
	fsm->state = BGP_STATE_OPEN_SENT;
}

enum after_down {
	DOWN_RESTART,  /* failure: ConnectRetryCounter + 1, restart after the idle hold time */
	DOWN_MANUAL,   /* ManualStop: ConnectRetryCounter = 0, stay Idle until started */
	DOWN_FINISHED, /* OpenCollisionDump: the other connection carries on; no restart */
};

/* What a teardown sends first, if anything. */
struct down_notify {
	bool send;
	uint8_t code, subcode;
	const uint8_t *data;
	size_t data_len;
	const char *message;
	bool no_flush; /* RFC 9687: do not wait for a peer that does not read */
};

/*
 * Every way down to Idle (8.2.2, each state's error and stop events): stop the timers, send
 * the NOTIFICATION if any, drop the connection (or the connect attempt), withdraw the peer's
 * routes if it was Established, release resources, and either arm the automatic restart
 * (IdleHoldTimer, growing, for DampPeerOscillations 8.1.1) or stay down.
 */
static void go_down(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev, struct bgp_fsm_output *out,
		    const struct down_notify *n, enum after_down after)
{
	enum bgp_state from = fsm->state;
	stop_all_timers(fsm, out);
	if (n && n->send)
		send_notification(out, n->code, n->subcode, n->data, n->data_len, n->message);
	if (from == BGP_STATE_CONNECT) {
		emit(out, BGP_FSM_ACT_CANCEL_CONNECT);
	} else if (from >= BGP_STATE_OPEN_SENT) {
		struct bgp_fsm_action *a = emit(out, BGP_FSM_ACT_CLOSE);
		a->flush = n && n->send && !n->no_flush;
	}
	if (from == BGP_STATE_ESTABLISHED)
		emit(out, BGP_FSM_ACT_PEER_DOWN);
	if (from >= BGP_STATE_OPEN_SENT)
		emit(out, BGP_FSM_ACT_RELEASE);

	fsm->hold_s = 0;
	fsm->keepalive_s = 0;
	fsm->state = BGP_STATE_IDLE;
	switch (after) {
	case DOWN_RESTART: {
		fsm->connect_retry_counter++;
		uint32_t ms = fsm->idle_hold_next_ms;
		start_timer(fsm, out, BGP_FSM_TIMER_IDLE_HOLD, bgp_fsm_jitter(ms, ev->random));
		uint64_t next = (uint64_t)ms * 2;
		fsm->idle_hold_next_ms = next > fsm->config.idle_hold_max_ms
					     ? fsm->config.idle_hold_max_ms
					     : (uint32_t)next;
		break;
	}
	case DOWN_MANUAL:
		fsm->connect_retry_counter = 0;
		fsm->manual_stop = true;
		break;
	case DOWN_FINISHED:
		fsm->connect_retry_counter++;
		break;
	}
}

/* ManualStop / AutomaticStop in any state but Idle: Cease with the caller's subcode (8.2.2;
 * RFC 4486 subcodes, RFC 9003 text for Shutdown and Reset). */
static void stop(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev, struct bgp_fsm_output *out,
		 enum after_down after)
{
	uint8_t sub = ev->stop.subcode ? ev->stop.subcode : BGP_SUBERR_CEASE_ADMIN_SHUTDOWN;
	const char *why = stop_reason(sub);
	if (fsm->state < BGP_STATE_OPEN_SENT) {
		/* No BGP connection yet: nothing to tell the peer. */
		set_reason(out, "%s", why);
		go_down(fsm, ev, out, NULL, after);
		return;
	}
	const char *msg = NULL;
	if (sub == BGP_SUBERR_CEASE_ADMIN_SHUTDOWN || sub == BGP_SUBERR_CEASE_ADMIN_RESET)
		msg = ev->stop.message;
	struct down_notify n = {
	    .send = true, .code = BGP_ERR_CEASE, .subcode = sub, .message = msg};
	char desc[BGP_FSM_REASON_MAX];
	bgp_notify_describe(BGP_ERR_CEASE, sub, msg, desc, sizeof(desc));
	set_reason(out, "%s: NOTIFICATION sent: %s", why, desc);
	go_down(fsm, ev, out, &n, after);
	/* An automatic restart waits the idle hold time anyway; a manual one may come at once. */
	fsm->cease_unread = after == DOWN_MANUAL;
}

/* Send the NOTIFICATION carried by the event (a decoder's error as data) and go down. */
static void fail_with_event_notification(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
					 struct bgp_fsm_output *out)
{
	struct down_notify n = {.send = true,
				.code = ev->notify.code,
				.subcode = ev->notify.subcode,
				.data = ev->notify.data,
				.data_len = ev->notify.data_len};
	char desc[BGP_FSM_REASON_MAX];
	bgp_notify_describe(ev->notify.code, ev->notify.subcode, NULL, desc, sizeof(desc));
	set_reason(out, "NOTIFICATION sent: %s", desc);
	go_down(fsm, ev, out, &n, DOWN_RESTART);
}

/* Send a NOTIFICATION we chose (code/subcode, no data) and go down. */
static void fail_with(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
		      struct bgp_fsm_output *out, uint8_t code, uint8_t subcode,
		      enum after_down after)
{
	struct down_notify n = {.send = true, .code = code, .subcode = subcode};
	char desc[BGP_FSM_REASON_MAX];
	bgp_notify_describe(code, subcode, NULL, desc, sizeof(desc));
	set_reason(out, "NOTIFICATION sent: %s", desc);
	go_down(fsm, ev, out, &n, after);
}

/* A NOTIFICATION arrived: close without answering (answering one is pointless: the peer has
 * already given up on the connection). */
static void notification_received(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
				  struct bgp_fsm_output *out)
{
	char desc[BGP_FSM_REASON_MAX];
	bgp_notify_describe(ev->notify.code, ev->notify.subcode, ev->notify.message, desc,
			    sizeof(desc));
	set_reason(out, "NOTIFICATION received: %s", desc);
	go_down(fsm, ev, out, NULL, DOWN_RESTART);
}

static void hold_expired(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			 struct bgp_fsm_output *out)
{
	/* 8.2.2 OpenSent/OpenConfirm/Established, HoldTimer_Expires: NOTIFICATION Hold Timer
	 * Expired, then down. */
	struct down_notify n = {.send = true, .code = BGP_ERR_HOLD_TIMER};
	set_reason(out, "hold timer expired");
	go_down(fsm, ev, out, &n, DOWN_RESTART);
}

static void send_hold_expired(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			      struct bgp_fsm_output *out)
{
	/* RFC 9687 4.3: send NOTIFICATION Send Hold Timer Expired only if that does not delay
	 * the teardown (the peer is not reading), drop the connection, go to Idle. */
	struct down_notify n = {
	    .send = true, .code = BGP_FSM_ERR_SEND_HOLD_TIMER, .no_flush = true};
	set_reason(out, "send hold timer expired");
	go_down(fsm, ev, out, &n, DOWN_RESTART);
}

/* RFC 5882 3.2: the forwarding path is gone, so a NOTIFICATION could not arrive and is not
 * sent; the connection is dropped and the usual restart applies (the driver holds the
 * restart back while BFD stays Down). */
static void bfd_went_down(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			  struct bgp_fsm_output *out)
{
	set_reason(out, "BFD session down: %s",
		   ev->bfd.detail ? ev->bfd.detail : "control detection time expired");
	go_down(fsm, ev, out, NULL, DOWN_RESTART);
}

/* "any other event" in Connect and Active (8.2.2): there is no BGP connection to send a
 * NOTIFICATION on, so just go down. A message event here is a driver bug or a race. */
static void unexpected_without_session(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
				       struct bgp_fsm_output *out)
{
	set_reason(out, "unexpected %s in %s", bgp_fsm_event_name(ev->type),
		   bgp_state_name(fsm->state));
	go_down(fsm, ev, out, NULL, DOWN_RESTART);
}

static void restart_keepalive(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			      struct bgp_fsm_output *out)
{
	/* RFC 4271 10: KeepaliveTimer jittered. */
	if (fsm->keepalive_s)
		start_timer(fsm, out, BGP_FSM_TIMER_KEEPALIVE,
			    bgp_fsm_jitter((uint32_t)fsm->keepalive_s * 1000, ev->random));
}

static void restart_hold(struct bgp_fsm *fsm, struct bgp_fsm_output *out)
{
	/* 8.2.2: "If the negotiated hold time value is zero, then the HoldTimer and
	 * KeepaliveTimer are not started." */
	if (fsm->hold_s)
		start_timer(fsm, out, BGP_FSM_TIMER_HOLD, (uint32_t)fsm->hold_s * 1000);
	else
		stop_timer(fsm, out, BGP_FSM_TIMER_HOLD);
}

/* ---- one handler per state ---- */

static void in_idle(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev, struct bgp_fsm_output *out)
{
	switch (ev->type) {
	case BGP_FSM_EV_MANUAL_START:
		/* An operator's start forgets earlier failures: damping restarts from the
		 * initial idle hold time. */
		fsm->manual_stop = false;
		fsm->connect_retry_counter = 0;
		fsm->idle_hold_next_ms = fsm->config.idle_hold_ms;
		set_reason(out, "manual start");
		start(fsm, ev, out);
		return;
	case BGP_FSM_EV_AUTOMATIC_START:
		if (fsm->manual_stop)
			return;
		set_reason(out, "automatic start");
		start(fsm, ev, out);
		return;
	case BGP_FSM_EV_IDLE_HOLD_TIMER_EXPIRES:
		/* 8.1.1 DampPeerOscillations: the automatic restart after the idle hold time. */
		set_reason(out, "restart after idle hold time");
		start(fsm, ev, out);
		return;
	case BGP_FSM_EV_MANUAL_STOP:
		/* 8.2.2 ignores ManualStop in Idle; it still cancels a pending automatic
		 * restart, or an admin-down peer would come back by itself. */
		stop_timer(fsm, out, BGP_FSM_TIMER_IDLE_HOLD);
		fsm->manual_stop = true;
		fsm->connect_retry_counter = 0;
		return;
	case BGP_FSM_EV_TCP_CR_ACKED:
	case BGP_FSM_EV_TCP_CONNECTION_CONFIRMED:
		/* 8.2.2 Idle: "BGP FSM refuses all incoming BGP connections for this peer." */
		emit(out, BGP_FSM_ACT_REJECT);
		return;
	default:
		/* 8.2.2: any other event in Idle causes no change. */
		return;
	}
}

/* Connect (our attempt in progress) and Active (no connection, no attempt), 8.2.2: they
 * differ only in what a connect retry, an accepted connection and a failure mean. */
static void in_connect_or_active(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
				 struct bgp_fsm_output *out)
{
	bool connecting = fsm->state == BGP_STATE_CONNECT;
	switch (ev->type) {
	case BGP_FSM_EV_MANUAL_START:
	case BGP_FSM_EV_AUTOMATIC_START:
		return; /* 8.2.2 Connect, Active: start events are ignored */
	case BGP_FSM_EV_MANUAL_STOP:
		stop(fsm, ev, out, DOWN_MANUAL);
		return;
	case BGP_FSM_EV_AUTOMATIC_STOP:
		stop(fsm, ev, out, DOWN_RESTART);
		return;
	case BGP_FSM_EV_CONNECT_RETRY_TIMER_EXPIRES:
		/* 8.2.2: Connect drops its attempt; both restart the timer and connect again. */
		if (connecting)
			emit(out, BGP_FSM_ACT_CANCEL_CONNECT);
		else
			set_reason(out, "connect retry timer expired");
		start_timer(fsm, out, BGP_FSM_TIMER_CONNECT_RETRY,
			    bgp_fsm_jitter(fsm->config.connect_retry_ms, ev->random));
		emit(out, BGP_FSM_ACT_CONNECT);
		fsm->state = BGP_STATE_CONNECT;
		return;
	case BGP_FSM_EV_TCP_CR_ACKED:
		set_reason(out, "TCP connection established");
		enter_open_sent(fsm, out);
		return;
	case BGP_FSM_EV_TCP_CONNECTION_CONFIRMED:
		if (connecting) {
			/* 6.8: our own attempt may already be accepted on the other side, so it
			 * must not be dropped for the peer's connection: each would drop the one
			 * the other accepted and both wait a ConnectRetry. The peer's connection
			 * belongs to a second instance (bgp_fsm_route_incoming); the OPENs
			 * decide. */
			emit(out, BGP_FSM_ACT_REJECT);
			return;
		}
		set_reason(out, "TCP connection accepted");
		enter_open_sent(fsm, out);
		return;
	case BGP_FSM_EV_TCP_CONNECTION_FAILS:
		/* Deviation: 8.2.2 goes to Idle. In Connect we follow RFC 1771 (and FRR, BIRD):
		 * restart the ConnectRetryTimer and wait in Active, where a connection from the
		 * peer is accepted at once; a peer that is simply not up yet is no oscillation.
		 * Active holds no connection and no attempt, so there a report is stale. */
		if (!connecting)
			return;
		tcp_fail_reason(out, ev);
		fsm->connect_retry_counter++;
		start_timer(fsm, out, BGP_FSM_TIMER_CONNECT_RETRY,
			    bgp_fsm_jitter(fsm->config.connect_retry_ms, ev->random));
		fsm->state = BGP_STATE_ACTIVE;
		return;
	case BGP_FSM_EV_BFD_DOWN:
		bfd_went_down(fsm, ev, out);
		return;
	case BGP_FSM_EV_SEND_PROGRESS:
	case BGP_FSM_EV_HOLD_TIMER_EXPIRES:
	case BGP_FSM_EV_KEEPALIVE_TIMER_EXPIRES:
	case BGP_FSM_EV_IDLE_HOLD_TIMER_EXPIRES:
	case BGP_FSM_EV_SEND_HOLD_TIMER_EXPIRES:
	case BGP_FSM_EV_STABLE_TIMER_EXPIRES:
		return; /* never running here; bgp_fsm_step drops stale expiries */
	default:
		unexpected_without_session(fsm, ev, out);
		return;
	}
}

/* Events common to OpenSent, OpenConfirm and Established. Returns true if handled. */
static bool in_session_common(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			      struct bgp_fsm_output *out)
{
	switch (ev->type) {
	case BGP_FSM_EV_MANUAL_START:
	case BGP_FSM_EV_AUTOMATIC_START:
		return true; /* 8.2.2: ignored */
	case BGP_FSM_EV_MANUAL_STOP:
		stop(fsm, ev, out, DOWN_MANUAL);
		return true;
	case BGP_FSM_EV_AUTOMATIC_STOP:
		stop(fsm, ev, out, DOWN_RESTART);
		return true;
	case BGP_FSM_EV_HOLD_TIMER_EXPIRES:
		hold_expired(fsm, ev, out);
		return true;
	case BGP_FSM_EV_SEND_HOLD_TIMER_EXPIRES:
		send_hold_expired(fsm, ev, out);
		return true;
	case BGP_FSM_EV_BFD_DOWN:
		bfd_went_down(fsm, ev, out);
		return true;
	case BGP_FSM_EV_TCP_CR_ACKED:
	case BGP_FSM_EV_TCP_CONNECTION_CONFIRMED:
		/* A second connection belongs to a second instance (fsm.h); one fed here is
		 * refused, which is also 6.8's rule against an Established session. */
		emit(out, BGP_FSM_ACT_REJECT);
		return true;
	case BGP_FSM_EV_BGP_HEADER_ERR:
	case BGP_FSM_EV_BGP_OPEN_MSG_ERR:
		/* 8.2.2: send the error NOTIFICATION, drop the connection, go to Idle. */
		fail_with_event_notification(fsm, ev, out);
		return true;
	case BGP_FSM_EV_OPEN_COLLISION_DUMP:
		/* 8.2.2 and 6.8: Cease / Connection Collision Resolution on the losing
		 * connection. The winner carries on, so this instance asks for no restart. */
		fail_with(fsm, ev, out, BGP_ERR_CEASE, BGP_SUBERR_CEASE_COLLISION_RESOLUTION,
			  DOWN_FINISHED);
		return true;
	case BGP_FSM_EV_NOTIF_MSG:
	case BGP_FSM_EV_NOTIF_MSG_VER_ERR:
		/* Deviation: 8.2.2 skips damping for NotifMsgVerErr (the sender may retry with
		 * another version); we speak only version 4, so it is a failure like any. */
		notification_received(fsm, ev, out);
		return true;
	case BGP_FSM_EV_SEND_PROGRESS:
		/* RFC 9687 4: the SendHoldTimer restarts whenever the peer takes our data. */
		if (timer_running(fsm, BGP_FSM_TIMER_SEND_HOLD))
			start_timer(
			    fsm, out, BGP_FSM_TIMER_SEND_HOLD,
			    bgp_fsm_send_hold_ms(fsm->hold_s, fsm->config.send_hold_min_ms));
		return true;
	case BGP_FSM_EV_CONNECT_RETRY_TIMER_EXPIRES:
	case BGP_FSM_EV_IDLE_HOLD_TIMER_EXPIRES:
		/* Never running from OpenSent on (bgp_fsm_step drops stale expiries). */
		return true;
	default:
		return false;
	}
}

static void in_open_sent(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			 struct bgp_fsm_output *out)
{
	if (in_session_common(fsm, ev, out))
		return;
	switch (ev->type) {
	case BGP_FSM_EV_TCP_CONNECTION_FAILS:
		/* 8.2.2 OpenSent: close, restart the ConnectRetryTimer, keep listening, go to
		 * Active. */
		tcp_fail_reason(out, ev);
		stop_all_timers(fsm, out);
		emit(out, BGP_FSM_ACT_CLOSE);
		emit(out, BGP_FSM_ACT_RELEASE);
		if (!fsm->config.passive)
			start_timer(fsm, out, BGP_FSM_TIMER_CONNECT_RETRY,
				    bgp_fsm_jitter(fsm->config.connect_retry_ms, ev->random));
		fsm->state = BGP_STATE_ACTIVE;
		return;
	case BGP_FSM_EV_BGP_OPEN: {
		/* 8.2.2 OpenSent, BGPOpen: negotiate the hold time (4.2), send KEEPALIVE, set the
		 * KeepaliveTimer and the HoldTimer, go to OpenConfirm. */
		uint16_t hold, keepalive;
		if (!bgp_fsm_negotiate_hold(fsm->config.hold_time_s, fsm->config.keepalive_s,
					    ev->open.hold_time, &hold, &keepalive)) {
			/* 6.2: a Hold Time of one or two seconds MUST be rejected. */
			fail_with(fsm, ev, out, BGP_ERR_OPEN,
				  BGP_SUBERR_OPEN_UNACCEPTABLE_HOLD_TIME, DOWN_RESTART);
			return;
		}
		fsm->hold_s = hold;
		fsm->keepalive_s = keepalive;
		fsm->remote_id = ev->open.bgp_id;
		set_reason(out, "OPEN received");
		emit(out, BGP_FSM_ACT_SEND_KEEPALIVE);
		restart_keepalive(fsm, ev, out);
		restart_hold(fsm, out);
		fsm->state = BGP_STATE_OPEN_CONFIRM;
		return;
	}
	case BGP_FSM_EV_KEEPALIVE_MSG:
	case BGP_FSM_EV_UPDATE_MSG:
	case BGP_FSM_EV_UPDATE_MSG_ERR:
		/* 8.2.2 OpenSent "any other event"; subcode from RFC 6608. */
		fail_with(fsm, ev, out, BGP_ERR_FSM, BGP_SUBERR_FSM_IN_OPENSENT, DOWN_RESTART);
		return;
	default:
		return; /* timer expiries that cannot be running here */
	}
}

static void in_open_confirm(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			    struct bgp_fsm_output *out)
{
	if (in_session_common(fsm, ev, out))
		return;
	switch (ev->type) {
	case BGP_FSM_EV_KEEPALIVE_TIMER_EXPIRES:
		/* 8.2.2 OpenConfirm: send KEEPALIVE, restart the KeepaliveTimer. */
		emit(out, BGP_FSM_ACT_SEND_KEEPALIVE);
		restart_keepalive(fsm, ev, out);
		return;
	case BGP_FSM_EV_TCP_CONNECTION_FAILS:
		tcp_fail_reason(out, ev);
		go_down(fsm, ev, out, NULL, DOWN_RESTART);
		return;
	case BGP_FSM_EV_KEEPALIVE_MSG:
		/* 8.2.2 OpenConfirm, KeepAliveMsg: restart the HoldTimer, go to Established. */
		set_reason(out, "KEEPALIVE received");
		restart_hold(fsm, out);
		/* RFC 9687 4.3: OpenConfirm, KeepAliveMsg starts the SendHoldTimer if the
		 * SendHoldTime is non-zero (it is 0 with a zero hold time, see fsm.h). */
		if (fsm->hold_s)
			start_timer(
			    fsm, out, BGP_FSM_TIMER_SEND_HOLD,
			    bgp_fsm_send_hold_ms(fsm->hold_s, fsm->config.send_hold_min_ms));
		start_timer(fsm, out, BGP_FSM_TIMER_STABLE, fsm->config.stable_ms);
		emit(out, BGP_FSM_ACT_PEER_UP);
		fsm->state = BGP_STATE_ESTABLISHED;
		return;
	case BGP_FSM_EV_BGP_OPEN:
	case BGP_FSM_EV_UPDATE_MSG:
	case BGP_FSM_EV_UPDATE_MSG_ERR:
		/* A second OPEN on this connection, or an UPDATE before KEEPALIVE: 8.2.2 "any
		 * other event", subcode from RFC 6608. (Collisions never reach here: the driver
		 * resolves them with bgp_fsm_collision.) */
		fail_with(fsm, ev, out, BGP_ERR_FSM, BGP_SUBERR_FSM_IN_OPENCONFIRM, DOWN_RESTART);
		return;
	default:
		return;
	}
}

static void in_established(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev,
			   struct bgp_fsm_output *out)
{
	if (in_session_common(fsm, ev, out))
		return;
	switch (ev->type) {
	case BGP_FSM_EV_KEEPALIVE_TIMER_EXPIRES:
		emit(out, BGP_FSM_ACT_SEND_KEEPALIVE);
		restart_keepalive(fsm, ev, out);
		return;
	case BGP_FSM_EV_STABLE_TIMER_EXPIRES:
		/* Up long enough: the next failure is treated as a first one again. */
		fsm->idle_hold_next_ms = fsm->config.idle_hold_ms;
		fsm->connect_retry_counter = 0;
		return;
	case BGP_FSM_EV_TCP_CONNECTION_FAILS:
		tcp_fail_reason(out, ev);
		go_down(fsm, ev, out, NULL, DOWN_RESTART);
		return;
	case BGP_FSM_EV_KEEPALIVE_MSG:
	case BGP_FSM_EV_UPDATE_MSG:
		/* 8.2.2 Established: restart the HoldTimer if the negotiated hold time is not 0. */
		if (fsm->hold_s)
			start_timer(fsm, out, BGP_FSM_TIMER_HOLD, (uint32_t)fsm->hold_s * 1000);
		return;
	case BGP_FSM_EV_UPDATE_MSG_ERR:
		/* 8.2.2 Established, UpdateMsgErr; only RFC 7606 session-reset verdicts get here.
		 */
		fail_with_event_notification(fsm, ev, out);
		return;
	case BGP_FSM_EV_BGP_OPEN:
		fail_with(fsm, ev, out, BGP_ERR_FSM, BGP_SUBERR_FSM_IN_ESTABLISHED, DOWN_RESTART);
		return;
	default:
		return;
	}
}

/* ---- entry point ---- */

static int timer_of_event(enum bgp_fsm_event_type type)
{
	for (int t = 0; t < BGP_FSM_TIMER_COUNT; t++)
		if (bgp_fsm_timer_event((enum bgp_fsm_timer)t) == type)
			return t;
	return -1;
}

void bgp_fsm_step(struct bgp_fsm *fsm, const struct bgp_fsm_event *event,
		  struct bgp_fsm_output *out)
{
	/* Not a memset of the whole output (about 1 KiB): this runs once per UPDATE received.
	 * emit() clears each action it hands out. */
	out->n_actions = 0;
	out->reason[0] = '\0';
	out->old_state = fsm->state;

	struct bgp_fsm_event ev = *event;
	/* 8.1.2 Event 24: a NOTIFICATION with OPEN Message Error / Unsupported Version Number
	 * is NotifMsgVerErr whichever event the driver used. */
	if (ev.type == BGP_FSM_EV_NOTIF_MSG && ev.notify.code == BGP_ERR_OPEN &&
	    ev.notify.subcode == BGP_SUBERR_OPEN_UNSUPPORTED_VERSION)
		ev.type = BGP_FSM_EV_NOTIF_MSG_VER_ERR;

	/* A timer fires once: it is no longer running. One we did not start (or stopped) is
	 * stale, from a race in the driver's loop: drop it. */
	int t = timer_of_event(ev.type);
	if (t >= 0) {
		if (!timer_running(fsm, (enum bgp_fsm_timer)t)) {
			out->new_state = fsm->state;
			return;
		}
		fsm->timers_running &= ~(1u << t);
	}

	switch (fsm->state) {
	case BGP_STATE_IDLE:
		in_idle(fsm, &ev, out);
		break;
	case BGP_STATE_CONNECT:
	case BGP_STATE_ACTIVE:
		in_connect_or_active(fsm, &ev, out);
		break;
	case BGP_STATE_OPEN_SENT:
		in_open_sent(fsm, &ev, out);
		break;
	case BGP_STATE_OPEN_CONFIRM:
		in_open_confirm(fsm, &ev, out);
		break;
	case BGP_STATE_ESTABLISHED:
		in_established(fsm, &ev, out);
		break;
	}
	out->new_state = fsm->state;
	if (out->new_state == out->old_state)
		out->reason[0] = '\0';
}

/* ---- set-up ---- */

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

void bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_config *config)
{
	memset(fsm, 0, sizeof(*fsm));
	fsm->config = *config;
	struct bgp_fsm_config *c = &fsm->config;
	c->connect_retry_ms = or_default(c->connect_retry_ms, BGP_FSM_CONNECT_RETRY_MS);
	c->open_hold_ms = or_default(c->open_hold_ms, BGP_FSM_OPEN_HOLD_MS);
	c->idle_hold_ms = or_default(c->idle_hold_ms, BGP_FSM_IDLE_HOLD_MS);
	c->idle_hold_max_ms = or_default(c->idle_hold_max_ms, BGP_FSM_IDLE_HOLD_MAX_MS);
	if (c->idle_hold_max_ms < c->idle_hold_ms)
		c->idle_hold_max_ms = c->idle_hold_ms;
	c->stable_ms = or_default(c->stable_ms, BGP_FSM_STABLE_MS);
	c->send_hold_min_ms = or_default(c->send_hold_min_ms, BGP_FSM_SEND_HOLD_MIN_MS);
	fsm->state = BGP_STATE_IDLE;
	fsm->idle_hold_next_ms = c->idle_hold_ms;
}

void bgp_fsm_init_secondary(struct bgp_fsm *secondary, const struct bgp_fsm *primary)
{
	bgp_fsm_init(secondary, &primary->config);
	/* Active: listening, no attempt of its own; TcpConnectionConfirmed takes it to
	 * OpenSent. */
	secondary->state = BGP_STATE_ACTIVE;
}

void bgp_fsm_adopt_peer_state(struct bgp_fsm *to, const struct bgp_fsm *from)
{
	to->connect_retry_counter = from->connect_retry_counter;
	to->idle_hold_next_ms = from->idle_hold_next_ms;
	to->manual_stop = from->manual_stop;
}

bool bgp_fsm_secondary_takes_over(const struct bgp_fsm *primary, const struct bgp_fsm *secondary)
{
	if (!secondary || secondary->state < BGP_STATE_OPEN_SENT || primary->manual_stop)
		return false;
	/* A primary in Connect still has its attempt, which the peer may prefer (6.8): wait
	 * for it unless the secondary is already Established, which wins over anything. */
	if (primary->state == BGP_STATE_IDLE || primary->state == BGP_STATE_ACTIVE)
		return true;
	return secondary->state == BGP_STATE_ESTABLISHED &&
	       primary->state != BGP_STATE_ESTABLISHED;
}

/* ---- pure helpers ---- */

enum bgp_fsm_event_type bgp_fsm_timer_event(enum bgp_fsm_timer timer)
{
	switch (timer) {
	case BGP_FSM_TIMER_CONNECT_RETRY:
		return BGP_FSM_EV_CONNECT_RETRY_TIMER_EXPIRES;
	case BGP_FSM_TIMER_HOLD:
		return BGP_FSM_EV_HOLD_TIMER_EXPIRES;
	case BGP_FSM_TIMER_KEEPALIVE:
		return BGP_FSM_EV_KEEPALIVE_TIMER_EXPIRES;
	case BGP_FSM_TIMER_SEND_HOLD:
		return BGP_FSM_EV_SEND_HOLD_TIMER_EXPIRES;
	case BGP_FSM_TIMER_IDLE_HOLD:
		return BGP_FSM_EV_IDLE_HOLD_TIMER_EXPIRES;
	case BGP_FSM_TIMER_STABLE:
		return BGP_FSM_EV_STABLE_TIMER_EXPIRES;
	}
	return 0;
}

bool bgp_fsm_negotiate_hold(uint16_t our_hold_s, uint16_t our_keepalive_s, uint16_t peer_hold_s,
			    uint16_t *hold_s, uint16_t *keepalive_s)
{
	/* 6.2: "An implementation MUST reject Hold Time values of one or two seconds." */
	if (peer_hold_s == 1 || peer_hold_s == 2)
		return false;
	/* 4.2: "the smaller of its configured Hold Time and the Hold Time received". A zero on
	 * either side is the smaller: no keepalives, no hold timer. */
	uint16_t hold = our_hold_s < peer_hold_s ? our_hold_s : peer_hold_s;
	/* Our own config is validated to 0 or >= 3; keep the rule even if it were not. */
	if (hold > 0 && hold < 3)
		hold = 3;
	uint16_t keepalive = 0;
	if (hold) {
		/* 10: KeepaliveTime a third of the HoldTime at most. */
		keepalive = our_keepalive_s ? our_keepalive_s : hold / 3;
		if (keepalive > hold / 3)
			keepalive = hold / 3;
	}
	*hold_s = hold;
	*keepalive_s = keepalive;
	return true;
}

uint32_t bgp_fsm_jitter(uint32_t ms, uint32_t random)
{
	/* 10: "multiplied by a random factor that is uniformly distributed in the range from
	 * 0.75 to 1.0". ms * random / 2^32 / 4 is a reduction in [0, ms/4). */
	return ms - (uint32_t)(((uint64_t)ms * random) >> 34);
}

uint32_t bgp_fsm_send_hold_ms(uint16_t hold_s, uint32_t min_ms)
{
	if (hold_s == 0)
		return 0;
	uint32_t twice = (uint32_t)hold_s * 2000;
	return twice > min_ms ? twice : min_ms;
}

enum bgp_fsm_incoming bgp_fsm_route_incoming(const struct bgp_fsm *primary, bool secondary_exists,
					     bool peer_restarts)
{
	switch (primary->state) {
	case BGP_STATE_ACTIVE:
		return BGP_FSM_INCOMING_TO_PRIMARY;
	case BGP_STATE_CONNECT: /* our attempt goes on: see Connect, TcpConnectionConfirmed */
	case BGP_STATE_OPEN_SENT:
	case BGP_STATE_OPEN_CONFIRM:
		/* 6.8: both connections go on until an OPEN lets us compare identifiers. */
		return secondary_exists ? BGP_FSM_INCOMING_REJECT : BGP_FSM_INCOMING_TO_SECONDARY;
	case BGP_STATE_ESTABLISHED:
		/* 6.8: an Established session wins over a new one, unless RFC 4724 4.2 says
		 * the new one is the peer back from a restart we did not see. A secondary left
		 * from a collision is still racing this session: not a restart. */
		return peer_restarts && !secondary_exists ? BGP_FSM_INCOMING_PEER_RESTARTED
							  : BGP_FSM_INCOMING_REJECT;
	case BGP_STATE_IDLE: /* 8.2.2 Idle refuses connections */
	default:
		return BGP_FSM_INCOMING_REJECT;
	}
}

bool bgp_fsm_collision_keep_outgoing(uint32_t local_id, uint32_t local_asn, uint32_t remote_id,
				     uint32_t remote_asn)
{
	/* 6.8: keep the connection initiated by the speaker with the higher BGP Identifier;
	 * RFC 6286 2.3 breaks a tie with the larger AS number. */
	if (local_id != remote_id)
		return local_id > remote_id;
	return local_asn > remote_asn;
}

enum bgp_fsm_collision bgp_fsm_collision(const struct bgp_fsm *other, bool this_is_outgoing,
					 uint32_t local_id, uint32_t local_asn, uint32_t remote_id,
					 uint32_t remote_asn)
{
	if (!other)
		return BGP_FSM_COLLISION_NONE;
	switch (other->state) {
	case BGP_STATE_OPEN_CONFIRM: {
		bool keep_out =
		    bgp_fsm_collision_keep_outgoing(local_id, local_asn, remote_id, remote_asn);
		return keep_out == this_is_outgoing ? BGP_FSM_COLLISION_DUMP_OTHER
						    : BGP_FSM_COLLISION_DUMP_THIS;
	}
	case BGP_STATE_ESTABLISHED: {
		/* 6.8: "collision with an existing BGP connection that is in the Established
		 * state causes closing of the newly created connection", unless the identifiers
		 * favour the new one: then the peer may have kept it (fsm.h). */
		bool keep_out =
		    bgp_fsm_collision_keep_outgoing(local_id, local_asn, remote_id, remote_asn);
		return keep_out == this_is_outgoing ? BGP_FSM_COLLISION_PEER_DECIDES
						    : BGP_FSM_COLLISION_DUMP_THIS;
	}
	default:
		return BGP_FSM_COLLISION_NONE;
	}
}

bool bgp_fsm_collision_confirmed(const struct bgp_fsm *this_fsm, const struct bgp_fsm *other)
{
	/* Only PEER_DECIDES leaves a connection in OpenConfirm beside an Established one. */
	return other && this_fsm->state == BGP_STATE_OPEN_CONFIRM &&
	       other->state == BGP_STATE_ESTABLISHED;
}

/* ---- names ---- */

bool bgp_fsm_down_is_graceful(enum bgp_fsm_event_type type)
{
	return type == BGP_FSM_EV_TCP_CONNECTION_FAILS;
}

const char *bgp_fsm_event_name(enum bgp_fsm_event_type type)
{
	switch (type) {
	case BGP_FSM_EV_MANUAL_START:
		return "ManualStart";
	case BGP_FSM_EV_MANUAL_STOP:
		return "ManualStop";
	case BGP_FSM_EV_AUTOMATIC_START:
		return "AutomaticStart";
	case BGP_FSM_EV_AUTOMATIC_STOP:
		return "AutomaticStop";
	case BGP_FSM_EV_CONNECT_RETRY_TIMER_EXPIRES:
		return "ConnectRetryTimer_Expires";
	case BGP_FSM_EV_HOLD_TIMER_EXPIRES:
		return "HoldTimer_Expires";
	case BGP_FSM_EV_KEEPALIVE_TIMER_EXPIRES:
		return "KeepaliveTimer_Expires";
	case BGP_FSM_EV_IDLE_HOLD_TIMER_EXPIRES:
		return "IdleHoldTimer_Expires";
	case BGP_FSM_EV_TCP_CR_ACKED:
		return "Tcp_CR_Acked";
	case BGP_FSM_EV_TCP_CONNECTION_CONFIRMED:
		return "TcpConnectionConfirmed";
	case BGP_FSM_EV_TCP_CONNECTION_FAILS:
		return "TcpConnectionFails";
	case BGP_FSM_EV_BGP_OPEN:
		return "BGPOpen";
	case BGP_FSM_EV_BGP_HEADER_ERR:
		return "BGPHeaderErr";
	case BGP_FSM_EV_BGP_OPEN_MSG_ERR:
		return "BGPOpenMsgErr";
	case BGP_FSM_EV_OPEN_COLLISION_DUMP:
		return "OpenCollisionDump";
	case BGP_FSM_EV_NOTIF_MSG_VER_ERR:
		return "NotifMsgVerErr";
	case BGP_FSM_EV_NOTIF_MSG:
		return "NotifMsg";
	case BGP_FSM_EV_KEEPALIVE_MSG:
		return "KeepAliveMsg";
	case BGP_FSM_EV_UPDATE_MSG:
		return "UpdateMsg";
	case BGP_FSM_EV_UPDATE_MSG_ERR:
		return "UpdateMsgErr";
	case BGP_FSM_EV_SEND_HOLD_TIMER_EXPIRES:
		return "SendHoldTimer_Expires";
	case BGP_FSM_EV_SEND_PROGRESS:
		return "SendProgress";
	case BGP_FSM_EV_STABLE_TIMER_EXPIRES:
		return "StableTimer_Expires";
	case BGP_FSM_EV_BFD_DOWN:
		return "BfdDown";
	}
	return "?";
}

const char *bgp_fsm_action_name(enum bgp_fsm_action_type type)
{
	switch (type) {
	case BGP_FSM_ACT_CONNECT:
		return "CONNECT";
	case BGP_FSM_ACT_CANCEL_CONNECT:
		return "CANCEL_CONNECT";
	case BGP_FSM_ACT_REJECT:
		return "REJECT";
	case BGP_FSM_ACT_SEND_OPEN:
		return "SEND_OPEN";
	case BGP_FSM_ACT_SEND_KEEPALIVE:
		return "SEND_KEEPALIVE";
	case BGP_FSM_ACT_SEND_NOTIFICATION:
		return "SEND_NOTIFICATION";
	case BGP_FSM_ACT_CLOSE:
		return "CLOSE";
	case BGP_FSM_ACT_START_TIMER:
		return "START_TIMER";
	case BGP_FSM_ACT_STOP_TIMER:
		return "STOP_TIMER";
	case BGP_FSM_ACT_PEER_UP:
		return "PEER_UP";
	case BGP_FSM_ACT_PEER_DOWN:
		return "PEER_DOWN";
	case BGP_FSM_ACT_RELEASE:
		return "RELEASE";
	}
	return "?";
}

const char *bgp_fsm_timer_name(enum bgp_fsm_timer timer)
{
	switch (timer) {
	case BGP_FSM_TIMER_CONNECT_RETRY:
		return "ConnectRetryTimer";
	case BGP_FSM_TIMER_HOLD:
		return "HoldTimer";
	case BGP_FSM_TIMER_KEEPALIVE:
		return "KeepaliveTimer";
	case BGP_FSM_TIMER_SEND_HOLD:
		return "SendHoldTimer";
	case BGP_FSM_TIMER_IDLE_HOLD:
		return "IdleHoldTimer";
	case BGP_FSM_TIMER_STABLE:
		return "StableTimer";
	}
	return "?";
}
