/*
 * gr_restart: graceful restart with vbrd as the RESTARTING speaker (RFC 4724 4.1), the pure
 * decisions (no libuv, no sockets: tests/rtable tests them). The driver is route_table.c (the
 * leftover kernel routes, the selection deferral) and peer_gr.c (the OPEN's bits).
 *
 * At start the FIB writer reads back the routes of vbrd's protocols an earlier run left in the
 * kernel. They keep forwarding, marked stale, during the selection deferral: a route learned
 * again replaces its stale one at once (a fresh path is never worse than the old one), but a
 * stale route is removed only once the deferral is over, that is when every peer that is not
 * admin down has synchronised (sent its End-of-RIB on an Established session), or when the
 * deferral timer (config.selection_deferral_ms) expires, whichever comes first.
 *
 * A peer without graceful restart counts as synchronised at its End-of-RIB too (FRR, GoBGP and
 * BIRD send one), not when it comes up: its UPDATEs follow Established, and a leftover route
 * removed in between would drop the traffic it is about to carry again. One that never sends
 * End-of-RIB holds the deferral until the timer; the stale routes keep forwarding meanwhile.
 */
#ifndef VBR_BGP_GR_RESTART_H
#define VBR_BGP_GR_RESTART_H

#include <stdbool.h>
#include <stddef.h>

/* One configured peer as the deferral sees it. `synced` is sticky for the run: a peer that
 * sent its End-of-RIB and then went down again is not waited for a second time. */
struct gr_defer_peer {
	bool admin_down;    /* not waited for: it will not come up */
	bool established;   /* its session is Established now */
	bool synced;	    /* sent End-of-RIB (GR) or came up without GR, in this run */
};

/* True when no peer is left to wait for: route selection may go ahead (RFC 4724 4.1). */
bool gr_defer_over(const struct gr_defer_peer *peers, size_t n);

/* Whether a peer counts as synchronised after this event: its End-of-RIB on an Established
 * session, GR or not (see above). */
bool gr_defer_peer_synced(const struct gr_defer_peer *p, bool end_of_rib);

/*
 * The Forwarding State (F) bit of our OPENs to a peer for IPv4 unicast. Clear when vbrd does
 * not program the FIB (--fib off: it keeps no forwarding state), and when the earlier run left
 * routes in the kernel (expected_leftovers, as the service's marker says) but none were found:
 * the namespace did not outlive the process. Set otherwise, and always once this run had an
 * Established session with the peer (earlier_session): the FIB has been kept up since.
 */
bool gr_forwarding_kept(bool fib_enabled, bool expected_leftovers, size_t leftovers,
			bool earlier_session);

#endif
