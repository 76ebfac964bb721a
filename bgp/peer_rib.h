/*
 * peer_rib: a peer's side of the routing tables. The contents of a decoded UPDATE go into the
 * peer's Adj-RIB-In (route limit applied) and each accepted change into the Loc-RIB decision;
 * a peer going down takes its routes out of both. Private to bgp/ (peer.c).
 */
#ifndef VBR_BGP_PEER_RIB_H
#define VBR_BGP_PEER_RIB_H

#include <stdbool.h>

#include "peer.h"
#include "update.h"

/* Applies a decoded UPDATE (by its RFC 7606 verdict; not SESSION_RESET). Fires
 * on_route_limit once per crossing. Returns true if the route limit asks for a teardown. */
bool peer_apply_update(struct bgp_peer *peer, const struct bgp_update *u);
/* Empties the Adj-RIB-In and recomputes every Loc-RIB entry this peer had won. */
void peer_drop_routes(struct bgp_peer *peer);

#endif
