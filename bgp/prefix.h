/*
 * prefix: IPv4 NLRI encoding (RFC 4271 4.3): a length octet then ceil(length/8) octets of
 * address. Shared by the UPDATE decoder (NLRI, Withdrawn Routes) and the MP_REACH_NLRI /
 * MP_UNREACH_NLRI attributes (RFC 4760 5). The hot loop of the codec lives here.
 */
#ifndef VBR_BGP_PREFIX_H
#define VBR_BGP_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 prefix, host byte order, bits past len zero. */
struct bgp_prefix {
	uint32_t addr;
	uint8_t len;
};

/*
 * Decodes IPv4 prefixes from p[0..len) into out (room for max), setting *count. Bits past the
 * prefix length are cleared (RFC 4271 4.3: trailing bits are irrelevant). Returns 0, or -1
 * when a length is over 32, a prefix overruns the field, or more than max prefixes are there.
 */
int bgp_nlri_decode(const uint8_t *p, size_t len, struct bgp_prefix *out, size_t max,
		    size_t *count);

/* The same checks without storing anything: true when p[0..len) is well-formed. */
bool bgp_nlri_valid(const uint8_t *p, size_t len);

/* Octets a prefix takes on the wire: 1 + ceil(len/8). */
static inline size_t bgp_prefix_wire_len(uint8_t len)
{
	return 1 + (size_t)((len + 7) / 8);
}

#endif
