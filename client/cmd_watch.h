/* cmd_watch.h: what `vbrctl watch` (cmd_watch.c) and `vbrctl watch --routes`
 * (cmd_watch_routes.c) share. */
#ifndef VBRCTL_CMD_WATCH_H
#define VBRCTL_CMD_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "opts.h"
#include "vbr/v1/vbr.pb-c.h"

/* "2026-11-26T14:04:50.717Z", or "-" without a time. */
void watch_event_time(const Google__Protobuf__Timestamp *ts, char *out, size_t size);
/* A line's start: the time, and with -o wide the sequence and `id` in id_width columns. */
void watch_line_start(struct vbrctl *cli, const Google__Protobuf__Timestamp *ts, uint64_t seq,
		      const char *id, int id_width);
/* With -o json prints msg as one JSON line and returns true. */
bool watch_print_json(struct vbrctl *cli, const ProtobufCMessage *msg);
/* --after SEQ: *present and *after; -1 (reported) when malformed. */
int watch_after(const struct opt_result *a, bool *present, uint64_t *after);
/* Ctrl-C / SIGTERM set *flag (the stream's stop flag) instead of killing vbrctl. */
void watch_on_signals(volatile sig_atomic_t **flag);
/* `vbrctl watch --routes`: WatchRouteEvents. */
int watch_routes(struct vbrctl *cli, const struct opt_result *a);

#endif
