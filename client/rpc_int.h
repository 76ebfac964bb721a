/* rpc_int.h: what the rpc_*.c files share and nothing else includes: the connection (one
 * channel and one completion queue per run) and the helpers every call uses. One
 * completion queue serves every call; each batch has its own tag and we wait for exactly the
 * tags we started, so a stream can poll for Ctrl-C between events. */
#ifndef VBRCTL_RPC_INT_H
#define VBRCTL_RPC_INT_H

#include <grpc/grpc.h>

#include "rpc.h"

struct rpc_conn {
	grpc_channel *channel;
	grpc_completion_queue *cq;
};

/* rpc_channel.c: opens cli->conn on first use (credentials from the TLS options). */
int rpc__conn_open(struct vbrctl *cli);

/* rpc_call.c */
gpr_timespec rpc__deadline_in(int64_t ms); /* ms < 0: none */
grpc_byte_buffer *rpc__pack(const ProtobufCMessage *msg);
ProtobufCMessage *rpc__unpack(const ProtobufCMessageDescriptor *desc, grpc_byte_buffer *bb);
/* Replaces control characters in place: the error contract is one line. */
char *rpc__one_line(char *text);
/* Prints the error line for a failed call; returns EXIT_CONNECT or EXIT_SERVER. */
int rpc__report(struct vbrctl *cli, grpc_status_code code, grpc_slice details);
grpc_call *rpc__start_call(struct vbrctl *cli, const struct rpc_method *method, int64_t timeout_ms);

#endif
