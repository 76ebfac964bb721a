/* rpc_call.c: one unary call (send, wait, decode, or one error line and an exit code) and
 * the helpers the stream shares: deadlines, packing, unpacking, error reporting. */
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

#define UNARY_DEFAULT_TIMEOUT_MS 10000

gpr_timespec rpc__deadline_in(int64_t ms)
{
	if (ms < 0)
		return gpr_inf_future(GPR_CLOCK_REALTIME);
	return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

/* Waits for one specific tag; other tags cannot be outstanding on this queue meanwhile. */
static bool wait_tag(struct rpc_conn *conn, void *tag)
{
	for (;;) {
		grpc_event ev =
		    grpc_completion_queue_next(conn->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_OP_COMPLETE && ev.tag == tag)
			return ev.success != 0;
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return false;
	}
}

grpc_byte_buffer *rpc__pack(const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	grpc_slice slice = grpc_slice_malloc(len);
	protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(slice));
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
	grpc_slice_unref(slice);
	return bb;
}

ProtobufCMessage *rpc__unpack(const ProtobufCMessageDescriptor *desc, grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader reader;
	if (!grpc_byte_buffer_reader_init(&reader, bb))
		return NULL;
	grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, GRPC_SLICE_LENGTH(all),
							  GRPC_SLICE_START_PTR(all));
	grpc_slice_unref(all);
	return msg;
}

static bool quiet_errors;

/* The error contract is one line, and no server text may drive the terminal. */
char *rpc__one_line(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return text;
}

bool rpc_quiet(struct vbrctl *cli, bool quiet)
{
	(void)cli;
	bool was = quiet_errors;
	quiet_errors = quiet;
	return was;
}

/* One line on stderr: the code name and the server's message. */
int rpc__report(struct vbrctl *cli, grpc_status_code code, grpc_slice details)
{
	if (quiet_errors)
		return code == GRPC_STATUS_UNAVAILABLE ? EXIT_CONNECT : EXIT_SERVER;
	char *text = rpc__one_line(grpc_slice_to_c_string(details));
	int rc = EXIT_SERVER;
	if (code == GRPC_STATUS_UNAVAILABLE) {
		fprintf(stderr, "vbrctl: cannot connect to %s: UNAVAILABLE: %s\n", cli->server,
			text);
		rc = EXIT_CONNECT;
	} else if (code == GRPC_STATUS_DEADLINE_EXCEEDED) {
		fprintf(stderr, "vbrctl: DEADLINE_EXCEEDED: %s (server %s)\n", text, cli->server);
	} else {
		fprintf(stderr, "vbrctl: %s: %s\n", grpc_status_name(code), text);
	}
	gpr_free(text);
	return rc;
}

grpc_call *rpc__start_call(struct vbrctl *cli, const struct rpc_method *method, int64_t timeout_ms)
{
	return grpc_channel_create_call(cli->conn->channel, NULL, GRPC_PROPAGATE_DEFAULTS,
					cli->conn->cq, grpc_slice_from_static_string(method->path),
					NULL, rpc__deadline_in(timeout_ms), NULL);
}

int rpc_unary(struct vbrctl *cli, const struct rpc_method *method, const ProtobufCMessage *request,
	      ProtobufCMessage **response)
{
	*response = NULL;
	int rc = rpc__conn_open(cli);
	if (rc != EXIT_OK)
		return rc;
	int64_t timeout = cli->timeout_ms >= 0 ? cli->timeout_ms : UNARY_DEFAULT_TIMEOUT_MS;
	grpc_call *call = rpc__start_call(cli, method, timeout);
	grpc_byte_buffer *send = rpc__pack(request);
	grpc_byte_buffer *recv = NULL;
	grpc_metadata_array initial_md, trailing_md;
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();

	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	/* wait_for_ready=false, said explicitly: no server means UNAVAILABLE now, not a hang. */
	ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
	int tag;
	grpc_call_error err = grpc_call_start_batch(call, ops, 6, &tag, NULL);
	if (err == GRPC_CALL_OK)
		wait_tag(cli->conn, &tag);

	if (err != GRPC_CALL_OK) {
		fprintf(stderr, "vbrctl: INTERNAL: cannot start the call (error %d)\n", (int)err);
		rc = EXIT_SERVER;
	} else if (status != GRPC_STATUS_OK) {
		rc = rpc__report(cli, status, details);
	} else if (!recv || !(*response = rpc__unpack(method->response, recv))) {
		fprintf(stderr, "vbrctl: INTERNAL: the server's reply to %s could not be decoded\n",
			method->path);
		rc = EXIT_SERVER;
	}
	if (recv)
		grpc_byte_buffer_destroy(recv);
	grpc_byte_buffer_destroy(send);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_call_unref(call);
	return rc;
}
