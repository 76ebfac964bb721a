/*
 * handlers: the loop side of the API. Mutations go to mutations.c (serialised durable
 * writes); ListRoutes pages the speaker's RIB here; WatchPeerEvents streams from the event hub.
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
		vbr_status_set(&st, GRPC_STATUS_INTERNAL, "BGP core: %s", strerror(-rc));
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

/* ---- WatchPeerEvents ---- */

struct watch {
	struct vbrd *d;
	struct rpc_call *call;
	struct event_sub *sub;
};

static int watch_send(void *arg, const struct vbr_event *ev)
{
	struct watch *w = arg;
	struct pb_event pb;
	convert_event(ev, &pb);
	return rpc_stream_write(w->call, &pb.msg.base);
}

static void watch_end(void *arg, grpc_status_code code, const char *message)
{
	struct watch *w = arg;
	vbr_log(code == GRPC_STATUS_RESOURCE_EXHAUSTED ? VBR_LOG_WARN : VBR_LOG_INFO,
		"watch stream ended", "call_id", rpc_call_id(w->call), "reason", message, NULL);
	/* Abort, not finish: a stalled client would hold a finishing status behind its unread
	 * messages forever; the abort reaches it at once with this status and message. */
	rpc_stream_abort(w->call, code, message);
}

static void watch_peer_events(struct vbrd *d, struct rpc_call *call,
			      const Vbr__V1__WatchPeerEventsRequest *req)
{
	struct vbr_status st;
	if (d->shutting_down) {
		rpc_stream_finish(call, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
		rpc_call_release(call);
		return;
	}
	if (vbr_validate_watch(req, &st)) {
		rpc_stream_finish(call, st.code, st.message);
		rpc_call_release(call);
		return;
	}
	struct watch *w = calloc(1, sizeof(*w));
	struct vbr_event *initial = calloc(d->model.n_peers + 1, sizeof(*initial));
	if (!w || !initial) {
		free(w);
		free(initial);
		rpc_stream_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		rpc_call_release(call);
		return;
	}
	w->d = d;
	w->call = call;
	for (size_t i = 0; i < d->model.n_peers; i++) {
		const struct vbr_peer *p = &d->model.peers[i];
		struct bgp_peer_status status;
		if (bgp_speaker_peer_status(d->speaker, p->num, &status) != 0) {
			memset(&status, 0, sizeof(status));
			status.state = BGP_STATE_IDLE;
		}
		snprintf(initial[i].peer_id, sizeof(initial[i].peer_id), "%s", p->id);
		initial[i].peer_ip = p->ip;
		initial[i].new_state = (int)status.state;
		snprintf(initial[i].reason, sizeof(initial[i].reason), "%s", status.last_error);
	}
	struct event_sub_options opt = {
	    .peer_ids = (const char *const *)req->peer_ids,
	    .n_peer_ids = req->n_peer_ids,
	    .initial = initial,
	    .n_initial = d->model.n_peers,
	    .send_initial_state = req->send_initial_state,
	    .has_after_sequence =
		req->after_sequence_present_case ==
		VBR__V1__WATCH_PEER_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE,
	    .after_sequence = req->after_sequence,
	};
	static const struct event_sub_ops ops = {watch_send, watch_end};
	char message[256];
	rpc_call_set_user(call, w);
	grpc_status_code code =
	    event_hub_subscribe(d->hub, &opt, &ops, w, &w->sub, message, sizeof(message));
	free(initial);
	if (code != GRPC_STATUS_OK) {
		rpc_call_set_user(call, NULL);
		free(w);
		rpc_stream_finish(call, code, message);
		rpc_call_release(call);
		return;
	}
	/* Headers now: a client waiting for them knows it is subscribed and misses nothing. */
	rpc_stream_open(call);
	vbr_log(VBR_LOG_DEBUG, "watch stream opened", "call_id", rpc_call_id(call), NULL);
}

void handlers_on_write_done(void *ctx, struct rpc_call *call, bool ok)
{
	(void)ctx;
	struct watch *w = rpc_call_user(call);
	if (w && w->sub)
		event_sub_write_done(w->sub, ok);
}

void handlers_on_stream_closed(void *ctx, struct rpc_call *call)
{
	(void)ctx;
	struct watch *w = rpc_call_user(call);
	if (!w)
		return; /* finished at once; its reference is already gone */
	event_hub_unsubscribe(w->sub);
	rpc_call_set_user(call, NULL);
	free(w);
	rpc_call_release(call);
}

void handlers_end_streams(struct vbrd *d)
{
	event_hub_end_all(d->hub, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
}

/* ---- dispatch ---- */

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
