/* fmt.h: how API values read in tables: session states in the RFC's words (and colors),
 * times, ages, short enum names, AS paths and lists. JSON output does not use these. */
#ifndef VBRCTL_FMT_H
#define VBRCTL_FMT_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "google/protobuf/timestamp.pb-c.h"
#include "vbr/v1/vbr.pb-c.h"

/* "Established", "Idle", "OpenSent", ...; "-" when unspecified. */
const char *fmt_state(Vbr__V1__SessionState state);
/* A table.h color for the state: green when Established, red when Idle, yellow between. */
const char *fmt_state_color(Vbr__V1__SessionState state);

/* "2026-11-26T13:40:06Z" (UTC, no fraction); "-" when unset. */
void fmt_time(const Google__Protobuf__Timestamp *ts, char *out, size_t size);
/* Time since ts, short: "45s", "12m3s", "5h2m", "3d4h"; "-" when unset. */
void fmt_age(const Google__Protobuf__Timestamp *ts, char *out, size_t size);
void fmt_duration(int64_t seconds, char *out, size_t size);

/* An enum value's name without its prefix, lower case: ROUTE_LIMIT_ACTION_DROP -> "drop". */
void fmt_enum(const ProtobufCEnumDescriptor *desc, int value, const char *prefix, char *out,
	      size_t size);

/* "65001 65002 {..}" style: the numbers separated by spaces; "-" when empty (a local route). */
void fmt_as_path(const uint32_t *path, size_t n, char *out, size_t size);
/* Strings joined by a separator; "-" when there are none. */
void fmt_join(char *const *items, size_t n, const char *sep, char *out, size_t size);

/* "-" for an empty string, else the string. */
const char *fmt_or_dash(const char *s);

#endif
