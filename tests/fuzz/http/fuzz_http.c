/* fuzz_http: service/http_request.c on any bytes. The first byte picks where the request is
 * split into two reads; the end of the headers must not depend on the split, must follow an
 * LF, and the verdict must be one of the five. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"

/* The buffer metrics_http reads into is this size; copying into a heap buffer of exactly the
 * input's length lets ASan see any read past it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cut = data[0];
	data++;
	size--;
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	size_t whole = http_headers_end(buf, size, 0);
	if (cut > size)
		cut = size;
	size_t first = http_headers_end(buf, cut, 0);
	size_t split = first ? first : http_headers_end(buf, size, cut);
	if (split != whole)
		abort();
	if (whole && (whole > size || buf[whole - 1] != '\n'))
		abort();
	enum http_verdict v = http_request_line(buf, whole ? whole : size);
	if (v != HTTP_GET_METRICS && v != HTTP_BAD_REQUEST && v != HTTP_NOT_FOUND &&
	    v != HTTP_METHOD_NOT_ALLOWED && v != HTTP_URI_TOO_LONG)
		abort();
	free(buf);
	return 0;
}
