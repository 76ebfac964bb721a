/* cmd_call: the two ways a command ends with one unary call, written once. */
#ifndef VBRCTL_CMD_CALL_H
#define VBRCTL_CMD_CALL_H

#include <protobuf-c/protobuf-c.h>

#include "cli.h"
#include "rpc.h"

/* Calls `method` and shows its reply with show(cli, reply); returns the exit code. */
int cmd_call_show(struct vbrctl *cli, const struct rpc_method *method,
		  const ProtobufCMessage *request,
		  int (*show)(struct vbrctl *cli, const ProtobufCMessage *reply));

/* Calls a method whose reply is Empty and says it was done: "{}" with -o json, else the line
 * `fmt` makes. Returns the exit code. */
int cmd_call_done(struct vbrctl *cli, const struct rpc_method *method,
		  const ProtobufCMessage *request, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The option tables several commands share: none, and a delete's --request-id. */
extern const struct opt_spec cmd_no_opts[];
extern const struct opt_spec cmd_delete_opts[];

#endif
