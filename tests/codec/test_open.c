/* open: encode -> frame -> decode round trips of our OPEN, and bgp_open_check against the
 * configuration: Bad Peer AS (with AS_TRANS), Bad BGP Identifier, Unacceptable Hold Time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"
#include "open.h"

static struct bgp_notification err;

static void encode_decode(const struct bgp_open_local *local, struct bgp_open *out)
{
	struct bgp_wbuf w;
	struct bgp_frame f;
	size_t consumed;
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_open_encode(&w, local), 0);
	assert_int_equal(bgp_msg_frame(w.data, w.len, &f, &consumed, &err), BGP_FRAME_OK);
	assert_int_equal(f.type, BGP_MSG_OPEN);
	assert_int_equal(consumed, w.len);
	assert_int_equal(bgp_open_decode(f.body, f.body_len, out, &err), 0);
	bgp_wbuf_free(&w);
}

static void test_round_trip_2_octet_asn(void **state)
{
	(void)state;
	struct bgp_open_local local = {.asn = 45104, .hold_time = 30, .router_id = 0x0a000001};
	struct bgp_open o;
	encode_decode(&local, &o);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, 45104);
	assert_int_equal(o.asn, 45104);
	assert_int_equal(o.hold_time, 30);
	assert_int_equal(o.bgp_id, 0x0a000001);
	assert_true(o.has_caps);
	assert_true(o.cap_as4);
	assert_int_equal(o.cap_as4_asn, 45104);
	assert_true(o.cap_mp_ipv4_unicast);
	assert_false(o.cap_mp_other);
	assert_true(o.cap_route_refresh);
	assert_false(o.ext_opt_params);
	assert_int_equal(o.unknown_caps, 0);
	assert_true(bgp_open_ipv4_unicast(&o));

	struct bgp_open_expect expect = {
	    .peer_asn = 45104, .local_asn = 65000, .local_router_id = 0x0a000002};
	assert_int_equal(bgp_open_check(&o, &expect, &err), 0);
}

static void test_round_trip_4_octet_asn_uses_as_trans(void **state)
{
	(void)state;
	struct bgp_open_local local = {.asn = 4200000001u, .hold_time = 90, .router_id = 1};
	struct bgp_open o;
	encode_decode(&local, &o);
	/* RFC 6793 4.1: My AS carries AS_TRANS, the capability the real ASN. */
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_int_equal(o.asn, 4200000001u);
	struct bgp_open_expect expect = {
	    .peer_asn = 4200000001u, .local_asn = 45104, .local_router_id = 2};
	assert_int_equal(bgp_open_check(&o, &expect, &err), 0);
	expect.peer_asn = BGP_AS_TRANS + 1;
	assert_int_equal(bgp_open_check(&o, &expect, &err), -1);
	assert_int_equal(err.code, BGP_ERR_OPEN);
	assert_int_equal(err.subcode, BGP_SUBERR_OPEN_BAD_PEER_AS);
}

/* RFC 4724 3: the capability's bytes (R bit, restart time, IPv4 unicast with its F bit), and
 * the decoder reads back what the encoder wrote. */
static void test_graceful_restart_capability(void **state)
{
	(void)state;
	struct bgp_open_local local = {.asn = 45104, .hold_time = 30, .router_id = 1,
				       .graceful_restart = true, .gr_restart_state = true,
				       .gr_forwarding = true, .gr_restart_time = 120};
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_open_encode(&w, &local), 0);
	static const uint8_t cap[] = {64, 6, 0x80, 120, 0, 1, 1, 0x80};
	assert_non_null(memmem(w.data, w.len, cap, sizeof(cap)));
	bgp_wbuf_free(&w);
	struct bgp_open o;
	encode_decode(&local, &o);
	assert_true(o.cap_graceful_restart);
	assert_true(o.gr_restart_state);
	assert_int_equal(o.gr_restart_time, 120);
	assert_true(o.gr_ipv4_unicast);
	assert_true(o.gr_ipv4_forwarding);

	/* Not restarted, forwarding state not kept, the longest restart time. */
	local.gr_restart_state = false;
	local.gr_forwarding = false;
	local.gr_restart_time = 4095;
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_open_encode(&w, &local), 0);
	static const uint8_t cap2[] = {64, 6, 0x0f, 0xff, 0, 1, 1, 0x00};
	assert_non_null(memmem(w.data, w.len, cap2, sizeof(cap2)));
	bgp_wbuf_free(&w);
	encode_decode(&local, &o);
	assert_false(o.gr_restart_state);
	assert_int_equal(o.gr_restart_time, 4095);
	assert_true(o.gr_ipv4_unicast);
	assert_false(o.gr_ipv4_forwarding);

	/* Off: no capability at all. */
	local.graceful_restart = false;
	encode_decode(&local, &o);
	assert_false(o.cap_graceful_restart);
	assert_true(o.cap_as4);
}

static struct bgp_open base_open(void)
{
	struct bgp_open o = {0};
	o.version = 4;
	o.my_as = 65001;
	o.asn = 65001;
	o.hold_time = 90;
	o.bgp_id = 0x01020304;
	return o;
}

static void expect_open_error(const struct bgp_open *o, const struct bgp_open_expect *e,
			      uint8_t subcode)
{
	memset(&err, 0, sizeof(err));
	assert_int_equal(bgp_open_check(o, e, &err), -1);
	assert_int_equal(err.code, BGP_ERR_OPEN);
	assert_int_equal(err.subcode, subcode);
	assert_int_equal(err.data_len, 0);
}

static void test_check_peer_as(void **state)
{
	(void)state;
	struct bgp_open_expect e = {.peer_asn = 65001, .local_asn = 45104, .local_router_id = 9};
	struct bgp_open o = base_open();
	assert_int_equal(bgp_open_check(&o, &e, &err), 0);
	e.peer_asn = 65002;
	expect_open_error(&o, &e, BGP_SUBERR_OPEN_BAD_PEER_AS);
	/* A 2-octet speaker with AS_TRANS cannot be the 4-octet peer we expect. */
	e.peer_asn = 4200000001u;
	o.my_as = BGP_AS_TRANS;
	o.asn = BGP_AS_TRANS;
	expect_open_error(&o, &e, BGP_SUBERR_OPEN_BAD_PEER_AS);
	/* RFC 7607: AS 0 in the capability. */
	o.cap_as4 = true;
	o.cap_as4_asn = 0;
	o.asn = 0;
	expect_open_error(&o, &e, BGP_SUBERR_OPEN_BAD_PEER_AS);
	/* RFC 7607: AS 0 in My AS, even with a good capability. */
	o.cap_as4_asn = 4200000001u;
	o.asn = 4200000001u;
	o.my_as = 0;
	expect_open_error(&o, &e, BGP_SUBERR_OPEN_BAD_PEER_AS);
	o.my_as = BGP_AS_TRANS;
	assert_int_equal(bgp_open_check(&o, &e, &err), 0);
}

static void test_check_hold_time(void **state)
{
	(void)state;
	struct bgp_open_expect e = {.peer_asn = 65001, .local_asn = 45104, .local_router_id = 9};
	struct bgp_open o = base_open();
	const uint16_t bad[] = {1, 2};
	const uint16_t good[] = {0, 3, 65535};
	for (size_t i = 0; i < 2; i++) {
		o.hold_time = bad[i];
		expect_open_error(&o, &e, BGP_SUBERR_OPEN_UNACCEPTABLE_HOLD_TIME);
	}
	for (size_t i = 0; i < 3; i++) {
		o.hold_time = good[i];
		assert_int_equal(bgp_open_check(&o, &e, &err), 0);
	}
}

static void test_check_bgp_identifier(void **state)
{
	(void)state;
	struct bgp_open_expect e = {
	    .peer_asn = 65001, .local_asn = 45104, .local_router_id = 0x01020304};
	struct bgp_open o = base_open();
	/* RFC 6286 2.2: equal identifiers are fine between different ASes... */
	assert_int_equal(bgp_open_check(&o, &e, &err), 0);
	/* ...not for an internal peer. */
	e.local_asn = 65001;
	expect_open_error(&o, &e, BGP_SUBERR_OPEN_BAD_BGP_ID);
	e.local_asn = 45104;
	o.bgp_id = 0;
	expect_open_error(&o, &e, BGP_SUBERR_OPEN_BAD_BGP_ID);
	/* RFC 6286 2.1: any non-zero value, even one that is no host address. */
	o.bgp_id = 0xffffffff;
	assert_int_equal(bgp_open_check(&o, &e, &err), 0);
}

static void test_no_mp_capability_implies_ipv4_unicast(void **state)
{
	(void)state;
	struct bgp_open o = base_open();
	assert_true(bgp_open_ipv4_unicast(&o));
	o.cap_mp_other = true;
	assert_false(bgp_open_ipv4_unicast(&o));
	o.cap_mp_ipv4_unicast = true;
	assert_true(bgp_open_ipv4_unicast(&o));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_2_octet_asn),
	    cmocka_unit_test(test_round_trip_4_octet_asn_uses_as_trans),
	    cmocka_unit_test(test_check_peer_as),
	    cmocka_unit_test(test_check_hold_time),
	    cmocka_unit_test(test_check_bgp_identifier),
	    cmocka_unit_test(test_no_mp_capability_implies_ipv4_unicast),
	    cmocka_unit_test(test_graceful_restart_capability),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
