/* gr_restart: vbrd as the restarting speaker (RFC 4724 4.1), the pure decisions: when the
 * selection deferral is over (which peers are waited for), when a peer counts as synchronised,
 * and the Forwarding State bit of our OPENs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gr_restart.h"

static void test_peer_synced(void **state)
{
	(void)state;
	struct gr_defer_peer p = {0};
	/* Not up: never synchronised, End-of-RIB or not. */
	assert_false(gr_defer_peer_synced(&p, false));
	assert_false(gr_defer_peer_synced(&p, true));
	/* Up: only its End-of-RIB says it has sent everything. */
	p.established = true;
	assert_false(gr_defer_peer_synced(&p, false));
	assert_true(gr_defer_peer_synced(&p, true));
	/* Sticky: once synchronised, a later down does not undo it. */
	struct gr_defer_peer down = {.synced = true};
	assert_true(gr_defer_peer_synced(&down, false));
}

static void test_deferral_over(void **state)
{
	(void)state;
	/* No peers: nothing to wait for, the stale routes go at once. */
	assert_true(gr_defer_over(NULL, 0));
	struct gr_defer_peer peers[3] = {
	    {.established = true, .synced = true},
	    {.established = true, .synced = false}, /* no EoR yet */
	    {.admin_down = true}, /* not waited for */
	};
	assert_false(gr_defer_over(peers, 3));
	peers[1].synced = true;
	assert_true(gr_defer_over(peers, 3));
	/* A peer that never came up holds the deferral (the timer ends it). */
	peers[2].admin_down = false;
	assert_false(gr_defer_over(peers, 3));
	/* One that synchronised and went down again is not waited for twice. */
	peers[2].synced = true;
	peers[0].established = false;
	assert_true(gr_defer_over(peers, 3));
}

static void test_forwarding_bit(void **state)
{
	(void)state;
	/* --fib off: vbrd keeps no forwarding state of its own. */
	assert_false(gr_forwarding_kept(false, false, 10, true));
	/* The earlier run's routes are there: kept. */
	assert_true(gr_forwarding_kept(true, true, 3, false));
	/* Nothing was expected (first start, or routes removed at a clean stop): nothing lost. */
	assert_true(gr_forwarding_kept(true, false, 0, false));
	/* Expected and none found: the namespace did not outlive the process. */
	assert_false(gr_forwarding_kept(true, true, 0, false));
	/* ... until this run had a session with the peer: the FIB is kept up since. */
	assert_true(gr_forwarding_kept(true, true, 0, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_peer_synced),
	    cmocka_unit_test(test_deferral_over),
	    cmocka_unit_test(test_forwarding_bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
