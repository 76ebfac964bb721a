/*
 * The FSM's pure helpers and its behaviour over several steps: hold time negotiation, jitter
 * bounds, the send hold time, collision resolution and connection routing, the growing idle
 * hold time and its reset, passive peers, and the readable reasons.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fsm_fmt.h"
#include "notify.h"

#define E(x) BGP_FSM_EV_##x

static void step(struct bgp_fsm *f, struct bgp_fsm_event ev, struct bgp_fsm_output *out)
{
	bgp_fsm_step(f, &ev, out);
}

static const char *actions(const struct bgp_fsm_output *out)
{
	static char buf[1024];
	fsm_fmt_actions(out, buf, sizeof(buf));
	return buf;
}

/* ---- hold time ---- */

static void test_negotiate_hold(void **state)
{
	(void)state;
	static const struct {
		uint16_t ours, ka, peer;
		bool ok;
		uint16_t hold, keepalive;
	} cases[] = {
	    {30, 10, 90, true, 30, 10}, /* ours is smaller */
	    {90, 30, 30, true, 30, 10}, /* the peer's is smaller: keepalive capped at 1/3 */
	    {30, 10, 9, true, 9, 3},
	    {30, 0, 90, true, 30, 10}, /* keepalive 0 = hold/3 */
	    {0, 10, 90, true, 0, 0},   /* we want none: no keepalives, no hold timer */
	    {30, 10, 0, true, 0, 0},   /* the peer wants none */
	    {30, 10, 3, true, 3, 1},   /* the smallest acceptable */
	    {30, 10, 1, false, 0, 0},  /* 6.2: 1 and 2 are refused */
	    {30, 10, 2, false, 0, 0},
	    {30, 5, 90, true, 30, 5}, /* a shorter configured keepalive is kept */
	    {65535, 0, 65535, true, 65535, 21845},
	    {4, 10, 90, true, 4, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t hold = 7777, ka = 7777;
		bool ok =
		    bgp_fsm_negotiate_hold(cases[i].ours, cases[i].ka, cases[i].peer, &hold, &ka);
		assert_int_equal(ok, cases[i].ok);
		if (ok) {
			assert_int_equal(hold, cases[i].hold);
			assert_int_equal(ka, cases[i].keepalive);
		} else {
			assert_int_equal(hold, 7777); /* untouched */
			assert_int_equal(ka, 7777);
		}
	}
}

static void reach_open_sent(struct bgp_fsm *f, const struct bgp_fsm_config *c)
{
	struct bgp_fsm_output out;
	bgp_fsm_init(f, c);
	fsm_feed(f, E(MANUAL_START), &out);
	fsm_feed(f, E(TCP_CR_ACKED), &out);
	assert_int_equal(f->state, BGP_STATE_OPEN_SENT);
}

/* Hold time 0 from the peer: no keepalive timer, no hold timer, no send hold timer, and
 * messages in Established restart nothing. */
static void test_zero_hold_session(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	reach_open_sent(&f, &c);
	step(&f, (struct bgp_fsm_event){.type = E(BGP_OPEN), .open = {.hold_time = 0}}, &out);
	assert_int_equal(out.new_state, BGP_STATE_OPEN_CONFIRM);
	assert_string_equal(actions(&out), "send_keepalive stop(Hold)");
	assert_int_equal(f.hold_s, 0);
	fsm_feed(&f, E(KEEPALIVE_MSG), &out);
	assert_int_equal(out.new_state, BGP_STATE_ESTABLISHED);
	assert_string_equal(actions(&out), "start(Stable,60000) peer_up");
	fsm_feed(&f, E(UPDATE_MSG), &out);
	assert_string_equal(actions(&out), "");
	fsm_feed(&f, E(SEND_PROGRESS), &out);
	assert_string_equal(actions(&out), "");
	/* A stray expiry of a timer never started changes nothing. */
	fsm_feed(&f, E(HOLD_TIMER_EXPIRES), &out);
	assert_int_equal(f.state, BGP_STATE_ESTABLISHED);
	assert_string_equal(actions(&out), "");
}

static void test_open_with_hold_one_is_refused(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	reach_open_sent(&f, &c);
	step(&f, (struct bgp_fsm_event){.type = E(BGP_OPEN), .open = {.hold_time = 1}}, &out);
	assert_int_equal(out.new_state, BGP_STATE_IDLE);
	assert_string_equal(actions(&out),
			    "stop(Hold) notify(2/6) close(flush) release start(IdleHold,1000)");
	assert_string_equal(out.reason,
			    "NOTIFICATION sent: OPEN Message Error / Unacceptable Hold Time");
}

/* The peer's smaller hold time drives both timers; keepalives go every third of it. */
static void test_negotiated_timers_in_session(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	c.send_hold_min_ms = 1; /* tests of RFC 9687 want it short: 2 x hold wins */
	reach_open_sent(&f, &c);
	step(&f, (struct bgp_fsm_event){.type = E(BGP_OPEN), .open = {.hold_time = 9}}, &out);
	assert_string_equal(actions(&out), "send_keepalive start(KA,3000) start(Hold,9000)");
	fsm_feed(&f, E(KEEPALIVE_MSG), &out);
	assert_string_equal(actions(&out),
			    "start(Hold,9000) start(SendHold,18000) start(Stable,60000) peer_up");
	fsm_feed(&f, E(UPDATE_MSG), &out);
	assert_string_equal(actions(&out), "start(Hold,9000)");
	fsm_feed(&f, E(SEND_PROGRESS), &out);
	assert_string_equal(actions(&out), "start(SendHold,18000)");
}

/* ---- jitter and send hold ---- */

static void test_jitter_bounds(void **state)
{
	(void)state;
	assert_int_equal(bgp_fsm_jitter(5000, 0), 5000);
	assert_int_equal(bgp_fsm_jitter(5000, 0xffffffffu), 3751);
	assert_int_equal(bgp_fsm_jitter(5000, 0x80000000u), 4375);
	assert_int_equal(bgp_fsm_jitter(0, 0x12345678u), 0);
	uint32_t ms_values[] = {1, 3, 4, 1000, 5000, 10000, 120000, 0xffffffffu};
	uint32_t x = 2463534242u; /* xorshift32: many randoms, reproducibly */
	for (size_t m = 0; m < sizeof(ms_values) / sizeof(ms_values[0]); m++) {
		uint32_t ms = ms_values[m];
		uint32_t prev = ms;
		for (int i = 0; i < 10000; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			uint32_t j = bgp_fsm_jitter(ms, x);
			assert_true(j <= ms);
			/* strictly above 75%: j > 0.75 * ms, i.e. 4j > 3ms */
			assert_true((uint64_t)j * 4 > (uint64_t)ms * 3);
		}
		/* more random never means longer */
		for (uint64_t r = 0; r <= 0xffffffffu; r += 0x01000000u) {
			uint32_t j = bgp_fsm_jitter(ms, (uint32_t)r);
			assert_true(j <= prev);
			prev = j;
		}
	}
}

/* The FSM uses the event's random bits for ConnectRetry, Keepalive and IdleHold, and never
 * for the HoldTimer. */
static void test_jitter_applied_by_the_fsm(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&f, &c);
	const uint32_t half = 0x80000000u; /* factor 0.875 */
	step(&f, (struct bgp_fsm_event){.type = E(MANUAL_START), .random = half}, &out);
	assert_string_equal(actions(&out), "start(CR,4375) connect");
	step(&f, (struct bgp_fsm_event){.type = E(TCP_CR_ACKED), .random = half}, &out);
	assert_string_equal(actions(&out), "stop(CR) send_open start(Hold,240000)");
	step(&f,
	     (struct bgp_fsm_event){.type = E(BGP_OPEN), .random = half, .open = {.hold_time = 90}},
	     &out);
	assert_string_equal(actions(&out), "send_keepalive start(KA,8750) start(Hold,30000)");
	step(&f, (struct bgp_fsm_event){.type = E(HOLD_TIMER_EXPIRES), .random = half}, &out);
	assert_string_equal(actions(&out),
			    "stop(KA) notify(4/0) close(flush) release start(IdleHold,875)");
}

static void test_send_hold_ms(void **state)
{
	(void)state;
	assert_int_equal(bgp_fsm_send_hold_ms(0, BGP_FSM_SEND_HOLD_MIN_MS), 0);
	assert_int_equal(bgp_fsm_send_hold_ms(30, BGP_FSM_SEND_HOLD_MIN_MS), 480000);
	assert_int_equal(bgp_fsm_send_hold_ms(240, BGP_FSM_SEND_HOLD_MIN_MS), 480000);
	assert_int_equal(bgp_fsm_send_hold_ms(241, BGP_FSM_SEND_HOLD_MIN_MS), 482000);
	assert_int_equal(bgp_fsm_send_hold_ms(65535, BGP_FSM_SEND_HOLD_MIN_MS), 131070000);
	assert_int_equal(bgp_fsm_send_hold_ms(3, 1), 6000);
}

/* ---- collision (RFC 4271 6.8) ---- */

static void test_collision_keep_outgoing(void **state)
{
	(void)state;
	/* higher local identifier: keep ours */
	assert_true(bgp_fsm_collision_keep_outgoing(0x0a000002, 65001, 0x0a000001, 65002));
	assert_false(bgp_fsm_collision_keep_outgoing(0x0a000001, 65001, 0x0a000002, 65002));
	/* compared as host-order unsigned: 192.0.2.1 > 10.0.0.1 though 0xc0... is "negative" */
	assert_true(bgp_fsm_collision_keep_outgoing(0xc0000201, 1, 0x0a000001, 2));
	assert_false(bgp_fsm_collision_keep_outgoing(0x0a000001, 1, 0xc0000201, 2));
	/* RFC 6286 2.3: equal identifiers, larger AS initiates the kept connection */
	assert_true(bgp_fsm_collision_keep_outgoing(0x0a000001, 65002, 0x0a000001, 65001));
	assert_false(bgp_fsm_collision_keep_outgoing(0x0a000001, 45104, 0x0a000001, 4200000000u));
}

static void test_collision_decision(void **state)
{
	(void)state;
	struct bgp_fsm other;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&other, &c);
	const uint32_t hi = 0x0a000009, lo = 0x0a000001;

	assert_int_equal(bgp_fsm_collision(NULL, true, hi, 1, lo, 2), BGP_FSM_COLLISION_NONE);
	enum bgp_state nothing_yet[] = {BGP_STATE_IDLE, BGP_STATE_CONNECT, BGP_STATE_ACTIVE,
					BGP_STATE_OPEN_SENT};
	for (size_t i = 0; i < 4; i++) {
		other.state = nothing_yet[i];
		assert_int_equal(bgp_fsm_collision(&other, true, hi, 1, lo, 2),
				 BGP_FSM_COLLISION_NONE);
	}
	other.state = BGP_STATE_OPEN_CONFIRM;
	/* we are higher: the connection we initiated survives */
	assert_int_equal(bgp_fsm_collision(&other, true, hi, 1, lo, 2),
			 BGP_FSM_COLLISION_DUMP_OTHER);
	assert_int_equal(bgp_fsm_collision(&other, false, hi, 1, lo, 2),
			 BGP_FSM_COLLISION_DUMP_THIS);
	/* the peer is higher: the connection it initiated survives */
	assert_int_equal(bgp_fsm_collision(&other, true, lo, 1, hi, 2),
			 BGP_FSM_COLLISION_DUMP_THIS);
	assert_int_equal(bgp_fsm_collision(&other, false, lo, 1, hi, 2),
			 BGP_FSM_COLLISION_DUMP_OTHER);
	/* An Established session: the new connection is dumped when the identifiers favour
	 * the Established one too; when they favour the new one, the peer decides (fsm.h). */
	other.state = BGP_STATE_ESTABLISHED;
	assert_int_equal(bgp_fsm_collision(&other, false, hi, 1, lo, 2),
			 BGP_FSM_COLLISION_DUMP_THIS);
	assert_int_equal(bgp_fsm_collision(&other, true, lo, 1, hi, 2),
			 BGP_FSM_COLLISION_DUMP_THIS);
	assert_int_equal(bgp_fsm_collision(&other, true, hi, 1, lo, 2),
			 BGP_FSM_COLLISION_PEER_DECIDES);
	assert_int_equal(bgp_fsm_collision(&other, false, lo, 1, hi, 2),
			 BGP_FSM_COLLISION_PEER_DECIDES);

	/* The peer's KEEPALIVE on the new connection (OpenConfirm) beside an Established one
	 * confirms its choice; in any other pair of states it is an ordinary KEEPALIVE. */
	struct bgp_fsm this_fsm;
	bgp_fsm_init(&this_fsm, &c);
	this_fsm.state = BGP_STATE_OPEN_CONFIRM;
	assert_true(bgp_fsm_collision_confirmed(&this_fsm, &other));
	assert_false(bgp_fsm_collision_confirmed(&this_fsm, NULL));
	other.state = BGP_STATE_OPEN_CONFIRM;
	assert_false(bgp_fsm_collision_confirmed(&this_fsm, &other));
	other.state = BGP_STATE_ESTABLISHED;
	this_fsm.state = BGP_STATE_ESTABLISHED;
	assert_false(bgp_fsm_collision_confirmed(&this_fsm, &other));
}

static void test_route_incoming(void **state)
{
	(void)state;
	struct bgp_fsm p;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&p, &c);
	static const struct {
		enum bgp_state st;
		enum bgp_fsm_incoming alone, with_secondary;
	} cases[] = {
	    {BGP_STATE_IDLE, BGP_FSM_INCOMING_REJECT, BGP_FSM_INCOMING_REJECT},
	    {BGP_STATE_CONNECT, BGP_FSM_INCOMING_TO_SECONDARY, BGP_FSM_INCOMING_REJECT},
	    {BGP_STATE_ACTIVE, BGP_FSM_INCOMING_TO_PRIMARY, BGP_FSM_INCOMING_TO_PRIMARY},
	    {BGP_STATE_OPEN_SENT, BGP_FSM_INCOMING_TO_SECONDARY, BGP_FSM_INCOMING_REJECT},
	    {BGP_STATE_OPEN_CONFIRM, BGP_FSM_INCOMING_TO_SECONDARY, BGP_FSM_INCOMING_REJECT},
	    {BGP_STATE_ESTABLISHED, BGP_FSM_INCOMING_REJECT, BGP_FSM_INCOMING_REJECT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p.state = cases[i].st;
		assert_int_equal(bgp_fsm_route_incoming(&p, false, false), cases[i].alone);
		assert_int_equal(bgp_fsm_route_incoming(&p, true, false), cases[i].with_secondary);
		/* Graceful restart changes only Established, alone (RFC 4724 4.2). */
		enum bgp_fsm_incoming gr_alone = cases[i].st == BGP_STATE_ESTABLISHED
						     ? BGP_FSM_INCOMING_PEER_RESTARTED
						     : cases[i].alone;
		assert_int_equal(bgp_fsm_route_incoming(&p, false, true), gr_alone);
		assert_int_equal(bgp_fsm_route_incoming(&p, true, true), cases[i].with_secondary);
	}
}

/*
 * The whole collision as the driver plays it: our connection (outgoing, primary) is in
 * OpenConfirm; the peer's connection arrives (secondary), its OPEN shows a higher identifier,
 * so our connection is dumped and the secondary, promoted, reaches Established.
 */
static void test_collision_scenario(void **state)
{
	(void)state;
	struct bgp_fsm primary, secondary;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	const uint32_t local_id = 0x0a000001, remote_id = 0x0a000002;
	reach_open_sent(&primary, &c);
	step(&primary,
	     (struct bgp_fsm_event){.type = E(BGP_OPEN),
				    .open = {.hold_time = 90, .bgp_id = remote_id}},
	     &out);
	assert_int_equal(primary.state, BGP_STATE_OPEN_CONFIRM);

	assert_int_equal(bgp_fsm_route_incoming(&primary, false, false), BGP_FSM_INCOMING_TO_SECONDARY);
	bgp_fsm_init_secondary(&secondary, &primary);
	assert_int_equal(secondary.state, BGP_STATE_ACTIVE);
	assert_int_equal(secondary.timers_running, 0);
	fsm_feed(&secondary, E(TCP_CONNECTION_CONFIRMED), &out);
	assert_int_equal(out.new_state, BGP_STATE_OPEN_SENT);
	assert_string_equal(actions(&out), "send_open start(Hold,240000)");

	/* The OPEN on the secondary (incoming): the peer is higher, so its connection stays. */
	enum bgp_fsm_collision d =
	    bgp_fsm_collision(&primary, false, local_id, 45104, remote_id, 65001);
	assert_int_equal(d, BGP_FSM_COLLISION_DUMP_OTHER);
	fsm_feed(&primary, E(OPEN_COLLISION_DUMP), &out);
	assert_int_equal(out.new_state, BGP_STATE_IDLE);
	assert_string_equal(actions(&out), "stop(Hold) stop(KA) notify(6/7) close(flush) release");
	assert_int_equal(primary.timers_running, 0); /* finished: no restart pending */

	bgp_fsm_adopt_peer_state(&secondary, &primary);
	step(&secondary,
	     (struct bgp_fsm_event){.type = E(BGP_OPEN),
				    .open = {.hold_time = 90, .bgp_id = remote_id}},
	     &out);
	assert_int_equal(out.new_state, BGP_STATE_OPEN_CONFIRM);
	fsm_feed(&secondary, E(KEEPALIVE_MSG), &out);
	assert_int_equal(out.new_state, BGP_STATE_ESTABLISHED);
	assert_int_equal(secondary.remote_id, remote_id);
}

/*
 * RFC 4724 4.2 as the driver plays it: Established with graceful restart, and the peer
 * connects again (it restarted, and we never saw the old connection end). The new connection
 * gets a secondary; the primary is then fed TcpConnectionFails (graceful: its routes are kept
 * stale), falls to Idle, and the secondary takes over and goes on to Established.
 */
static void test_peer_restart_while_established(void **state)
{
	(void)state;
	struct bgp_fsm primary, secondary;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	const uint32_t remote_id = 0x0a000002;
	reach_open_sent(&primary, &c);
	step(&primary,
	     (struct bgp_fsm_event){.type = E(BGP_OPEN),
				    .open = {.hold_time = 90, .bgp_id = remote_id}},
	     &out);
	fsm_feed(&primary, E(KEEPALIVE_MSG), &out);
	assert_int_equal(primary.state, BGP_STATE_ESTABLISHED);

	assert_int_equal(bgp_fsm_route_incoming(&primary, false, false), BGP_FSM_INCOMING_REJECT);
	assert_int_equal(bgp_fsm_route_incoming(&primary, false, true),
			 BGP_FSM_INCOMING_PEER_RESTARTED);
	bgp_fsm_init_secondary(&secondary, &primary);
	fsm_feed(&secondary, E(TCP_CONNECTION_CONFIRMED), &out);
	assert_int_equal(secondary.state, BGP_STATE_OPEN_SENT);
	assert_false(bgp_fsm_secondary_takes_over(&primary, &secondary));

	struct bgp_fsm_event fails = {.type = E(TCP_CONNECTION_FAILS), .tcp_fail = {.error = 0}};
	step(&primary, fails, &out);
	assert_int_equal(out.new_state, BGP_STATE_IDLE);
	assert_true(bgp_fsm_down_is_graceful(fails.type)); /* no NOTIFICATION, routes stale */
	assert_null(strstr(actions(&out), "notify"));
	assert_true(bgp_fsm_secondary_takes_over(&primary, &secondary));

	bgp_fsm_adopt_peer_state(&secondary, &primary);
	step(&secondary,
	     (struct bgp_fsm_event){.type = E(BGP_OPEN),
				    .open = {.hold_time = 90, .bgp_id = remote_id}},
	     &out);
	fsm_feed(&secondary, E(KEEPALIVE_MSG), &out);
	assert_int_equal(secondary.state, BGP_STATE_ESTABLISHED);
}

static void test_adopt_peer_state(void **state)
{
	(void)state;
	struct bgp_fsm a, b;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&a, &c);
	bgp_fsm_init(&b, &c);
	a.connect_retry_counter = 4;
	a.idle_hold_next_ms = 16000;
	a.manual_stop = true;
	b.state = BGP_STATE_OPEN_SENT;
	bgp_fsm_adopt_peer_state(&b, &a);
	assert_int_equal(b.connect_retry_counter, 4);
	assert_int_equal(b.idle_hold_next_ms, 16000);
	assert_true(b.manual_stop);
	assert_int_equal(b.state, BGP_STATE_OPEN_SENT); /* its own connection state stays */
}

static void test_secondary_takes_over(void **state)
{
	(void)state;
	struct bgp_fsm p, s;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&p, &c);
	bgp_fsm_init_secondary(&s, &p);
	struct bgp_fsm_output out;
	fsm_feed(&s, E(TCP_CONNECTION_CONFIRMED), &out); /* OpenSent */
	for (int ps = BGP_STATE_IDLE; ps <= BGP_STATE_ESTABLISHED; ps++) {
		p.state = (enum bgp_state)ps;
		/* A primary in Connect keeps its attempt until the secondary is Established. */
		bool want = ps == BGP_STATE_IDLE || ps == BGP_STATE_ACTIVE;
		assert_int_equal(bgp_fsm_secondary_takes_over(&p, &s), want);
		assert_false(bgp_fsm_secondary_takes_over(&p, NULL));
	}
	/* An Established secondary wins over any primary that is not Established (6.8). */
	s.state = BGP_STATE_ESTABLISHED;
	for (int ps = BGP_STATE_IDLE; ps <= BGP_STATE_ESTABLISHED; ps++) {
		p.state = (enum bgp_state)ps;
		assert_int_equal(bgp_fsm_secondary_takes_over(&p, &s),
				 ps != BGP_STATE_ESTABLISHED);
	}
	s.state = BGP_STATE_OPEN_SENT;
	/* An operator's stop of the primary is not undone by a live secondary. */
	p.state = BGP_STATE_IDLE;
	p.manual_stop = true;
	assert_false(bgp_fsm_secondary_takes_over(&p, &s));
	/* A secondary without a BGP connection never takes over. */
	p.manual_stop = false;
	s.state = BGP_STATE_ACTIVE;
	assert_false(bgp_fsm_secondary_takes_over(&p, &s));
}

/* ---- idle hold (automatic restart, growing) ---- */

/* One failed session: start (or restart), connect, and get a header error. Returns the idle
 * hold time the failure armed. */
static uint32_t fail_once(struct bgp_fsm *f, enum bgp_fsm_event_type start)
{
	struct bgp_fsm_output out;
	fsm_feed(f, start, &out);
	assert_int_equal(f->state, BGP_STATE_CONNECT);
	fsm_feed(f, E(TCP_CR_ACKED), &out);
	fsm_feed(f, E(BGP_HEADER_ERR), &out);
	assert_int_equal(f->state, BGP_STATE_IDLE);
	const struct bgp_fsm_action *last = &out.actions[out.n_actions - 1];
	assert_int_equal(last->type, BGP_FSM_ACT_START_TIMER);
	assert_int_equal(last->timer, BGP_FSM_TIMER_IDLE_HOLD);
	return last->ms;
}

static void test_idle_hold_grows_to_cap(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&f, &c);
	static const uint32_t want[] = {1000,  2000,  4000,   8000,   16000,
					32000, 64000, 120000, 120000, 120000};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint32_t got = fail_once(&f, i == 0 ? E(MANUAL_START) : E(IDLE_HOLD_TIMER_EXPIRES));
		assert_int_equal(got, want[i]);
		assert_int_equal(f.connect_retry_counter, i + 1);
	}
	/* An operator's start forgets the history. */
	struct bgp_fsm_output out;
	fsm_feed(&f, E(MANUAL_STOP), &out);
	assert_string_equal(actions(&out), "stop(IdleHold)");
	assert_int_equal(fail_once(&f, E(MANUAL_START)), 1000);
}

static void test_idle_hold_config(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_config c = fsm_test_config();
	c.idle_hold_ms = 3000;
	c.idle_hold_max_ms = 10000;
	bgp_fsm_init(&f, &c);
	assert_int_equal(fail_once(&f, E(MANUAL_START)), 3000);
	assert_int_equal(fail_once(&f, E(IDLE_HOLD_TIMER_EXPIRES)), 6000);
	assert_int_equal(fail_once(&f, E(IDLE_HOLD_TIMER_EXPIRES)), 10000);
	assert_int_equal(fail_once(&f, E(IDLE_HOLD_TIMER_EXPIRES)), 10000);
}

static void establish_from_idle(struct bgp_fsm *f)
{
	struct bgp_fsm_output out;
	fsm_feed(f, E(IDLE_HOLD_TIMER_EXPIRES), &out);
	fsm_feed(f, E(TCP_CR_ACKED), &out);
	step(f, (struct bgp_fsm_event){.type = E(BGP_OPEN), .open = {.hold_time = 90}}, &out);
	fsm_feed(f, E(KEEPALIVE_MSG), &out);
	assert_int_equal(f->state, BGP_STATE_ESTABLISHED);
}

static uint32_t idle_hold_after_drop(struct bgp_fsm *f)
{
	struct bgp_fsm_output out;
	step(f, (struct bgp_fsm_event){.type = E(TCP_CONNECTION_FAILS)}, &out);
	assert_int_equal(f->state, BGP_STATE_IDLE);
	const struct bgp_fsm_action *last = &out.actions[out.n_actions - 1];
	assert_int_equal(last->timer, BGP_FSM_TIMER_IDLE_HOLD);
	return last->ms;
}

/* Graceful restart's helper keeps routes only for a drop that carried no NOTIFICATION: the
 * TCP connection failing in Established sends none; every other way down does, or is BFD or
 * the operator. */
static void test_down_is_graceful(void **state)
{
	(void)state;
	static const struct {
		enum bgp_fsm_event_type ev;
		bool graceful;
	} cases[] = {
	    {E(TCP_CONNECTION_FAILS), true},  {E(HOLD_TIMER_EXPIRES), false},
	    {E(NOTIF_MSG), false},	      {E(MANUAL_STOP), false},
	    {E(AUTOMATIC_STOP), false},	      {E(BFD_DOWN), false},
	    {E(UPDATE_MSG_ERR), false},	      {E(SEND_HOLD_TIMER_EXPIRES), false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(bgp_fsm_down_is_graceful(cases[i].ev), cases[i].graceful);
	/* The premise: going down on a failed connection sends no NOTIFICATION. */
	struct bgp_fsm f;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&f, &c);
	fail_once(&f, E(MANUAL_START));
	establish_from_idle(&f);
	struct bgp_fsm_output out;
	step(&f, (struct bgp_fsm_event){.type = E(TCP_CONNECTION_FAILS)}, &out);
	bool down = false;
	for (size_t i = 0; i < out.n_actions; i++) {
		assert_int_not_equal(out.actions[i].type, BGP_FSM_ACT_SEND_NOTIFICATION);
		down |= out.actions[i].type == BGP_FSM_ACT_PEER_DOWN;
	}
	assert_true(down);
}

static void test_idle_hold_resets_after_stable_session(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&f, &c);
	fail_once(&f, E(MANUAL_START)); /* 1000 */
	assert_int_equal(fail_once(&f, E(IDLE_HOLD_TIMER_EXPIRES)), 2000);
	/* Established but dropped before the stable timer: still growing (flapping). */
	establish_from_idle(&f);
	assert_int_equal(idle_hold_after_drop(&f), 4000);
	/* Established and stable: the next failure counts as a first one. */
	establish_from_idle(&f);
	struct bgp_fsm_output out;
	fsm_feed(&f, E(STABLE_TIMER_EXPIRES), &out);
	assert_int_equal(f.state, BGP_STATE_ESTABLISHED);
	assert_int_equal(f.connect_retry_counter, 0);
	assert_int_equal(idle_hold_after_drop(&f), 1000);
	assert_int_equal(f.connect_retry_counter, 1);
}

/* ManualStop holds the peer down: automatic starts are ignored until a ManualStart. */
static void test_manual_stop_holds_down(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&f, &c);
	fsm_feed(&f, E(MANUAL_START), &out);
	fsm_feed(&f, E(MANUAL_STOP), &out);
	assert_int_equal(f.state, BGP_STATE_IDLE);
	assert_true(f.manual_stop);
	fsm_feed(&f, E(AUTOMATIC_START), &out);
	assert_int_equal(f.state, BGP_STATE_IDLE);
	assert_int_equal(out.n_actions, 0);
	fsm_feed(&f, E(IDLE_HOLD_TIMER_EXPIRES), &out); /* stale: nothing armed */
	assert_int_equal(f.state, BGP_STATE_IDLE);
	fsm_feed(&f, E(MANUAL_START), &out);
	assert_int_equal(f.state, BGP_STATE_CONNECT);
	assert_false(f.manual_stop);
	/* Collision loser and AutomaticStop do not set it. */
	fsm_feed(&f, E(TCP_CR_ACKED), &out);
	step(&f, (struct bgp_fsm_event){.type = E(AUTOMATIC_STOP)}, &out);
	assert_false(f.manual_stop);
	fsm_feed(&f, E(AUTOMATIC_START), &out);
	assert_int_equal(f.state, BGP_STATE_CONNECT);
}

/* ---- passive ---- */

static void test_passive_peer(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	c.passive = true;
	bgp_fsm_init(&f, &c);
	fsm_feed(&f, E(MANUAL_START), &out);
	assert_int_equal(out.new_state, BGP_STATE_ACTIVE);
	assert_string_equal(actions(&out), "");
	assert_string_equal(out.reason, "manual start");
	fsm_feed(&f, E(CONNECT_RETRY_TIMER_EXPIRES), &out); /* never armed */
	assert_int_equal(f.state, BGP_STATE_ACTIVE);
	fsm_feed(&f, E(TCP_CONNECTION_CONFIRMED), &out);
	assert_string_equal(actions(&out), "send_open start(Hold,240000)");
	step(&f, (struct bgp_fsm_event){.type = E(TCP_CONNECTION_FAILS)}, &out);
	assert_int_equal(out.new_state, BGP_STATE_ACTIVE);
	assert_string_equal(actions(&out), "stop(Hold) close release"); /* no connect retry */
	/* after a failure it comes back to Active, not Connect */
	fsm_feed(&f, E(TCP_CONNECTION_CONFIRMED), &out);
	fsm_feed(&f, E(KEEPALIVE_MSG), &out);
	assert_int_equal(f.state, BGP_STATE_IDLE);
	fsm_feed(&f, E(IDLE_HOLD_TIMER_EXPIRES), &out);
	assert_int_equal(out.new_state, BGP_STATE_ACTIVE);
	assert_string_equal(actions(&out), "");
}

/* ---- reasons ---- */

static void test_tcp_failure_reasons(void **state)
{
	(void)state;
	static const struct {
		int error;
		const char *detail;
		const char *reason;
	} cases[] = {
	    {-ECONNREFUSED, "connection refused", "connection refused"},
	    {0, NULL, "connection closed by peer"},
	    {-ECONNRESET, NULL, "connection reset by peer"},
	    {-ETIMEDOUT, NULL, "connection timed out"},
	    {-EHOSTUNREACH, NULL, "host unreachable"},
	    {-ENETUNREACH, NULL, "network unreachable"},
	    {-EPIPE, "broken pipe", "TCP connection failed: broken pipe"},
	    {-EACCES, NULL, "TCP connection failed: error -13"},
	    {-EACCES, "", "TCP connection failed: error -13"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bgp_fsm f;
		struct bgp_fsm_output out;
		struct bgp_fsm_config c = fsm_test_config();
		bgp_fsm_init(&f, &c);
		fsm_feed(&f, E(MANUAL_START), &out);
		step(&f,
		     (struct bgp_fsm_event){.type = E(TCP_CONNECTION_FAILS),
					    .tcp_fail = {cases[i].error, cases[i].detail}},
		     &out);
		assert_int_equal(out.new_state, BGP_STATE_ACTIVE);
		assert_string_equal(out.reason, cases[i].reason);
	}
}

static void test_stop_reasons(void **state)
{
	(void)state;
	static const struct {
		uint8_t subcode;
		const char *message;
		const char *reason;
		const char *actions;
	} cases[] = {
	    {0, NULL, "admin down: NOTIFICATION sent: Cease / Administrative Shutdown",
	     "notify(6/2)"},
	    {BGP_SUBERR_CEASE_PEER_DECONFIGURED, "ignored",
	     "peer deconfigured: NOTIFICATION sent: Cease / Peer De-configured", "notify(6/3)"},
	    {BGP_SUBERR_CEASE_ADMIN_RESET, "new key",
	     "admin reset: NOTIFICATION sent: Cease / Administrative Reset: \"new key\"",
	     "notify(6/4,msg=new key)"},
	    {BGP_SUBERR_CEASE_OTHER_CONFIG_CHANGE, NULL,
	     "configuration changed: NOTIFICATION sent: Cease / Other Configuration Change",
	     "notify(6/6)"},
	    {BGP_SUBERR_CEASE_OUT_OF_RESOURCES, NULL,
	     "out of resources: NOTIFICATION sent: Cease / Out of Resources", "notify(6/8)"},
	    {BGP_SUBERR_CEASE_HARD_RESET, NULL, "hard reset: NOTIFICATION sent: Cease / Hard Reset",
	     "notify(6/9)"},
	    {BGP_SUBERR_CEASE_BFD_DOWN, NULL, "stopped: NOTIFICATION sent: Cease / BFD Down",
	     "notify(6/10)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bgp_fsm f;
		struct bgp_fsm_output out;
		struct bgp_fsm_config c = fsm_test_config();
		reach_open_sent(&f, &c);
		step(&f,
		     (struct bgp_fsm_event){.type = E(MANUAL_STOP),
					    .stop = {cases[i].subcode, cases[i].message}},
		     &out);
		assert_string_equal(out.reason, cases[i].reason);
		assert_int_equal(out.actions[1].type, BGP_FSM_ACT_SEND_NOTIFICATION);
		struct bgp_fsm_output one = {.n_actions = 1, .actions = {out.actions[1]}};
		assert_string_equal(actions(&one), cases[i].actions);
	}
}

/* A peer's 255-octet shutdown message with control characters still gives one bounded line. */
static void test_long_notification_reason(void **state)
{
	(void)state;
	char msg[256];
	memset(msg, 'x', 255);
	msg[255] = '\0';
	msg[10] = '\n';
	msg[20] = '\x1b';
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	reach_open_sent(&f, &c);
	step(&f,
	     (struct bgp_fsm_event){.type = E(NOTIF_MSG),
				    .notify = {.code = 6, .subcode = 2, .message = msg}},
	     &out);
	assert_int_equal(out.new_state, BGP_STATE_IDLE);
	size_t len = strlen(out.reason);
	assert_true(len < BGP_FSM_REASON_MAX);
	assert_true(strncmp(out.reason,
			    "NOTIFICATION received: Cease / Administrative Shutdown: \"", 57) == 0);
	assert_null(strchr(out.reason, '\n'));
	assert_null(strchr(out.reason, '\x1b'));
}

/* NotifMsg carrying OPEN / Unsupported Version is NotifMsgVerErr (8.1.2 Event 24). */
static void test_notif_version_error_mapped(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	reach_open_sent(&f, &c);
	step(&f, (struct bgp_fsm_event){.type = E(NOTIF_MSG), .notify = {.code = 2, .subcode = 1}},
	     &out);
	assert_string_equal(
	    out.reason, "NOTIFICATION received: OPEN Message Error / Unsupported Version Number");
	assert_string_equal(actions(&out), "stop(Hold) close release start(IdleHold,1000)");
}

/* ---- names and timer mapping ---- */

static void test_names_and_timer_events(void **state)
{
	(void)state;
	for (int t = 0; t < BGP_FSM_TIMER_COUNT; t++) {
		enum bgp_fsm_event_type e = bgp_fsm_timer_event((enum bgp_fsm_timer)t);
		assert_true(e != 0);
		assert_string_not_equal(bgp_fsm_event_name(e), "?");
		assert_string_not_equal(bgp_fsm_timer_name((enum bgp_fsm_timer)t), "?");
		for (int u = 0; u < t; u++)
			assert_int_not_equal(e, bgp_fsm_timer_event((enum bgp_fsm_timer)u));
	}
	for (int a = BGP_FSM_ACT_CONNECT; a <= BGP_FSM_ACT_RELEASE; a++)
		assert_string_not_equal(bgp_fsm_action_name((enum bgp_fsm_action_type)a), "?");
	assert_string_equal(bgp_fsm_event_name((enum bgp_fsm_event_type)77), "?");
	assert_string_equal(bgp_fsm_event_name(E(TCP_CR_ACKED)), "Tcp_CR_Acked");
}

static void test_init_defaults(void **state)
{
	(void)state;
	struct bgp_fsm f;
	struct bgp_fsm_config c = {0};
	bgp_fsm_init(&f, &c);
	assert_int_equal(f.state, BGP_STATE_IDLE);
	assert_int_equal(f.config.connect_retry_ms, BGP_FSM_CONNECT_RETRY_MS);
	assert_int_equal(f.config.open_hold_ms, BGP_FSM_OPEN_HOLD_MS);
	assert_int_equal(f.config.idle_hold_ms, BGP_FSM_IDLE_HOLD_MS);
	assert_int_equal(f.config.idle_hold_max_ms, BGP_FSM_IDLE_HOLD_MAX_MS);
	assert_int_equal(f.config.stable_ms, BGP_FSM_STABLE_MS);
	assert_int_equal(f.config.send_hold_min_ms, BGP_FSM_SEND_HOLD_MIN_MS);
	assert_int_equal(f.idle_hold_next_ms, BGP_FSM_IDLE_HOLD_MS);
	assert_int_equal(f.timers_running, 0);
	c.connect_retry_ms = 1234;
	bgp_fsm_init(&f, &c);
	assert_int_equal(f.config.connect_retry_ms, 1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_negotiate_hold),
	    cmocka_unit_test(test_zero_hold_session),
	    cmocka_unit_test(test_open_with_hold_one_is_refused),
	    cmocka_unit_test(test_negotiated_timers_in_session),
	    cmocka_unit_test(test_jitter_bounds),
	    cmocka_unit_test(test_jitter_applied_by_the_fsm),
	    cmocka_unit_test(test_send_hold_ms),
	    cmocka_unit_test(test_collision_keep_outgoing),
	    cmocka_unit_test(test_collision_decision),
	    cmocka_unit_test(test_route_incoming),
	    cmocka_unit_test(test_collision_scenario),
	    cmocka_unit_test(test_peer_restart_while_established),
	    cmocka_unit_test(test_adopt_peer_state),
	    cmocka_unit_test(test_secondary_takes_over),
	    cmocka_unit_test(test_idle_hold_grows_to_cap),
	    cmocka_unit_test(test_idle_hold_config),
	    cmocka_unit_test(test_idle_hold_resets_after_stable_session),
	    cmocka_unit_test(test_manual_stop_holds_down),
	    cmocka_unit_test(test_passive_peer),
	    cmocka_unit_test(test_tcp_failure_reasons),
	    cmocka_unit_test(test_stop_reasons),
	    cmocka_unit_test(test_long_notification_reason),
	    cmocka_unit_test(test_notif_version_error_mapped),
	    cmocka_unit_test(test_names_and_timer_events),
	    cmocka_unit_test(test_init_defaults),
	    cmocka_unit_test(test_down_is_graceful),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
