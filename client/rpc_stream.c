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

int rpc_server_stream(struct vbrctl *cli, const struct rpc_method *method,
		      const ProtobufCMessage *request, rpc_stream_fn on_message, void *arg,
		      volatile sig_atomic_t *stop)
{
	int rc = rpc__conn_open(cli);
	if (rc != EXIT_OK)
		return rc;
	grpc_call *call = rpc__start_call(cli, method, cli->timeout_ms);
	grpc_byte_buffer *send = rpc__pack(request);
	grpc_byte_buffer *recv = NULL;
	grpc_metadata_array initial_md, trailing_md;
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	int tag_start, tag_status, tag_message;
	int outstanding = 0;
	size_t received = 0;
	bool cancelled = false, status_done = false, decode_failed = false, connected = false;

	grpc_op ops[4];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
	if (grpc_call_start_batch(call, ops, 4, &tag_start, NULL) == GRPC_CALL_OK)
		outstanding++;

	grpc_op status_op;
	memset(&status_op, 0, sizeof(status_op));
	status_op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	status_op.data.recv_status_on_client.status = &status;
	status_op.data.recv_status_on_client.status_details = &details;
	status_op.data.recv_status_on_client.trailing_metadata = &trailing_md;
	if (grpc_call_start_batch(call, &status_op, 1, &tag_status, NULL) == GRPC_CALL_OK)
		outstanding++;
	else
		status_done = true;

	grpc_op msg_op;
	memset(&msg_op, 0, sizeof(msg_op));
	msg_op.op = GRPC_OP_RECV_MESSAGE;
	msg_op.data.recv_message.recv_message = &recv;
	bool message_pending =
	    grpc_call_start_batch(call, &msg_op, 1, &tag_message, NULL) == GRPC_CALL_OK;
	if (message_pending)
		outstanding++;

	while (outstanding > 0) {
		if (*stop && !cancelled) {
			grpc_call_cancel(call, NULL);
			cancelled = true;
		}
		/* Wake up now and then to notice Ctrl-C: the signal handler only sets *stop. */
		grpc_event ev =
		    grpc_completion_queue_next(cli->conn->cq, rpc__deadline_in(100), NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT)
			continue;
		if (ev.type != GRPC_OP_COMPLETE)
			break;
		outstanding--;
		if (ev.tag == &tag_status) {
			status_done = true;
		} else if (ev.tag == &tag_start) {
			/* The batch with RECV_INITIAL_METADATA succeeds only if we reached a
			 * server. */
			connected = ev.success != 0;
		} else if (ev.tag == &tag_message) {
			message_pending = false;
			if (!recv)
				continue; /* end of stream; the status follows */
			ProtobufCMessage *msg = rpc__unpack(method->response, recv);
			grpc_byte_buffer_destroy(recv);
			recv = NULL;
			if (!msg) {
				decode_failed = true;
				if (!cancelled) {
					grpc_call_cancel(call, NULL);
					cancelled = true;
				}
				continue;
			}
			received++;
			if (!*stop)
				on_message(arg, msg);
			protobuf_c_message_free_unpacked(msg, NULL);
			if (!*stop && !cancelled &&
			    grpc_call_start_batch(call, &msg_op, 1, &tag_message, NULL) ==
				GRPC_CALL_OK) {
				message_pending = true;
				outstanding++;
			}
		}
	}
	(void)message_pending;

	if (decode_failed) {
		fprintf(stderr,
			"vbrctl: INTERNAL: a streamed message from %s could not be decoded\n",
			method->path);
		rc = EXIT_SERVER;
	} else if (*stop) {
		rc = EXIT_OK; /* the user ended it */
	} else if (!status_done) {
		fprintf(stderr, "vbrctl: INTERNAL: the stream ended without a status\n");
		rc = EXIT_SERVER;
	} else if (!connected && received == 0 && status == GRPC_STATUS_UNAVAILABLE) {
		rc = rpc__report(cli, status, details);
	} else {
		/* The server, the connection or the deadline ended a stream that only ends on
		 * request: say which, with the status. */
		char *text = rpc__one_line(grpc_slice_to_c_string(details));
		fprintf(stderr, "vbrctl: stream ended by %s: %s: %s\n",
			status == GRPC_STATUS_DEADLINE_EXCEEDED ? "the --timeout deadline"
								: "the server",
			grpc_status_name(status), *text ? text : "(no message)");
		gpr_free(text);
		rc = EXIT_SERVER;
	}
	grpc_byte_buffer_destroy(send);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_call_unref(call);
	return rc;
}
