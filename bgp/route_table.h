/*
 * route_table: the driver of the route table (loop thread). It feeds the pure decisions of
 * rtable.c with the Loc-RIB's best paths (speaker.c calls route_table_bgp_changed for every
 * change), the static entries and the connected networks; collects the kernel writes of a loop
 * turn and hands them to the FIB writer (fib.h) in one batch after the turn's reads (a
 * uv_check); turns the writer's results into installed / not installed and on_route_entry
 * calls; and serves bgp_speaker_route_entries / bgp_speaker_fib_status.
 *
 * Routes an earlier run left in the kernel are kept (so forwarding goes on) as stale until the
 * new state replaces them or the selection deferral timer (config.selection_deferral_ms) ends,
 * which removes what was not learned again. A clean stop removes vbrd's routes.
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
	uint64_t ops, failures;
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
/* In bgp_speaker_shutdown: removes vbrd's routes, stops the writer; the table's handles are
 * counted in open_handles until closed. */
void route_table_stop(struct bgp_speaker *s);
void route_table_free(struct bgp_speaker *s);

#endif
