/*
 * peer_int: the seam between the parts of the session driver, private to bgp/peer*.c.
 * peer.c interprets the FSM's actions and owns the sessions' lifecycle; peer_msg.c decodes
 * and handles incoming messages; peer_collision.c resolves connection collisions (RFC 4271
 * 6.8); peer_adv.c writes our routes to a session. Each feeds the FSM only through
 * peer_session_feed, so the actions of every event are performed in one place.
 */
#ifndef VBR_BGP_PEER_INT_H
#define VBR_BGP_PEER_INT_H

#include <stdbool.h>

#include "conn.h"
#include "fsm.h"
#include "open.h"
#include "peer.h"

/* ---- peer.c: the driver ---- */

/* One event into the session's FSM; its actions are performed in order, then the peer's
 * visible state is settled and reported. Nothing happens on a discarded session. */
void peer_session_feed(struct bgp_session *sess, struct bgp_fsm_event *ev);
/* The same for an event that carries no data. */
void peer_feed_simple(struct bgp_session *sess, enum bgp_fsm_event_type type);
/* A new FSM instance of the peer (uninitialised FSM), or NULL without memory. */
struct bgp_session *peer_session_new(struct bgp_peer *peer);
/* Stops everything the session has and frees it once its handles are closed. */
void peer_session_discard(struct bgp_session *sess);
/* Starts writing what is queued on the session's connection. */
void peer_session_flush(struct bgp_session *sess);

/* ---- peer_msg.c: incoming messages ---- */

/* bgp_conn_ops.message: one whole message on a session's connection. */
bool peer_msg_received(void *owner, struct bgp_conn *conn, const struct bgp_frame *frame);
/* An event that carries a NOTIFICATION (received, or the error to send for what was). */
void peer_feed_notify(struct bgp_session *sess, enum bgp_fsm_event_type type,
		      const struct bgp_notification *n, const char *message);

/* ---- peer_collision.c: two connections for one peer (RFC 4271 6.8) ---- */

/* An OPEN (decoded and checked; ev is its BGP_FSM_EV_BGP_OPEN event) arrived on sess: if the
 * other instance has a connection too, the BGP identifiers decide which one is dumped; the
 * OPEN is fed to the survivor. */
void peer_collision_open(struct bgp_session *sess, struct bgp_fsm_event *ev,
			 const struct bgp_open *open);
/* A KEEPALIVE arrived on sess: if it confirms the peer's choice of sess over an Established
 * other connection (bgp_fsm_collision_confirmed), the other is dumped first. */
void peer_collision_keepalive(struct bgp_session *sess);
/* After any event: drops a secondary that lost its connection, promotes a secondary whose
 * primary died. */
void peer_collision_settle(struct bgp_peer *peer);
/* The instance an accepted connection goes to (a new secondary while our own connect is in
 * progress), or NULL when it is refused. *peer_restarted: the primary is Established with
 * graceful restart and this is the peer back from a restart (RFC 4724 4.2): once the new
 * connection is confirmed, the caller ends the primary (peer_collision_peer_restarted). */
struct bgp_session *peer_collision_incoming(struct bgp_peer *peer, bool *peer_restarted);
/* Ends the Established primary as if its TCP connection had failed (graceful restart keeps
 * its routes stale); the secondary holding the new connection then takes over. */
void peer_collision_peer_restarted(struct bgp_peer *peer);

/* ---- peer_adv.c: our routes to the peer ---- */

/* Session Established: our networks, then End-of-RIB (RFC 4724 2). */
void peer_adv_session_up(struct bgp_session *sess);
/* The peer's ROUTE-REFRESH (RFC 2918 3): our networks again. */
void peer_adv_refresh(struct bgp_session *sess);

#endif
