/* http_request: see http_request.h. */
#include "http_request.h"

#include <stdbool.h>
#include <string.h>

size_t http_headers_end(const char *buf, size_t len, size_t from)
{
	/* A terminator that ends at or after `from` is seen there: its earlier bytes are looked
	 * back at, so one split across two reads is found too. */
	for (size_t i = from; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if ((i >= 1 && buf[i - 1] == '\n') ||
		    (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n'))
			return i + 1;
	}
	return 0;
}

static bool equals(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

enum http_verdict http_request_line(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	size_t line_len = nl ? (size_t)(nl - buf) : len;
	if (line_len > HTTP_REQUEST_LINE_MAX)
		return HTTP_URI_TOO_LONG;
	if (line_len > 0 && buf[line_len - 1] == '\r')
		line_len--;
	if (memchr(buf, '\0', line_len))
		return HTTP_BAD_REQUEST;
	const char *sp1 = memchr(buf, ' ', line_len);
	if (!sp1)
		return HTTP_BAD_REQUEST;
	const char *target = sp1 + 1;
	const char *end = buf + line_len;
	const char *sp2 = memchr(target, ' ', (size_t)(end - target));
	if (!sp2)
		return HTTP_BAD_REQUEST;
	const char *version = sp2 + 1;
	size_t version_len = (size_t)(end - version);
	if (version_len < 7 || memcmp(version, "HTTP/1.", 7) != 0 ||
	    memchr(version, ' ', version_len))
		return HTTP_BAD_REQUEST;
	if (!equals(buf, (size_t)(sp1 - buf), "GET"))
		return HTTP_METHOD_NOT_ALLOWED;
	size_t target_len = (size_t)(sp2 - target);
	const char *query = memchr(target, '?', target_len);
	size_t path_len = query ? (size_t)(query - target) : target_len;
	if (!equals(target, path_len, "/metrics"))
		return HTTP_NOT_FOUND;
	return HTTP_GET_METRICS;
}
