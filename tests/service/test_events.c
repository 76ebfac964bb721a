/*
 * events: sequence numbers, initial state then END_OF_INITIAL_STATE with nothing lost, one
 * write outstanding, filters, after_sequence bounds, a stalled subscriber ended with
 * RESOURCE_EXHAUSTED while another keeps receiving.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "vbr/v1/vbr.pb-c.h"

#define KIND(x) VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_##x

struct fake {
	struct vbr_event sent[64];
	size_t n_sent;
	grpc_status_code end_code;
	bool ended;
	struct event_sub *sub;
};

static int fake_send(void *arg, const struct vbr_event *ev)
{
	struct fake *f = arg;
	assert_true(f->n_sent < 64);
	f->sent[f->n_sent++] = *ev;
	return 0;
}

static void fake_end(void *arg, grpc_status_code code, const char *message)
{
	struct fake *f = arg;
	assert_non_null(message);
	f->ended = true;
	f->end_code = code;
}

static const struct event_sub_ops ops = {fake_send, fake_end};

/* Completes writes until the subscriber has nothing more to send. */
static void drain(struct fake *f)
{
	size_t before;
	do {
		before = f->n_sent;
		event_sub_write_done(f->sub, true);
	} while (f->n_sent != before);
}

static void publish(struct event_hub *hub, int kind, const char *peer)
{
	struct vbr_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	snprintf(ev.peer_id, sizeof(ev.peer_id), "%s", peer);
	event_hub_publish(hub, &ev);
}

static void test_initial_state_then_live(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(16);
	publish(hub, KIND(PEER_CREATED), "bgpp-00000001");
	publish(hub, KIND(PEER_CREATED), "bgpp-00000002");
	struct vbr_event initial[2];
	memset(initial, 0, sizeof(initial));
	strcpy(initial[0].peer_id, "bgpp-00000001");
	strcpy(initial[1].peer_id, "bgpp-00000002");
	struct fake f = {0};
	char msg[128];
	struct event_sub_options opt = {
	    .initial = initial, .n_initial = 2, .send_initial_state = true};
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &f, &f.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OK);
	assert_int_equal(f.n_sent, 1); /* one write outstanding at a time */
	/* An event published before the first write completes is not lost. */
	publish(hub, KIND(PEER_DELETED), "bgpp-00000001");
	assert_int_equal(f.n_sent, 1);
	drain(&f);
	assert_int_equal(f.n_sent, 4);
	assert_int_equal(f.sent[0].kind, KIND(INITIAL_STATE));
	assert_int_equal(f.sent[1].kind, KIND(INITIAL_STATE));
	assert_int_equal(f.sent[2].kind, KIND(END_OF_INITIAL_STATE));
	assert_int_equal(f.sent[2].sequence, 2); /* the snapshot includes events up to 2 */
	assert_int_equal(f.sent[3].kind, KIND(PEER_DELETED));
	assert_int_equal(f.sent[3].sequence, 3);
	assert_int_equal(event_hub_subscribers(hub), 1);
	event_hub_unsubscribe(f.sub);
	assert_int_equal(event_hub_subscribers(hub), 0);
	event_hub_free(hub);
}

static void test_filter_and_after_sequence(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(4);
	for (int i = 0; i < 6; i++)
		publish(hub, KIND(STATE_CHANGED), i % 2 ? "bgpp-00000002" : "bgpp-00000001");
	/* History holds 3..6. */
	struct fake f = {0};
	char msg[160];
	struct event_sub_options opt = {.has_after_sequence = true, .after_sequence = 1};
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &f, &f.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OUT_OF_RANGE);
	assert_non_null(strstr(msg, "after_sequence"));
	opt.after_sequence = 7;
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &f, &f.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OUT_OF_RANGE);
	const char *only[] = {"bgpp-00000002"};
	opt.after_sequence = 2;
	opt.peer_ids = only;
	opt.n_peer_ids = 1;
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &f, &f.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OK);
	drain(&f);
	assert_int_equal(f.n_sent, 2); /* sequences 4 and 6 */
	assert_int_equal(f.sent[0].sequence, 4);
	assert_int_equal(f.sent[1].sequence, 6);
	event_hub_free(hub); /* frees the open subscriber too */
}

static void test_stalled_subscriber_ended(void **state)
{
	(void)state;
	struct event_hub *hub = event_hub_new(8);
	struct fake slow = {0}, fast = {0};
	char msg[160];
	struct event_sub_options opt = {0};
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &slow, &slow.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OK);
	assert_int_equal(event_hub_subscribe(hub, &opt, &ops, &fast, &fast.sub, msg, sizeof(msg)),
			 GRPC_STATUS_OK);
	for (int i = 0; i < 20 && !slow.ended; i++) {
		publish(hub, KIND(PEER_CREATED), "bgpp-00000001");
		drain(&fast);
	}
	assert_true(slow.ended);
	assert_int_equal(slow.end_code, GRPC_STATUS_RESOURCE_EXHAUSTED);
	assert_int_equal(slow.n_sent, 1); /* its first write never completed */
	assert_false(fast.ended);
	size_t got = fast.n_sent;
	publish(hub, KIND(PEER_DELETED), "bgpp-00000001");
	drain(&fast);
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
	    cmocka_unit_test(test_filter_and_after_sequence),
	    cmocka_unit_test(test_stalled_subscriber_ended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
