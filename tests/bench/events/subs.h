/*
 * subs: the benchmark's subscribers, on the gRPC C core client API. N WatchPeerEvents streams
 * (live only) spread round robin over a few channels, each channel its own HTTP/2 connection
 * with its own completion queue and reader thread. Every message received is unpacked; its
 * sequence s says which change caused it (change s-1, see bench_events.c), so its latency is
 * the receive time minus that change's send time, logged per connection and per phase. A
 * sequence that is not the previous one plus 1 counts as a gap (a missed event).
 */
#ifndef VBR_BENCH_SUBS_H
#define VBR_BENCH_SUBS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lat.h"

#define SUBS_MAX_CONNS 16
#define SUBS_PHASES    2

/* Filled by the driver before each change is sent; read by the reader threads. */
struct changes {
	uint64_t *send_ns; /* by change number (sequence - 1) */
	uint8_t *phase;	   /* by change number */
	size_t cap;
};

struct subs;

/* Opens n streams over n_conns connections to address and waits (timeout_ms) until every
 * one has its response headers (subscribed). NULL if that fails; err says why. */
struct subs *subs_open(const char *address, size_t n, int n_conns, const struct changes *ch,
		       int timeout_ms, char *err, size_t err_len);
/* Messages received so far, all streams. */
uint64_t subs_received(struct subs *s);
/* Waits until subs_received reaches `target` or timeout_ms passes; returns what it reached. */
uint64_t subs_wait(struct subs *s, uint64_t target, int timeout_ms);
uint64_t subs_gaps(struct subs *s);
uint64_t subs_ended(struct subs *s); /* streams that ended (they should not) */
int subs_conns(const struct subs *s);
/* The latency log of one connection and phase (owned by subs; read once readers are quiet). */
struct lat_log *subs_lat(struct subs *s, int conn, int phase);
/* Cancels every stream, joins the threads, frees everything. */
void subs_close(struct subs *s);

#endif
