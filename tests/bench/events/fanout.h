/*
 * fanout: the yardstick. A bare gRPC core streaming server with vbrd's shape (registered
 * methods with the payload read, one completion-queue thread) that does what vbrd does for a
 * change and nothing else: CreateBgpPeer / DeleteBgpPeer are answered at once with a BgpPeer,
 * and a PeerEvent of the same fields and size as vbrd's (sequence, time, kind, peer id, peer
 * ip, states, reason) is packed once and written to every WatchPeerEvents stream, one write
 * outstanding per stream, the next started from the completion on the same thread. No state,
 * no history bound, no loop hand-off: the cost of the fan-out alone.
 */
#ifndef VBR_BENCH_FANOUT_H
#define VBR_BENCH_FANOUT_H

/* Serves until the process is killed; returns non-zero only if it cannot listen. Call
 * grpc_init first. */
int fanout_serve(const char *address);

/* The peer address and id both servers use for change number `change` (create and delete of
 * one peer share them): so the messages are the same size. */
void fanout_peer_ip(unsigned change, char out[16]);

#endif
