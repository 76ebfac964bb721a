/*
 * peer_rib: a peer's side of the routing tables. The contents of a decoded UPDATE go into the
 * peer's Adj-RIB-In (route limit applied) and each accepted change into the Loc-RIB decision;
 * a peer going down takes its routes out of both, and graceful restart's stale routes go, in
 * batches of bounded size a loop turn (one batcher for both: rib_in_sweep_stale). Private to
 * bgp/ (peer*.c, speaker.c).
 */
#ifndef VBR_BGP_PEER_RIB_H
#define VBR_BGP_PEER_RIB_H

#include <stdbool.h>

#include "peer.h"
#include "update.h"

enum peer_update_result {
	PEER_UPDATE_OK = 0,
	PEER_UPDATE_LIMIT_TEARDOWN = 1,	  /* the route limit's action is teardown: Cease 1 */
	PEER_UPDATE_OUT_OF_RESOURCES = 2, /* a route could not be stored: Cease 8 (RFC 4486),
					   * never a silent gap in the Adj-RIB-In */
};

/* Applies a decoded UPDATE (by its RFC 7606 verdict; not SESSION_RESET): withdrawals, then
 * routes held for the limit promoted into the room made, then the announced routes (an AS
 * loop refused, RFC 4271 9.1.2). Fires on_route_limit once per crossing and
 * on_route_limit_cleared when the peer has room again. */
enum peer_update_result peer_apply_update(struct bgp_peer *peer, const struct bgp_update *u);
/* Accepts held routes while there is room (after withdrawals or a higher limit), firing
 * on_route_limit_cleared when none is left waiting. */
void peer_rib_settle(struct bgp_peer *peer);
/* Graceful restart: starts removing the routes still flagged stale from the Adj-RIB-In, one
 * batch now and a batch a loop turn after (the Loc-RIB recomputed for the accepted ones, held
 * routes taking the room); peer_gr_stale_swept reports when none is left. A sweep already
 * running goes on with its own reason. */
void peer_rib_sweep_stale(struct bgp_peer *peer, const char *why);
/* A running sweep finishes now, in this turn (the peer's routes are about to be flagged stale
 * again for a new restart, which must not keep the ones being removed). */
void peer_rib_sweep_finish(struct bgp_peer *peer);
/* Empties the Adj-RIB-In at once (the peer starts again with an empty one) and takes its
 * routes out of the Loc-RIB a batch a loop turn, the first batch now: a downed peer's table of
 * any size never makes one loop turn long. */
void peer_drop_routes(struct bgp_peer *peer);
/* The speaker's sweeper (speaker.c): init with the speaker; stop finishes every pending
 * removal at once (shutdown: the route table's last writes follow) and closes the handle;
 * free releases what a speaker freed without a stop still held. */
void peer_rib_sweeper_init(struct bgp_speaker *s);
void peer_rib_sweeper_stop(struct bgp_speaker *s);
void peer_rib_sweeper_free(struct bgp_speaker *s);

#endif
