/*
 * events: an event hub (one per stream kind: peer events, route events). Loop thread only.
 *
 * Every published event gets the next sequence number of its hub (monotonic for the process,
 * from 1) and goes into the hub's history ring of `history` events. It is packed ONCE into a
 * reference-counted grpc_slice, when the first subscriber needs it (until then the ring holds
 * the publisher's copy of the event), and every stream's write sends a reference to those
 * bytes. A subscriber is a cursor into the ring (the next sequence it needs) plus a reference
 * to a shared INITIAL_STATE snapshot: memory per subscriber is O(1) beyond its filter. One
 * whose cursor falls out of the ring — more than `history` events behind, because its client
 * stopped reading — is ended with RESOURCE_EXHAUSTED; it resubscribes with after_sequence or
 * a new snapshot.
 *
 * Delivery is never done inside publish or a write completion. Those only queue: a subscriber
 * with something to send sits on the hub's ready FIFO, one that has caught up on its idle list
 * (publish splices the whole idle list onto the ready FIFO, O(1)). event_hub_deliver, run by
 * the owner from its own loop callback, starts at most `budget` writes from the head of the
 * FIFO; a subscriber whose write completes goes back to the tail. So a burst is round robin
 * across subscribers (and so across connections), each loop turn's share of it is bounded,
 * and a reply started before the burst is never behind it.
 *
 * A write marked `more` (below) may be held by the transport until the next one; a stream
 * that is then ended (cut off, shutdown) loses at most HOLD_MAX (3) such events its client
 * never received. Nothing is lost to a client that resumes from the last sequence it did
 * receive, as after_sequence asks.
 *
 * INITIAL_STATE and END_OF_INITIAL_STATE carry the sequence of the latest event the snapshot
 * includes, so resubscribing with after_sequence = that number misses nothing. Live events
 * follow from the next sequence; nothing falls between since all of it runs on one thread.
 */
#ifndef VBR_SERVICE_EVENTS_H
#define VBR_SERVICE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <grpc/slice.h>
#include <grpc/status.h>

#include "model.h"

/* What a subscriber's filter matches an event against: a peer id, a route source name. */
#define EVENT_KEY_LEN 24

/* One peer event before it is packed (daemon.c, convert.c). */
struct vbr_event {
	uint64_t sequence;
	int64_t time_ms;
	int kind; /* vbr.v1.PeerEventKind */
	char peer_id[VBR_ID_LEN + 1];
	uint32_t peer_ip;
	int old_state; /* vbr.v1.SessionState */
	int new_state;
	int old_bfd_state; /* vbr.v1.BfdState, BFD_STATE_CHANGED only */
	int new_bfd_state;
	char reason[256];
};

struct event_hub;
struct event_sub;
struct event_snapshot;

/* How the hub talks to a subscriber's stream. send starts one write of `bytes` (it takes its
 * own reference); the owner calls event_sub_write_done when it completes, also when it could
 * not start (ok=false: the owner has ended the stream). `more`: the next
 * write for this subscriber is already queued, so the stream may hold these bytes for it and
 * send both in one transport write (a subscriber that is behind catches up in fewer, larger
 * writes; one that has caught up is sent at once). end finishes the stream with a status. */
struct event_sub_ops {
	void (*send)(void *arg, grpc_slice bytes, bool more);
	void (*end)(void *arg, grpc_status_code code, const char *message);
};

/* Packs the event numbered `sequence` (stamped `time_ms`) into a new slice; it may set the
 * sequence and time in its copy of the event. */
typedef grpc_slice (*event_pack_fn)(void *arg, uint64_t sequence, int64_t time_ms);

struct event_sub_options {
	const char *const *keys; /* filter; n_keys == 0 means every event */
	size_t n_keys;
	struct event_snapshot *snapshot; /* NULL: live only; else the sub takes this reference */
	bool has_after_sequence;
	uint64_t after_sequence;
};

/* `ready` (may be NULL) is called when the hub has writes to start and had none: the owner
 * then calls event_hub_deliver from its loop, not from inside the hub's caller. */
struct event_hub *event_hub_new(size_t history, void (*ready)(void *ctx), void *ctx);
/* Ends every subscriber still open (end is not called) and frees the hub. */
void event_hub_free(struct event_hub *hub);

/* Numbers the event, keeps a copy of it (event_len bytes, self-contained: no pointers into
 * state that may change) in the history for pack(copy, sequence, time) to pack once when a
 * subscriber first needs it, and queues every caught-up subscriber. Returns the sequence, 0 if
 * out of memory (the event is then lost for all: the sequence is not used). */
uint64_t event_hub_publish(struct event_hub *hub, const char *key, event_pack_fn pack,
			   const void *event, size_t event_len);
/* Starts at most `budget` writes, round robin; ends subscribers that fell out of the history.
 * Returns true when more work is queued. */
bool event_hub_deliver(struct event_hub *hub, size_t budget);
bool event_hub_has_work(const struct event_hub *hub);
uint64_t event_hub_last_sequence(const struct event_hub *hub);
size_t event_hub_subscribers(const struct event_hub *hub);

/* The INITIAL_STATE snapshot at the hub's latest sequence, shared: subscribers that arrive
 * before the next publish get the same one (a reference each). `build` fills a new one with
 * event_snapshot_add (it gets the sequence and time to stamp) when none is cached. NULL when
 * out of memory. The hub adds END_OF_INITIAL_STATE (`end_marker`'s bytes) itself. */
typedef int (*event_snapshot_build_fn)(void *arg, struct event_snapshot *snap, uint64_t sequence,
				       int64_t time_ms);
struct event_snapshot *event_hub_snapshot(struct event_hub *hub, event_snapshot_build_fn build,
					  event_pack_fn end_marker, void *arg);
/* Takes the slice (its reference). -ENOMEM on failure (the slice is then released). */
int event_snapshot_add(struct event_snapshot *snap, const char *key, grpc_slice bytes);
void event_snapshot_unref(struct event_snapshot *snap);

/* OUT_OF_RANGE when after_sequence is no longer (or not yet) in the history. On failure the
 * snapshot reference is released too. The first writes start at the next deliver. */
grpc_status_code event_hub_subscribe(struct event_hub *hub, const struct event_sub_options *opt,
				     const struct event_sub_ops *ops, void *arg,
				     struct event_sub **out, char *message, size_t message_len);
void event_sub_write_done(struct event_sub *sub, bool ok);
/* Forget the subscriber (its stream closed). end is not called. */
void event_hub_unsubscribe(struct event_sub *sub);
/* End every subscriber with this status (shutdown). They stay until unsubscribed. */
void event_hub_end_all(struct event_hub *hub, grpc_status_code code, const char *message);

#endif
