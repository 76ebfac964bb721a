#include "reply.h"

#include "google/protobuf/empty.pb-c.h"

void reply_status(struct rpc_call *call, const struct vbr_status *st)
{
	rpc_reply(call, st->code, st->message, NULL);
}

void reply_empty(struct rpc_call *call)
{
	Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
	rpc_reply(call, GRPC_STATUS_OK, NULL, &empty.base);
}

void reply_out_of_memory(struct rpc_call *call)
{
	rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
}
