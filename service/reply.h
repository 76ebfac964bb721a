/*
 * reply: the unary replies every handler gives the same way (a status, Empty, out of
 * memory), written once.
 */
#ifndef VBR_SERVICE_REPLY_H
#define VBR_SERVICE_REPLY_H

#include "rpc.h"
#include "validate.h"

void reply_status(struct rpc_call *call, const struct vbr_status *st);
void reply_empty(struct rpc_call *call);
void reply_out_of_memory(struct rpc_call *call);

#endif
