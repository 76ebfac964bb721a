/*
 * load: the client side of the benchmark, on the gRPC C core API. load_run keeps a fixed
 * number of unary calls in flight on one channel and one completion queue (a single
 * thread) for a given time, asking a generator for each next request, and logs every
 * call's latency by the request's kind. load_unary makes one blocking call (set-up).
 */
#ifndef VBR_BENCH_LOAD_H
#define VBR_BENCH_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "lat.h"

#define LOAD_MAX_KINDS 4
#define LOAD_MAX_IN_FLIGHT 256

struct load_req {
	void *method;     /* from grpc_channel_register_call on the same channel */
	grpc_slice body;  /* the packed request; the generator keeps it alive */
	int kind;         /* 0..LOAD_MAX_KINDS-1: which latency log the call goes to */
};

/* Returns the next request to send; called on the load thread only. */
typedef const struct load_req *(*load_next_fn)(void *ctx);

struct load_result {
	uint64_t calls[LOAD_MAX_KINDS]; /* completed with status OK */
	uint64_t errors;                /* any other outcome */
	char first_error[200];
	double seconds;                 /* from the first call to the last completion */
	struct lat_log lat[LOAD_MAX_KINDS];
};

/* Runs until `seconds` have passed, then lets the calls in flight finish. Adds to `out`
 * (so several slices of one phase accumulate). Returns -1 if the run could not proceed
 * (a call could not start or a completion never came); out->first_error says why. */
int load_run(grpc_channel *channel, int in_flight, double seconds, load_next_fn next,
	     void *ctx, struct load_result *out);
void load_result_free(struct load_result *r);

/* One call, waiting for its end (30 s at most). Returns the status code; *response (malloc'd,
 * may be NULL when empty) gets the reply's bytes when OK; `message` the status message. */
grpc_status_code load_unary(grpc_channel *channel, const char *method, const uint8_t *request,
			    size_t request_len, uint8_t **response, size_t *response_len,
			    char *message, size_t message_len);

uint64_t load_now_ns(void);

#endif
