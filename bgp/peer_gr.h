/*
 * peer_gr: graceful restart with vbrd as the helper (RFC 4724 4.2). When a peer that
 * negotiated it loses its session without a NOTIFICATION, its routes stay in the Adj-RIB-In,
 * the Loc-RIB, the route table and the kernel, flagged stale, for the restart time its OPEN
 * gave; the new session refreshes what it announces again, and at its End-of-RIB the rest
 * goes. If it does not come back in time, or comes back without having kept its forwarding
 * state, the stale routes go then. Private to bgp/ (peer*.c).
 */
#ifndef VBR_BGP_PEER_GR_H
#define VBR_BGP_PEER_GR_H

#include <stdbool.h>

#include "fsm.h"
#include "peer.h"

/* How long stale routes wait for End-of-RIB once the peer is back (FRR's stalepath-time). */
#define PEER_GR_STALE_PATH_S 360

/* The Established session came up: remembers the peer's restart time and identifier; stale
 * routes of an earlier session wait for End-of-RIB if the peer kept its forwarding state
 * (F bit) and still offers graceful restart, else they go now. */
void peer_gr_session_up(struct bgp_peer *peer, const struct bgp_session *sess);
/* The Established session went down by `ev`: true when its routes were kept stale (the caller
 * must not drop them), false when they are to be dropped as before. */
bool peer_gr_session_down(struct bgp_peer *peer, enum bgp_fsm_event_type ev);
/* The peer's End-of-RIB: what is still stale was not announced again and goes. */
void peer_gr_end_of_rib(struct bgp_peer *peer);
/* Stale routes go now (the operator disabled, reset or reconfigured the peer). */
void peer_gr_flush(struct bgp_peer *peer, const char *why);
/* Our graceful restart capability for the next OPEN (RFC 4724 3), from the peer's config. */
void peer_gr_open_local(const struct bgp_peer *peer, struct bgp_open_local *l);
/* peer_rib.c's sweep of the stale routes is done: n removed, and why it ran. */
void peer_gr_stale_swept(struct bgp_peer *peer, uint64_t n, const char *why);
/* Closes the timer (halt, removal); the stale routes are the caller's to drop. */
void peer_gr_close(struct bgp_peer *peer);

#endif
