/*
 * reads: GetRouter, GetBgpGroup, ListBgpGroups, GetBgpPeer, ListBgpPeers, ListBgpNetworks,
 * answered on the completion-queue thread from the latest published snapshot (snapshot.h).
 * Nothing here touches loop-owned state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "daemon.h"
#include "paging.h"
#include "validate.h"
#include "version.h"

static void reply_status(struct rpc_call *call, const struct vbr_status *st)
{
	rpc_reply(call, st->code, st->message, NULL);
}

static void get_router(struct vbrd *d, struct rpc_call *call)
{
	struct pb_router r;
	convert_router(&d->info, vbr_version(), &r);
	rpc_reply(call, GRPC_STATUS_OK, NULL, &r.msg.base);
}

static void get_group(const struct vbr_snapshot *s, struct rpc_call *call,
		      const Vbr__V1__GetBgpGroupRequest *req)
{
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpg-", &st))
		return reply_status(call, &st);
	const struct snap_group *g = snapshot_group(s, req->id);
	if (!g) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
		return reply_status(call, &st);
	}
	struct pb_group pb;
	convert_group(&g->g, g->has_auth_key, g->peer_count, &pb);
	rpc_reply(call, GRPC_STATUS_OK, NULL, &pb.msg.base);
}

static void list_groups(const struct vbr_snapshot *s, struct rpc_call *call,
			const Vbr__V1__ListBgpGroupsRequest *req)
{
	struct vbr_status st;
	char after[VBR_TOKEN_MAX];
	if (page_token_parse(req->page_token, "groups", after, sizeof(after), &st))
		return reply_status(call, &st);
	size_t max = page_size(req->page_size), i = 0, n = 0;
	while (after[0] && i < s->n_groups && strcmp(s->groups[i].g.id, after) <= 0)
		i++;
	size_t avail = s->n_groups - i, take = avail < max ? avail : max;
	struct pb_group *pbs = calloc(take + 1, sizeof(*pbs));
	Vbr__V1__BgpGroup **ptrs = calloc(take + 1, sizeof(*ptrs));
	if (!pbs || !ptrs) {
		free(pbs);
		free(ptrs);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	for (; n < take; n++, i++) {
		const struct snap_group *g = &s->groups[i];
		convert_group(&g->g, g->has_auth_key, g->peer_count, &pbs[n]);
		ptrs[n] = &pbs[n].msg;
	}
	char token[VBR_TOKEN_MAX] = "";
	if (i < s->n_groups && n > 0)
		page_token_make("groups", s->groups[i - 1].g.id, token, sizeof(token));
	Vbr__V1__ListBgpGroupsResponse resp = VBR__V1__LIST_BGP_GROUPS_RESPONSE__INIT;
	resp.n_groups = n;
	resp.groups = ptrs;
	resp.next_page_token = token;
	rpc_reply(call, GRPC_STATUS_OK, NULL, &resp.base);
	free(pbs);
	free(ptrs);
}

static void get_peer(const struct vbr_snapshot *s, struct rpc_call *call,
		     const Vbr__V1__GetBgpPeerRequest *req)
{
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpp-", &st))
		return reply_status(call, &st);
	const struct snap_peer *p = snapshot_peer(s, req->id);
	if (!p) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		return reply_status(call, &st);
	}
	struct pb_peer pb;
	convert_peer(&p->p, p->peer_asn, &p->status, &pb);
	rpc_reply(call, GRPC_STATUS_OK, NULL, &pb.msg.base);
}

static void list_peers(const struct vbr_snapshot *s, struct rpc_call *call,
		       const Vbr__V1__ListBgpPeersRequest *req)
{
	struct vbr_status st;
	char scope[32], after[VBR_TOKEN_MAX];
	const char *group = req->group_id;
	if (group[0] && vbr_check_id("group_id", group, "bgpg-", &st))
		return reply_status(call, &st);
	if (group[0] && !snapshot_group(s, group)) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", group);
		return reply_status(call, &st);
	}
	snprintf(scope, sizeof(scope), "peers:%s", group);
	if (page_token_parse(req->page_token, scope, after, sizeof(after), &st))
		return reply_status(call, &st);
	size_t max = page_size(req->page_size), n = 0, last = 0;
	struct pb_peer *pbs = calloc(s->n_peers + 1, sizeof(*pbs));
	Vbr__V1__BgpPeer **ptrs = calloc(s->n_peers + 1, sizeof(*ptrs));
	if (!pbs || !ptrs) {
		free(pbs);
		free(ptrs);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	bool more = false;
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct snap_peer *p = &s->peers[i];
		if ((after[0] && strcmp(p->p.id, after) <= 0) ||
		    (group[0] && strcmp(p->p.group_id, group) != 0))
			continue;
		if (n == max) {
			more = true;
			break;
		}
		convert_peer(&p->p, p->peer_asn, &p->status, &pbs[n]);
		ptrs[n] = &pbs[n].msg;
		n++;
		last = i;
	}
	char token[VBR_TOKEN_MAX] = "";
	if (more)
		page_token_make(scope, s->peers[last].p.id, token, sizeof(token));
	Vbr__V1__ListBgpPeersResponse resp = VBR__V1__LIST_BGP_PEERS_RESPONSE__INIT;
	resp.n_peers = n;
	resp.peers = ptrs;
	resp.next_page_token = token;
	rpc_reply(call, GRPC_STATUS_OK, NULL, &resp.base);
	free(pbs);
	free(ptrs);
}

static void network_key(const struct vbr_network *n, char *out, size_t len)
{
	snprintf(out, len, "%08x/%u", n->prefix, n->len);
}

static void list_networks(const struct vbr_snapshot *s, struct rpc_call *call,
			  const Vbr__V1__ListBgpNetworksRequest *req)
{
	struct vbr_status st;
	char after[VBR_TOKEN_MAX], key[24];
	if (page_token_parse(req->page_token, "networks", after, sizeof(after), &st))
		return reply_status(call, &st);
	size_t max = page_size(req->page_size), i = 0, n = 0;
	/* "%08x/%u" keys of sorted networks sort the same way only within one prefix value;
	 * compare numerically instead. */
	unsigned ap = 0, al = 0;
	if (after[0] && sscanf(after, "%8x/%u", &ap, &al) != 2) {
		vbr_status_set(&st, GRPC_STATUS_INVALID_ARGUMENT, "page_token: malformed");
		return reply_status(call, &st);
	}
	while (after[0] && i < s->n_networks &&
	       (s->networks[i].prefix < ap ||
		(s->networks[i].prefix == ap && s->networks[i].len <= al)))
		i++;
	size_t avail = s->n_networks - i, take = avail < max ? avail : max;
	struct pb_network *pbs = calloc(take + 1, sizeof(*pbs));
	Vbr__V1__BgpNetwork **ptrs = calloc(take + 1, sizeof(*ptrs));
	if (!pbs || !ptrs) {
		free(pbs);
		free(ptrs);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	for (; n < take; n++, i++) {
		convert_network(&s->networks[i], &pbs[n]);
		ptrs[n] = &pbs[n].msg;
	}
	char token[VBR_TOKEN_MAX] = "";
	if (i < s->n_networks && n > 0) {
		network_key(&s->networks[i - 1], key, sizeof(key));
		page_token_make("networks", key, token, sizeof(token));
	}
	Vbr__V1__ListBgpNetworksResponse resp = VBR__V1__LIST_BGP_NETWORKS_RESPONSE__INIT;
	resp.n_networks = n;
	resp.networks = ptrs;
	resp.next_page_token = token;
	rpc_reply(call, GRPC_STATUS_OK, NULL, &resp.base);
	free(pbs);
	free(ptrs);
}

#define UNPACK(type, fn)                                                                     \
	type *req = fn##__unpack(NULL, len, data);                                           \
	if (!req) {                                                                          \
		rpc_reply(call, GRPC_STATUS_INVALID_ARGUMENT, "request: cannot be parsed", NULL); \
		return;                                                                      \
	}

void reads_on_read(void *ctx, struct rpc_call *call)
{
	struct vbrd *d = ctx;
	const struct vbr_snapshot *s = snapshot_current(&d->slot);
	size_t len;
	const uint8_t *data = rpc_call_request(call, &len);
	switch (rpc_call_method(call)) {
	case VBR_M_GET_ROUTER: {
		/* No fields, but garbage is still refused. */
		UNPACK(Vbr__V1__GetRouterRequest, vbr__v1__get_router_request);
		vbr__v1__get_router_request__free_unpacked(req, NULL);
		get_router(d, call);
		return;
	}
	case VBR_M_GET_BGP_GROUP: {
		UNPACK(Vbr__V1__GetBgpGroupRequest, vbr__v1__get_bgp_group_request);
		get_group(s, call, req);
		vbr__v1__get_bgp_group_request__free_unpacked(req, NULL);
		return;
	}
	case VBR_M_LIST_BGP_GROUPS: {
		UNPACK(Vbr__V1__ListBgpGroupsRequest, vbr__v1__list_bgp_groups_request);
		list_groups(s, call, req);
		vbr__v1__list_bgp_groups_request__free_unpacked(req, NULL);
		return;
	}
	case VBR_M_GET_BGP_PEER: {
		UNPACK(Vbr__V1__GetBgpPeerRequest, vbr__v1__get_bgp_peer_request);
		get_peer(s, call, req);
		vbr__v1__get_bgp_peer_request__free_unpacked(req, NULL);
		return;
	}
	case VBR_M_LIST_BGP_PEERS: {
		UNPACK(Vbr__V1__ListBgpPeersRequest, vbr__v1__list_bgp_peers_request);
		list_peers(s, call, req);
		vbr__v1__list_bgp_peers_request__free_unpacked(req, NULL);
		return;
	}
	case VBR_M_LIST_BGP_NETWORKS: {
		UNPACK(Vbr__V1__ListBgpNetworksRequest, vbr__v1__list_bgp_networks_request);
		list_networks(s, call, req);
		vbr__v1__list_bgp_networks_request__free_unpacked(req, NULL);
		return;
	}
	default:
		rpc_reply(call, GRPC_STATUS_INTERNAL, "method routed to the wrong thread", NULL);
	}
}
