/*
 * bfd: the libuv driver of single-hop BFD (RFC 5881) for the speaker's peers. It owns the
 * sockets and timers; every decision is the pure session machine's (bfd_fsm.h).
 *
 * - One receive socket per driver on UDP 3784 (opened with the first session), read with
 *   recvmsg for the TTL (IP_RECVTTL) and the destination address (IP_PKTINFO). The TTL rule
 *   lives in one function (rx_ttl_ok), so a multihop session (RFC 5883) can carry its own.
 * - One send socket per session, bound to the session's local address and a source port in
 *   49152-65535, TTL 255, connected to the peer: before BGP is up the kernel's route to the
 *   peer picks the local address; once BGP tells us its session's local address we use it.
 * - Sessions are keyed by addresses (peer, local); a packet with your-discriminator 0 is
 *   matched by them, any other by discriminator. Drops are counted per session when the
 *   source address names one, else on the driver.
 * - A session lives as long as its peer, across BGP restarts: same discriminator. Removing it
 *   sends AdminDown (6.8.16) for a detection time before it is freed.
 */
#ifndef VBR_BGP_BFD_H
#define VBR_BGP_BFD_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "bfd_fsm.h"

struct bfd_driver;

struct bfd_driver_callbacks {
	/* A session changed state (not called for removed sessions). remote is the peer's
	 * state as last heard (AdminDown: the peer turned BFD off, RFC 5882 3.2). */
	void (*on_state)(void *ctx, uint32_t id, enum bfd_state old_state,
			 enum bfd_state new_state, enum bfd_diag diag, enum bfd_state remote);
};

struct bfd_session_status {
	enum bfd_state state;
	enum bfd_state remote_state;
	enum bfd_diag diag;
	uint32_t local_disc, remote_disc;
	uint32_t local_ip;  /* host byte order; 0 until the route to the peer is known */
	uint32_t tx_interval_us, detect_us;
	uint64_t packets_in, packets_out, packets_dropped;
	uint64_t dropped_by[BFD_PKT_ERROR_COUNT];
};

/* bind_ip: the address 3784 is bound to and send sockets bind to (0 = any: the route picks). */
int bfd_driver_new(uv_loop_t *loop, uint32_t bind_ip, const struct bfd_driver_callbacks *cb,
		   void *ctx, struct bfd_driver **out);
/* Stops every session (one AdminDown each), closes every handle, then done(arg); then
 * bfd_driver_free. */
void bfd_driver_close(struct bfd_driver *d, void (*done)(void *arg), void *arg);
void bfd_driver_free(struct bfd_driver *d);

/* A session for peer_ip under the caller's id, started (Down, slow start). -EEXIST, -ENOMEM,
 * or the error opening the receive socket (the session exists anyway and retries). */
int bfd_session_add(struct bfd_driver *d, uint32_t id, uint32_t peer_ip,
		    const struct bfd_fsm_config *config);
/* AdminDown for a detection time, then gone. Unknown id: no-op. */
void bfd_session_remove(struct bfd_driver *d, uint32_t id);
/* New intervals (a Poll Sequence while Up). */
void bfd_session_configure(struct bfd_driver *d, uint32_t id, const struct bfd_fsm_config *config);
/* The BGP session's local address (0 = let the route decide). */
void bfd_session_set_local(struct bfd_driver *d, uint32_t id, uint32_t local_ip);
int bfd_session_status(const struct bfd_driver *d, uint32_t id, struct bfd_session_status *out);
/* Packets no session could be named for (unknown source address or discriminator). */
uint64_t bfd_driver_unmatched_drops(const struct bfd_driver *d);

#endif
