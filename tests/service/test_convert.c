/*
 * convert: a route as ListRoutes shows it (issue 14): the segments in wire order with their
 * own ASNs, and as_path_text as FRR and BIRD print a path (sequences space-separated, sets in
 * braces comma-separated, confederation sequences in parentheses, confederation sets in
 * brackets). Confederation segments never come from our (external) peers; the format is
 * still the API's, so it is fixed here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "convert.h"

#define SEG(type, count) ((uint32_t)(type) << 16 | (uint32_t)(count))

static struct bgp_route_view view(const uint32_t *asns, size_t n, const uint32_t *segs,
				  size_t nsegs)
{
	struct bgp_route_view r;
	memset(&r, 0, sizeof(r));
	r.prefix = 0xcb007100; /* 203.0.113.0 */
	r.prefix_len = 24;
	r.next_hop = 0x0a0a0002;
	r.as_path = asns;
	r.as_path_len = n;
	r.as_path_segments = segs;
	r.as_path_segment_count = nsegs;
	r.accepted = true;
	return r;
}

static void test_every_segment_type(void **state)
{
	(void)state;
	const uint32_t asns[] = {65001, 65002, 65004, 65003, 65010, 65011, 65012, 65013};
	const uint32_t segs[] = {SEG(2, 2), SEG(1, 2), SEG(3, 2), SEG(4, 2)};
	struct bgp_route_view r = view(asns, 8, segs, 4);
	Vbr__V1__Route *m = convert_route(&r, "bgpp-00000001");
	assert_non_null(m);
	assert_string_equal(m->as_path_text, "65001 65002 {65004,65003} (65010 65011) [65012,65013]");
	assert_int_equal(m->n_as_path, 8); /* the flattened path, kept for compatibility */
	assert_int_equal(m->as_path[3], 65003);
	assert_int_equal(m->n_as_path_segments, 4);
	const Vbr__V1__AsPathSegmentType types[] = {
	    VBR__V1__AS_PATH_SEGMENT_TYPE__AS_PATH_SEGMENT_TYPE_SEQUENCE,
	    VBR__V1__AS_PATH_SEGMENT_TYPE__AS_PATH_SEGMENT_TYPE_SET,
	    VBR__V1__AS_PATH_SEGMENT_TYPE__AS_PATH_SEGMENT_TYPE_CONFED_SEQUENCE,
	    VBR__V1__AS_PATH_SEGMENT_TYPE__AS_PATH_SEGMENT_TYPE_CONFED_SET};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(m->as_path_segments[i]->type, types[i]);
		assert_int_equal(m->as_path_segments[i]->n_asns, 2);
		assert_int_equal(m->as_path_segments[i]->asns[0], asns[2 * i]);
		assert_int_equal(m->as_path_segments[i]->asns[1], asns[2 * i + 1]);
	}
	assert_string_equal(m->not_accepted_reason, "");
	convert_route_free(m);
}

static void test_widest_path_fits(void **state)
{
	(void)state;
	/* Ten-digit ASNs, one per set: the longest text per ASN the buffer is sized for. */
	uint32_t asns[64], segs[64];
	for (size_t i = 0; i < 64; i++) {
		asns[i] = 4294967295u - (uint32_t)i;
		segs[i] = SEG(i % 2 ? 1 : 4, 1);
	}
	struct bgp_route_view r = view(asns, 64, segs, 64);
	Vbr__V1__Route *m = convert_route(&r, "bgpp-00000001");
	assert_non_null(m);
	assert_int_equal(strlen(m->as_path_text), 64 * 12 + 63);
	assert_memory_equal(m->as_path_text, "[4294967295] {4294967294} ", 26);
	convert_route_free(m);
}

static void test_refused_route_and_short_segments(void **state)
{
	(void)state;
	/* A segment word claiming more ASNs than the path holds is cut at the path's end. */
	const uint32_t asns[] = {65001, 45104};
	const uint32_t segs[] = {SEG(2, 5)};
	struct bgp_route_view r = view(asns, 2, segs, 1);
	r.accepted = false;
	strcpy(r.not_accepted_reason, "AS loop: 45104 in AS_PATH");
	Vbr__V1__Route *m = convert_route(&r, "bgpp-00000001");
	assert_non_null(m);
	assert_string_equal(m->as_path_text, "65001 45104");
	assert_int_equal(m->as_path_segments[0]->n_asns, 2);
	assert_false(m->accepted);
	assert_string_equal(m->not_accepted_reason, "AS loop: 45104 in AS_PATH");
	convert_route_free(m);
	/* No path at all (a route we originate ourselves has none). */
	r = view(NULL, 0, NULL, 0);
	m = convert_route(&r, "bgpp-00000001");
	assert_non_null(m);
	assert_string_equal(m->as_path_text, "");
	assert_int_equal(m->n_as_path_segments, 0);
	convert_route_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_segment_type),
	    cmocka_unit_test(test_widest_path_fits),
	    cmocka_unit_test(test_refused_route_and_short_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
