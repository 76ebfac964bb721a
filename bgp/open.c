/*
 * open: OPEN decode, check and encode (RFC 4271 4.2, 6.2). Optional parameters in either the
 * RFC 4271 or the RFC 9072 extended encoding; capabilities per RFC 5492.
 */
#include "open.h"

#include "msg.h"

#define OPT_PARAM_CAPABILITIES 2   /* RFC 5492 4 */
#define OPT_PARAM_EXTENDED     255 /* RFC 9072 2 */

bool bgp_open_ipv4_unicast(const struct bgp_open *open)
{
	return open->cap_mp_ipv4_unicast || !open->cap_mp_other;
}

static int open_error(struct bgp_notification *err, uint8_t subcode, const void *data,
		      size_t data_len)
{
	bgp_notification_set(err, BGP_ERR_OPEN, subcode, data, data_len);
	return -1;
}

/* One capability (RFC 5492 4); code and value already cut. Returns 0 or -1 (bad length). */
/* RFC 4724 3: Restart Flags (4 bits) and Time (12 bits), then (AFI, SAFI, flags) tuples. A
 * value of another shape is not a capability we can rely on: it is treated as not offered. */
static int decode_graceful_restart(struct bgp_open *out, struct bgp_rbuf *v, uint8_t len)
{
	uint16_t head;
	if (len < 2 || (len - 2) % 4 != 0 || bgp_rbuf_u16(v, &head))
		return 0;
	out->cap_graceful_restart = true;
	out->gr_restart_state = (head & 0x8000) != 0;
	out->gr_restart_time = head & 0x0fff;
	for (int i = 0; i < (len - 2) / 4; i++) {
		uint16_t afi;
		uint8_t safi, flags;
		if (bgp_rbuf_u16(v, &afi) || bgp_rbuf_u8(v, &safi) || bgp_rbuf_u8(v, &flags))
			return 0;
		if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST) {
			out->gr_ipv4_unicast = true;
			out->gr_ipv4_forwarding = (flags & 0x80) != 0;
		}
	}
	return 0;
}

static int decode_capability(struct bgp_open *out, uint8_t code, struct bgp_rbuf *v)
{
	size_t len = bgp_rbuf_left(v);
	switch (code) {
	case BGP_CAP_MP: {
		/* RFC 4760 8: AFI (2), reserved (1), SAFI (1). */
		uint16_t afi;
		uint8_t reserved, safi;
		if (len != 4 || bgp_rbuf_u16(v, &afi) || bgp_rbuf_u8(v, &reserved) ||
		    bgp_rbuf_u8(v, &safi))
			return -1;
		if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
			out->cap_mp_ipv4_unicast = true;
		else
			out->cap_mp_other = true;
		return 0;
	}
	case BGP_CAP_AS4:
		/* RFC 6793 3: the 4-octet ASN. */
		if (len != 4 || bgp_rbuf_u32(v, &out->cap_as4_asn))
			return -1;
		out->cap_as4 = true;
		return 0;
	case BGP_CAP_ROUTE_REFRESH:
		/* RFC 2918 2: length 0. */
		if (len != 0)
			return -1;
		out->cap_route_refresh = true;
		return 0;
	case BGP_CAP_ENHANCED_RR:
		if (len != 0) /* RFC 7313 3 */
			return -1;
		out->cap_enhanced_rr = true;
		return 0;
	case BGP_CAP_EXT_MESSAGE:
		if (len != 0) /* RFC 8654 3 */
			return -1;
		out->cap_ext_message = true;
		return 0;
	case BGP_CAP_GRACEFUL_RESTART:
		return decode_graceful_restart(out, v, len);
	default:
		/* RFC 5492 4: an unknown capability is ignored. */
		out->unknown_caps++;
		return 0;
	}
}

/* The value of a Capabilities optional parameter: a list of code, length, value. */

static int decode_capabilities(struct bgp_open *out, struct bgp_rbuf *param,
			       struct bgp_notification *err)
{
	out->has_caps = true;
	while (bgp_rbuf_left(param) > 0) {
		const uint8_t *start = param->p;
		uint8_t code, len;
		struct bgp_rbuf value;
		/* A capability overrunning its optional parameter: OPEN Message Error,
		 * unspecific (RFC 4271 6.2 leaves the subcode open; RFC 5492 defines none). */
		if (bgp_rbuf_u8(param, &code) || bgp_rbuf_u8(param, &len) ||
		    bgp_rbuf_sub(param, len, &value))
			return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, NULL, 0);
		if (decode_capability(out, code, &value))
			return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, start, 2u + len);
	}
	return 0;
}

int bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *out,
		    struct bgp_notification *err)
{
	struct bgp_rbuf r;
	uint8_t opt_len8;
	*out = (struct bgp_open){0};
	bgp_rbuf_init(&r, body, len);
	/* RFC 4271 4.2: Version, My AS, Hold Time, BGP Identifier, Opt Parm Len. */
	if (bgp_rbuf_u8(&r, &out->version) || bgp_rbuf_u16(&r, &out->my_as) ||
	    bgp_rbuf_u16(&r, &out->hold_time) || bgp_rbuf_u32(&r, &out->bgp_id) ||
	    bgp_rbuf_u8(&r, &opt_len8)) {
		uint8_t field[2];
		bgp_store_u16(field, (uint16_t)(len + BGP_HEADER_LEN));
		bgp_notification_set(err, BGP_ERR_HEADER, BGP_SUBERR_HEADER_BAD_LENGTH, field, 2);
		return -1;
	}
	/* RFC 4271 6.2: Unsupported Version Number; data = the largest version we support. */
	if (out->version != BGP_VERSION) {
		uint8_t data[2];
		bgp_store_u16(data, BGP_VERSION);
		return open_error(err, BGP_SUBERR_OPEN_UNSUPPORTED_VERSION, data, 2);
	}
	out->asn = out->my_as;

	size_t opt_len = opt_len8;
	/* RFC 9072 2: a non-zero Non-Ext OP Len followed by Non-Ext OP Type 255 (whatever the
	 * length says; senders put 255) means a 2-octet Extended Opt. Parm. Length follows,
	 * and every parameter has a 2-octet length. */
	if (opt_len8 != 0 && bgp_rbuf_left(&r) > 0 && r.p[0] == OPT_PARAM_EXTENDED) {
		uint16_t ext_len;
		bgp_rbuf_skip(&r, 1);
		if (bgp_rbuf_u16(&r, &ext_len))
			return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, NULL, 0);
		opt_len = ext_len;
		out->ext_opt_params = true;
	}
	/* RFC 4271 6.2 / RFC 9072 3: the parameters must fill the rest of the message exactly;
	 * an inconsistent length is an OPEN Message Error (unspecific subcode). */
	if (opt_len != bgp_rbuf_left(&r))
		return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, NULL, 0);

	while (bgp_rbuf_left(&r) > 0) {
		uint8_t type;
		uint16_t plen;
		struct bgp_rbuf param;
		if (bgp_rbuf_u8(&r, &type))
			return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, NULL, 0);
		if (out->ext_opt_params) {
			if (bgp_rbuf_u16(&r, &plen))
				return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, NULL, 0);
		} else {
			uint8_t plen8;
			if (bgp_rbuf_u8(&r, &plen8))
				return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, NULL, 0);
			plen = plen8;
		}
		/* A parameter overrunning Opt Parm Len: unspecific OPEN Message Error. */
		if (bgp_rbuf_sub(&r, plen, &param))
			return open_error(err, BGP_SUBERR_OPEN_UNSPECIFIC, NULL, 0);
		/* RFC 4271 6.2: a parameter we do not recognize (RFC 5492: only Capabilities). */
		if (type != OPT_PARAM_CAPABILITIES)
			return open_error(err, BGP_SUBERR_OPEN_UNSUPPORTED_OPT_PARAM, NULL, 0);
		if (decode_capabilities(out, &param, err))
			return -1;
	}
	if (out->cap_as4)
		out->asn = out->cap_as4_asn; /* RFC 6793 4.1: the capability carries the real AS */
	return 0;
}

int bgp_open_check(const struct bgp_open *open, const struct bgp_open_expect *expect,
		   struct bgp_notification *err)
{
	/* RFC 4271 6.2 Bad Peer AS; RFC 6793 4.1 (the 4-octet value when the capability is
	 * there; a 2-octet speaker cannot be a 4-octet AS); RFC 7607 2 (AS 0). */
	if (open->asn == 0 || open->asn != expect->peer_asn || (open->cap_as4 && open->my_as == 0))
		return open_error(err, BGP_SUBERR_OPEN_BAD_PEER_AS, NULL, 0);
	/* RFC 4271 6.2: a hold time of 1 or 2 seconds is unacceptable. */
	if (open->hold_time == 1 || open->hold_time == 2)
		return open_error(err, BGP_SUBERR_OPEN_UNACCEPTABLE_HOLD_TIME, NULL, 0);
	/* RFC 6286 2.1, 2.2: the identifier is any non-zero value; it must differ from ours
	 * only for an internal peer. */
	if (open->bgp_id == 0 ||
	    (expect->peer_asn == expect->local_asn && open->bgp_id == expect->local_router_id))
		return open_error(err, BGP_SUBERR_OPEN_BAD_BGP_ID, NULL, 0);
	return 0;
}

int bgp_open_encode(struct bgp_wbuf *w, const struct bgp_open_local *local)
{
	size_t start;
	if (bgp_msg_begin(w, BGP_MSG_OPEN, &start))
		return -1;
	int errs = 0;
	/* RFC 6793 4.1: My AS is AS_TRANS when our ASN needs 4 octets. */
	uint16_t my_as = local->asn > 0xffff ? BGP_AS_TRANS : (uint16_t)local->asn;
	errs += bgp_wbuf_add_u8(w, BGP_VERSION);
	errs += bgp_wbuf_add_u16(w, my_as);
	errs += bgp_wbuf_add_u16(w, local->hold_time);
	errs += bgp_wbuf_add_u32(w, local->router_id);
	/* One Capabilities parameter (RFC 5492 4) holding every capability. */
	uint8_t gr_len = local->graceful_restart ? 8 : 0; /* code, length, flags+time, one tuple */
	errs += bgp_wbuf_add_u8(w, (uint8_t)(16 + gr_len));
	errs += bgp_wbuf_add_u8(w, OPT_PARAM_CAPABILITIES);
	errs += bgp_wbuf_add_u8(w, (uint8_t)(14 + gr_len));
	errs += bgp_wbuf_add_u8(w, BGP_CAP_MP); /* RFC 4760 8 */
	errs += bgp_wbuf_add_u8(w, 4);
	errs += bgp_wbuf_add_u16(w, BGP_AFI_IPV4);
	errs += bgp_wbuf_add_u8(w, 0);
	errs += bgp_wbuf_add_u8(w, BGP_SAFI_UNICAST);
	errs += bgp_wbuf_add_u8(w, BGP_CAP_ROUTE_REFRESH); /* RFC 2918 2 */
	errs += bgp_wbuf_add_u8(w, 0);
	errs += bgp_wbuf_add_u8(w, BGP_CAP_AS4); /* RFC 6793 3 */
	errs += bgp_wbuf_add_u8(w, 4);
	errs += bgp_wbuf_add_u32(w, local->asn);
	if (local->graceful_restart) {
		/* RFC 4724 3: R bit and restart time, then IPv4 unicast with its F bit. */
		uint16_t head = (uint16_t)((local->gr_restart_state ? 0x8000 : 0) |
					   (local->gr_restart_time & 0x0fff));
		errs += bgp_wbuf_add_u8(w, BGP_CAP_GRACEFUL_RESTART);
		errs += bgp_wbuf_add_u8(w, 6);
		errs += bgp_wbuf_add_u16(w, head);
		errs += bgp_wbuf_add_u16(w, BGP_AFI_IPV4);
		errs += bgp_wbuf_add_u8(w, BGP_SAFI_UNICAST);
		errs += bgp_wbuf_add_u8(w, local->gr_forwarding ? 0x80 : 0);
	}
	if (errs) {
		bgp_wbuf_truncate(w, start);
		return -1;
	}
	return bgp_msg_end(w, start);
}
