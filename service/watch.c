/*
 * watch: the event streams on the loop thread. Publishing packs an event once into its hub
 * (events.h); WatchPeerEvents subscribes a stream to the peer hub with a shared INITIAL_STATE
 * snapshot; an idle handle runs the hubs' deliveries, a bounded number of writes per loop turn,
 * so timers, BGP sockets and API replies get their turn in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "daemon.h"
#include "log.h"
#include "validate.h"

/* A loop turn's share of the fan-out is bounded in time: writes are started in slices of
 * DELIVER_SLICE per hub, round robin across hubs, until DELIVER_TURN_NS have passed (or
 * nothing is left); then the loop polls its sockets and runs its timers before the next
 * turn. A count alone was the wrong bound: a write costs from 2 to 20 microseconds of gRPC's
 * on this thread depending on how many the transport can coalesce, and small turns made the
 * transport send more, smaller writes (a 1,000-subscriber burst took 3x as long at 128 a turn). */
#define DELIVER_SLICE	32
#define DELIVER_TURN_NS 2000000

static void on_deliver(uv_idle_t *idle)
{
	struct vbrd *d = idle->data;
	struct event_hub *hubs[] = {d->hub, d->route_hub};
	uint64_t start = uv_hrtime();
	bool more;
	do {
		more = false;
		for (size_t i = 0; i < sizeof(hubs) / sizeof(hubs[0]); i++)
			if (hubs[i])
				more |= event_hub_deliver(hubs[i], DELIVER_SLICE);
		/* Each slice goes to the writers at once: they write while the loop goes on. */
		if (d->rpc)
			rpc_stream_flush(d->rpc);
	} while (more && uv_hrtime() - start < DELIVER_TURN_NS);
	if (!more)
		uv_idle_stop(idle);
}

void watch_hub_ready(void *ctx)
{
	struct vbrd *d = ctx;
	if (!uv_is_closing((uv_handle_t *)&d->deliver))
		uv_idle_start(&d->deliver, on_deliver);
}

/* ---- publishing ---- */

static grpc_slice pack_peer_event(void *arg, uint64_t sequence, int64_t time_ms)
{
	struct vbr_event *ev = arg;
	ev->sequence = sequence;
	ev->time_ms = time_ms;
	struct pb_event pb;
	convert_event(ev, &pb);
	return rpc_pack(&pb.msg.base);
}

/* One event; bfd_states NULL except for BFD_STATE_CHANGED ({old, new}). */
static void publish(struct vbrd *d, int kind, const struct vbr_peer *peer, int old_state,
		    int new_state, const int *bfd_states, const char *reason)
{
	struct vbr_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	if (peer) {
		snprintf(ev.peer_id, sizeof(ev.peer_id), "%s", peer->id);
		ev.peer_ip = peer->ip;
	}
	ev.old_state = old_state;
	ev.new_state = new_state;
	if (bfd_states) {
		ev.old_bfd_state = bfd_states[0];
		ev.new_bfd_state = bfd_states[1];
	}
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason ? reason : "");
	if (!event_hub_publish(d->hub, ev.peer_id, pack_peer_event, &ev, sizeof(ev)))
		vbr_log(VBR_LOG_ERROR, "out of memory publishing a peer event", NULL);
}

void vbrd_publish_event(struct vbrd *d, int kind, const struct vbr_peer *peer, int old_state,
			int new_state, const char *reason)
{
	publish(d, kind, peer, old_state, new_state, NULL, reason);
}

void vbrd_publish_bfd_event(struct vbrd *d, const struct vbr_peer *peer, int old_bfd_state,
			    int new_bfd_state, const char *reason)
{
	struct bgp_peer_status st;
	int state = bgp_speaker_peer_status(d->speaker, peer->num, &st) == 0 ? (int)st.state : 0;
	int bfd[2] = {old_bfd_state, new_bfd_state};
	/* The BGP session's state, unchanged by this event, in both fields. */
	publish(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_BFD_STATE_CHANGED, peer, state, state,
		bfd, reason);
}

/* ---- streams ---- */

struct watch {
	struct vbrd *d;
	struct rpc_call *call;
	struct event_sub *sub;
};

static void watch_send(void *arg, grpc_slice bytes, bool more)
{
	struct watch *w = arg;
	rpc_stream_write_slice(w->call, bytes, more);
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

static const struct event_sub_ops watch_ops = {watch_send, watch_end};

void watch_refuse(struct rpc_call *call, grpc_status_code code, const char *message)
{
	rpc_stream_finish(call, code, message);
	rpc_call_release(call);
}

/* Subscribes the stream (consumes the snapshot reference) or ends it with the hub's status. */
void watch_subscribe(struct vbrd *d, struct rpc_call *call, struct event_hub *hub,
		     const struct event_sub_options *opt)
{
	struct watch *w = calloc(1, sizeof(*w));
	if (!w) {
		if (opt->snapshot)
			event_snapshot_unref(opt->snapshot);
		watch_refuse(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	w->d = d;
	w->call = call;
	char message[256];
	rpc_call_set_user(call, w);
	grpc_status_code code =
	    event_hub_subscribe(hub, opt, &watch_ops, w, &w->sub, message, sizeof(message));
	if (code != GRPC_STATUS_OK) {
		rpc_call_set_user(call, NULL);
		free(w);
		watch_refuse(call, code, message);
		return;
	}
	/* Headers now: a client waiting for them knows it is subscribed and misses nothing. */
	rpc_stream_open(call);
	vbr_log(VBR_LOG_DEBUG, "watch stream opened", "call_id", rpc_call_id(call), NULL);
}

/* ---- WatchPeerEvents ---- */

static int build_peer_snapshot(void *arg, struct event_snapshot *snap, uint64_t sequence,
			       int64_t time_ms)
{
	struct vbrd *d = arg;
	for (size_t i = 0; i < d->model.n_peers; i++) {
		const struct vbr_peer *p = &d->model.peers[i];
		struct bgp_peer_status status;
		if (bgp_speaker_peer_status(d->speaker, p->num, &status) != 0) {
			memset(&status, 0, sizeof(status));
			status.state = BGP_STATE_IDLE;
		}
		struct vbr_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.kind = VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_INITIAL_STATE;
		snprintf(ev.peer_id, sizeof(ev.peer_id), "%s", p->id);
		ev.peer_ip = p->ip;
		ev.new_state = (int)status.state;
		snprintf(ev.reason, sizeof(ev.reason), "%s", status.last_error);
		if (event_snapshot_add(snap, p->id, pack_peer_event(&ev, sequence, time_ms)) != 0)
			return -1;
	}
	return 0;
}

static grpc_slice pack_peer_end(void *arg, uint64_t sequence, int64_t time_ms)
{
	(void)arg;
	struct vbr_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_END_OF_INITIAL_STATE;
	return pack_peer_event(&ev, sequence, time_ms);
}

void watch_peer_events(struct vbrd *d, struct rpc_call *call,
		       const Vbr__V1__WatchPeerEventsRequest *req)
{
	struct vbr_status st;
	if (d->shutting_down) {
		watch_refuse(call, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
		return;
	}
	if (vbr_validate_watch(req, &st)) {
		watch_refuse(call, st.code, st.message);
		return;
	}
	struct event_sub_options opt = {
	    .keys = (const char *const *)req->peer_ids,
	    .n_keys = req->n_peer_ids,
	    .has_after_sequence =
		req->after_sequence_present_case ==
		VBR__V1__WATCH_PEER_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE,
	    .after_sequence = req->after_sequence,
	};
	if (req->send_initial_state) {
		opt.snapshot = event_hub_snapshot(d->hub, build_peer_snapshot, pack_peer_end, d);
		if (!opt.snapshot) {
			watch_refuse(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
			return;
		}
	}
	watch_subscribe(d, call, d->hub, &opt);
}

/* ---- stream ends ---- */

void watch_on_write_done(void *ctx, struct rpc_call *call, bool ok)
{
	(void)ctx;
	struct watch *w = rpc_call_user(call);
	if (w && w->sub)
		event_sub_write_done(w->sub, ok);
}

void watch_on_stream_closed(void *ctx, struct rpc_call *call)
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

void watch_end_streams(struct vbrd *d)
{
	event_hub_end_all(d->hub, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
	if (d->route_hub)
		event_hub_end_all(d->route_hub, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
}
