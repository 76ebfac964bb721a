/*
 * The BFD Control packet codec alone: a round trip, a capture of FRR's first packet, and a
 * table of malformed packets with the 6.8.6 rule each breaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bfd_packet.h"

/* FRR 8.4 bfdd, first packet: Down, detect 3, my-disc 0x3c1a8a02, your-disc 0, 1 s TX,
 * 100 ms RX, 50 ms echo. */
static const uint8_t frr_down[24] = {0x20, 0x40, 0x03, 0x18, 0x3c, 0x1a, 0x8a, 0x02,
				     0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x40,
				     0x00, 0x01, 0x86, 0xa0, 0x00, 0x00, 0xc3, 0x50};

static void test_decode_frr(void **state)
{
	(void)state;
	struct bfd_packet p;
	assert_int_equal(bfd_packet_decode(frr_down, sizeof(frr_down), &p), BFD_PKT_OK);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.state, BFD_STATE_DOWN);
	assert_int_equal(p.detect_mult, 3);
	assert_int_equal(p.my_disc, 0x3c1a8a02);
	assert_int_equal(p.your_disc, 0);
	assert_int_equal(p.desired_min_tx_us, 1000000);
	assert_int_equal(p.required_min_rx_us, 100000);
	assert_int_equal(p.required_min_echo_rx_us, 50000);
	assert_false(p.poll);
	assert_false(p.final);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct bfd_packet in = {.diag = BFD_DIAG_TIME_EXPIRED, .state = BFD_STATE_UP,
				.poll = true, .cpi = true, .detect_mult = 5, .my_disc = 7,
				.your_disc = 0xdeadbeef, .desired_min_tx_us = 300000,
				.required_min_rx_us = 100000};
	uint8_t buf[BFD_PKT_LEN];
	bfd_packet_encode(&in, buf);
	assert_int_equal(buf[0], 0x21);
	assert_int_equal(buf[1], 0xe8);
	assert_int_equal(buf[3], 24);
	struct bfd_packet out;
	assert_int_equal(bfd_packet_decode(buf, sizeof(buf), &out), BFD_PKT_OK);
	assert_int_equal(out.diag, BFD_DIAG_TIME_EXPIRED);
	assert_int_equal(out.state, BFD_STATE_UP);
	assert_true(out.poll);
	assert_false(out.final);
	assert_true(out.cpi);
	assert_int_equal(out.detect_mult, 5);
	assert_int_equal(out.my_disc, 7);
	assert_int_equal(out.your_disc, 0xdeadbeef);
	assert_int_equal(out.desired_min_tx_us, 300000);
	assert_int_equal(out.required_min_rx_us, 100000);
	/* Final and Poll are separate bits. */
	in.poll = false;
	in.final = true;
	bfd_packet_encode(&in, buf);
	assert_int_equal(buf[1], 0xd8);
}

struct bad {
	const char *name;
	size_t off; /* byte to change in frr_down (or SIZE_MAX: none) */
	uint8_t value;
	size_t len; /* bytes passed to the decoder */
	enum bfd_pkt_error want;
};

static void test_malformed(void **state)
{
	(void)state;
	static const struct bad table[] = {
	    {"empty", SIZE_MAX, 0, 0, BFD_PKT_SHORT},
	    {"23 bytes", SIZE_MAX, 0, 23, BFD_PKT_SHORT},
	    {"version 0", 0, 0x00, 24, BFD_PKT_BAD_VERSION},
	    {"version 2", 0, 0x40, 24, BFD_PKT_BAD_VERSION},
	    {"length 23", 3, 23, 24, BFD_PKT_BAD_LENGTH},
	    {"length 0", 3, 0, 24, BFD_PKT_BAD_LENGTH},
	    {"length beyond datagram", 3, 28, 24, BFD_PKT_BAD_LENGTH},
	    {"detect mult 0", 2, 0, 24, BFD_PKT_DETECT_MULT_ZERO},
	    {"multipoint", 1, 0x41, 24, BFD_PKT_MULTIPOINT},
	    {"my disc 0", 4, 0, 24, BFD_PKT_ZERO_MY_DISC},
	    {"your disc 0 in Up", 1, 0xc0, 24, BFD_PKT_ZERO_YOUR_DISC},
	    {"your disc 0 in Init", 1, 0x80, 24, BFD_PKT_ZERO_YOUR_DISC},
	    {"auth bit, length 24", 1, 0x44, 24, BFD_PKT_BAD_LENGTH},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint8_t buf[32];
		memcpy(buf, frr_down, sizeof(frr_down));
		if (table[i].off != SIZE_MAX)
			buf[table[i].off] = table[i].value;
		if (table[i].off == 4)
			memset(buf + 4, 0, 4);
		struct bfd_packet p;
		enum bfd_pkt_error got = bfd_packet_decode(buf, table[i].len, &p);
		if (got != table[i].want)
			fail_msg("%s: got %s, want %s", table[i].name, bfd_pkt_error_name(got),
				 bfd_pkt_error_name(table[i].want));
	}
	/* An authenticated packet of a valid length: refused, we have no key. */
	uint8_t buf[26] = {0};
	memcpy(buf, frr_down, 24);
	buf[1] |= 0x04;
	buf[3] = 26;
	struct bfd_packet p;
	assert_int_equal(bfd_packet_decode(buf, 26, &p), BFD_PKT_AUTH);
	/* Longer datagram than Length: fine (the Length field rules). */
	uint8_t longer[40] = {0};
	memcpy(longer, frr_down, 24);
	assert_int_equal(bfd_packet_decode(longer, sizeof(longer), &p), BFD_PKT_OK);
	assert_int_equal(bfd_packet_decode(NULL, 24, &p), BFD_PKT_SHORT);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bfd_state_name(BFD_STATE_ADMIN_DOWN), "AdminDown");
	assert_string_equal(bfd_state_name(BFD_STATE_UP), "Up");
	assert_string_equal(bfd_diag_name(BFD_DIAG_TIME_EXPIRED),
			    "control detection time expired");
	assert_string_equal(bfd_pkt_error_name(BFD_PKT_BAD_TTL), "TTL below 255");
	assert_string_equal(bfd_pkt_error_name((enum bfd_pkt_error)99), "?");
	for (int e = 0; e < BFD_PKT_ERROR_COUNT; e++)
		assert_string_not_equal(bfd_pkt_error_name((enum bfd_pkt_error)e), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_frr),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
