/*
 * attr: the path attributes of an UPDATE (RFC 4271 4.3, 5), decoded through ONE descriptor
 * table (attr.c): per type its expected flags, length rule, decoder, and what RFC 7606 says to
 * do when it is malformed. The result is a verdict — accept, attribute-discard,
 * treat-as-withdraw or session-reset — plus the NOTIFICATION (code, subcode, data) that
 * describes the worst error found (the one to send when the verdict is session-reset).
 *
 * Speed: one struct bgp_attrs is decoded per UPDATE, into fixed arrays (no allocation); only
 * the fields marked present are meaningful, so nothing is cleared beyond the counts.
 */
#ifndef VBR_BGP_ATTR_H
#define VBR_BGP_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "notify.h"

/* RFC 4271 4.3 */
#define BGP_ATTR_FLAG_OPTIONAL	 0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL	 0x20
#define BGP_ATTR_FLAG_EXTENDED	 0x10

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,      /* RFC 1997 */
	BGP_ATTR_ORIGINATOR_ID = 9,    /* RFC 4456 */
	BGP_ATTR_CLUSTER_LIST = 10,    /* RFC 4456 */
	BGP_ATTR_MP_REACH_NLRI = 14,   /* RFC 4760 */
	BGP_ATTR_MP_UNREACH_NLRI = 15, /* RFC 4760 */
	BGP_ATTR_EXT_COMMUNITIES = 16, /* RFC 4360 */
	BGP_ATTR_AS4_PATH = 17,	       /* RFC 6793 */
	BGP_ATTR_AS4_AGGREGATOR = 18,  /* RFC 6793 */
	BGP_ATTR_LARGE_COMMUNITY = 32, /* RFC 8092 */
};

/* "ORIGIN", "AS_PATH", ...; NULL for a type we do not recognize. */
const char *bgp_attr_name(uint8_t type);

/* RFC 4271 4.3; AS_CONFED_* from RFC 5065. */
enum bgp_as_segment_type {
	BGP_AS_SET = 1,
	BGP_AS_SEQUENCE = 2,
	BGP_AS_CONFED_SEQUENCE = 3,
	BGP_AS_CONFED_SET = 4,
};

/* RFC 7606 2: the ways to handle a malformed UPDATE, least severe first. */
enum bgp_verdict {
	BGP_VERDICT_ACCEPT = 0,
	BGP_VERDICT_ATTR_DISCARD = 1,	   /* routes accepted; the bad attribute(s) dropped */
	BGP_VERDICT_TREAT_AS_WITHDRAW = 2, /* every NLRI in the UPDATE is withdrawn instead */
	BGP_VERDICT_SESSION_RESET = 3,	   /* send the NOTIFICATION, drop the session */
};

/* "accept", "attribute-discard", "treat-as-withdraw", "session-reset" */
const char *bgp_verdict_name(enum bgp_verdict verdict);

/* Bounds, from the largest attribute a 4096-octet message can hold. */
#define BGP_AS_PATH_MAX		  2048 /* ASNs, 2-octet encoding: (4096 - 23 - 4 - 2) / 2 */
#define BGP_AS_SEGMENTS_MAX	  1024 /* each segment carries >= 1 ASN and a 2-octet header */
#define BGP_COMMUNITIES_MAX	  1024 /* 4 octets each */
#define BGP_LARGE_COMMUNITIES_MAX 340  /* 12 octets each */
#define BGP_ATTR_OTHER_MAX	  4096 /* octets of kept unknown attributes */

struct bgp_as_segment {
	uint8_t type;	/* enum bgp_as_segment_type */
	uint16_t start; /* index of the first ASN in bgp_attrs.as_path */
	uint16_t count;
};

/* One bit per attribute seen and kept (1u << type for types < 32; LARGE_COMMUNITY below). */
#define BGP_ATTR_BIT(type)	     (1u << (type))
#define BGP_ATTR_BIT_LARGE_COMMUNITY (1u << 31)

/*
 * The decoded attributes of one UPDATE. AS numbers are 4-octet values whichever encoding the
 * session uses; for a 2-octet peer AS_PATH is already merged with AS4_PATH (RFC 6793 4.2.3)
 * and AGGREGATOR with AS4_AGGREGATOR.
 */
struct bgp_attrs {
	uint32_t present; /* BGP_ATTR_BIT(...) of the attributes below that are valid */

	uint8_t origin;	   /* enum bgp_origin values: 0 IGP, 1 EGP, 2 INCOMPLETE */
	uint32_t next_hop; /* NEXT_HOP, host byte order */
	uint32_t med;
	uint32_t local_pref;
	bool atomic_aggregate;
	uint32_t aggregator_asn;
	uint32_t aggregator_ip; /* host byte order */
	uint32_t originator_id;

	/* AS path flattened (every segment's ASNs in wire order) and its segments. */
	uint16_t as_path_len;
	uint16_t as_segment_count;
	uint32_t as_path[BGP_AS_PATH_MAX];
	struct bgp_as_segment as_segments[BGP_AS_SEGMENTS_MAX];

	uint16_t community_count;
	uint32_t communities[BGP_COMMUNITIES_MAX]; /* (asn << 16) | value */
	uint16_t large_community_count;
	uint32_t large_communities[BGP_LARGE_COMMUNITIES_MAX][3]; /* global, local1, local2 */

	/*
	 * Attributes kept without being interpreted, ready to send on: unknown optional transitive
	 * ones with the Partial bit set (RFC 4271 5), plus EXTENDED_COMMUNITIES and CLUSTER_LIST
	 * as received. Each is flags, type, length (1 or 2 octets), value.
	 */
	uint16_t other_len;
	uint8_t other[BGP_ATTR_OTHER_MAX];

	/* MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 3, 4). NLRI are views into the message. */
	bool mp_reach;
	uint16_t mp_reach_afi;
	uint8_t mp_reach_safi;
	uint32_t mp_next_hop; /* host byte order; valid for IPv4 unicast */
	const uint8_t *mp_reach_nlri;
	size_t mp_reach_nlri_len;
	bool mp_unreach;
	uint16_t mp_unreach_afi;
	uint8_t mp_unreach_safi;
	const uint8_t *mp_unreach_nlri;
	size_t mp_unreach_nlri_len;

	/* Counters for logs: attributes dropped (RFC 7606 attribute-discard, duplicates,
	 * non-transitive unknown, AS4_* from a 4-octet peer). */
	uint16_t discarded;

	/* Scratch for the AS4_PATH merge; not meaningful to callers. */
	uint16_t as4_path_len;
	uint16_t as4_segment_count;
	uint32_t as4_path[BGP_AS_PATH_MAX];
	struct bgp_as_segment as4_segments[BGP_AS_SEGMENTS_MAX];
	uint32_t as4_aggregator_asn;
	uint32_t as4_aggregator_ip;
};

/* How the session was negotiated; decides encodings and eBGP/iBGP rules. */
struct bgp_attr_ctx {
	bool as4;	       /* both sides sent the 4-octet AS capability (RFC 6793) */
	bool ibgp;	       /* false: eBGP rules (LOCAL_PREF discarded, RFC 7606 7.5) */
	uint32_t peer_asn;     /* for the optional leftmost-AS check */
	bool enforce_first_as; /* RFC 4271 6.3: leftmost AS must be the peer's, else malformed */
	uint32_t local_addr;   /* our session address (host order), 0 = unknown: a NEXT_HOP equal
				* to it is semantically wrong (RFC 4271 6.3), treat-as-withdraw */
};

/*
 * Decodes the Path Attributes field (exactly `len` octets, already bounded by Total Path
 * Attribute Length). `has_nlri` says whether the UPDATE's NLRI field is non-empty: ORIGIN,
 * AS_PATH and NEXT_HOP are then mandatory; with only MP_REACH_NLRI routes ORIGIN and AS_PATH
 * are (RFC 4271 6.3, RFC 4760 3). Without any route, nothing is mandatory, NEXT_HOP is
 * ignored unread (RFC 7606 5.2), and any error worse than attribute-discard becomes a
 * session reset (RFC 7606 5.2: there is nothing to treat as withdrawn).
 *
 * Returns the verdict; for anything but ACCEPT, *err describes the worst error (the exact
 * NOTIFICATION to send on SESSION_RESET). *out is filled as far as decoding got; on
 * TREAT_AS_WITHDRAW and SESSION_RESET only the MP_* fields (to find the NLRI to withdraw)
 * are meaningful.
 */
enum bgp_verdict bgp_attrs_decode(const uint8_t *p, size_t len, const struct bgp_attr_ctx *ctx,
				  bool has_nlri, struct bgp_attrs *out,
				  struct bgp_notification *err);

/* True when an attribute of this type was kept in attrs->other. */
bool bgp_attrs_has_other(const struct bgp_attrs *attrs, uint8_t type);

#endif
