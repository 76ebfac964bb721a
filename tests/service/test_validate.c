/* Every validation rule of issue 2, each on both sides of its boundary. */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "validate.h"

#define LOCAL_ASN 45104

static void expect_invalid(grpc_status_code code, const struct vbr_status *st, const char *field)
{
	assert_int_equal(code, GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(st->code, GRPC_STATUS_INVALID_ARGUMENT);
	assert_non_null(strstr(st->message, field));
}

static void test_name(void **state)
{
	(void)state;
	struct vbr_status st;
	char long_name[200];
	assert_int_equal(vbr_check_name("name", "ab", &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_name("name", "dc1.edge_A-2", &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_name("name", "a", &st), &st, "name");
	expect_invalid(vbr_check_name("name", "", &st), &st, "name");
	expect_invalid(vbr_check_name("name", "1abc", &st), &st, "letter");
	expect_invalid(vbr_check_name("name", "-abc", &st), &st, "letter");
	expect_invalid(vbr_check_name("name", "ab c", &st), &st, "name");
	expect_invalid(vbr_check_name("name", "ab/c", &st), &st, "name");
	expect_invalid(vbr_check_name("name", "abé", &st), &st, "name");
	memset(long_name, 'a', 128);
	long_name[128] = '\0';
	assert_int_equal(vbr_check_name("name", long_name, &st), GRPC_STATUS_OK);
	long_name[128] = 'a';
	long_name[129] = '\0';
	expect_invalid(vbr_check_name("name", long_name, &st), &st, "2-128");
}

static void test_description(void **state)
{
	(void)state;
	struct vbr_status st;
	char text[600];
	memset(text, 'x', 256);
	text[256] = '\0';
	assert_int_equal(vbr_check_description("description", text, &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_description("description", "", &st), GRPC_STATUS_OK);
	text[256] = 'x';
	text[257] = '\0';
	expect_invalid(vbr_check_description("description", text, &st), &st, "description");
	/* 256 two-byte characters are 256 characters, not 512. */
	for (int i = 0; i < 256; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	text[512] = '\0';
	assert_int_equal(vbr_check_description("description", text, &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_description("description", "\xff", &st), &st, "UTF-8");
	expect_invalid(vbr_check_description("description", "a\033[31mb", &st), &st, "control");
	expect_invalid(vbr_check_description("description", "line\nbreak", &st), &st, "control");
	expect_invalid(vbr_check_description("description", "del\x7f", &st), &st, "control");
}

static void test_peer_asn(void **state)
{
	(void)state;
	struct vbr_status st;
	assert_int_equal(vbr_check_peer_asn("peer_asn", 1, LOCAL_ASN, &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_peer_asn("peer_asn", 4294967295u, LOCAL_ASN, &st),
			 GRPC_STATUS_OK);
	assert_int_equal(vbr_check_peer_asn("peer_asn", 65001, LOCAL_ASN, &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_peer_asn("peer_asn", 0, LOCAL_ASN, &st), &st, "peer_asn");
	expect_invalid(vbr_check_peer_asn("peer_asn", 23456, LOCAL_ASN, &st), &st, "AS_TRANS");
	expect_invalid(vbr_check_peer_asn("peer_asn", LOCAL_ASN, LOCAL_ASN, &st), &st, "eBGP");
	/* The local ASN is a parameter, not a constant. */
	assert_int_equal(vbr_check_peer_asn("peer_asn", LOCAL_ASN, 65000, &st), GRPC_STATUS_OK);
}

static void test_auth_key(void **state)
{
	(void)state;
	struct vbr_status st;
	char key[100];
	memset(key, 'k', 80);
	key[80] = '\0';
	assert_int_equal(vbr_check_auth_key("auth_key", key, &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_auth_key("auth_key", "a b~!", &st), GRPC_STATUS_OK);
	key[80] = 'k';
	key[81] = '\0';
	expect_invalid(vbr_check_auth_key("auth_key", key, &st), &st, "1-80");
	expect_invalid(vbr_check_auth_key("auth_key", "", &st), &st, "auth_key");
	expect_invalid(vbr_check_auth_key("auth_key", "tab\there", &st), &st, "printable");
	expect_invalid(vbr_check_auth_key("auth_key", "caf\xc3\xa9", &st), &st, "printable");
	/* The message never echoes the key. */
	assert_null(strstr(st.message, "caf"));
}

static void test_peer_ip(void **state)
{
	(void)state;
	struct vbr_status st;
	uint32_t ip = 0;
	assert_int_equal(vbr_check_peer_ip("peer_ip", "192.0.2.1", &ip, &st), GRPC_STATUS_OK);
	assert_int_equal(ip, 0xc0000201u);
	assert_int_equal(vbr_check_peer_ip("peer_ip", "10.0.0.0", &ip, &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_peer_ip("peer_ip", "2001:db8::1", &ip, &st), &st,
		       "IPv6 is not supported");
	const char *bad[] = {"",	  "1.2.3",     "1.2.3.4.5",	  "256.1.1.1", "01.2.3.4",
			     "1.2.3.4 ",  "a.b.c.d",   "1..2.3",	  "0.1.2.3",   "127.0.0.1",
			     "224.0.0.5", "240.0.0.1", "255.255.255.255", "1.2.3.4/32"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_invalid(vbr_check_peer_ip("peer_ip", bad[i], &ip, &st), &st, "peer_ip");
}

static void test_cidr(void **state)
{
	(void)state;
	struct vbr_status st;
	uint32_t prefix = 0;
	uint8_t len = 0;
	assert_int_equal(vbr_check_cidr("cidr", "203.0.113.0/24", &prefix, &len, &st),
			 GRPC_STATUS_OK);
	assert_int_equal(prefix, 0xcb007100u);
	assert_int_equal(len, 24);
	assert_int_equal(vbr_check_cidr("cidr", "192.0.2.1/32", &prefix, &len, &st),
			 GRPC_STATUS_OK);
	assert_int_equal(vbr_check_cidr("cidr", "0.0.0.0/0", &prefix, &len, &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_cidr("cidr", "203.0.113.1/24", &prefix, &len, &st), &st,
		       "host bits");
	expect_invalid(vbr_check_cidr("cidr", "2001:db8::/32", &prefix, &len, &st), &st, "IPv6");
	const char *bad[] = {"",	 "10.0.0.0",	"10.0.0.0/", "10.0.0.0/33", "10.0.0.0/024",
			     "10.0.0/8", "10.0.0.0/8x", "x/8"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_invalid(vbr_check_cidr("cidr", bad[i], &prefix, &len, &st), &st, "cidr");
}

static void test_timers_and_limits(void **state)
{
	(void)state;
	struct vbr_status st;
	assert_int_equal(vbr_check_timers(0, 0, &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_timers(3, 1, &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_timers(65535, 65534, &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_timers(2, 1, &st), &st, "hold_time");
	expect_invalid(vbr_check_timers(65536, 10, &st), &st, "hold_time");
	expect_invalid(vbr_check_timers(30, 30, &st), &st, "keepalive_time");
	expect_invalid(vbr_check_timers(0, 10, &st), &st, "keepalive_time");
	assert_int_equal(vbr_check_route_limit("route_limit", 1, &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_route_limit("route_limit", 2000000, &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_route_limit("route_limit", 0, &st), &st, "route_limit");
	expect_invalid(vbr_check_route_limit("route_limit", 2000001, &st), &st, "route_limit");
}

static void test_ids_and_request_id(void **state)
{
	(void)state;
	struct vbr_status st;
	assert_int_equal(vbr_check_id("id", "bgpg-0123abcd", "bgpg-", &st), GRPC_STATUS_OK);
	expect_invalid(vbr_check_id("id", "bgpp-0123abcd", "bgpg-", &st), &st, "id");
	expect_invalid(vbr_check_id("id", "bgpg-0123ABCD", "bgpg-", &st), &st, "id");
	expect_invalid(vbr_check_id("id", "bgpg-0123abc", "bgpg-", &st), &st, "id");
	expect_invalid(vbr_check_id("id", "", "bgpg-", &st), &st, "required");
	char rid[200];
	memset(rid, 'r', 128);
	rid[128] = '\0';
	assert_int_equal(vbr_check_request_id(rid, &st), GRPC_STATUS_OK);
	assert_int_equal(vbr_check_request_id("", &st), GRPC_STATUS_OK);
	rid[128] = 'r';
	rid[129] = '\0';
	expect_invalid(vbr_check_request_id(rid, &st), &st, "request_id");
	expect_invalid(vbr_check_request_id("a b", &st), &st, "request_id");
}

static void test_create_group_defaults(void **state)
{
	(void)state;
	struct vbr_status st;
	struct vbr_group_values v;
	Vbr__V1__CreateBgpGroupRequest req = VBR__V1__CREATE_BGP_GROUP_REQUEST__INIT;
	req.name = "dc1";
	req.peer_asn = 65001;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	assert_int_equal(v.route_limit, 100);
	assert_int_equal(v.hold_time, 30);
	assert_int_equal(v.keepalive_time, 10);
	/* hold_time 9 with the default keepalive 10 breaks keepalive < hold. */
	req.hold_time_present_case = VBR__V1__CREATE_BGP_GROUP_REQUEST__HOLD_TIME_PRESENT_HOLD_TIME;
	req.hold_time = 9;
	expect_invalid(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), &st, "keepalive_time");
	/* hold_time 0 alone: no hold timer, no keepalives. */
	req.hold_time = 0;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	assert_int_equal(v.keepalive_time, 0);
	req.route_limit_present_case =
	    VBR__V1__CREATE_BGP_GROUP_REQUEST__ROUTE_LIMIT_PRESENT_ROUTE_LIMIT;
	req.route_limit = 0; /* present and 0: invalid, not "default" */
	expect_invalid(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), &st, "route_limit");
	req.route_limit = 5;
	/* local_asn: 0 is the router's; AS_TRANS never; peer_asn must differ from the group's. */
	req.local_asn = 23456;
	expect_invalid(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), &st, "local_asn");
	req.local_asn = 4200000001u;
	req.peer_asn = LOCAL_ASN; /* the router's ASN is another AS for this group */
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	req.peer_asn = 4200000001u;
	expect_invalid(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), &st, "peer_asn");
}

/* BFD timers: defaults 300 ms x 3; 50..10000 ms and 2..255, refused naming the field. */
static void test_bfd_fields(void **state)
{
	(void)state;
	struct vbr_status st;
	struct vbr_group_values v;
	Vbr__V1__CreateBgpGroupRequest req = VBR__V1__CREATE_BGP_GROUP_REQUEST__INIT;
	req.name = "dc1";
	req.peer_asn = 65001;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	assert_int_equal(v.bfd_min_interval_ms, 300);
	assert_int_equal(v.bfd_detect_multiplier, 3);
	req.bfd_min_interval_ms_present_case =
	    VBR__V1__CREATE_BGP_GROUP_REQUEST__BFD_MIN_INTERVAL_MS_PRESENT_BFD_MIN_INTERVAL_MS;
	req.bfd_detect_multiplier_present_case =
	    VBR__V1__CREATE_BGP_GROUP_REQUEST__BFD_DETECT_MULTIPLIER_PRESENT_BFD_DETECT_MULTIPLIER;
	static const uint32_t bad_ms[] = {0, 1, 49, 10001};
	req.bfd_detect_multiplier = 3;
	for (size_t i = 0; i < 4; i++) {
		req.bfd_min_interval_ms = bad_ms[i];
		expect_invalid(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), &st,
			       "bfd_min_interval_ms");
	}
	req.bfd_min_interval_ms = 50;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	assert_int_equal(v.bfd_min_interval_ms, 50);
	static const uint32_t bad_mult[] = {0, 1, 256};
	for (size_t i = 0; i < 3; i++) {
		req.bfd_detect_multiplier = bad_mult[i];
		expect_invalid(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), &st,
			       "bfd_detect_multiplier");
	}
	req.bfd_detect_multiplier = 255;
	req.bfd_min_interval_ms = 10000;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);

	/* Updates: the mask paths, and the same ranges. */
	unsigned mask;
	char *gpaths[] = {"bfd_min_interval_ms", "bfd_detect_multiplier"};
	Google__Protobuf__FieldMask gm = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	gm.n_paths = 2;
	gm.paths = gpaths;
	Vbr__V1__UpdateBgpGroupRequest ug = VBR__V1__UPDATE_BGP_GROUP_REQUEST__INIT;
	ug.id = "bgpg-0000abcd";
	ug.update_mask = &gm;
	ug.bfd_min_interval_ms = 100;
	ug.bfd_detect_multiplier = 3;
	assert_int_equal(vbr_validate_update_group(&ug, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_GROUP_BFD_MIN_INTERVAL | VBR_GROUP_BFD_MULTIPLIER);
	ug.bfd_min_interval_ms = 10;
	expect_invalid(vbr_validate_update_group(&ug, &mask, &st), &st,
		       "bfd_min_interval_ms");
	char *ppaths[] = {"enable_bfd"};
	Google__Protobuf__FieldMask pm = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	pm.n_paths = 1;
	pm.paths = ppaths;
	Vbr__V1__UpdateBgpPeerRequest up = VBR__V1__UPDATE_BGP_PEER_REQUEST__INIT;
	up.id = "bgpp-0000abcd";
	up.update_mask = &pm;
	assert_int_equal(vbr_validate_update_peer(&up, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_PEER_ENABLE_BFD); /* enable_bfd=false through the mask */
}

/* Graceful restart: on and 120 s unless given (presence, not value: false turns it off);
 * restart_time 1..4095 refused naming the field, on create and update. */
static void test_graceful_restart_fields(void **state)
{
	(void)state;
	struct vbr_status st;
	struct vbr_group_values v;
	Vbr__V1__CreateBgpGroupRequest req = VBR__V1__CREATE_BGP_GROUP_REQUEST__INIT;
	req.name = "dc1";
	req.peer_asn = 65001;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	assert_true(v.graceful_restart);
	assert_int_equal(v.restart_time, 120);
	req.graceful_restart_present_case =
	    VBR__V1__CREATE_BGP_GROUP_REQUEST__GRACEFUL_RESTART_PRESENT_GRACEFUL_RESTART;
	req.graceful_restart = false;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	assert_false(v.graceful_restart);
	req.restart_time_present_case =
	    VBR__V1__CREATE_BGP_GROUP_REQUEST__RESTART_TIME_PRESENT_RESTART_TIME;
	static const uint32_t bad[] = {0, 4096, 65536};
	for (size_t i = 0; i < 3; i++) {
		req.restart_time = bad[i];
		expect_invalid(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), &st,
			       "restart_time");
	}
	req.restart_time = 4095;
	assert_int_equal(vbr_validate_create_group(&req, LOCAL_ASN, &v, &st), GRPC_STATUS_OK);
	assert_int_equal(v.restart_time, 4095);

	unsigned mask;
	char *paths[] = {"graceful_restart", "restart_time"};
	Google__Protobuf__FieldMask gm = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	gm.n_paths = 2;
	gm.paths = paths;
	Vbr__V1__UpdateBgpGroupRequest ug = VBR__V1__UPDATE_BGP_GROUP_REQUEST__INIT;
	ug.id = "bgpg-0000abcd";
	ug.update_mask = &gm;
	ug.restart_time = 1;
	assert_int_equal(vbr_validate_update_group(&ug, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_GROUP_GRACEFUL_RESTART | VBR_GROUP_RESTART_TIME);
	ug.restart_time = 0;
	expect_invalid(vbr_validate_update_group(&ug, &mask, &st), &st, "restart_time");
	/* No mask: only true counts as given. */
	ug.update_mask = NULL;
	ug.graceful_restart = true;
	assert_int_equal(vbr_validate_update_group(&ug, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_GROUP_GRACEFUL_RESTART);
}

static void test_update_masks(void **state)
{
	(void)state;
	struct vbr_status st;
	unsigned mask;
	char *paths_ok[] = {"description", "auth_key"};
	char *paths_bad[] = {"id"};
	Google__Protobuf__FieldMask fm = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	Vbr__V1__UpdateBgpGroupRequest req = VBR__V1__UPDATE_BGP_GROUP_REQUEST__INIT;
	req.id = "bgpg-00000001";
	req.update_mask = &fm;
	fm.n_paths = 2;
	fm.paths = paths_ok;
	req.auth_key = ""; /* "" removes the key */
	assert_int_equal(vbr_validate_update_group(&req, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_GROUP_DESCRIPTION | VBR_GROUP_AUTH_KEY);
	fm.n_paths = 1;
	fm.paths = paths_bad;
	expect_invalid(vbr_validate_update_group(&req, &mask, &st), &st, "update_mask");
	/* No mask: the non-default fields. */
	req.update_mask = NULL;
	req.peer_asn = 65002;
	assert_int_equal(vbr_validate_update_group(&req, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_GROUP_PEER_ASN);
	req.peer_asn = 23456;
	expect_invalid(vbr_validate_update_group(&req, &mask, &st), &st, "peer_asn");
	/* local_asn: any but AS_TRANS; peer_asn == local ASN is the handler's (the group's). */
	req.peer_asn = 0;
	req.local_asn = 23456;
	expect_invalid(vbr_validate_update_group(&req, &mask, &st), &st, "local_asn");
	req.local_asn = 4200000001u;
	assert_int_equal(vbr_validate_update_group(&req, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_GROUP_LOCAL_ASN);
	req.local_asn = 0;

	Vbr__V1__UpdateBgpPeerRequest preq = VBR__V1__UPDATE_BGP_PEER_REQUEST__INIT;
	preq.id = "bgpp-00000001";
	expect_invalid(vbr_validate_update_peer(&preq, &mask, &st), &st, "update_mask");
	preq.admin_down = true;
	assert_int_equal(vbr_validate_update_peer(&preq, &mask, &st), GRPC_STATUS_OK);
	assert_int_equal(mask, VBR_PEER_ADMIN_DOWN);
}

static void test_requests(void **state)
{
	(void)state;
	struct vbr_status st;
	uint32_t ip;
	Vbr__V1__CreateBgpPeerRequest p = VBR__V1__CREATE_BGP_PEER_REQUEST__INIT;
	p.group_id = "bgpg-00000001";
	p.peer_ip = "192.0.2.1";
	assert_int_equal(vbr_validate_create_peer(&p, &ip, &st), GRPC_STATUS_OK);
	p.group_id = "";
	expect_invalid(vbr_validate_create_peer(&p, &ip, &st), &st, "group_id");

	Vbr__V1__ResetBgpPeerRequest r = VBR__V1__RESET_BGP_PEER_REQUEST__INIT;
	char msg[300];
	memset(msg, 'm', 255);
	msg[255] = '\0';
	r.id = "bgpp-00000001";
	r.message = msg;
	assert_int_equal(vbr_validate_reset_peer(&r, &st), GRPC_STATUS_OK);
	msg[255] = 'm';
	msg[256] = '\0';
	expect_invalid(vbr_validate_reset_peer(&r, &st), &st, "message");

	Vbr__V1__ListRoutesRequest lr = VBR__V1__LIST_ROUTES_REQUEST__INIT;
	lr.peer_id = "bgpp-00000001";
	lr.direction = 7;
	expect_invalid(vbr_validate_list_routes(&lr, &st), &st, "direction");

	Vbr__V1__WatchPeerEventsRequest w = VBR__V1__WATCH_PEER_EVENTS_REQUEST__INIT;
	char *ids[] = {"bgpp-00000001", "nope"};
	w.n_peer_ids = 2;
	w.peer_ids = ids;
	expect_invalid(vbr_validate_watch(&w, &st), &st, "peer_ids");
	w.n_peer_ids = 1;
	w.send_initial_state = true;
	w.after_sequence_present_case =
	    VBR__V1__WATCH_PEER_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE;
	expect_invalid(vbr_validate_watch(&w, &st), &st, "after_sequence");
}

/* The one errno -> gRPC status mapping: each core code lands where the README says. */
static void test_status_from_errno(void **state)
{
	(void)state;
	static const struct {
		int err;
		grpc_status_code code;
	} cases[] = {
	    {-ENOENT, GRPC_STATUS_NOT_FOUND},
	    {-EEXIST, GRPC_STATUS_ALREADY_EXISTS},
	    {-EINVAL, GRPC_STATUS_INVALID_ARGUMENT},
	    {-ENOSPC, GRPC_STATUS_RESOURCE_EXHAUSTED},
	    {-ENOMEM, GRPC_STATUS_RESOURCE_EXHAUSTED},
	    {-ENOTCONN, GRPC_STATUS_FAILED_PRECONDITION},
	    {-EAGAIN, GRPC_STATUS_FAILED_PRECONDITION},
	    {-EOPNOTSUPP, GRPC_STATUS_FAILED_PRECONDITION},
	    {-ESHUTDOWN, GRPC_STATUS_UNAVAILABLE},
	    {-EIO, GRPC_STATUS_INTERNAL},
	};
	struct vbr_status st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(vbr_status_from_errno(&st, cases[i].err, false, "x"), cases[i].code);
	vbr_status_from_errno(&st, -ENOENT, true, "peer %s", "bgpp-1");
	assert_string_equal(st.message, "peer bgpp-1: No such file or directory");
	vbr_status_from_errno(&st, -EEXIST, false, "route entry %d exists", 7);
	assert_string_equal(st.message, "route entry 7 exists");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name),
	    cmocka_unit_test(test_description),
	    cmocka_unit_test(test_peer_asn),
	    cmocka_unit_test(test_auth_key),
	    cmocka_unit_test(test_peer_ip),
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_timers_and_limits),
	    cmocka_unit_test(test_ids_and_request_id),
	    cmocka_unit_test(test_create_group_defaults),
	    cmocka_unit_test(test_bfd_fields),
	    cmocka_unit_test(test_graceful_restart_fields),
	    cmocka_unit_test(test_update_masks),
	    cmocka_unit_test(test_requests),
	    cmocka_unit_test(test_status_from_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
