/* model: sorted inserts, duplicates, clone independence, request_id replies bounded FIFO. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

static void test_sorted_and_duplicates(void **state)
{
	(void)state;
	struct vbr_model m;
	model_init(&m);
	const char *ids[] = {"bgpg-000000c0", "bgpg-000000a0", "bgpg-000000b0"};
	for (int i = 0; i < 3; i++) {
		struct vbr_group g = {0};
		snprintf(g.id, sizeof(g.id), "%s", ids[i]);
		snprintf(g.name, sizeof(g.name), "g%d", i);
		assert_int_equal(model_add_group(&m, &g), 0);
	}
	assert_string_equal(m.groups[0].id, "bgpg-000000a0");
	assert_string_equal(m.groups[2].id, "bgpg-000000c0");
	struct vbr_group dup = {.id = "bgpg-000000b0"};
	assert_int_equal(model_add_group(&m, &dup), -EEXIST);
	struct vbr_network n1 = {.prefix = 0x0a000000, .len = 16},
			   n2 = {.prefix = 0x0a000000, .len = 8};
	assert_int_equal(model_add_network(&m, &n1), 0);
	assert_int_equal(model_add_network(&m, &n2), 0);
	assert_int_equal(m.networks[0].len, 8);
	assert_int_equal(model_add_network(&m, &n1), -EEXIST);
	assert_non_null(model_group_by_name(&m, "g1"));

	struct vbr_model c;
	assert_int_equal(model_clone(&m, &c), 0);
	assert_int_equal(model_remove_group(&c, "bgpg-000000a0"), 0);
	assert_int_equal(c.n_groups, 2);
	assert_int_equal(m.n_groups, 3); /* the live model is untouched */
	assert_int_equal(model_remove_group(&c, "bgpg-000000a0"), -ENOENT);
	model_free_clone(&c);
	model_free(&m);
}

static void test_requests_bounded(void **state)
{
	(void)state;
	struct vbr_model m;
	model_init(&m);
	char rid[32];
	uint8_t b = 7;
	for (int i = 0; i < VBR_MAX_REQUESTS + 5; i++) {
		snprintf(rid, sizeof(rid), "r%d", i);
		assert_int_equal(model_add_request(&m, "AddBgpNetwork", rid, &b, 1), 0);
	}
	assert_int_equal(m.n_requests, VBR_MAX_REQUESTS);
	assert_null(model_request(&m, "AddBgpNetwork", "r0"));
	assert_null(model_request(&m, "AddBgpNetwork", "r4"));
	assert_non_null(model_request(&m, "AddBgpNetwork", "r5"));
	snprintf(rid, sizeof(rid), "r%d", VBR_MAX_REQUESTS + 4);
	assert_non_null(model_request(&m, "AddBgpNetwork", rid));
	/* Scoped by method. */
	assert_null(model_request(&m, "CreateBgpGroup", rid));
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sorted_and_duplicates),
	    cmocka_unit_test(test_requests_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
