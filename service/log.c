/* log: formats "time level msg k=v ..." or {"time":..,"level":..,"msg":..,"k":"v"}. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

static enum vbr_log_level min_level = VBR_LOG_INFO;
static bool json_format;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int vbr_log_parse_level(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	if (strcmp(name, "warning") == 0)
		return VBR_LOG_WARN;
	return -1;
}

void vbr_log_configure(enum vbr_log_level level, bool json)
{
	min_level = level;
	json_format = json;
}

bool vbr_log_enabled(enum vbr_log_level level)
{
	return level >= min_level;
}

struct line {
	char buf[2048];
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	/* Keep room for the newline; a too-long line is cut, never overrun. */
	if (n > sizeof(l->buf) - 2 - l->len)
		n = sizeof(l->buf) - 2 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_json_string(struct line *l, const char *s)
{
	put(l, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put(l, esc, 6);
		} else {
			put(l, (const char *)p, 1);
		}
	}
	put(l, "\"", 1);
}

/* Text values with spaces, quotes or '=' are quoted so the line splits unambiguously. */
static void put_text_value(struct line *l, const char *s)
{
	if (s[0] && !strpbrk(s, " \"=\\\t\n")) {
		puts_(l, s);
		return;
	}
	put_json_string(l, s);
}

void vbr_log(enum vbr_log_level level, const char *msg, ...)
{
	if (level < min_level)
		return;
	int64_t now_ms = bgp_now_ms(); /* the core's clock, as event times are */
	time_t sec = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char when[40];
	size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03dZ", (int)(now_ms % 1000));

	struct line l = {.len = 0};
	va_list ap;
	va_start(ap, msg);
	if (json_format) {
		puts_(&l, "{\"time\":\"");
		puts_(&l, when);
		puts_(&l, "\",\"level\":\"");
		puts_(&l, level_names[level]);
		puts_(&l, "\",\"msg\":");
		put_json_string(&l, msg);
		for (const char *k; (k = va_arg(ap, const char *));) {
			const char *v = va_arg(ap, const char *);
			put(&l, ",", 1);
			put_json_string(&l, k);
			put(&l, ":", 1);
			put_json_string(&l, v ? v : "");
		}
		put(&l, "}", 1);
	} else {
		puts_(&l, when);
		put(&l, " ", 1);
		puts_(&l, level_names[level]);
		put(&l, " ", 1);
		puts_(&l, msg);
		for (const char *k; (k = va_arg(ap, const char *));) {
			const char *v = va_arg(ap, const char *);
			put(&l, " ", 1);
			puts_(&l, k);
			put(&l, "=", 1);
			put_text_value(&l, v ? v : "");
		}
	}
	va_end(ap);
	l.buf[l.len++] = '\n';
	ssize_t w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
}
