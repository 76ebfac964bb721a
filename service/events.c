/* events: history ring of packed events, cursors, ready FIFO; see events.h for the model. */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "stats.h"

/* A history item is packed when a subscriber first needs it (once: every later write shares
 * the bytes); until then it holds the publisher's copy of the event. A change nobody watches
 * (a full table arriving with no route watcher) costs a copy, not a protobuf pack. */
struct item {
	uint64_t sequence;
	int64_t time_ms;
	bool always; /* END_OF_INITIAL_STATE: passes every filter */
	bool packed;
	char key[EVENT_KEY_LEN];
	grpc_slice bytes;   /* packed */
	event_pack_fn pack; /* not yet: pack(event, sequence, time_ms) */
	void *event;
};

struct event_snapshot {
	int refs;
	uint64_t sequence;
	size_t n, cap;
	struct item *items; /* INITIAL_STATE ..., END_OF_INITIAL_STATE */
};

/* A subscriber is on at most one queue: READY (has something to write, FIFO), IDLE (caught
 * up), or none (a write outstanding, or ended). */
enum queue { Q_NONE, Q_READY, Q_IDLE };

struct list {
	struct event_sub *head, *tail;
};

struct event_sub {
	struct event_hub *hub;
	struct event_sub *prev, *next;	 /* every subscriber */
	struct event_sub *qprev, *qnext; /* its queue */
	enum queue queue;
	struct event_sub_ops ops;
	void *arg;
	char (*keys)[EVENT_KEY_LEN];
	size_t n_keys;
	struct event_snapshot *snap;
	size_t snap_sent;
	uint64_t next_sequence;
	unsigned held; /* writes in a row sent with more (held by the stream for the next) */
	bool ended;
};

struct event_hub {
	struct item *ring;
	size_t history;
	uint64_t last_sequence;
	uint64_t scanned_oldest; /* cut-off scan done for this oldest sequence */
	struct event_sub *subs;
	size_t n_subs;
	struct list ready, idle;
	struct event_snapshot *snap; /* cached for last_sequence, one reference */
	void (*on_ready)(void *ctx);
	void *ctx;
};

/* ---- queues ---- */

static struct list *queue_list(struct event_hub *hub, enum queue q)
{
	return q == Q_READY ? &hub->ready : q == Q_IDLE ? &hub->idle : NULL;
}

static void dequeue(struct event_sub *sub)
{
	struct list *l = queue_list(sub->hub, sub->queue);
	if (!l)
		return;
	if (sub->qprev)
		sub->qprev->qnext = sub->qnext;
	else
		l->head = sub->qnext;
	if (sub->qnext)
		sub->qnext->qprev = sub->qprev;
	else
		l->tail = sub->qprev;
	sub->qprev = sub->qnext = NULL;
	sub->queue = Q_NONE;
}

static void wake(struct event_hub *hub)
{
	if (hub->on_ready)
		hub->on_ready(hub->ctx);
}

static void enqueue(struct event_sub *sub, enum queue q)
{
	struct event_hub *hub = sub->hub;
	dequeue(sub);
	struct list *l = queue_list(hub, q);
	bool was_empty = hub->ready.head == NULL;
	sub->qprev = l->tail;
	if (l->tail)
		l->tail->qnext = sub;
	else
		l->head = sub;
	l->tail = sub;
	sub->queue = q;
	if (q == Q_READY && was_empty)
		wake(hub);
}

/* Every caught-up subscriber may want the new event: the idle list joins the ready FIFO. */
static void idle_to_ready(struct event_hub *hub)
{
	struct list *idle = &hub->idle, *ready = &hub->ready;
	if (!idle->head)
		return;
	bool was_empty = ready->head == NULL;
	for (struct event_sub *s = idle->head; s; s = s->qnext)
		s->queue = Q_READY;
	idle->head->qprev = ready->tail;
	if (ready->tail)
		ready->tail->qnext = idle->head;
	else
		ready->head = idle->head;
	ready->tail = idle->tail;
	idle->head = idle->tail = NULL;
	if (was_empty)
		wake(hub);
}

/* ---- the hub ---- */

struct event_hub *event_hub_new(size_t history, void (*ready)(void *ctx), void *ctx)
{
	struct event_hub *hub = calloc(1, sizeof(*hub));
	if (!hub)
		return NULL;
	hub->history = history < 1 ? 1 : history;
	hub->ring = calloc(hub->history, sizeof(*hub->ring));
	if (!hub->ring) {
		free(hub);
		return NULL;
	}
	hub->on_ready = ready;
	hub->ctx = ctx;
	hub->scanned_oldest = 1;
	return hub;
}

static void item_clear(struct item *it)
{
	if (it->packed)
		grpc_slice_unref(it->bytes);
	free(it->event);
	memset(it, 0, sizeof(*it));
}

/* The item's bytes, packing them now if no one needed them before. */
static grpc_slice item_bytes(struct item *it)
{
	if (!it->packed) {
		it->bytes = it->pack(it->event, it->sequence, it->time_ms);
		it->packed = true;
		free(it->event);
		it->event = NULL;
	}
	return it->bytes;
}

static void drop_cached_snapshot(struct event_hub *hub)
{
	if (hub->snap)
		event_snapshot_unref(hub->snap);
	hub->snap = NULL;
}

void event_hub_free(struct event_hub *hub)
{
	if (!hub)
		return;
	while (hub->subs)
		event_hub_unsubscribe(hub->subs);
	drop_cached_snapshot(hub);
	for (size_t i = 0; i < hub->history; i++)
		item_clear(&hub->ring[i]);
	free(hub->ring);
	free(hub);
}

uint64_t event_hub_last_sequence(const struct event_hub *hub)
{
	return hub->last_sequence;
}

size_t event_hub_subscribers(const struct event_hub *hub)
{
	return hub->n_subs;
}

bool event_hub_has_work(const struct event_hub *hub)
{
	return hub->ready.head != NULL;
}

static uint64_t oldest_sequence(const struct event_hub *hub)
{
	return hub->last_sequence >= hub->history ? hub->last_sequence - hub->history + 1 : 1;
}

uint64_t event_hub_publish(struct event_hub *hub, const char *key, event_pack_fn pack,
			   const void *event, size_t event_len)
{
	void *copy = malloc(event_len ? event_len : 1);
	if (!copy)
		return 0;
	memcpy(copy, event, event_len);
	uint64_t seq = hub->last_sequence + 1;
	struct item *it = &hub->ring[seq % hub->history];
	item_clear(it);
	it->sequence = seq;
	it->time_ms = bgp_now_ms();
	snprintf(it->key, sizeof(it->key), "%s", key ? key : "");
	it->pack = pack;
	it->event = copy;
	hub->last_sequence = seq;
	drop_cached_snapshot(hub); /* it no longer includes everything up to last_sequence */
	idle_to_ready(hub);
	return seq;
}

/* ---- subscribers ---- */

static bool wants(const struct event_sub *sub, const struct item *it)
{
	if (sub->n_keys == 0 || it->always)
		return true;
	for (size_t i = 0; i < sub->n_keys; i++)
		if (strcmp(sub->keys[i], it->key) == 0)
			return true;
	return false;
}

static void end_sub(struct event_sub *sub, grpc_status_code code, const char *message)
{
	if (sub->ended)
		return;
	sub->ended = true;
	dequeue(sub);
	sub->ops.end(sub->arg, code, message);
}

static void end_behind(struct event_sub *sub)
{
	char msg[200];
	snprintf(msg, sizeof(msg),
		 "subscriber fell more than %zu events behind; resubscribe with "
		 "after_sequence or send_initial_state",
		 sub->hub->history);
	end_sub(sub, GRPC_STATUS_RESOURCE_EXHAUSTED, msg);
}

/* The next item this subscriber should get, NULL when it has caught up. */
static struct item *next_item(struct event_sub *sub)
{
	struct event_hub *hub = sub->hub;
	struct event_snapshot *snap = sub->snap;
	while (snap && sub->snap_sent < snap->n) {
		struct item *it = &snap->items[sub->snap_sent++];
		if (wants(sub, it))
			return it;
	}
	if (snap) { /* done with it: memory back as soon as the last reader is through */
		event_snapshot_unref(snap);
		sub->snap = NULL;
	}
	while (sub->next_sequence <= hub->last_sequence) {
		struct item *it = &hub->ring[sub->next_sequence % hub->history];
		sub->next_sequence++;
		if (wants(sub, it))
			return it;
	}
	return NULL;
}

/* A subscriber that is behind gets its events in transport writes of up to HOLD_MAX + 1:
 * fewer writes for the burst (less CPU on both ends), and none held longer than HOLD_MAX of
 * its own write round trips. Holding until it has caught up would send nothing to a
 * subscriber all through a long burst. */
#define HOLD_MAX 3

/* Whether another event for this subscriber is already queued behind the one it is being
 * sent, looking one item ahead only (O(1); a filtered-out item ends the look). */
static bool more_follows(const struct event_sub *sub)
{
	const struct event_snapshot *snap = sub->snap;
	if (snap && sub->snap_sent < snap->n)
		return wants(sub, &snap->items[sub->snap_sent]);
	const struct event_hub *hub = sub->hub;
	if (sub->next_sequence > hub->last_sequence)
		return false;
	return wants(sub, &hub->ring[sub->next_sequence % hub->history]);
}

/* One subscriber from the head of the FIFO: start its next write or park it as idle. */
static void serve(struct event_sub *sub)
{
	dequeue(sub);
	if (sub->next_sequence < oldest_sequence(sub->hub)) {
		end_behind(sub);
		return;
	}
	struct item *it = next_item(sub);
	if (!it) {
		enqueue(sub, Q_IDLE);
		return;
	}
	bool more = sub->held < HOLD_MAX && more_follows(sub);
	sub->held = more ? sub->held + 1 : 0;
	sub->ops.send(sub->arg, item_bytes(it), more);
}

/* A subscriber whose write is stuck never reaches the FIFO's head: look for those once each
 * time the history's oldest event moves. */
static void cut_off_stalled(struct event_hub *hub)
{
	uint64_t oldest = oldest_sequence(hub);
	if (oldest == hub->scanned_oldest)
		return;
	hub->scanned_oldest = oldest;
	for (struct event_sub *sub = hub->subs; sub; sub = sub->next)
		if (!sub->ended && sub->next_sequence < oldest)
			end_behind(sub);
}

bool event_hub_deliver(struct event_hub *hub, size_t budget)
{
	cut_off_stalled(hub);
	/* What is queued now; subscribers re-queued by a completion wait for the next call. */
	for (size_t i = 0; i < budget && hub->ready.head; i++)
		serve(hub->ready.head);
	return hub->ready.head != NULL;
}

static grpc_status_code check_after(const struct event_hub *hub, uint64_t a, char *message,
				    size_t message_len)
{
	if (a > hub->last_sequence) {
		snprintf(message, message_len,
			 "after_sequence: %llu is ahead of the latest event %llu (sequence "
			 "numbers restart with the process)",
			 (unsigned long long)a, (unsigned long long)hub->last_sequence);
		return GRPC_STATUS_OUT_OF_RANGE;
	}
	if (a + 1 < oldest_sequence(hub)) {
		snprintf(message, message_len,
			 "after_sequence: %llu is older than the history (oldest kept is %llu); "
			 "resubscribe with send_initial_state",
			 (unsigned long long)a, (unsigned long long)oldest_sequence(hub));
		return GRPC_STATUS_OUT_OF_RANGE;
	}
	return GRPC_STATUS_OK;
}

static int copy_keys(struct event_sub *sub, const struct event_sub_options *opt)
{
	if (!opt->n_keys)
		return 0;
	sub->keys = calloc(opt->n_keys, sizeof(*sub->keys));
	if (!sub->keys)
		return -ENOMEM;
	for (size_t i = 0; i < opt->n_keys; i++)
		snprintf(sub->keys[i], sizeof(sub->keys[i]), "%s", opt->keys[i]);
	sub->n_keys = opt->n_keys;
	return 0;
}

grpc_status_code event_hub_subscribe(struct event_hub *hub, const struct event_sub_options *opt,
				     const struct event_sub_ops *ops, void *arg,
				     struct event_sub **out, char *message, size_t message_len)
{
	uint64_t next = hub->last_sequence + 1;
	if (opt->snapshot)
		next = opt->snapshot->sequence + 1;
	if (opt->has_after_sequence) {
		grpc_status_code code = check_after(hub, opt->after_sequence, message, message_len);
		if (code != GRPC_STATUS_OK) {
			if (opt->snapshot)
				event_snapshot_unref(opt->snapshot);
			return code;
		}
		next = opt->after_sequence + 1;
	}
	struct event_sub *sub = calloc(1, sizeof(*sub));
	if (!sub || copy_keys(sub, opt) != 0) {
		if (sub)
			free(sub->keys);
		free(sub);
		if (opt->snapshot)
			event_snapshot_unref(opt->snapshot);
		snprintf(message, message_len, "out of memory");
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	}
	sub->hub = hub;
	sub->ops = *ops;
	sub->arg = arg;
	sub->next_sequence = next;
	sub->snap = opt->snapshot;
	sub->next = hub->subs;
	if (hub->subs)
		hub->subs->prev = sub;
	hub->subs = sub;
	hub->n_subs++;
	*out = sub;
	enqueue(sub, Q_READY);
	return GRPC_STATUS_OK;
}

void event_sub_write_done(struct event_sub *sub, bool ok)
{
	if (!ok) {
		/* The call is gone; its close event will unsubscribe us. */
		sub->ended = true;
		dequeue(sub);
		return;
	}
	if (!sub->ended)
		enqueue(sub, Q_READY);
}

void event_hub_unsubscribe(struct event_sub *sub)
{
	struct event_hub *hub = sub->hub;
	dequeue(sub);
	if (sub->prev)
		sub->prev->next = sub->next;
	else
		hub->subs = sub->next;
	if (sub->next)
		sub->next->prev = sub->prev;
	hub->n_subs--;
	if (sub->snap)
		event_snapshot_unref(sub->snap);
	free(sub->keys);
	free(sub);
}

void event_hub_end_all(struct event_hub *hub, grpc_status_code code, const char *message)
{
	for (struct event_sub *sub = hub->subs; sub; sub = sub->next)
		end_sub(sub, code, message);
}

/* ---- shared snapshots ---- */

int event_snapshot_add(struct event_snapshot *snap, const char *key, grpc_slice bytes)
{
	if (snap->n == snap->cap) {
		size_t cap = snap->cap ? 2 * snap->cap : 16;
		struct item *items = realloc(snap->items, cap * sizeof(*items));
		if (!items) {
			grpc_slice_unref(bytes);
			return -ENOMEM;
		}
		snap->items = items;
		snap->cap = cap;
	}
	struct item *it = &snap->items[snap->n++];
	memset(it, 0, sizeof(*it));
	it->sequence = snap->sequence;
	snprintf(it->key, sizeof(it->key), "%s", key ? key : "");
	it->bytes = bytes;
	it->packed = true;
	return 0;
}

void event_snapshot_unref(struct event_snapshot *snap)
{
	if (--snap->refs > 0)
		return;
	for (size_t i = 0; i < snap->n; i++)
		grpc_slice_unref(snap->items[i].bytes);
	free(snap->items);
	free(snap);
}

struct event_snapshot *event_hub_snapshot(struct event_hub *hub, event_snapshot_build_fn build,
					  event_pack_fn end_marker, void *arg)
{
	if (hub->snap) {
		hub->snap->refs++;
		return hub->snap;
	}
	struct event_snapshot *snap = calloc(1, sizeof(*snap));
	if (!snap)
		return NULL;
	snap->refs = 1;
	snap->sequence = hub->last_sequence;
	int64_t now = bgp_now_ms();
	if (build(arg, snap, snap->sequence, now) != 0 ||
	    event_snapshot_add(snap, "", end_marker(arg, snap->sequence, now)) != 0) {
		event_snapshot_unref(snap);
		return NULL;
	}
	snap->items[snap->n - 1].always = true;
	hub->snap = snap;
	snap->refs++; /* the cache's and the caller's */
	return snap;
}
