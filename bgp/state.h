/*
 * The six RFC 4271 session states, shared by the FSM, the session driver and the service.
 * Values match vbr.v1.SessionState so the service converts by cast.
 */
#ifndef VBR_BGP_STATE_H
#define VBR_BGP_STATE_H

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
