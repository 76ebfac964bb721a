/*
 * update: the UPDATE message (RFC 4271 4.3, 6.3) for IPv4 unicast, with MP_REACH_NLRI /
 * MP_UNREACH_NLRI (RFC 4760), End-of-RIB (RFC 4724 2) and RFC 7606 error handling.
 *
 * Decoding cuts the body into withdrawn routes / path attributes / NLRI views first, decodes
 * prefixes into the caller's arrays (no allocation per prefix) and the attributes once per
 * message (attr.h). Encoding builds what we send: our networks with ORIGIN IGP, AS_PATH
 * [local ASN] and NEXT_HOP, packed as many per message as fit; withdrawals likewise.
 */
#ifndef VBR_BGP_UPDATE_H
#define VBR_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "buf.h"
#include "notify.h"
#include "prefix.h"

/* Every prefix takes at least one octet of a <= 4077-octet body. */
#define BGP_UPDATE_PREFIX_MAX 4096

/*
 * A decoded UPDATE. What the caller does, by verdict:
 * - ACCEPT, ATTR_DISCARD: withdraw withdrawn[], announce nlri[] with attrs;
 * - TREAT_AS_WITHDRAW: withdraw withdrawn[] AND nlri[] (RFC 7606 2); attrs are not usable;
 * - SESSION_RESET: send err as a NOTIFICATION and close; nothing else is usable.
 * For ATTR_DISCARD and TREAT_AS_WITHDRAW err still describes the error, for the log.
 */
struct bgp_update {
	enum bgp_verdict verdict;
	bool end_of_rib;	  /* IPv4 unicast End-of-RIB (empty UPDATE, or empty MP_UNREACH) */
	uint16_t withdrawn_count; /* Withdrawn Routes, then MP_UNREACH_NLRI IPv4 unicast */
	uint16_t nlri_count;	  /* NLRI field, then MP_REACH_NLRI IPv4 unicast */
	uint16_t nlri_mp_start;	  /* nlri[i] for i >= this came from MP_REACH_NLRI */
	struct bgp_prefix withdrawn[BGP_UPDATE_PREFIX_MAX];
	struct bgp_prefix nlri[BGP_UPDATE_PREFIX_MAX];
	struct bgp_attrs attrs;
	struct bgp_notification err;
};

/* The next hop of nlri[i]: NEXT_HOP, or MP_REACH_NLRI's for routes that came in it. */
static inline uint32_t bgp_update_next_hop(const struct bgp_update *u, size_t i)
{
	return i >= u->nlri_mp_start ? u->attrs.mp_next_hop : u->attrs.next_hop;
}

/*
 * Decodes the body of a framed UPDATE (>= 4 octets, the framer guarantees it) and returns the
 * verdict (also in out->verdict). Withdrawn Routes Length or Total Path Attribute Length
 * overrunning the message, and a malformed Withdrawn Routes or NLRI field, are session-reset
 * (RFC 4271 6.3, RFC 7606 5.3); attribute errors get their own verdicts (attr.h), and any
 * error beyond attribute-discard in an UPDATE without reachable NLRI is a session reset
 * (RFC 7606 5.2). NLRI from
 * MP_REACH_NLRI / MP_UNREACH_NLRI for other AFI/SAFIs (not negotiated) are ignored.
 * `out` is large (about 100 KiB): keep one per session or per thread and reuse it.
 */
enum bgp_verdict bgp_update_decode(const uint8_t *body, size_t len, const struct bgp_attr_ctx *ctx,
				   struct bgp_update *out);

/* What our announcements carry. */
struct bgp_announce {
	uint32_t local_asn;
	bool as4;	   /* 4-octet AS negotiated: AS_PATH in 4-octet encoding */
	uint32_t next_hop; /* host byte order: the session's local address */
	/* RFC 8326: COMMUNITIES with GRACEFUL_SHUTDOWN (65535:0), vbrd about to leave. */
	bool graceful_shutdown;
};

#define BGP_COMMUNITY_GRACEFUL_SHUTDOWN 0xFFFF0000u /* 65535:0, RFC 8326 */

/*
 * Appends UPDATEs announcing prefixes[0..n) with ORIGIN IGP, AS_PATH [local ASN] and NEXT_HOP
 * (and COMMUNITIES 65535:0 when graceful_shutdown).
 * For a 2-octet peer a local ASN over 65535 goes out as AS_TRANS in AS_PATH plus AS4_PATH
 * (RFC 6793 4.2.2). As many prefixes per message as fit in 4096 octets. Returns the number of
 * messages appended, or -1 (w as it was before the call).
 */
int bgp_update_encode_announce(struct bgp_wbuf *w, const struct bgp_announce *announce,
			       const struct bgp_prefix *prefixes, size_t n);
/* Appends UPDATEs withdrawing prefixes[0..n), packed likewise. Messages appended, or -1. */
int bgp_update_encode_withdraw(struct bgp_wbuf *w, const struct bgp_prefix *prefixes, size_t n);
/* Appends the IPv4 unicast End-of-RIB: an UPDATE with nothing in it (RFC 4724 2). */
int bgp_update_encode_eor(struct bgp_wbuf *w);

#endif
