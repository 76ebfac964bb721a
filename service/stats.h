/*
 * stats: counters the metrics module (service/metrics.c) renders. Written from the
 * completion-queue thread and the loop thread, so every field is atomic; readers take relaxed
 * loads (a scrape need not be a consistent cut).
 */
#ifndef VBR_SERVICE_STATS_H
#define VBR_SERVICE_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum vbr_method {
	VBR_M_GET_ROUTER,
	VBR_M_CREATE_BGP_GROUP,
	VBR_M_GET_BGP_GROUP,
	VBR_M_LIST_BGP_GROUPS,
	VBR_M_UPDATE_BGP_GROUP,
	VBR_M_DELETE_BGP_GROUP,
	VBR_M_CREATE_BGP_PEER,
	VBR_M_GET_BGP_PEER,
	VBR_M_LIST_BGP_PEERS,
	VBR_M_UPDATE_BGP_PEER,
	VBR_M_DELETE_BGP_PEER,
	VBR_M_RESET_BGP_PEER,
	VBR_M_ADD_BGP_NETWORK,
	VBR_M_LIST_BGP_NETWORKS,
	VBR_M_DELETE_BGP_NETWORK,
	VBR_M_LIST_ROUTES,
	VBR_M_WATCH_PEER_EVENTS,
	VBR_M_HEALTH_CHECK,
	VBR_M_HEALTH_WATCH,
	VBR_M_UNKNOWN, /* unregistered methods, answered UNIMPLEMENTED */
	VBR_METHOD_COUNT
};

#define VBR_STATUS_CODES 17 /* gRPC status codes 0..16 */

/* Upper bounds (microseconds) of the store write latency histogram; the last bucket is +Inf. */
#define VBR_STORE_BUCKETS 10
extern const uint32_t vbr_store_bucket_us[VBR_STORE_BUCKETS - 1];

struct vbr_stats {
	atomic_uint_fast64_t calls[VBR_METHOD_COUNT][VBR_STATUS_CODES];
	atomic_uint_fast64_t store_writes; /* successful */
	atomic_uint_fast64_t store_write_failures;
	atomic_uint_fast64_t store_write_us_sum;		     /* successful writes */
	atomic_uint_fast64_t store_write_buckets[VBR_STORE_BUCKETS]; /* non-cumulative */
	atomic_int_fast64_t watchers;		  /* open WatchPeerEvents streams */
	atomic_uint_fast64_t watchers_ended_slow; /* ended with RESOURCE_EXHAUSTED */
	atomic_uint_fast64_t events_published;	  /* PeerEvents into the hub */
};

extern struct vbr_stats vbr_stats;

/* The metrics module's counters (service/metrics.h), fed by stats_call / stats_store_write. */
struct vbr_metrics_counters;
extern struct vbr_metrics_counters vbr_metrics_counters;
/* Registers every method with the metrics counters. Once, before any thread counts. */
void stats_init(void);

/* "GetRouter", ..., "grpc.health.v1.Health/Check", "unknown". */
const char *vbr_method_name(enum vbr_method m);

void stats_call(enum vbr_method m, int status_code);
void stats_store_write(int64_t duration_ns, bool ok);

#endif
