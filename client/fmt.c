/* fmt.c: table formatting of API values (see fmt.h). */
#include "fmt.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "state.h"
#include "table.h"

/* The core's names: vbr.v1.SessionState's values are enum bgp_state's (bgp/state.h). */
const char *fmt_state(Vbr__V1__SessionState state)
{
	if (state < (int)BGP_STATE_IDLE || state > (int)BGP_STATE_ESTABLISHED)
		return "-";
	return bgp_state_name((enum bgp_state)state);
}

const char *fmt_state_color(Vbr__V1__SessionState state)
{
	switch (state) {
	case VBR__V1__SESSION_STATE__SESSION_STATE_ESTABLISHED:
		return COLOR_GREEN;
	case VBR__V1__SESSION_STATE__SESSION_STATE_IDLE:
		return COLOR_RED;
	case VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED:
		return NULL;
	default:
		return COLOR_YELLOW;
	}
}

void fmt_time(const Google__Protobuf__Timestamp *ts, char *out, size_t size)
{
	if (!ts) {
		snprintf(out, size, "-");
		return;
	}
	time_t t = (time_t)ts->seconds;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "%" PRId64, ts->seconds);
}

void fmt_duration(int64_t s, char *out, size_t size)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, size, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(out, size, "%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, size, "%" PRId64 "h%" PRId64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(out, size, "%" PRId64 "d%" PRId64 "h", s / 86400, s % 86400 / 3600);
}

void fmt_age(const Google__Protobuf__Timestamp *ts, char *out, size_t size)
{
	if (!ts) {
		snprintf(out, size, "-");
		return;
	}
	fmt_duration((int64_t)time(NULL) - ts->seconds, out, size);
}

void fmt_enum(const ProtobufCEnumDescriptor *desc, int value, const char *prefix, char *out,
	      size_t size)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);
	if (!v) {
		snprintf(out, size, "%d", value);
		return;
	}
	const char *name = v->name;
	size_t plen = strlen(prefix);
	if (strncmp(name, prefix, plen) == 0)
		name += plen;
	size_t i = 0;
	for (; name[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[i] = '\0';
}

void fmt_as_path(const uint32_t *path, size_t n, char *out, size_t size)
{
	if (n == 0) {
		snprintf(out, size, "-");
		return;
	}
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(out + used, size - used, "%s%" PRIu32, i ? " " : "", path[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void fmt_join(char *const *items, size_t n, const char *sep, char *out, size_t size)
{
	if (n == 0) {
		snprintf(out, size, "-");
		return;
	}
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(out + used, size - used, "%s%s", i ? sep : "", items[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

const char *fmt_or_dash(const char *s)
{
	return s && *s ? s : "-";
}
