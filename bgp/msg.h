/*
 * msg: BGP-4 message framing (RFC 4271 4.1, 6.1) and the small messages: KEEPALIVE,
 * NOTIFICATION (with the RFC 9003 shutdown communication) and ROUTE-REFRESH (RFC 2918,
 * RFC 7313). OPEN lives in open.h, UPDATE in update.h and attr.h.
 *
 * Decoders are pure functions over a buffer: bytes in, a result out, errors as data (the
 * NOTIFICATION code, subcode and data to send). Nothing here allocates, logs or does I/O.
 * Encoders append whole messages (header included) to a bgp_wbuf.
 */
#ifndef VBR_BGP_MSG_H
#define VBR_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "notify.h"

#define BGP_MARKER_LEN	16
#define BGP_HEADER_LEN	19
#define BGP_MAX_MSG_LEN 4096 /* RFC 4271 4.1; no RFC 8654 extended messages */

/* RFC 4271 4.1, RFC 2918 */
enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

/* "OPEN", "UPDATE", ...; "unknown" otherwise. */
const char *bgp_msg_type_name(uint8_t type);

/* One framed message: a view into the caller's buffer, valid while that buffer is. */
struct bgp_frame {
	uint8_t type;
	uint16_t length;     /* whole message, header included */
	const uint8_t *body; /* after the 19-octet header */
	size_t body_len;     /* length - 19 */
};

enum bgp_frame_status {
	BGP_FRAME_ERROR = -1,	 /* *err holds the Message Header Error to send */
	BGP_FRAME_NEED_MORE = 0, /* not a whole message yet; nothing consumed */
	BGP_FRAME_OK = 1,	 /* *frame filled; *consumed octets make up the message */
};

/*
 * Cuts the first message out of buf[0..len). Checks, in RFC 4271 6.1 order: the marker
 * (all ones; Connection Not Synchronized), 19 <= length <= 4096 and the per-type minimum /
 * maximum (Bad Message Length, data = the length field), the type (Bad Message Type, data =
 * the type octet). A wrong marker is reported as soon as the bytes seen show it. The
 * message body itself is not looked at: each type's decoder does that.
 */
enum bgp_frame_status bgp_msg_frame(const uint8_t *buf, size_t len, struct bgp_frame *frame,
				    size_t *consumed, struct bgp_notification *err);

/* Starts a message: writes marker, a length placeholder and the type; *start for _end. */
int bgp_msg_begin(struct bgp_wbuf *w, uint8_t type, size_t *start);
/* Fills the length of the message begun at start; -1 (and the message undone) past 4096. */
int bgp_msg_end(struct bgp_wbuf *w, size_t start);

int bgp_keepalive_encode(struct bgp_wbuf *w);

/* ---- NOTIFICATION (RFC 4271 4.5) ---- */

int bgp_notification_encode(struct bgp_wbuf *w, const struct bgp_notification *n);
/* Body of a framed NOTIFICATION (>= 2 octets, the framer guarantees it) into *out. */
int bgp_notification_decode(const uint8_t *body, size_t len, struct bgp_notification *out);

#define BGP_SHUTDOWN_MSG_MAX 255 /* RFC 9003 2 */

/*
 * Cease / Administrative Shutdown or Administrative Reset carrying a shutdown communication
 * (RFC 9003): a length octet and UTF-8 text. `message` may be NULL or ""; a longer one is cut
 * to 255 octets at a UTF-8 character boundary.
 */
int bgp_notification_encode_shutdown(struct bgp_wbuf *w, uint8_t subcode, const char *message);

enum bgp_shutdown_msg_status {
	BGP_SHUTDOWN_MSG_NONE = 0,    /* not Shutdown/Reset, or no data, or length 0 */
	BGP_SHUTDOWN_MSG_OK = 1,      /* text copied */
	BGP_SHUTDOWN_MSG_BAD_LEN = 2, /* length octet overruns the data or exceeds 255 */
	BGP_SHUTDOWN_MSG_BAD_UTF8 = 3 /* not valid UTF-8 */
};
/*
 * Extracts the RFC 9003 text of a received NOTIFICATION into out (NUL-terminated, so out must
 * hold 256 bytes). On BAD_LEN / BAD_UTF8 out is "" — the code and subcode stand regardless
 * (RFC 9003 4: a malformed communication must not change how the NOTIFICATION is handled).
 */
enum bgp_shutdown_msg_status bgp_notification_shutdown_message(const struct bgp_notification *n,
							       char out[BGP_SHUTDOWN_MSG_MAX + 1]);

/* ---- ROUTE-REFRESH (RFC 2918 3, RFC 7313 3) ---- */

#define BGP_AFI_IPV4	 1
#define BGP_AFI_IPV6	 2
#define BGP_SAFI_UNICAST 1

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype; /* RFC 7313: 0 normal, 1 BoRR, 2 EoRR (RFC 2918 "reserved") */
	uint8_t safi;
};

int bgp_route_refresh_encode(struct bgp_wbuf *w, const struct bgp_route_refresh *rr);
/* Body must be exactly 4 octets (the framer guarantees it); 0, or -1 with *err. */
int bgp_route_refresh_decode(const uint8_t *body, size_t len, struct bgp_route_refresh *out,
			     struct bgp_notification *err);

#endif
