/*
 * A long random walk through the FSM against a model of the driver: random events (with a
 * bias towards the ones that make progress), random jitter, random peer hold times, active and
 * passive configs. After every step the invariants a driver relies on must hold:
 * - the timers the actions started/stopped are exactly the ones the fsm thinks are running,
 *   no timer is stopped that is not running, and each state has only its own timers;
 * - the connection bookkeeping adds up: CONNECT only with no attempt open, CLOSE only with a
 *   session, and after the step Idle/Active hold nothing, Connect an attempt, later states a
 *   session;
 * - PEER_UP exactly on entering Established, PEER_DOWN exactly on leaving it;
 * - a reason exactly when the state changed; action lists well under the maximum; jittered
 *   durations within RFC 4271 10 bounds.
 * Deterministic (fixed seeds), well under a second.
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

#define E(x)   BGP_FSM_EV_##x
#define BIT(t) (1u << (t))

static uint32_t rng = 1;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static const enum bgp_fsm_event_type events[] = {
    E(MANUAL_START),
    E(MANUAL_STOP),
    E(AUTOMATIC_START),
    E(AUTOMATIC_STOP),
    E(TCP_CR_ACKED),
    E(TCP_CONNECTION_CONFIRMED),
    E(TCP_CONNECTION_FAILS),
    E(BGP_OPEN),
    E(BGP_HEADER_ERR),
    E(BGP_OPEN_MSG_ERR),
    E(OPEN_COLLISION_DUMP),
    E(NOTIF_MSG_VER_ERR),
    E(NOTIF_MSG),
    E(KEEPALIVE_MSG),
    E(UPDATE_MSG),
    E(UPDATE_MSG_ERR),
    E(SEND_PROGRESS),
    E(BFD_DOWN),
};
#define N_EVENTS (sizeof(events) / sizeof(events[0]))

enum conn { CONN_NONE, CONN_ATTEMPT, CONN_SESSION };

struct model {
	uint32_t timers; /* what the driver's uv timers would be doing */
	enum conn conn;
	bool up; /* between PEER_UP and PEER_DOWN */
};

static const uint8_t some_data[] = {1, 2, 3};

static struct bgp_fsm_event random_event(const struct bgp_fsm *f)
{
	struct bgp_fsm_event ev = {.random = next_random()};
	uint32_t r = next_random() % 100;
	if (r < 35 && f->timers_running) {
		/* a running timer fires */
		int t;
		do
			t = (int)(next_random() % BGP_FSM_TIMER_COUNT);
		while (!(f->timers_running & BIT(t)));
		ev.type = bgp_fsm_timer_event((enum bgp_fsm_timer)t);
	} else if (r < 38) {
		/* a stale timer event */
		ev.type =
		    bgp_fsm_timer_event((enum bgp_fsm_timer)(next_random() % BGP_FSM_TIMER_COUNT));
	} else if (r < 60 && f->state == BGP_STATE_OPEN_SENT) {
		ev.type = E(BGP_OPEN);
	} else if (r < 60 && f->state >= BGP_STATE_OPEN_CONFIRM) {
		ev.type = E(KEEPALIVE_MSG);
	} else if (r < 60 && f->state == BGP_STATE_CONNECT) {
		ev.type = E(TCP_CR_ACKED);
	} else {
		ev.type = events[next_random() % N_EVENTS];
	}
	static const uint16_t holds[] = {0, 3, 9, 30, 90, 1, 2, 65535};
	ev.open.hold_time = holds[next_random() % 8];
	ev.open.bgp_id = next_random();
	ev.stop.subcode = (uint8_t)(next_random() % 11);
	ev.stop.message = next_random() % 2 ? "bye" : NULL;
	ev.tcp_fail.error = next_random() % 2 ? 0 : -ECONNREFUSED;
	ev.notify.code = (uint8_t)(1 + next_random() % 8);
	ev.notify.subcode = (uint8_t)(next_random() % 12);
	ev.notify.data = some_data;
	ev.notify.data_len = next_random() % 4;
	return ev;
}

static uint32_t allowed_timers(const struct bgp_fsm *f)
{
	switch (f->state) {
	case BGP_STATE_IDLE:
		return BIT(BGP_FSM_TIMER_IDLE_HOLD);
	case BGP_STATE_CONNECT:
	case BGP_STATE_ACTIVE:
		return BIT(BGP_FSM_TIMER_CONNECT_RETRY);
	case BGP_STATE_OPEN_SENT:
		return BIT(BGP_FSM_TIMER_HOLD);
	case BGP_STATE_OPEN_CONFIRM:
		return BIT(BGP_FSM_TIMER_HOLD) | BIT(BGP_FSM_TIMER_KEEPALIVE);
	case BGP_STATE_ESTABLISHED:
		return BIT(BGP_FSM_TIMER_HOLD) | BIT(BGP_FSM_TIMER_KEEPALIVE) |
		       BIT(BGP_FSM_TIMER_SEND_HOLD) | BIT(BGP_FSM_TIMER_STABLE);
	}
	return 0;
}

/* Checks one step; returns a description of the first broken invariant, or NULL. */
static const char *check_step(struct model *m, const struct bgp_fsm *f,
			      const struct bgp_fsm_event *ev, const struct bgp_fsm_output *out)
{
	static char why[256];
	if (out->n_actions >= BGP_FSM_MAX_ACTIONS - 2)
		return "action list near the maximum";
	if ((out->new_state != out->old_state) != (out->reason[0] != '\0'))
		return "reason present iff the state changed";
	if (out->new_state != f->state)
		return "out.new_state differs from fsm->state";

	/* A TCP event reports a new connection; a failure takes the attempt away. */
	bool offered = ev->type == E(TCP_CR_ACKED) || ev->type == E(TCP_CONNECTION_CONFIRMED);
	bool new_taken = false, rejected = false;
	if (ev->type == E(TCP_CONNECTION_FAILS) && m->conn == CONN_ATTEMPT &&
	    out->old_state == BGP_STATE_CONNECT)
		m->conn = CONN_NONE;
	if (ev->type == E(TCP_CR_ACKED) && m->conn == CONN_ATTEMPT)
		m->conn = CONN_NONE; /* the attempt is what is being offered */

	for (size_t i = 0; i < out->n_actions; i++) {
		const struct bgp_fsm_action *a = &out->actions[i];
		switch (a->type) {
		case BGP_FSM_ACT_START_TIMER: {
			m->timers |= BIT(a->timer);
			uint32_t ms = a->ms;
			uint32_t full = 0;
			if (a->timer == BGP_FSM_TIMER_CONNECT_RETRY)
				/* A start after a ManualStop's Cease waits passively for the idle
				 * hold time first (fsm.c start()). */
				full = out->old_state == BGP_STATE_IDLE &&
					       out->new_state == BGP_STATE_ACTIVE
					   ? f->config.idle_hold_ms
					   : f->config.connect_retry_ms;
			else if (a->timer == BGP_FSM_TIMER_KEEPALIVE)
				full = (uint32_t)f->keepalive_s * 1000;
			if (full && !(ms <= full && (uint64_t)ms * 4 > (uint64_t)full * 3))
				return "jittered duration out of bounds";
			if (ms == 0)
				return "timer started for 0 ms";
			break;
		}
		case BGP_FSM_ACT_STOP_TIMER:
			if (!(m->timers & BIT(a->timer)))
				return "stopped a timer that was not running";
			m->timers &= ~BIT(a->timer);
			break;
		case BGP_FSM_ACT_CONNECT:
			if (m->conn != CONN_NONE)
				return "CONNECT while a connection or attempt exists";
			m->conn = CONN_ATTEMPT;
			break;
		case BGP_FSM_ACT_CANCEL_CONNECT:
			if (m->conn == CONN_ATTEMPT)
				m->conn = CONN_NONE;
			break;
		case BGP_FSM_ACT_REJECT:
			if (!offered)
				return "REJECT without a connection offered";
			rejected = true;
			break;
		case BGP_FSM_ACT_SEND_OPEN:
			if (!offered)
				return "SEND_OPEN without a new connection";
			new_taken = true;
			if (m->conn != CONN_NONE)
				return "new connection taken while another is open";
			m->conn = CONN_SESSION;
			break;
		case BGP_FSM_ACT_SEND_KEEPALIVE:
		case BGP_FSM_ACT_SEND_NOTIFICATION:
			if (m->conn != CONN_SESSION)
				return "sending without a session";
			break;
		case BGP_FSM_ACT_CLOSE:
			if (m->conn != CONN_SESSION)
				return "CLOSE without a session";
			m->conn = CONN_NONE;
			break;
		case BGP_FSM_ACT_PEER_UP:
			if (m->up || out->new_state != BGP_STATE_ESTABLISHED)
				return "PEER_UP not on entering Established";
			m->up = true;
			break;
		case BGP_FSM_ACT_PEER_DOWN:
			if (!m->up || out->old_state != BGP_STATE_ESTABLISHED)
				return "PEER_DOWN not on leaving Established";
			m->up = false;
			break;
		case BGP_FSM_ACT_RELEASE:
			break;
		}
	}
	if (offered && !new_taken && !rejected && f->state != BGP_STATE_IDLE)
		return "an offered connection neither taken nor rejected";
	if (m->timers != f->timers_running) {
		snprintf(why, sizeof(why), "timers: model %#x, fsm %#x", m->timers,
			 f->timers_running);
		return why;
	}
	if (f->timers_running & ~allowed_timers(f))
		return "a timer running that does not belong to the state";
	if (f->state == BGP_STATE_CONNECT &&
	    !(f->timers_running & BIT(BGP_FSM_TIMER_CONNECT_RETRY)))
		return "Connect without ConnectRetryTimer";
	if (f->state == BGP_STATE_OPEN_SENT && !(f->timers_running & BIT(BGP_FSM_TIMER_HOLD)))
		return "OpenSent without HoldTimer";
	/* RFC 9687 4.3: running all through Established, unless the hold time is 0. */
	if (f->state == BGP_STATE_ESTABLISHED &&
	    ((f->timers_running & BIT(BGP_FSM_TIMER_SEND_HOLD)) != 0) != (f->hold_s != 0))
		return "send hold timer not tied to Established with a non-zero hold time";
	if (m->up != (f->state == BGP_STATE_ESTABLISHED))
		return "PEER_UP/PEER_DOWN do not match Established";
	enum conn want = f->state == BGP_STATE_CONNECT	   ? CONN_ATTEMPT
			 : f->state >= BGP_STATE_OPEN_SENT ? CONN_SESSION
							   : CONN_NONE;
	if (m->conn != want) {
		snprintf(why, sizeof(why), "connection model %d, want %d in %s", m->conn, want,
			 bgp_state_name(f->state));
		return why;
	}
	if (f->state >= BGP_STATE_OPEN_CONFIRM && f->hold_s != 0 && f->hold_s < 3)
		return "negotiated hold time 1 or 2";
	return NULL;
}

static void walk(uint32_t seed, bool passive, int steps)
{
	rng = seed;
	struct bgp_fsm f;
	struct bgp_fsm_config c = fsm_test_config();
	c.passive = passive;
	bgp_fsm_init(&f, &c);
	struct model m = {0};
	int visits[7] = {0};
	for (int i = 0; i < steps; i++) {
		struct bgp_fsm_event ev = random_event(&f);
		/* The driver's timer fires once: it is not running any more. */
		for (int t = 0; t < BGP_FSM_TIMER_COUNT; t++)
			if (ev.type == bgp_fsm_timer_event((enum bgp_fsm_timer)t))
				m.timers &= ~BIT(t);
		/* A failure of a session's connection: the driver closes what is left of it
		 * when the FSM says CLOSE, so the model keeps it until then. */
		struct bgp_fsm_output out;
		bgp_fsm_step(&f, &ev, &out);
		const char *bad = check_step(&m, &f, &ev, &out);
		if (bad) {
			char acts[1024];
			fsm_fmt_actions(&out, acts, sizeof(acts));
			fail_msg("seed %u step %d: %s x %s -> %s [%s]: %s", seed, i,
				 bgp_state_name(out.old_state), bgp_fsm_event_name(ev.type),
				 bgp_state_name(out.new_state), acts, bad);
		}
		visits[f.state]++;
	}
	/* The walk really went everywhere it should. */
	for (int s = BGP_STATE_IDLE; s <= BGP_STATE_ESTABLISHED; s++) {
		if (passive && s == BGP_STATE_CONNECT)
			continue;
		if (visits[s] == 0)
			fail_msg("seed %u never reached %s", seed,
				 bgp_state_name((enum bgp_state)s));
	}
}

static void test_walk_active(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 8; seed++)
		walk(seed * 2654435761u, false, 20000);
}

static void test_walk_passive(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 4; seed++)
		walk(seed * 40503u + 7, true, 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_active),
	    cmocka_unit_test(test_walk_passive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
