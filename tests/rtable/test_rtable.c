/* The route table's decisions, one rule a test (bgp/rtable.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rtable.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct fib_connected LAN[] = {
    {.prefix = IP(10, 0, 0, 0), .len = 24, .addr = IP(10, 0, 0, 1), .ifindex = 2, .ifname = "dc0"},
    {.prefix = IP(172, 16, 0, 0), .len = 16, .addr = IP(172, 16, 0, 1), .ifindex = 3,
     .ifname = "vpc0"},
};

static void setup(struct rtable *rt, bool fib)
{
	rtable_init(rt, fib);
	assert_int_equal(rtable_set_connected(rt, LAN, 2), 0);
}

static void test_static_wins_over_bgp(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	struct rtable_static st = {7, IP(192, 168, 10, 0), 24, IP(172, 16, 0, 9)};
	assert_int_equal(rtable_static_add(&rt, &st), 0);
	struct rtable_bgp bgp = {IP(10, 0, 0, 2), 42};
	struct rtable_want w;
	rtable_choose(&rt, st.prefix, st.len, &bgp, &w);
	assert_true(w.install);
	assert_int_equal(w.source, BGP_ROUTE_SOURCE_STATIC);
	assert_int_equal(w.gateway, IP(172, 16, 0, 9));
	assert_int_equal(w.ifindex, 3);
	struct bgp_route_entry_view v;
	rtable_view_bgp(&rt, st.prefix, st.len, &bgp, &v);
	assert_false(v.installed);
	assert_non_null(strstr(v.status_reason, "static route entry"));
	assert_int_equal(v.peer_id, 42);
	/* The same prefix twice, or the same handle twice, is refused. */
	struct rtable_static again = {8, st.prefix, st.len, IP(172, 16, 0, 8)};
	assert_int_equal(rtable_static_add(&rt, &again), -EEXIST);
	again.id = 7;
	again.prefix = IP(192, 168, 11, 0);
	assert_int_equal(rtable_static_add(&rt, &again), -EEXIST);
	rtable_free(&rt);
}

static void test_static_unreachable_lets_bgp_in(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	struct rtable_static st = {7, IP(192, 168, 10, 0), 24, IP(10, 9, 9, 9)};
	assert_int_equal(rtable_static_add(&rt, &st), 0);
	struct rtable_bgp bgp = {IP(10, 0, 0, 2), 42};
	struct rtable_want w;
	rtable_choose(&rt, st.prefix, st.len, &bgp, &w);
	assert_true(w.install);
	assert_int_equal(w.source, BGP_ROUTE_SOURCE_BGP);
	struct bgp_route_entry_view v;
	rtable_view_static(&rt, rtable_static_at(&rt, st.prefix, st.len), &bgp, &v);
	assert_false(v.installed);
	assert_string_equal(v.status_reason, "next hop 10.9.9.9 is not on a connected network");
	rtable_free(&rt);
}

static void test_next_hop_resolution(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	assert_ptr_equal(rtable_resolve(&rt, IP(10, 0, 0, 2)), &rt.connected[0]);
	assert_ptr_equal(rtable_resolve(&rt, IP(172, 16, 200, 1)), &rt.connected[1]);
	assert_null(rtable_resolve(&rt, IP(10, 0, 1, 2)));
	assert_null(rtable_resolve(&rt, IP(10, 0, 0, 1))); /* our own address */
	struct rtable_bgp own = {IP(10, 0, 0, 1), 1};
	struct bgp_route_entry_view v;
	rtable_view_bgp(&rt, IP(198, 51, 100, 0), 24, &own, &v);
	assert_false(v.installed);
	assert_string_equal(v.status_reason, "next hop 10.0.0.1 is this router's own address (dc0)");
	/* The kernel's own route for an interface network is never replaced. */
	struct rtable_bgp bgp = {IP(10, 0, 0, 2), 1};
	struct rtable_want w;
	rtable_choose(&rt, IP(172, 16, 0, 0), 16, &bgp, &w);
	assert_false(w.install);
	rtable_view_bgp(&rt, IP(172, 16, 0, 0), 16, &bgp, &v);
	assert_non_null(strstr(v.status_reason, "connected network of vpc0"));
	/* The interface goes: its next hops no longer resolve. */
	assert_int_equal(rtable_set_connected(&rt, LAN + 1, 1), 0);
	rtable_choose(&rt, IP(198, 51, 100, 0), 24, &bgp, &w);
	assert_false(w.install);
	rtable_free(&rt);
}

static void test_writes_for_changes(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	uint32_t p = IP(198, 51, 100, 0);
	struct rtable_bgp a = {IP(10, 0, 0, 2), 1}, b = {IP(10, 0, 0, 3), 2};
	struct rtable_want none = {0}, wa, wb;
	struct fib_op op;
	rtable_choose(&rt, p, 24, &a, &wa);
	assert_true(rtable_op(p, 24, &none, &wa, &op));
	assert_int_equal(op.kind, FIB_OP_ADD); /* nothing of ours there: never a replace */
	assert_int_equal(op.protocol, FIB_PROTO_BGP);
	assert_int_equal(op.gateway, IP(10, 0, 0, 2));
	assert_false(rtable_op(p, 24, &wa, &wa, &op)); /* nothing changed: no write */
	rtable_choose(&rt, p, 24, &b, &wb);
	assert_true(rtable_op(p, 24, &wa, &wb, &op)); /* the best path moved */
	assert_int_equal(op.kind, FIB_OP_REPLACE);
	assert_int_equal(op.gateway, IP(10, 0, 0, 3));
	assert_true(rtable_op(p, 24, &wb, &none, &op)); /* withdrawn */
	assert_int_equal(op.kind, FIB_OP_DELETE);
	assert_int_equal(op.protocol, FIB_PROTO_BGP); /* the delete names our protocol */
	rtable_free(&rt);
}

static void test_fib_off(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, false);
	struct rtable_bgp a = {IP(10, 0, 0, 2), 1};
	struct rtable_want w;
	rtable_choose(&rt, IP(198, 51, 100, 0), 24, &a, &w);
	assert_false(w.install);
	struct bgp_route_entry_view v;
	rtable_view_bgp(&rt, IP(198, 51, 100, 0), 24, &a, &v);
	assert_false(v.installed);
	assert_string_equal(v.status_reason, "FIB programming is off (--fib off)");
	rtable_free(&rt);
}

static void test_results(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	uint32_t p = IP(198, 51, 100, 0);
	struct rtable_bgp a = {IP(10, 0, 0, 2), 1}, b = {IP(10, 0, 0, 3), 2};
	struct rtable_want was, wa, wb;
	struct fib_op opa, opb;
	struct bgp_route_entry_view v;
	rtable_submitted(&rt, p, 24, &was);
	assert_false(was.install);
	rtable_choose(&rt, p, 24, &a, &wa);
	assert_true(rtable_op(p, 24, &was, &wa, &opa));
	assert_int_equal(rtable_submit(&rt, &opa), 0);
	rtable_view_bgp(&rt, p, 24, &a, &v);
	assert_false(v.installed);
	assert_string_equal(v.status_reason, "being written to the kernel FIB");
	/* A second write before the first is answered: the first answer is not final. */
	rtable_submitted(&rt, p, 24, &was);
	assert_true(was.install);
	rtable_choose(&rt, p, 24, &b, &wb);
	assert_true(rtable_op(p, 24, &was, &wb, &opb));
	assert_int_equal(rtable_submit(&rt, &opb), 0);
	assert_false(rtable_result(&rt, &(struct fib_result){opa, 0}));
	assert_true(rtable_result(&rt, &(struct fib_result){opb, 0}));
	rtable_view_bgp(&rt, p, 24, &b, &v);
	assert_true(v.installed);
	assert_string_equal(v.status_reason, "");
	assert_int_equal(rt.kernel_count[1], 1);
	/* The kernel refuses: the reason is its errno. */
	struct fib_op del = {.kind = FIB_OP_DELETE, .prefix = p, .len = 24,
			     .protocol = FIB_PROTO_BGP};
	struct fib_op bad = opb;
	bad.gateway = IP(10, 0, 0, 4);
	assert_int_equal(rtable_submit(&rt, &bad), 0);
	assert_true(rtable_result(&rt, &(struct fib_result){bad, -ENETUNREACH}));
	struct rtable_bgp c = {IP(10, 0, 0, 4), 3};
	rtable_view_bgp(&rt, p, 24, &c, &v);
	assert_false(v.installed);
	assert_string_equal(v.status_reason, "the kernel refused the route: Network is unreachable");
	assert_int_equal(rtable_submit(&rt, &del), 0);
	assert_true(rtable_result(&rt, &(struct fib_result){del, 0}));
	assert_int_equal(rt.kernel_count[1], 0);
	/* Without CAP_NET_ADMIN: every chosen entry says so. */
	assert_int_equal(rtable_submit(&rt, &opa), 0);
	assert_true(rtable_result(&rt, &(struct fib_result){opa, -EPERM}));
	assert_false(rt.permitted);
	rtable_view_bgp(&rt, p, 24, &a, &v);
	assert_non_null(strstr(v.status_reason, "CAP_NET_ADMIN"));
	rtable_free(&rt);
}

/* A route at vbrd's prefix and metric that is not vbrd's (added by hand): the add is refused
 * (EEXIST), the entry says so, and the next write is an add again, never a replace. */
static void test_foreign_route_left_alone(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	uint32_t p = IP(198, 51, 100, 0);
	struct rtable_bgp a = {IP(10, 0, 0, 2), 1};
	struct rtable_want was, now;
	struct fib_op op;
	struct bgp_route_entry_view v;
	rtable_submitted(&rt, p, 24, &was);
	rtable_choose(&rt, p, 24, &a, &now);
	assert_true(rtable_op(p, 24, &was, &now, &op));
	assert_int_equal(op.kind, FIB_OP_ADD);
	assert_int_equal(rtable_submit(&rt, &op), 0);
	assert_true(rtable_result(&rt, &(struct fib_result){op, -EEXIST}));
	rtable_view_bgp(&rt, p, 24, &a, &v);
	assert_false(v.installed);
	assert_non_null(strstr(v.status_reason, "not vbrd's"));
	rtable_submitted(&rt, p, 24, &was);
	assert_false(was.install);
	assert_int_equal(rt.kernel_count[1], 0);
	rtable_free(&rt);
}

static void test_leftovers(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	uint32_t p = IP(198, 51, 100, 0);
	assert_int_equal(rtable_kernel_set(&rt, p, 24, FIB_PROTO_BGP, IP(10, 0, 0, 2), true), 0);
	assert_int_equal(rt.stale_count, 1);
	/* Learned again with the same next hop: written again (once), no longer stale. */
	struct rtable_bgp a = {IP(10, 0, 0, 2), 1};
	struct rtable_want was, now;
	struct fib_op op;
	rtable_submitted(&rt, p, 24, &was);
	assert_true(was.install);
	rtable_choose(&rt, p, 24, &a, &now);
	assert_true(rtable_op(p, 24, &was, &now, &op));
	assert_int_equal(rtable_submit(&rt, &op), 0);
	assert_true(rtable_result(&rt, &(struct fib_result){op, 0}));
	assert_int_equal(rt.stale_count, 0);
	assert_int_equal(rt.kernel_count[1], 1);
	rtable_free(&rt);
}

/* Read back after someone else touched the table: what vbrd has there and the kernel no
 * longer holds as vbrd's (gone, or another gateway / protocol) is forgotten and returned, so
 * it is written again; a prefix with a write in flight is left to that write. */
static void test_kernel_missing(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	const uint32_t a = IP(198, 51, 100, 0), b = IP(203, 0, 113, 0), c = IP(192, 0, 2, 0),
		       d = IP(192, 0, 2, 128), gw = IP(10, 0, 0, 2);
	assert_int_equal(rtable_kernel_set(&rt, a, 24, FIB_PROTO_BGP, gw, false), 0);
	assert_int_equal(rtable_kernel_set(&rt, b, 24, FIB_PROTO_STATIC, gw, false), 0);
	assert_int_equal(rtable_kernel_set(&rt, c, 25, FIB_PROTO_BGP, gw, false), 0);
	assert_int_equal(rtable_kernel_set(&rt, d, 25, FIB_PROTO_BGP, gw, false), 0);
	/* d is being deleted by vbrd itself. */
	struct fib_op del = {.kind = FIB_OP_DELETE, .prefix = d, .len = 25,
			     .protocol = FIB_PROTO_BGP};
	assert_int_equal(rtable_submit(&rt, &del), 0);
	/* The kernel still holds a; b now as BGP (not vbrd's static); c and d are gone. As
	 * the writer posts a read-back: in fib_route_cmp order. */
	struct fib_route now[] = {
	    {.prefix = a, .len = 24, .protocol = FIB_PROTO_BGP, .gateway = gw},
	    {.prefix = b, .len = 24, .protocol = FIB_PROTO_BGP, .gateway = gw},
	};
	assert_true(fib_route_cmp(&now[0], &now[1]) < 0);
	struct fib_route gone[4];
	assert_int_equal(rtable_kernel_missing(&rt, now, 2, gone, 4), 2);
	assert_int_equal(gone[0].prefix, c); /* in (prefix, len) order */
	assert_int_equal(gone[0].protocol, FIB_PROTO_BGP);
	assert_int_equal(gone[1].prefix, b);
	assert_int_equal(gone[1].protocol, FIB_PROTO_STATIC);
	assert_null(rib_table_find(&rt.kernel, b, 24));
	assert_null(rib_table_find(&rt.kernel, c, 25));
	assert_non_null(rib_table_find(&rt.kernel, a, 24));
	assert_non_null(rib_table_find(&rt.kernel, d, 25));
	assert_int_equal(rt.kernel_count[0] + rt.kernel_count[1], 2);
	/* Nothing more the second time; an empty kernel with a bound of 1 returns one. */
	assert_int_equal(rtable_kernel_missing(&rt, now, 2, gone, 4), 0);
	assert_int_equal(rtable_kernel_missing(&rt, NULL, 0, gone, 1), 1);
	assert_int_equal(gone[0].prefix, a);
	rtable_free(&rt);
}

/* A route event that may have taken vbrd's route: it did when it deletes that very route
 * (protocol, gateway) or puts another protocol's there, and no write of vbrd's is in flight
 * for the prefix (its own delete's event arrives after its result, or while a later write
 * is pending). */
static void test_kernel_taken(void **state)
{
	(void)state;
	struct rtable rt;
	setup(&rt, true);
	const uint32_t a = IP(198, 51, 100, 0), gw = IP(10, 0, 0, 2);
	assert_int_equal(rtable_kernel_set(&rt, a, 24, FIB_PROTO_BGP, gw, false), 0);
	struct fib_route del_other_gw = {.prefix = a, .len = 24, .protocol = FIB_PROTO_BGP,
					 .removed = true, .gateway = IP(10, 0, 0, 9)};
	struct fib_route del_static = {.prefix = a, .len = 24, .protocol = FIB_PROTO_STATIC,
				       .removed = true, .gateway = gw};
	struct fib_route elsewhere = {.prefix = IP(203, 0, 113, 0), .len = 24,
				      .protocol = FIB_PROTO_BGP, .removed = true, .gateway = gw};
	struct fib_route own_add = {.prefix = a, .len = 24, .protocol = FIB_PROTO_BGP,
				    .gateway = gw};
	assert_false(rtable_kernel_taken(&rt, &del_other_gw));
	assert_false(rtable_kernel_taken(&rt, &del_static));
	assert_false(rtable_kernel_taken(&rt, &elsewhere));
	assert_false(rtable_kernel_taken(&rt, &own_add));
	struct fib_op add = {.kind = FIB_OP_REPLACE, .prefix = a, .len = 24,
			     .protocol = FIB_PROTO_BGP, .gateway = gw};
	assert_int_equal(rtable_submit(&rt, &add), 0);
	struct fib_route del = {.prefix = a, .len = 24, .protocol = FIB_PROTO_BGP, .removed = true,
				.gateway = gw};
	assert_false(rtable_kernel_taken(&rt, &del)); /* in flight: its result decides */
	assert_true(rtable_result(&rt, &(struct fib_result){add, 0}));
	assert_true(rtable_kernel_taken(&rt, &del));
	assert_null(rib_table_find(&rt.kernel, a, 24));
	assert_false(rtable_kernel_taken(&rt, &del)); /* once */
	/* Someone else's route (boot) put at our metric. */
	assert_int_equal(rtable_kernel_set(&rt, a, 24, FIB_PROTO_STATIC, gw, false), 0);
	struct fib_route theirs = {.prefix = a, .len = 24, .protocol = 3 /* boot */};
	assert_true(rtable_kernel_taken(&rt, &theirs));
	assert_int_equal(rt.kernel_count[0] + rt.kernel_count[1], 0);
	/* vbrd's add is refused for it (EEXIST); when it leaves, the prefix is decided again. */
	struct fib_op add2 = {.kind = FIB_OP_ADD, .prefix = a, .len = 24,
			      .protocol = FIB_PROTO_STATIC, .gateway = gw};
	assert_int_equal(rtable_submit(&rt, &add2), 0);
	struct fib_route theirs_gone = theirs;
	theirs_gone.removed = true;
	assert_false(rtable_prefix_freed(&rt, &theirs_gone)); /* the add is in flight */
	assert_true(rtable_result(&rt, &(struct fib_result){add2, -EEXIST}));
	assert_false(rtable_kernel_taken(&rt, &theirs_gone));
	assert_true(rtable_prefix_freed(&rt, &theirs_gone));
	assert_false(rtable_prefix_freed(&rt, &theirs)); /* theirs arriving frees nothing */
	assert_false(rtable_prefix_freed(&rt, &del));	 /* nor does one of ours leaving */
	rtable_free(&rt);
}

static void test_order(void **state)
{
	(void)state;
	assert_true(rtable_key_cmp(IP(10, 0, 0, 0), 8, IP(10, 0, 0, 0), 24) < 0);
	assert_true(rtable_key_cmp(IP(10, 0, 0, 0), 24, IP(10, 0, 1, 0), 24) < 0);
	assert_int_equal(rtable_key_cmp(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 0), 24), 0);
	struct rtable rt;
	setup(&rt, true);
	struct rtable_static s1 = {1, IP(192, 168, 2, 0), 24, IP(10, 0, 0, 2)};
	struct rtable_static s2 = {2, IP(192, 168, 1, 0), 24, IP(10, 0, 0, 2)};
	assert_int_equal(rtable_static_add(&rt, &s1), 0);
	assert_int_equal(rtable_static_add(&rt, &s2), 0);
	assert_int_equal(rt.statics[0].id, 2);
	assert_int_equal(rtable_static_lower_bound(&rt, IP(192, 168, 2, 0), 24), 1);
	struct rtable_static gone;
	assert_int_equal(rtable_static_remove(&rt, 2, &gone), 0);
	assert_int_equal(gone.prefix, IP(192, 168, 1, 0));
	assert_int_equal(rtable_static_remove(&rt, 2, &gone), -ENOENT);
	rtable_free(&rt);
}

struct diff_seen {
	char text[128];
};

static void note_change(void *arg, const struct fib_connected *c, bool added)
{
	struct diff_seen *d = arg;
	size_t n = strlen(d->text);
	snprintf(d->text + n, sizeof(d->text) - n, "%c%s/%u ", added ? '+' : '-', c->ifname,
		 (unsigned)c->len);
}

/* The networks that came and went between two dumps, and only those (route events). */
static void test_connected_diff(void **state)
{
	(void)state;
	const struct fib_connected moved[] = {
	    {.prefix = IP(10, 0, 0, 0), .len = 24, .addr = IP(10, 0, 0, 1), .ifindex = 2,
	     .ifname = "dc0"},
	    {.prefix = IP(10, 9, 0, 0), .len = 24, .addr = IP(10, 9, 0, 1), .ifindex = 4,
	     .ifname = "new0"},
	    {.prefix = IP(172, 16, 0, 0), .len = 16, .addr = IP(172, 16, 0, 1), .ifindex = 5,
	     .ifname = "vpc1"},
	};
	struct diff_seen d = {""};
	rtable_connected_diff(LAN, 2, moved, 3, note_change, &d);
	assert_string_equal(d.text, "+new0/24 -vpc0/16 +vpc1/16 ");
	struct diff_seen same = {""};
	rtable_connected_diff(LAN, 2, LAN, 2, note_change, &same);
	assert_string_equal(same.text, "");
	struct diff_seen gone = {""};
	rtable_connected_diff(LAN, 2, NULL, 0, note_change, &gone);
	assert_string_equal(gone.text, "-dc0/24 -vpc0/16 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_static_wins_over_bgp),
	    cmocka_unit_test(test_static_unreachable_lets_bgp_in),
	    cmocka_unit_test(test_next_hop_resolution),
	    cmocka_unit_test(test_writes_for_changes),
	    cmocka_unit_test(test_fib_off),
	    cmocka_unit_test(test_results),
	    cmocka_unit_test(test_foreign_route_left_alone),
	    cmocka_unit_test(test_leftovers),
	    cmocka_unit_test(test_kernel_missing),
	    cmocka_unit_test(test_kernel_taken),
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_connected_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
