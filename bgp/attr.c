/*
 * attr: path attribute decoding through one descriptor table (attr_table below): for each
 * type we recognize, its expected Optional/Transitive flags, what RFC 7606 section 7 says to do
 * when it is malformed, when it is dropped without a look (LOCAL_PREF from an external peer,
 * AS4_* between 4-octet speakers), and its decoder.
 *
 * The walk (bgp_attrs_decode) does what is common to every attribute: the header and length
 * (RFC 7606 4), duplicates (RFC 7606 3.g), flags (RFC 4271 6.3, RFC 7606 3.c), unknown
 * attributes (RFC 4271 5, 6.3). Afterwards: the AS4_PATH / AS4_AGGREGATOR merge for a 2-octet
 * peer (RFC 6793 4.2.3), mandatory attributes (RFC 7606 3.d) and the leftmost AS check.
 * The worst error wins: its verdict is returned and its NOTIFICATION kept in *err.
 */
#include "attr.h"

#include "msg.h"
#include "open.h"
#include "prefix.h"

#include <string.h>

struct attr_view {
	uint8_t flags;
	uint8_t type;
	const uint8_t *raw; /* whole attribute, header included: NOTIFICATION data */
	size_t raw_len;
	const uint8_t *val;
	size_t len;
};

struct decoder {
	const struct bgp_attr_ctx *ctx;
	struct bgp_attrs *out;
	struct bgp_notification *err;
	enum bgp_verdict verdict;
	bool has_nlri; /* the NLRI field (not MP_REACH_NLRI) carries routes */
};

struct attr_desc;
typedef enum bgp_verdict (*attr_decode_fn)(struct decoder *d, const struct attr_view *a,
					   const struct attr_desc *desc);

/* When an attribute is dropped before it is looked at. */
enum attr_skip {
	SKIP_NEVER = 0,
	SKIP_EBGP = 1, /* RFC 7606 7.5, 7.9, 7.10: from an external peer, attribute discard */
	SKIP_AS4 = 2,  /* RFC 6793 6: AS4_* between two 4-octet speakers is discarded */
};

struct attr_desc {
	const char *name;
	uint8_t flags;		   /* expected Optional | Transitive bits */
	enum bgp_verdict on_error; /* RFC 7606 7.x: how a malformed one is handled */
	enum attr_skip skip;
	attr_decode_fn decode;
};

/* Records an error; the most severe verdict (first one of that severity) wins. */
static enum bgp_verdict fail(struct decoder *d, enum bgp_verdict v, uint8_t subcode,
			     const uint8_t *data, size_t data_len)
{
	if (v > d->verdict) {
		d->verdict = v;
		bgp_notification_set(d->err, BGP_ERR_UPDATE, subcode, data, data_len);
	}
	if (v == BGP_VERDICT_ATTR_DISCARD)
		d->out->discarded++;
	return v;
}

/* A malformed attribute, handled as its descriptor says; data = the attribute. */
static enum bgp_verdict malformed(struct decoder *d, const struct attr_view *a,
				  const struct attr_desc *desc, uint8_t subcode)
{
	return fail(d, desc->on_error, subcode, a->raw, a->raw_len);
}

static enum bgp_verdict bad_length(struct decoder *d, const struct attr_view *a,
				   const struct attr_desc *desc)
{
	/* RFC 4271 6.3: Attribute Length Error, data = the attribute. */
	return malformed(d, a, desc, BGP_SUBERR_UPDATE_ATTR_LENGTH);
}

/* Appends the attribute to out->other (flags possibly changed) for passing on; false if full. */
static bool keep_other(struct bgp_attrs *out, const struct attr_view *a, uint8_t flags)
{
	size_t hdr = (flags & BGP_ATTR_FLAG_EXTENDED) ? 4 : 3;
	if (hdr + a->len > (size_t)BGP_ATTR_OTHER_MAX - out->other_len)
		return false;
	uint8_t *p = out->other + out->other_len;
	p[0] = flags;
	p[1] = a->type;
	if (hdr == 4)
		bgp_store_u16(p + 2, (uint16_t)a->len);
	else
		p[2] = (uint8_t)a->len;
	memcpy(p + hdr, a->val, a->len);
	out->other_len = (uint16_t)(out->other_len + hdr + a->len);
	return true;
}

static enum bgp_verdict decode_origin(struct decoder *d, const struct attr_view *a,
				      const struct attr_desc *desc)
{
	/* RFC 7606 7.1: length other than 1 or an undefined value: treat-as-withdraw. */
	if (a->len != 1)
		return bad_length(d, a, desc);
	if (a->val[0] > 2) /* RFC 4271 6.3: Invalid ORIGIN Attribute, data = the attribute */
		return malformed(d, a, desc, BGP_SUBERR_UPDATE_INVALID_ORIGIN);
	d->out->origin = a->val[0];
	d->out->present |= BGP_ATTR_BIT(BGP_ATTR_ORIGIN);
	return BGP_VERDICT_ACCEPT;
}

enum path_result { PATH_OK = 0, PATH_MALFORMED = -1, PATH_AS0 = -2 };

/*
 * Parses AS path segments (RFC 4271 4.3 b) of asn_size-octet ASNs into asns/segs. A segment is
 * malformed (RFC 7606 7.2) when its type is unknown (0, 5..), its length is 0, it overruns the
 * attribute, or a lone octet trails the last one; AS 0 makes the path malformed (RFC 7607 2),
 * reported apart (PATH_AS0) because AS4_PATH handles it more strictly than its other errors.
 * Confederation segments: kept when `confed` is 1, malformed when 0 (RFC 5065 5: not from an
 * external peer), dropped when 2 (RFC 6793 6: never carried in AS4_PATH).
 */
static enum path_result parse_path(const uint8_t *p, size_t len, size_t asn_size, int confed,
				   uint32_t *asns, uint16_t *nasns, struct bgp_as_segment *segs,
				   uint16_t *nsegs)
{
	size_t na = 0, ns = 0, i = 0;
	while (i < len) {
		if (len - i < 2)
			return PATH_MALFORMED;
		uint8_t type = p[i];
		uint8_t count = p[i + 1];
		i += 2;
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET || count == 0)
			return PATH_MALFORMED;
		size_t octets = (size_t)count * asn_size;
		if (octets > len - i)
			return PATH_MALFORMED;
		bool is_confed = type == BGP_AS_CONFED_SEQUENCE || type == BGP_AS_CONFED_SET;
		if (is_confed && confed == 0)
			return PATH_MALFORMED;
		for (size_t k = 0; k < count; k++) {
			const uint8_t *q = p + i + k * asn_size;
			uint32_t asn = asn_size == 4 ? bgp_load_u32(q) : bgp_load_u16(q);
			if (asn == 0)
				return PATH_AS0;
		}
		if (is_confed && confed == 2) {
			i += octets;
			continue;
		}
		/* Cannot happen within a 4096-octet message; bounded anyway for any input. */
		if (ns >= BGP_AS_SEGMENTS_MAX || count > BGP_AS_PATH_MAX - na)
			return PATH_MALFORMED;
		segs[ns].type = type;
		segs[ns].start = (uint16_t)na;
		segs[ns].count = count;
		ns++;
		for (size_t k = 0; k < count; k++) {
			const uint8_t *q = p + i + k * asn_size;
			asns[na++] = asn_size == 4 ? bgp_load_u32(q) : bgp_load_u16(q);
		}
		i += octets;
	}
	*nasns = (uint16_t)na;
	*nsegs = (uint16_t)ns;
	return PATH_OK;
}

static enum bgp_verdict decode_as_path(struct decoder *d, const struct attr_view *a,
				       const struct attr_desc *desc)
{
	struct bgp_attrs *out = d->out;
	size_t asn_size = d->ctx->as4 ? 4 : 2; /* RFC 6793 3, 4.2.2 */
	if (parse_path(a->val, a->len, asn_size, d->ctx->ibgp ? 1 : 0, out->as_path,
		       &out->as_path_len, out->as_segments, &out->as_segment_count) != PATH_OK) {
		/* RFC 7606 7.2: Malformed AS_PATH, treat-as-withdraw (RFC 4271 6.3: no data). */
		out->as_path_len = 0;
		out->as_segment_count = 0;
		return fail(d, desc->on_error, BGP_SUBERR_UPDATE_MALFORMED_AS_PATH, NULL, 0);
	}
	out->present |= BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	return BGP_VERDICT_ACCEPT;
}

/* RFC 4271 6.3: a NEXT_HOP that is no valid unicast host address is syntactically wrong. */
static bool valid_next_hop(uint32_t ip)
{
	uint8_t first = (uint8_t)(ip >> 24);
	return first != 0 && first != 127 && first < 224;
}

static enum bgp_verdict decode_next_hop(struct decoder *d, const struct attr_view *a,
					const struct attr_desc *desc)
{
	/* RFC 7606 7.3: wrong length or syntactically incorrect: treat-as-withdraw. */
	if (a->len != 4)
		return bad_length(d, a, desc);
	uint32_t ip = bgp_load_u32(a->val);
	/* RFC 4271 6.3: not a host address (syntax), or our own address (semantics; the
	 * route is to be ignored, which RFC 7606 3 calls treat-as-withdraw). */
	if (!valid_next_hop(ip) || (d->ctx->local_addr && ip == d->ctx->local_addr))
		return malformed(d, a, desc, BGP_SUBERR_UPDATE_INVALID_NEXT_HOP);
	d->out->next_hop = ip;
	d->out->present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_u32(struct decoder *d, const struct attr_view *a,
				   const struct attr_desc *desc)
{
	/* RFC 7606 7.4 (MED), 7.5 (LOCAL_PREF), 7.9 (ORIGINATOR_ID): exactly 4 octets. */
	if (a->len != 4)
		return bad_length(d, a, desc);
	uint32_t v = bgp_load_u32(a->val);
	if (a->type == BGP_ATTR_MED)
		d->out->med = v;
	else if (a->type == BGP_ATTR_LOCAL_PREF)
		d->out->local_pref = v;
	else
		d->out->originator_id = v;
	d->out->present |= BGP_ATTR_BIT(a->type);
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_atomic_aggregate(struct decoder *d, const struct attr_view *a,
						const struct attr_desc *desc)
{
	/* RFC 7606 7.6: length other than 0: attribute discard. */
	if (a->len != 0)
		return bad_length(d, a, desc);
	d->out->atomic_aggregate = true;
	d->out->present |= BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE);
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_aggregator(struct decoder *d, const struct attr_view *a,
					  const struct attr_desc *desc)
{
	/* RFC 7606 7.7: 6 octets (8 between 4-octet speakers, RFC 6793 3), else discard. */
	size_t asn_size = d->ctx->as4 ? 4 : 2;
	if (a->len != asn_size + 4)
		return bad_length(d, a, desc);
	uint32_t asn = asn_size == 4 ? bgp_load_u32(a->val) : bgp_load_u16(a->val);
	/* RFC 7607 2: AS 0 is malformed; RFC 7606 7.7 handling: attribute discard. */
	if (asn == 0)
		return malformed(d, a, desc, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
	d->out->aggregator_asn = asn;
	d->out->aggregator_ip = bgp_load_u32(a->val + asn_size);
	d->out->present |= BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR);
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_communities(struct decoder *d, const struct attr_view *a,
					   const struct attr_desc *desc)
{
	/* RFC 7606 7.8: length not a non-zero multiple of 4: treat-as-withdraw. */
	if (a->len == 0 || a->len % 4 || a->len / 4 > BGP_COMMUNITIES_MAX)
		return bad_length(d, a, desc);
	size_t n = a->len / 4;
	for (size_t i = 0; i < n; i++)
		d->out->communities[i] = bgp_load_u32(a->val + 4 * i);
	d->out->community_count = (uint16_t)n;
	d->out->present |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_large_community(struct decoder *d, const struct attr_view *a,
					       const struct attr_desc *desc)
{
	/* RFC 8092 5: length not a non-zero multiple of 12: treat-as-withdraw. */
	if (a->len == 0 || a->len % 12 || a->len / 12 > BGP_LARGE_COMMUNITIES_MAX)
		return bad_length(d, a, desc);
	size_t n = a->len / 12;
	for (size_t i = 0; i < n; i++) {
		d->out->large_communities[i][0] = bgp_load_u32(a->val + 12 * i);
		d->out->large_communities[i][1] = bgp_load_u32(a->val + 12 * i + 4);
		d->out->large_communities[i][2] = bgp_load_u32(a->val + 12 * i + 8);
	}
	d->out->large_community_count = (uint16_t)n;
	d->out->present |= BGP_ATTR_BIT_LARGE_COMMUNITY;
	return BGP_VERDICT_ACCEPT;
}

/* Attributes we check and keep as received: CLUSTER_LIST, EXTENDED_COMMUNITIES. */
static enum bgp_verdict decode_kept_multiple(struct decoder *d, const struct attr_view *a,
					     const struct attr_desc *desc)
{
	/* RFC 7606 7.10 (CLUSTER_LIST, 4), 7.14 (extended communities, 8): non-zero multiple. */
	size_t unit = a->type == BGP_ATTR_CLUSTER_LIST ? 4 : 8;
	if (a->len == 0 || a->len % unit)
		return bad_length(d, a, desc);
	if (!keep_other(d->out, a, a->flags))
		d->out->discarded++;
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_mp_reach(struct decoder *d, const struct attr_view *a,
					const struct attr_desc *desc)
{
	struct bgp_attrs *out = d->out;
	struct bgp_rbuf r;
	uint16_t afi;
	uint8_t safi, nh_len, reserved;
	const uint8_t *nh;
	bgp_rbuf_init(&r, a->val, a->len);
	/* RFC 4760 3: AFI, SAFI, next hop length and address, reserved octet, NLRI. */
	if (bgp_rbuf_u16(&r, &afi) || bgp_rbuf_u8(&r, &safi) || bgp_rbuf_u8(&r, &nh_len) ||
	    bgp_rbuf_bytes(&r, nh_len, &nh) || bgp_rbuf_u8(&r, &reserved))
		goto bad; /* RFC 7606 7.11: session reset, Optional Attribute Error (RFC 4760 7) */
	out->mp_reach_afi = afi;
	out->mp_reach_safi = safi;
	out->mp_reach_nlri = r.p;
	out->mp_reach_nlri_len = r.left;
	if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST) {
		/* RFC 7606 7.11: a next hop length other than expected (4 for IPv4) is malformed;
		 * so is NLRI that does not parse (RFC 7606 5.3). */
		if (nh_len != 4 || !bgp_nlri_valid(r.p, r.left))
			goto bad;
		uint32_t ip = bgp_load_u32(nh);
		/* A next hop that is no host address: as for NEXT_HOP, RFC 7606 7.3. */
		if (!valid_next_hop(ip) || (d->ctx->local_addr && ip == d->ctx->local_addr)) {
			fail(d, BGP_VERDICT_TREAT_AS_WITHDRAW, BGP_SUBERR_UPDATE_INVALID_NEXT_HOP,
			     a->raw, a->raw_len);
		}
		out->mp_next_hop = ip;
	}
	out->mp_reach = true;
	return BGP_VERDICT_ACCEPT;
bad:
	return malformed(d, a, desc, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
}

static enum bgp_verdict decode_mp_unreach(struct decoder *d, const struct attr_view *a,
					  const struct attr_desc *desc)
{
	struct bgp_attrs *out = d->out;
	/* RFC 4760 4: AFI, SAFI, withdrawn routes. */
	if (a->len < 3)
		return malformed(d, a, desc, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
	out->mp_unreach_afi = bgp_load_u16(a->val);
	out->mp_unreach_safi = a->val[2];
	out->mp_unreach_nlri = a->val + 3;
	out->mp_unreach_nlri_len = a->len - 3;
	/* RFC 7606 5.3, 7.12: withdrawn NLRI that does not parse: session reset. */
	if (out->mp_unreach_afi == BGP_AFI_IPV4 && out->mp_unreach_safi == BGP_SAFI_UNICAST &&
	    !bgp_nlri_valid(out->mp_unreach_nlri, out->mp_unreach_nlri_len))
		return malformed(d, a, desc, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
	out->mp_unreach = true;
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_as4_path(struct decoder *d, const struct attr_view *a,
					const struct attr_desc *desc)
{
	struct bgp_attrs *out = d->out;
	/* RFC 6793 6: malformed (as an AS_PATH would be): attribute discard; confederation
	 * segments are dropped and the rest used. AS 0 (RFC 7607 2) is treat-as-withdraw, as
	 * in AS_PATH: the route's real path names an AS that cannot exist (FRR does the same). */
	enum path_result pr = parse_path(a->val, a->len, 4, 2, out->as4_path, &out->as4_path_len,
					 out->as4_segments, &out->as4_segment_count);
	if (pr != PATH_OK) {
		out->as4_path_len = 0;
		out->as4_segment_count = 0;
		if (pr == PATH_AS0)
			return fail(d, BGP_VERDICT_TREAT_AS_WITHDRAW,
				    BGP_SUBERR_UPDATE_MALFORMED_AS_PATH, NULL, 0);
		return malformed(d, a, desc, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
	}
	out->present |= BGP_ATTR_BIT(BGP_ATTR_AS4_PATH);
	return BGP_VERDICT_ACCEPT;
}

static enum bgp_verdict decode_as4_aggregator(struct decoder *d, const struct attr_view *a,
					      const struct attr_desc *desc)
{
	/* RFC 6793 6: length other than 8: attribute discard; AS 0 likewise (RFC 7607 2). */
	if (a->len != 8)
		return bad_length(d, a, desc);
	uint32_t asn = bgp_load_u32(a->val);
	if (asn == 0)
		return malformed(d, a, desc, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
	d->out->as4_aggregator_asn = asn;
	d->out->as4_aggregator_ip = bgp_load_u32(a->val + 4);
	d->out->present |= BGP_ATTR_BIT(BGP_ATTR_AS4_AGGREGATOR);
	return BGP_VERDICT_ACCEPT;
}

#define WELL_KNOWN    BGP_ATTR_FLAG_TRANSITIVE
#define OPT_TRANS     (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE)
#define OPT_NON_TRANS BGP_ATTR_FLAG_OPTIONAL
#define TAW	      BGP_VERDICT_TREAT_AS_WITHDRAW
#define DISCARD	      BGP_VERDICT_ATTR_DISCARD
#define RESET	      BGP_VERDICT_SESSION_RESET

/* THE table: every attribute type we recognize. RFC 4271 5, RFC 7606 7. */
static const struct attr_desc attr_table[256] = {
    [BGP_ATTR_ORIGIN] = {"ORIGIN", WELL_KNOWN, TAW, SKIP_NEVER, decode_origin},
    [BGP_ATTR_AS_PATH] = {"AS_PATH", WELL_KNOWN, TAW, SKIP_NEVER, decode_as_path},
    [BGP_ATTR_NEXT_HOP] = {"NEXT_HOP", WELL_KNOWN, TAW, SKIP_NEVER, decode_next_hop},
    [BGP_ATTR_MED] = {"MULTI_EXIT_DISC", OPT_NON_TRANS, TAW, SKIP_NEVER, decode_u32},
    [BGP_ATTR_LOCAL_PREF] = {"LOCAL_PREF", WELL_KNOWN, TAW, SKIP_EBGP, decode_u32},
    [BGP_ATTR_ATOMIC_AGGREGATE] = {"ATOMIC_AGGREGATE", WELL_KNOWN, DISCARD, SKIP_NEVER,
				   decode_atomic_aggregate},
    [BGP_ATTR_AGGREGATOR] = {"AGGREGATOR", OPT_TRANS, DISCARD, SKIP_NEVER, decode_aggregator},
    [BGP_ATTR_COMMUNITIES] = {"COMMUNITIES", OPT_TRANS, TAW, SKIP_NEVER, decode_communities},
    [BGP_ATTR_ORIGINATOR_ID] = {"ORIGINATOR_ID", OPT_NON_TRANS, TAW, SKIP_EBGP, decode_u32},
    [BGP_ATTR_CLUSTER_LIST] = {"CLUSTER_LIST", OPT_NON_TRANS, TAW, SKIP_EBGP, decode_kept_multiple},
    [BGP_ATTR_MP_REACH_NLRI] = {"MP_REACH_NLRI", OPT_NON_TRANS, RESET, SKIP_NEVER, decode_mp_reach},
    [BGP_ATTR_MP_UNREACH_NLRI] = {"MP_UNREACH_NLRI", OPT_NON_TRANS, RESET, SKIP_NEVER,
				  decode_mp_unreach},
    [BGP_ATTR_EXT_COMMUNITIES] = {"EXTENDED_COMMUNITIES", OPT_TRANS, TAW, SKIP_NEVER,
				  decode_kept_multiple},
    [BGP_ATTR_AS4_PATH] = {"AS4_PATH", OPT_TRANS, DISCARD, SKIP_AS4, decode_as4_path},
    [BGP_ATTR_AS4_AGGREGATOR] = {"AS4_AGGREGATOR", OPT_TRANS, DISCARD, SKIP_AS4,
				 decode_as4_aggregator},
    [BGP_ATTR_LARGE_COMMUNITY] = {"LARGE_COMMUNITY", OPT_TRANS, TAW, SKIP_NEVER,
				  decode_large_community},
};

/*
 * Types IANA has registered that we do not decode, with the Optional/Transitive bits their
 * specifications give (IANA "BGP Path Attributes"). RFC 7606 3.c: one arriving with other
 * flags is malformed, handled as treat-as-withdraw (we cannot know its own rules), rather
 * than as an unrecognized well-known attribute (a session reset); with the right flags it is
 * handled as any unknown attribute (RFC 4271 5).
 */
static const uint8_t registered_flags[256] = {
    [22] = OPT_TRANS,	  /* PMSI_TUNNEL, RFC 6514 */
    [23] = OPT_TRANS,	  /* Tunnel Encapsulation, RFC 9012 */
    [24] = OPT_NON_TRANS, /* Traffic Engineering, RFC 5543 */
    [25] = OPT_TRANS,	  /* IPv6 Address Specific Extended Community, RFC 5701 */
    [26] = OPT_NON_TRANS, /* AIGP, RFC 7311 */
    [27] = OPT_TRANS,	  /* PE Distinguisher Labels, RFC 6514 */
    [29] = OPT_NON_TRANS, /* BGP-LS, RFC 9552 */
    [33] = OPT_NON_TRANS, /* BGPsec_Path, RFC 8205 */
    [35] = OPT_TRANS,	  /* Only to Customer (OTC), RFC 9234 */
    [37] = OPT_TRANS,	  /* SFP attribute, RFC 9015 */
    [38] = OPT_TRANS,	  /* BFD Discriminator, RFC 9026 */
    [40] = OPT_TRANS,	  /* BGP Prefix-SID, RFC 8669 */
    [128] = OPT_TRANS,	  /* ATTR_SET, RFC 6368 */
};

const char *bgp_attr_name(uint8_t type)
{
	return attr_table[type].name;
}

const char *bgp_verdict_name(enum bgp_verdict verdict)
{
	switch (verdict) {
	case BGP_VERDICT_ACCEPT:
		return "accept";
	case BGP_VERDICT_ATTR_DISCARD:
		return "attribute-discard";
	case BGP_VERDICT_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case BGP_VERDICT_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}

/* RFC 6793 4.2.3: the number of ASes a path counts for (AS_SET 1, confederation 0). */
static size_t path_count(const struct bgp_as_segment *segs, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (segs[i].type == BGP_AS_SEQUENCE)
			total += segs[i].count;
		else if (segs[i].type == BGP_AS_SET)
			total += 1;
	}
	return total;
}

/*
 * RFC 6793 4.2.3: for a 2-octet peer, the real path is the leading ASes of AS_PATH (as many as
 * it has more than AS4_PATH) followed by AS4_PATH; if AS_PATH is the shorter, AS4_PATH is
 * ignored. Only when AGGREGATOR and AS4_AGGREGATOR are BOTH present and AGGREGATOR is not
 * AS_TRANS did a 2-octet speaker aggregate after the AS4_* were added: both are ignored then.
 * A plain AGGREGATOR alone says nothing about AS4_PATH.
 */
static void merge_as4(struct bgp_attrs *a)
{
	bool has_agg = a->present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR);
	bool has_as4_agg = a->present & BGP_ATTR_BIT(BGP_ATTR_AS4_AGGREGATOR);
	if (has_agg && has_as4_agg && a->aggregator_asn != BGP_AS_TRANS)
		return;
	if (has_agg && has_as4_agg) {
		a->aggregator_asn = a->as4_aggregator_asn;
		a->aggregator_ip = a->as4_aggregator_ip;
	}
	if (!(a->present & BGP_ATTR_BIT(BGP_ATTR_AS4_PATH)) ||
	    !(a->present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)))
		return;
	size_t n2 = path_count(a->as_segments, a->as_segment_count);
	size_t n4 = path_count(a->as4_segments, a->as4_segment_count);
	if (n2 < n4)
		return;
	size_t lead = n2 - n4;
	size_t nseg = 0, nasn = 0;
	for (size_t i = 0; i < a->as_segment_count && lead > 0; i++) {
		struct bgp_as_segment *s = &a->as_segments[i];
		size_t take = s->count;
		if (s->type == BGP_AS_SEQUENCE) {
			take = s->count < lead ? s->count : lead;
			lead -= take;
		} else if (s->type == BGP_AS_SET) {
			lead -= 1;
		}
		s->count = (uint16_t)take;
		nseg = i + 1;
		nasn = s->start + take;
	}
	for (size_t i = 0; i < a->as4_segment_count; i++) {
		const struct bgp_as_segment *s4 = &a->as4_segments[i];
		if (nasn + s4->count > BGP_AS_PATH_MAX || nseg >= BGP_AS_SEGMENTS_MAX)
			return; /* cannot happen: the merged path is no longer than AS_PATH */
		struct bgp_as_segment *last = nseg ? &a->as_segments[nseg - 1] : NULL;
		if (last && last->type == BGP_AS_SEQUENCE && s4->type == BGP_AS_SEQUENCE &&
		    last->start + last->count == nasn) {
			last->count = (uint16_t)(last->count + s4->count);
		} else {
			a->as_segments[nseg].type = s4->type;
			a->as_segments[nseg].start = (uint16_t)nasn;
			a->as_segments[nseg].count = s4->count;
			nseg++;
		}
		memcpy(&a->as_path[nasn], &a->as4_path[s4->start], s4->count * sizeof(uint32_t));
		nasn += s4->count;
	}
	a->as_path_len = (uint16_t)nasn;
	a->as_segment_count = (uint16_t)nseg;
}

static bool seen_test_and_set(uint64_t seen[4], uint8_t type)
{
	uint64_t bit = 1ull << (type & 63);
	bool was = seen[type >> 6] & bit;
	seen[type >> 6] |= bit;
	return was;
}

static bool seen_test(const uint64_t seen[4], uint8_t type)
{
	return seen[type >> 6] & (1ull << (type & 63));
}

/*
 * An attribute type without a descriptor. RFC 7606 3.c: a type IANA registered (see
 * registered_flags) with other Optional/Transitive bits is treat-as-withdraw; RFC 4271 6.3:
 * any other well-known one is unrecognized, a session reset; RFC 4271 5: unrecognized
 * optional transitive is passed on with Partial set, optional non-transitive quietly ignored.
 * Returns false to stop the walk.
 */
static bool decode_unknown(struct decoder *d, const struct attr_view *a)
{
	uint8_t want = registered_flags[a->type];
	uint8_t got = a->flags & (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE);
	if (want && got != want) {
		fail(d, BGP_VERDICT_TREAT_AS_WITHDRAW, BGP_SUBERR_UPDATE_ATTR_FLAGS, a->raw,
		     a->raw_len);
		return true;
	}
	if (!(a->flags & BGP_ATTR_FLAG_OPTIONAL)) {
		fail(d, BGP_VERDICT_SESSION_RESET, BGP_SUBERR_UPDATE_UNRECOGNIZED_WELL_KNOWN,
		     a->raw, a->raw_len);
		return false;
	}
	if (!(a->flags & BGP_ATTR_FLAG_TRANSITIVE) ||
	    !keep_other(d->out, a, a->flags | BGP_ATTR_FLAG_PARTIAL))
		d->out->discarded++;
	return true;
}

/* Handles one attribute whose header has been cut; returns false to stop the walk. */
static bool decode_one(struct decoder *d, const struct attr_view *a, uint64_t seen[4])
{
	/* RFC 7606 3.g: MP_REACH_NLRI / MP_UNREACH_NLRI twice: Malformed Attribute List,
	 * session reset; any other attribute twice: later copies discarded. */
	if (seen_test_and_set(seen, a->type)) {
		if (a->type == BGP_ATTR_MP_REACH_NLRI || a->type == BGP_ATTR_MP_UNREACH_NLRI) {
			fail(d, BGP_VERDICT_SESSION_RESET, BGP_SUBERR_UPDATE_MALFORMED_ATTR_LIST,
			     NULL, 0);
			return false;
		}
		d->out->discarded++;
		return true;
	}
	/* RFC 7606 5.2: without routes in the NLRI field, NEXT_HOP is ignored. */
	if (a->type == BGP_ATTR_NEXT_HOP && !d->has_nlri) {
		d->out->discarded++;
		return true;
	}
	const struct attr_desc *desc = &attr_table[a->type];
	if (!desc->decode)
		return decode_unknown(d, a);
	if ((desc->skip == SKIP_EBGP && !d->ctx->ibgp) || (desc->skip == SKIP_AS4 && d->ctx->as4)) {
		/* RFC 7606 7.5/7.9/7.10 (from an external peer), RFC 6793 6 (AS4_* from a
		 * 4-octet speaker): dropped without further checks. */
		if (desc->skip == SKIP_EBGP)
			fail(d, BGP_VERDICT_ATTR_DISCARD, BGP_SUBERR_UPDATE_UNSPECIFIC, a->raw,
			     a->raw_len);
		else
			d->out->discarded++;
		return true;
	}
	/* RFC 4271 6.3, RFC 7606 3.c: Optional/Transitive must be as specified, and Partial
	 * is 0 on well-known and optional non-transitive attributes (RFC 4271 4.3). The
	 * attribute's own error handling applies (RFC 7606 7.x). */
	uint8_t got = a->flags & (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE);
	bool partial_ok = desc->flags == OPT_TRANS;
	if (got != desc->flags || ((a->flags & BGP_ATTR_FLAG_PARTIAL) && !partial_ok)) {
		enum bgp_verdict v = malformed(d, a, desc, BGP_SUBERR_UPDATE_ATTR_FLAGS);
		return v != BGP_VERDICT_SESSION_RESET;
	}
	return desc->decode(d, a, desc) != BGP_VERDICT_SESSION_RESET;
}

/* Clears what a decode reports (only the counts: see "Speed" in attr.h). */
static void attrs_reset(struct bgp_attrs *out, struct bgp_notification *err)
{
	err->code = 0;
	err->subcode = 0;
	err->data_len = 0;
	out->present = 0;
	out->atomic_aggregate = false;
	out->as_path_len = 0;
	out->as_segment_count = 0;
	out->community_count = 0;
	out->large_community_count = 0;
	out->other_len = 0;
	out->mp_reach = false;
	out->mp_unreach = false;
	out->mp_reach_nlri = NULL;
	out->mp_reach_nlri_len = 0;
	out->mp_unreach_nlri = NULL;
	out->mp_unreach_nlri_len = 0;
	out->discarded = 0;
	out->as4_path_len = 0;
	out->as4_segment_count = 0;
}

/* Cuts the next attribute's header and value from r into *a; false when they overrun. */
static bool cut_attr(struct bgp_rbuf *r, struct attr_view *a)
{
	const uint8_t *start = r->p;
	uint8_t len8;
	uint16_t len16;
	if (bgp_rbuf_u8(r, &a->flags) || bgp_rbuf_u8(r, &a->type))
		return false;
	if (a->flags & BGP_ATTR_FLAG_EXTENDED) {
		if (bgp_rbuf_u16(r, &len16))
			return false;
		a->len = len16;
	} else {
		if (bgp_rbuf_u8(r, &len8))
			return false;
		a->len = len8;
	}
	if (bgp_rbuf_bytes(r, a->len, &a->val))
		return false;
	a->raw = start;
	a->raw_len = (size_t)(r->p - start);
	return true;
}

/* Decodes every attribute in turn; false when one ended the walk with a session reset. */
static bool walk(struct decoder *d, const uint8_t *p, size_t len, uint64_t seen[4])
{
	struct bgp_rbuf r;
	bgp_rbuf_init(&r, p, len);
	while (bgp_rbuf_left(&r) > 0) {
		const uint8_t *start = r.p;
		size_t left = bgp_rbuf_left(&r);
		struct attr_view a;
		if (!cut_attr(&r, &a)) {
			/* RFC 7606 4: fewer octets left than an attribute header, or an attribute
			 * overrunning Total Path Attribute Length: treat-as-withdraw; the NLRI is
			 * found from Total Path Attribute Length, and the walk stops here. RFC 4271
			 * 6.3: Attribute Length Error; data = what is left of the attribute. */
			fail(d, BGP_VERDICT_TREAT_AS_WITHDRAW, BGP_SUBERR_UPDATE_ATTR_LENGTH, start,
			     left);
			return true;
		}
		if (!decode_one(d, &a, seen))
			return false;
	}
	return true;
}

/* RFC 7606 3.d (RFC 4271 6.3): a missing well-known mandatory attribute when routes are
 * announced: treat-as-withdraw, data = its type code. NEXT_HOP only for routes in the NLRI
 * field (RFC 4760 3, RFC 7606 5.2). */
static void check_mandatory(struct decoder *d, const uint64_t seen[4])
{
	static const uint8_t mandatory[] = {BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH, BGP_ATTR_NEXT_HOP};
	for (size_t i = 0; i < sizeof(mandatory); i++) {
		uint8_t type = mandatory[i];
		if (type == BGP_ATTR_NEXT_HOP && !d->has_nlri)
			continue;
		if (!seen_test(seen, type)) {
			fail(d, BGP_VERDICT_TREAT_AS_WITHDRAW, BGP_SUBERR_UPDATE_MISSING_WELL_KNOWN,
			     &type, 1);
			return;
		}
	}
}

/* RFC 4271 6.3: optionally, the leftmost AS must be the external peer's. */
static void check_first_as(struct decoder *d)
{
	const struct bgp_attrs *out = d->out;
	if (!d->ctx->enforce_first_as || d->ctx->ibgp ||
	    !(out->present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)))
		return;
	if (out->as_segment_count == 0 || out->as_segments[0].type != BGP_AS_SEQUENCE ||
	    out->as_path[0] != d->ctx->peer_asn)
		fail(d, BGP_VERDICT_TREAT_AS_WITHDRAW, BGP_SUBERR_UPDATE_MALFORMED_AS_PATH, NULL,
		     0);
}

enum bgp_verdict bgp_attrs_decode(const uint8_t *p, size_t len, const struct bgp_attr_ctx *ctx,
				  bool has_nlri, struct bgp_attrs *out,
				  struct bgp_notification *err)
{
	struct decoder d = {.ctx = ctx,
			    .out = out,
			    .err = err,
			    .verdict = BGP_VERDICT_ACCEPT,
			    .has_nlri = has_nlri};
	uint64_t seen[4] = {0, 0, 0, 0};
	attrs_reset(out, err);
	if (!walk(&d, p, len, seen))
		return d.verdict;
	/* RFC 6793 4.2.3: rebuild the real path and aggregator for a 2-octet peer. */
	if (!ctx->as4)
		merge_as4(out);
	bool mp_routes = out->mp_reach && out->mp_reach_nlri_len > 0;
	if (has_nlri || mp_routes) {
		check_mandatory(&d, seen);
		check_first_as(&d);
	}
	/* RFC 7606 5.2: an UPDATE with no reachable NLRI (none in the NLRI field, none in
	 * MP_REACH_NLRI) and an error other than attribute-discard: session reset, since the
	 * error may hide routes (a mangled MP_REACH_NLRI). The NOTIFICATION stays the same. */
	if (d.verdict == BGP_VERDICT_TREAT_AS_WITHDRAW && !has_nlri && !mp_routes)
		d.verdict = BGP_VERDICT_SESSION_RESET;
	return d.verdict;
}

bool bgp_attrs_has_other(const struct bgp_attrs *attrs, uint8_t type)
{
	size_t i = 0;
	while (i + 3 <= attrs->other_len) {
		uint8_t flags = attrs->other[i];
		size_t hdr = (flags & BGP_ATTR_FLAG_EXTENDED) ? 4 : 3;
		if (i + hdr > attrs->other_len)
			break;
		size_t len = hdr == 4 ? bgp_load_u16(attrs->other + i + 2) : attrs->other[i + 2];
		if (attrs->other[i + 1] == type)
			return true;
		i += hdr + len;
	}
	return false;
}
