/*
 * watch_routes: WatchRouteEvents. The route table's changes (the core's on_route_entry:
 * ADDED / NEXT_HOP_CHANGED / REMOVED / INSTALLED / INSTALL_FAILED) are packed once into the
 * route hub, with their own sequence numbers and history; subscribers get the same delivery,
 * resume and bound rules as WatchPeerEvents (events.h, watch.c). The snapshot is the whole
 * table as INITIAL_STATE events, read page by page from the core, shared by the subscribers
 * of one sequence. The filter matches an event's entry source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "daemon.h"
#include "log.h"
#include "validate.h"

#define SNAPSHOT_PAGE 256

/* The filter key of a source: what events carry and requests name. */
static const char *source_key(int api_source)
{
	switch (api_source) {
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_STATIC:
		return "static";
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP:
		return "bgp";
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED:
		return "connected";
	}
	return "";
}

/* One route event, self-contained (the hub keeps a copy until it is packed): the entry as the
 * core reported it and the names the model gave it at that moment. */
struct route_change {
	int kind; /* vbr.v1.RouteEventKind */
	bool has_entry;
	struct bgp_route_entry_view entry;
	uint32_t old_next_hop;
	char id[VBR_ID_LEN + 1];
	char peer_id[VBR_ID_LEN + 1];
	char description[VBR_DESCRIPTION_MAX + 1];
	int64_t create_time_ms;
};

static void route_change_fill(struct vbrd *d, int kind, const struct bgp_route_entry_view *v,
			      uint32_t old_next_hop, struct route_change *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->old_next_hop = old_next_hop;
	if (!v)
		return;
	c->has_entry = true;
	c->entry = *v;
	char id[VBR_ID_LEN + 1];
	struct route_entry_names names;
	route_entry_names_of(&d->model, v, id, &names);
	snprintf(c->id, sizeof(c->id), "%s", names.id ? names.id : "");
	snprintf(c->peer_id, sizeof(c->peer_id), "%s", names.peer_id ? names.peer_id : "");
	snprintf(c->description, sizeof(c->description), "%s",
		 names.description ? names.description : "");
	c->create_time_ms = names.create_time_ms;
}

static grpc_slice pack_route_event(void *arg, uint64_t sequence, int64_t time_ms)
{
	const struct route_change *c = arg;
	Vbr__V1__RouteEvent ev = VBR__V1__ROUTE_EVENT__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	timestamp_from_ms(time_ms, &ts);
	ev.sequence = sequence;
	ev.time = &ts;
	ev.kind = (Vbr__V1__RouteEventKind)c->kind;
	char old[16] = "";
	struct pb_route_entry entry;
	if (c->has_entry) {
		struct route_entry_names names = {c->id, c->peer_id, c->description,
						  c->create_time_ms};
		convert_route_entry(&c->entry, &names, &entry);
		ev.entry = &entry.msg;
	}
	if (c->old_next_hop)
		ipv4_to_string(c->old_next_hop, old);
	ev.old_next_hop = old;
	ev.reason =
	    (char *)(c->has_entry &&
			     c->kind == VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_INSTALL_FAILED
			 ? c->entry.status_reason
			 : "");
	return rpc_pack(&ev.base);
}

static int event_kind(enum bgp_route_change change)
{
	switch (change) {
	case BGP_ROUTE_ADDED:
		return VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_ADDED;
	case BGP_ROUTE_NEXT_HOP_CHANGED:
		return VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_NEXT_HOP_CHANGED;
	case BGP_ROUTE_REMOVED:
		return VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_REMOVED;
	case BGP_ROUTE_INSTALLED:
		return VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_INSTALLED;
	case BGP_ROUTE_INSTALL_FAILED:
		return VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_INSTALL_FAILED;
	}
	return VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_UNSPECIFIED;
}

void watch_publish_route(struct vbrd *d, enum bgp_route_change change,
			 const struct bgp_route_entry_view *entry, uint32_t old_next_hop)
{
	struct route_change c;
	route_change_fill(d, event_kind(change), entry, old_next_hop, &c);
	if (!event_hub_publish(d->route_hub, source_key(convert_route_source(entry->source)),
			       pack_route_event, &c, sizeof(c)))
		vbr_log(VBR_LOG_ERROR, "out of memory publishing a route event", NULL);
}

/* ---- the snapshot ---- */

struct snap_page {
	struct vbrd *d;
	struct event_snapshot *snap;
	uint64_t sequence;
	int64_t time_ms;
	int failed;
	size_t visited;
	struct bgp_route_entry_view last;
};

static void visit_entry(void *arg, const struct bgp_route_entry_view *v)
{
	struct snap_page *pg = arg;
	struct route_change c;
	route_change_fill(pg->d, VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_INITIAL_STATE, v, 0,
			  &c);
	pg->visited++;
	pg->last = *v;
	if (!pg->failed && event_snapshot_add(pg->snap, source_key(convert_route_source(v->source)),
					      pack_route_event(&c, pg->sequence, pg->time_ms)) != 0)
		pg->failed = -1;
}

static int build_route_snapshot(void *arg, struct event_snapshot *snap, uint64_t sequence,
				int64_t time_ms)
{
	struct snap_page pg = {.d = arg, .snap = snap, .sequence = sequence, .time_ms = time_ms};
	bool from_start = true;
	do {
		pg.visited = 0;
		bgp_speaker_route_entries(pg.d->speaker, BGP_ROUTE_SOURCE_ANY, from_start,
					  pg.last.prefix, pg.last.prefix_len, pg.last.source,
					  SNAPSHOT_PAGE, visit_entry, &pg);
		from_start = false;
	} while (!pg.failed && pg.visited == SNAPSHOT_PAGE);
	return pg.failed;
}

static grpc_slice pack_route_end(void *arg, uint64_t sequence, int64_t time_ms)
{
	struct route_change c;
	route_change_fill(arg, VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_END_OF_INITIAL_STATE,
			  NULL, 0, &c);
	return pack_route_event(&c, sequence, time_ms);
}

void watch_route_events(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__WatchRouteEventsRequest *req)
{
	struct vbr_status st;
	if (d->shutting_down) {
		watch_refuse(call, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
		return;
	}
	if (vbr_validate_watch_routes(req, &st)) {
		watch_refuse(call, st.code, st.message);
		return;
	}
	const char *keys[3];
	for (size_t i = 0; i < req->n_sources; i++)
		keys[i] = source_key((int)req->sources[i]);
	struct event_sub_options opt = {
	    .keys = keys,
	    .n_keys = req->n_sources,
	    .has_after_sequence =
		req->after_sequence_present_case ==
		VBR__V1__WATCH_ROUTE_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE,
	    .after_sequence = req->after_sequence,
	};
	if (req->send_initial_state) {
		opt.snapshot =
		    event_hub_snapshot(d->route_hub, build_route_snapshot, pack_route_end, d);
		if (!opt.snapshot) {
			watch_refuse(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
			return;
		}
	}
	watch_subscribe(d, call, d->route_hub, &opt);
}
