#include "state.h"

#include <time.h>

int64_t bgp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
