/*
 * fuzz_msg: libFuzzer target for BGP message decoding. The input is a byte stream as it would
 * arrive on a session: the framer cuts messages and each goes to its type's decoder (OPEN with
 * the configuration check, UPDATE on both a 4-octet and a 2-octet session, NOTIFICATION with
 * its RFC 9003 text, ROUTE-REFRESH). Errors are encoded back into NOTIFICATIONs as the session
 * would. Invariants that must hold for any input abort the run if broken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "open.h"
#include "update.h"

static struct bgp_update upd;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void check_prefixes(const struct bgp_prefix *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		CHECK(p[i].len <= 32);
		/* Bits past the length are cleared. */
		CHECK(p[i].len == 32 || (p[i].addr & (0xffffffffu >> p[i].len)) == 0);
	}
}

static void send_notification(const struct bgp_notification *n)
{
	uint8_t storage[BGP_MAX_MSG_LEN];
	struct bgp_wbuf w;
	bgp_wbuf_init_fixed(&w, storage, sizeof(storage));
	CHECK(bgp_notification_encode(&w, n) == 0);
	CHECK(w.len <= BGP_MAX_MSG_LEN);
}

/* Property: announcing the decoded prefixes and decoding that gives the same prefixes. */
static void reencode(bool as4)
{
	static struct bgp_prefix sent[BGP_UPDATE_PREFIX_MAX];
	static struct bgp_update back;
	size_t n = upd.nlri_count;
	memcpy(sent, upd.nlri, n * sizeof(sent[0]));
	struct bgp_announce an = {.local_asn = 4200000001u, .as4 = as4, .next_hop = 0x0a000001};
	struct bgp_attr_ctx ctx = {.as4 = as4};
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 0);
	CHECK(bgp_update_encode_announce(&w, &an, sent, n) >= 1);
	size_t off = 0, got = 0;
	while (off < w.len) {
		struct bgp_frame f;
		struct bgp_notification err;
		size_t consumed;
		CHECK(bgp_msg_frame(w.data + off, w.len - off, &f, &consumed, &err) ==
		      BGP_FRAME_OK);
		CHECK(bgp_update_decode(f.body, f.body_len, &ctx, &back) == BGP_VERDICT_ACCEPT);
		CHECK(back.attrs.as_path_len == 1 && back.attrs.as_path[0] == 4200000001u);
		for (size_t i = 0; i < back.nlri_count; i++) {
			CHECK(got < n);
			CHECK(back.nlri[i].addr == sent[got].addr &&
			      back.nlri[i].len == sent[got].len);
			got++;
		}
		off += consumed;
	}
	CHECK(got == n);
	bgp_wbuf_free(&w);
}

static void decode_update(const struct bgp_frame *f, bool as4)
{
	struct bgp_attr_ctx ctx = {.as4 = as4, .peer_asn = 65001, .enforce_first_as = as4};
	enum bgp_verdict v = bgp_update_decode(f->body, f->body_len, &ctx, &upd);
	CHECK(v == upd.verdict);
	CHECK(v >= BGP_VERDICT_ACCEPT && v <= BGP_VERDICT_SESSION_RESET);
	if (v == BGP_VERDICT_SESSION_RESET) {
		CHECK(upd.err.code == BGP_ERR_UPDATE);
		send_notification(&upd.err);
		return;
	}
	CHECK(upd.withdrawn_count <= BGP_UPDATE_PREFIX_MAX);
	CHECK(upd.nlri_count <= BGP_UPDATE_PREFIX_MAX);
	CHECK(upd.nlri_mp_start <= upd.nlri_count);
	check_prefixes(upd.withdrawn, upd.withdrawn_count);
	check_prefixes(upd.nlri, upd.nlri_count);
	if (v != BGP_VERDICT_ACCEPT)
		CHECK(upd.err.code == BGP_ERR_UPDATE);
	if (v <= BGP_VERDICT_ATTR_DISCARD) {
		const struct bgp_attrs *a = &upd.attrs;
		CHECK(a->as_path_len <= BGP_AS_PATH_MAX);
		CHECK(a->as_segment_count <= BGP_AS_SEGMENTS_MAX);
		for (size_t i = 0; i < a->as_segment_count; i++)
			CHECK((size_t)a->as_segments[i].start + a->as_segments[i].count <=
			      a->as_path_len);
		CHECK(a->other_len <= BGP_ATTR_OTHER_MAX);
		if (upd.nlri_count > 0)
			CHECK((a->present & BGP_ATTR_BIT(BGP_ATTR_ORIGIN)) &&
			      (a->present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)));
		if (upd.nlri_mp_start > 0)
			CHECK(a->present & BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP));
		if (upd.nlri_count > 0)
			reencode(as4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_notification err;
	size_t off = 0;
	/* Bounded: each round consumes at least 19 octets or stops. */
	while (off < size) {
		struct bgp_frame f;
		size_t consumed = 0;
		enum bgp_frame_status st =
		    bgp_msg_frame(data + off, size - off, &f, &consumed, &err);
		if (st == BGP_FRAME_ERROR) {
			CHECK(err.code == BGP_ERR_HEADER);
			send_notification(&err);
			return 0;
		}
		if (st == BGP_FRAME_NEED_MORE)
			return 0;
		CHECK(consumed >= BGP_HEADER_LEN && consumed <= size - off);
		CHECK(f.body_len + BGP_HEADER_LEN == consumed);
		switch (f.type) {
		case BGP_MSG_OPEN: {
			struct bgp_open o;
			struct bgp_open_expect expect = {
			    .peer_asn = 65001, .local_asn = 45104, .local_router_id = 0x0a000001};
			if (bgp_open_decode(f.body, f.body_len, &o, &err) == 0 &&
			    bgp_open_check(&o, &expect, &err) == 0)
				CHECK(o.asn == 65001 && o.hold_time != 1 && o.hold_time != 2);
			else
				send_notification(&err);
			break;
		}
		case BGP_MSG_UPDATE:
			decode_update(&f, true);
			decode_update(&f, false);
			break;
		case BGP_MSG_NOTIFICATION: {
			struct bgp_notification n;
			char text[BGP_SHUTDOWN_MSG_MAX + 1];
			CHECK(bgp_notification_decode(f.body, f.body_len, &n) == 0);
			enum bgp_shutdown_msg_status s =
			    bgp_notification_shutdown_message(&n, text);
			CHECK(strlen(text) <= BGP_SHUTDOWN_MSG_MAX);
			if (s != BGP_SHUTDOWN_MSG_OK)
				CHECK(text[0] == '\0');
			char reason[512];
			bgp_notify_describe(n.code, n.subcode, text, reason, sizeof(reason));
			break;
		}
		case BGP_MSG_ROUTE_REFRESH: {
			struct bgp_route_refresh rr;
			CHECK(bgp_route_refresh_decode(f.body, f.body_len, &rr, &err) == 0);
			break;
		}
		case BGP_MSG_KEEPALIVE:
			CHECK(f.body_len == 0);
			break;
		default:
			abort(); /* the framer lets no other type through */
		}
		off += consumed;
	}
	return 0;
}
