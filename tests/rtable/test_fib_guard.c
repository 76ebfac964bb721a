/*
 * fib_guard (bgp/fib_guard.c) alone: the kind each kernel write goes as, so vbrd never
 * overwrites a route that is not its own, and the datagram runs that keep two writes for one
 * prefix apart.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fib_guard.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct fib_op op(enum fib_op_kind kind, uint32_t prefix, uint32_t gw)
{
	return (struct fib_op){.kind = kind, .prefix = prefix, .len = 24,
			       .protocol = FIB_PROTO_BGP, .gateway = gw};
}

/* The loop adds where it has heard of nothing; vbrd's route from the earlier run is there. */
static void test_add_over_own_leftover_is_a_replace(void **state)
{
	(void)state;
	struct fib_guard g;
	assert_int_equal(fib_guard_init(&g), 0);
	struct fib_route left = {.prefix = IP(198, 51, 100, 0), .len = 24,
				 .protocol = FIB_PROTO_STATIC, .gateway = IP(10, 0, 0, 2)};
	assert_int_equal(fib_guard_found(&g, &left, 1), 0);
	struct fib_op w[2] = {op(FIB_OP_ADD, IP(198, 51, 100, 0), IP(10, 0, 0, 3)),
			      op(FIB_OP_ADD, IP(198, 51, 101, 0), IP(10, 0, 0, 3))};
	fib_guard_adjust(&g, w, 2);
	assert_int_equal(w[0].kind, FIB_OP_REPLACE);
	assert_int_equal(w[1].kind, FIB_OP_ADD); /* nothing of ours there */
	/* Deleted: no longer ours, so a later add stays an add. */
	struct fib_op del = op(FIB_OP_DELETE, IP(198, 51, 100, 0), 0);
	int ok = 0;
	fib_guard_learn(&g, &del, &ok, 1);
	struct fib_op again = op(FIB_OP_ADD, IP(198, 51, 100, 0), IP(10, 0, 0, 3));
	fib_guard_adjust(&g, &again, 1);
	assert_int_equal(again.kind, FIB_OP_ADD);
	fib_guard_free(&g);
}

/* The kernel refused the add (someone else's route): a replace sent before the loop heard of
 * it goes as an add, until an add of ours succeeds. */
static void test_replace_after_refused_add_is_an_add(void **state)
{
	(void)state;
	struct fib_guard g;
	assert_int_equal(fib_guard_init(&g), 0);
	uint32_t p = IP(192, 168, 21, 0);
	struct fib_op add = op(FIB_OP_ADD, p, IP(10, 0, 0, 2));
	int eexist = -EEXIST, ok = 0;
	fib_guard_learn(&g, &add, &eexist, 1);
	struct fib_op rep = op(FIB_OP_REPLACE, p, IP(10, 0, 0, 3));
	fib_guard_adjust(&g, &rep, 1);
	assert_int_equal(rep.kind, FIB_OP_ADD);
	fib_guard_learn(&g, &rep, &ok, 1); /* the hand route went; our add took */
	struct fib_op rep2 = op(FIB_OP_REPLACE, p, IP(10, 0, 0, 2));
	fib_guard_adjust(&g, &rep2, 1);
	assert_int_equal(rep2.kind, FIB_OP_REPLACE);
	fib_guard_free(&g);
}

/* A run ends before a second write for a prefix already in it. */
static void test_runs_split_at_a_repeat(void **state)
{
	(void)state;
	struct fib_guard g;
	assert_int_equal(fib_guard_init(&g), 0);
	struct fib_op w[5] = {op(FIB_OP_ADD, IP(10, 1, 0, 0), 1), op(FIB_OP_ADD, IP(10, 2, 0, 0), 1),
			      op(FIB_OP_REPLACE, IP(10, 1, 0, 0), 2),
			      op(FIB_OP_ADD, IP(10, 3, 0, 0), 1),
			      op(FIB_OP_DELETE, IP(10, 3, 0, 0), 0)};
	assert_int_equal(fib_guard_run(&g, w, 5), 2);
	assert_int_equal(fib_guard_run(&g, w + 2, 3), 2);
	assert_int_equal(fib_guard_run(&g, w + 4, 1), 1);
	assert_int_equal(fib_guard_run(&g, w, 0), 0);
	/* A long run without repeats: one run, capped at half the slots. */
	static struct fib_op many[FIB_GUARD_SLOTS];
	for (uint32_t i = 0; i < FIB_GUARD_SLOTS; i++)
		many[i] = op(FIB_OP_ADD, IP(16, 0, 0, 0) + (i << 8), 1);
	assert_int_equal(fib_guard_run(&g, many, FIB_GUARD_SLOTS), FIB_GUARD_SLOTS / 2);
	fib_guard_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_over_own_leftover_is_a_replace),
	    cmocka_unit_test(test_replace_after_refused_add_is_an_add),
	    cmocka_unit_test(test_runs_split_at_a_repeat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
