/* update: encode -> frame -> decode round trips of what we send (announcements for 2- and
 * 4-octet peers, packed withdrawals, End-of-RIB), and decoding of what peers send: every
 * attribute we keep, the RFC 6793 AS4_PATH / AS4_AGGREGATOR merge, MP_REACH_NLRI routes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "msg.h"
#include "open.h"
#include "update.h"

static struct bgp_update upd;
static struct bgp_notification err;

/* Decodes every UPDATE in w (all must frame), calling back after each. */
static size_t decode_all(const struct bgp_wbuf *w, const struct bgp_attr_ctx *ctx,
			 void (*check)(size_t index, void *arg), void *arg)
{
	size_t off = 0, n = 0;
	while (off < w->len) {
		struct bgp_frame f;
		size_t consumed;
		assert_int_equal(bgp_msg_frame(w->data + off, w->len - off, &f, &consumed, &err),
				 BGP_FRAME_OK);
		assert_int_equal(f.type, BGP_MSG_UPDATE);
		assert_true(f.length <= BGP_MAX_MSG_LEN);
		bgp_update_decode(f.body, f.body_len, ctx, &upd);
		check(n++, arg);
		off += consumed;
	}
	return n;
}

struct announce_check {
	const struct bgp_prefix *sent;
	size_t seen;
	uint32_t asn;
	uint32_t next_hop;
	bool withdraw;
	bool as4;
};

static void check_announce(size_t index, void *arg)
{
	struct announce_check *c = arg;
	(void)index;
	assert_int_equal(upd.verdict, BGP_VERDICT_ACCEPT);
	assert_false(upd.end_of_rib);
	const struct bgp_prefix *got = c->withdraw ? upd.withdrawn : upd.nlri;
	size_t count = c->withdraw ? upd.withdrawn_count : upd.nlri_count;
	assert_true(count > 0);
	assert_int_equal(c->withdraw ? upd.nlri_count : upd.withdrawn_count, 0);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(got[i].addr, c->sent[c->seen + i].addr);
		assert_int_equal(got[i].len, c->sent[c->seen + i].len);
	}
	c->seen += count;
	if (c->withdraw)
		return;
	const struct bgp_attrs *a = &upd.attrs;
	assert_int_equal(a->origin, 0);
	assert_int_equal(a->as_path_len, 1);
	assert_int_equal(a->as_segment_count, 1);
	assert_int_equal(a->as_segments[0].type, BGP_AS_SEQUENCE);
	assert_int_equal(a->as_path[0], c->asn);
	assert_int_equal(a->next_hop, c->next_hop);
	assert_int_equal(bgp_update_next_hop(&upd, 0), c->next_hop);
	assert_int_equal(a->present,
			 BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
			     BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) |
			     (!c->as4 && c->asn > 0xffff ? BGP_ATTR_BIT(BGP_ATTR_AS4_PATH) : 0));
}

static void announce_round_trip(uint32_t asn, bool as4, size_t n, size_t expect_msgs)
{
	static struct bgp_prefix prefixes[5000];
	assert_true(n <= 5000);
	for (size_t i = 0; i < n; i++) {
		/* A mix of lengths: /8 /16 /24 /32 and /0 once. */
		uint8_t len = i == 0 ? 0 : (uint8_t)(8 * (1 + i % 4));
		uint32_t addr = (uint32_t)(0x0a000000u + (uint32_t)i * 0x100u);
		prefixes[i].len = len;
		prefixes[i].addr = len ? addr & (0xffffffffu << (32 - len)) : 0;
	}
	struct bgp_announce an = {.local_asn = asn, .as4 = as4, .next_hop = 0xc0000201};
	struct bgp_attr_ctx ctx = {.as4 = as4};
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 0);
	int msgs = bgp_update_encode_announce(&w, &an, prefixes, n);
	assert_int_equal(msgs, (int)expect_msgs);
	struct announce_check c = {
	    .sent = prefixes, .asn = asn, .next_hop = an.next_hop, .as4 = as4};
	assert_int_equal(decode_all(&w, &ctx, check_announce, &c), expect_msgs);
	assert_int_equal(c.seen, n);

	bgp_wbuf_reset(&w);
	msgs = bgp_update_encode_withdraw(&w, prefixes, n);
	assert_true(msgs >= 1);
	struct announce_check cw = {.sent = prefixes, .withdraw = true};
	decode_all(&w, &ctx, check_announce, &cw);
	assert_int_equal(cw.seen, n);
	bgp_wbuf_free(&w);
}

static void check_graceful_shutdown(size_t index, void *arg)
{
	(void)index;
	(void)arg;
	assert_int_equal(upd.verdict, BGP_VERDICT_ACCEPT);
	assert_int_equal(upd.nlri_count, 2);
	assert_true(upd.attrs.present & BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES));
	assert_int_equal(upd.attrs.community_count, 1);
	assert_int_equal(upd.attrs.communities[0], 0xFFFF0000u); /* 65535:0 */
	assert_int_equal(upd.attrs.as_path[0], 4200000001u);     /* AS4_PATH still merged */
}

/* RFC 8326 drain: our announcement with GRACEFUL_SHUTDOWN, in type order before AS4_PATH. */
static void test_announce_graceful_shutdown(void **state)
{
	(void)state;
	struct bgp_prefix p[2] = {{.addr = 0xcb007100u, .len = 24}, {.addr = 0xc0000200u, .len = 24}};
	struct bgp_announce an = {.local_asn = 4200000001u, .as4 = false, .next_hop = 0x0a000001,
				  .graceful_shutdown = true};
	struct bgp_attr_ctx ctx = {.as4 = false};
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_update_encode_announce(&w, &an, p, 2), 1);
	assert_int_equal(decode_all(&w, &ctx, check_graceful_shutdown, NULL), 1);
	bgp_wbuf_free(&w);
}

static void test_announce_4_octet_session(void **state)
{
	(void)state;
	announce_round_trip(45104, true, 1, 1);
	announce_round_trip(4200000001u, true, 3, 1);
}

static void test_announce_2_octet_session(void **state)
{
	(void)state;
	announce_round_trip(45104, false, 10, 1);
	/* RFC 6793 4.2.2: AS_TRANS in AS_PATH, the real ASN in AS4_PATH; merged on decode. */
	announce_round_trip(4200000001u, false, 10, 1);
}

static void test_announce_packs_into_4096_octet_messages(void **state)
{
	(void)state;
	/* 3000 prefixes averaging 3.5 octets: about 10.5 KB of NLRI: 3 messages. */
	announce_round_trip(45104, true, 3000, 3);
}

static void test_packing_fills_each_message(void **state)
{
	(void)state;
	/* 2000 /32s take 5 octets each: (4096 - 23) / 5 = 814 per withdrawal message. */
	static struct bgp_prefix p[2000];
	for (size_t i = 0; i < 2000; i++)
		p[i] = (struct bgp_prefix){.addr = 0x0b000000u + (uint32_t)i, .len = 32};
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_update_encode_withdraw(&w, p, 2000), 3);
	assert_int_equal(bgp_load_u16(w.data + 16), 23 + 814 * 5);
	assert_int_equal(bgp_load_u16(w.data + 19), 814 * 5);
	/* Announcements carry 25 octets of attributes (4-octet AS): (4096 - 48) / 5 = 809. */
	bgp_wbuf_reset(&w);
	struct bgp_announce an = {.local_asn = 45104, .as4 = true, .next_hop = 0x0a000001};
	assert_int_equal(bgp_update_encode_announce(&w, &an, p, 2000), 3);
	assert_int_equal(bgp_load_u16(w.data + 16), 48 + 809 * 5);
	bgp_wbuf_free(&w);
}

static void test_encode_failure_leaves_buffer_unchanged(void **state)
{
	(void)state;
	static struct bgp_prefix p[1200];
	for (size_t i = 0; i < 1200; i++)
		p[i] = (struct bgp_prefix){.addr = 0x0b000000u + ((uint32_t)i << 8), .len = 24};
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 4096 + 100); /* room for one full message, not two */
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	struct bgp_announce an = {.local_asn = 45104, .as4 = true, .next_hop = 0x0a000001};
	assert_int_equal(bgp_update_encode_announce(&w, &an, p, 1200), -1);
	assert_int_equal(w.len, 19);
	assert_int_equal(bgp_update_encode_withdraw(&w, p, 1200), -1);
	assert_int_equal(w.len, 19);
	assert_int_equal(bgp_update_encode_withdraw(&w, p, 10), 1);
	bgp_wbuf_free(&w);
}

static void test_nlri_decode_limits(void **state)
{
	(void)state;
	const uint8_t three[] = {0x08, 0x0a, 0x08, 0x0b, 0x00};
	struct bgp_prefix out[3];
	size_t n;
	assert_int_equal(bgp_nlri_decode(three, sizeof(three), out, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[2].len, 0);
	/* More prefixes than room: an error, never a write past the array. */
	assert_int_equal(bgp_nlri_decode(three, sizeof(three), out, 2, &n), -1);
	assert_int_equal(n, 2);
	assert_true(bgp_nlri_valid(three, sizeof(three)));
	assert_false(bgp_nlri_valid(three, 1));
	const uint8_t len33[] = {33, 1, 2, 3, 4, 5};
	assert_false(bgp_nlri_valid(len33, sizeof(len33)));
	assert_int_equal(bgp_nlri_decode(len33, sizeof(len33), out, 3, &n), -1);
}

static void test_end_of_rib_round_trip(void **state)
{
	(void)state;
	struct bgp_wbuf w;
	struct bgp_frame f;
	size_t consumed;
	struct bgp_attr_ctx ctx = {.as4 = true};
	bgp_wbuf_init(&w, 0);
	assert_int_equal(bgp_update_encode_eor(&w), 0);
	assert_int_equal(w.len, 23);
	assert_int_equal(bgp_msg_frame(w.data, w.len, &f, &consumed, &err), BGP_FRAME_OK);
	assert_int_equal(bgp_update_decode(f.body, f.body_len, &ctx, &upd), BGP_VERDICT_ACCEPT);
	assert_true(upd.end_of_rib);
	assert_int_equal(upd.nlri_count + upd.withdrawn_count, 0);
	bgp_wbuf_free(&w);
}

/* Decodes an UPDATE body made of attributes (hex) and NLRI (hex); no withdrawn routes. */
static enum bgp_verdict decode_parts(const char *attrs_hex, const char *nlri_hex, bool as4)
{
	static uint8_t body[4096];
	long alen = hex_decode(attrs_hex, body + 4, sizeof(body) - 4);
	assert_true(alen >= 0);
	long nlen = hex_decode(nlri_hex, body + 4 + alen, sizeof(body) - 4 - (size_t)alen);
	assert_true(nlen >= 0);
	body[0] = body[1] = 0;
	bgp_store_u16(body + 2, (uint16_t)alen);
	struct bgp_attr_ctx ctx = {.as4 = as4, .peer_asn = 65001};
	return bgp_update_decode(body, 4 + (size_t)alen + (size_t)nlen, &ctx, &upd);
}

#define ORIGIN_IGP	  "40010100"
#define NEXT_HOP_10_0_0_1 "4003040a000001"

static void test_all_attributes_decoded(void **state)
{
	(void)state;
	assert_int_equal(decode_parts(ORIGIN_IGP
				      "4002 10 02 02 0000fde9 0000fdea 01 01 00000064" /* AS_PATH */
				      NEXT_HOP_10_0_0_1 "8004 04 00000032"	       /* MED 50 */
				      "4006 00"				   /* ATOMIC_AGGREGATE */
				      "c007 08 0000fde9 0a000009"	   /* AGGREGATOR */
				      "c008 08 fde90064 ffffff01"	   /* COMMUNITIES */
				      "c020 0c 00000001 00000002 00000003" /* LARGE_COMMUNITY */
				      "c010 08 0002fde900000001" /* EXT_COMMUNITIES, kept */
				      "c063 02 abcd",		 /* unknown transitive, kept */
				      "18 0a0102 20 0a010203 00", true),
			 BGP_VERDICT_ACCEPT);
	const struct bgp_attrs *a = &upd.attrs;
	assert_int_equal(upd.nlri_count, 3);
	assert_int_equal(upd.nlri[0].addr, 0x0a010200);
	assert_int_equal(upd.nlri[0].len, 24);
	assert_int_equal(upd.nlri[1].addr, 0x0a010203);
	assert_int_equal(upd.nlri[2].len, 0);
	assert_int_equal(a->as_path_len, 3);
	assert_int_equal(a->as_path[0], 65001);
	assert_int_equal(a->as_path[1], 65002);
	assert_int_equal(a->as_path[2], 100);
	assert_int_equal(a->as_segment_count, 2);
	assert_int_equal(a->as_segments[1].type, BGP_AS_SET);
	assert_int_equal(a->as_segments[1].start, 2);
	assert_int_equal(a->as_segments[1].count, 1);
	assert_int_equal(a->next_hop, 0x0a000001);
	assert_int_equal(a->med, 50);
	assert_true(a->atomic_aggregate);
	assert_int_equal(a->aggregator_asn, 65001);
	assert_int_equal(a->aggregator_ip, 0x0a000009);
	assert_int_equal(a->community_count, 2);
	assert_int_equal(a->communities[0], 0xfde90064);
	assert_int_equal(a->communities[1], 0xffffff01);
	assert_int_equal(a->large_community_count, 1);
	assert_int_equal(a->large_communities[0][2], 3);
	assert_true(bgp_attrs_has_other(a, BGP_ATTR_EXT_COMMUNITIES));
	assert_true(bgp_attrs_has_other(a, 0x63));
	assert_false(bgp_attrs_has_other(a, 0x64));
	/* RFC 4271 5: the unknown transitive one is kept with Partial set. */
	assert_int_equal(a->other_len, 11 + 5);
	assert_int_equal(a->other[11], 0xe0);
	assert_int_equal(a->other[12], 0x63);
	assert_int_equal(a->discarded, 0);
}

static void test_kept_attributes_walk(void **state)
{
	(void)state;
	/* An extended-length unknown transitive attribute (300 octets), then a short one: both
	 * kept in order, the first keeping its 2-octet length. */
	static char attrs[2048];
	int n = snprintf(attrs, sizeof(attrs), "%s",
			 ORIGIN_IGP "40020602010000fde9" NEXT_HOP_10_0_0_1 "d0 70 012c");
	for (int i = 0; i < 300; i++)
		n += snprintf(attrs + n, sizeof(attrs) - (size_t)n, "ab");
	snprintf(attrs + n, sizeof(attrs) - (size_t)n, "c071 01 cd");
	assert_int_equal(decode_parts(attrs, "08 0a", true), BGP_VERDICT_ACCEPT);
	const struct bgp_attrs *a = &upd.attrs;
	assert_int_equal(a->other_len, 4 + 300 + 4);
	assert_int_equal(a->other[0], 0xf0); /* Partial added, Extended kept */
	assert_int_equal(bgp_load_u16(a->other + 2), 300);
	assert_int_equal(a->other[304], 0xe0);
	assert_true(bgp_attrs_has_other(a, 0x70));
	assert_true(bgp_attrs_has_other(a, 0x71));
	assert_false(bgp_attrs_has_other(a, 0x72));
	assert_string_equal(bgp_attr_name(BGP_ATTR_LARGE_COMMUNITY), "LARGE_COMMUNITY");
	assert_null(bgp_attr_name(0x70));
	assert_string_equal(bgp_verdict_name(BGP_VERDICT_TREAT_AS_WITHDRAW), "treat-as-withdraw");
}

static void test_prefix_padding_bits_cleared(void **state)
{
	(void)state;
	assert_int_equal(decode_parts(ORIGIN_IGP "40020602010000fde9" NEXT_HOP_10_0_0_1,
				      "14 0a01ff 07 ff", true),
			 BGP_VERDICT_ACCEPT);
	assert_int_equal(upd.nlri[0].addr, 0x0a01f000);
	assert_int_equal(upd.nlri[0].len, 20);
	assert_int_equal(upd.nlri[1].addr, 0xfe000000);
}

static void test_as4_path_merge(void **state)
{
	(void)state;
	/* AS_PATH [1 2 3 AS_TRANS AS_TRANS], AS4_PATH [4200000001 4200000002]. */
	assert_int_equal(decode_parts(ORIGIN_IGP
				      "4002 0c 02 05 0001 0002 0003 5ba0 5ba0" NEXT_HOP_10_0_0_1
				      "c011 0a 02 02 fa56ea01 fa56ea02",
				      "08 0a", false),
			 BGP_VERDICT_ACCEPT);
	const struct bgp_attrs *a = &upd.attrs;
	assert_int_equal(a->as_path_len, 5);
	assert_int_equal(a->as_path[2], 3);
	assert_int_equal(a->as_path[3], 4200000001u);
	assert_int_equal(a->as_path[4], 4200000002u);
	assert_int_equal(a->as_segment_count, 1);
	assert_int_equal(a->as_segments[0].count, 5);
}

static void test_as4_path_merge_with_as_set(void **state)
{
	(void)state;
	/* AS_PATH SEQ[1 2 AS_TRANS] SET[AS_TRANS 5]; AS4_PATH SEQ[4200000001] SET[4200000005 5].
	 * Counts 4 and 2 (a set counts 1): keep 2 leading ASes, then AS4_PATH. */
	assert_int_equal(
	    decode_parts(ORIGIN_IGP "4002 0e 02 03 0001 0002 5ba0 01 02 5ba0 0005" NEXT_HOP_10_0_0_1
				    "c011 10 02 01 fa56ea01 01 02 fa56ea05 00000005",
			 "08 0a", false),
	    BGP_VERDICT_ACCEPT);
	const struct bgp_attrs *a = &upd.attrs;
	assert_int_equal(a->as_path_len, 5);
	assert_int_equal(a->as_path[0], 1);
	assert_int_equal(a->as_path[1], 2);
	assert_int_equal(a->as_path[2], 4200000001u);
	assert_int_equal(a->as_path[3], 4200000005u);
	assert_int_equal(a->as_path[4], 5);
	assert_int_equal(a->as_segment_count, 2);
	assert_int_equal(a->as_segments[0].type, BGP_AS_SEQUENCE);
	assert_int_equal(a->as_segments[0].count, 3);
	assert_int_equal(a->as_segments[1].type, BGP_AS_SET);
	assert_int_equal(a->as_segments[1].start, 3);
}

static void test_as4_path_merge_set_in_leading_part(void **state)
{
	(void)state;
	/* AS_PATH SET{1 2} SEQ[3 AS_TRANS] counts 3; AS4_PATH [4200000001] counts 1: keep the
	 * set and AS 3, then AS4_PATH, joined into one sequence. */
	assert_int_equal(decode_parts(ORIGIN_IGP
				      "4002 0c 01 02 0001 0002 02 02 0003 5ba0" NEXT_HOP_10_0_0_1
				      "c011 06 02 01 fa56ea01",
				      "08 0a", false),
			 BGP_VERDICT_ACCEPT);
	const struct bgp_attrs *a = &upd.attrs;
	assert_int_equal(a->as_path_len, 4);
	assert_int_equal(a->as_segment_count, 2);
	assert_int_equal(a->as_segments[0].type, BGP_AS_SET);
	assert_int_equal(a->as_segments[1].type, BGP_AS_SEQUENCE);
	assert_int_equal(a->as_segments[1].count, 2);
	assert_int_equal(a->as_path[2], 3);
	assert_int_equal(a->as_path[3], 4200000001u);
}

static void test_as4_path_longer_than_as_path_ignored(void **state)
{
	(void)state;
	assert_int_equal(decode_parts(ORIGIN_IGP "4002 04 02 01 5ba0" NEXT_HOP_10_0_0_1
						 "c011 0a 02 02 fa56ea01 fa56ea02",
				      "08 0a", false),
			 BGP_VERDICT_ACCEPT);
	assert_int_equal(upd.attrs.as_path_len, 1);
	assert_int_equal(upd.attrs.as_path[0], BGP_AS_TRANS);
}

static void test_as4_aggregator(void **state)
{
	(void)state;
	/* AGGREGATOR AS_TRANS + AS4_AGGREGATOR: the real aggregator, and AS4_PATH applies. */
	assert_int_equal(decode_parts(ORIGIN_IGP "4002 06 02 02 0001 5ba0" NEXT_HOP_10_0_0_1
						 "c007 06 5ba0 0a000009"
						 "c012 08 fa56ea01 0a000009"
						 "c011 06 02 01 fa56ea01",
				      "08 0a", false),
			 BGP_VERDICT_ACCEPT);
	assert_int_equal(upd.attrs.aggregator_asn, 4200000001u);
	assert_int_equal(upd.attrs.as_path[1], 4200000001u);
	/* AGGREGATOR not AS_TRANS: AS4_AGGREGATOR and AS4_PATH are both ignored. */
	assert_int_equal(decode_parts(ORIGIN_IGP "4002 06 02 02 0001 5ba0" NEXT_HOP_10_0_0_1
						 "c007 06 0007 0a000009"
						 "c012 08 fa56ea01 0a000009"
						 "c011 06 02 01 fa56ea01",
				      "08 0a", false),
			 BGP_VERDICT_ACCEPT);
	assert_int_equal(upd.attrs.aggregator_asn, 7);
	assert_int_equal(upd.attrs.as_path[1], BGP_AS_TRANS);
}

static void test_as4_path_with_plain_aggregator(void **state)
{
	(void)state;
	/* Issue 14's case: a 2-octet peer's AS_PATH [65001 AS_TRANS AS_TRANS], AS4_PATH
	 * [4200000001 4200000002] and an AGGREGATOR (65001) without AS4_AGGREGATOR. RFC 6793
	 * 4.2.3 ignores AS4_PATH only when both aggregators came: the merged path applies. */
	assert_int_equal(decode_parts(ORIGIN_IGP "4002 08 02 03 fde9 5ba0 5ba0" NEXT_HOP_10_0_0_1
						 "c007 06 fde9 0a000009"
						 "c011 0a 02 02 fa56ea01 fa56ea02",
				      "08 0a", false),
			 BGP_VERDICT_ACCEPT);
	const struct bgp_attrs *a = &upd.attrs;
	assert_int_equal(a->aggregator_asn, 65001);
	assert_int_equal(a->as_path_len, 3);
	assert_int_equal(a->as_path[0], 65001);
	assert_int_equal(a->as_path[1], 4200000001u);
	assert_int_equal(a->as_path[2], 4200000002u);
	assert_int_equal(a->as_segment_count, 1);
	/* An AS4_AGGREGATOR alone (no AGGREGATOR): AS4_PATH still applies. */
	assert_int_equal(decode_parts(ORIGIN_IGP "4002 06 02 02 fde9 5ba0" NEXT_HOP_10_0_0_1
						 "c012 08 fa56ea01 0a000009"
						 "c011 06 02 01 fa56ea01",
				      "08 0a", false),
			 BGP_VERDICT_ACCEPT);
	assert_int_equal(upd.attrs.as_path[1], 4200000001u);
}

static void test_mp_reach_ipv4_routes(void **state)
{
	(void)state;
	/* Routes in the NLRI field and in MP_REACH_NLRI, each with its own next hop. */
	enum bgp_verdict v =
	    decode_parts("800e 0c 0001 01 04 c0000202 00 10 0a02" ORIGIN_IGP
			 "40020602010000fde9" NEXT_HOP_10_0_0_1 "800f 06 0001 01 10 0a03",
			 "10 0a01", true);
	assert_int_equal(v, BGP_VERDICT_ACCEPT);
	assert_int_equal(upd.err.code, 0);
	assert_int_equal(upd.nlri_count, 2);
	assert_int_equal(upd.nlri_mp_start, 1);
	assert_int_equal(upd.nlri[1].addr, 0x0a020000);
	assert_int_equal(bgp_update_next_hop(&upd, 0), 0x0a000001);
	assert_int_equal(bgp_update_next_hop(&upd, 1), 0xc0000202);
	assert_int_equal(upd.withdrawn_count, 1);
	assert_int_equal(upd.withdrawn[0].addr, 0x0a030000);
}

static void test_treat_as_withdraw_keeps_prefixes(void **state)
{
	(void)state;
	/* ORIGIN 5: the routes must be withdrawn, so they are still reported. */
	assert_int_equal(decode_parts("40010105 40020602010000fde9" NEXT_HOP_10_0_0_1,
				      "10 0a01 18 0a0203", true),
			 BGP_VERDICT_TREAT_AS_WITHDRAW);
	assert_int_equal(upd.nlri_count, 2);
	assert_int_equal(upd.err.code, BGP_ERR_UPDATE);
	assert_int_equal(upd.err.subcode, BGP_SUBERR_UPDATE_INVALID_ORIGIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_announce_4_octet_session),
	    cmocka_unit_test(test_announce_2_octet_session),
	    cmocka_unit_test(test_announce_graceful_shutdown),
	    cmocka_unit_test(test_announce_packs_into_4096_octet_messages),
	    cmocka_unit_test(test_packing_fills_each_message),
	    cmocka_unit_test(test_encode_failure_leaves_buffer_unchanged),
	    cmocka_unit_test(test_nlri_decode_limits),
	    cmocka_unit_test(test_end_of_rib_round_trip),
	    cmocka_unit_test(test_all_attributes_decoded),
	    cmocka_unit_test(test_kept_attributes_walk),
	    cmocka_unit_test(test_prefix_padding_bits_cleared),
	    cmocka_unit_test(test_as4_path_merge),
	    cmocka_unit_test(test_as4_path_merge_with_as_set),
	    cmocka_unit_test(test_as4_path_merge_set_in_leading_part),
	    cmocka_unit_test(test_as4_path_longer_than_as_path_ignored),
	    cmocka_unit_test(test_as4_aggregator),
	    cmocka_unit_test(test_as4_path_with_plain_aggregator),
	    cmocka_unit_test(test_mp_reach_ipv4_routes),
	    cmocka_unit_test(test_treat_as_withdraw_keeps_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
