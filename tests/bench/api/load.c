/*
 * load: N calls in flight on one completion queue. Each call is a single batch (send
 * metadata, message and close; receive metadata, message and status) whose tag is its slot,
 * so a completion finds its slot without a lookup and the slot starts the next call at once.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#define CALL_TIMEOUT_MS 30000

struct slot {
	grpc_call *call;
	grpc_byte_buffer *send, *recv;
	grpc_metadata_array initial_md, trailing_md;
	grpc_status_code status;
	grpc_slice details;
	uint64_t start_ns;
	int kind;
};

uint64_t load_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static gpr_timespec deadline_ms(int64_t ms)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

static void fill_batch(struct slot *s, grpc_op ops[6])
{
	memset(ops, 0, 6 * sizeof(grpc_op));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = s->send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &s->initial_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &s->recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.status = &s->status;
	ops[5].data.recv_status_on_client.status_details = &s->details;
	ops[5].data.recv_status_on_client.trailing_metadata = &s->trailing_md;
}

static void slot_clear(struct slot *s)
{
	if (s->call)
		grpc_call_unref(s->call);
	if (s->send)
		grpc_byte_buffer_destroy(s->send);
	if (s->recv)
		grpc_byte_buffer_destroy(s->recv);
	grpc_metadata_array_destroy(&s->initial_md);
	grpc_metadata_array_destroy(&s->trailing_md);
	grpc_slice_unref(s->details);
	memset(s, 0, sizeof(*s));
}

static int slot_start(struct slot *s, grpc_channel *ch, grpc_completion_queue *cq,
		      const struct load_req *req)
{
	memset(s, 0, sizeof(*s));
	grpc_metadata_array_init(&s->initial_md);
	grpc_metadata_array_init(&s->trailing_md);
	s->details = grpc_empty_slice();
	s->kind = req->kind;
	grpc_slice body = grpc_slice_ref(req->body);
	s->send = grpc_raw_byte_buffer_create(&body, 1);
	grpc_slice_unref(body);
	s->start_ns = load_now_ns();
	s->call = grpc_channel_create_registered_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
						      req->method, deadline_ms(CALL_TIMEOUT_MS),
						      NULL);
	grpc_op ops[6];
	fill_batch(s, ops);
	if (!s->call || grpc_call_start_batch(s->call, ops, 6, s, NULL) != GRPC_CALL_OK) {
		slot_clear(s);
		return -1;
	}
	return 0;
}

static void note_error(struct load_result *out, const char *what, grpc_status_code code,
		       grpc_slice details)
{
	out->errors++;
	if (out->first_error[0])
		return;
	char *text = grpc_slice_to_c_string(details);
	snprintf(out->first_error, sizeof(out->first_error), "%s: status %d: %s", what,
		 (int)code, text);
	gpr_free(text);
}

int load_run(grpc_channel *ch, int in_flight, double seconds, load_next_fn next, void *ctx,
	     struct load_result *out)
{
	if (in_flight < 1 || in_flight > LOAD_MAX_IN_FLIGHT)
		return -1;
	struct slot *slots = calloc((size_t)in_flight, sizeof(*slots));
	if (!slots)
		return -1;
	grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
	int rc = 0, active = 0;
	uint64_t t0 = load_now_ns(), end = t0 + (uint64_t)(seconds * 1e9), last = t0;
	for (int i = 0; i < in_flight; i++) {
		if (slot_start(&slots[i], ch, cq, next(ctx)) != 0) {
			snprintf(out->first_error, sizeof(out->first_error), "cannot start a call");
			rc = -1;
			break;
		}
		active++;
	}
	while (active > 0) {
		grpc_event ev = grpc_completion_queue_next(cq, deadline_ms(CALL_TIMEOUT_MS + 5000),
							   NULL);
		if (ev.type != GRPC_OP_COMPLETE) {
			/* Only possible if the deadline machinery itself failed: give up. */
			snprintf(out->first_error, sizeof(out->first_error),
				 "no completion within %d ms", CALL_TIMEOUT_MS + 5000);
			rc = -1;
			break;
		}
		struct slot *s = ev.tag;
		uint64_t now = load_now_ns();
		last = now;
		if (ev.success && s->status == GRPC_STATUS_OK) {
			out->calls[s->kind]++;
			lat_add(&out->lat[s->kind], now - s->start_ns);
		} else {
			note_error(out, ev.success ? "call" : "batch failed", s->status, s->details);
		}
		slot_clear(s);
		active--;
		if (rc == 0 && now < end) {
			if (slot_start(s, ch, cq, next(ctx)) != 0) {
				snprintf(out->first_error, sizeof(out->first_error),
					 "cannot start a call");
				rc = -1;
			} else {
				active++;
			}
		}
	}
	out->seconds += (double)(last - t0) / 1e9;
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	free(slots);
	return rc;
}

void load_result_free(struct load_result *r)
{
	for (int k = 0; k < LOAD_MAX_KINDS; k++)
		lat_free(&r->lat[k]);
}

static int copy_bytes(grpc_byte_buffer *bb, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (!bb)
		return 0;
	grpc_byte_buffer_reader reader;
	if (!grpc_byte_buffer_reader_init(&reader, bb))
		return -1;
	grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	size_t n = GRPC_SLICE_LENGTH(all);
	*out = malloc(n ? n : 1);
	if (*out) {
		memcpy(*out, GRPC_SLICE_START_PTR(all), n);
		*len = n;
	}
	grpc_slice_unref(all);
	return *out ? 0 : -1;
}

grpc_status_code load_unary(grpc_channel *ch, const char *method, const uint8_t *request,
			    size_t request_len, uint8_t **response, size_t *response_len,
			    char *message, size_t message_len)
{
	*response = NULL;
	*response_len = 0;
	message[0] = '\0';
	grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
	struct slot s;
	memset(&s, 0, sizeof(s));
	grpc_metadata_array_init(&s.initial_md);
	grpc_metadata_array_init(&s.trailing_md);
	s.details = grpc_empty_slice();
	s.status = GRPC_STATUS_UNKNOWN;
	grpc_slice body = grpc_slice_from_copied_buffer((const char *)request, request_len);
	s.send = grpc_raw_byte_buffer_create(&body, 1);
	grpc_slice_unref(body);
	s.call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
					  grpc_slice_from_static_string(method), NULL,
					  deadline_ms(CALL_TIMEOUT_MS), NULL);
	grpc_op ops[6];
	fill_batch(&s, ops);
	grpc_status_code status = GRPC_STATUS_INTERNAL;
	if (grpc_call_start_batch(s.call, ops, 6, &s, NULL) != GRPC_CALL_OK) {
		snprintf(message, message_len, "cannot start the call");
	} else {
		grpc_event ev = grpc_completion_queue_pluck(cq, &s, deadline_ms(CALL_TIMEOUT_MS + 5000),
							    NULL);
		if (ev.type != GRPC_OP_COMPLETE) {
			/* Cancel, then wait for the batch to give its tag back before freeing. */
			grpc_call_cancel(s.call, NULL);
			grpc_completion_queue_pluck(cq, &s, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
			snprintf(message, message_len, "the call did not complete");
		} else if (!ev.success) {
			snprintf(message, message_len, "the call failed");
		} else {
			status = s.status;
			char *text = grpc_slice_to_c_string(s.details);
			snprintf(message, message_len, "%s", text);
			gpr_free(text);
			if (status == GRPC_STATUS_OK &&
			    copy_bytes(s.recv, response, response_len) != 0) {
				status = GRPC_STATUS_INTERNAL;
				snprintf(message, message_len, "cannot read the reply");
			}
		}
	}
	slot_clear(&s);
	grpc_completion_queue_shutdown(cq);
	grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	grpc_completion_queue_destroy(cq);
	return status;
}
