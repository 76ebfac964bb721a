/*
 * fsm_fmt: test support for the FSM tests. Renders an action list as one line, e.g.
 *   "stop(Hold) notify(6/2,msg=maintenance) close(flush) release start(IdleHold,1000)"
 * so a table row can state the exact expected list and a failure shows both side by side.
 */
#ifndef VBR_TESTS_FSM_FMT_H
#define VBR_TESTS_FSM_FMT_H

#include <stddef.h>

#include "fsm.h"

void fsm_fmt_actions(const struct bgp_fsm_output *out, char *buf, size_t size);

/* A config most tests use: hold 30 s, keepalive 10 s, active, other values defaulted. */
struct bgp_fsm_config fsm_test_config(void);

/* Feeds one event of `type` with no data and random = 0 (no jitter). */
void fsm_feed(struct bgp_fsm *fsm, enum bgp_fsm_event_type type, struct bgp_fsm_output *out);

#endif
