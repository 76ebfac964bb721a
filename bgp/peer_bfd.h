/*
 * peer_bfd: the coupling of a peer and its BFD session (RFC 5882). The session exists while
 * the peer has enable_bfd on and is not admin down, independent of the BGP session (so the
 * discriminator survives BGP restarts: BIRD and FRR ignore a new one until their detection
 * time runs out). Up -> Down closes the BGP session (bgp_peer_bfd_down); while BFD stays
 * Down after a first Up, peer.c neither connects nor accepts (peer_bfd_blocks).
 */
#ifndef VBR_BGP_PEER_BFD_H
#define VBR_BGP_PEER_BFD_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd.h"
#include "speaker.h"

struct bgp_peer;
struct bgp_speaker;

/* Makes the BFD session match peer->config (created, reconfigured or AdminDown + removed). */
void peer_bfd_sync(struct bgp_peer *peer);
/* The peer is going away or halting: AdminDown, no more reports. */
void peer_bfd_remove(struct bgp_peer *peer);
/* True while the BGP session must not be brought up. */
bool peer_bfd_blocks(const struct bgp_peer *peer);
/* The BGP session's local address, once known. */
void peer_bfd_local(struct bgp_peer *peer, uint32_t local_ip);
void peer_bfd_status(const struct bgp_peer *peer, struct bgp_peer_status *out);

/* The driver's callback (speaker.c passes it on with the peer found by id). */
void peer_bfd_changed(struct bgp_peer *peer, enum bfd_state old_state, enum bfd_state new_state,
		      enum bfd_diag diag, enum bfd_state remote);

/* Implemented in peer.c: BFD_DOWN to every FSM instance of the peer. */
void bgp_peer_bfd_down(struct bgp_peer *peer, const char *detail);

#endif
