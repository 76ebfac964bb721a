/*
 * mutations: the RPCs that change the router (groups, peers, networks) and ResetBgpPeer.
 * Loop thread. How they are validated, written and applied: commit.h; each resource's
 * operations: mut.h.
 */
#ifndef VBR_SERVICE_MUTATIONS_H
#define VBR_SERVICE_MUTATIONS_H

#include <stdbool.h>

#include "daemon.h"

bool mutation_method(enum vbr_method m);
/* Runs the mutation now, or queues it behind the write in flight. */
void mutation_call(struct vbrd *d, struct rpc_call *call);

#endif
