/*
 * prefix: the IPv4 NLRI walk (RFC 4271 4.3). Written for speed: one pass, no allocation,
 * every length checked before the octets are read.
 */
#include "prefix.h"

static inline uint32_t prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

int bgp_nlri_decode(const uint8_t *p, size_t len, struct bgp_prefix *out, size_t max, size_t *count)
{
	size_t i = 0, n = 0;
	while (i < len) {
		uint8_t plen = p[i++];
		/* RFC 4271 6.3 / RFC 7606 5.3: a length over 32 is an invalid network field. */
		if (plen > 32)
			goto bad;
		size_t octets = (size_t)(plen + 7) >> 3;
		/* RFC 7606 5.3: the prefix must not overrun the field. */
		if (octets > len - i || n >= max)
			goto bad;
		uint32_t addr = 0;
		switch (octets) {
		case 4:
			addr |= (uint32_t)p[i + 3];
			/* fall through */
		case 3:
			addr |= (uint32_t)p[i + 2] << 8;
			/* fall through */
		case 2:
			addr |= (uint32_t)p[i + 1] << 16;
			/* fall through */
		case 1:
			addr |= (uint32_t)p[i] << 24;
			/* fall through */
		default:
			break;
		}
		i += octets;
		out[n].addr = addr & prefix_mask(plen);
		out[n].len = plen;
		n++;
	}
	*count = n;
	return 0;
bad:
	*count = n;
	return -1;
}

bool bgp_nlri_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t plen = p[i++];
		if (plen > 32)
			return false;
		size_t octets = (size_t)(plen + 7) >> 3;
		if (octets > len - i)
			return false;
		i += octets;
	}
	return true;
}
