/*
 * handlers: the loop side of the API. Mutations go to mutations.c (serialised durable
 * writes); ListRoutes pages the speaker's RIB here; the watch streams are watch.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "daemon.h"
#include "log.h"
#include "mutations.h"
#include "paging.h"
#include "reply.h"
#include "route_entries.h"
#include "validate.h"

/* ---- routes ---- */

struct route_page {
	Vbr__V1__Route **routes;
	size_t n, max;
	bool more, failed;
	uint32_t last_prefix;
	uint8_t last_len;
	const char *peer_id;
};

static void visit_route(void *arg, const struct bgp_route_view *r)
{
	struct route_page *page = arg;
	if (page->n == page->max) {
		page->more = true; /* we asked for one extra to learn whether a next page exists */
		return;
	}
	Vbr__V1__Route *m = convert_route(r, page->peer_id);
	if (!m) {
		page->failed = true;
		return;
	}
	page->routes[page->n++] = m;
	page->last_prefix = r->prefix;
	page->last_len = r->prefix_len;
}

static void list_routes(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__ListRoutesRequest *req)
{
	struct vbr_status st;
	if (vbr_validate_list_routes(req, &st)) {
		reply_status(call, &st);
		return;
	}
	const struct vbr_peer *p = model_peer(&d->model, req->peer_id);
	if (!p) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "peer_id: BGP peer %s not found",
			       req->peer_id);
		reply_status(call, &st);
		return;
	}
	bool advertised = req->direction == VBR__V1__ROUTE_DIRECTION__ROUTE_DIRECTION_ADVERTISED;
	char scope[48], after[VBR_TOKEN_MAX];
	snprintf(scope, sizeof(scope), "routes:%s:%d", p->id, advertised);
	if (page_token_parse(req->page_token, scope, after, sizeof(after), &st)) {
		reply_status(call, &st);
		return;
	}
	unsigned ap = 0, al = 0;
	if (after[0] && (sscanf(after, "%8x/%u", &ap, &al) != 2 || al > 32)) {
		vbr_status_set(&st, GRPC_STATUS_INVALID_ARGUMENT, "page_token: malformed");
		reply_status(call, &st);
		return;
	}
	struct route_page page = {.max = page_size(req->page_size), .peer_id = p->id};
	page.routes = calloc(page.max + 1, sizeof(*page.routes));
	if (!page.routes) {
		reply_out_of_memory(call);
		return;
	}
	int rc = bgp_speaker_routes(d->speaker, p->num, advertised, after[0] == '\0', ap,
				    (uint8_t)al, page.max + 1, visit_route, &page);
	char token[VBR_TOKEN_MAX] = "";
	if (rc < 0 && rc != -ENOENT) {
		vbr_status_from_errno(&st, rc, true, "ListRoutes: BGP core");
		reply_status(call, &st);
	} else if (page.failed) {
		reply_out_of_memory(call);
	} else {
		if (page.more) {
			char key[24];
			snprintf(key, sizeof(key), "%08x/%u", page.last_prefix, page.last_len);
			page_token_make(scope, key, token, sizeof(token));
		}
		Vbr__V1__ListRoutesResponse resp = VBR__V1__LIST_ROUTES_RESPONSE__INIT;
		resp.n_routes = page.n;
		resp.routes = page.routes;
		resp.next_page_token = token;
		rpc_reply(call, GRPC_STATUS_OK, NULL, &resp.base);
	}
	for (size_t i = 0; i < page.n; i++)
		convert_route_free(page.routes[i]);
	free(page.routes);
}

/* ---- dispatch ---- */

/* DrainRouter: no field to read, whatever the request holds the drain starts. */
static void drain_router(struct vbrd *d, struct rpc_call *call)
{
	if (d->shutting_down) {
		rpc_reply(call, GRPC_STATUS_UNAVAILABLE, "vbrd is stopping", NULL);
		return;
	}
	vbrd_drain(d, "DrainRouter");
	rpc_reply(call, GRPC_STATUS_OK, NULL, NULL);
}

void handlers_on_call(void *ctx, struct rpc_call *call)
{
	struct vbrd *d = ctx;
	size_t len;
	const uint8_t *data = rpc_call_request(call, &len);
	enum vbr_method m = rpc_call_method(call);
	if (mutation_method(m)) {
		mutation_call(d, call);
		return;
	}
	if (m == VBR_M_LIST_ROUTES) {
		Vbr__V1__ListRoutesRequest *req =
		    vbr__v1__list_routes_request__unpack(NULL, len, data);
		if (!req) {
			rpc_reply(call, GRPC_STATUS_INVALID_ARGUMENT,
					 "request: cannot be parsed", NULL);
			return;
		}
		list_routes(d, call, req);
		vbr__v1__list_routes_request__free_unpacked(req, NULL);
		return;
	}
	if (m == VBR_M_WATCH_ROUTE_EVENTS) {
		Vbr__V1__WatchRouteEventsRequest *req =
		    vbr__v1__watch_route_events_request__unpack(NULL, len, data);
		if (!req) {
			rpc_stream_finish(call, GRPC_STATUS_INVALID_ARGUMENT,
					  "request: cannot be parsed");
			rpc_call_release(call);
			return;
		}
		watch_route_events(d, call, req);
		vbr__v1__watch_route_events_request__free_unpacked(req, NULL);
		return;
	}
	if (m == VBR_M_LIST_ROUTE_ENTRIES) {
		Vbr__V1__ListRouteEntriesRequest *req =
		    vbr__v1__list_route_entries_request__unpack(NULL, len, data);
		if (!req) {
			rpc_reply(call, GRPC_STATUS_INVALID_ARGUMENT, "request: cannot be parsed",
				  NULL);
			return;
		}
		list_route_entries(d, call, req);
		vbr__v1__list_route_entries_request__free_unpacked(req, NULL);
		return;
	}
	if (m == VBR_M_DRAIN_ROUTER) {
		drain_router(d, call);
		return;
	}
	if (m == VBR_M_WATCH_PEER_EVENTS) {
		Vbr__V1__WatchPeerEventsRequest *req =
		    vbr__v1__watch_peer_events_request__unpack(NULL, len, data);
		if (!req) {
			rpc_stream_finish(call, GRPC_STATUS_INVALID_ARGUMENT,
					  "request: cannot be parsed");
			rpc_call_release(call);
			return;
		}
		watch_peer_events(d, call, req);
		vbr__v1__watch_peer_events_request__free_unpacked(req, NULL);
		return;
	}
	rpc_reply(call, GRPC_STATUS_INTERNAL, "method routed to the wrong thread", NULL);
}
