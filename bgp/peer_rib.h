/*
 * peer_rib: a peer's side of the routing tables. The contents of a decoded UPDATE go into the
 * peer's Adj-RIB-In (route limit applied) and each accepted change into the Loc-RIB decision;
 * a peer going down takes its routes out of both. Private to bgp/ (peer*.c).
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
/* Graceful restart: removes the routes still flagged stale from the Adj-RIB-In, recomputes
 * the Loc-RIB for the accepted ones, and lets held routes take the room. Returns how many. */
uint64_t peer_rib_sweep_stale(struct bgp_peer *peer);
/* Empties the Adj-RIB-In and recomputes every Loc-RIB entry this peer had won. */
void peer_drop_routes(struct bgp_peer *peer);

#endif
