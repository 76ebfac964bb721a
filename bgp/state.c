#include "state.h"

const char *bgp_state_name(enum bgp_state state)
{
	static const char *const names[] = {
		[BGP_STATE_IDLE] = "Idle",
		[BGP_STATE_CONNECT] = "Connect",
		[BGP_STATE_ACTIVE] = "Active",
		[BGP_STATE_OPEN_SENT] = "OpenSent",
		[BGP_STATE_OPEN_CONFIRM] = "OpenConfirm",
		[BGP_STATE_ESTABLISHED] = "Established",
	};
	if (state < BGP_STATE_IDLE || state > BGP_STATE_ESTABLISHED)
		return "?";
	return names[state];
}
