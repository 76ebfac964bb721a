/*
 * mutations: the RPCs that change the router (groups, peers, networks) and ResetBgpPeer.
 * Loop thread.
 *
 * A mutation validates against the live model, builds the next model, and hands the durable
 * write to the libuv thread pool, so the loop keeps serving sessions and event streams during
 * the fsyncs. Writes are serialised: while one is in flight, later mutations wait in a FIFO
 * (they must validate against the state the earlier one leaves). When the write is done the
 * next model goes live, the change is applied to the BGP core, events go out, and only then
 * the reply.
 */
#ifndef VBR_SERVICE_MUTATIONS_H
#define VBR_SERVICE_MUTATIONS_H

#include <stdbool.h>

#include "daemon.h"

bool mutation_method(enum vbr_method m);
/* Runs the mutation now, or queues it behind the write in flight. */
void mutation_call(struct vbrd *d, struct rpc_call *call);

#endif
