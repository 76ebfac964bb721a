/*
 * open: the OPEN message (RFC 4271 4.2, 6.2) with its optional parameters and the
 * capabilities we use: multiprotocol IPv4 unicast (RFC 4760), route refresh (RFC 2918),
 * 4-octet AS (RFC 6793); extended optional parameters length (RFC 9072). Unknown capabilities
 * are skipped (RFC 5492 4).
 *
 * Two steps on receipt: bgp_open_decode() checks the message on its own (syntax, version,
 * optional parameters) and bgp_open_check() checks it against our configuration (peer AS,
 * BGP identifier, hold time). Each failure yields the exact RFC 4271 6.2 NOTIFICATION.
 */
#ifndef VBR_BGP_OPEN_H
#define VBR_BGP_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "notify.h"
#include "state.h"

#define BGP_VERSION  4

/* Capability codes (RFC 5492 registry) we look at. */
enum bgp_cap_code {
	BGP_CAP_MP = 1,		       /* RFC 4760 */
	BGP_CAP_ROUTE_REFRESH = 2,     /* RFC 2918 */
	BGP_CAP_EXT_MESSAGE = 6,       /* RFC 8654: noted, not used */
	BGP_CAP_GRACEFUL_RESTART = 64, /* RFC 4724: sent and decoded (peer_gr.c) */
	BGP_CAP_AS4 = 65,	       /* RFC 6793 */
	BGP_CAP_ENHANCED_RR = 70,      /* RFC 7313: noted, not used */
};

/* A decoded OPEN. */
struct bgp_open {
	uint8_t version;
	uint16_t my_as; /* as on the wire: AS_TRANS for a 4-octet ASN */
	uint16_t hold_time;
	uint32_t bgp_id;     /* host byte order */
	uint32_t asn;	     /* the real ASN: the 4-octet AS capability's value, else my_as */
	bool ext_opt_params; /* RFC 9072 encoding was used */
	bool has_caps;	     /* at least one Capabilities optional parameter */
	bool cap_as4;
	uint32_t cap_as4_asn;
	bool cap_mp_ipv4_unicast;
	bool cap_mp_other; /* some other AFI/SAFI offered */
	bool cap_route_refresh;
	bool cap_enhanced_rr;
	bool cap_graceful_restart;
	/* RFC 4724 3, when offered: the Restart State bit, the restart time, and whether IPv4
	 * unicast is listed with its Forwarding State bit. */
	bool gr_restart_state;
	uint16_t gr_restart_time; /* seconds */
	bool gr_ipv4_unicast;
	bool gr_ipv4_forwarding;
	bool cap_ext_message;
	uint16_t unknown_caps; /* capabilities skipped */
};

/*
 * True when IPv4 unicast may be exchanged: the peer offered it with the MP capability, or it
 * offered no MP capability at all (RFC 4760 8: IPv4 unicast is then implied).
 */
bool bgp_open_ipv4_unicast(const struct bgp_open *open);

/*
 * Decodes the body of a framed OPEN (the framer guarantees >= 10 octets). Returns 0, or -1
 * with *err set:
 * - version != 4: OPEN / Unsupported Version Number, data = 2 octets, 4 (RFC 4271 6.2);
 * - optional parameter lengths inconsistent (truncated, overrun, RFC 9072 extended length
 *   wrong), capability overrunning its parameter: OPEN / unspecific (0) (RFC 9072 3,
 *   RFC 4271 6.2 leaves it to the implementation);
 * - an optional parameter other than Capabilities: OPEN / Unsupported Optional Parameter;
 * - a known capability with a wrong length (MP not 4, AS4 not 4, route refresh not 0):
 *   OPEN / unspecific (0), data = the capability.
 */
int bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *out,
		    struct bgp_notification *err);

/* What a received OPEN is checked against. */
struct bgp_open_expect {
	uint32_t peer_asn; /* configured peer ASN (never 0 or AS_TRANS) */
	uint32_t local_asn;
	uint32_t local_router_id; /* host byte order */
};

/*
 * Checks a decoded OPEN against the configuration. Returns 0, or -1 with *err:
 * - Bad Peer AS (RFC 4271 6.2, RFC 6793 4.1, RFC 7607 2): the real ASN (capability value,
 *   else My AS) differs from peer_asn, or is 0;
 * - Bad BGP Identifier: 0 (RFC 6286 2.1: any non-zero value is valid), or equal to ours for
 *   an internal peer (RFC 6286 2.2 permits equal identifiers between different ASes;
 *   collision resolution then compares ASNs, RFC 6286 2.3);
 * - Unacceptable Hold Time: 1 or 2 seconds (RFC 4271 6.2).
 */
int bgp_open_check(const struct bgp_open *open, const struct bgp_open_expect *expect,
		   struct bgp_notification *err);

/* What we announce in our OPEN. */
struct bgp_open_local {
	uint32_t asn;	    /* My AS carries AS_TRANS when this is over 65535 (RFC 6793 4.1) */
	uint16_t hold_time; /* 0 or >= 3 */
	uint32_t router_id; /* host byte order */
	/* RFC 4724 graceful restart for IPv4 unicast; off: the capability is not sent. */
	bool graceful_restart;
	bool gr_restart_state; /* R: the first OPEN after we restarted */
	bool gr_forwarding;    /* F: we kept the forwarding state across it */
	uint16_t gr_restart_time; /* seconds, 1..4095 */
};

/* Appends our OPEN: capabilities MP IPv4 unicast, route refresh, 4-octet AS, and graceful
 * restart when asked. */
int bgp_open_encode(struct bgp_wbuf *w, const struct bgp_open_local *local);

#endif
