/*
 * mutations: which methods change the router, and the dispatch of each to its operation
 * (mut_*.c) inside a commit batch (commit.c).
 */
#include "mutations.h"

#include "commit.h"
#include "mut.h"

bool mutation_method(enum vbr_method m)
{
	switch (m) {
	case VBR_M_CREATE_BGP_GROUP:
	case VBR_M_UPDATE_BGP_GROUP:
	case VBR_M_DELETE_BGP_GROUP:
	case VBR_M_CREATE_BGP_PEER:
	case VBR_M_UPDATE_BGP_PEER:
	case VBR_M_DELETE_BGP_PEER:
	case VBR_M_RESET_BGP_PEER:
	case VBR_M_ADD_BGP_NETWORK:
	case VBR_M_DELETE_BGP_NETWORK:
	case VBR_M_CREATE_ROUTE_ENTRY:
	case VBR_M_DELETE_ROUTE_ENTRY:
		return true;
	default:
		return false;
	}
}

#define CASE(method, type, fn, op)                                                                 \
	case method: {                                                                             \
		type *req = fn##__unpack(NULL, len, data);                                         \
		if (!req)                                                                          \
			break;                                                                     \
		op(b, call, req);                                                                  \
		fn##__free_unpacked(req, NULL);                                                    \
		return;                                                                            \
	}

/* Validates one call into the batch: a job, or an immediate reply. */
static void dispatch(struct commit_batch *b, struct rpc_call *call)
{
	size_t len;
	const uint8_t *data = rpc_call_request(call, &len);
	switch (rpc_call_method(call)) {
		CASE(VBR_M_CREATE_BGP_GROUP, Vbr__V1__CreateBgpGroupRequest,
		     vbr__v1__create_bgp_group_request, mut_create_group)
		CASE(VBR_M_UPDATE_BGP_GROUP, Vbr__V1__UpdateBgpGroupRequest,
		     vbr__v1__update_bgp_group_request, mut_update_group)
		CASE(VBR_M_DELETE_BGP_GROUP, Vbr__V1__DeleteBgpGroupRequest,
		     vbr__v1__delete_bgp_group_request, mut_delete_group)
		CASE(VBR_M_CREATE_BGP_PEER, Vbr__V1__CreateBgpPeerRequest,
		     vbr__v1__create_bgp_peer_request, mut_create_peer)
		CASE(VBR_M_UPDATE_BGP_PEER, Vbr__V1__UpdateBgpPeerRequest,
		     vbr__v1__update_bgp_peer_request, mut_update_peer)
		CASE(VBR_M_DELETE_BGP_PEER, Vbr__V1__DeleteBgpPeerRequest,
		     vbr__v1__delete_bgp_peer_request, mut_delete_peer)
		CASE(VBR_M_RESET_BGP_PEER, Vbr__V1__ResetBgpPeerRequest,
		     vbr__v1__reset_bgp_peer_request, mut_reset_peer)
		CASE(VBR_M_ADD_BGP_NETWORK, Vbr__V1__AddBgpNetworkRequest,
		     vbr__v1__add_bgp_network_request, mut_add_network)
		CASE(VBR_M_DELETE_BGP_NETWORK, Vbr__V1__DeleteBgpNetworkRequest,
		     vbr__v1__delete_bgp_network_request, mut_delete_network)
		CASE(VBR_M_CREATE_ROUTE_ENTRY, Vbr__V1__CreateRouteEntryRequest,
		     vbr__v1__create_route_entry_request, mut_create_route_entry)
		CASE(VBR_M_DELETE_ROUTE_ENTRY, Vbr__V1__DeleteRouteEntryRequest,
		     vbr__v1__delete_route_entry_request, mut_delete_route_entry)
	default:
		rpc_reply(call, GRPC_STATUS_INTERNAL, "not a mutation", NULL);
		return;
	}
	rpc_reply(call, GRPC_STATUS_INVALID_ARGUMENT, "request: cannot be parsed", NULL);
}

void mutation_call(struct vbrd *d, struct rpc_call *call)
{
	commit_call(d, call, dispatch);
}
