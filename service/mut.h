/*
 * mut: the per-resource mutations, one file each (mut_group.c, mut_peer.c, mut_network.c).
 * Each validates its request against the batch's next model (commit.h) and either replies at
 * once with the error or adds a job whose finish applies it once it is written.
 */
#ifndef VBR_SERVICE_MUT_H
#define VBR_SERVICE_MUT_H

#include "commit.h"
#include "validate.h"
#include "vbr/v1/vbr.pb-c.h"

void mut_create_group(struct commit_batch *b, struct rpc_call *call,
		      const Vbr__V1__CreateBgpGroupRequest *req);
void mut_update_group(struct commit_batch *b, struct rpc_call *call,
		      const Vbr__V1__UpdateBgpGroupRequest *req);
void mut_delete_group(struct commit_batch *b, struct rpc_call *call,
		      const Vbr__V1__DeleteBgpGroupRequest *req);

void mut_create_peer(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__CreateBgpPeerRequest *req);
void mut_update_peer(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__UpdateBgpPeerRequest *req);
void mut_delete_peer(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__DeleteBgpPeerRequest *req);
void mut_reset_peer(struct commit_batch *b, struct rpc_call *call,
		    const Vbr__V1__ResetBgpPeerRequest *req);

void mut_add_network(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__AddBgpNetworkRequest *req);
void mut_delete_network(struct commit_batch *b, struct rpc_call *call,
			const Vbr__V1__DeleteBgpNetworkRequest *req);

void mut_create_route_entry(struct commit_batch *b, struct rpc_call *call,
			    const Vbr__V1__CreateRouteEntryRequest *req);
void mut_delete_route_entry(struct commit_batch *b, struct rpc_call *call,
			    const Vbr__V1__DeleteRouteEntryRequest *req);

/* mut_peer.c, for groups too: the peer's config as the core will get it, checked by the core's
 * own rules. Fails (st set, INVALID_ARGUMENT naming the peer) when the core would refuse it. */
grpc_status_code mut_peer_config(const struct vbr_peer *p, const struct vbr_group *g,
				 struct bgp_peer_config *out, struct vbr_status *st);
/* mut_peer.c: the core is told of a peer's config (add or update) after the write. */
void mut_apply_peer(struct vbrd *d, const struct vbr_peer *p, bool add);

#endif
