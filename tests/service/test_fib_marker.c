/* fib_marker: the marker's text round trip, anything unknown refused (it then counts as
 * absent), and the one decision: routes expected from the last run but none found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fib_marker.h"

static void test_round_trip(void **state)
{
	(void)state;
	char buf[64];
	for (int r = 0; r < 2; r++)
		for (int c = 0; c < 2; c++) {
			struct fib_marker_state st = {.routes = r, .clean = c}, back;
			size_t n = fib_marker_format(&st, buf, sizeof(buf));
			assert_true(n > 0);
			assert_true(fib_marker_parse(buf, n, &back));
			assert_int_equal(back.routes, st.routes);
			assert_int_equal(back.clean, st.clean);
		}
	assert_int_equal(fib_marker_format(&(struct fib_marker_state){0}, buf, 8), 0);
}

static void test_unknown_refused(void **state)
{
	(void)state;
	struct fib_marker_state st;
	static const char *const bad[] = {
	    "",
	    "vbrd-fib-marker 2\nroutes 1\nclean 0\n",
	    "vbrd-fib-marker 1\nroutes 2\nclean 0\n",
	    "vbrd-fib-marker 1\nroutes 1\n",
	    "garbage",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(fib_marker_parse(bad[i], strlen(bad[i]), &st));
	char big[300];
	memset(big, 'x', sizeof(big));
	assert_false(fib_marker_parse(big, sizeof(big), &st));
}

static void test_routes_missing(void **state)
{
	(void)state;
	struct fib_marker_state had = {.routes = true}, none = {.routes = false};
	assert_true(fib_marker_routes_missing(true, &had, 0));
	assert_false(fib_marker_routes_missing(true, &had, 5));   /* the namespace kept them */
	assert_false(fib_marker_routes_missing(true, &none, 0));  /* there were none */
	assert_false(fib_marker_routes_missing(false, &had, 0));  /* no marker: first start */
	had.clean = true; /* a graceful-restart stop that kept them: expected all the same */
	assert_true(fib_marker_routes_missing(true, &had, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_unknown_refused),
	    cmocka_unit_test(test_routes_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
