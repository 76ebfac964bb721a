/* rpc_stream.c: a server stream (WatchPeerEvents): each message to a callback as it
 * arrives; Ctrl-C (a flag the signal handler sets, polled every 100 ms) cancels the call
 * cleanly; a stream the server ends is reported with its status. */
#include "rpc_int.h"

#include "grpc_status_name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

/* One server-streaming call in progress: the three batches it keeps open and what came back. */
struct stream {
	grpc_call *call;
	const struct rpc_method *method;
	grpc_byte_buffer *send, *recv;
	grpc_metadata_array initial_md, trailing_md;
	grpc_status_code status;
	grpc_slice details;
	grpc_op msg_op;
	int tag_start, tag_status, tag_message;
	int outstanding;
	size_t received;
	bool cancelled, status_done, decode_failed, connected;
};

static void stream_cancel(struct stream *st)
{
	if (!st->cancelled) {
		grpc_call_cancel(st->call, NULL);
		st->cancelled = true;
	}
}

static void stream_next_message(struct stream *st)
{
	if (grpc_call_start_batch(st->call, &st->msg_op, 1, &st->tag_message, NULL) ==
	    GRPC_CALL_OK)
		st->outstanding++;
}

/* Sends the request and opens the batches for the headers, the status and the first message. */
static void stream_start(struct stream *st, const ProtobufCMessage *request)
{
	st->send = rpc__pack(request);
	grpc_metadata_array_init(&st->initial_md);
	grpc_metadata_array_init(&st->trailing_md);
	st->status = GRPC_STATUS_UNKNOWN;
	st->details = grpc_empty_slice();
	grpc_op ops[4];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = st->send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &st->initial_md;
	if (grpc_call_start_batch(st->call, ops, 4, &st->tag_start, NULL) == GRPC_CALL_OK)
		st->outstanding++;
	grpc_op status_op;
	memset(&status_op, 0, sizeof(status_op));
	status_op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	status_op.data.recv_status_on_client.status = &st->status;
	status_op.data.recv_status_on_client.status_details = &st->details;
	status_op.data.recv_status_on_client.trailing_metadata = &st->trailing_md;
	if (grpc_call_start_batch(st->call, &status_op, 1, &st->tag_status, NULL) == GRPC_CALL_OK)
		st->outstanding++;
	else
		st->status_done = true;
	memset(&st->msg_op, 0, sizeof(st->msg_op));
	st->msg_op.op = GRPC_OP_RECV_MESSAGE;
	st->msg_op.data.recv_message.recv_message = &st->recv;
	stream_next_message(st);
}

/* A message arrived (or the end of the stream): hand it on and ask for the next. */
static void stream_on_message(struct stream *st, rpc_stream_fn on_message, void *arg,
			      volatile sig_atomic_t *stop)
{
	if (!st->recv)
		return; /* end of stream; the status follows */
	ProtobufCMessage *msg = rpc__unpack(st->method->response, st->recv);
	grpc_byte_buffer_destroy(st->recv);
	st->recv = NULL;
	if (!msg) {
		st->decode_failed = true;
		stream_cancel(st);
		return;
	}
	st->received++;
	if (!*stop)
		on_message(arg, msg);
	protobuf_c_message_free_unpacked(msg, NULL);
	if (!*stop && !st->cancelled)
		stream_next_message(st);
}

/* The exit status, and the line saying why the stream ended when it was not the user. */
static int stream_outcome(struct vbrctl *cli, struct stream *st, volatile sig_atomic_t *stop)
{
	if (st->decode_failed) {
		fprintf(stderr, "vbrctl: INTERNAL: a streamed message from %s could not be decoded\n",
			st->method->path);
		return EXIT_SERVER;
	}
	if (*stop)
		return EXIT_OK; /* the user ended it */
	if (!st->status_done) {
		fprintf(stderr, "vbrctl: INTERNAL: the stream ended without a status\n");
		return EXIT_SERVER;
	}
	if (!st->connected && st->received == 0 && st->status == GRPC_STATUS_UNAVAILABLE)
		return rpc__report(cli, st->status, st->details);
	/* The server, the connection or the deadline ended a stream that only ends on request:
	 * say which, with the status. */
	char *text = rpc__one_line(grpc_slice_to_c_string(st->details));
	fprintf(stderr, "vbrctl: stream ended by %s: %s: %s\n",
		st->status == GRPC_STATUS_DEADLINE_EXCEEDED ? "the --timeout deadline" : "the server",
		grpc_status_name(st->status), *text ? text : "(no message)");
	gpr_free(text);
	return EXIT_SERVER;
}

int rpc_server_stream(struct vbrctl *cli, const struct rpc_method *method,
		      const ProtobufCMessage *request, rpc_stream_fn on_message, void *arg,
		      volatile sig_atomic_t *stop)
{
	int rc = rpc__conn_open(cli);
	if (rc != EXIT_OK)
		return rc;
	struct stream st = {.call = rpc__start_call(cli, method, cli->timeout_ms), .method = method};
	stream_start(&st, request);
	while (st.outstanding > 0) {
		if (*stop)
			stream_cancel(&st);
		/* Wake up now and then to notice Ctrl-C: the signal handler only sets *stop. */
		grpc_event ev =
		    grpc_completion_queue_next(cli->conn->cq, rpc__deadline_in(100), NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT)
			continue;
		if (ev.type != GRPC_OP_COMPLETE)
			break;
		st.outstanding--;
		if (ev.tag == &st.tag_status)
			st.status_done = true;
		else if (ev.tag == &st.tag_start) /* headers arrive only from a server */
			st.connected = ev.success != 0;
		else if (ev.tag == &st.tag_message)
			stream_on_message(&st, on_message, arg, stop);
	}
	rc = stream_outcome(cli, &st, stop);
	grpc_byte_buffer_destroy(st.send);
	grpc_slice_unref(st.details);
	grpc_metadata_array_destroy(&st.initial_md);
	grpc_metadata_array_destroy(&st.trailing_md);
	grpc_call_unref(st.call);
	return rc;
}
