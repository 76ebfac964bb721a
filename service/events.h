/*
 * events: the peer event hub. Loop thread only.
 *
 * Every published event gets the next sequence number (monotonic for the process, from 1) and
 * goes into one shared history ring of `history` events. A subscriber is a cursor into that
 * ring (the next sequence it needs) plus its own short list of INITIAL_STATE events: so the
 * history is its bounded queue and memory per subscriber is O(max peers). A subscriber whose
 * cursor falls out of the ring — more than `history` events behind, because its client stopped
 * reading — is ended with RESOURCE_EXHAUSTED; it resubscribes with after_sequence or a new
 * snapshot.
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

#include <grpc/status.h>

#include "model.h"

struct vbr_event {
	uint64_t sequence;
	int64_t time_ms;
	int kind; /* vbr.v1.PeerEventKind */
	char peer_id[VBR_ID_LEN + 1];
	uint32_t peer_ip;
	int old_state; /* vbr.v1.SessionState */
	int new_state;
	char reason[256];
};

struct event_hub;
struct event_sub;

/* How the hub talks to a subscriber's stream. send starts one write; the owner calls
 * event_sub_write_done when it completes. end finishes the stream with a status. */
struct event_sub_ops {
	int (*send)(void *arg, const struct vbr_event *event);
	void (*end)(void *arg, grpc_status_code code, const char *message);
};

struct event_sub_options {
	const char *const *peer_ids; /* filter; n_peer_ids == 0 means every peer */
	size_t n_peer_ids;
	const struct vbr_event *initial; /* INITIAL_STATE events (sequence/time filled here) */
	size_t n_initial;
	bool send_initial_state; /* then END_OF_INITIAL_STATE */
	bool has_after_sequence;
	uint64_t after_sequence;
};

struct event_hub *event_hub_new(size_t history);
/* Ends every subscriber still open (end is not called) and frees the hub. */
void event_hub_free(struct event_hub *hub);

/* Fills sequence and time; delivers to subscribers; ends the ones too far behind. */
void event_hub_publish(struct event_hub *hub, struct vbr_event *event);
uint64_t event_hub_last_sequence(const struct event_hub *hub);
size_t event_hub_subscribers(const struct event_hub *hub);

/* OUT_OF_RANGE when after_sequence is no longer (or not yet) in the history. */
grpc_status_code event_hub_subscribe(struct event_hub *hub, const struct event_sub_options *opt,
				     const struct event_sub_ops *ops, void *arg,
				     struct event_sub **out, char *message, size_t message_len);
void event_sub_write_done(struct event_sub *sub, bool ok);
/* Forget the subscriber (its stream closed). end is not called. */
void event_hub_unsubscribe(struct event_sub *sub);
/* End every subscriber with this status (shutdown). They stay until unsubscribed. */
void event_hub_end_all(struct event_hub *hub, grpc_status_code code, const char *message);

#endif
