/* http_request: where a metrics request's headers end (split across reads, bare LF) and what
 * its request line asks for, each refusal with its own verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_request.h"

static size_t end_of(const char *s)
{
	return http_headers_end(s, strlen(s), 0);
}

static void test_headers_end(void **state)
{
	(void)state;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
	assert_int_equal(end_of(req), strlen(req));
	assert_int_equal(end_of("GET / HTTP/1.0\n\n"), strlen("GET / HTTP/1.0\n\n"));
	assert_int_equal(end_of("GET / HTTP/1.0\r\n\n"), strlen("GET / HTTP/1.0\r\n\n"));
	assert_int_equal(end_of("GET /metrics HTTP/1.1\r\nHost: a\r\n"), 0);
	assert_int_equal(end_of("\n"), 0);
	assert_int_equal(end_of(""), 0);
	/* Bytes after the end are not the headers'. */
	assert_int_equal(end_of("GET / HTTP/1.1\n\nbody\n\n"), strlen("GET / HTTP/1.1\n\n"));
	/* The terminator split at every point across two reads is found in the second. */
	size_t n = strlen(req);
	for (size_t cut = 1; cut < n; cut++) {
		assert_int_equal(http_headers_end(req, cut, 0), 0);
		assert_int_equal(http_headers_end(req, n, cut), n);
	}
}

static void test_request_line(void **state)
{
	(void)state;
	const struct {
		const char *line;
		enum http_verdict verdict;
	} cases[] = {
	    {"GET /metrics HTTP/1.1\r\n\r\n", HTTP_GET_METRICS},
	    {"GET /metrics?x=1 HTTP/1.0\n\n", HTTP_GET_METRICS},
	    {"GET /metrics HTTP/1.1", HTTP_GET_METRICS}, /* no LF: the whole buffer is the line */
	    {"GET / HTTP/1.1\r\n\r\n", HTTP_NOT_FOUND},
	    {"GET /metricsx HTTP/1.1\r\n\r\n", HTTP_NOT_FOUND},
	    {"GET /metric HTTP/1.1\r\n\r\n", HTTP_NOT_FOUND},
	    {"POST /metrics HTTP/1.1\r\n\r\n", HTTP_METHOD_NOT_ALLOWED},
	    {"get /metrics HTTP/1.1\r\n\r\n", HTTP_METHOD_NOT_ALLOWED},
	    {" /metrics HTTP/1.1\r\n\r\n", HTTP_METHOD_NOT_ALLOWED},
	    {"GET /metrics HTTP/2.0\r\n\r\n", HTTP_BAD_REQUEST},
	    {"GET /metrics HTTP/1.\r\n\r\n", HTTP_GET_METRICS},
	    {"GET /metrics HTTP/1\r\n\r\n", HTTP_BAD_REQUEST},
	    {"GET /metrics\r\n\r\n", HTTP_BAD_REQUEST},
	    {"GET /metrics HTTP/1.1 extra\r\n\r\n", HTTP_BAD_REQUEST},
	    {"GET\r\n\r\n", HTTP_BAD_REQUEST},
	    {"\r\n\r\n", HTTP_BAD_REQUEST},
	    {"", HTTP_BAD_REQUEST},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(http_request_line(cases[i].line, strlen(cases[i].line)),
				 cases[i].verdict);
	/* A NUL inside the line is refused, not read as its end. */
	const char nul[] = "GET /metrics\0 HTTP/1.1\r\n\r\n";
	assert_int_equal(http_request_line(nul, sizeof(nul) - 1), HTTP_BAD_REQUEST);
	/* Longest line accepted, then one byte more. */
	char line[HTTP_REQUEST_LINE_MAX + 8];
	const char *head = "GET /metrics?", *tail = " HTTP/1.1";
	size_t fill = HTTP_REQUEST_LINE_MAX - strlen(head) - strlen(tail);
	memcpy(line, head, strlen(head));
	memset(line + strlen(head), 'a', fill);
	memcpy(line + strlen(head) + fill, tail, strlen(tail));
	size_t len = HTTP_REQUEST_LINE_MAX;
	line[len] = '\n';
	assert_int_equal(http_request_line(line, len + 1), HTTP_GET_METRICS);
	memmove(line + strlen(head) + 1, line + strlen(head), len - strlen(head) + 1);
	assert_int_equal(http_request_line(line, len + 2), HTTP_URI_TOO_LONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers_end),
	    cmocka_unit_test(test_request_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
