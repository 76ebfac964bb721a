/*
 * peer: drives one configured peer's sessions. Everything that happens to a session becomes an
 * FSM event (fsm.h); the FSM's actions are performed here, in order: connect, send, close,
 * timers, peer up/down. The state the service sees is the primary instance's, reported
 * through on_state_change whenever it changes.
 *
 * Beside it (peer_int.h is their seam): incoming messages are decoded and handled in
 * peer_msg.c, connection collisions (RFC 4271 6.8) resolved in peer_collision.c, our routes
 * written in peer_adv.c; the peer's side of the routing tables is peer_rib.c, graceful
 * restart peer_gr.c, BFD peer_bfd.c, the TCP MD5 diagnosis md5_diag.c.
 */
#include "peer_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md5_diag.h"
#include "peer_bfd.h"
#include "peer_gr.h"
#include "peer_rib.h"
#include "speaker_int.h"

#define CLOSE_LINGER_MS 2000 /* bound on writing a final NOTIFICATION */

static void peer_after(struct bgp_peer *peer, const char *reason);

/* ---- sessions ---- */

static void timer_closed(uv_handle_t *h)
{
	struct bgp_session *sess = h->data;
	if (--sess->timers_open > 0)
		return;
	struct bgp_speaker *sp = sess->speaker;
	free(sess);
	speaker_handle_closed(sp);
}

static void timer_cb(uv_timer_t *t);

struct bgp_session *peer_session_new(struct bgp_peer *peer)
{
	struct bgp_session *sess = calloc(1, sizeof(*sess));
	if (!sess)
		return NULL;
	sess->peer = peer;
	sess->speaker = peer->speaker;
	for (int i = 0; i < BGP_FSM_TIMER_COUNT; i++) {
		uv_timer_init(peer->speaker->loop, &sess->timers[i]);
		sess->timers[i].data = sess;
	}
	sess->timers_open = BGP_FSM_TIMER_COUNT;
	peer->speaker->open_handles++;
	return sess;
}

static void session_fsm_config(const struct bgp_peer *peer, struct bgp_fsm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->hold_time_s = peer->config.hold_time;
	c->keepalive_s = peer->config.keepalive_time;
	c->send_hold_min_ms = peer->speaker->config.send_hold_ms;
}

void peer_session_discard(struct bgp_session *sess)
{
	if (!sess || sess->discarded)
		return;
	sess->discarded = true;
	if (sess->new_conn && sess->new_conn != sess->conn)
		bgp_conn_close(sess->new_conn, false, 0);
	sess->new_conn = NULL;
	if (sess->conn)
		bgp_conn_close(sess->conn, true, CLOSE_LINGER_MS);
	sess->conn = NULL;
	for (int i = 0; i < BGP_FSM_TIMER_COUNT; i++) {
		uv_timer_stop(&sess->timers[i]);
		uv_close((uv_handle_t *)&sess->timers[i], timer_closed);
	}
}

/* The connection the current event reported becomes the session's connection. */
static void session_take_new(struct bgp_session *sess)
{
	if (!sess->new_conn)
		return;
	if (sess->conn && sess->conn != sess->new_conn)
		bgp_conn_close(sess->conn, false, 0);
	sess->conn = sess->new_conn;
	sess->outgoing = sess->conn->outgoing;
	sess->new_conn = NULL;
}

void peer_notify_counters(struct bgp_peer *peer)
{
	struct bgp_speaker *sp = peer->speaker;
	if (sp->callbacks.on_peer_counters && !peer->speaker_detached)
		sp->callbacks.on_peer_counters(sp->ctx, peer->config.id);
}

/* ---- connection callbacks ---- */

static void conn_connected(void *owner, struct bgp_conn *conn, int status);
static void conn_frame_error(void *owner, struct bgp_conn *conn,
			     const struct bgp_notification *err);
static void conn_failed(void *owner, struct bgp_conn *conn, int status);
static void conn_written(void *owner, struct bgp_conn *conn);

static const struct bgp_conn_ops session_conn_ops = {
	.connected = conn_connected,
	.message = peer_msg_received,
	.frame_error = conn_frame_error,
	.failed = conn_failed,
	.written = conn_written,
};

/* ---- performing actions ---- */

void peer_session_flush(struct bgp_session *sess)
{
	if (sess->conn)
		bgp_conn_flush(sess->conn);
}

static void peer_up(struct bgp_session *sess)
{
	struct bgp_peer *peer = sess->peer;
	peer->established = true;
	peer->as4 = sess->have_open && sess->open.cap_as4;
	peer->local_ip = sess->conn ? sess->conn->local_ip : 0;
	peer->established_since_ms = speaker_now_ms();
	peer->established_transitions++;
	peer->gr_negotiated = peer->config.graceful_restart && sess->have_open &&
			      sess->open.cap_graceful_restart && sess->open.gr_ipv4_unicast;
	peer->restart_told = true;
	peer->eor_received = false;
	peer_gr_session_up(peer, sess);
	peer_bfd_local(peer, peer->local_ip);
	peer_adv_session_up(sess);
}

/* ev: the event that brought the session down (graceful restart keeps routes for some). */
static void peer_down(struct bgp_peer *peer, enum bgp_fsm_event_type ev)
{
	if (!peer->established)
		return;
	peer->established = false;
	peer->established_since_ms = 0;
	peer->advertised_routes = 0;
	peer->local_ip = 0;
	if (!peer_gr_session_down(peer, ev))
		peer_drop_routes(peer);
	peer_notify_counters(peer);
}

static void send_notification(struct bgp_session *sess, const struct bgp_fsm_action *a)
{
	session_take_new(sess);
	if (!sess->conn)
		return;
	int rc;
	if (a->notify.code == BGP_ERR_CEASE && a->notify.message &&
	    (a->notify.subcode == BGP_SUBERR_CEASE_ADMIN_SHUTDOWN ||
	     a->notify.subcode == BGP_SUBERR_CEASE_ADMIN_RESET)) {
		rc = bgp_notification_encode_shutdown(&sess->conn->out, a->notify.subcode,
						      a->notify.message);
	} else {
		struct bgp_notification n;
		bgp_notification_set(&n, a->notify.code, a->notify.subcode, a->notify.data,
				     a->notify.data_len);
		rc = bgp_notification_encode(&sess->conn->out, &n);
	}
	if (rc == 0)
		bgp_conn_mark_notification(sess->conn, a->notify.code); /* counted once written */
	peer_session_flush(sess);
}

static void start_connect(struct bgp_session *sess)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_speaker *sp = peer->speaker;
	if (sess->conn) /* an attempt or connection already exists: the FSM restarts it */
		bgp_conn_close(sess->conn, false, 0);
	sess->conn = NULL;
	if (peer_bfd_blocks(peer)) {
		/* RFC 5882 3.2: no BGP over a path BFD calls down; ConnectRetry tries again. */
		snprintf(peer->last_error, sizeof(peer->last_error),
			 "waiting for BFD to come Up before connecting");
		return;
	}
	struct bgp_conn *conn;
	uint16_t port = sp->config.peer_port ? sp->config.peer_port : 179;
	md5_diag_connect_started(peer);
	int rc = bgp_conn_connect(sp->loop, peer->config.peer_ip, port, peer->config.auth_key,
				  sp->config.listen_ip, &session_conn_ops, sess, &conn);
	if (rc) {
		snprintf(peer->last_error, sizeof(peer->last_error), "cannot connect: %s",
			 uv_strerror(rc));
		peer_notify_counters(peer);
		return; /* the ConnectRetry timer tries again */
	}
	speaker_track_conn(sp, conn);
	conn->peer_id = peer->config.id;
	sess->conn = conn;
	sess->outgoing = true;
}

static void perform(struct bgp_session *sess, const struct bgp_fsm_output *out)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_speaker *sp = peer->speaker;
	for (size_t i = 0; i < out->n_actions; i++) {
		const struct bgp_fsm_action *a = &out->actions[i];
		switch (a->type) {
		case BGP_FSM_ACT_CONNECT:
			start_connect(sess);
			break;
		case BGP_FSM_ACT_CANCEL_CONNECT:
			if (sess->conn && sess->conn != sess->new_conn && sess->conn->outgoing) {
				bgp_conn_close(sess->conn, false, 0);
				sess->conn = NULL;
			}
			break;
		case BGP_FSM_ACT_REJECT:
			if (sess->new_conn) {
				bgp_conn_close(sess->new_conn, false, 0);
				if (sess->conn == sess->new_conn)
					sess->conn = NULL;
				sess->new_conn = NULL;
			}
			break;
		case BGP_FSM_ACT_SEND_OPEN: {
			session_take_new(sess);
			if (!sess->conn)
				break;
			struct bgp_open_local l = { .asn = bgp_peer_local_asn(peer),
						    .hold_time = sess->fsm.config.hold_time_s,
						    .router_id = sp->config.router_id };
			peer_gr_open_local(peer, &l);
			if (bgp_open_encode(&sess->conn->out, &l) == 0)
				peer->messages_out++;
			peer_session_flush(sess);
			break;
		}
		case BGP_FSM_ACT_SEND_KEEPALIVE:
			session_take_new(sess);
			if (sess->conn && bgp_keepalive_encode(&sess->conn->out) == 0)
				peer->messages_out++;
			peer_session_flush(sess);
			break;
		case BGP_FSM_ACT_SEND_NOTIFICATION:
			send_notification(sess, a);
			break;
		case BGP_FSM_ACT_CLOSE:
			session_take_new(sess);
			if (sess->conn)
				bgp_conn_close(sess->conn, a->flush, CLOSE_LINGER_MS);
			sess->conn = NULL;
			break;
		case BGP_FSM_ACT_START_TIMER: {
			uint32_t ms = a->ms;
			if ((int)a->timer >= 0 && a->timer < BGP_FSM_TIMER_COUNT)
				uv_timer_start(&sess->timers[a->timer], timer_cb, ms, 0);
			if (a->timer == BGP_FSM_TIMER_HOLD)
				sess->hold_graces = 0;
			break;
		}
		case BGP_FSM_ACT_STOP_TIMER:
			if ((int)a->timer >= 0 && a->timer < BGP_FSM_TIMER_COUNT)
				uv_timer_stop(&sess->timers[a->timer]);
			break;
		case BGP_FSM_ACT_PEER_UP:
			session_take_new(sess);
			peer_up(sess);
			break;
		case BGP_FSM_ACT_PEER_DOWN:
			peer_down(peer, sess->feeding);
			break;
		case BGP_FSM_ACT_RELEASE:
			sess->have_open = false;
			break;
		}
	}
}

void peer_session_feed(struct bgp_session *sess, struct bgp_fsm_event *ev)
{
	if (sess->discarded)
		return;
	struct bgp_fsm_output out;
	ev->random = speaker_random(sess->peer->speaker);
	bgp_fsm_step(&sess->fsm, ev, &out);
	sess->feeding = ev->type;
	perform(sess, &out);
	if (sess->new_conn) {
		/* Nothing used or refused the reported connection: keep it unless the instance
		 * went back to Idle. */
		if (sess->fsm.state != BGP_STATE_IDLE) {
			session_take_new(sess);
		} else {
			bgp_conn_close(sess->new_conn, false, 0);
			if (sess->conn == sess->new_conn)
				sess->conn = NULL;
			sess->new_conn = NULL;
		}
	}
	if (sess->fsm.state == BGP_STATE_IDLE && sess->conn) {
		bgp_conn_close(sess->conn, true, CLOSE_LINGER_MS);
		sess->conn = NULL;
	}
	peer_after(sess->peer, out.reason);
}

void peer_feed_simple(struct bgp_session *sess, enum bgp_fsm_event_type type)
{
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	peer_session_feed(sess, &ev);
}

/* After any event: drop finished instances, promote a secondary whose primary died, and tell
 * the service about a change of the peer's visible state. */
static void peer_after(struct bgp_peer *peer, const char *reason)
{
	peer_collision_settle(peer);
	enum bgp_state now = peer->primary ? peer->primary->fsm.state : BGP_STATE_IDLE;
	enum bgp_state old = peer->reported_state;
	if (now == old)
		return;
	peer->reported_state = now;
	if (peer->speaker_detached)
		return;
	if (!reason || !*reason)
		reason = "connection collision resolved";
	bool failure = old != BGP_STATE_IDLE &&
		       (now == BGP_STATE_IDLE || now == BGP_STATE_ACTIVE || now < old);
	if (failure)
		snprintf(peer->last_error, sizeof(peer->last_error), "%s", reason);
	struct bgp_speaker *sp = peer->speaker;
	if (sp->callbacks.on_state_change)
		sp->callbacks.on_state_change(sp->ctx, peer->config.id, old, now, reason);
	peer_notify_counters(peer);
}

/*
 * libuv runs due timers before it polls, so after a long loop turn the peer's KEEPALIVE may
 * be waiting unread, in the socket or in the connection's buffer, when the hold timer fires.
 * BIRD's rule: when input may be pending at a hold-timer expiry, re-arm briefly and let the
 * read run first; a message that restarts the hold timer cancels the expiry. Once for the
 * socket (1 ms: this turn's poll reads it), and while our buffer holds unframed input (it is
 * being worked through a budget a turn), up to HOLD_GRACE_MAX times.
 */
#define HOLD_GRACE_MAX 20

static bool hold_grace(struct bgp_session *sess)
{
	bool buffered = bgp_conn_input_pending(sess->conn);
	if (sess->hold_graces >= HOLD_GRACE_MAX || (!buffered && sess->hold_graces > 0))
		return false;
	sess->hold_graces++;
	uv_timer_start(&sess->timers[BGP_FSM_TIMER_HOLD], timer_cb, buffered ? 50 : 1, 0);
	return true;
}

static void timer_cb(uv_timer_t *t)
{
	struct bgp_session *sess = t->data;
	enum bgp_fsm_timer which = (enum bgp_fsm_timer)(t - sess->timers);
	struct bgp_peer *peer = sess->peer;
	if (which == BGP_FSM_TIMER_CONNECT_RETRY && sess->conn && sess->conn->outgoing &&
	    !sess->conn->connected) {
		/* No SYN-ACK in time: a wrong TCP MD5 key looks exactly like this. */
		md5_diag_connect_timed_out(peer);
	}
	if (which == BGP_FSM_TIMER_HOLD && sess->conn && hold_grace(sess))
		return;
	peer_feed_simple(sess, bgp_fsm_timer_event(which));
	if (which == BGP_FSM_TIMER_CONNECT_RETRY)
		peer_notify_counters(peer); /* last_error may have changed without a transition */
}

static void conn_connected(void *owner, struct bgp_conn *conn, int status)
{
	struct bgp_session *sess = owner;
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	if (status == 0) {
		sess->new_conn = conn;
		ev.type = BGP_FSM_EV_TCP_CR_ACKED;
	} else {
		bgp_conn_close(conn, false, 0);
		if (sess->conn == conn)
			sess->conn = NULL;
		ev.type = BGP_FSM_EV_TCP_CONNECTION_FAILS;
		ev.tcp_fail.error = status;
		ev.tcp_fail.detail = uv_strerror(status);
	}
	peer_session_feed(sess, &ev);
}

static void conn_failed(void *owner, struct bgp_conn *conn, int status)
{
	struct bgp_session *sess = owner;
	bgp_conn_close(conn, false, 0);
	if (sess->conn == conn)
		sess->conn = NULL;
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = BGP_FSM_EV_TCP_CONNECTION_FAILS;
	ev.tcp_fail.error = status == UV_EOF ? 0 : status;
	ev.tcp_fail.detail = status == UV_EOF ? NULL : uv_strerror(status);
	peer_session_feed(sess, &ev);
}

static void conn_written(void *owner, struct bgp_conn *conn)
{
	struct bgp_session *sess = owner;
	if (sess->conn == conn)
		peer_feed_simple(sess, BGP_FSM_EV_SEND_PROGRESS);
}

static void conn_frame_error(void *owner, struct bgp_conn *conn,
			     const struct bgp_notification *err)
{
	struct bgp_session *sess = owner;
	if (sess->conn == conn)
		peer_feed_notify(sess, BGP_FSM_EV_BGP_HEADER_ERR, err, NULL);
}

/* ---- the peer ---- */

struct bgp_peer *bgp_peer_new(struct bgp_speaker *speaker, const struct bgp_peer_config *config)
{
	struct bgp_peer *peer = calloc(1, sizeof(*peer));
	if (!peer)
		return NULL;
	peer->speaker = speaker;
	peer->config = *config;
	peer->reported_state = BGP_STATE_IDLE;
	rib_in_init(&peer->rib_in, config->route_limit);
	peer->primary = peer_session_new(peer);
	if (!peer->primary) {
		free(peer);
		return NULL;
	}
	struct bgp_fsm_config fc;
	session_fsm_config(peer, &fc);
	bgp_fsm_init(&peer->primary->fsm, &fc);
	return peer;
}

void bgp_peer_start(struct bgp_peer *peer)
{
	peer_bfd_sync(peer);
	peer->start_held = !route_table_peers_may_start(peer->speaker);
	if (peer->start_held)
		return; /* speaker_start_held_peers, once the kernel's routes are read */
	if (!peer->config.admin_down && peer->primary)
		peer_feed_simple(peer->primary, BGP_FSM_EV_MANUAL_START);
}

static void feed_stop(struct bgp_session *sess, uint8_t subcode, const char *message)
{
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = BGP_FSM_EV_MANUAL_STOP;
	ev.stop.subcode = subcode;
	ev.stop.message = message;
	peer_session_feed(sess, &ev);
}

static void stop_sessions(struct bgp_peer *peer, uint8_t subcode, const char *message)
{
	if (peer->secondary) {
		feed_stop(peer->secondary, subcode, message);
		peer_session_discard(peer->secondary);
		peer->secondary = NULL;
	}
	if (peer->primary)
		feed_stop(peer->primary, subcode, message);
}

void bgp_peer_apply(struct bgp_peer *peer, const struct bgp_peer_config *config)
{
	struct bgp_peer_config old = peer->config;
	peer->config = *config;
	peer->rib_in.limit = config->route_limit;
	if (config->route_limit != old.route_limit)
		peer_rib_settle(peer); /* a higher limit admits held routes */
	if (peer->primary) {
		struct bgp_fsm_config fc = peer->primary->fsm.config;
		fc.hold_time_s = config->hold_time;
		fc.keepalive_s = config->keepalive_time;
		peer->primary->fsm.config = fc;
	}
	bool key_changed = strcmp(old.auth_key, config->auth_key) != 0;
	if (key_changed || old.peer_ip != config->peer_ip) {
		if (old.peer_ip != config->peer_ip)
			speaker_listener_key(peer->speaker, old.peer_ip, "");
		speaker_listener_key(peer->speaker, config->peer_ip, config->auth_key);
	}
	peer_bfd_sync(peer);
	if (config->admin_down && !old.admin_down) {
		stop_sessions(peer, BGP_SUBERR_CEASE_ADMIN_SHUTDOWN, config->shutdown_message);
		peer_gr_flush(peer, "peer disabled");
		route_table_defer_check(peer->speaker); /* not waited for any more */
		return;
	}
	if (!config->admin_down && old.admin_down) {
		bgp_peer_start(peer);
		return;
	}
	if (!config->admin_down &&
	    (key_changed || old.peer_asn != config->peer_asn || old.peer_ip != config->peer_ip ||
	     old.local_asn != config->local_asn)) {
		/* RFC 4486: the session is reset for a configuration change. */
		stop_sessions(peer, BGP_SUBERR_CEASE_OTHER_CONFIG_CHANGE, NULL);
		peer_gr_flush(peer, "peer reconfigured");
		bgp_peer_start(peer);
	}
}

/* After the sessions were stopped: nothing of the peer runs any more. */
static void halt_rest(struct bgp_peer *peer)
{
	peer_session_discard(peer->primary);
	peer->primary = NULL;
	peer_down(peer, BGP_FSM_EV_MANUAL_STOP);
	peer_gr_close(peer);
	peer->reported_state = BGP_STATE_IDLE;
}

void bgp_peer_halt(struct bgp_peer *peer, uint8_t cease_subcode, const char *message)
{
	peer_bfd_remove(peer);
	stop_sessions(peer, cease_subcode, message);
	halt_rest(peer);
}

bool bgp_peer_may_halt_graceful(const struct bgp_peer *peer)
{
	return peer->established && peer->gr_negotiated && peer->config.graceful_restart &&
	       !peer->config.admin_down;
}

void bgp_peer_halt_graceful(struct bgp_peer *peer)
{
	peer_bfd_remove(peer);
	/* No FSM event: ManualStop would send Cease. The connections close after writing what
	 * is queued (no NOTIFICATION), which the peer takes for a restart (RFC 4724 4.2). */
	peer_session_discard(peer->secondary);
	peer->secondary = NULL;
	halt_rest(peer);
}

void bgp_peer_destroy(struct bgp_peer *peer, uint8_t cease_subcode, const char *message)
{
	bgp_peer_halt(peer, cease_subcode, message);
	peer_drop_routes(peer);
	free(peer);
}

int bgp_peer_reset(struct bgp_peer *peer, bool soft, const char *message)
{
	struct bgp_session *sess = peer->primary;
	if (soft) {
		if (!sess || sess->fsm.state != BGP_STATE_ESTABLISHED || !sess->conn)
			return -ENOTCONN;
		if (!sess->have_open || !sess->open.cap_route_refresh)
			return -EOPNOTSUPP;
		struct bgp_route_refresh rr = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST };
		if (bgp_route_refresh_encode(&sess->conn->out, &rr) != 0)
			return -ENOMEM;
		peer->messages_out++;
		peer_session_flush(sess);
		return 0;
	}
	if (peer->config.admin_down)
		return 0;
	stop_sessions(peer, BGP_SUBERR_CEASE_ADMIN_RESET, message);
	peer_gr_flush(peer, "peer reset");
	bgp_peer_start(peer);
	return 0;
}

void bgp_peer_accept(struct bgp_peer *peer, struct bgp_conn *conn)
{
	if (!peer->primary || peer->config.admin_down || peer_bfd_blocks(peer)) {
		bgp_conn_close(conn, false, 0);
		return;
	}
	bool peer_restarted;
	struct bgp_session *target = peer_collision_incoming(peer, &peer_restarted);
	if (!target) {
		bgp_conn_close(conn, false, 0);
		return;
	}
	conn->peer_id = peer->config.id;
	bgp_conn_start(conn, &session_conn_ops, target);
	target->new_conn = conn;
	peer_feed_simple(target, BGP_FSM_EV_TCP_CONNECTION_CONFIRMED);
	if (peer_restarted && peer->secondary == target)
		peer_collision_peer_restarted(peer);
}

uint32_t bgp_peer_local_asn(const struct bgp_peer *peer)
{
	return peer->config.local_asn ? peer->config.local_asn : peer->speaker->config.local_asn;
}

void bgp_peer_status(const struct bgp_peer *peer, struct bgp_peer_status *out)
{
	memset(out, 0, sizeof(*out));
	const struct bgp_session *p = peer->primary;
	out->state = p ? p->fsm.state : BGP_STATE_IDLE;
	out->established_since_ms = peer->established ? peer->established_since_ms : 0;
	out->received_routes = rib_in_received(&peer->rib_in);
	out->accepted_routes = peer->rib_in.accepted;
	out->advertised_routes = peer->advertised_routes;
	if (p && (p->fsm.state == BGP_STATE_OPEN_CONFIRM ||
		  p->fsm.state == BGP_STATE_ESTABLISHED)) {
		out->negotiated_hold_time = p->fsm.hold_s;
		out->remote_router_id = p->fsm.remote_id;
	}
	out->local_ip = peer->established ? peer->local_ip : 0;
	snprintf(out->last_error, sizeof(out->last_error), "%s", peer->last_error);
	out->graceful_restart_negotiated = peer->established && peer->gr_negotiated;
	out->stale_routes = peer->rib_in.stale;
	out->graceful_restarts = peer->graceful_restarts;
	out->established_transitions = peer->established_transitions;
	out->messages_in = peer->messages_in;
	out->messages_out = peer->messages_out;
	out->notifications_in = peer->notifications_in;
	out->notifications_out = peer->notifications_out;
	memcpy(out->notifications_in_by_code, peer->notifications_in_by_code,
	       sizeof(out->notifications_in_by_code));
	memcpy(out->notifications_out_by_code, peer->notifications_out_by_code,
	       sizeof(out->notifications_out_by_code));
	peer_bfd_status(peer, out);
}

void bgp_peer_bfd_down(struct bgp_peer *peer, const char *detail)
{
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = BGP_FSM_EV_BFD_DOWN;
	ev.bfd.detail = detail;
	if (peer->secondary)
		peer_session_feed(peer->secondary, &ev);
	if (peer->primary)
		peer_session_feed(peer->primary, &ev);
}
