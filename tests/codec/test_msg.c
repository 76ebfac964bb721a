/* msg: framing of a byte stream, and encode -> frame -> decode round trips for KEEPALIVE,
 * NOTIFICATION (with RFC 9003 shutdown communications) and ROUTE-REFRESH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"

static struct bgp_notification err;

/* Frames exactly one message from w and returns it. */
static struct bgp_frame frame_one(const struct bgp_wbuf *w, uint8_t type)
{
	struct bgp_frame f;
	size_t consumed = 0;
	assert_int_equal(bgp_msg_frame(w->data, w->len, &f, &consumed, &err), BGP_FRAME_OK);
	assert_int_equal(consumed, w->len);
	assert_int_equal(f.type, type);
	assert_int_equal(f.length, w->len);
	return f;
}

static void test_keepalive_round_trip(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	assert_int_equal(w.len, 19);
	for (int i = 0; i < 16; i++)
		assert_int_equal(w.data[i], 0xff);
	struct bgp_frame f = frame_one(&w, BGP_MSG_KEEPALIVE);
	assert_int_equal(f.body_len, 0);
	bgp_wbuf_free(&w);
}

static void test_stream_of_messages_frames_one_by_one(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	struct bgp_frame f;
	size_t consumed, off = 0;
	bgp_wbuf_init(&w, 0);
	struct bgp_route_refresh rr = {.afi = 1, .safi = 1};
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	assert_int_equal(bgp_route_refresh_encode(&w, &rr), 0);
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	const uint8_t expect[] = {BGP_MSG_KEEPALIVE, BGP_MSG_ROUTE_REFRESH, BGP_MSG_KEEPALIVE};
	for (size_t i = 0; i < 3; i++) {
		/* Every shorter prefix of the next message asks for more. */
		for (size_t cut = 0; cut < (i == 1 ? 23u : 19u); cut++)
			assert_int_equal(bgp_msg_frame(w.data + off, cut, &f, &consumed, &err),
					 BGP_FRAME_NEED_MORE);
		assert_int_equal(bgp_msg_frame(w.data + off, w.len - off, &f, &consumed, &err),
				 BGP_FRAME_OK);
		assert_int_equal(f.type, expect[i]);
		off += consumed;
	}
	assert_int_equal(off, w.len);
	bgp_wbuf_free(&w);
}

static void test_notification_round_trip(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	struct bgp_notification n, back;
	bgp_wbuf_init(&w, 0);
	const uint8_t data[] = {0x40, 0x01, 0x01, 0x07};
	bgp_notification_set(&n, BGP_ERR_UPDATE, BGP_SUBERR_UPDATE_INVALID_ORIGIN, data,
			     sizeof(data));
	assert_int_equal(bgp_notification_encode(&w, &n), 0);
	assert_int_equal(w.len, 19 + 2 + 4);
	struct bgp_frame f = frame_one(&w, BGP_MSG_NOTIFICATION);
	assert_int_equal(bgp_notification_decode(f.body, f.body_len, &back), 0);
	assert_int_equal(back.code, 3);
	assert_int_equal(back.subcode, 6);
	assert_int_equal(back.data_len, 4);
	assert_memory_equal(back.data, data, 4);
	bgp_wbuf_free(&w);
}

static void test_shutdown_communication_round_trip(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	struct bgp_notification back;
	char text[BGP_SHUTDOWN_MSG_MAX + 1];
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_notification_encode_shutdown(&w, BGP_SUBERR_CEASE_ADMIN_SHUTDOWN,
							  "maintenance \xc3\xa9t\xc3\xa9"),
			 0);
	struct bgp_frame f = frame_one(&w, BGP_MSG_NOTIFICATION);
	assert_int_equal(bgp_notification_decode(f.body, f.body_len, &back), 0);
	assert_int_equal(back.code, BGP_ERR_CEASE);
	assert_int_equal(back.subcode, BGP_SUBERR_CEASE_ADMIN_SHUTDOWN);
	assert_int_equal(back.data[0], 17);
	assert_int_equal(bgp_notification_shutdown_message(&back, text), BGP_SHUTDOWN_MSG_OK);
	assert_string_equal(text, "maintenance \xc3\xa9t\xc3\xa9");

	/* Administrative Reset too; no message means no data at all. */
	bgp_wbuf_reset(&w);
	assert_int_equal(bgp_notification_encode_shutdown(&w, BGP_SUBERR_CEASE_ADMIN_RESET, ""), 0);
	f = frame_one(&w, BGP_MSG_NOTIFICATION);
	assert_int_equal(f.body_len, 2);
	assert_int_equal(bgp_notification_decode(f.body, f.body_len, &back), 0);
	assert_int_equal(bgp_notification_shutdown_message(&back, text), BGP_SHUTDOWN_MSG_NONE);
	assert_string_equal(text, "");
	bgp_wbuf_free(&w);
}

static void test_shutdown_communication_cut_at_255_on_utf8_boundary(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	struct bgp_notification back;
	char text[BGP_SHUTDOWN_MSG_MAX + 1];
	char longmsg[400];
	/* 254 ASCII octets then a 2-octet character: 256 octets; the character must go. */
	memset(longmsg, 'a', 254);
	longmsg[254] = (char)0xc3;
	longmsg[255] = (char)0xa9;
	longmsg[256] = '\0';
	bgp_wbuf_init(&w, 0);
	assert_int_equal(
	    bgp_notification_encode_shutdown(&w, BGP_SUBERR_CEASE_ADMIN_SHUTDOWN, longmsg), 0);
	struct bgp_frame f = frame_one(&w, BGP_MSG_NOTIFICATION);
	assert_int_equal(bgp_notification_decode(f.body, f.body_len, &back), 0);
	assert_int_equal(back.data[0], 254);
	assert_int_equal(bgp_notification_shutdown_message(&back, text), BGP_SHUTDOWN_MSG_OK);
	assert_int_equal(strlen(text), 254);
	bgp_wbuf_free(&w);
}

static void test_shutdown_communication_sent_as_valid_utf8(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	struct bgp_notification back;
	char text[BGP_SHUTDOWN_MSG_MAX + 1];
	bgp_wbuf_init(&w, 0);
	/* A lone continuation octet and a truncated 3-octet character become '?'. */
	assert_int_equal(bgp_notification_encode_shutdown(&w, BGP_SUBERR_CEASE_ADMIN_SHUTDOWN,
							  "a\x80"
							  "b\xe2\x82"),
			 0);
	struct bgp_frame f = frame_one(&w, BGP_MSG_NOTIFICATION);
	assert_int_equal(bgp_notification_decode(f.body, f.body_len, &back), 0);
	assert_int_equal(bgp_notification_shutdown_message(&back, text), BGP_SHUTDOWN_MSG_OK);
	assert_string_equal(text, "a?b??");
	bgp_wbuf_free(&w);
}

static void test_shutdown_communication_errors_keep_code(void **state)
{
	(void)state;
	struct bgp_notification n;
	char text[BGP_SHUTDOWN_MSG_MAX + 1];
	/* RFC 9003 4: a length past the data: the communication is bad, code/subcode stand. */
	const uint8_t bad_len[] = {10, 'h', 'i'};
	bgp_notification_set(&n, BGP_ERR_CEASE, BGP_SUBERR_CEASE_ADMIN_SHUTDOWN, bad_len, 3);
	assert_int_equal(bgp_notification_shutdown_message(&n, text), BGP_SHUTDOWN_MSG_BAD_LEN);
	assert_string_equal(text, "");
	assert_int_equal(n.code, BGP_ERR_CEASE);
	const uint8_t bad_utf8[] = {3, 'a', 0xc3, 0x28};
	bgp_notification_set(&n, BGP_ERR_CEASE, BGP_SUBERR_CEASE_ADMIN_RESET, bad_utf8, 4);
	assert_int_equal(bgp_notification_shutdown_message(&n, text), BGP_SHUTDOWN_MSG_BAD_UTF8);
	const uint8_t overlong[] = {2, 0xc0, 0xaf};
	bgp_notification_set(&n, BGP_ERR_CEASE, BGP_SUBERR_CEASE_ADMIN_RESET, overlong, 3);
	assert_int_equal(bgp_notification_shutdown_message(&n, text), BGP_SHUTDOWN_MSG_BAD_UTF8);
	/* Another Cease subcode carries no communication. */
	const uint8_t some[] = {2, 'h', 'i'};
	bgp_notification_set(&n, BGP_ERR_CEASE, BGP_SUBERR_CEASE_PEER_DECONFIGURED, some, 3);
	assert_int_equal(bgp_notification_shutdown_message(&n, text), BGP_SHUTDOWN_MSG_NONE);
	/* Trailing octets after the text are allowed. */
	const uint8_t trailing[] = {2, 'h', 'i', 0x00, 0x01};
	bgp_notification_set(&n, BGP_ERR_CEASE, BGP_SUBERR_CEASE_ADMIN_SHUTDOWN, trailing, 5);
	assert_int_equal(bgp_notification_shutdown_message(&n, text), BGP_SHUTDOWN_MSG_OK);
	assert_string_equal(text, "hi");
}

static void test_route_refresh_round_trip(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	struct bgp_route_refresh rr = {.afi = BGP_AFI_IPV4, .subtype = 0, .safi = BGP_SAFI_UNICAST};
	struct bgp_route_refresh back;
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_route_refresh_encode(&w, &rr), 0);
	assert_int_equal(w.len, 23);
	struct bgp_frame f = frame_one(&w, BGP_MSG_ROUTE_REFRESH);
	assert_int_equal(bgp_route_refresh_decode(f.body, f.body_len, &back, &err), 0);
	assert_int_equal(back.afi, 1);
	assert_int_equal(back.safi, 1);
	assert_int_equal(back.subtype, 0);
	assert_int_equal(bgp_route_refresh_decode(f.body, 3, &back, &err), -1);
	assert_int_equal(err.code, BGP_ERR_HEADER);
	assert_int_equal(err.subcode, BGP_SUBERR_HEADER_BAD_LENGTH);
	bgp_wbuf_free(&w);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_msg_type_name(BGP_MSG_UPDATE), "UPDATE");
	assert_string_equal(bgp_msg_type_name(9), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keepalive_round_trip),
	    cmocka_unit_test(test_stream_of_messages_frames_one_by_one),
	    cmocka_unit_test(test_notification_round_trip),
	    cmocka_unit_test(test_shutdown_communication_round_trip),
	    cmocka_unit_test(test_shutdown_communication_cut_at_255_on_utf8_boundary),
	    cmocka_unit_test(test_shutdown_communication_sent_as_valid_utf8),
	    cmocka_unit_test(test_shutdown_communication_errors_keep_code),
	    cmocka_unit_test(test_route_refresh_round_trip),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
