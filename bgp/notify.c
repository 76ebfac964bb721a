/*
 * notify: names for NOTIFICATION codes (RFC 4271 4.5 and the RFCs that extend its tables),
 * used in readable state-change reasons and logs.
 */
#include "notify.h"

#include <stdio.h>
#include <string.h>

void bgp_notification_set(struct bgp_notification *n, uint8_t code, uint8_t subcode,
			  const void *data, size_t data_len)
{
	n->code = code;
	n->subcode = subcode;
	if (data_len > BGP_NOTIFY_DATA_MAX)
		data_len = BGP_NOTIFY_DATA_MAX;
	if (data_len)
		memcpy(n->data, data, data_len);
	n->data_len = (uint16_t)data_len;
}

static const char *const code_names[] = {
	[BGP_ERR_HEADER] = "Message Header Error",
	[BGP_ERR_OPEN] = "OPEN Message Error",
	[BGP_ERR_UPDATE] = "UPDATE Message Error",
	[BGP_ERR_HOLD_TIMER] = "Hold Timer Expired",
	[BGP_ERR_FSM] = "Finite State Machine Error",
	[BGP_ERR_CEASE] = "Cease",
	[BGP_ERR_ROUTE_REFRESH] = "ROUTE-REFRESH Message Error",
	[BGP_ERR_SEND_HOLD_TIMER] = "Send Hold Timer Expired",
};

static const char *const header_names[] = {
	[BGP_SUBERR_HEADER_NOT_SYNC] = "Connection Not Synchronized",
	[BGP_SUBERR_HEADER_BAD_LENGTH] = "Bad Message Length",
	[BGP_SUBERR_HEADER_BAD_TYPE] = "Bad Message Type",
};

static const char *const open_names[] = {
	[BGP_SUBERR_OPEN_UNSUPPORTED_VERSION] = "Unsupported Version Number",
	[BGP_SUBERR_OPEN_BAD_PEER_AS] = "Bad Peer AS",
	[BGP_SUBERR_OPEN_BAD_BGP_ID] = "Bad BGP Identifier",
	[BGP_SUBERR_OPEN_UNSUPPORTED_OPT_PARAM] = "Unsupported Optional Parameter",
	[5] = "Authentication Failure (deprecated)",
	[BGP_SUBERR_OPEN_UNACCEPTABLE_HOLD_TIME] = "Unacceptable Hold Time",
	[BGP_SUBERR_OPEN_UNSUPPORTED_CAPABILITY] = "Unsupported Capability",
	[BGP_SUBERR_OPEN_ROLE_MISMATCH] = "Role Mismatch",
};

static const char *const update_names[] = {
	[BGP_SUBERR_UPDATE_MALFORMED_ATTR_LIST] = "Malformed Attribute List",
	[BGP_SUBERR_UPDATE_UNRECOGNIZED_WELL_KNOWN] = "Unrecognized Well-known Attribute",
	[BGP_SUBERR_UPDATE_MISSING_WELL_KNOWN] = "Missing Well-known Attribute",
	[BGP_SUBERR_UPDATE_ATTR_FLAGS] = "Attribute Flags Error",
	[BGP_SUBERR_UPDATE_ATTR_LENGTH] = "Attribute Length Error",
	[BGP_SUBERR_UPDATE_INVALID_ORIGIN] = "Invalid ORIGIN Attribute",
	[7] = "AS Routing Loop (deprecated)",
	[BGP_SUBERR_UPDATE_INVALID_NEXT_HOP] = "Invalid NEXT_HOP Attribute",
	[BGP_SUBERR_UPDATE_OPTIONAL_ATTR] = "Optional Attribute Error",
	[BGP_SUBERR_UPDATE_INVALID_NETWORK] = "Invalid Network Field",
	[BGP_SUBERR_UPDATE_MALFORMED_AS_PATH] = "Malformed AS_PATH",
};

static const char *const fsm_names[] = {
	[BGP_SUBERR_FSM_UNSPECIFIED] = "",
	[BGP_SUBERR_FSM_IN_OPENSENT] = "Unexpected Message in OpenSent",
	[BGP_SUBERR_FSM_IN_OPENCONFIRM] = "Unexpected Message in OpenConfirm",
	[BGP_SUBERR_FSM_IN_ESTABLISHED] = "Unexpected Message in Established",
};

static const char *const cease_names[] = {
	[BGP_SUBERR_CEASE_MAX_PREFIXES] = "Maximum Number of Prefixes Reached",
	[BGP_SUBERR_CEASE_ADMIN_SHUTDOWN] = "Administrative Shutdown",
	[BGP_SUBERR_CEASE_PEER_DECONFIGURED] = "Peer De-configured",
	[BGP_SUBERR_CEASE_ADMIN_RESET] = "Administrative Reset",
	[BGP_SUBERR_CEASE_CONNECTION_REJECTED] = "Connection Rejected",
	[BGP_SUBERR_CEASE_OTHER_CONFIG_CHANGE] = "Other Configuration Change",
	[BGP_SUBERR_CEASE_COLLISION_RESOLUTION] = "Connection Collision Resolution",
	[BGP_SUBERR_CEASE_OUT_OF_RESOURCES] = "Out of Resources",
	[BGP_SUBERR_CEASE_HARD_RESET] = "Hard Reset",
	[BGP_SUBERR_CEASE_BFD_DOWN] = "BFD Down",
};

#define TABLE_NAME(table, i)                                                                  \
	((i) < sizeof(table) / sizeof((table)[0]) && (table)[i] ? (table)[i] : NULL)

const char *bgp_err_code_name(uint8_t code)
{
	const char *name = TABLE_NAME(code_names, code);
	return name ? name : "Unknown error code";
}

const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode)
{
	const char *name = NULL;
	switch (code) {
	case BGP_ERR_HEADER:
		name = TABLE_NAME(header_names, subcode);
		break;
	case BGP_ERR_OPEN:
		name = TABLE_NAME(open_names, subcode);
		break;
	case BGP_ERR_UPDATE:
		name = TABLE_NAME(update_names, subcode);
		break;
	case BGP_ERR_FSM:
		name = TABLE_NAME(fsm_names, subcode);
		break;
	case BGP_ERR_CEASE:
		name = TABLE_NAME(cease_names, subcode);
		break;
	default:
		break;
	}
	if (name)
		return name;
	return subcode == 0 ? "" : "Unknown subcode";
}

void bgp_notify_describe(uint8_t code, uint8_t subcode, const char *message, char *out,
			 size_t out_size)
{
	if (out_size == 0)
		return;
	const char *sub = bgp_err_subcode_name(code, subcode);
	int n = snprintf(out, out_size, "%s%s%s", bgp_err_code_name(code), *sub ? " / " : "",
			 sub);
	if (n < 0 || (size_t)n >= out_size || !message || !*message)
		return;
	size_t pos = (size_t)n;
	const char *prefix = ": \"";
	for (const char *p = prefix; *p && pos + 1 < out_size; p++)
		out[pos++] = *p;
	for (const unsigned char *p = (const unsigned char *)message; *p && pos + 2 < out_size;
	     p++)
		out[pos++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
	if (pos + 1 < out_size)
		out[pos++] = '"';
	out[pos] = '\0';
}
