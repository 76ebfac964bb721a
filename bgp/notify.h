/*
 * NOTIFICATION error codes and subcodes, one enum per RFC table, and their readable names.
 * Shared by the codec (which finds errors) and the FSM (which decides what to send).
 */
#ifndef VBR_BGP_NOTIFY_H
#define VBR_BGP_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* RFC 4271 4.5 */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD_TIMER = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7, /* RFC 7313 */
	BGP_ERR_SEND_HOLD_TIMER = 8, /* RFC 9687 5, subcode 0 */
};

/* RFC 4271 6.1 */
enum bgp_suberr_header {
	BGP_SUBERR_HEADER_NOT_SYNC = 1,
	BGP_SUBERR_HEADER_BAD_LENGTH = 2,
	BGP_SUBERR_HEADER_BAD_TYPE = 3,
};

/* RFC 4271 6.2, RFC 5492 */
enum bgp_suberr_open {
	BGP_SUBERR_OPEN_UNSPECIFIC = 0,
	BGP_SUBERR_OPEN_UNSUPPORTED_VERSION = 1,
	BGP_SUBERR_OPEN_BAD_PEER_AS = 2,
	BGP_SUBERR_OPEN_BAD_BGP_ID = 3,
	BGP_SUBERR_OPEN_UNSUPPORTED_OPT_PARAM = 4,
	BGP_SUBERR_OPEN_UNACCEPTABLE_HOLD_TIME = 6,
	BGP_SUBERR_OPEN_UNSUPPORTED_CAPABILITY = 7,
	BGP_SUBERR_OPEN_ROLE_MISMATCH = 11, /* RFC 9234 */
};

/* RFC 4271 6.3 */
enum bgp_suberr_update {
	BGP_SUBERR_UPDATE_UNSPECIFIC = 0,
	BGP_SUBERR_UPDATE_MALFORMED_ATTR_LIST = 1,
	BGP_SUBERR_UPDATE_UNRECOGNIZED_WELL_KNOWN = 2,
	BGP_SUBERR_UPDATE_MISSING_WELL_KNOWN = 3,
	BGP_SUBERR_UPDATE_ATTR_FLAGS = 4,
	BGP_SUBERR_UPDATE_ATTR_LENGTH = 5,
	BGP_SUBERR_UPDATE_INVALID_ORIGIN = 6,
	BGP_SUBERR_UPDATE_INVALID_NEXT_HOP = 8,
	BGP_SUBERR_UPDATE_OPTIONAL_ATTR = 9,
	BGP_SUBERR_UPDATE_INVALID_NETWORK = 10,
	BGP_SUBERR_UPDATE_MALFORMED_AS_PATH = 11,
};

/* RFC 6608 */
enum bgp_suberr_fsm {
	BGP_SUBERR_FSM_UNSPECIFIED = 0,
	BGP_SUBERR_FSM_IN_OPENSENT = 1,
	BGP_SUBERR_FSM_IN_OPENCONFIRM = 2,
	BGP_SUBERR_FSM_IN_ESTABLISHED = 3,
};

/* RFC 4486, RFC 9003 */
enum bgp_suberr_cease {
	BGP_SUBERR_CEASE_MAX_PREFIXES = 1,
	BGP_SUBERR_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_SUBERR_CEASE_PEER_DECONFIGURED = 3,
	BGP_SUBERR_CEASE_ADMIN_RESET = 4,
	BGP_SUBERR_CEASE_CONNECTION_REJECTED = 5,
	BGP_SUBERR_CEASE_OTHER_CONFIG_CHANGE = 6,
	BGP_SUBERR_CEASE_COLLISION_RESOLUTION = 7,
	BGP_SUBERR_CEASE_OUT_OF_RESOURCES = 8,
	BGP_SUBERR_CEASE_HARD_RESET = 9, /* RFC 8538 */
	BGP_SUBERR_CEASE_BFD_DOWN = 10,
};

/* Largest NOTIFICATION data: a 4096-octet message minus header (19), code and subcode. */
#define BGP_NOTIFY_DATA_MAX 4075

/*
 * A NOTIFICATION as data: what a decoder found wrong (and the FSM will send), or what a peer
 * sent us. code 0 means "no error". data_len octets of data follow (RFC 4271 4.5).
 */
struct bgp_notification {
	uint8_t code;
	uint8_t subcode;
	uint16_t data_len;
	uint8_t data[BGP_NOTIFY_DATA_MAX];
};

/* Fills n with code/subcode and copies data (truncated to BGP_NOTIFY_DATA_MAX). */
void bgp_notification_set(struct bgp_notification *n, uint8_t code, uint8_t subcode,
			  const void *data, size_t data_len);

/* bgp_err_code_name() is in state.h: the service names codes too. */
/* "Administrative Shutdown", "Malformed AS_PATH", ...; "" for subcode 0 where it is unspecific. */
const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode);

/*
 * Writes "Cease / Administrative Shutdown" or, with a shutdown communication (RFC 9003),
 * "Cease / Administrative Shutdown: \"maintenance\"" into out (always NUL-terminated).
 * `message` may be NULL; control characters in it are replaced so the result is one line.
 */
void bgp_notify_describe(uint8_t code, uint8_t subcode, const char *message, char *out,
			 size_t out_size);

#endif
