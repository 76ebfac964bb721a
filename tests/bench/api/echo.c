/*
 * echo: registered methods, payload read with the call (as vbrd does), one batch per reply
 * (initial metadata, message, OK status, receive close) started from the completion-queue
 * thread, and the request re-posted before answering.
 */
#include "echo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#define ECHO_MAX_METHODS 8
#define REQUESTS_PER_METHOD 16 /* vbrd posts 16 per read method */

struct echo_call {
	int method;
	int answered; /* 0: the tag is the new call; 1: the reply batch */
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array metadata;
	grpc_byte_buffer *payload;
	grpc_byte_buffer *reply;
	int cancelled;
};

struct echo_server {
	grpc_server *server;
	grpc_completion_queue *cq;
	void *registered[ECHO_MAX_METHODS];
	grpc_slice replies[ECHO_MAX_METHODS];
};

static void post(struct echo_server *s, int method)
{
	struct echo_call *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->method = method;
	grpc_metadata_array_init(&c->metadata);
	if (grpc_server_request_registered_call(s->server, s->registered[method], &c->call,
						&c->deadline, &c->metadata, &c->payload, s->cq,
						s->cq, c) != GRPC_CALL_OK) {
		grpc_metadata_array_destroy(&c->metadata);
		free(c);
	}
}

static void call_free(struct echo_call *c)
{
	if (c->call)
		grpc_call_unref(c->call);
	if (c->payload)
		grpc_byte_buffer_destroy(c->payload);
	if (c->reply)
		grpc_byte_buffer_destroy(c->reply);
	grpc_metadata_array_destroy(&c->metadata);
	free(c);
}

static void answer(struct echo_server *s, struct echo_call *c)
{
	grpc_slice body = grpc_slice_ref(s->replies[c->method]);
	c->reply = grpc_raw_byte_buffer_create(&body, 1);
	grpc_slice_unref(body);
	grpc_op ops[4];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = c->reply;
	ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[2].data.send_status_from_server.status = GRPC_STATUS_OK;
	ops[3].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[3].data.recv_close_on_server.cancelled = &c->cancelled;
	c->answered = 1;
	if (grpc_call_start_batch(c->call, ops, 4, c, NULL) != GRPC_CALL_OK)
		call_free(c);
}

int echo_serve(const char *address, const struct echo_method *methods, size_t n_methods)
{
	struct echo_server s;
	memset(&s, 0, sizeof(s));
	if (n_methods > ECHO_MAX_METHODS)
		return -1;
	s.cq = grpc_completion_queue_create_for_next(NULL);
	s.server = grpc_server_create(NULL, NULL);
	grpc_server_register_completion_queue(s.server, s.cq, NULL);
	for (size_t i = 0; i < n_methods; i++) {
		s.registered[i] = grpc_server_register_method(
			s.server, methods[i].path, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
		s.replies[i] = grpc_slice_from_copied_buffer((const char *)methods[i].reply,
							     methods[i].reply_len);
	}
	grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
	int port = grpc_server_add_http2_port(s.server, address, creds);
	grpc_server_credentials_release(creds);
	if (port == 0) {
		fprintf(stderr, "echo: cannot listen on %s\n", address);
		return -1;
	}
	grpc_server_start(s.server);
	for (size_t i = 0; i < n_methods; i++)
		for (int k = 0; k < REQUESTS_PER_METHOD; k++)
			post(&s, (int)i);
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(s.cq, gpr_inf_future(GPR_CLOCK_REALTIME),
							   NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		struct echo_call *c = ev.tag;
		if (c->answered) {
			call_free(c);
		} else if (!ev.success) {
			call_free(c); /* never matched: the server is going away */
		} else {
			post(&s, c->method);
			answer(&s, c);
		}
	}
	return 0;
}
