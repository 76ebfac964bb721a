/* stats: method names, and counting calls and store writes into the metrics counters. */
#include "stats.h"

#include "metrics.h"

struct vbr_metrics_counters vbr_metrics_counters;
static int metrics_index[VBR_METHOD_COUNT];

static const char *const method_names[VBR_METHOD_COUNT] = {
    "GetRouter",
    "CreateBgpGroup",
    "GetBgpGroup",
    "ListBgpGroups",
    "UpdateBgpGroup",
    "DeleteBgpGroup",
    "CreateBgpPeer",
    "GetBgpPeer",
    "ListBgpPeers",
    "UpdateBgpPeer",
    "DeleteBgpPeer",
    "ResetBgpPeer",
    "AddBgpNetwork",
    "ListBgpNetworks",
    "DeleteBgpNetwork",
    "ListRoutes",
    "WatchPeerEvents",
    "WatchRouteEvents",
    "CreateRouteEntry",
    "DeleteRouteEntry",
    "ListRouteEntries",
    "DrainRouter",
    "grpc.health.v1.Health/Check",
    "grpc.health.v1.Health/Watch",
    "unknown",
};

const char *vbr_method_name(enum vbr_method m)
{
	return (unsigned)m < VBR_METHOD_COUNT ? method_names[m] : "unknown";
}

void stats_init(void)
{
	vbr_metrics_counters_init(&vbr_metrics_counters);
	for (int m = 0; m < VBR_METHOD_COUNT; m++)
		metrics_index[m] = vbr_metrics_api_method(&vbr_metrics_counters,
							  vbr_method_name((enum vbr_method)m));
}

void stats_call(enum vbr_method m, int status_code)
{
	if ((unsigned)m >= VBR_METHOD_COUNT || status_code < 0 || status_code >= VBR_STATUS_CODES)
		return;
	vbr_metrics_api_call(&vbr_metrics_counters, metrics_index[m], status_code);
}

void stats_store_write(int64_t duration_ns, bool ok)
{
	if (ok)
		vbr_metrics_store_write(&vbr_metrics_counters,
					(uint64_t)(duration_ns > 0 ? duration_ns : 0));
}
