#include "cmd_call.h"

#include <stdarg.h>
#include <stdio.h>

#include "output.h"

int cmd_call_show(struct vbrctl *cli, const struct rpc_method *method,
		  const ProtobufCMessage *request,
		  int (*show)(struct vbrctl *cli, const ProtobufCMessage *reply))
{
	ProtobufCMessage *reply;
	int rc = rpc_unary(cli, method, request, &reply);
	if (rc != EXIT_OK)
		return rc;
	rc = show(cli, reply);
	protobuf_c_message_free_unpacked(reply, NULL);
	return rc;
}

int cmd_call_done(struct vbrctl *cli, const struct rpc_method *method,
		  const ProtobufCMessage *request, const char *fmt, ...)
{
	ProtobufCMessage *reply;
	int rc = rpc_unary(cli, method, request, &reply);
	if (rc != EXIT_OK)
		return rc;
	protobuf_c_message_free_unpacked(reply, NULL);
	if (cli->output == OUTPUT_JSON) {
		output_json_empty();
		return EXIT_OK;
	}
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return EXIT_OK;
}

const struct opt_spec cmd_no_opts[] = {{0}};
const struct opt_spec cmd_delete_opts[] = {
    {"request-id", 0, OPT_VALUE, "ID",
     "makes a retry return the first result (a deleted object included)",
     false, NULL},
    {0},
};
