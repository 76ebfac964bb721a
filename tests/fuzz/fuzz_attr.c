/*
 * fuzz_attr: libFuzzer target for path attribute decoding alone (bgp_attrs_decode), without
 * the UPDATE framing around it, so inputs of any length reach the attribute walk. The first
 * octet picks the session context (4-octet AS, iBGP, leftmost-AS check, NLRI present); the
 * rest is the Path Attributes field.
 */
#include <stdint.h>
#include <stdlib.h>

#include "attr.h"

static struct bgp_attrs attrs;
static struct bgp_notification err;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct bgp_attr_ctx ctx = {.as4 = data[0] & 1,
				   .ibgp = data[0] & 2,
				   .peer_asn = 65001,
				   .enforce_first_as = data[0] & 4};
	bool has_nlri = data[0] & 8;
	enum bgp_verdict v = bgp_attrs_decode(data + 1, size - 1, &ctx, has_nlri, &attrs, &err);
	CHECK(v >= BGP_VERDICT_ACCEPT && v <= BGP_VERDICT_SESSION_RESET);
	CHECK((v == BGP_VERDICT_ACCEPT) == (err.code == 0));
	CHECK(err.data_len <= BGP_NOTIFY_DATA_MAX);
	if (v > BGP_VERDICT_ATTR_DISCARD)
		return 0;
	CHECK(attrs.as_path_len <= BGP_AS_PATH_MAX);
	CHECK(attrs.as_segment_count <= BGP_AS_SEGMENTS_MAX);
	for (size_t i = 0; i < attrs.as_segment_count; i++) {
		CHECK(attrs.as_segments[i].count > 0);
		CHECK((size_t)attrs.as_segments[i].start + attrs.as_segments[i].count <=
		      attrs.as_path_len);
	}
	for (size_t i = 0; i < attrs.as_path_len; i++)
		CHECK(attrs.as_path[i] != 0); /* RFC 7607 */
	CHECK(attrs.community_count <= BGP_COMMUNITIES_MAX);
	CHECK(attrs.large_community_count <= BGP_LARGE_COMMUNITIES_MAX);
	CHECK(attrs.other_len <= BGP_ATTR_OTHER_MAX);
	if (attrs.mp_reach)
		CHECK(attrs.mp_reach_nlri >= data &&
		      attrs.mp_reach_nlri + attrs.mp_reach_nlri_len <= data + size);
	if (has_nlri)
		CHECK((attrs.present & BGP_ATTR_BIT(BGP_ATTR_ORIGIN)) &&
		      (attrs.present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)) &&
		      (attrs.present & BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP)));
	/* Walking the kept attributes must stay inside other[]. */
	(void)bgp_attrs_has_other(&attrs, 0xff);
	return 0;
}
