/* test_output.c: unit tests (cmocka) of vbrctl's output modules, linked alone: table
 * alignment, chunked flushing and sanitizing of server text (client/table.c), and the proto3
 * JSON mapping (client/pbjson.c) for the cases the live tests cannot force: every Timestamp
 * fraction width, uint64 as strings, unset oneofs, enums by name, FieldMask, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "google/protobuf/field_mask.pb-c.h"
#include "pbjson.h"
#include "table.h"
#include "vbr/v1/vbr.pb-c.h"

/* Runs fn(t, out) against a memory stream and returns what it wrote (caller frees). */
static char *capture_table(struct table *t, bool color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	table_print(t, out, color);
	fclose(out);
	return buf;
}

static void test_columns_align_without_trailing_blanks(void **state)
{
	(void)state;
	struct table *t = table_new();
	table_header(t, "ID", "NAME", "NOTE", NULL);
	table_row(t);
	table_cell(t, "bgpg-1");
	table_cell(t, "düsseldorf"); /* 10 code points, 11 bytes */
	table_cell(t, "");
	table_row(t);
	table_cell(t, "x");
	table_cell(t, "y");
	table_cell(t, "z");
	char *s = capture_table(t, false);
	assert_string_equal(s, "ID      NAME        NOTE\n"
			       "bgpg-1  düsseldorf\n"
			       "x       y           z\n");
	free(s);
	table_free(t);
}

static void test_server_text_cannot_drive_the_terminal(void **state)
{
	(void)state;
	struct table *t = table_new();
	table_row(t);
	table_cell(t, "a\033[31mb\nc\rd\x7f"
		      "e\tf");
	char *s = capture_table(t, true);
	assert_string_equal(s, "a?[31mb?c?d?e?f\n");
	free(s);
	table_free(t);
	char text[] = "reason\033]0;title\a";
	assert_string_equal(sanitize(text), "reason?]0;title?");
}

static void test_color_only_when_on(void **state)
{
	(void)state;
	struct table *t = table_new();
	table_row(t);
	table_cell_color(t, COLOR_GREEN, "Established");
	table_cell(t, "x");
	char *plain = capture_table(t, false);
	assert_string_equal(plain, "Established  x\n");
	free(plain);
	table_row(t);
	table_cell_color(t, COLOR_GREEN, "Established");
	table_cell(t, "x");
	char *colored = capture_table(t, true);
	/* The color codes do not count toward the width. */
	assert_string_equal(colored, "\033[32mEstablished\033[0m  x\n");
	free(colored);
	table_free(t);
}

static void test_flushes_keep_one_alignment(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct table *t = table_new();
	table_header(t, "PREFIX", "NEXT-HOP", NULL);
	table_row(t);
	table_cell(t, "10.0.0.0/8");
	table_cell(t, "a");
	table_flush(t, out, false);
	assert_int_equal(table_rows(t), 0);
	table_row(t);
	table_cell(t, "1.0.0.0/8"); /* narrower: keeps the first chunk's width */
	table_cell(t, "b");
	table_flush(t, out, false);
	fclose(out);
	assert_string_equal(buf, "PREFIX      NEXT-HOP\n"
				 "10.0.0.0/8  a\n"
				 "1.0.0.0/8   b\n");
	free(buf);
	table_free(t);
}

/* The message as `watch -o json` prints it (one line), without the newline. */
static char *json_of(const ProtobufCMessage *msg)
{
	struct json_object *obj = pbjson_message(msg);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	pbjson_print(out, obj, true);
	fclose(out);
	json_object_put(obj);
	assert_true(len > 0 && buf[len - 1] == '\n');
	buf[len - 1] = '\0';
	return buf;
}

static void test_timestamps_use_0_3_6_or_9_fraction_digits(void **state)
{
	(void)state;
	char out[64];
	pbjson_timestamp(1795700981, 0, out, sizeof(out));
	assert_string_equal(out, "2026-11-26T13:49:41Z");
	pbjson_timestamp(1795700981, 120000000, out, sizeof(out));
	assert_string_equal(out, "2026-11-26T13:49:41.120Z");
	pbjson_timestamp(1795700981, 685084000, out, sizeof(out));
	assert_string_equal(out, "2026-11-26T13:49:41.685084Z");
	pbjson_timestamp(1795700981, 685084001, out, sizeof(out));
	assert_string_equal(out, "2026-11-26T13:49:41.685084001Z");
	pbjson_timestamp(0, 1000, out, sizeof(out));
	assert_string_equal(out, "1970-01-01T00:00:00.000001Z");
}

static void test_peer_event_mapping(void **state)
{
	(void)state;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = 1795700981;
	ts.nanos = 5000000;
	Vbr__V1__PeerEvent e = VBR__V1__PEER_EVENT__INIT;
	e.sequence = UINT64_MAX;
	e.time = &ts;
	e.kind = VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_STATE_CHANGED;
	e.peer_id = "bgpp-1a2b3c4d";
	e.peer_ip = "192.0.2.1";
	e.old_state = VBR__V1__SESSION_STATE__SESSION_STATE_OPEN_CONFIRM;
	e.new_state = VBR__V1__SESSION_STATE__SESSION_STATE_ESTABLISHED;
	e.reason = "NOTIFICATION received: \"quoted\" \\ \033 / é";
	char *s = json_of(&e.base);
	assert_string_equal(
	    s, "{\"sequence\":\"18446744073709551615\","
	       "\"time\":\"2026-11-26T13:49:41.005Z\","
	       "\"kind\":\"PEER_EVENT_KIND_STATE_CHANGED\","
	       "\"peerId\":\"bgpp-1a2b3c4d\",\"peerIp\":\"192.0.2.1\","
	       "\"oldState\":\"SESSION_STATE_OPEN_CONFIRM\","
	       "\"newState\":\"SESSION_STATE_ESTABLISHED\","
	       "\"reason\":\"NOTIFICATION received: \\\"quoted\\\" \\\\ \\u001b / é\","
	       "\"oldBfdState\":\"BFD_STATE_UNSPECIFIED\","
	       "\"newBfdState\":\"BFD_STATE_UNSPECIFIED\"}");
	free(s);
}

static void test_route_oneofs_repeated_and_unknown_enum(void **state)
{
	(void)state;
	uint32_t path[] = {65001, 4200000001u};
	char *communities[] = {"65001:100"};
	Vbr__V1__Route r = VBR__V1__ROUTE__INIT;
	r.prefix = "198.51.100.0/24";
	r.next_hop = "192.0.2.1";
	r.n_as_path = 2;
	r.as_path = path;
	r.origin = 7; /* a value this client does not know: its number */
	r.med_present_case = VBR__V1__ROUTE__MED_PRESENT_MED;
	r.med = 0; /* present though zero */
	r.n_communities = 1;
	r.communities = communities;
	r.accepted = 0;
	char *s = json_of(&r.base);
	assert_string_equal(s, "{\"prefix\":\"198.51.100.0/24\",\"nextHop\":\"192.0.2.1\","
			       "\"asPath\":[65001,4200000001],\"origin\":7,\"med\":0,"
			       "\"communities\":[\"65001:100\"],\"accepted\":false,"
			       "\"largeCommunities\":[],\"peerId\":\"\",\"asPathSegments\":[],"
			       "\"asPathText\":\"\",\"notAcceptedReason\":\"\",\"stale\":false}");
	free(s);
}

static void test_field_mask_and_unset_message(void **state)
{
	(void)state;
	char *paths[] = {"route_limit", "hold_time"};
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	mask.n_paths = 2;
	mask.paths = paths;
	Vbr__V1__UpdateBgpPeerRequest u = VBR__V1__UPDATE_BGP_PEER_REQUEST__INIT;
	u.id = "bgpp-1";
	u.update_mask = &mask;
	char *s = json_of(&u.base);
	assert_string_equal(s, "{\"id\":\"bgpp-1\",\"updateMask\":\"routeLimit,holdTime\","
			       "\"groupId\":\"\",\"description\":\"\",\"adminDown\":false,"
			       "\"enableBfd\":false,\"requestId\":\"\"}");
	free(s);
	Vbr__V1__BgpPeer p = VBR__V1__BGP_PEER__INIT; /* established_time unset: left out */
	s = json_of(&p.base);
	assert_null(strstr(s, "establishedTime"));
	assert_non_null(strstr(s, "\"receivedRouteCount\":\"0\""));
	free(s);
}

static void test_pretty_print_keeps_empty_lists_on_one_line(void **state)
{
	(void)state;
	Vbr__V1__ListBgpNetworksResponse r = VBR__V1__LIST_BGP_NETWORKS_RESPONSE__INIT;
	struct json_object *obj = pbjson_message(&r.base);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	pbjson_print(out, obj, false);
	fclose(out);
	assert_string_equal(buf, "{\n  \"networks\": [],\n  \"nextPageToken\": \"\"\n}\n");
	free(buf);
	json_object_put(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_columns_align_without_trailing_blanks),
	    cmocka_unit_test(test_server_text_cannot_drive_the_terminal),
	    cmocka_unit_test(test_color_only_when_on),
	    cmocka_unit_test(test_flushes_keep_one_alignment),
	    cmocka_unit_test(test_timestamps_use_0_3_6_or_9_fraction_digits),
	    cmocka_unit_test(test_peer_event_mapping),
	    cmocka_unit_test(test_route_oneofs_repeated_and_unknown_enum),
	    cmocka_unit_test(test_field_mask_and_unset_message),
	    cmocka_unit_test(test_pretty_print_keeps_empty_lists_on_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
