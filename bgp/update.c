/*
 * update: UPDATE decode and encode (RFC 4271 4.3, 6.3; RFC 4760; RFC 4724 2; RFC 7606).
 * The body is cut into three bounded views first (withdrawn routes, path attributes, NLRI);
 * prefixes go straight into the caller's arrays and attributes are decoded once (attr.c).
 */
#include "update.h"

#include "msg.h"
#include "open.h"

static enum bgp_verdict reset(struct bgp_update *out, uint8_t subcode)
{
	out->verdict = BGP_VERDICT_SESSION_RESET;
	bgp_notification_set(&out->err, BGP_ERR_UPDATE, subcode, NULL, 0);
	return out->verdict;
}

/* Appends already validated IPv4 prefixes to arr (count in *n); false when they do not fit. */
static bool append_prefixes(const uint8_t *p, size_t len, struct bgp_prefix *arr, uint16_t *n)
{
	size_t added;
	if (bgp_nlri_decode(p, len, arr + *n, BGP_UPDATE_PREFIX_MAX - *n, &added))
		return false;
	*n = (uint16_t)(*n + added);
	return true;
}

enum bgp_verdict bgp_update_decode(const uint8_t *body, size_t len, const struct bgp_attr_ctx *ctx,
				   struct bgp_update *out)
{
	struct bgp_rbuf r, withdrawn, attrs;
	uint16_t withdrawn_len, attrs_len;
	size_t count;

	out->verdict = BGP_VERDICT_ACCEPT;
	out->end_of_rib = false;
	out->withdrawn_count = 0;
	out->nlri_count = 0;
	out->nlri_mp_start = 0;
	out->err.code = 0;
	out->err.subcode = 0;
	out->err.data_len = 0;

	bgp_rbuf_init(&r, body, len);
	/* RFC 4271 6.3: Withdrawn Routes Length or Total Path Attribute Length past the end of
	 * the message: Malformed Attribute List. The NLRI cannot be located then, so RFC 7606
	 * leaves this a session reset. Bodies past 4077 octets cannot come from the framer. */
	if (len > BGP_MAX_MSG_LEN - BGP_HEADER_LEN)
		return reset(out, BGP_SUBERR_UPDATE_MALFORMED_ATTR_LIST);
	if (bgp_rbuf_u16(&r, &withdrawn_len) || bgp_rbuf_sub(&r, withdrawn_len, &withdrawn) ||
	    bgp_rbuf_u16(&r, &attrs_len) || bgp_rbuf_sub(&r, attrs_len, &attrs))
		return reset(out, BGP_SUBERR_UPDATE_MALFORMED_ATTR_LIST);

	/* RFC 4271 6.3, RFC 7606 5.3: prefixes that do not parse: Invalid Network Field. */
	if (bgp_nlri_decode(withdrawn.p, withdrawn.left, out->withdrawn, BGP_UPDATE_PREFIX_MAX,
			    &count))
		return reset(out, BGP_SUBERR_UPDATE_INVALID_NETWORK);
	out->withdrawn_count = (uint16_t)count;
	if (bgp_nlri_decode(r.p, r.left, out->nlri, BGP_UPDATE_PREFIX_MAX, &count))
		return reset(out, BGP_SUBERR_UPDATE_INVALID_NETWORK);
	out->nlri_count = (uint16_t)count;
	out->nlri_mp_start = out->nlri_count;

	/* RFC 4724 2: an UPDATE with nothing in it is the IPv4 unicast End-of-RIB. */
	if (withdrawn_len == 0 && attrs_len == 0 && r.left == 0) {
		out->end_of_rib = true;
		out->attrs.present = 0;
		out->attrs.mp_reach = false;
		out->attrs.mp_unreach = false;
		return out->verdict;
	}

	out->verdict =
	    bgp_attrs_decode(attrs.p, attrs.left, ctx, out->nlri_count > 0, &out->attrs, &out->err);
	if (out->verdict == BGP_VERDICT_SESSION_RESET)
		return out->verdict;

	/* RFC 4760 4, 3: IPv4 unicast in MP_UNREACH_NLRI / MP_REACH_NLRI (validated by attr.c).
	 * Other AFI/SAFIs were not negotiated and are ignored. */
	const struct bgp_attrs *a = &out->attrs;
	if (a->mp_unreach && a->mp_unreach_afi == BGP_AFI_IPV4 &&
	    a->mp_unreach_safi == BGP_SAFI_UNICAST) {
		if (!append_prefixes(a->mp_unreach_nlri, a->mp_unreach_nlri_len, out->withdrawn,
				     &out->withdrawn_count))
			return reset(out, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
		/* RFC 4724 2: MP_UNREACH_NLRI alone with no withdrawn routes: End-of-RIB. */
		if (a->mp_unreach_nlri_len == 0 && withdrawn_len == 0 && out->nlri_count == 0 &&
		    !a->mp_reach && a->present == 0 && a->other_len == 0)
			out->end_of_rib = true;
	}
	if (a->mp_reach && a->mp_reach_afi == BGP_AFI_IPV4 &&
	    a->mp_reach_safi == BGP_SAFI_UNICAST) {
		if (!append_prefixes(a->mp_reach_nlri, a->mp_reach_nlri_len, out->nlri,
				     &out->nlri_count))
			return reset(out, BGP_SUBERR_UPDATE_OPTIONAL_ATTR);
	}
	return out->verdict;
}

/* Path attributes of our announcements; RFC 4271 5.1.1-5.1.3, RFC 6793 4.2.2. */
static int add_announce_attrs(struct bgp_wbuf *w, const struct bgp_announce *an)
{
	int errs = 0;
	/* ORIGIN IGP: well-known (transitive), 1 octet. */
	errs += bgp_wbuf_add_u8(w, BGP_ATTR_FLAG_TRANSITIVE);
	errs += bgp_wbuf_add_u8(w, BGP_ATTR_ORIGIN);
	errs += bgp_wbuf_add_u8(w, 1);
	errs += bgp_wbuf_add_u8(w, 0);
	/* AS_PATH: one AS_SEQUENCE of our ASN, in the encoding the session negotiated. */
	bool as4_path = !an->as4 && an->local_asn > 0xffff;
	errs += bgp_wbuf_add_u8(w, BGP_ATTR_FLAG_TRANSITIVE);
	errs += bgp_wbuf_add_u8(w, BGP_ATTR_AS_PATH);
	errs += bgp_wbuf_add_u8(w, an->as4 ? 6 : 4);
	errs += bgp_wbuf_add_u8(w, BGP_AS_SEQUENCE);
	errs += bgp_wbuf_add_u8(w, 1);
	if (an->as4)
		errs += bgp_wbuf_add_u32(w, an->local_asn);
	else
		errs += bgp_wbuf_add_u16(w, as4_path ? BGP_AS_TRANS : (uint16_t)an->local_asn);
	/* NEXT_HOP: well-known, 4 octets. */
	errs += bgp_wbuf_add_u8(w, BGP_ATTR_FLAG_TRANSITIVE);
	errs += bgp_wbuf_add_u8(w, BGP_ATTR_NEXT_HOP);
	errs += bgp_wbuf_add_u8(w, 4);
	errs += bgp_wbuf_add_u32(w, an->next_hop);
	/* COMMUNITIES (type 8: after NEXT_HOP, before AS4_PATH, in type order). */
	if (an->graceful_shutdown) {
		errs += bgp_wbuf_add_u8(w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE);
		errs += bgp_wbuf_add_u8(w, BGP_ATTR_COMMUNITIES);
		errs += bgp_wbuf_add_u8(w, 4);
		errs += bgp_wbuf_add_u32(w, BGP_COMMUNITY_GRACEFUL_SHUTDOWN);
	}
	/* RFC 6793 4.2.2: to a 2-octet peer, a 4-octet ASN travels in AS4_PATH. */
	if (as4_path) {
		errs += bgp_wbuf_add_u8(w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE);
		errs += bgp_wbuf_add_u8(w, BGP_ATTR_AS4_PATH);
		errs += bgp_wbuf_add_u8(w, 6);
		errs += bgp_wbuf_add_u8(w, BGP_AS_SEQUENCE);
		errs += bgp_wbuf_add_u8(w, 1);
		errs += bgp_wbuf_add_u32(w, an->local_asn);
	}
	return errs ? -1 : 0;
}

static int add_prefix(struct bgp_wbuf *w, const struct bgp_prefix *p)
{
	uint8_t octets[4];
	uint8_t len = p->len > 32 ? 32 : p->len;
	size_t n = bgp_prefix_wire_len(len) - 1;
	bgp_store_u32(octets, p->addr);
	int errs = bgp_wbuf_add_u8(w, len);
	errs += bgp_wbuf_add_bytes(w, octets, n);
	return errs ? -1 : 0;
}

/*
 * One UPDATE per loop: fills prefixes from *next while they fit in 4096 octets. `announce`
 * NULL means withdrawals. Returns messages appended, or -1 with w restored to `origin`.
 */
static int encode_prefixes(struct bgp_wbuf *w, const struct bgp_announce *announce,
			   const struct bgp_prefix *prefixes, size_t n)
{
	size_t origin = w->len, i = 0;
	int messages = 0;
	while (i < n) {
		size_t start, len_at, attrs_at;
		int errs = bgp_msg_begin(w, BGP_MSG_UPDATE, &start);
		if (errs)
			goto fail;
		/* RFC 4271 4.3: Withdrawn Routes Length, routes, Total Path Attribute Length,
		 * attributes, NLRI. */
		errs += bgp_wbuf_reserve(w, 2, &len_at);
		size_t field_start = w->len;
		if (announce) {
			errs += bgp_wbuf_reserve(w, 2, &attrs_at);
			size_t attrs_start = w->len;
			errs += add_announce_attrs(w, announce);
			if (errs)
				goto fail;
			bgp_wbuf_set_u16(w, attrs_at, (uint16_t)(w->len - attrs_start));
			bgp_wbuf_set_u16(w, len_at, 0);
		}
		if (errs)
			goto fail;
		/* At least one prefix per message; then as many as fit. Withdrawals leave 2
		 * octets for the Total Path Attribute Length that follows them. */
		size_t tail = announce ? 0 : 2;
		size_t first = i;
		do {
			size_t need =
			    bgp_prefix_wire_len(prefixes[i].len > 32 ? 32 : prefixes[i].len);
			if (w->len - start + need + tail > BGP_MAX_MSG_LEN)
				break;
			if (add_prefix(w, &prefixes[i]))
				goto fail;
			i++;
		} while (i < n);
		if (i == first)
			goto fail;
		if (!announce) {
			bgp_wbuf_set_u16(w, len_at, (uint16_t)(w->len - field_start));
			if (bgp_wbuf_add_u16(w, 0))
				goto fail;
		}
		if (bgp_msg_end(w, start))
			goto fail;
		messages++;
	}
	return messages;
fail:
	bgp_wbuf_truncate(w, origin);
	return -1;
}

int bgp_update_encode_announce(struct bgp_wbuf *w, const struct bgp_announce *announce,
			       const struct bgp_prefix *prefixes, size_t n)
{
	return encode_prefixes(w, announce, prefixes, n);
}

int bgp_update_encode_withdraw(struct bgp_wbuf *w, const struct bgp_prefix *prefixes, size_t n)
{
	return encode_prefixes(w, NULL, prefixes, n);
}

int bgp_update_encode_eor(struct bgp_wbuf *w)
{
	size_t start;
	if (bgp_msg_begin(w, BGP_MSG_UPDATE, &start))
		return -1;
	/* RFC 4724 2: Withdrawn Routes Length 0, Total Path Attribute Length 0, no NLRI. */
	if (bgp_wbuf_add_u16(w, 0) || bgp_wbuf_add_u16(w, 0)) {
		bgp_wbuf_truncate(w, start);
		return -1;
	}
	return bgp_msg_end(w, start);
}
