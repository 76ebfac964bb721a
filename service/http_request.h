/*
 * http_request: what a --metrics-listen request asks for, decided without a socket. vbrd
 * answers one request per connection, so it needs only where the headers end and what the
 * request line (RFC 9112 3: METHOD SP TARGET SP HTTP/1.x) asks. Pure: unit-tested and fuzzed.
 */
#ifndef VBR_SERVICE_HTTP_REQUEST_H
#define VBR_SERVICE_HTTP_REQUEST_H

#include <stddef.h>

/* Longest request line accepted (longer: 414). */
#define HTTP_REQUEST_LINE_MAX 511

enum http_verdict {
	HTTP_GET_METRICS,	 /* GET /metrics (any query) */
	HTTP_BAD_REQUEST,	 /* 400: not METHOD SP TARGET SP HTTP/1.x, or a NUL in the line */
	HTTP_NOT_FOUND,		 /* 404: another path */
	HTTP_METHOD_NOT_ALLOWED, /* 405: not GET */
	HTTP_URI_TOO_LONG,	 /* 414: the line is longer than HTTP_REQUEST_LINE_MAX */
};

/* Where the headers in buf[0..len) end: the index just past the LF of the first empty line
 * (a bare LF is tolerated, RFC 9112 2.2), 0 when it has not arrived. Bytes before `from` were
 * scanned by an earlier call and held no end (pass the length before the last read). */
size_t http_headers_end(const char *buf, size_t len, size_t from);

/* What the request's first line, buf[0..first LF or len), asks for. */
enum http_verdict http_request_line(const char *buf, size_t len);

#endif
