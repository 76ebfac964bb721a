/* update: UPDATE decode/encode. Stub until the implementation lands. */
#include "update.h"

int bgp_nlri_decode(const uint8_t *p, size_t len, struct bgp_prefix *out, size_t max,
		    size_t *count)
{
	(void)p, (void)len, (void)out, (void)max;
	*count = 0;
	return -1;
}

enum bgp_verdict bgp_update_decode(const uint8_t *body, size_t len, const struct bgp_attr_ctx *ctx,
				   struct bgp_update *out)
{
	(void)body, (void)len, (void)ctx;
	out->verdict = BGP_VERDICT_SESSION_RESET;
	bgp_notification_set(&out->err, BGP_ERR_UPDATE, 0, NULL, 0);
	return out->verdict;
}

int bgp_update_encode_announce(struct bgp_wbuf *w, const struct bgp_announce *announce,
			       const struct bgp_prefix *prefixes, size_t n)
{
	(void)w, (void)announce, (void)prefixes, (void)n;
	return -1;
}

int bgp_update_encode_withdraw(struct bgp_wbuf *w, const struct bgp_prefix *prefixes, size_t n)
{
	(void)w, (void)prefixes, (void)n;
	return -1;
}

int bgp_update_encode_eor(struct bgp_wbuf *w)
{
	(void)w;
	return -1;
}
