/*
 * validate: the rules of issue 2 ("Behaviour / Validation"), one function each, and the
 * per-request functions built from them. Messages start with the field's name.
 */
#include "validate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "state.h"

grpc_status_code vbr_status_set(struct vbr_status *st, grpc_status_code code, const char *fmt, ...)
{
	va_list ap;
	st->code = code;
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	return code;
}

static grpc_status_code status_of_errno(int err)
{
	switch (err) {
	case 0:
		return GRPC_STATUS_OK;
	case -ENOENT:
		return GRPC_STATUS_NOT_FOUND;
	case -EEXIST:
		return GRPC_STATUS_ALREADY_EXISTS;
	case -EINVAL:
		return GRPC_STATUS_INVALID_ARGUMENT;
	case -ENOSPC:
	case -ENOMEM:
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	case -ENOTCONN:
	case -EAGAIN:
	case -EOPNOTSUPP:
		return GRPC_STATUS_FAILED_PRECONDITION;
	case -ESHUTDOWN:
		return GRPC_STATUS_UNAVAILABLE;
	default:
		return GRPC_STATUS_INTERNAL;
	}
}

grpc_status_code vbr_status_from_errno(struct vbr_status *st, int err, bool with_errno,
				       const char *fmt, ...)
{
	va_list ap;
	st->code = status_of_errno(err);
	va_start(ap, fmt);
	int n = vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(st->message))
		snprintf(st->message + n, sizeof(st->message) - (size_t)n, ": %s", strerror(-err));
	return st->code;
}

static grpc_status_code ok(struct vbr_status *st)
{
	st->code = GRPC_STATUS_OK;
	st->message[0] = '\0';
	return GRPC_STATUS_OK;
}

#define INVALID(st, ...) vbr_status_set(st, GRPC_STATUS_INVALID_ARGUMENT, __VA_ARGS__)

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Number of code points, or -1 when `s` is not valid UTF-8. */
static long utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;
	while (*p) {
		int extra;
		if (*p < 0x80)
			extra = 0;
		else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			extra = 1;
		else if ((*p & 0xf0) == 0xe0)
			extra = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			extra = 3;
		else
			return -1;
		p++;
		for (int i = 0; i < extra; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return -1;
		n++;
	}
	return n;
}

grpc_status_code vbr_check_name(const char *field, const char *name, struct vbr_status *st)
{
	size_t len = strlen(name);
	if (len < 2 || len > VBR_NAME_MAX)
		return INVALID(st, "%s: must be 2-128 characters long (got %zu)", field, len);
	if (!is_letter(name[0]))
		return INVALID(st, "%s: must start with a letter", field);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!is_letter(c) && !is_digit(c) && c != '.' && c != '_' && c != '-')
			return INVALID(st,
				       "%s: may contain only letters, digits, '.', '_' and '-' "
				       "(character %zu is not allowed)",
				       field, i + 1);
	}
	return ok(st);
}

grpc_status_code vbr_check_description(const char *field, const char *text, struct vbr_status *st)
{
	long n = utf8_length(text);
	if (n < 0)
		return INVALID(st, "%s: must be valid UTF-8", field);
	if (n > VBR_DESCRIPTION_MAX)
		return INVALID(st, "%s: must be at most 256 characters (got %ld)", field, n);
	/* Terminal escapes and line breaks would corrupt every table and log that shows it. */
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return INVALID(st, "%s: must not contain control characters", field);
	return ok(st);
}

grpc_status_code vbr_check_peer_asn(const char *field, uint32_t asn, uint32_t local_asn,
				    struct vbr_status *st)
{
	if (asn == 0)
		return INVALID(st, "%s: must be 1..4294967295 (got 0)", field);
	if (asn == BGP_AS_TRANS)
		return INVALID(st, "%s: 23456 is AS_TRANS (RFC 6793) and cannot be a peer's ASN",
			       field);
	if (asn == local_asn)
		return INVALID(st, "%s: must differ from the local ASN %u (only eBGP is supported)",
			       field, local_asn);
	return ok(st);
}

grpc_status_code vbr_check_local_asn(const char *field, uint32_t asn, struct vbr_status *st)
{
	/* 0 = the router's; otherwise what --local-asn accepts. */
	if (asn == BGP_AS_TRANS)
		return INVALID(st, "%s: 23456 is AS_TRANS (RFC 6793) and cannot be a local ASN",
			       field);
	return ok(st);
}

grpc_status_code vbr_check_auth_key(const char *field, const char *key, struct vbr_status *st)
{
	size_t len = strlen(key);
	if (len < 1 || len > VBR_AUTH_KEY_MAX)
		return INVALID(st, "%s: must be 1-80 characters (got %zu)", field, len);
	for (size_t i = 0; i < len; i++)
		if (key[i] < 0x20 || key[i] > 0x7e)
			return INVALID(st, "%s: must be printable ASCII (character %zu is not)",
				       field, i + 1);
	return ok(st);
}

grpc_status_code vbr_check_route_limit(const char *field, uint32_t limit, struct vbr_status *st)
{
	if (limit < 1 || limit > 2000000)
		return INVALID(st, "%s: must be 1..2000000 (got %u)", field, limit);
	return ok(st);
}

grpc_status_code vbr_check_route_limit_action(const char *field, int action, struct vbr_status *st)
{
	if (action < 0 || action > VBR__V1__ROUTE_LIMIT_ACTION__ROUTE_LIMIT_ACTION_TEARDOWN)
		return INVALID(st, "%s: unknown value %d", field, action);
	return ok(st);
}

grpc_status_code vbr_check_bfd_interval(const char *field, uint32_t ms, struct vbr_status *st)
{
	if (ms < 50 || ms > 10000)
		return INVALID(st, "%s: must be 50..10000 milliseconds (got %u)", field, ms);
	return ok(st);
}

grpc_status_code vbr_check_bfd_multiplier(const char *field, uint32_t mult, struct vbr_status *st)
{
	if (mult < 2 || mult > 255)
		return INVALID(st, "%s: must be 2..255 (got %u)", field, mult);
	return ok(st);
}

grpc_status_code vbr_check_restart_time(const char *field, uint32_t seconds,
					struct vbr_status *st)
{
	if (seconds < 1 || seconds > 4095)
		return INVALID(st, "%s: must be 1..4095 seconds (got %u)", field, seconds);
	return ok(st);
}

grpc_status_code vbr_check_timers(uint32_t hold_time, uint32_t keepalive_time,
				  struct vbr_status *st)
{
	if (hold_time != 0 && (hold_time < 3 || hold_time > 65535))
		return INVALID(st, "hold_time: must be 0 or 3..65535 seconds (got %u)", hold_time);
	if (hold_time == 0 && keepalive_time != 0)
		return INVALID(st, "keepalive_time: must be 0 when hold_time is 0 (got %u)",
			       keepalive_time);
	if (hold_time != 0 && keepalive_time >= hold_time)
		return INVALID(st, "keepalive_time: must be less than hold_time %u (got %u)",
			       hold_time, keepalive_time);
	return ok(st);
}

grpc_status_code vbr_check_request_id(const char *request_id, struct vbr_status *st)
{
	size_t len = strlen(request_id);
	if (len > VBR_REQUEST_ID_MAX)
		return INVALID(st, "request_id: must be at most 128 characters (got %zu)", len);
	for (size_t i = 0; i < len; i++)
		if (request_id[i] <= 0x20 || request_id[i] > 0x7e)
			return INVALID(st,
				       "request_id: must be printable ASCII without spaces "
				       "(character %zu is not)",
				       i + 1);
	return ok(st);
}

/* Strict dotted quad: four decimal octets, no leading zeros, nothing else. */
static bool parse_dotted_quad(const char *s, const char **end, uint32_t *out)
{
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (*s != '.')
				return false;
			s++;
		}
		if (!is_digit(*s))
			return false;
		unsigned octet = 0;
		int digits = 0;
		const char *start = s;
		while (is_digit(*s) && digits < 4) {
			octet = octet * 10 + (unsigned)(*s - '0');
			s++;
			digits++;
		}
		if (digits > 3 || octet > 255 || (digits > 1 && *start == '0'))
			return false;
		v = v << 8 | octet;
	}
	*end = s;
	*out = v;
	return true;
}

grpc_status_code vbr_check_peer_ip(const char *field, const char *text, uint32_t *ip,
				   struct vbr_status *st)
{
	const char *end;
	uint32_t v;
	if (text[0] == '\0')
		return INVALID(st, "%s: is required (a dotted-quad IPv4 address)", field);
	if (strchr(text, ':'))
		return INVALID(st, "%s: IPv6 is not supported (got \"%.64s\")", field, text);
	if (!parse_dotted_quad(text, &end, &v) || *end != '\0')
		return INVALID(st, "%s: must be a dotted-quad IPv4 address (got \"%.64s\")", field,
			       text);
	uint8_t first = (uint8_t)(v >> 24);
	if (first == 0 || first == 127 || first >= 224)
		return INVALID(st,
			       "%s: must be an IPv4 unicast address (not 0/8, loopback, multicast "
			       "or reserved; got %s)",
			       field, text);
	*ip = v;
	return ok(st);
}

grpc_status_code vbr_check_cidr(const char *field, const char *text, uint32_t *prefix, uint8_t *len,
				struct vbr_status *st)
{
	const char *end;
	uint32_t v;
	if (text[0] == '\0')
		return INVALID(st, "%s: is required (an IPv4 prefix such as 203.0.113.0/24)",
			       field);
	if (strchr(text, ':'))
		return INVALID(st, "%s: IPv6 is not supported (got \"%.64s\")", field, text);
	if (!parse_dotted_quad(text, &end, &v) || *end != '/' || !is_digit(end[1]))
		return INVALID(st, "%s: must be an IPv4 prefix like 203.0.113.0/24 (got \"%.64s\")",
			       field, text);
	const char *p = end + 1;
	unsigned l = 0;
	int digits = 0;
	while (is_digit(*p) && digits < 3) {
		l = l * 10 + (unsigned)(*p - '0');
		p++;
		digits++;
	}
	if (*p != '\0' || l > 32 || (digits > 1 && end[1] == '0'))
		return INVALID(st, "%s: prefix length must be 0..32 (got \"%.64s\")", field, text);
	uint32_t mask = l == 0 ? 0 : 0xffffffffu << (32 - l);
	if (v & ~mask)
		return INVALID(st,
			       "%s: host bits must be zero (%.64s; did you mean %u.%u.%u.%u/%u?)",
			       field, text, (v & mask) >> 24, (v & mask) >> 16 & 255,
			       (v & mask) >> 8 & 255, v & mask & 255, l);
	*prefix = v;
	*len = (uint8_t)l;
	return ok(st);
}

grpc_status_code vbr_check_id(const char *field, const char *id, const char *prefix,
			      struct vbr_status *st)
{
	size_t plen = strlen(prefix);
	if (id[0] == '\0')
		return INVALID(st, "%s: is required", field);
	bool good = strlen(id) == plen + 8 && strncmp(id, prefix, plen) == 0;
	for (size_t i = plen; good && i < plen + 8; i++)
		good = is_digit(id[i]) || (id[i] >= 'a' && id[i] <= 'f');
	if (!good)
		return INVALID(st, "%s: \"%.64s\" is not a valid id (%s followed by 8 hex digits)",
			       field, id, prefix);
	return ok(st);
}

grpc_status_code vbr_check_shutdown_message(const char *field, const char *text,
					    struct vbr_status *st)
{
	if (utf8_length(text) < 0)
		return INVALID(st, "%s: must be valid UTF-8", field);
	if (strlen(text) > 255)
		return INVALID(st, "%s: must be at most 255 octets (RFC 9003; got %zu)", field,
			       strlen(text));
	return ok(st);
}

grpc_status_code vbr_validate_create_group(const Vbr__V1__CreateBgpGroupRequest *req,
					   uint32_t local_asn, struct vbr_group_values *out,
					   struct vbr_status *st)
{
	if (vbr_check_name("name", req->name, st) ||
	    vbr_check_local_asn("local_asn", req->local_asn, st) ||
	    vbr_check_peer_asn("peer_asn", req->peer_asn,
			       req->local_asn ? req->local_asn : local_asn, st) ||
	    (req->auth_key[0] && vbr_check_auth_key("auth_key", req->auth_key, st)) ||
	    vbr_check_description("description", req->description, st) ||
	    vbr_check_route_limit_action("route_limit_action", (int)req->route_limit_action, st) ||
	    vbr_check_request_id(req->request_id, st))
		return st->code;
	out->route_limit = VBR_DEFAULT_ROUTE_LIMIT;
	if (req->route_limit_present_case ==
	    VBR__V1__CREATE_BGP_GROUP_REQUEST__ROUTE_LIMIT_PRESENT_ROUTE_LIMIT) {
		if (vbr_check_route_limit("route_limit", req->route_limit, st))
			return st->code;
		out->route_limit = req->route_limit;
	}
	bool has_hold = req->hold_time_present_case ==
			VBR__V1__CREATE_BGP_GROUP_REQUEST__HOLD_TIME_PRESENT_HOLD_TIME;
	bool has_keepalive =
	    req->keepalive_time_present_case ==
	    VBR__V1__CREATE_BGP_GROUP_REQUEST__KEEPALIVE_TIME_PRESENT_KEEPALIVE_TIME;
	out->hold_time = has_hold ? req->hold_time : VBR_DEFAULT_HOLD_TIME;
	/* No keepalive derived from the hold time: the default stays 10 s, and a hold time of
	 * 10 s or less without a keepalive is refused, naming keepalive_time. Hold time 0 (no
	 * hold timer) needs no keepalive. */
	out->keepalive_time = has_keepalive			? req->keepalive_time
			      : has_hold && req->hold_time == 0 ? 0
								: VBR_DEFAULT_KEEPALIVE_TIME;
	out->bfd_min_interval_ms =
	    req->bfd_min_interval_ms_present_case ==
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__BFD_MIN_INTERVAL_MS_PRESENT_BFD_MIN_INTERVAL_MS
		? req->bfd_min_interval_ms
		: VBR_DEFAULT_BFD_INTERVAL_MS;
	out->bfd_detect_multiplier =
	    req->bfd_detect_multiplier_present_case ==
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__BFD_DETECT_MULTIPLIER_PRESENT_BFD_DETECT_MULTIPLIER
		? req->bfd_detect_multiplier
		: VBR_DEFAULT_BFD_MULTIPLIER;
	/* Graceful restart is on unless the request turns it off (the field's presence). */
	out->graceful_restart =
	    req->graceful_restart_present_case !=
		VBR__V1__CREATE_BGP_GROUP_REQUEST__GRACEFUL_RESTART_PRESENT_GRACEFUL_RESTART ||
	    req->graceful_restart;
	out->restart_time =
	    req->restart_time_present_case ==
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__RESTART_TIME_PRESENT_RESTART_TIME
		? req->restart_time
		: VBR_DEFAULT_RESTART_TIME;
	if (vbr_check_bfd_interval("bfd_min_interval_ms", out->bfd_min_interval_ms, st) ||
	    vbr_check_bfd_multiplier("bfd_detect_multiplier", out->bfd_detect_multiplier, st) ||
	    vbr_check_restart_time("restart_time", out->restart_time, st))
		return st->code;
	return vbr_check_timers(out->hold_time, out->keepalive_time, st);
}

struct mask_name {
	const char *path;
	unsigned bit;
};

static grpc_status_code parse_mask(const Google__Protobuf__FieldMask *fm,
				   const struct mask_name *names, size_t n_names, unsigned *mask,
				   struct vbr_status *st)
{
	*mask = 0;
	for (size_t i = 0; fm && i < fm->n_paths; i++) {
		size_t j = 0;
		while (j < n_names && strcmp(names[j].path, fm->paths[i]) != 0)
			j++;
		if (j == n_names)
			return INVALID(st, "update_mask: unknown or immutable field \"%.64s\"",
				       fm->paths[i]);
		*mask |= names[j].bit;
	}
	return ok(st);
}

static const struct mask_name group_fields[] = {
    {"name", VBR_GROUP_NAME},
    {"peer_asn", VBR_GROUP_PEER_ASN},
    {"auth_key", VBR_GROUP_AUTH_KEY},
    {"description", VBR_GROUP_DESCRIPTION},
    {"route_limit", VBR_GROUP_ROUTE_LIMIT},
    {"hold_time", VBR_GROUP_HOLD_TIME},
    {"keepalive_time", VBR_GROUP_KEEPALIVE_TIME},
    {"route_limit_action", VBR_GROUP_ROUTE_LIMIT_ACTION},
    {"local_asn", VBR_GROUP_LOCAL_ASN},
    {"bfd_min_interval_ms", VBR_GROUP_BFD_MIN_INTERVAL},
    {"bfd_detect_multiplier", VBR_GROUP_BFD_MULTIPLIER},
    {"graceful_restart", VBR_GROUP_GRACEFUL_RESTART},
    {"restart_time", VBR_GROUP_RESTART_TIME},
};

grpc_status_code vbr_validate_update_group(const Vbr__V1__UpdateBgpGroupRequest *req,
					   unsigned *mask,
					   struct vbr_status *st)
{
	if (vbr_check_id("id", req->id, "bgpg-", st) ||
	    parse_mask(req->update_mask, group_fields,
		       sizeof(group_fields) / sizeof(group_fields[0]), mask, st))
		return st->code;
	if (*mask == 0) {
		/* No mask (AIP-134): every field given a non-default value. */
		*mask |= req->name[0] ? VBR_GROUP_NAME : 0;
		*mask |= req->peer_asn ? VBR_GROUP_PEER_ASN : 0;
		*mask |= req->auth_key[0] ? VBR_GROUP_AUTH_KEY : 0;
		*mask |= req->description[0] ? VBR_GROUP_DESCRIPTION : 0;
		*mask |= req->route_limit ? VBR_GROUP_ROUTE_LIMIT : 0;
		*mask |= req->hold_time ? VBR_GROUP_HOLD_TIME : 0;
		*mask |= req->keepalive_time ? VBR_GROUP_KEEPALIVE_TIME : 0;
		*mask |= req->route_limit_action ? VBR_GROUP_ROUTE_LIMIT_ACTION : 0;
		*mask |= req->local_asn ? VBR_GROUP_LOCAL_ASN : 0;
		*mask |= req->bfd_min_interval_ms ? VBR_GROUP_BFD_MIN_INTERVAL : 0;
		*mask |= req->bfd_detect_multiplier ? VBR_GROUP_BFD_MULTIPLIER : 0;
		/* Only true is a non-default value here: turning it off needs the mask. */
		*mask |= req->graceful_restart ? VBR_GROUP_GRACEFUL_RESTART : 0;
		*mask |= req->restart_time ? VBR_GROUP_RESTART_TIME : 0;
		if (*mask == 0)
			return INVALID(st, "update_mask: names no field to update");
	}
	if ((*mask & VBR_GROUP_NAME) && vbr_check_name("name", req->name, st))
		return st->code;
	if ((*mask & VBR_GROUP_PEER_ASN) &&
	    vbr_check_peer_asn("peer_asn", req->peer_asn, 0, st))
		return st->code;
	if ((*mask & VBR_GROUP_LOCAL_ASN) && vbr_check_local_asn("local_asn", req->local_asn, st))
		return st->code;
	/* "" removes the key. */
	if ((*mask & VBR_GROUP_AUTH_KEY) && req->auth_key[0] &&
	    vbr_check_auth_key("auth_key", req->auth_key, st))
		return st->code;
	if ((*mask & VBR_GROUP_DESCRIPTION) &&
	    vbr_check_description("description", req->description, st))
		return st->code;
	if ((*mask & VBR_GROUP_ROUTE_LIMIT) &&
	    vbr_check_route_limit("route_limit", req->route_limit, st))
		return st->code;
	if ((*mask & VBR_GROUP_ROUTE_LIMIT_ACTION) &&
	    vbr_check_route_limit_action("route_limit_action", (int)req->route_limit_action, st))
		return st->code;
	if ((*mask & VBR_GROUP_BFD_MIN_INTERVAL) &&
	    vbr_check_bfd_interval("bfd_min_interval_ms", req->bfd_min_interval_ms, st))
		return st->code;
	if ((*mask & VBR_GROUP_BFD_MULTIPLIER) &&
	    vbr_check_bfd_multiplier("bfd_detect_multiplier", req->bfd_detect_multiplier, st))
		return st->code;
	if ((*mask & VBR_GROUP_RESTART_TIME) &&
	    vbr_check_restart_time("restart_time", req->restart_time, st))
		return st->code;
	return vbr_check_request_id(req->request_id, st);
}

grpc_status_code vbr_validate_create_peer(const Vbr__V1__CreateBgpPeerRequest *req, uint32_t *ip,
					  struct vbr_status *st)
{
	if (vbr_check_id("group_id", req->group_id, "bgpg-", st) ||
	    vbr_check_peer_ip("peer_ip", req->peer_ip, ip, st) ||
	    vbr_check_description("description", req->description, st) ||
	    vbr_check_request_id(req->request_id, st))
		return st->code;
	return ok(st);
}

static const struct mask_name peer_fields[] = {
    {"group_id", VBR_PEER_GROUP_ID},
    {"description", VBR_PEER_DESCRIPTION},
    {"admin_down", VBR_PEER_ADMIN_DOWN},
    {"enable_bfd", VBR_PEER_ENABLE_BFD},
};

grpc_status_code vbr_validate_update_peer(const Vbr__V1__UpdateBgpPeerRequest *req, unsigned *mask,
					  struct vbr_status *st)
{
	if (vbr_check_id("id", req->id, "bgpp-", st) ||
	    parse_mask(req->update_mask, peer_fields, sizeof(peer_fields) / sizeof(peer_fields[0]),
		       mask, st))
		return st->code;
	if (*mask == 0) {
		*mask |= req->group_id[0] ? VBR_PEER_GROUP_ID : 0;
		*mask |= req->description[0] ? VBR_PEER_DESCRIPTION : 0;
		*mask |= req->admin_down ? VBR_PEER_ADMIN_DOWN : 0;
		*mask |= req->enable_bfd ? VBR_PEER_ENABLE_BFD : 0;
		if (*mask == 0)
			return INVALID(st, "update_mask: names no field to update");
	}
	if ((*mask & VBR_PEER_GROUP_ID) && vbr_check_id("group_id", req->group_id, "bgpg-", st))
		return st->code;
	if ((*mask & VBR_PEER_DESCRIPTION) &&
	    vbr_check_description("description", req->description, st))
		return st->code;
	return vbr_check_request_id(req->request_id, st);
}

grpc_status_code vbr_validate_reset_peer(const Vbr__V1__ResetBgpPeerRequest *req,
					 struct vbr_status *st)
{
	if (vbr_check_id("id", req->id, "bgpp-", st) ||
	    vbr_check_shutdown_message("message", req->message, st))
		return st->code;
	return ok(st);
}

grpc_status_code vbr_validate_add_network(const Vbr__V1__AddBgpNetworkRequest *req,
					  uint32_t *prefix, uint8_t *len, struct vbr_status *st)
{
	if (vbr_check_cidr("cidr", req->cidr, prefix, len, st) ||
	    vbr_check_request_id(req->request_id, st))
		return st->code;
	return ok(st);
}

grpc_status_code vbr_validate_create_route_entry(const Vbr__V1__CreateRouteEntryRequest *req,
						 uint32_t *prefix, uint8_t *len,
						 uint32_t *next_hop, struct vbr_status *st)
{
	if (vbr_check_cidr("destination_cidr", req->destination_cidr, prefix, len, st) ||
	    vbr_check_peer_ip("next_hop", req->next_hop, next_hop, st) ||
	    vbr_check_description("description", req->description, st) ||
	    vbr_check_request_id(req->request_id, st))
		return st->code;
	return ok(st);
}

grpc_status_code vbr_validate_list_route_entries(const Vbr__V1__ListRouteEntriesRequest *req,
						 struct vbr_status *st)
{
	if ((int)req->source < 0 || req->source > VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED)
		return INVALID(st, "source: unknown value %d", (int)req->source);
	return ok(st);
}

grpc_status_code vbr_validate_list_routes(const Vbr__V1__ListRoutesRequest *req,
					  struct vbr_status *st)
{
	if (vbr_check_id("peer_id", req->peer_id, "bgpp-", st))
		return st->code;
	if ((int)req->direction < 0 ||
	    req->direction > VBR__V1__ROUTE_DIRECTION__ROUTE_DIRECTION_ADVERTISED)
		return INVALID(st, "direction: unknown value %d", (int)req->direction);
	return ok(st);
}

grpc_status_code vbr_validate_watch(const Vbr__V1__WatchPeerEventsRequest *req,
				    struct vbr_status *st)
{
	if (req->n_peer_ids > 64)
		return INVALID(st, "peer_ids: at most 64 ids (got %zu)", req->n_peer_ids);
	for (size_t i = 0; i < req->n_peer_ids; i++)
		if (vbr_check_id("peer_ids", req->peer_ids[i], "bgpp-", st))
			return st->code;
	if (req->send_initial_state &&
	    req->after_sequence_present_case ==
		VBR__V1__WATCH_PEER_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE)
		return INVALID(st, "after_sequence: cannot be combined with send_initial_state");
	return ok(st);
}

grpc_status_code vbr_validate_watch_routes(const Vbr__V1__WatchRouteEventsRequest *req,
					   struct vbr_status *st)
{
	if (req->n_sources > 3)
		return INVALID(st, "sources: at most 3 (got %zu)", req->n_sources);
	for (size_t i = 0; i < req->n_sources; i++) {
		int s = (int)req->sources[i];
		if (s != VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_STATIC &&
		    s != VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP &&
		    s != VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED)
			return INVALID(st,
				       "sources[%zu]: %d is not ROUTE_SOURCE_STATIC, _BGP or "
				       "_CONNECTED",
				       i, s);
	}
	if (req->send_initial_state &&
	    req->after_sequence_present_case ==
		VBR__V1__WATCH_ROUTE_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE)
		return INVALID(st, "after_sequence: cannot be combined with send_initial_state");
	return ok(st);
}
