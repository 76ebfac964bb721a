/* buf: the read cursor refuses short reads without moving; the write buffer grows, caps and
 * undoes as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "buf.h"

static void test_read_in_order(void **state)
{
	(void)state;
	const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
	struct bgp_rbuf r;
	uint8_t b;
	uint16_t s;
	uint32_t l;
	bgp_rbuf_init(&r, data, sizeof(data));
	assert_int_equal(bgp_rbuf_u8(&r, &b), 0);
	assert_int_equal(b, 0x01);
	assert_int_equal(bgp_rbuf_u16(&r, &s), 0);
	assert_int_equal(s, 0x0203);
	assert_int_equal(bgp_rbuf_u32(&r, &l), 0);
	assert_int_equal(l, 0x04050607);
	assert_int_equal(bgp_rbuf_left(&r), 2);
	/* A 4-octet read with 2 left fails and does not move the cursor. */
	assert_int_equal(bgp_rbuf_u32(&r, &l), -1);
	assert_int_equal(bgp_rbuf_left(&r), 2);
	assert_int_equal(bgp_rbuf_u16(&r, &s), 0);
	assert_int_equal(s, 0x0809);
	assert_int_equal(bgp_rbuf_u8(&r, &b), -1);
}

static void test_sub_view_is_bounded(void **state)
{
	(void)state;
	const uint8_t data[] = {0xaa, 0xbb, 0xcc, 0xdd};
	struct bgp_rbuf r, sub;
	uint16_t s;
	const uint8_t *p;
	bgp_rbuf_init(&r, data, sizeof(data));
	assert_int_equal(bgp_rbuf_sub(&r, 1, &sub), 0);
	/* The sub-view holds 1 octet: a 2-octet read fails even though the input has more. */
	assert_int_equal(bgp_rbuf_u16(&sub, &s), -1);
	assert_int_equal(bgp_rbuf_left(&r), 3);
	assert_int_equal(bgp_rbuf_sub(&r, 4, &sub), -1);
	assert_int_equal(bgp_rbuf_bytes(&r, 3, &p), 0);
	assert_ptr_equal(p, data + 1);
	assert_int_equal(bgp_rbuf_skip(&r, 1), -1);
	assert_int_equal(bgp_rbuf_skip(&r, 0), 0);
}

static void test_wbuf_grows_and_reserves(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	size_t off;
	bgp_wbuf_init(&w, 0);
	int errs = 0;
	errs += bgp_wbuf_add_u8(&w, 0x11);
	errs += bgp_wbuf_reserve(&w, 2, &off);
	for (int i = 0; i < 1000; i++)
		errs += bgp_wbuf_add_u32(&w, (uint32_t)i);
	assert_int_equal(errs, 0);
	bgp_wbuf_set_u16(&w, off, 0xbeef);
	assert_int_equal(w.len, 3 + 4000);
	assert_int_equal(w.data[0], 0x11);
	assert_int_equal(w.data[1], 0xbe);
	assert_int_equal(w.data[2], 0xef);
	assert_int_equal(bgp_load_u32(w.data + 3 + 4 * 999), 999);
	bgp_wbuf_consume(&w, 3);
	assert_int_equal(w.len, 4000);
	assert_int_equal(bgp_load_u32(w.data + 4), 1);
	bgp_wbuf_truncate(&w, 4);
	assert_int_equal(w.len, 4);
	bgp_wbuf_free(&w);
}

static void test_wbuf_max_and_fixed(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 5);
	assert_int_equal(bgp_wbuf_add_u32(&w, 1), 0);
	/* Past the cap the add fails and leaves the buffer as it was. */
	assert_int_equal(bgp_wbuf_add_u16(&w, 2), -1);
	assert_int_equal(w.len, 4);
	assert_int_equal(bgp_wbuf_add_u8(&w, 3), 0);
	assert_int_equal(bgp_wbuf_add_u8(&w, 4), -1);
	bgp_wbuf_free(&w);

	uint8_t storage[3];
	bgp_wbuf_init_fixed(&w, storage, sizeof(storage));
	assert_int_equal(bgp_wbuf_add_u16(&w, 0x0102), 0);
	assert_int_equal(bgp_wbuf_add_u16(&w, 0x0304), -1);
	assert_int_equal(bgp_wbuf_add_fill(&w, 0xff, 1), 0);
	assert_int_equal(storage[2], 0xff);
	bgp_wbuf_free(&w); /* must not free caller storage */
	assert_int_equal(storage[0], 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_in_order),
	    cmocka_unit_test(test_sub_view_is_bounded),
	    cmocka_unit_test(test_wbuf_grows_and_reserves),
	    cmocka_unit_test(test_wbuf_max_and_fixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
