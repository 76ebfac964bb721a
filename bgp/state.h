/*
 * Values the core shares with its users (the service and the client), so that no layer
 * writes its own copy: the six RFC 4271 session states (values match vbr.v1.SessionState so
 * the service converts by cast), AS_TRANS, and the names of the NOTIFICATION error codes.
 */
#ifndef VBR_BGP_STATE_H
#define VBR_BGP_STATE_H

#include <stdint.h>

#define BGP_AS_TRANS 23456 /* RFC 6793 2: a 4-octet ASN in a 2-octet field */

/* NOTIFICATIONs are counted by error code: slots 1..8 (8: Send Hold Timer Expired, RFC 9687),
 * slot 0 for any other code. */
#define BGP_NOTIFY_SLOTS	9
#define BGP_NOTIFY_SLOT(code) ((code) >= 1 && (code) <= 8 ? (code) : 0)

/* Unix time in milliseconds: the clock of every timestamp the core and the service give. */
int64_t bgp_now_ms(void);

/* "Cease", "UPDATE Message Error", ...; "Unknown error code" when out of range. */
const char *bgp_err_code_name(uint8_t code);

enum bgp_state {
	BGP_STATE_IDLE = 1,
	BGP_STATE_CONNECT = 2,
	BGP_STATE_ACTIVE = 3,
	BGP_STATE_OPEN_SENT = 4,
	BGP_STATE_OPEN_CONFIRM = 5,
	BGP_STATE_ESTABLISHED = 6,
};

/* "Idle", "Connect", ... "Established"; "?" for a value out of range. */
const char *bgp_state_name(enum bgp_state state);

#endif
