/*
 * echo: the yardstick. A bare gRPC core server with vbrd's shape (registered methods with
 * the payload read, 16 requests posted per method, one completion-queue thread) that answers
 * every call on that thread with fixed bytes: for each benchmarked method the exact reply
 * vbrd gave, so the two servers send the same response and vbrd / echo is the cost of
 * vbrd's own path (unpack, snapshot, convert, pack).
 */
#ifndef VBR_BENCH_ECHO_H
#define VBR_BENCH_ECHO_H

#include <stddef.h>
#include <stdint.h>

struct echo_method {
	const char *path;     /* "/vbr.v1.VirtualBorderRouter/GetRouter" */
	const uint8_t *reply; /* answered to every call */
	size_t reply_len;
};

/* Serves until the process is killed; returns non-zero only if it cannot listen. Call
 * grpc_init first. */
int echo_serve(const char *address, const struct echo_method *methods, size_t n_methods);

#endif
