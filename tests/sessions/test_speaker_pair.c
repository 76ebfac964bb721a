/*
 * Two speakers in one libuv loop, peering over the loopback interface of a private network
 * namespace (CMake runs this under `unshare --net` with 10.250.0.1 and 10.250.0.2 on lo; 127/8
 * will not do: a loopback NEXT_HOP is rightly refused): the whole driver (listener, connects, the collision both sides cause by
 * connecting at once, FSM actions, RIBs, networks, route limit, reset, a per-peer local ASN,
 * admin down, a large table dropped a bounded batch per loop turn, shutdown)
 * with no other process, so it runs under ASan + UBSan as a unit test. A step timer walks
 * through the phases; every wait is bounded. Ends by asserting the loop closes with no handle
 * left.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "speaker.h"

#define IP_A 0x0afa0001u /* 10.250.0.1 */
#define IP_B 0x0afa0002u /* 10.250.0.2 */
#define A_GROUP_ASN 4200000001u /* A's AS on its session with B (a group's local_asn) */
#define STEP_MS 10
#define PHASE_LIMIT_MS 15000
#define BIG_TABLE 20000 /* more than one batch of the route sweeper */

struct side {
	struct bgp_speaker *sp;
	uint32_t asn;
	uint32_t peer_id; /* its peer: the other side */
	int limit_events;
	char last_reason[512];
	int shut;
	/* BGP route-table entries added / removed (on_route_entry), and the removals done when
	 * the session left Established, in the same loop turn as the drop. */
	int added, removed;
	int removed_at_down; /* -1 until the session went down while watched */
	bool watch_down;
};

static uv_loop_t loop;
static uv_timer_t step;
static struct side a = { .asn = 65001, .peer_id = 7 }, b = { .asn = 65002, .peer_id = 9 };
static int phase;
static uint64_t phase_started;
static int finished;

static void on_state(void *ctx, uint32_t id, enum bgp_state o, enum bgp_state n, const char *r)
{
	struct side *s = ctx;
	(void)id;
	(void)n;
	snprintf(s->last_reason, sizeof(s->last_reason), "%s", r);
	if (s->watch_down && o == BGP_STATE_ESTABLISHED) {
		s->watch_down = false;
		s->removed_at_down = s->removed;
		/* The Adj-RIB-In is empty at once; the Loc-RIB follows a batch a turn. */
		struct bgp_peer_status st;
		assert_int_equal(bgp_speaker_peer_status(s->sp, s->peer_id, &st), 0);
		assert_int_equal(st.received_routes, 0);
	}
}

static void on_route_entry(void *ctx, enum bgp_route_change change,
			   const struct bgp_route_entry_view *v, uint32_t old_next_hop)
{
	struct side *s = ctx;
	(void)old_next_hop;
	if (v->source != BGP_ROUTE_SOURCE_BGP)
		return;
	s->added += change == BGP_ROUTE_ADDED;
	s->removed += change == BGP_ROUTE_REMOVED;
}

static void on_limit(void *ctx, uint32_t id, uint32_t limit)
{
	struct side *s = ctx;
	assert_int_equal(id, s->peer_id);
	assert_int_equal(limit, 100);
	s->limit_events++;
}

static struct bgp_peer_status status(struct side *s)
{
	struct bgp_peer_status st;
	assert_int_equal(bgp_speaker_peer_status(s->sp, s->peer_id, &st), 0);
	return st;
}

struct seen {
	int count, accepted;
	uint32_t prefix, next_hop, first_as;
	size_t path_len;
};

static void visit(void *arg, const struct bgp_route_view *v)
{
	struct seen *s = arg;
	s->count++;
	s->accepted += v->accepted;
	s->prefix = v->prefix;
	s->next_hop = v->next_hop;
	s->path_len = v->as_path_len;
	s->first_as = v->as_path_len ? v->as_path[0] : 0;
}

static struct seen routes(struct side *s, bool advertised)
{
	struct seen seen = { 0 };
	assert_true(bgp_speaker_routes(s->sp, s->peer_id, advertised, true, 0, 0, 1000, visit,
				       &seen) >= 0);
	return seen;
}

static bool established(struct side *s)
{
	return status(s).state == BGP_STATE_ESTABLISHED;
}

static void next_phase(void)
{
	phase++;
	phase_started = uv_now(&loop);
}

static void shut_done(void *arg)
{
	struct side *s = arg;
	s->shut = 1;
	if (a.shut && b.shut)
		uv_close((uv_handle_t *)&step, NULL);
}

static void peer_config(struct side *s, uint32_t peer_ip, uint32_t peer_asn,
			struct bgp_peer_config *c)
{
	memset(c, 0, sizeof(*c));
	c->id = s->peer_id;
	c->peer_ip = peer_ip;
	c->peer_asn = peer_asn;
	c->hold_time = 9;
	c->keepalive_time = 3;
	c->route_limit = 100;
	c->route_limit_action = BGP_ROUTE_LIMIT_DROP;
}

static void step_cb(uv_timer_t *t)
{
	(void)t;
	if (uv_now(&loop) - phase_started > PHASE_LIMIT_MS)
		fail_msg("phase %d did not finish in time (A: %s / B: %s)", phase, a.last_reason,
			 b.last_reason);
	struct bgp_peer_config c;
	switch (phase) {
	case 0: /* both connect at once: a collision, resolved to one session */
		if (!established(&a) || !established(&b))
			return;
		assert_int_equal(status(&a).remote_router_id, IP_B);
		assert_int_equal(status(&b).remote_router_id, IP_A);
		assert_int_equal(status(&a).negotiated_hold_time, 9);
		assert_int_equal(bgp_speaker_network_add(a.sp, 0xc6336400u, 24), 0); /* 198.51.100/24 */
		next_phase();
		return;
	case 1: { /* A's network at B, with A's AS and A's session address */
		struct seen s = routes(&b, false);
		if (s.count != 1)
			return;
		assert_int_equal(s.prefix, 0xc6336400u);
		assert_int_equal(s.next_hop, IP_A);
		assert_int_equal(s.path_len, 1);
		assert_int_equal(s.first_as, 65001);
		assert_int_equal(routes(&a, true).count, 1);
		assert_int_equal(status(&a).advertised_routes, 1);
		assert_int_equal(bgp_speaker_network_remove(a.sp, 0xc6336400u, 24), 0);
		next_phase();
		return;
	}
	case 2: /* withdrawn */
		if (routes(&b, false).count != 0)
			return;
		for (uint32_t i = 0; i < 150; i++) /* 10.100.0.0/24 ... past A's limit of 100 */
			assert_int_equal(bgp_speaker_network_add(b.sp, 0x0a640000u + (i << 8), 24), 0);
		next_phase();
		return;
	case 3: { /* DROP: 100 accepted, 50 flagged, one event, session up */
		struct bgp_peer_status st = status(&a);
		if (st.received_routes != 150)
			return;
		assert_int_equal(st.accepted_routes, 100);
		struct seen s = routes(&a, false);
		assert_int_equal(s.count, 150);
		assert_int_equal(s.accepted, 100);
		assert_int_equal(a.limit_events, 1);
		assert_int_equal(st.state, BGP_STATE_ESTABLISHED);
		assert_int_equal(bgp_speaker_peer_reset(a.sp, a.peer_id, false, "maintenance"), 0);
		next_phase();
		return;
	}
	case 4: /* hard reset: B hears Cease / Administrative Reset, both come back */
		if (!strstr(b.last_reason, "Administrative Reset"))
			return;
		assert_non_null(strstr(b.last_reason, "maintenance"));
		next_phase();
		return;
	case 5:
		if (!established(&a) || !established(&b) || status(&a).received_routes != 150)
			return;
		assert_int_equal(status(&a).established_transitions, 2);
		/* A speaks as another AS to B (a group's local_asn): both sessions reset. */
		peer_config(&a, IP_B, 65002, &c);
		c.local_asn = BGP_AS_TRANS;
		assert_int_equal(bgp_speaker_peer_update(a.sp, &c), -EINVAL);
		c.local_asn = A_GROUP_ASN;
		assert_int_equal(bgp_speaker_peer_update(a.sp, &c), 0);
		peer_config(&b, IP_A, A_GROUP_ASN, &c);
		assert_int_equal(bgp_speaker_peer_update(b.sp, &c), 0);
		next_phase();
		return;
	case 6: /* B accepted A's OPEN with the group's ASN; A's network carries it */
		if (!established(&a) || !established(&b) || status(&a).established_transitions < 3)
			return;
		assert_int_equal(bgp_speaker_network_add(a.sp, 0xc6336400u, 24), 0);
		next_phase();
		return;
	case 7: {
		struct seen s = routes(&b, false);
		if (s.count != 1)
			return;
		assert_int_equal(s.path_len, 1);
		assert_int_equal(s.first_as, A_GROUP_ASN);
		struct seen adv = routes(&a, true);
		assert_int_equal(adv.first_as, A_GROUP_ASN);
		peer_config(&a, IP_B, 65002, &c);
		c.local_asn = A_GROUP_ASN;
		c.admin_down = true;
		snprintf(c.shutdown_message, sizeof(c.shutdown_message), "going away");
		assert_int_equal(bgp_speaker_peer_update(a.sp, &c), 0);
		next_phase();
		return;
	}
	case 8: /* admin down: Cease / Administrative Shutdown with the RFC 9003 text */
		if (!strstr(b.last_reason, "Administrative Shutdown"))
			return;
		assert_non_null(strstr(b.last_reason, "going away"));
		assert_int_equal(status(&a).state, BGP_STATE_IDLE);
		assert_int_equal(status(&a).received_routes, 0);
		next_phase();
		return;
	case 9: /* A stays Idle although B keeps trying */
		if (uv_now(&loop) - phase_started < 1500)
			return;
		assert_int_equal(status(&a).state, BGP_STATE_IDLE);
		assert_int_not_equal(status(&b).state, BGP_STATE_ESTABLISHED);
		/* Up again, with no route limit, for a large table. */
		peer_config(&a, IP_B, 65002, &c);
		c.local_asn = A_GROUP_ASN;
		c.route_limit = 0;
		assert_int_equal(bgp_speaker_peer_update(a.sp, &c), 0);
		next_phase();
		return;
	case 10:
		if (!established(&a) || !established(&b))
			return;
		for (uint32_t i = 0; i < BIG_TABLE; i++) /* 10.128.0.0/24 ... */
			assert_int_equal(bgp_speaker_network_add(b.sp, 0x0a800000u + (i << 8), 24), 0);
		next_phase();
		return;
	case 11: /* A has all of B's routes; B goes away (Cease): A drops them */
		if (status(&a).received_routes != BIG_TABLE + 150 || a.added - a.removed <
		    BIG_TABLE + 150)
			return;
		a.removed = a.added = 0;
		a.removed_at_down = -1;
		a.watch_down = true;
		peer_config(&b, IP_A, A_GROUP_ASN, &c);
		c.admin_down = true;
		assert_int_equal(bgp_speaker_peer_update(b.sp, &c), 0);
		next_phase();
		return;
	case 12: /* at most a batch (8192) in the turn of the drop, the rest in later turns */
		if (a.removed_at_down < 0 || a.removed < BIG_TABLE + 150)
			return;
		print_message("dropped %d of %d routes in the turn of the drop\n", a.removed_at_down,
			      a.removed);
		assert_true(a.removed_at_down > 0);
		assert_true(a.removed_at_down <= 8192);
		assert_int_equal(a.removed, BIG_TABLE + 150);
		assert_int_equal(a.added, 0);
		assert_int_equal(status(&a).received_routes, 0);
		uv_timer_stop(&step);
		bgp_speaker_shutdown(a.sp, "bye", shut_done, &a);
		bgp_speaker_shutdown(b.sp, "bye", shut_done, &b);
		finished = 1;
		return;
	}
}

static int start_side(struct side *s, uint32_t ip, uint16_t port, uint16_t peer_port)
{
	struct bgp_speaker_config cfg = { .local_asn = s->asn, .router_id = ip, .listen_ip = ip,
					  .listen_port = port, .peer_port = peer_port };
	struct bgp_speaker_callbacks cb = { .on_state_change = on_state,
					    .on_route_limit = on_limit,
					    .on_route_entry = on_route_entry };
	assert_int_equal(bgp_speaker_new(&loop, &cfg, &cb, s, &s->sp), 0);
	return bgp_speaker_start(s->sp);
}

static void test_pair(void **state)
{
	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	/* A private namespace: the BGP port is ours. */
	assert_int_equal(start_side(&a, IP_A, 179, 179), 0);
	assert_int_equal(start_side(&b, IP_B, 179, 179), 0);
	struct bgp_peer_config c;
	peer_config(&a, IP_B, 65002, &c);
	assert_int_equal(bgp_speaker_peer_add(a.sp, &c), 0);
	assert_int_equal(bgp_speaker_peer_add(a.sp, &c), -EEXIST);
	peer_config(&b, IP_A, 65001, &c);
	assert_int_equal(bgp_speaker_peer_add(b.sp, &c), 0);
	uv_timer_init(&loop, &step);
	phase_started = uv_now(&loop);
	uv_timer_start(&step, step_cb, STEP_MS, STEP_MS);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(finished);
	assert_true(a.shut && b.shut);
	bgp_speaker_free(a.sp);
	bgp_speaker_free(b.sp);
	/* Every handle of both speakers is closed. */
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
