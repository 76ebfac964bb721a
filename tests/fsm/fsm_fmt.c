/* fsm_fmt: renders FSM action lists for the tests (see fsm_fmt.h). */
#include "fsm_fmt.h"

#include <stdio.h>
#include <string.h>

static const char *short_timer(enum bgp_fsm_timer t)
{
	switch (t) {
	case BGP_FSM_TIMER_CONNECT_RETRY:
		return "CR";
	case BGP_FSM_TIMER_HOLD:
		return "Hold";
	case BGP_FSM_TIMER_KEEPALIVE:
		return "KA";
	case BGP_FSM_TIMER_SEND_HOLD:
		return "SendHold";
	case BGP_FSM_TIMER_IDLE_HOLD:
		return "IdleHold";
	case BGP_FSM_TIMER_STABLE:
		return "Stable";
	}
	return "?";
}

void fsm_fmt_actions(const struct bgp_fsm_output *out, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < out->n_actions && used < size; i++) {
		const struct bgp_fsm_action *a = &out->actions[i];
		char one[160];
		switch (a->type) {
		case BGP_FSM_ACT_START_TIMER:
			snprintf(one, sizeof(one), "start(%s,%u)", short_timer(a->timer), a->ms);
			break;
		case BGP_FSM_ACT_STOP_TIMER:
			snprintf(one, sizeof(one), "stop(%s)", short_timer(a->timer));
			break;
		case BGP_FSM_ACT_SEND_NOTIFICATION: {
			int n = snprintf(one, sizeof(one), "notify(%u/%u", a->notify.code,
					 a->notify.subcode);
			if (a->notify.data_len)
				n += snprintf(one + n, sizeof(one) - (size_t)n, ",len=%zu",
					      a->notify.data_len);
			if (a->notify.message)
				n += snprintf(one + n, sizeof(one) - (size_t)n, ",msg=%s",
					      a->notify.message);
			snprintf(one + n, sizeof(one) - (size_t)n, ")");
			break;
		}
		case BGP_FSM_ACT_CLOSE:
			snprintf(one, sizeof(one), "%s", a->flush ? "close(flush)" : "close");
			break;
		default: {
			/* "SEND_KEEPALIVE" -> "send_keepalive" */
			const char *name = bgp_fsm_action_name(a->type);
			size_t k = 0;
			for (; name[k] && k < sizeof(one) - 1; k++)
				one[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32
										 : name[k]);
			one[k] = '\0';
		}
		}
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", one);
	}
}

struct bgp_fsm_config fsm_test_config(void)
{
	struct bgp_fsm_config c = {.hold_time_s = 30, .keepalive_s = 10};
	return c;
}

void fsm_feed(struct bgp_fsm *fsm, enum bgp_fsm_event_type type, struct bgp_fsm_output *out)
{
	struct bgp_fsm_event ev = {.type = type};
	bgp_fsm_step(fsm, &ev, out);
}
