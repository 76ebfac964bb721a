/* route_entries: ListRouteEntries (loop thread). */
#ifndef VBR_SERVICE_ROUTE_ENTRIES_H
#define VBR_SERVICE_ROUTE_ENTRIES_H

#include "daemon.h"
#include "vbr/v1/vbr.pb-c.h"

void list_route_entries(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__ListRouteEntriesRequest *req);

#endif
