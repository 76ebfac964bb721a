/*
 * Two speakers that connect to each other at the same moment (RFC 4271 6.8), played with the
 * pure FSM and the helpers the driver uses (fsm.h, "the driver's part of collision handling"),
 * over a modelled network: a FIFO of messages and closes per connection. No timer ever fires
 * here, so a run that needs a ConnectRetry (the old cancel-on-accept in Connect, where each
 * side dropped the connection the other had just accepted) stalls and fails.
 *
 * Connection 1 is initiated by speaker A, connection 2 by speaker B. The interleaving that
 * broke: both are in Connect, and each accepts the other's connection before its own connect
 * completes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fsm_fmt.h"
#include "notify.h"

#define E(x) BGP_FSM_EV_##x

enum msg_type { M_OPEN, M_KEEPALIVE, M_NOTIFICATION, M_CLOSE };

struct inst {
	struct bgp_fsm fsm;
	int conn; /* 0 = none */
	bool live;
};

struct speaker {
	int self; /* 0 = A, 1 = B */
	uint32_t id, asn;
	struct inst primary, secondary;
	int connect_retry_started;
	int connects; /* CONNECT actions: new connections this speaker initiated */
};

struct msg {
	int to; /* speaker index */
	int conn;
	enum msg_type type;
};

struct net {
	struct speaker sp[2];
	struct msg q[256];
	size_t head, tail;
	bool closed[3][2]; /* [conn][speaker]: that side closed it */
	int prefer;	   /* -1: oldest first; 0/1: that speaker's oldest first */
};

static int own_conn(const struct speaker *s)
{
	return s->self + 1;
}

static void send(struct net *n, const struct speaker *s, int conn, enum msg_type t)
{
	if (!conn || n->closed[conn][s->self])
		return;
	assert_true(n->tail < sizeof(n->q) / sizeof(n->q[0]));
	n->q[n->tail++] = (struct msg){.to = 1 - s->self, .conn = conn, .type = t};
}

static void close_conn(struct net *n, struct speaker *s, struct inst *in)
{
	if (!in->conn || n->closed[in->conn][s->self])
		return;
	send(n, s, in->conn, M_CLOSE);
	n->closed[in->conn][s->self] = true;
	in->conn = 0;
}

/* perform(): what the driver does with the actions, as far as the other side can see. */
static void perform(struct net *n, struct speaker *s, struct inst *in,
		    const struct bgp_fsm_output *out)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const struct bgp_fsm_action *a = &out->actions[i];
		switch (a->type) {
		case BGP_FSM_ACT_SEND_OPEN:
			send(n, s, in->conn, M_OPEN);
			break;
		case BGP_FSM_ACT_SEND_KEEPALIVE:
			send(n, s, in->conn, M_KEEPALIVE);
			break;
		case BGP_FSM_ACT_SEND_NOTIFICATION:
			send(n, s, in->conn, M_NOTIFICATION);
			break;
		case BGP_FSM_ACT_CLOSE:
		case BGP_FSM_ACT_CANCEL_CONNECT:
			close_conn(n, s, in);
			break;
		case BGP_FSM_ACT_START_TIMER:
			if (a->timer == BGP_FSM_TIMER_CONNECT_RETRY)
				s->connect_retry_started++;
			break;
		case BGP_FSM_ACT_CONNECT:
			s->connects++;
			break;
		default:
			break;
		}
	}
}

/* peer_after(): drop a secondary below OpenSent, promote one that takes over. */
static void after(struct net *n, struct speaker *s)
{
	if (s->secondary.live && s->secondary.fsm.state < BGP_STATE_OPEN_SENT) {
		close_conn(n, s, &s->secondary);
		s->secondary.live = false;
	}
	if (s->secondary.live && bgp_fsm_secondary_takes_over(&s->primary.fsm, &s->secondary.fsm)) {
		bgp_fsm_adopt_peer_state(&s->secondary.fsm, &s->primary.fsm);
		close_conn(n, s, &s->primary);
		s->primary = s->secondary;
		s->secondary.live = false;
	}
}

static void feed(struct net *n, struct speaker *s, struct inst *in, struct bgp_fsm_event ev)
{
	struct bgp_fsm_output out;
	bgp_fsm_step(&in->fsm, &ev, &out);
	perform(n, s, in, &out);
	after(n, s);
}

static struct inst *holder(struct speaker *s, int conn)
{
	if (s->primary.live && s->primary.conn == conn)
		return &s->primary;
	if (s->secondary.live && s->secondary.conn == conn)
		return &s->secondary;
	return NULL;
}

/* bgp_peer_accept() */
static void accept_conn(struct net *n, struct speaker *s, int conn)
{
	switch (bgp_fsm_route_incoming(&s->primary.fsm, s->secondary.live, false)) {
	case BGP_FSM_INCOMING_TO_SECONDARY:
		bgp_fsm_init_secondary(&s->secondary.fsm, &s->primary.fsm);
		s->secondary.live = true;
		s->secondary.conn = conn;
		feed(n, s, &s->secondary,
		     (struct bgp_fsm_event){.type = E(TCP_CONNECTION_CONFIRMED)});
		return;
	case BGP_FSM_INCOMING_TO_PRIMARY:
		assert_int_equal(s->primary.conn, 0);
		s->primary.conn = conn;
		feed(n, s, &s->primary,
		     (struct bgp_fsm_event){.type = E(TCP_CONNECTION_CONFIRMED)});
		return;
	case BGP_FSM_INCOMING_REJECT:
		n->closed[conn][s->self] = true;
		send(n, s, conn, M_CLOSE);
		return;
	case BGP_FSM_INCOMING_PEER_RESTARTED:
		fail_msg("no graceful restart in these scenarios");
		return;
	}
}

/* handle_open(): the collision decision, then the OPEN. */
static void receive_open(struct net *n, struct speaker *s, struct inst *in, int conn)
{
	const struct speaker *peer = &n->sp[1 - s->self];
	struct bgp_fsm_event ev = {.type = E(BGP_OPEN),
				   .open = {.hold_time = 90, .bgp_id = peer->id}};
	struct inst *other = in == &s->primary ? &s->secondary : &s->primary;
	enum bgp_fsm_collision c = BGP_FSM_COLLISION_NONE;
	if (other->live)
		c = bgp_fsm_collision(&other->fsm, conn == own_conn(s), s->id, s->asn, peer->id,
				      peer->asn);
	switch (c) {
	case BGP_FSM_COLLISION_NONE:
	case BGP_FSM_COLLISION_PEER_DECIDES:
		feed(n, s, in, ev);
		break;
	case BGP_FSM_COLLISION_DUMP_THIS:
		feed(n, s, in, (struct bgp_fsm_event){.type = E(OPEN_COLLISION_DUMP)});
		break;
	case BGP_FSM_COLLISION_DUMP_OTHER:
		if (other == &s->primary) { /* in becomes the primary, other the secondary */
			bgp_fsm_adopt_peer_state(&in->fsm, &other->fsm);
			struct inst tmp = s->primary;
			s->primary = *in;
			s->secondary = tmp;
			in = &s->primary;
			other = &s->secondary;
		}
		feed(n, s, other, (struct bgp_fsm_event){.type = E(OPEN_COLLISION_DUMP)});
		feed(n, s, in, ev);
		break;
	}
}

static void deliver(struct net *n, const struct msg *m)
{
	struct speaker *s = &n->sp[m->to];
	struct inst *in = holder(s, m->conn);
	if (!in || n->closed[m->conn][s->self])
		return; /* its connection is gone on this side: nothing arrives */
	switch (m->type) {
	case M_OPEN:
		receive_open(n, s, in, m->conn);
		break;
	case M_KEEPALIVE: { /* peer_collision_keepalive() */
		struct inst *other = in == &s->primary ? &s->secondary : &s->primary;
		if (other->live && bgp_fsm_collision_confirmed(&in->fsm, &other->fsm))
			feed(n, s, other, (struct bgp_fsm_event){.type = E(OPEN_COLLISION_DUMP)});
		in = holder(s, m->conn); /* the dump may have promoted it */
		feed(n, s, in, (struct bgp_fsm_event){.type = E(KEEPALIVE_MSG)});
		break;
	}
	case M_NOTIFICATION:
		feed(n, s, in,
		     (struct bgp_fsm_event){.type = E(NOTIF_MSG),
					    .notify = {.code = 6, .subcode = 7}});
		break;
	case M_CLOSE:
		n->closed[m->conn][s->self] = true;
		in->conn = 0;
		feed(n, s, in, (struct bgp_fsm_event){.type = E(TCP_CONNECTION_FAILS)});
		break;
	}
}

/* Oldest first, or the preferred speaker's oldest first: either way each connection
 * delivers in order in each direction, as TCP does. */
static void run(struct net *n)
{
	for (int guard = 0; n->head < n->tail; guard++) {
		assert_true(guard < 200);
		size_t pick = n->head;
		for (size_t i = n->head; n->prefer >= 0 && i < n->tail; i++) {
			if (n->q[i].to == n->prefer) {
				pick = i;
				break;
			}
		}
		struct msg m = n->q[pick];
		memmove(&n->q[pick], &n->q[pick + 1], (n->tail - pick - 1) * sizeof(m));
		n->tail--;
		deliver(n, &m);
	}
}

static void play(uint32_t id_a, uint32_t id_b, int prefer)
{
	struct net n;
	memset(&n, 0, sizeof(n));
	n.prefer = prefer;
	struct bgp_fsm_config c = fsm_test_config();
	uint32_t ids[2] = {id_a, id_b};
	for (int i = 0; i < 2; i++) {
		struct speaker *s = &n.sp[i];
		s->self = i;
		s->id = ids[i];
		s->asn = 65001 + (uint32_t)i;
		bgp_fsm_init(&s->primary.fsm, &c);
		s->primary.live = true;
		feed(&n, s, &s->primary, (struct bgp_fsm_event){.type = E(MANUAL_START)});
		assert_int_equal(s->primary.fsm.state, BGP_STATE_CONNECT);
		s->primary.conn = own_conn(s); /* the attempt in progress */
	}
	/* Each accepts the other's connection before its own connect completes. */
	accept_conn(&n, &n.sp[0], 2);
	accept_conn(&n, &n.sp[1], 1);
	for (int i = 0; i < 2; i++) {
		struct speaker *s = &n.sp[i];
		assert_int_equal(s->primary.fsm.state, BGP_STATE_CONNECT); /* attempt kept */
		assert_int_equal(s->primary.conn, own_conn(s));
		feed(&n, s, &s->primary, (struct bgp_fsm_event){.type = E(TCP_CR_ACKED)});
	}
	run(&n);

	/* 6.8: both keep the connection the higher identifier initiated, with no timer. */
	int kept = id_a > id_b ? 1 : 2;
	for (int i = 0; i < 2; i++) {
		struct speaker *s = &n.sp[i];
		assert_int_equal(s->primary.fsm.state, BGP_STATE_ESTABLISHED);
		assert_int_equal(s->primary.conn, kept);
		assert_false(s->secondary.live);
		assert_int_equal(s->connect_retry_started, 1); /* only the first, at start */
		assert_true(n.closed[3 - kept][i]);
		assert_false(n.closed[kept][i]);
	}
}

static void test_simultaneous_open_a_higher(void **state)
{
	(void)state;
	for (int prefer = -1; prefer <= 1; prefer++)
		play(0x0a000002, 0x0a000001, prefer);
}

static void test_simultaneous_open_b_higher(void **state)
{
	(void)state;
	for (int prefer = -1; prefer <= 1; prefer++)
		play(0x0a000001, 0x0a000002, prefer);
}

/* Delivers the oldest queued message to speaker `to` on connection `conn`. */
static void deliver_one(struct net *n, int to, int conn)
{
	for (size_t i = n->head; i < n->tail; i++) {
		if (n->q[i].to == to && n->q[i].conn == conn) {
			struct msg m = n->q[i];
			memmove(&n->q[i], &n->q[i + 1], (n->tail - i - 1) * sizeof(m));
			n->tail--;
			deliver(n, &m);
			return;
		}
	}
	fail_msg("nothing queued to %d on connection %d", to, conn);
}

/*
 * The interleaving the BIRD test (tests/sessions/test_collision.py) hit once both SYNs were
 * forced to cross: A (lower identifier) goes Established on its own connection 1 before B's
 * OPEN on connection 2 arrives, while B, still in OpenConfirm on 1 when A's OPEN on 2 came,
 * chose 2 by the identifiers and dumped 1. Dumping 2 as well ("Established wins") left no
 * connection at all until a ConnectRetry. `keepalive_first`: B's KEEPALIVE on 2 reaches A
 * before B's NOTIFICATION on 1 (the connections are independent), else after it.
 */
static void play_established_race(bool keepalive_first)
{
	struct net n;
	memset(&n, 0, sizeof(n));
	n.prefer = -1;
	struct bgp_fsm_config c = fsm_test_config();
	struct speaker *a = &n.sp[0], *b = &n.sp[1];
	for (int i = 0; i < 2; i++) {
		struct speaker *s = &n.sp[i];
		s->self = i;
		s->id = i == 0 ? 0x0a000001 : 0x0a000002;
		s->asn = 65001 + (uint32_t)i;
		bgp_fsm_init(&s->primary.fsm, &c);
		s->primary.live = true;
		feed(&n, s, &s->primary, (struct bgp_fsm_event){.type = E(MANUAL_START)});
		s->primary.conn = own_conn(s);
	}
	/* A: its connect completes, then it accepts B's; B accepts A's, its own connect is
	 * slower. */
	feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(TCP_CR_ACKED)});
	accept_conn(&n, a, 2);
	accept_conn(&n, b, 1);
	deliver_one(&n, 1, 1); /* B: A's OPEN on 1 -> OpenConfirm, KEEPALIVE on 1 */
	feed(&n, b, &b->primary, (struct bgp_fsm_event){.type = E(TCP_CR_ACKED)}); /* OPEN on 2 */
	deliver_one(&n, 1, 2); /* B: A's OPEN on 2, 1 in OpenConfirm: keeps 2, dumps 1 */
	assert_int_equal(b->primary.conn, 2);
	deliver_one(&n, 0, 1); /* A: B's OPEN on 1 -> OpenConfirm */
	deliver_one(&n, 0, 1); /* A: B's KEEPALIVE on 1 -> Established on 1 */
	assert_int_equal(a->primary.fsm.state, BGP_STATE_ESTABLISHED);
	assert_int_equal(a->primary.conn, 1);
	deliver_one(&n, 0, 2); /* A: B's OPEN on 2 beside Established 1: the peer decides */
	assert_true(a->secondary.live);
	assert_int_equal(a->secondary.fsm.state, BGP_STATE_OPEN_CONFIRM);
	if (keepalive_first)
		deliver_one(&n, 0, 2); /* B's KEEPALIVE on 2: A dumps 1 itself */
	run(&n);
	for (int i = 0; i < 2; i++) {
		struct speaker *s = &n.sp[i];
		assert_int_equal(s->primary.fsm.state, BGP_STATE_ESTABLISHED);
		assert_int_equal(s->primary.conn, 2);
		assert_false(s->secondary.live);
		assert_int_equal(s->connect_retry_started, 1); /* only the first, at start */
		assert_true(n.closed[1][i]);
	}
}

static void test_established_race(void **state)
{
	(void)state;
	play_established_race(false);
	play_established_race(true);
}

/* Our attempt fails (no listener there) after the peer's connection was accepted: the
 * accepted one takes over at once, with no ConnectRetry. */
static void test_attempt_fails_after_accept(void **state)
{
	(void)state;
	struct bgp_fsm p, s;
	struct bgp_fsm_output out;
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(&p, &c);
	fsm_feed(&p, E(MANUAL_START), &out);
	assert_int_equal(bgp_fsm_route_incoming(&p, false, false), BGP_FSM_INCOMING_TO_SECONDARY);
	bgp_fsm_init_secondary(&s, &p);
	fsm_feed(&s, E(TCP_CONNECTION_CONFIRMED), &out);
	assert_false(bgp_fsm_secondary_takes_over(&p, &s)); /* the attempt may still win */
	fsm_feed(&p, E(TCP_CONNECTION_FAILS), &out);
	assert_int_equal(p.state, BGP_STATE_ACTIVE);
	assert_true(bgp_fsm_secondary_takes_over(&p, &s));
}

/*
 * The interleaving sessions_lifecycle's hard reset hit against BIRD once graceful restart
 * was negotiated: A resets the Established session on connection 1 (ManualStop with Cease
 * / Administrative Reset, then ManualStart at once, as bgp_peer_reset does). A new
 * connection from A reached B before B had read the Cease on 1, and B, GR-capable, took it
 * for A's restart (RFC 4724 4.2): it dropped 1 without reading it, so the reset was never
 * seen there. Modelled B: a connection A initiates while B is Established on 1 with the
 * Cease still queued is such a restart. A must not initiate one until B read the Cease;
 * B's reconnect is accepted, else A connects when its ConnectRetryTimer expires.
 */
static void play_reset(bool peer_reconnects)
{
	struct net n;
	memset(&n, 0, sizeof(n));
	n.prefer = -1;
	struct speaker *a = &n.sp[0], *b = &n.sp[1];
	for (int i = 0; i < 2; i++) {
		struct bgp_fsm_config c = fsm_test_config();
		c.passive = i == 1; /* only A connects: one connection, no collision */
		struct speaker *s = &n.sp[i];
		s->self = i;
		s->id = 0x0a000001 + (uint32_t)i;
		s->asn = 65001 + (uint32_t)i;
		bgp_fsm_init(&s->primary.fsm, &c);
		s->primary.live = true;
		feed(&n, s, &s->primary, (struct bgp_fsm_event){.type = E(MANUAL_START)});
	}
	a->primary.conn = 1;
	feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(TCP_CR_ACKED)});
	accept_conn(&n, b, 1);
	run(&n);
	assert_int_equal(a->primary.fsm.state, BGP_STATE_ESTABLISHED);
	assert_int_equal(b->primary.fsm.state, BGP_STATE_ESTABLISHED);
	assert_int_equal(a->connects, 1);

	feed(&n, a, &a->primary,
	     (struct bgp_fsm_event){.type = E(MANUAL_STOP),
				    .stop = {.subcode = BGP_SUBERR_CEASE_ADMIN_RESET}});
	feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(MANUAL_START)});
	assert_int_equal(b->primary.fsm.state, BGP_STATE_ESTABLISHED); /* Cease still queued */
	assert_int_equal(a->connects, 1); /* nothing B could take for a restart */
	assert_int_equal(a->primary.fsm.state, BGP_STATE_ACTIVE);
	assert_true(a->primary.fsm.timers_running & (1u << BGP_FSM_TIMER_CONNECT_RETRY));

	run(&n); /* B reads the Cease on 1 */
	assert_int_equal(b->primary.fsm.state, BGP_STATE_IDLE);
	feed(&n, b, &b->primary, (struct bgp_fsm_event){.type = E(IDLE_HOLD_TIMER_EXPIRES)});
	if (peer_reconnects) {
		/* B reconnects on 2 after it read the Cease (B is passive only so that the
		 * first session had one connection; its connect completing is Tcp_CR_Acked). */
		accept_conn(&n, a, 2);
		b->primary.conn = 2;
		feed(&n, b, &b->primary, (struct bgp_fsm_event){.type = E(TCP_CR_ACKED)});
	} else {
		feed(&n, a, &a->primary,
		     (struct bgp_fsm_event){.type = E(CONNECT_RETRY_TIMER_EXPIRES)});
		assert_int_equal(a->connects, 2);
		a->primary.conn = 2;
		feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(TCP_CR_ACKED)});
		accept_conn(&n, b, 2);
	}
	run(&n);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n.sp[i].primary.fsm.state, BGP_STATE_ESTABLISHED);
		assert_int_equal(n.sp[i].primary.conn, 2);
	}
	/* A reset that sent nothing (no session yet) connects again at once. */
	feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(TCP_CONNECTION_FAILS)});
	assert_int_equal(a->primary.fsm.state, BGP_STATE_IDLE);
	feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(IDLE_HOLD_TIMER_EXPIRES)});
	assert_int_equal(a->primary.fsm.state, BGP_STATE_CONNECT);
	int before = a->connects;
	feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(MANUAL_STOP)});
	feed(&n, a, &a->primary, (struct bgp_fsm_event){.type = E(MANUAL_START)});
	assert_int_equal(a->primary.fsm.state, BGP_STATE_CONNECT);
	assert_int_equal(a->connects, before + 1);
}

static void test_reset_waits_for_cease_read(void **state)
{
	(void)state;
	play_reset(true);
	play_reset(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simultaneous_open_a_higher),
	    cmocka_unit_test(test_simultaneous_open_b_higher),
	    cmocka_unit_test(test_attempt_fails_after_accept),
	    cmocka_unit_test(test_established_race),
	    cmocka_unit_test(test_reset_waits_for_cease_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
