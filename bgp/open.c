/* open: OPEN decode/check/encode (RFC 4271 4.2, 6.2). Stub until the implementation lands. */
#include "open.h"

bool bgp_open_ipv4_unicast(const struct bgp_open *open)
{
	return open->cap_mp_ipv4_unicast || !open->cap_mp_other;
}

int bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *out,
		    struct bgp_notification *err)
{
	(void)body, (void)len, (void)out;
	bgp_notification_set(err, BGP_ERR_OPEN, 0, NULL, 0);
	return -1;
}

int bgp_open_check(const struct bgp_open *open, const struct bgp_open_expect *expect,
		   struct bgp_notification *err)
{
	(void)open, (void)expect;
	bgp_notification_set(err, BGP_ERR_OPEN, 0, NULL, 0);
	return -1;
}

int bgp_open_encode(struct bgp_wbuf *w, const struct bgp_open_local *local)
{
	(void)w, (void)local;
	return -1;
}
