/*
 * peer_msg: a session's incoming messages. Each is decoded with the codec (open.h, update.h,
 * msg.h) and becomes an FSM event (peer_session_feed); what an UPDATE carries goes to
 * peer_rib.c (Adj-RIB-In, then the Loc-RIB), an OPEN goes through collision resolution
 * (peer_collision.c), a ROUTE-REFRESH is answered by peer_adv.c.
 */
#include "peer_int.h"

#include <string.h>

#include "msg.h"
#include "peer_gr.h"
#include "peer_rib.h"
#include "speaker_int.h"
#include "update.h"

void peer_feed_notify(struct bgp_session *sess, enum bgp_fsm_event_type type,
		      const struct bgp_notification *n, const char *message)
{
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.notify.code = n->code;
	ev.notify.subcode = n->subcode;
	ev.notify.data = n->data;
	ev.notify.data_len = n->data_len;
	ev.notify.message = message;
	peer_session_feed(sess, &ev);
}

static void handle_open(struct bgp_session *sess, const struct bgp_frame *frame)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_speaker *sp = peer->speaker;
	struct bgp_open open;
	struct bgp_notification err;
	struct bgp_open_expect expect = { .peer_asn = peer->config.peer_asn,
					  .local_asn = bgp_peer_local_asn(peer),
					  .local_router_id = sp->config.router_id };
	if (bgp_open_decode(frame->body, frame->body_len, &open, &err) != 0 ||
	    bgp_open_check(&open, &expect, &err) != 0) {
		peer_feed_notify(sess, BGP_FSM_EV_BGP_OPEN_MSG_ERR, &err, NULL);
		return;
	}
	sess->open = open;
	sess->have_open = true;
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = BGP_FSM_EV_BGP_OPEN;
	ev.open.hold_time = open.hold_time;
	ev.open.bgp_id = open.bgp_id;
	peer_collision_open(sess, &ev, &open);
}

static void handle_update(struct bgp_session *sess, const struct bgp_frame *frame)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_speaker *sp = peer->speaker;
	if (sess->fsm.state != BGP_STATE_ESTABLISHED || sess != peer->primary) {
		peer_feed_simple(sess, BGP_FSM_EV_UPDATE_MSG); /* the FSM's error handling */
		return;
	}
	struct bgp_attr_ctx ctx = { .as4 = peer->as4,
				    .ibgp = false,
				    .peer_asn = peer->config.peer_asn,
				    .enforce_first_as = false,
				    .local_addr = peer->local_ip };
	struct bgp_update *u = sp->update;
	enum bgp_verdict v = bgp_update_decode(frame->body, frame->body_len, &ctx, u);
	if (v == BGP_VERDICT_SESSION_RESET) {
		peer_feed_notify(sess, BGP_FSM_EV_UPDATE_MSG_ERR, &u->err, NULL);
		return;
	}
	enum peer_update_result res = peer_apply_update(peer, u);
	if (u->end_of_rib && res == PEER_UPDATE_OK)
		peer_gr_end_of_rib(peer);
	peer_notify_counters(peer);
	peer_feed_simple(sess, BGP_FSM_EV_UPDATE_MSG);
	if (res != PEER_UPDATE_OK && !sess->discarded) {
		struct bgp_fsm_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = BGP_FSM_EV_AUTOMATIC_STOP;
		ev.stop.subcode = res == PEER_UPDATE_LIMIT_TEARDOWN
				      ? BGP_SUBERR_CEASE_MAX_PREFIXES
				      : BGP_SUBERR_CEASE_OUT_OF_RESOURCES;
		peer_session_feed(sess, &ev);
	}
}

static void handle_notification(struct bgp_session *sess, const struct bgp_frame *frame)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_notification n;
	memset(&n, 0, sizeof(n));
	if (bgp_notification_decode(frame->body, frame->body_len, &n) != 0)
		bgp_notification_set(&n, BGP_ERR_CEASE, 0, NULL, 0);
	peer->notifications_in++;
	peer->notifications_in_by_code[BGP_NOTIFY_SLOT(n.code)]++;
	char text[BGP_SHUTDOWN_MSG_MAX + 1];
	bool has_text = bgp_notification_shutdown_message(&n, text) == BGP_SHUTDOWN_MSG_OK;
	enum bgp_fsm_event_type type =
		n.code == BGP_ERR_OPEN && n.subcode == BGP_SUBERR_OPEN_UNSUPPORTED_VERSION ?
			BGP_FSM_EV_NOTIF_MSG_VER_ERR :
			BGP_FSM_EV_NOTIF_MSG;
	peer_feed_notify(sess, type, &n, has_text ? text : NULL);
}

static void handle_route_refresh(struct bgp_session *sess, const struct bgp_frame *frame)
{
	struct bgp_route_refresh rr;
	struct bgp_notification err;
	if (bgp_route_refresh_decode(frame->body, frame->body_len, &rr, &err) != 0) {
		/* RFC 7313 5: ROUTE-REFRESH Message Error / Invalid Message Length. */
		peer_feed_notify(sess, BGP_FSM_EV_UPDATE_MSG_ERR, &err, NULL);
		return;
	}
	if (rr.afi == BGP_AFI_IPV4 && rr.safi == BGP_SAFI_UNICAST && rr.subtype == 0 &&
	    sess->fsm.state == BGP_STATE_ESTABLISHED && sess == sess->peer->primary) {
		/* RFC 2918 3: send the Adj-RIB-Out again. */
		peer_adv_refresh(sess);
	}
	peer_feed_simple(sess, BGP_FSM_EV_UPDATE_MSG);
}

bool peer_msg_received(void *owner, struct bgp_conn *conn, const struct bgp_frame *frame)
{
	struct bgp_session *sess = owner;
	if (sess->conn != conn || sess->discarded)
		return false;
	sess->peer->messages_in++;
	switch (frame->type) {
	case BGP_MSG_OPEN:
		handle_open(sess, frame);
		break;
	case BGP_MSG_UPDATE:
		handle_update(sess, frame);
		break;
	case BGP_MSG_NOTIFICATION:
		handle_notification(sess, frame);
		break;
	case BGP_MSG_KEEPALIVE:
		peer_collision_keepalive(sess);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		handle_route_refresh(sess, frame);
		break;
	default:
		break;
	}
	return sess->conn == conn && !sess->discarded && !conn->closing;
}

