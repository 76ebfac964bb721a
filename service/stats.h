/*
 * stats: the API's methods (ids and names) and the two hooks that count into the metrics
 * counters (service/metrics.h: the one counter system) from the completion-queue thread and
 * the loop thread.
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
	VBR_M_WATCH_ROUTE_EVENTS,
	VBR_M_CREATE_ROUTE_ENTRY,
	VBR_M_DELETE_ROUTE_ENTRY,
	VBR_M_LIST_ROUTE_ENTRIES,
	VBR_M_DRAIN_ROUTER,
	VBR_M_HEALTH_CHECK,
	VBR_M_HEALTH_WATCH,
	VBR_M_UNKNOWN, /* unregistered methods, answered UNIMPLEMENTED */
	VBR_METHOD_COUNT
};

#define VBR_STATUS_CODES 17 /* gRPC status codes 0..16 */

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
