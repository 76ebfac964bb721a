/*
 * route_table: the driver of the route table (loop thread). It feeds the pure decisions of
 * rtable.c with the Loc-RIB's best paths (speaker.c calls route_table_bgp_changed for every
 * change), the static entries and the connected networks; collects the kernel writes of a loop
 * turn and hands them to the FIB writer (fib.h) in one batch after the turn's reads (a
 * uv_check); turns the writer's results into installed / not installed and on_route_entry
 * calls; and serves bgp_speaker_route_entries / bgp_speaker_fib_status.
 *
 * Routes an earlier run left in the kernel are kept (so forwarding goes on) as stale: a path
 * learned again replaces one at once; the rest are removed when the selection deferral is over
 * (gr_restart.h: every peer synchronised, or config.selection_deferral_ms expired). A clean
 * stop removes vbrd's routes unless they are kept for a graceful restart.
 */
#ifndef VBR_BGP_ROUTE_TABLE_H
#define VBR_BGP_ROUTE_TABLE_H

#include "rtable.h"

struct bgp_speaker;

struct route_table {
	struct rtable rt;
	struct fib *fib; /* NULL before start, and if it could not start */
	struct fib_op *batch; /* this loop turn's writes, submitted by `flush` */
	size_t n_batch, cap_batch;
	uv_check_t flush;
	uv_timer_t stale_timer;
	int handles_open; /* flush, stale_timer, and the writer until it stopped */
	bool started, stopping, ip_forwarding;
	bool leftovers_known; /* the writer reported what an earlier run left (or cannot) */
	bool deferring;	      /* stale leftovers wait for the peers (RFC 4724 4.1) */
	size_t leftovers;     /* routes of vbrd's protocols found at start */
	bool kept;	      /* the stop left vbrd's routes in the kernel */
	uint64_t ops, failures;
	uint64_t restored; /* vbrd's kernel routes someone else removed, written again */
	struct {
		int err;
		uint64_t count;
	} errnos[BGP_FIB_ERRNO_SLOTS];
};

/* In bgp_speaker_new: the handles, the table. */
int route_table_init(struct bgp_speaker *s);
/* In bgp_speaker_start: the FIB writer (or only the connected networks with --fib off). */
int route_table_start(struct bgp_speaker *s);
/* The Loc-RIB's best path for a prefix changed (was / now NULL when there is none). */
void route_table_bgp_changed(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
			     const struct rtable_bgp *was, const struct rtable_bgp *now);
/* In bgp_speaker_shutdown: removes vbrd's routes unless `keep` (a graceful restart), stops the
 * writer; the table's handles are counted in open_handles until closed. Nothing is written to
 * the kernel after this. */
void route_table_stop(struct bgp_speaker *s, bool keep);
/* Whether the Loc-RIB's path for a prefix, from peer_id, is one kept stale while that peer
 * restarts (RFC 4724 4.2): the view's `stale` (RouteEntry.stale). */
bool route_table_bgp_stale(const struct bgp_speaker *s, uint32_t prefix, uint8_t len,
			   uint32_t peer_id);
/* Whether peers may connect yet: after a restart that expects leftovers, not before the
 * writer has read them (the F bit of the first OPEN depends on them). */
bool route_table_peers_may_start(const struct bgp_speaker *s);
/* A peer synchronised, was disabled or removed: ends the deferral when no peer is left to
 * wait for. */
void route_table_defer_check(struct bgp_speaker *s);
void route_table_free(struct bgp_speaker *s);

#endif
