/*
 * peer_collision: connection collisions (RFC 4271 6.8). A peer has a primary FSM instance and,
 * while two connections race, a secondary one; the pure helpers in fsm.h decide which
 * survives, this file applies their verdicts to the peer's two instances.
 */
#include "peer_int.h"

#include <string.h>

#include "speaker_int.h"

static struct bgp_session *other_session(const struct bgp_session *sess)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_session *o = peer->primary == sess ? peer->secondary : peer->primary;
	return o && !o->discarded ? o : NULL;
}

void peer_collision_open(struct bgp_session *sess, struct bgp_fsm_event *ev,
			 const struct bgp_open *open)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_speaker *sp = peer->speaker;
	struct bgp_session *other = other_session(sess);
	enum bgp_fsm_collision c = BGP_FSM_COLLISION_NONE;
	if (other)
		c = bgp_fsm_collision(&other->fsm, sess->outgoing, sp->config.router_id,
				      bgp_peer_local_asn(peer), open->bgp_id, open->asn);
	switch (c) {
	case BGP_FSM_COLLISION_NONE:
	case BGP_FSM_COLLISION_PEER_DECIDES: /* the other stays; see peer_collision_keepalive */
		peer_session_feed(sess, ev);
		break;
	case BGP_FSM_COLLISION_DUMP_THIS:
		peer_feed_simple(sess, BGP_FSM_EV_OPEN_COLLISION_DUMP);
		break;
	case BGP_FSM_COLLISION_DUMP_OTHER:
		if (other == peer->primary) {
			bgp_fsm_adopt_peer_state(&sess->fsm, &other->fsm);
			peer->primary = sess;
			peer->secondary = other;
		}
		peer_feed_simple(other, BGP_FSM_EV_OPEN_COLLISION_DUMP);
		peer_session_feed(sess, ev);
		break;
	}
}

void peer_collision_keepalive(struct bgp_session *sess)
{
	struct bgp_session *other = other_session(sess);
	/* The peer chose this connection over our Established one (PEER_DECIDES): the other
	 * is dumped first, so the peer goes down there before it comes up here (routes,
	 * events and counters as for any new session), and this one takes over (settle). */
	if (other && bgp_fsm_collision_confirmed(&sess->fsm, &other->fsm))
		peer_feed_simple(other, BGP_FSM_EV_OPEN_COLLISION_DUMP);
	peer_feed_simple(sess, BGP_FSM_EV_KEEPALIVE_MSG);
}

void peer_collision_settle(struct bgp_peer *peer)
{
	struct bgp_session *p = peer->primary, *s = peer->secondary;
	if (s && (s->discarded || s->fsm.state < BGP_STATE_OPEN_SENT)) {
		/* A secondary exists only for a connection it accepted: below OpenSent it lost
		 * it, and must not start connecting on its own (Active's ConnectRetry). */
		peer_session_discard(s);
		peer->secondary = s = NULL;
	}
	if (p && s && bgp_fsm_secondary_takes_over(&p->fsm, &s->fsm)) {
		bgp_fsm_adopt_peer_state(&s->fsm, &p->fsm);
		peer_session_discard(p);
		peer->primary = s;
		peer->secondary = NULL;
	}
}

struct bgp_session *peer_collision_incoming(struct bgp_peer *peer, bool *peer_restarted)
{
	struct bgp_session *target = NULL;
	*peer_restarted = false;
	enum bgp_fsm_incoming c = bgp_fsm_route_incoming(&peer->primary->fsm,
							 peer->secondary != NULL, peer->gr_negotiated);
	switch (c) {
	case BGP_FSM_INCOMING_TO_PRIMARY:
		target = peer->primary;
		break;
	case BGP_FSM_INCOMING_PEER_RESTARTED:
	case BGP_FSM_INCOMING_TO_SECONDARY:
		/* After a restart too, the new connection is a secondary until the primary is
		 * gone. */
		*peer_restarted = c == BGP_FSM_INCOMING_PEER_RESTARTED;
		target = peer_session_new(peer);
		if (!target)
			break;
		bgp_fsm_init_secondary(&target->fsm, &peer->primary->fsm);
		peer->secondary = target;
		break;
	case BGP_FSM_INCOMING_REJECT:
		break;
	}
	return target;
}

void peer_collision_peer_restarted(struct bgp_peer *peer)
{
	struct bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = BGP_FSM_EV_TCP_CONNECTION_FAILS;
	ev.tcp_fail.detail = "new connection from the peer while Established: it restarted "
			     "(RFC 4724 4.2)";
	peer_session_feed(peer->primary, &ev);
}
