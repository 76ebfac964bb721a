/*
 * The BFD session machine alone: every state x event cell (random = 0, so timers at full
 * length), then the sequences the cells cannot show: the three-way handshake with its
 * Poll/Final, slow start, the detection time, a timer increase waiting for the Final, the
 * AdminDown burst, jitter bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bfd_fsm.h"

#define MS 1000u
static const struct bfd_fsm_config cfg = {100 * MS, 100 * MS, 3};

static struct bfd_packet remote(enum bfd_state s, bool poll, bool final)
{
	struct bfd_packet p = {.version = 1, .state = s, .poll = poll, .final = final,
			       .detect_mult = 3, .length = 24, .my_disc = 0x1111,
			       .your_disc = s == BFD_STATE_DOWN ? 0 : 0x2222,
			       .desired_min_tx_us = 100 * MS, .required_min_rx_us = 100 * MS};
	return p;
}

static void step(struct bfd_fsm *f, enum bfd_fsm_event_type type, const struct bfd_packet *p,
		 struct bfd_fsm_output *out)
{
	static const struct bfd_fsm_config slower = {300 * MS, 300 * MS, 3};
	struct bfd_fsm_event ev = {.type = type, .packet = p, .config = &slower};
	bfd_fsm_step(f, &ev, out);
}

static void rx(struct bfd_fsm *f, enum bfd_state s, bool poll, bool final,
	       struct bfd_fsm_output *out)
{
	struct bfd_packet p = remote(s, poll, final);
	step(f, BFD_EV_RX, &p, out);
}

enum start { S_FRESH, S_DOWN, S_INIT, S_UP_POLLING, S_UP, S_ADMIN };
static const char *start_name[] = {"fresh", "Down", "Init", "Up(polling)", "Up", "AdminDown"};

static void setup(struct bfd_fsm *f, enum start s)
{
	struct bfd_fsm_output o;
	bfd_fsm_init(f, &cfg, 0x2222);
	if (s == S_FRESH)
		return;
	step(f, BFD_EV_ENABLE, NULL, &o);
	if (s == S_DOWN)
		return;
	rx(f, BFD_STATE_DOWN, false, false, &o);
	if (s == S_INIT)
		return;
	rx(f, BFD_STATE_UP, false, false, &o);
	if (s == S_UP_POLLING)
		return;
	rx(f, BFD_STATE_UP, false, true, &o);
	if (s == S_UP)
		return;
	step(f, BFD_EV_ADMIN_DOWN, NULL, &o);
}

/* Events of the table: the five packet kinds are RX with that remote state / bits. */
enum cell_ev { C_ENABLE, C_ADMIN, C_RX_ADMIN, C_RX_DOWN, C_RX_INIT, C_RX_UP, C_RX_POLL,
	       C_TX, C_DETECT, C_CONFIG, C_COUNT };
static const char *ev_name[] = {"Enable", "AdminDown", "RX AdminDown", "RX Down", "RX Init",
				"RX Up", "RX Up+P", "TX timer", "Detect timer", "Config"};

struct cell {
	enum bfd_state state;
	enum bfd_diag diag;
	bool send, final;
	enum bfd_timer_op tx;
	uint32_t tx_us;
	enum bfd_timer_op det;
	uint32_t det_us;
};

#define A BFD_STATE_ADMIN_DOWN
#define D BFD_STATE_DOWN
#define I BFD_STATE_INIT
#define U BFD_STATE_UP
#define K BFD_TIMER_KEEP
#define GO BFD_TIMER_START
#define ST BFD_TIMER_STOP
#define N0 BFD_DIAG_NONE
#define DX BFD_DIAG_TIME_EXPIRED
#define DN BFD_DIAG_NEIGHBOR_DOWN
#define DA BFD_DIAG_ADMIN_DOWN
#define SEC (1000 * MS)
#define T300 (300 * MS)
#define T100 (100 * MS)

static const struct cell cells[][C_COUNT] = {
    [S_FRESH] = {
	[C_ENABLE] = {D, N0, 1, 0, GO, SEC, K, 0},
	[C_ADMIN] = {A, N0, 0, 0, K, 0, K, 0},
	[C_RX_ADMIN] = {A, N0, 0, 0, K, 0, K, 0},
	[C_RX_DOWN] = {A, N0, 0, 0, K, 0, K, 0},
	[C_RX_INIT] = {A, N0, 0, 0, K, 0, K, 0},
	[C_RX_UP] = {A, N0, 0, 0, K, 0, K, 0},
	[C_RX_POLL] = {A, N0, 0, 0, K, 0, K, 0}, /* AdminDown discards, no Final */
	[C_TX] = {A, N0, 0, 0, K, 0, K, 0},
	[C_DETECT] = {A, N0, 0, 0, K, 0, K, 0},
	[C_CONFIG] = {A, N0, 0, 0, K, 0, K, 0},
    },
    [S_DOWN] = {
	[C_ENABLE] = {D, N0, 0, 0, K, 0, K, 0},
	[C_ADMIN] = {A, DA, 1, 0, K, 0, ST, 0},
	[C_RX_ADMIN] = {D, N0, 0, 0, K, 0, GO, T300},
	[C_RX_DOWN] = {I, N0, 1, 0, K, 0, GO, T300},
	[C_RX_INIT] = {U, N0, 1, 0, GO, T100, GO, T300},
	[C_RX_UP] = {D, N0, 0, 0, K, 0, GO, T300}, /* Down ignores Up */
	[C_RX_POLL] = {D, N0, 1, 1, K, 0, GO, T300},
	[C_TX] = {D, N0, 1, 0, GO, SEC, K, 0},
	[C_DETECT] = {D, N0, 0, 0, K, 0, K, 0}, /* not armed */
	[C_CONFIG] = {D, N0, 0, 0, K, 0, K, 0}, /* still slow start */
    },
    [S_INIT] = {
	[C_ENABLE] = {I, N0, 0, 0, K, 0, K, 0},
	[C_ADMIN] = {A, DA, 1, 0, K, 0, ST, 0},
	[C_RX_ADMIN] = {D, DN, 1, 0, K, 0, GO, T300},
	[C_RX_DOWN] = {I, N0, 0, 0, K, 0, GO, T300},
	[C_RX_INIT] = {U, N0, 1, 0, GO, T100, GO, T300},
	[C_RX_UP] = {U, N0, 1, 0, GO, T100, GO, T300},
	[C_RX_POLL] = {U, N0, 1, 1, GO, T100, GO, T300},
	[C_TX] = {I, N0, 1, 0, GO, SEC, K, 0},
	[C_DETECT] = {D, DX, 1, 0, K, 0, ST, 0},
	[C_CONFIG] = {I, N0, 0, 0, K, 0, K, 0},
    },
    [S_UP_POLLING] = {
	[C_ENABLE] = {U, N0, 0, 0, K, 0, K, 0},
	[C_ADMIN] = {A, DA, 1, 0, GO, SEC, ST, 0},
	[C_RX_ADMIN] = {D, DN, 1, 0, GO, SEC, GO, T300},
	[C_RX_DOWN] = {D, DN, 1, 0, GO, SEC, GO, T300},
	[C_RX_INIT] = {U, N0, 0, 0, K, 0, GO, T300},
	[C_RX_UP] = {U, N0, 0, 0, K, 0, GO, T300},
	[C_RX_POLL] = {U, N0, 1, 1, K, 0, GO, T300},
	[C_TX] = {U, N0, 1, 0, GO, T100, K, 0},
	[C_DETECT] = {D, DX, 1, 0, GO, SEC, ST, 0},
	[C_CONFIG] = {U, N0, 0, 0, K, 0, K, 0}, /* the running Poll carries it */
    },
    [S_UP] = {
	[C_ENABLE] = {U, N0, 0, 0, K, 0, K, 0},
	[C_ADMIN] = {A, DA, 1, 0, GO, SEC, ST, 0},
	[C_RX_ADMIN] = {D, DN, 1, 0, GO, SEC, GO, T300},
	[C_RX_DOWN] = {D, DN, 1, 0, GO, SEC, GO, T300},
	[C_RX_INIT] = {U, N0, 0, 0, K, 0, GO, T300},
	[C_RX_UP] = {U, N0, 0, 0, K, 0, GO, T300},
	[C_RX_POLL] = {U, N0, 1, 1, K, 0, GO, T300},
	[C_TX] = {U, N0, 1, 0, GO, T100, K, 0},
	[C_DETECT] = {D, DX, 1, 0, GO, SEC, ST, 0},
	[C_CONFIG] = {U, N0, 1, 0, K, 0, K, 0}, /* a new Poll: sent at once */
    },
    [S_ADMIN] = {
	[C_ENABLE] = {D, N0, 1, 0, K, 0, K, 0},
	[C_ADMIN] = {A, DA, 0, 0, K, 0, K, 0},
	[C_RX_ADMIN] = {A, DA, 0, 0, K, 0, K, 0},
	[C_RX_DOWN] = {A, DA, 0, 0, K, 0, K, 0},
	[C_RX_INIT] = {A, DA, 0, 0, K, 0, K, 0},
	[C_RX_UP] = {A, DA, 0, 0, K, 0, K, 0},
	[C_RX_POLL] = {A, DA, 0, 0, K, 0, K, 0},
	[C_TX] = {A, DA, 1, 0, GO, SEC, K, 0},
	[C_DETECT] = {A, DA, 0, 0, K, 0, K, 0},
	[C_CONFIG] = {A, DA, 0, 0, K, 0, K, 0},
    },
};

static void feed_cell(struct bfd_fsm *f, enum cell_ev e, struct bfd_fsm_output *o)
{
	switch (e) {
	case C_ENABLE: step(f, BFD_EV_ENABLE, NULL, o); break;
	case C_ADMIN: step(f, BFD_EV_ADMIN_DOWN, NULL, o); break;
	case C_RX_ADMIN: rx(f, BFD_STATE_ADMIN_DOWN, false, false, o); break;
	case C_RX_DOWN: rx(f, BFD_STATE_DOWN, false, false, o); break;
	case C_RX_INIT: rx(f, BFD_STATE_INIT, false, false, o); break;
	case C_RX_UP: rx(f, BFD_STATE_UP, false, false, o); break;
	case C_RX_POLL: rx(f, BFD_STATE_UP, true, false, o); break;
	case C_TX: step(f, BFD_EV_TX_TIMER, NULL, o); break;
	case C_DETECT: step(f, BFD_EV_DETECT_TIMER, NULL, o); break;
	case C_CONFIG: step(f, BFD_EV_CONFIG, NULL, o); break;
	case C_COUNT: break;
	}
}

static void test_every_cell(void **state)
{
	(void)state;
	int bad = 0;
	for (int s = 0; s <= S_ADMIN; s++) {
		for (int e = 0; e < C_COUNT; e++) {
			struct bfd_fsm f;
			struct bfd_fsm_output o;
			setup(&f, (enum start)s);
			feed_cell(&f, (enum cell_ev)e, &o);
			const struct cell *c = &cells[s][e];
			if (o.new_state != c->state || o.diag != c->diag || o.send != c->send ||
			    o.final != c->final || o.tx_op != c->tx || o.tx_us != c->tx_us ||
			    o.detect_op != c->det || o.detect_us != c->det_us ||
			    f.state != o.new_state) {
				printf("%s x %s: got state %s diag %d send %d final %d tx %d/%u "
				       "detect %d/%u\n",
				       start_name[s], ev_name[e], bfd_state_name(o.new_state),
				       o.diag, o.send, o.final, o.tx_op, o.tx_us, o.detect_op,
				       o.detect_us);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* Down -> Init -> Up; going Up drops the 1 s slow-start TX to 100 ms with a Poll, and the
 * Poll bit stays on every packet until the peer's Final. */
static void test_handshake_poll_final(void **state)
{
	(void)state;
	struct bfd_fsm f;
	struct bfd_fsm_output o;
	struct bfd_packet p;
	setup(&f, S_DOWN);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.state, BFD_STATE_DOWN);
	assert_int_equal(p.desired_min_tx_us, SEC); /* slow start */
	assert_int_equal(p.required_min_rx_us, T100);
	assert_int_equal(p.required_min_echo_rx_us, 0);
	assert_int_equal(p.your_disc, 0);
	assert_int_equal(p.my_disc, 0x2222);
	assert_false(p.poll);
	rx(&f, BFD_STATE_DOWN, false, false, &o);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.state, BFD_STATE_INIT);
	assert_int_equal(p.your_disc, 0x1111);
	rx(&f, BFD_STATE_UP, false, false, &o);
	assert_int_equal(f.state, BFD_STATE_UP);
	bfd_fsm_packet(&f, false, &p);
	assert_true(p.poll);
	assert_int_equal(p.desired_min_tx_us, T100);
	step(&f, BFD_EV_TX_TIMER, NULL, &o);
	bfd_fsm_packet(&f, false, &p);
	assert_true(p.poll); /* until the Final */
	rx(&f, BFD_STATE_UP, false, true, &o);
	assert_false(f.poll_active);
	bfd_fsm_packet(&f, false, &p);
	assert_false(p.poll);
	assert_false(p.final);
	/* The peer's own Poll gets a Final at once, with P clear even if ours runs. */
	f.poll_active = true;
	rx(&f, BFD_STATE_UP, true, false, &o);
	assert_true(o.send && o.final);
	bfd_fsm_packet(&f, o.final, &p);
	assert_true(p.final);
	assert_false(p.poll);
}

/* 6.8.4: the remote multiplier times the larger of our RX and the remote's TX. */
static void test_detection_time(void **state)
{
	(void)state;
	struct bfd_fsm f;
	struct bfd_fsm_output o;
	setup(&f, S_DOWN);
	struct bfd_packet p = remote(BFD_STATE_DOWN, false, false);
	p.detect_mult = 5;
	p.desired_min_tx_us = 200 * MS;
	step(&f, BFD_EV_RX, &p, &o);
	assert_int_equal(o.detect_us, 1000 * MS);
	p.desired_min_tx_us = 50 * MS; /* our 100 ms RX is the larger */
	step(&f, BFD_EV_RX, &p, &o);
	assert_int_equal(o.detect_us, 500 * MS);
	/* The TX interval is the larger of ours and the peer's RX; 0 RX stops sending. */
	p.required_min_rx_us = 2000 * MS;
	step(&f, BFD_EV_RX, &p, &o);
	assert_int_equal(o.tx_op, BFD_TIMER_START);
	assert_int_equal(o.tx_us, 2000 * MS);
	p.required_min_rx_us = 0;
	step(&f, BFD_EV_RX, &p, &o);
	assert_int_equal(o.tx_op, BFD_TIMER_STOP);
	/* Expiry in Down forgets the peer's discriminator (6.8.1). */
	step(&f, BFD_EV_DETECT_TIMER, NULL, &o);
	assert_int_equal(f.remote_disc, 0);
	assert_int_equal(f.state, BFD_STATE_DOWN);
}

/* 6.8.3: while Up, a slower TX is used only after the Final; a faster one at once. A
 * smaller RX counts for the detection time only after the Final. */
static void test_timer_change_waits_for_final(void **state)
{
	(void)state;
	struct bfd_fsm f;
	struct bfd_fsm_output o;
	setup(&f, S_UP);
	step(&f, BFD_EV_CONFIG, NULL, &o); /* 300 ms x 3 */
	assert_true(f.poll_active);
	assert_int_equal(f.tx_interval_us, T100);
	struct bfd_packet p;
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.desired_min_tx_us, T300);
	assert_true(p.poll);
	rx(&f, BFD_STATE_UP, false, true, &o);
	assert_false(f.poll_active);
	assert_int_equal(o.tx_op, BFD_TIMER_START);
	assert_int_equal(o.tx_us, T300);
	/* Back to 100 ms: faster TX at once; the detection time keeps 300 ms RX until the
	 * Final. */
	struct bfd_fsm_config fast = cfg;
	struct bfd_fsm_event ev = {.type = BFD_EV_CONFIG, .config = &fast};
	bfd_fsm_step(&f, &ev, &o);
	assert_int_equal(o.tx_us, T100);
	rx(&f, BFD_STATE_UP, false, false, &o);
	assert_int_equal(o.detect_us, 900 * MS);
	rx(&f, BFD_STATE_UP, false, true, &o);
	rx(&f, BFD_STATE_UP, false, false, &o);
	assert_int_equal(o.detect_us, T300);
}

/* 6.8.16: AdminDown is sent at once and then on detect_mult more ticks, then no more. */
static void test_admin_down_burst(void **state)
{
	(void)state;
	struct bfd_fsm f;
	struct bfd_fsm_output o;
	setup(&f, S_UP);
	step(&f, BFD_EV_ADMIN_DOWN, NULL, &o);
	assert_true(o.send);
	struct bfd_packet p;
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.state, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(p.diag, BFD_DIAG_ADMIN_DOWN);
	int sent = 0;
	for (int i = 0; i < 10; i++) {
		step(&f, BFD_EV_TX_TIMER, NULL, &o);
		sent += o.send;
		if (o.tx_op == BFD_TIMER_STOP)
			break;
	}
	assert_int_equal(sent, 3);
	assert_int_equal(o.tx_op, BFD_TIMER_STOP);
	step(&f, BFD_EV_TX_TIMER, NULL, &o);
	assert_false(o.send);
	/* Enabled again: Down, slow start. */
	step(&f, BFD_EV_ENABLE, NULL, &o);
	assert_int_equal(o.new_state, BFD_STATE_DOWN);
	assert_int_equal(o.tx_op, BFD_TIMER_START);
	assert_int_equal(o.tx_us, SEC);
}

static void jitter_range(uint8_t mult, uint32_t *lo, uint32_t *hi)
{
	*lo = UINT32_MAX, *hi = 0;
	for (uint32_t r = 0; r < 5000; r++) {
		uint32_t v = bfd_fsm_jitter_us(T100, mult, r * 2654435761u);
		*lo = v < *lo ? v : *lo;
		*hi = v > *hi ? v : *hi;
	}
}

static void test_jitter(void **state)
{
	(void)state;
	uint32_t lo, hi;
	assert_int_equal(bfd_fsm_jitter_us(T100, 3, 0), T100);
	jitter_range(3, &lo, &hi);
	assert_true(lo >= 75 * MS && hi <= T100 && lo < 76 * MS && hi > 99 * MS);
	jitter_range(1, &lo, &hi);
	assert_true(lo >= 75 * MS && hi <= 90 * MS);
	assert_int_equal(bfd_fsm_jitter_us(1, 3, 1000), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_cell),
	    cmocka_unit_test(test_handshake_poll_final),
	    cmocka_unit_test(test_detection_time),
	    cmocka_unit_test(test_timer_change_waits_for_final),
	    cmocka_unit_test(test_admin_down_burst),
	    cmocka_unit_test(test_jitter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
