/*
 * handlers: one function per mutating RPC, plus ListRoutes and WatchPeerEvents, on the loop
 * thread. Each mutation: validate, check against the model, build the next model, write it
 * durably, make it live, apply it to the BGP core, publish snapshot and events, reply.
 * A failed write changes nothing, in memory or on disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "convert.h"
#include "daemon.h"
#include "log.h"
#include "paging.h"
#include "validate.h"

#include "google/protobuf/empty.pb-c.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t random_u32(void)
{
	uint32_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)rand() << 16 ^ (uint32_t)rand();
	return v;
}

static void new_group_id(const struct vbr_model *m, char out[VBR_ID_LEN + 1])
{
	do
		snprintf(out, VBR_ID_LEN + 1, "bgpg-%08x", random_u32());
	while (model_group(m, out));
}

/* The hex part is the speaker's peer ID, so it must be non-zero. */
static uint32_t new_peer_id(const struct vbr_model *m, char out[VBR_ID_LEN + 1])
{
	uint32_t num;
	do
		num = random_u32();
	while (num == 0 || model_peer_by_num(m, num));
	snprintf(out, VBR_ID_LEN + 1, "bgpp-%08x", num);
	return num;
}

static void reply_status(struct rpc_call *call, const struct vbr_status *st)
{
	rpc_reply(call, st->code, st->message, NULL);
}

static void reply_empty(struct rpc_call *call)
{
	Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
	rpc_reply(call, GRPC_STATUS_OK, NULL, &empty.base);
}

static void log_mutation(struct rpc_call *call, const char *what, const char *key,
			 const char *value, const char *request_id)
{
	vbr_log(VBR_LOG_INFO, what, "method", vbr_method_name(rpc_call_method(call)), "call_id",
		rpc_call_id(call), key, value, "request_id", request_id ? request_id : "", NULL);
}

/*
 * Writes `next` durably (with the reply to remember for request_id, if any) and makes it the
 * live model. On failure `next` is freed, nothing changes, and st says why.
 */
static int commit(struct vbrd *d, struct vbr_model *next, struct rpc_call *call,
		  const char *request_id, const uint8_t *reply, size_t reply_len,
		  struct vbr_status *st)
{
	struct vbr_request extra;
	bool remember = request_id && request_id[0];
	if (remember) {
		memset(&extra, 0, sizeof(extra));
		snprintf(extra.method, sizeof(extra.method), "%s",
			 vbr_method_name(rpc_call_method(call)));
		snprintf(extra.request_id, sizeof(extra.request_id), "%s", request_id);
		extra.response = (uint8_t *)reply;
		extra.response_len = reply_len;
	}
	int err = store_save(d->store, next, remember ? &extra : NULL);
	if (err) {
		model_free_clone(next);
		vbr_log(VBR_LOG_ERROR, "state write failed", "call_id", rpc_call_id(call), "file",
			store_path(d->store), "error", strerror(-err), NULL);
		vbr_status_set(st, GRPC_STATUS_UNAVAILABLE,
			       "state: cannot write %s: %s; nothing was changed", store_path(d->store),
			       strerror(-err));
		return err;
	}
	model_free_clone(&d->model);
	d->model.groups = next->groups;
	d->model.n_groups = next->n_groups;
	d->model.peers = next->peers;
	d->model.n_peers = next->n_peers;
	d->model.networks = next->networks;
	d->model.n_networks = next->n_networks;
	if (remember)
		model_add_request(&d->model, extra.method, extra.request_id, reply, reply_len);
	return 0;
}

/* A packed reply, for request_id and for sending. */
static uint8_t *pack(const ProtobufCMessage *msg, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf)
		protobuf_c_message_pack(msg, buf);
	return buf;
}

/* A retry of a create that already succeeded gets the first reply. */
static bool replay(struct vbrd *d, struct rpc_call *call, const char *request_id)
{
	if (!request_id[0])
		return false;
	const struct vbr_request *r =
		model_request(&d->model, vbr_method_name(rpc_call_method(call)), request_id);
	if (!r)
		return false;
	vbr_log(VBR_LOG_INFO, "request replayed", "method", r->method, "call_id",
		rpc_call_id(call), "request_id", request_id, NULL);
	rpc_reply_packed(call, r->response, r->response_len);
	return true;
}

static void apply_peer(struct vbrd *d, const struct vbr_peer *p, bool add)
{
	const struct vbr_group *g = model_group(&d->model, p->group_id);
	struct bgp_peer_config cfg;
	if (!g)
		return;
	convert_peer_config(p, g, &cfg);
	int err = add ? bgp_speaker_peer_add(d->speaker, &cfg)
		      : bgp_speaker_peer_update(d->speaker, &cfg);
	if (err)
		vbr_log(VBR_LOG_ERROR, "BGP core refused the peer", "peer_id", p->id, "error",
			strerror(-err), NULL);
}

/* ---- groups ---- */

static void create_group(struct vbrd *d, struct rpc_call *call,
			 const Vbr__V1__CreateBgpGroupRequest *req)
{
	struct vbr_status st;
	struct vbr_group_values v;
	if (vbr_validate_create_group(req, d->config->local_asn, &v, &st))
		return reply_status(call, &st);
	if (replay(d, call, req->request_id))
		return;
	const struct vbr_group *dup = model_group_by_name(&d->model, req->name);
	if (dup) {
		vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS,
			       "name: a BGP group named \"%s\" already exists (%s)", req->name, dup->id);
		return reply_status(call, &st);
	}
	if (d->model.n_groups >= VBR_MAX_GROUPS) {
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "groups: the router already has the maximum of %d BGP groups",
			       VBR_MAX_GROUPS);
		return reply_status(call, &st);
	}
	struct vbr_group g;
	memset(&g, 0, sizeof(g));
	new_group_id(&d->model, g.id);
	snprintf(g.name, sizeof(g.name), "%s", req->name);
	g.peer_asn = req->peer_asn;
	snprintf(g.auth_key, sizeof(g.auth_key), "%s", req->auth_key);
	snprintf(g.description, sizeof(g.description), "%s", req->description);
	g.route_limit = v.route_limit;
	g.hold_time = v.hold_time;
	g.keepalive_time = v.keepalive_time;
	g.route_limit_action = req->route_limit_action;
	g.create_time_ms = now_ms();

	struct vbr_model next;
	if (model_clone(&d->model, &next) || model_add_group(&next, &g)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	struct pb_group pb;
	convert_group(&g, g.auth_key[0] != '\0', 0, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || commit(d, &next, call, req->request_id, bytes, len, &st)) {
		free(bytes);
		return bytes ? reply_status(call, &st)
			     : rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	vbrd_refresh_snapshot(d);
	log_mutation(call, "BGP group created", "group_id", g.id, req->request_id);
	rpc_reply_packed(call, bytes, len);
	free(bytes);
}

static void update_group(struct vbrd *d, struct rpc_call *call,
			 const Vbr__V1__UpdateBgpGroupRequest *req)
{
	struct vbr_status st;
	unsigned mask;
	if (vbr_validate_update_group(req, d->config->local_asn, &mask, &st))
		return reply_status(call, &st);
	const struct vbr_group *cur = model_group(&d->model, req->id);
	if (!cur) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
		return reply_status(call, &st);
	}
	struct vbr_group g = *cur;
	if (mask & VBR_GROUP_NAME) {
		const struct vbr_group *dup = model_group_by_name(&d->model, req->name);
		if (dup && dup != cur) {
			vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS,
				       "name: a BGP group named \"%s\" already exists (%s)", req->name,
				       dup->id);
			return reply_status(call, &st);
		}
		snprintf(g.name, sizeof(g.name), "%s", req->name);
	}
	if (mask & VBR_GROUP_PEER_ASN)
		g.peer_asn = req->peer_asn;
	if (mask & VBR_GROUP_AUTH_KEY)
		snprintf(g.auth_key, sizeof(g.auth_key), "%s", req->auth_key);
	if (mask & VBR_GROUP_DESCRIPTION)
		snprintf(g.description, sizeof(g.description), "%s", req->description);
	if (mask & VBR_GROUP_ROUTE_LIMIT)
		g.route_limit = req->route_limit;
	if (mask & VBR_GROUP_HOLD_TIME)
		g.hold_time = req->hold_time;
	if (mask & VBR_GROUP_KEEPALIVE_TIME)
		g.keepalive_time = req->keepalive_time;
	else if ((mask & VBR_GROUP_HOLD_TIME) && g.keepalive_time >= g.hold_time)
		g.keepalive_time = g.hold_time / 3; /* follow a shorter hold time */
	if (mask & VBR_GROUP_ROUTE_LIMIT_ACTION)
		g.route_limit_action = req->route_limit_action;
	if (vbr_check_timers(g.hold_time, g.keepalive_time, &st))
		return reply_status(call, &st);

	struct vbr_model next;
	if (model_clone(&d->model, &next)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	*model_group(&next, g.id) = g;
	if (commit(d, &next, call, NULL, NULL, 0, &st))
		return reply_status(call, &st);
	for (size_t i = 0; i < d->model.n_peers; i++)
		if (strcmp(d->model.peers[i].group_id, g.id) == 0)
			apply_peer(d, &d->model.peers[i], false);
	vbrd_refresh_snapshot(d);
	log_mutation(call, "BGP group updated", "group_id", g.id, NULL);
	struct pb_group pb;
	convert_group(&g, g.auth_key[0] != '\0',
		      (uint32_t)model_group_peer_count(&d->model, g.id), &pb);
	rpc_reply(call, GRPC_STATUS_OK, NULL, &pb.msg.base);
}

static void delete_group(struct vbrd *d, struct rpc_call *call,
			 const Vbr__V1__DeleteBgpGroupRequest *req)
{
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpg-", &st))
		return reply_status(call, &st);
	if (!model_group(&d->model, req->id)) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
		return reply_status(call, &st);
	}
	size_t peers = model_group_peer_count(&d->model, req->id);
	if (peers) {
		vbr_status_set(&st, GRPC_STATUS_FAILED_PRECONDITION,
			       "BGP group %s still has %zu peer(s); delete them first", req->id, peers);
		return reply_status(call, &st);
	}
	struct vbr_model next;
	if (model_clone(&d->model, &next)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	model_remove_group(&next, req->id);
	if (commit(d, &next, call, NULL, NULL, 0, &st))
		return reply_status(call, &st);
	vbrd_refresh_snapshot(d);
	log_mutation(call, "BGP group deleted", "group_id", req->id, NULL);
	reply_empty(call);
}

/* ---- peers ---- */

static void peer_reply(struct vbrd *d, const struct vbr_peer *p, struct pb_peer *pb,
		       struct bgp_peer_status *status)
{
	const struct vbr_group *g = model_group(&d->model, p->group_id);
	if (bgp_speaker_peer_status(d->speaker, p->num, status) != 0) {
		memset(status, 0, sizeof(*status));
		status->state = BGP_STATE_IDLE;
	}
	convert_peer(p, g ? g->peer_asn : 0, status, pb);
}

static void create_peer(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__CreateBgpPeerRequest *req)
{
	struct vbr_status st;
	uint32_t ip;
	if (vbr_validate_create_peer(req, &ip, &st))
		return reply_status(call, &st);
	if (replay(d, call, req->request_id))
		return;
	if (!model_group(&d->model, req->group_id)) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "group_id: BGP group %s not found",
			       req->group_id);
		return reply_status(call, &st);
	}
	const struct vbr_peer *dup = model_peer_by_ip(&d->model, ip);
	if (dup) {
		vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS,
			       "peer_ip: a BGP peer with address %s already exists (%s)", req->peer_ip,
			       dup->id);
		return reply_status(call, &st);
	}
	if (d->model.n_peers >= d->config->max_peers) {
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "peers: the router already has the maximum of %u BGP peers",
			       d->config->max_peers);
		return reply_status(call, &st);
	}
	struct vbr_peer p;
	memset(&p, 0, sizeof(p));
	p.num = new_peer_id(&d->model, p.id);
	snprintf(p.group_id, sizeof(p.group_id), "%s", req->group_id);
	p.ip = ip;
	snprintf(p.description, sizeof(p.description), "%s", req->description);
	p.admin_down = req->admin_down;
	p.create_time_ms = now_ms();

	struct vbr_model next;
	if (model_clone(&d->model, &next) || model_add_peer(&next, &p)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	/* The first reply shows the peer as created: Idle, no session yet. */
	struct bgp_peer_status idle;
	memset(&idle, 0, sizeof(idle));
	idle.state = BGP_STATE_IDLE;
	struct pb_peer pb;
	const struct vbr_group *g = model_group(&d->model, p.group_id);
	convert_peer(&p, g->peer_asn, &idle, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || commit(d, &next, call, req->request_id, bytes, len, &st)) {
		free(bytes);
		return bytes ? reply_status(call, &st)
			     : rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	/* PEER_CREATED before the core starts the session, so it precedes any STATE_CHANGED;
	 * the snapshot first, so a client reacting to the event finds the peer. */
	vbrd_refresh_snapshot(d);
	vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_CREATED, &p,
			   VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED,
			   VBR__V1__SESSION_STATE__SESSION_STATE_IDLE, "peer created");
	apply_peer(d, &p, true);
	vbrd_refresh_snapshot(d);
	log_mutation(call, "BGP peer created", "peer_id", p.id, req->request_id);
	rpc_reply_packed(call, bytes, len);
	free(bytes);
}

static void update_peer(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__UpdateBgpPeerRequest *req)
{
	struct vbr_status st;
	unsigned mask;
	if (vbr_validate_update_peer(req, &mask, &st))
		return reply_status(call, &st);
	const struct vbr_peer *cur = model_peer(&d->model, req->id);
	if (!cur) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		return reply_status(call, &st);
	}
	struct vbr_peer p = *cur;
	if (mask & VBR_PEER_GROUP_ID) {
		if (!model_group(&d->model, req->group_id)) {
			vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "group_id: BGP group %s not found",
				       req->group_id);
			return reply_status(call, &st);
		}
		snprintf(p.group_id, sizeof(p.group_id), "%s", req->group_id);
	}
	if (mask & VBR_PEER_DESCRIPTION)
		snprintf(p.description, sizeof(p.description), "%s", req->description);
	if (mask & VBR_PEER_ADMIN_DOWN)
		p.admin_down = req->admin_down;
	struct vbr_model next;
	if (model_clone(&d->model, &next)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	*model_peer(&next, p.id) = p;
	if (commit(d, &next, call, NULL, NULL, 0, &st))
		return reply_status(call, &st);
	apply_peer(d, &p, false);
	vbrd_refresh_snapshot(d);
	log_mutation(call, "BGP peer updated", "peer_id", p.id, NULL);
	struct pb_peer pb;
	struct bgp_peer_status status;
	peer_reply(d, &p, &pb, &status);
	rpc_reply(call, GRPC_STATUS_OK, NULL, &pb.msg.base);
}

static void delete_peer(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__DeleteBgpPeerRequest *req)
{
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpp-", &st))
		return reply_status(call, &st);
	const struct vbr_peer *cur = model_peer(&d->model, req->id);
	if (!cur) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		return reply_status(call, &st);
	}
	struct vbr_peer p = *cur;
	struct bgp_peer_status status;
	if (bgp_speaker_peer_status(d->speaker, p.num, &status) != 0)
		status.state = BGP_STATE_IDLE;
	struct vbr_model next;
	if (model_clone(&d->model, &next)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	model_remove_peer(&next, p.id);
	if (commit(d, &next, call, NULL, NULL, 0, &st))
		return reply_status(call, &st);
	int err = bgp_speaker_peer_remove(d->speaker, p.num);
	if (err && err != -ENOENT)
		vbr_log(VBR_LOG_ERROR, "BGP core failed to remove the peer", "peer_id", p.id,
			"error", strerror(-err), NULL);
	vbrd_refresh_snapshot(d);
	vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_DELETED, &p,
			   (int)status.state, VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED,
			   "peer deleted");
	log_mutation(call, "BGP peer deleted", "peer_id", p.id, NULL);
	reply_empty(call);
}

static void reset_peer(struct vbrd *d, struct rpc_call *call,
		       const Vbr__V1__ResetBgpPeerRequest *req)
{
	struct vbr_status st;
	if (vbr_validate_reset_peer(req, &st))
		return reply_status(call, &st);
	const struct vbr_peer *p = model_peer(&d->model, req->id);
	if (!p) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		return reply_status(call, &st);
	}
	int err = bgp_speaker_peer_reset(d->speaker, p->num, req->soft, req->message);
	if (err == -ENOTCONN || err == -EAGAIN) {
		vbr_status_set(&st, GRPC_STATUS_FAILED_PRECONDITION,
			       "BGP peer %s has no Established session to %s", p->id,
			       req->soft ? "refresh" : "reset");
		return reply_status(call, &st);
	}
	if (err && err != -ENOENT) {
		vbr_status_set(&st, GRPC_STATUS_INTERNAL, "BGP core: %s", strerror(-err));
		return reply_status(call, &st);
	}
	log_mutation(call, req->soft ? "BGP peer soft reset" : "BGP peer reset", "peer_id", p->id,
		     NULL);
	reply_empty(call);
}

/* ---- networks ---- */

static void add_network(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__AddBgpNetworkRequest *req)
{
	struct vbr_status st;
	struct vbr_network n = {.create_time_ms = now_ms()};
	if (vbr_validate_add_network(req, &n.prefix, &n.len, &st))
		return reply_status(call, &st);
	if (replay(d, call, req->request_id))
		return;
	if (model_network(&d->model, n.prefix, n.len)) {
		vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS, "cidr: %s is already advertised",
			       req->cidr);
		return reply_status(call, &st);
	}
	if (d->model.n_networks >= d->config->max_networks) {
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "networks: the router already advertises the maximum of %u networks",
			       d->config->max_networks);
		return reply_status(call, &st);
	}
	struct vbr_model next;
	if (model_clone(&d->model, &next) || model_add_network(&next, &n)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	struct pb_network pb;
	convert_network(&n, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || commit(d, &next, call, req->request_id, bytes, len, &st)) {
		free(bytes);
		return bytes ? reply_status(call, &st)
			     : rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	int err = bgp_speaker_network_add(d->speaker, n.prefix, n.len);
	if (err && err != -EEXIST)
		vbr_log(VBR_LOG_ERROR, "BGP core refused the network", "cidr", pb.cidr, "error",
			strerror(-err), NULL);
	vbrd_refresh_snapshot(d);
	log_mutation(call, "BGP network added", "cidr", pb.cidr, req->request_id);
	rpc_reply_packed(call, bytes, len);
	free(bytes);
}

static void delete_network(struct vbrd *d, struct rpc_call *call,
			   const Vbr__V1__DeleteBgpNetworkRequest *req)
{
	struct vbr_status st;
	uint32_t prefix;
	uint8_t plen;
	if (vbr_check_cidr("cidr", req->cidr, &prefix, &plen, &st))
		return reply_status(call, &st);
	if (!model_network(&d->model, prefix, plen)) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "cidr: %s is not advertised", req->cidr);
		return reply_status(call, &st);
	}
	struct vbr_model next;
	if (model_clone(&d->model, &next)) {
		model_free_clone(&next);
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	}
	model_remove_network(&next, prefix, plen);
	if (commit(d, &next, call, NULL, NULL, 0, &st))
		return reply_status(call, &st);
	int err = bgp_speaker_network_remove(d->speaker, prefix, plen);
	if (err && err != -ENOENT)
		vbr_log(VBR_LOG_ERROR, "BGP core failed to withdraw the network", "cidr", req->cidr,
			"error", strerror(-err), NULL);
	vbrd_refresh_snapshot(d);
	log_mutation(call, "BGP network deleted", "cidr", req->cidr, NULL);
	reply_empty(call);
}

/* ---- routes ---- */

struct route_page {
	Vbr__V1__Route **routes;
	size_t n, max;
	bool more, failed;
	uint32_t last_prefix;
	uint8_t last_len;
	const char *peer_id;
};

static void visit_route(void *arg, const struct bgp_route_view *r)
{
	struct route_page *page = arg;
	if (page->n == page->max) {
		page->more = true; /* we asked for one extra to learn whether a next page exists */
		return;
	}
	Vbr__V1__Route *m = convert_route(r, page->peer_id);
	if (!m) {
		page->failed = true;
		return;
	}
	page->routes[page->n++] = m;
	page->last_prefix = r->prefix;
	page->last_len = r->prefix_len;
}

static void list_routes(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__ListRoutesRequest *req)
{
	struct vbr_status st;
	if (vbr_validate_list_routes(req, &st))
		return reply_status(call, &st);
	const struct vbr_peer *p = model_peer(&d->model, req->peer_id);
	if (!p) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "peer_id: BGP peer %s not found",
			       req->peer_id);
		return reply_status(call, &st);
	}
	bool advertised = req->direction == VBR__V1__ROUTE_DIRECTION__ROUTE_DIRECTION_ADVERTISED;
	char scope[48], after[VBR_TOKEN_MAX];
	snprintf(scope, sizeof(scope), "routes:%s:%d", p->id, advertised);
	if (page_token_parse(req->page_token, scope, after, sizeof(after), &st))
		return reply_status(call, &st);
	unsigned ap = 0, al = 0;
	if (after[0] && (sscanf(after, "%8x/%u", &ap, &al) != 2 || al > 32)) {
		vbr_status_set(&st, GRPC_STATUS_INVALID_ARGUMENT, "page_token: malformed");
		return reply_status(call, &st);
	}
	struct route_page page = {.max = page_size(req->page_size), .peer_id = p->id};
	page.routes = calloc(page.max + 1, sizeof(*page.routes));
	if (!page.routes)
		return rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	int rc = bgp_speaker_routes(d->speaker, p->num, advertised, after[0] == '\0', ap,
				    (uint8_t)al, page.max + 1, visit_route, &page);
	char token[VBR_TOKEN_MAX] = "";
	if (rc < 0 && rc != -ENOENT) {
		vbr_status_set(&st, GRPC_STATUS_INTERNAL, "BGP core: %s", strerror(-rc));
		reply_status(call, &st);
	} else if (page.failed) {
		rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
	} else {
		if (page.more) {
			char key[24];
			snprintf(key, sizeof(key), "%08x/%u", page.last_prefix, page.last_len);
			page_token_make(scope, key, token, sizeof(token));
		}
		Vbr__V1__ListRoutesResponse resp = VBR__V1__LIST_ROUTES_RESPONSE__INIT;
		resp.n_routes = page.n;
		resp.routes = page.routes;
		resp.next_page_token = token;
		rpc_reply(call, GRPC_STATUS_OK, NULL, &resp.base);
	}
	for (size_t i = 0; i < page.n; i++)
		convert_route_free(page.routes[i]);
	free(page.routes);
}

/* ---- WatchPeerEvents ---- */

struct watch {
	struct vbrd *d;
	struct rpc_call *call;
	struct event_sub *sub;
};

static int watch_send(void *arg, const struct vbr_event *ev)
{
	struct watch *w = arg;
	struct pb_event pb;
	convert_event(ev, &pb);
	return rpc_stream_write(w->call, &pb.msg.base);
}

static void watch_end(void *arg, grpc_status_code code, const char *message)
{
	struct watch *w = arg;
	vbr_log(code == GRPC_STATUS_RESOURCE_EXHAUSTED ? VBR_LOG_WARN : VBR_LOG_INFO,
		"watch stream ended", "call_id", rpc_call_id(w->call), "reason", message, NULL);
	/* Abort, not finish: a stalled client would hold a finishing status behind its unread
	 * messages forever; the abort reaches it at once with this status and message. */
	rpc_stream_abort(w->call, code, message);
}

static void watch_peer_events(struct vbrd *d, struct rpc_call *call,
			      const Vbr__V1__WatchPeerEventsRequest *req)
{
	struct vbr_status st;
	if (d->shutting_down) {
		rpc_stream_finish(call, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
		return rpc_call_release(call);
	}
	if (vbr_validate_watch(req, &st)) {
		rpc_stream_finish(call, st.code, st.message);
		return rpc_call_release(call);
	}
	struct watch *w = calloc(1, sizeof(*w));
	struct vbr_event *initial = calloc(d->model.n_peers + 1, sizeof(*initial));
	if (!w || !initial) {
		free(w);
		free(initial);
		rpc_stream_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return rpc_call_release(call);
	}
	w->d = d;
	w->call = call;
	for (size_t i = 0; i < d->model.n_peers; i++) {
		const struct vbr_peer *p = &d->model.peers[i];
		struct bgp_peer_status status;
		if (bgp_speaker_peer_status(d->speaker, p->num, &status) != 0) {
			memset(&status, 0, sizeof(status));
			status.state = BGP_STATE_IDLE;
		}
		snprintf(initial[i].peer_id, sizeof(initial[i].peer_id), "%s", p->id);
		initial[i].peer_ip = p->ip;
		initial[i].new_state = (int)status.state;
		snprintf(initial[i].reason, sizeof(initial[i].reason), "%s", status.last_error);
	}
	struct event_sub_options opt = {
		.peer_ids = (const char *const *)req->peer_ids,
		.n_peer_ids = req->n_peer_ids,
		.initial = initial,
		.n_initial = d->model.n_peers,
		.send_initial_state = req->send_initial_state,
		.has_after_sequence =
			req->after_sequence_present_case ==
			VBR__V1__WATCH_PEER_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE,
		.after_sequence = req->after_sequence,
	};
	static const struct event_sub_ops ops = {watch_send, watch_end};
	char message[256];
	rpc_call_set_user(call, w);
	grpc_status_code code =
		event_hub_subscribe(d->hub, &opt, &ops, w, &w->sub, message, sizeof(message));
	free(initial);
	if (code != GRPC_STATUS_OK) {
		rpc_call_set_user(call, NULL);
		free(w);
		rpc_stream_finish(call, code, message);
		return rpc_call_release(call);
	}
	vbr_log(VBR_LOG_DEBUG, "watch stream opened", "call_id", rpc_call_id(call), NULL);
}

void handlers_on_write_done(void *ctx, struct rpc_call *call, bool ok)
{
	(void)ctx;
	struct watch *w = rpc_call_user(call);
	if (w && w->sub)
		event_sub_write_done(w->sub, ok);
}

void handlers_on_stream_closed(void *ctx, struct rpc_call *call)
{
	(void)ctx;
	struct watch *w = rpc_call_user(call);
	if (!w)
		return; /* finished at once; its reference is already gone */
	event_hub_unsubscribe(w->sub);
	rpc_call_set_user(call, NULL);
	free(w);
	rpc_call_release(call);
}

void handlers_end_streams(struct vbrd *d)
{
	event_hub_end_all(d->hub, GRPC_STATUS_UNAVAILABLE, "vbrd is shutting down");
}

/* ---- dispatch ---- */

#define CASE(method, type, fn, handler)                                                      \
	case method: {                                                                       \
		type *req = fn##__unpack(NULL, len, data);                                   \
		if (!req)                                                                    \
			break;                                                               \
		handler(d, call, req);                                                       \
		fn##__free_unpacked(req, NULL);                                              \
		return;                                                                      \
	}

void handlers_on_call(void *ctx, struct rpc_call *call)
{
	struct vbrd *d = ctx;
	size_t len;
	const uint8_t *data = rpc_call_request(call, &len);
	enum vbr_method m = rpc_call_method(call);
	switch (m) {
		CASE(VBR_M_CREATE_BGP_GROUP, Vbr__V1__CreateBgpGroupRequest,
		     vbr__v1__create_bgp_group_request, create_group)
		CASE(VBR_M_UPDATE_BGP_GROUP, Vbr__V1__UpdateBgpGroupRequest,
		     vbr__v1__update_bgp_group_request, update_group)
		CASE(VBR_M_DELETE_BGP_GROUP, Vbr__V1__DeleteBgpGroupRequest,
		     vbr__v1__delete_bgp_group_request, delete_group)
		CASE(VBR_M_CREATE_BGP_PEER, Vbr__V1__CreateBgpPeerRequest,
		     vbr__v1__create_bgp_peer_request, create_peer)
		CASE(VBR_M_UPDATE_BGP_PEER, Vbr__V1__UpdateBgpPeerRequest,
		     vbr__v1__update_bgp_peer_request, update_peer)
		CASE(VBR_M_DELETE_BGP_PEER, Vbr__V1__DeleteBgpPeerRequest,
		     vbr__v1__delete_bgp_peer_request, delete_peer)
		CASE(VBR_M_RESET_BGP_PEER, Vbr__V1__ResetBgpPeerRequest,
		     vbr__v1__reset_bgp_peer_request, reset_peer)
		CASE(VBR_M_ADD_BGP_NETWORK, Vbr__V1__AddBgpNetworkRequest,
		     vbr__v1__add_bgp_network_request, add_network)
		CASE(VBR_M_DELETE_BGP_NETWORK, Vbr__V1__DeleteBgpNetworkRequest,
		     vbr__v1__delete_bgp_network_request, delete_network)
		CASE(VBR_M_LIST_ROUTES, Vbr__V1__ListRoutesRequest, vbr__v1__list_routes_request,
		     list_routes)
		CASE(VBR_M_WATCH_PEER_EVENTS, Vbr__V1__WatchPeerEventsRequest,
		     vbr__v1__watch_peer_events_request, watch_peer_events)
	default:
		rpc_reply(call, GRPC_STATUS_INTERNAL, "method routed to the wrong thread", NULL);
		return;
	}
	/* The request could not be unpacked. */
	if (m == VBR_M_WATCH_PEER_EVENTS) {
		rpc_stream_finish(call, GRPC_STATUS_INVALID_ARGUMENT, "request: cannot be parsed");
		rpc_call_release(call);
	} else {
		rpc_reply(call, GRPC_STATUS_INVALID_ARGUMENT, "request: cannot be parsed", NULL);
	}
}
