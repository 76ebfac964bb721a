/*
 * msg: the framer (RFC 4271 4.1, 6.1) and the small messages — KEEPALIVE (4.4), NOTIFICATION
 * (4.5, shutdown communication RFC 9003) and ROUTE-REFRESH (RFC 2918 3).
 */
#include "msg.h"

#include <string.h>

/* RFC 4271 4.2-4.5 minimum lengths; RFC 2918 3 fixes ROUTE-REFRESH at 23. */
static const struct {
	uint16_t min;
	uint16_t max;
} msg_len[] = {
    [BGP_MSG_OPEN] = {29, BGP_MAX_MSG_LEN},
    [BGP_MSG_UPDATE] = {23, BGP_MAX_MSG_LEN},
    [BGP_MSG_NOTIFICATION] = {21, BGP_MAX_MSG_LEN},
    [BGP_MSG_KEEPALIVE] = {19, 19},
    [BGP_MSG_ROUTE_REFRESH] = {23, 23},
};

const char *bgp_msg_type_name(uint8_t type)
{
	switch (type) {
	case BGP_MSG_OPEN:
		return "OPEN";
	case BGP_MSG_UPDATE:
		return "UPDATE";
	case BGP_MSG_NOTIFICATION:
		return "NOTIFICATION";
	case BGP_MSG_KEEPALIVE:
		return "KEEPALIVE";
	case BGP_MSG_ROUTE_REFRESH:
		return "ROUTE-REFRESH";
	default:
		return "unknown";
	}
}

enum bgp_frame_status bgp_msg_frame(const uint8_t *buf, size_t len, struct bgp_frame *frame,
				    size_t *consumed, struct bgp_notification *err)
{
	/* RFC 4271 6.1: the marker must be all ones; check what has arrived so far. */
	size_t marker_seen = len < BGP_MARKER_LEN ? len : BGP_MARKER_LEN;
	for (size_t i = 0; i < marker_seen; i++) {
		if (buf[i] != 0xff) {
			bgp_notification_set(err, BGP_ERR_HEADER, BGP_SUBERR_HEADER_NOT_SYNC, NULL,
					     0);
			return BGP_FRAME_ERROR;
		}
	}
	if (len < BGP_HEADER_LEN)
		return BGP_FRAME_NEED_MORE;

	uint16_t msg_length = bgp_load_u16(buf + 16);
	uint8_t type = buf[18];
	/* RFC 4271 6.1: Bad Message Length, data = the erroneous Length field. */
	if (msg_length < BGP_HEADER_LEN || msg_length > BGP_MAX_MSG_LEN) {
		bgp_notification_set(err, BGP_ERR_HEADER, BGP_SUBERR_HEADER_BAD_LENGTH, buf + 16,
				     2);
		return BGP_FRAME_ERROR;
	}
	/* RFC 4271 6.1: Bad Message Type, data = the erroneous Type field. */
	if (type < BGP_MSG_OPEN || type > BGP_MSG_ROUTE_REFRESH) {
		bgp_notification_set(err, BGP_ERR_HEADER, BGP_SUBERR_HEADER_BAD_TYPE, &type, 1);
		return BGP_FRAME_ERROR;
	}
	/* RFC 4271 6.1: each type's minimum (and KEEPALIVE's exact) length. */
	if (msg_length < msg_len[type].min || msg_length > msg_len[type].max) {
		bgp_notification_set(err, BGP_ERR_HEADER, BGP_SUBERR_HEADER_BAD_LENGTH, buf + 16,
				     2);
		return BGP_FRAME_ERROR;
	}
	if (len < msg_length)
		return BGP_FRAME_NEED_MORE;

	frame->type = type;
	frame->length = msg_length;
	frame->body = buf + BGP_HEADER_LEN;
	frame->body_len = (size_t)msg_length - BGP_HEADER_LEN;
	*consumed = msg_length;
	return BGP_FRAME_OK;
}

int bgp_msg_begin(struct bgp_wbuf *w, uint8_t type, size_t *start)
{
	size_t at = w->len;
	int errs = 0;
	errs += bgp_wbuf_add_fill(w, 0xff, BGP_MARKER_LEN);
	errs += bgp_wbuf_add_u16(w, 0);
	errs += bgp_wbuf_add_u8(w, type);
	if (errs) {
		bgp_wbuf_truncate(w, at);
		return -1;
	}
	*start = at;
	return 0;
}

int bgp_msg_end(struct bgp_wbuf *w, size_t start)
{
	size_t length = w->len - start;
	if (length > BGP_MAX_MSG_LEN) {
		bgp_wbuf_truncate(w, start);
		return -1;
	}
	bgp_wbuf_set_u16(w, start + BGP_MARKER_LEN, (uint16_t)length);
	return 0;
}

int bgp_keepalive_encode(struct bgp_wbuf *w)
{
	size_t start;
	if (bgp_msg_begin(w, BGP_MSG_KEEPALIVE, &start))
		return -1;
	return bgp_msg_end(w, start);
}

int bgp_notification_encode(struct bgp_wbuf *w, const struct bgp_notification *n)
{
	size_t start;
	if (bgp_msg_begin(w, BGP_MSG_NOTIFICATION, &start))
		return -1;
	int errs = 0;
	errs += bgp_wbuf_add_u8(w, n->code);
	errs += bgp_wbuf_add_u8(w, n->subcode);
	size_t data_len = n->data_len > BGP_NOTIFY_DATA_MAX ? BGP_NOTIFY_DATA_MAX : n->data_len;
	errs += bgp_wbuf_add_bytes(w, n->data, data_len);
	if (errs) {
		bgp_wbuf_truncate(w, start);
		return -1;
	}
	return bgp_msg_end(w, start);
}

int bgp_notification_decode(const uint8_t *body, size_t len, struct bgp_notification *out)
{
	struct bgp_rbuf r;
	bgp_rbuf_init(&r, body, len);
	/* RFC 4271 4.5: code and subcode, then data to the end of the message. */
	if (bgp_rbuf_u8(&r, &out->code) || bgp_rbuf_u8(&r, &out->subcode))
		return -1;
	size_t data_len = bgp_rbuf_left(&r);
	if (data_len > BGP_NOTIFY_DATA_MAX)
		return -1;
	memcpy(out->data, r.p, data_len);
	out->data_len = (uint16_t)data_len;
	return 0;
}

/* Length of the longest prefix of s[0..n) that does not cut a UTF-8 character in two. */
static size_t utf8_cut(const uint8_t *s, size_t n, size_t total)
{
	if (n >= total)
		return total;
	/* Back off while the octet after the cut is a continuation octet (10xxxxxx). */
	while (n > 0 && (s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* RFC 3629 4: the length of the well-formed UTF-8 character at s[0..n), or 0 (overlong
 * forms, surrogates, values past U+10FFFF, bad or missing continuation octets). */
static size_t utf8_char(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t extra;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		extra = 1, min = 0x80, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		extra = 2, min = 0x800, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		extra = 3, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n - 1 < extra)
		return 0;
	for (size_t k = 1; k <= extra; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return extra + 1;
}

static int utf8_valid(const uint8_t *s, size_t n)
{
	for (size_t i = 0, step; i < n; i += step) {
		step = utf8_char(s + i, n - i);
		if (step == 0)
			return 0;
	}
	return 1;
}

int bgp_notification_encode_shutdown(struct bgp_wbuf *w, uint8_t subcode, const char *message)
{
	struct bgp_notification n;
	size_t total = message ? strlen(message) : 0;
	size_t text_len = utf8_cut((const uint8_t *)message, BGP_SHUTDOWN_MSG_MAX, total);
	n.code = BGP_ERR_CEASE;
	n.subcode = subcode;
	n.data_len = 0;
	/* RFC 9003 2: a length octet then the UTF-8 text; no data at all when there is none. */
	if (text_len > 0) {
		uint8_t *text = n.data + 1;
		n.data[0] = (uint8_t)text_len;
		memcpy(text, message, text_len);
		/* RFC 9003 2: the text MUST be UTF-8; octets that are not become '?'. */
		for (size_t i = 0, step; i < text_len; i += step) {
			step = utf8_char(text + i, text_len - i);
			if (step == 0) {
				text[i] = '?';
				step = 1;
			}
		}
		n.data_len = (uint16_t)(1 + text_len);
	}
	return bgp_notification_encode(w, &n);
}

enum bgp_shutdown_msg_status bgp_notification_shutdown_message(const struct bgp_notification *n,
							       char out[BGP_SHUTDOWN_MSG_MAX + 1])
{
	out[0] = '\0';
	/* RFC 9003 2: only Cease / Administrative Shutdown and Administrative Reset carry one. */
	if (n->code != BGP_ERR_CEASE || (n->subcode != BGP_SUBERR_CEASE_ADMIN_SHUTDOWN &&
					 n->subcode != BGP_SUBERR_CEASE_ADMIN_RESET))
		return BGP_SHUTDOWN_MSG_NONE;
	if (n->data_len == 0 || n->data[0] == 0)
		return BGP_SHUTDOWN_MSG_NONE;
	size_t text_len = n->data[0];
	/* RFC 9003 4: a length past the data is an error in the communication only. */
	if (text_len > (size_t)n->data_len - 1)
		return BGP_SHUTDOWN_MSG_BAD_LEN;
	if (!utf8_valid(n->data + 1, text_len))
		return BGP_SHUTDOWN_MSG_BAD_UTF8;
	memcpy(out, n->data + 1, text_len);
	out[text_len] = '\0';
	return BGP_SHUTDOWN_MSG_OK;
}

int bgp_route_refresh_encode(struct bgp_wbuf *w, const struct bgp_route_refresh *rr)
{
	size_t start;
	if (bgp_msg_begin(w, BGP_MSG_ROUTE_REFRESH, &start))
		return -1;
	int errs = 0;
	/* RFC 2918 3: AFI (2), Reserved (1; RFC 7313 3 subtype), SAFI (1). */
	errs += bgp_wbuf_add_u16(w, rr->afi);
	errs += bgp_wbuf_add_u8(w, rr->subtype);
	errs += bgp_wbuf_add_u8(w, rr->safi);
	if (errs) {
		bgp_wbuf_truncate(w, start);
		return -1;
	}
	return bgp_msg_end(w, start);
}

int bgp_route_refresh_decode(const uint8_t *body, size_t len, struct bgp_route_refresh *out,
			     struct bgp_notification *err)
{
	/* RFC 2918 3 / RFC 4271 6.1: exactly 4 octets; the framer checks it first. */
	if (len != 4) {
		uint8_t field[2];
		bgp_store_u16(field, (uint16_t)(len + BGP_HEADER_LEN));
		bgp_notification_set(err, BGP_ERR_HEADER, BGP_SUBERR_HEADER_BAD_LENGTH, field, 2);
		return -1;
	}
	out->afi = bgp_load_u16(body);
	out->subtype = body[2];
	out->safi = body[3];
	return 0;
}
