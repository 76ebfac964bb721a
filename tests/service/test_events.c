/*
 * events: sequence numbers, initial state then END_OF_INITIAL_STATE with nothing lost, one
 * write outstanding, nothing written before deliver, a bounded number of writes per deliver in
 * round-robin order, every subscriber sent the same packed bytes, one snapshot shared by the
 * subscribers of one sequence, filters, after_sequence bounds, a stalled subscriber ended with
 * RESOURCE_EXHAUSTED while another keeps receiving.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "convert.h"
#include "events.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

#define KIND(x) VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_##x

struct sent {
	uint64_t sequence;
	int kind;
	char peer_id[VBR_ID_LEN + 1];
	const uint8_t *bytes; /* where the slice's bytes were: the same for a shared event */
	bool more;	      /* the hub said another write follows at once */
};

struct fake {
	struct sent sent[64];
	size_t n_sent;
	grpc_status_code end_code;
	bool ended;
	int order; /* when it was last written to, across fakes */
	struct event_sub *sub;
};

static int write_clock;
static int wakeups;

static void fake_send(void *arg, grpc_slice bytes, bool more)
{
	struct fake *f = arg;
	assert_true(f->n_sent < 64);
	Vbr__V1__PeerEvent *ev = vbr__v1__peer_event__unpack(NULL, GRPC_SLICE_LENGTH(bytes),
							     GRPC_SLICE_START_PTR(bytes));
	assert_non_null(ev);
	struct sent *s = &f->sent[f->n_sent++];
	s->sequence = ev->sequence;
	s->kind = ev->kind;
	snprintf(s->peer_id, sizeof(s->peer_id), "%s", ev->peer_id);
	s->bytes = GRPC_SLICE_START_PTR(bytes);
	s->more = more;
	vbr__v1__peer_event__free_unpacked(ev, NULL);
	f->order = ++write_clock;
}

static void fake_end(void *arg, grpc_status_code code, const char *message)
{
	struct fake *f = arg;
	assert_non_null(message);
	f->ended = true;
	f->end_code = code;
}

static const struct event_sub_ops ops = {fake_send, fake_end};

static void on_ready(void *ctx)
{
	(void)ctx;
	wakeups++;
}

/* Delivers and completes writes until the subscriber has nothing more to send. */
static void drain(struct event_hub *hub, struct fake *f)
{
	size_t before;
	do {
		before = f->n_sent;
		event_hub_deliver(hub, 1000);
		if (f->n_sent != before)
			event_sub_write_done(f->sub, true);
	} while (f->n_sent != before);
}

static int packs;

static grpc_slice pack(void *arg, uint64_t sequence, int64_t time_ms)
{
	packs++;
	struct vbr_event *ev = arg;
	ev->sequence = sequence;
	ev->time_ms = time_ms;
	struct pb_event pb;
	convert_event(ev, &pb);
	return rpc_pack(&pb.msg.base);
}

static uint64_t publish(struct event_hub *hub, int kind, const char *peer)
{
	struct vbr_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	snprintf(ev.peer_id, sizeof(ev.peer_id), "%s", peer);
	return event_hub_publish(hub, peer, pack, &ev, sizeof(ev));
}

static int builds;

static int build(void *arg, struct event_snapshot *snap, uint64_t sequence, int64_t time_ms)
{
	(void)arg;
	builds++;
	const char *peers[] = {"bgpp-00000001", "bgpp-00000002"};
	for (int i = 0; i < 2; i++) {
		struct vbr_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.kind = KIND(INITIAL_STATE);
		snprintf(ev.peer_id, sizeof(ev.peer_id), "%s", peers[i]);
		if (event_snapshot_add(snap, peers[i], pack(&ev, sequence, time_ms)) != 0)
			return -1;
	}
	return 0;
}

static grpc_slice end_marker(void *arg, uint64_t sequence, int64_t time_ms)
{
	(void)arg;
	struct vbr_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = KIND(END_OF_INITIAL_STATE);
	return pack(&ev, sequence, time_ms);
}

static grpc_status_code subscribe(struct event_hub *hub, struct event_sub_options *opt,
				  struct fake *f)
{
	char msg[200];
	return event_hub_subscribe(hub, opt, &ops, f, &f->sub, msg, sizeof(msg));
}

static void test_initial_state_then_live(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(16, on_ready, NULL);
	publish(hub, KIND(PEER_CREATED), "bgpp-00000001");
	publish(hub, KIND(PEER_CREATED), "bgpp-00000002");
	struct fake f = {0};
	struct event_sub_options opt = {.snapshot =
					    event_hub_snapshot(hub, build, end_marker, NULL)};
	assert_int_equal(subscribe(hub, &opt, &f), GRPC_STATUS_OK);
	assert_int_equal(f.n_sent, 0); /* nothing written inside subscribe */
	event_hub_deliver(hub, 100);
	assert_int_equal(f.n_sent, 1); /* one write outstanding at a time */
	/* An event published before the first write completes is not lost. */
	publish(hub, KIND(PEER_DELETED), "bgpp-00000001");
	event_hub_deliver(hub, 100);
	assert_int_equal(f.n_sent, 1);
	event_sub_write_done(f.sub, true);
	drain(hub, &f);
	assert_int_equal(f.n_sent, 4);
	assert_int_equal(f.sent[0].kind, KIND(INITIAL_STATE));
	assert_int_equal(f.sent[1].kind, KIND(INITIAL_STATE));
	assert_int_equal(f.sent[2].kind, KIND(END_OF_INITIAL_STATE));
	assert_int_equal(f.sent[2].sequence, 2); /* the snapshot includes events up to 2 */
	assert_int_equal(f.sent[3].kind, KIND(PEER_DELETED));
	assert_int_equal(f.sent[3].sequence, 3);
	/* Each write but the last knew another was queued behind it (the stream may hold its
	 * bytes for the next); the last is sent at once. */
	assert_true(f.sent[0].more && f.sent[1].more && f.sent[2].more);
	assert_false(f.sent[3].more);
	assert_int_equal(event_hub_subscribers(hub), 1);
	event_hub_unsubscribe(f.sub);
	assert_int_equal(event_hub_subscribers(hub), 0);
	event_hub_free(hub);
}

static void test_snapshot_shared_until_publish(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(16, NULL, NULL);
	builds = 0;
	struct event_snapshot *a = event_hub_snapshot(hub, build, end_marker, NULL);
	struct event_snapshot *b = event_hub_snapshot(hub, build, end_marker, NULL);
	assert_ptr_equal(a, b);
	assert_int_equal(builds, 1);
	publish(hub, KIND(PEER_CREATED), "bgpp-00000003");
	struct event_snapshot *c = event_hub_snapshot(hub, build, end_marker, NULL);
	assert_ptr_not_equal(a, c);
	assert_int_equal(builds, 2);
	/* Subscribed with a (sequence 0), the first live event is 1. */
	struct fake f = {0};
	struct event_sub_options opt = {.snapshot = a};
	assert_int_equal(subscribe(hub, &opt, &f), GRPC_STATUS_OK);
	drain(hub, &f);
	assert_int_equal(f.n_sent, 4);
	assert_int_equal(f.sent[2].sequence, 0);
	assert_int_equal(f.sent[3].sequence, 1);
	event_snapshot_unref(b);
	event_snapshot_unref(c);
	event_hub_free(hub);
}

/* A subscriber far behind is not held indefinitely: after 3 held writes in a row the next
 * goes out at once, though more follow, and the count starts again. */
static void test_held_writes_bounded(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(16, NULL, NULL);
	struct fake f = {0};
	struct event_sub_options opt = {0};
	assert_int_equal(subscribe(hub, &opt, &f), GRPC_STATUS_OK);
	for (int i = 0; i < 9; i++)
		publish(hub, KIND(STATE_CHANGED), "bgpp-00000001");
	drain(hub, &f);
	assert_int_equal(f.n_sent, 9);
	const bool want[9] = {true, true, true, false, true, true, true, false, false};
	for (int i = 0; i < 9; i++) {
		assert_int_equal(f.sent[i].sequence, (uint64_t)i + 1);
		assert_int_equal(f.sent[i].more, want[i]);
	}
	event_hub_free(hub);
}

static void test_bounded_round_robin_shared_bytes(void **state)
{
	(void)state;
	wakeups = 0;
	struct event_hub *hub = event_hub_new(16, on_ready, NULL);
	struct fake f[10];
	memset(f, 0, sizeof(f));
	struct event_sub_options opt = {0};
	for (int i = 0; i < 10; i++)
		assert_int_equal(subscribe(hub, &opt, &f[i]), GRPC_STATUS_OK);
	while (event_hub_deliver(hub, 100)) /* nothing to send yet: all go idle */
		;
	assert_false(event_hub_has_work(hub));
	int before = wakeups;
	publish(hub, KIND(PEER_CREATED), "bgpp-00000001");
	publish(hub, KIND(PEER_DELETED), "bgpp-00000001");
	assert_int_equal(wakeups, before + 1); /* one wake-up for the burst */
	/* Deliver 3 at a time and complete those writes at once, logging who got what. */
	int who[20], n = 0;
	size_t sent_before[10] = {0};
	for (int round = 0; round < 20 && n < 20; round++) {
		bool more = event_hub_deliver(hub, 3);
		int got = 0, first = n;
		for (int i = 0; i < 10; i++) {
			if (f[i].n_sent == sent_before[i])
				continue;
			assert_int_equal(f[i].n_sent, sent_before[i] + 1); /* one outstanding */
			sent_before[i] = f[i].n_sent;
			int k = n++; /* in the order the writes started */
			while (k > first && f[who[k - 1]].order > f[i].order) {
				who[k] = who[k - 1];
				k--;
			}
			who[k] = i;
			got++;
		}
		for (int k = first; k < n; k++)
			event_sub_write_done(f[who[k]].sub, true); /* back at the tail */
		assert_true(got <= 3);
		if (!more && got == 0)
			break;
	}
	assert_int_equal(n, 20);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(f[i].n_sent, 2);
		assert_int_equal(f[i].sent[0].sequence, 1);
		assert_int_equal(f[i].sent[1].sequence, 2);
		/* Packed once: every stream was handed the same bytes. */
		assert_ptr_equal(f[i].sent[0].bytes, f[0].sent[0].bytes);
		assert_ptr_equal(f[i].sent[1].bytes, f[0].sent[1].bytes);
	}
	/* Round robin: every subscriber had its first event before any had its second. */
	int seen[10] = {0};
	for (int k = 0; k < 20; k++) {
		seen[who[k]]++;
		if (k < 10)
			assert_int_equal(seen[who[k]], 1);
	}
	event_hub_free(hub);
}

static void test_packed_when_first_needed_and_once(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(16, NULL, NULL);
	packs = 0;
	for (int i = 0; i < 5; i++) /* nobody watches: copies kept, nothing packed */
		publish(hub, KIND(PEER_CREATED), "bgpp-00000001");
	assert_int_equal(packs, 0);
	struct fake a = {0}, b = {0};
	struct event_sub_options opt = {.has_after_sequence = true, .after_sequence = 3};
	assert_int_equal(subscribe(hub, &opt, &a), GRPC_STATUS_OK);
	assert_int_equal(subscribe(hub, &opt, &b), GRPC_STATUS_OK);
	drain(hub, &a); /* b got its first write on the way: complete it, then drain b */
	assert_int_equal(b.n_sent, 1);
	event_sub_write_done(b.sub, true);
	drain(hub, &b);
	assert_int_equal(a.n_sent, 2); /* 4 and 5, from the copies */
	assert_int_equal(b.n_sent, 2);
	assert_int_equal(a.sent[0].sequence, 4);
	assert_int_equal(a.sent[0].kind, KIND(PEER_CREATED));
	assert_string_equal(a.sent[1].peer_id, "bgpp-00000001");
	assert_int_equal(packs, 2); /* once per event, for both subscribers */
	assert_ptr_equal(a.sent[1].bytes, b.sent[1].bytes);
	event_hub_free(hub); /* frees the 3 copies never packed too */
}

static void test_filter_and_after_sequence(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(4, NULL, NULL);
	for (int i = 0; i < 6; i++)
		publish(hub, KIND(STATE_CHANGED), i % 2 ? "bgpp-00000002" : "bgpp-00000001");
	/* History holds 3..6. */
	struct fake f = {0};
	char msg[200];
	struct event_sub_options opt = {.has_after_sequence = true, .after_sequence = 1};
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &f, &f.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OUT_OF_RANGE);
	assert_non_null(strstr(msg, "after_sequence"));
	opt.after_sequence = 7;
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &f, &f.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OUT_OF_RANGE);
	const char *only[] = {"bgpp-00000002"};
	opt.after_sequence = 2;
	opt.keys = only;
	opt.n_keys = 1;
	assert_int_equal(subscribe(hub, &opt, &f), GRPC_STATUS_OK);
	drain(hub, &f);
	assert_int_equal(f.n_sent, 2); /* sequences 4 and 6 */
	assert_int_equal(f.sent[0].sequence, 4);
	assert_int_equal(f.sent[1].sequence, 6);
	/* The look-ahead is one item: 5 is not this subscriber's, so 4 is not held for 6. */
	assert_false(f.sent[0].more);
	assert_false(f.sent[1].more);
	event_hub_free(hub); /* frees the open subscriber too */
}

static void test_stalled_subscriber_ended(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(8, NULL, NULL);
	struct fake slow = {0}, fast = {0};
	struct event_sub_options opt = {0};
	assert_int_equal(subscribe(hub, &opt, &slow), GRPC_STATUS_OK);
	assert_int_equal(subscribe(hub, &opt, &fast), GRPC_STATUS_OK);
	for (int i = 0; i < 20 && !slow.ended; i++) {
		publish(hub, KIND(PEER_CREATED), "bgpp-00000001");
		drain(hub, &fast);
	}
	assert_true(slow.ended);
	assert_int_equal(slow.end_code, GRPC_STATUS_RESOURCE_EXHAUSTED);
	assert_int_equal(slow.n_sent, 1); /* its first write never completed */
	assert_false(fast.ended);
	size_t got = fast.n_sent;
	publish(hub, KIND(PEER_DELETED), "bgpp-00000001");
	drain(hub, &fast);
	assert_int_equal(fast.n_sent, got + 1);
	for (size_t i = 1; i < fast.n_sent; i++)
		assert_int_equal(fast.sent[i].sequence, fast.sent[i - 1].sequence + 1);
	event_hub_end_all(hub, GRPC_STATUS_UNAVAILABLE, "bye");
	assert_int_equal(fast.end_code, GRPC_STATUS_UNAVAILABLE);
	event_hub_free(hub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_initial_state_then_live),
	    cmocka_unit_test(test_snapshot_shared_until_publish),
	    cmocka_unit_test(test_held_writes_bounded),
	    cmocka_unit_test(test_bounded_round_robin_shared_bytes),
	    cmocka_unit_test(test_packed_when_first_needed_and_once),
	    cmocka_unit_test(test_filter_and_after_sequence),
	    cmocka_unit_test(test_stalled_subscriber_ended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
