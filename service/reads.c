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
#include "reply.h"
#include "validate.h"
#include "version.h"

/*
 * List replies are assembled from the snapshot's packed items: every List*Response has the
 * items as field 1 and next_page_token as field 2, so the reply is, per item, the tag 0x0a,
 * a varint length and the item's bytes; then 0x12, length, token (when not empty).
 */
struct list_reply {
	uint8_t *buf;
	size_t len;
};

static size_t varint_size(size_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_field(struct list_reply *r, uint8_t tag, const uint8_t *data, size_t len)
{
	r->buf[r->len++] = tag;
	size_t v = len;
	while (v >= 0x80) {
		r->buf[r->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	r->buf[r->len++] = (uint8_t)v;
	if (len)
		memcpy(r->buf + r->len, data, len);
	r->len += len;
}

struct list_items {
	const struct snap_bytes *const *items;
	size_t n;
	const char *token;
	size_t token_len;
};

static void fill_list(void *arg, uint8_t *out)
{
	const struct list_items *l = arg;
	struct list_reply r = {out, 0};
	for (size_t i = 0; i < l->n; i++)
		put_field(&r, 0x0a, l->items[i]->data, l->items[i]->len);
	if (l->token_len)
		put_field(&r, 0x12, (const uint8_t *)l->token, l->token_len);
}

/* items: n pointers to packed messages, written straight into the reply's buffer. */
static void reply_list(struct rpc_call *call, const struct snap_bytes *const *items, size_t n,
		       const char *token)
{
	struct list_items l = {items, n, token, strlen(token)};
	size_t len = l.token_len ? 1 + varint_size(l.token_len) + l.token_len : 0;
	for (size_t i = 0; i < n; i++)
		len += 1 + varint_size(items[i]->len) + items[i]->len;
	rpc_reply_fill(call, len, fill_list, &l);
}

static void get_router(const struct vbr_snapshot *s, struct rpc_call *call)
{
	rpc_reply_packed(call, s->router_packed.data, s->router_packed.len);
}

static void get_group(const struct vbr_snapshot *s, struct rpc_call *call,
		      const Vbr__V1__GetBgpGroupRequest *req)
{
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpg-", &st)) {
		reply_status(call, &st);
		return;
	}
	const struct snap_group *g = snapshot_group(s, req->id);
	if (!g) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
		reply_status(call, &st);
		return;
	}
	rpc_reply_packed(call, g->packed.data, g->packed.len);
}

static void list_groups(const struct vbr_snapshot *s, struct rpc_call *call,
			const Vbr__V1__ListBgpGroupsRequest *req)
{
	struct vbr_status st;
	char after[VBR_TOKEN_MAX];
	if (page_token_parse(req->page_token, "groups", after, sizeof(after), &st)) {
		reply_status(call, &st);
		return;
	}
	size_t max = page_size(req->page_size), i = 0, n = 0;
	while (after[0] && i < s->n_groups && strcmp(s->groups[i].g.id, after) <= 0)
		i++;
	size_t avail = s->n_groups - i, take = avail < max ? avail : max;
	const struct snap_bytes **items = calloc(take + 1, sizeof(*items));
	if (!items) {
		reply_out_of_memory(call);
		return;
	}
	for (; n < take; n++, i++)
		items[n] = &s->groups[i].packed;
	char token[VBR_TOKEN_MAX] = "";
	if (i < s->n_groups && n > 0)
		page_token_make("groups", s->groups[i - 1].g.id, token, sizeof(token));
	reply_list(call, items, n, token);
	free(items);
}

static void get_peer(const struct vbr_snapshot *s, struct rpc_call *call,
		     const Vbr__V1__GetBgpPeerRequest *req)
{
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpp-", &st)) {
		reply_status(call, &st);
		return;
	}
	const struct snap_peer *p = snapshot_peer(s, req->id);
	if (!p) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		reply_status(call, &st);
		return;
	}
	rpc_reply_packed(call, p->packed.data, p->packed.len);
}

static void list_peers(const struct vbr_snapshot *s, struct rpc_call *call,
		       const Vbr__V1__ListBgpPeersRequest *req)
{
	struct vbr_status st;
	char scope[32], after[VBR_TOKEN_MAX];
	const char *group = req->group_id;
	if (group[0] && vbr_check_id("group_id", group, "bgpg-", &st)) {
		reply_status(call, &st);
		return;
	}
	if (group[0] && !snapshot_group(s, group)) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", group);
		reply_status(call, &st);
		return;
	}
	snprintf(scope, sizeof(scope), "peers:%s", group);
	if (page_token_parse(req->page_token, scope, after, sizeof(after), &st)) {
		reply_status(call, &st);
		return;
	}
	size_t max = page_size(req->page_size), n = 0, last = 0;
	const struct snap_bytes **items = calloc(s->n_peers + 1, sizeof(*items));
	if (!items) {
		reply_out_of_memory(call);
		return;
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
		items[n++] = &p->packed;
		last = i;
	}
	char token[VBR_TOKEN_MAX] = "";
	if (more)
		page_token_make(scope, s->peers[last].p.id, token, sizeof(token));
	reply_list(call, items, n, token);
	free(items);
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
	if (page_token_parse(req->page_token, "networks", after, sizeof(after), &st)) {
		reply_status(call, &st);
		return;
	}
	size_t max = page_size(req->page_size), i = 0, n = 0;
	/* "%08x/%u" keys of sorted networks sort the same way only within one prefix value;
	 * compare numerically instead. */
	unsigned ap = 0, al = 0;
	if (after[0] && sscanf(after, "%8x/%u", &ap, &al) != 2) {
		vbr_status_set(&st, GRPC_STATUS_INVALID_ARGUMENT, "page_token: malformed");
		reply_status(call, &st);
		return;
	}
	while (after[0] && i < s->n_networks &&
	       (s->networks[i].prefix < ap ||
		(s->networks[i].prefix == ap && s->networks[i].len <= al)))
		i++;
	size_t avail = s->n_networks - i, take = avail < max ? avail : max;
	const struct snap_bytes **items = calloc(take + 1, sizeof(*items));
	if (!items) {
		reply_out_of_memory(call);
		return;
	}
	for (; n < take; n++, i++)
		items[n] = &s->networks_packed[i];
	char token[VBR_TOKEN_MAX] = "";
	if (i < s->n_networks && n > 0) {
		network_key(&s->networks[i - 1], key, sizeof(key));
		page_token_make("networks", key, token, sizeof(token));
	}
	reply_list(call, items, n, token);
	free(items);
}

#define UNPACK(type, fn)                                                                           \
	type *req = fn##__unpack(NULL, len, data);                                                 \
	if (!req) {                                                                                \
		rpc_reply(call, GRPC_STATUS_INVALID_ARGUMENT, "request: cannot be parsed", NULL);  \
		return;                                                                            \
	}

void reads_on_read(void *ctx, struct rpc_call *call)
{
	struct vbrd *d = ctx;
	/* Published before the server starts; NULL only if that ran out of memory. */
	const struct vbr_snapshot *s = snapshot_current(&d->slot);
	if (!s) {
		rpc_reply(call, GRPC_STATUS_UNAVAILABLE, "no state snapshot yet", NULL);
		return;
	}
	size_t len;
	const uint8_t *data = rpc_call_request(call, &len);
	switch (rpc_call_method(call)) {
	case VBR_M_GET_ROUTER: {
		/* No fields, but garbage is still refused. */
		UNPACK(Vbr__V1__GetRouterRequest, vbr__v1__get_router_request);
		vbr__v1__get_router_request__free_unpacked(req, NULL);
		get_router(s, call);
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
