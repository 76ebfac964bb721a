/* events: history ring + cursors; see events.h for the model. */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"
#include "vbr/v1/vbr.pb-c.h"

struct event_sub {
	struct event_hub *hub;
	struct event_sub *prev, *next;
	struct event_sub_ops ops;
	void *arg;
	char (*peer_ids)[VBR_ID_LEN + 1];
	size_t n_peer_ids;
	struct vbr_event *initial; /* INITIAL_STATE ... END_OF_INITIAL_STATE */
	size_t n_initial, initial_sent;
	uint64_t next_sequence;
	bool write_outstanding;
	bool ended;
};

struct event_hub {
	struct vbr_event *ring;
	size_t history;
	uint64_t last_sequence;
	struct event_sub *subs;
	size_t n_subs;
};

struct event_hub *event_hub_new(size_t history)
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
	return hub;
}

static void sub_free(struct event_sub *sub)
{
	free(sub->peer_ids);
	free(sub->initial);
	free(sub);
}

void event_hub_free(struct event_hub *hub)
{
	if (!hub)
		return;
	while (hub->subs)
		event_hub_unsubscribe(hub->subs);
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

static uint64_t oldest_sequence(const struct event_hub *hub)
{
	return hub->last_sequence >= hub->history ? hub->last_sequence - hub->history + 1 : 1;
}

static bool wants(const struct event_sub *sub, const struct vbr_event *ev)
{
	if (sub->n_peer_ids == 0)
		return true;
	for (size_t i = 0; i < sub->n_peer_ids; i++)
		if (strcmp(sub->peer_ids[i], ev->peer_id) == 0)
			return true;
	return false;
}

static void end_sub(struct event_sub *sub, grpc_status_code code, const char *message)
{
	if (sub->ended)
		return;
	sub->ended = true;
	sub->ops.end(sub->arg, code, message);
}

/* Starts the next write if none is outstanding. */
static void pump(struct event_sub *sub)
{
	struct event_hub *hub = sub->hub;
	if (sub->write_outstanding || sub->ended)
		return;
	const struct vbr_event *ev = NULL;
	if (sub->initial_sent < sub->n_initial) {
		ev = &sub->initial[sub->initial_sent++];
	} else {
		while (sub->next_sequence <= hub->last_sequence) {
			const struct vbr_event *cand =
			    &hub->ring[sub->next_sequence % hub->history];
			sub->next_sequence++;
			if (wants(sub, cand)) {
				ev = cand;
				break;
			}
		}
	}
	if (!ev)
		return;
	sub->write_outstanding = true;
	if (sub->ops.send(sub->arg, ev) != 0) {
		sub->write_outstanding = false;
		end_sub(sub, GRPC_STATUS_INTERNAL, "cannot write to the stream");
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void event_hub_publish(struct event_hub *hub, struct vbr_event *event)
{
	event->sequence = ++hub->last_sequence;
	event->time_ms = now_ms();
	hub->ring[event->sequence % hub->history] = *event;
	atomic_fetch_add_explicit(&vbr_stats.events_published, 1, memory_order_relaxed);
	uint64_t oldest = oldest_sequence(hub);
	for (struct event_sub *sub = hub->subs, *next; sub; sub = next) {
		next = sub->next;
		if (sub->ended)
			continue;
		if (sub->next_sequence < oldest) {
			char msg[200];
			snprintf(msg, sizeof(msg),
				 "subscriber fell more than %zu events behind; resubscribe with "
				 "after_sequence or send_initial_state",
				 hub->history);
			atomic_fetch_add_explicit(&vbr_stats.watchers_ended_slow, 1,
						  memory_order_relaxed);
			end_sub(sub, GRPC_STATUS_RESOURCE_EXHAUSTED, msg);
			continue;
		}
		pump(sub);
	}
}

grpc_status_code event_hub_subscribe(struct event_hub *hub, const struct event_sub_options *opt,
				     const struct event_sub_ops *ops, void *arg,
				     struct event_sub **out, char *message, size_t message_len)
{
	uint64_t next = hub->last_sequence + 1;
	if (opt->has_after_sequence) {
		uint64_t a = opt->after_sequence;
		if (a > hub->last_sequence) {
			snprintf(message, message_len,
				 "after_sequence: %llu is ahead of the latest event %llu (sequence "
				 "numbers restart with the process)",
				 (unsigned long long)a, (unsigned long long)hub->last_sequence);
			return GRPC_STATUS_OUT_OF_RANGE;
		}
		if (a + 1 < oldest_sequence(hub)) {
			snprintf(
			    message, message_len,
			    "after_sequence: %llu is older than the history (oldest kept is %llu); "
			    "resubscribe with send_initial_state",
			    (unsigned long long)a, (unsigned long long)oldest_sequence(hub));
			return GRPC_STATUS_OUT_OF_RANGE;
		}
		next = a + 1;
	}
	struct event_sub *sub = calloc(1, sizeof(*sub));
	size_t n_initial = opt->send_initial_state ? opt->n_initial + 1 : 0;
	if (!sub)
		goto nomem;
	sub->hub = hub;
	sub->ops = *ops;
	sub->arg = arg;
	sub->next_sequence = next;
	if (opt->n_peer_ids) {
		sub->peer_ids = calloc(opt->n_peer_ids, sizeof(*sub->peer_ids));
		if (!sub->peer_ids)
			goto nomem;
		for (size_t i = 0; i < opt->n_peer_ids; i++)
			snprintf(sub->peer_ids[i], sizeof(sub->peer_ids[i]), "%s",
				 opt->peer_ids[i]);
		sub->n_peer_ids = opt->n_peer_ids;
	}
	if (n_initial) {
		sub->initial = calloc(n_initial, sizeof(*sub->initial));
		if (!sub->initial)
			goto nomem;
		int64_t now = now_ms();
		for (size_t i = 0; i < opt->n_initial; i++) {
			if (!wants(sub, &opt->initial[i]))
				continue;
			struct vbr_event *e = &sub->initial[sub->n_initial++];
			*e = opt->initial[i];
			e->kind = VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_INITIAL_STATE;
			e->sequence = hub->last_sequence;
			e->time_ms = now;
		}
		struct vbr_event *end = &sub->initial[sub->n_initial++];
		memset(end, 0, sizeof(*end));
		end->kind = VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_END_OF_INITIAL_STATE;
		end->sequence = hub->last_sequence;
		end->time_ms = now;
	}
	sub->next = hub->subs;
	if (hub->subs)
		hub->subs->prev = sub;
	hub->subs = sub;
	hub->n_subs++;
	atomic_fetch_add_explicit(&vbr_stats.watchers, 1, memory_order_relaxed);
	*out = sub;
	pump(sub);
	return GRPC_STATUS_OK;
nomem:
	if (sub)
		sub_free(sub);
	snprintf(message, message_len, "out of memory");
	return GRPC_STATUS_RESOURCE_EXHAUSTED;
}

void event_sub_write_done(struct event_sub *sub, bool ok)
{
	sub->write_outstanding = false;
	if (!ok) {
		/* The call is gone; its close event will unsubscribe us. */
		sub->ended = true;
		return;
	}
	pump(sub);
}

void event_hub_unsubscribe(struct event_sub *sub)
{
	struct event_hub *hub = sub->hub;
	if (sub->prev)
		sub->prev->next = sub->next;
	else
		hub->subs = sub->next;
	if (sub->next)
		sub->next->prev = sub->prev;
	hub->n_subs--;
	atomic_fetch_sub_explicit(&vbr_stats.watchers, 1, memory_order_relaxed);
	sub_free(sub);
}

void event_hub_end_all(struct event_hub *hub, grpc_status_code code, const char *message)
{
	for (struct event_sub *sub = hub->subs; sub; sub = sub->next)
		end_sub(sub, code, message);
}
