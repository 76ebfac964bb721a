/* attr: path attributes through one descriptor table. Stub until the implementation lands. */
#include "attr.h"

const char *bgp_attr_name(uint8_t type)
{
	(void)type;
	return NULL;
}

const char *bgp_verdict_name(enum bgp_verdict verdict)
{
	switch (verdict) {
	case BGP_VERDICT_ACCEPT:
		return "accept";
	case BGP_VERDICT_ATTR_DISCARD:
		return "attribute-discard";
	case BGP_VERDICT_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case BGP_VERDICT_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}

enum bgp_verdict bgp_attrs_decode(const uint8_t *p, size_t len, const struct bgp_attr_ctx *ctx,
				  bool has_nlri, struct bgp_attrs *out,
				  struct bgp_notification *err)
{
	(void)p, (void)len, (void)ctx, (void)has_nlri, (void)out;
	bgp_notification_set(err, BGP_ERR_UPDATE, 0, NULL, 0);
	return BGP_VERDICT_SESSION_RESET;
}

bool bgp_attrs_has_other(const struct bgp_attrs *attrs, uint8_t type)
{
	(void)attrs, (void)type;
	return false;
}
