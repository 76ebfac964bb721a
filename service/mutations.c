/*
 * mutations: see mutations.h. Each handler ends in start_write (or a reply when validation
 * fails); finish() runs on the loop once the state is on disk.
 */
#include "mutations.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "convert.h"
#include "log.h"
#include "validate.h"

#include "google/protobuf/empty.pb-c.h"

enum write_op {
	OP_GROUP_CREATED,
	OP_GROUP_UPDATED,
	OP_GROUP_DELETED,
	OP_PEER_CREATED,
	OP_PEER_UPDATED,
	OP_PEER_DELETED,
	OP_NETWORK_ADDED,
	OP_NETWORK_DELETED,
};

struct write_job {
	uv_work_t work;
	struct vbrd *d;
	struct rpc_call *call;
	enum write_op op;
	struct vbr_model next;
	bool remember; /* keep `reply` for request_id */
	struct vbr_request extra;
	uint8_t *reply; /* packed, for creates */
	size_t reply_len;
	int err;
	struct vbr_group group;
	struct vbr_peer peer;
	struct vbr_network network;
	int old_state;
	char request_id[VBR_REQUEST_ID_MAX + 1];
	char cidr[20];
};

struct queued_call {
	struct rpc_call *call;
	struct queued_call *next;
};

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

/* ---- the write, off the loop ---- */

static void drain_queue(struct vbrd *d);

static struct write_job *job_new(struct vbrd *d, struct rpc_call *call, enum write_op op)
{
	struct write_job *job = calloc(1, sizeof(*job));
	if (!job)
		return NULL;
	job->d = d;
	job->call = call;
	job->op = op;
	job->work.data = job;
	if (model_clone(&d->model, &job->next) != 0) {
		free(job);
		return NULL;
	}
	return job;
}

static void job_free(struct write_job *job)
{
	free(job->reply);
	free(job);
}

static void out_of_memory(struct rpc_call *call)
{
	rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
}

/* Thread pool: the only work done off the loop. Reads job->next and the live model's
 * request list, which nothing changes while a write is in flight. */
static void write_work(uv_work_t *work)
{
	struct write_job *job = work->data;
	job->err = store_save(job->d->store, &job->next, job->remember ? &job->extra : NULL);
}

static void finish(struct write_job *job);

static void write_done(uv_work_t *work, int status)
{
	struct write_job *job = work->data;
	struct vbrd *d = job->d;
	if (status != 0 && !job->err)
		job->err = status;
	if (job->err) {
		char msg[400];
		model_free_clone(&job->next);
		vbr_log(VBR_LOG_ERROR, "state write failed", "call_id", rpc_call_id(job->call),
			"file", store_path(d->store), "error", strerror(-job->err), NULL);
		snprintf(msg, sizeof(msg), "state: cannot write %s: %s; nothing was changed",
			 store_path(d->store), strerror(-job->err));
		rpc_reply(job->call, GRPC_STATUS_UNAVAILABLE, msg, NULL);
	} else {
		model_free_clone(&d->model);
		d->model.groups = job->next.groups;
		d->model.n_groups = job->next.n_groups;
		d->model.peers = job->next.peers;
		d->model.n_peers = job->next.n_peers;
		d->model.networks = job->next.networks;
		d->model.n_networks = job->next.n_networks;
		if (job->remember)
			model_add_request(&d->model, job->extra.method, job->extra.request_id,
					  job->reply, job->reply_len);
		finish(job);
	}
	job_free(job);
	d->write_busy = false;
	drain_queue(d);
}

/* `reply` (packed, may be NULL) is kept for request_id when request_id is not empty. */
static void start_write(struct write_job *job, const char *request_id, uint8_t *reply,
			size_t reply_len)
{
	struct vbrd *d = job->d;
	job->reply = reply;
	job->reply_len = reply_len;
	snprintf(job->request_id, sizeof(job->request_id), "%s", request_id ? request_id : "");
	if (job->request_id[0] && reply) {
		job->remember = true;
		snprintf(job->extra.method, sizeof(job->extra.method), "%s",
			 vbr_method_name(rpc_call_method(job->call)));
		snprintf(job->extra.request_id, sizeof(job->extra.request_id), "%s", request_id);
		job->extra.response = reply;
		job->extra.response_len = reply_len;
	}
	d->write_busy = true;
	int err = uv_queue_work(d->loop, &job->work, write_work, write_done);
	if (err) {
		job->err = err;
		write_done(&job->work, 0);
	}
}

/* Runs with the new model live: apply to the core, snapshot, events, log, reply. */
static void finish(struct write_job *job)
{
	struct vbrd *d = job->d;
	struct rpc_call *call = job->call;
	switch (job->op) {
	case OP_GROUP_CREATED:
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP group created", "group_id", job->group.id, job->request_id);
		rpc_reply_packed(call, job->reply, job->reply_len);
		return;
	case OP_GROUP_UPDATED: {
		const struct vbr_group *g = &job->group;
		for (size_t i = 0; i < d->model.n_peers; i++)
			if (strcmp(d->model.peers[i].group_id, g->id) == 0)
				apply_peer(d, &d->model.peers[i], false);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP group updated", "group_id", g->id, NULL);
		struct pb_group pb;
		convert_group(g, g->auth_key[0] != '\0',
			      (uint32_t)model_group_peer_count(&d->model, g->id), &pb);
		rpc_reply(call, GRPC_STATUS_OK, NULL, &pb.msg.base);
		return;
	}
	case OP_GROUP_DELETED:
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP group deleted", "group_id", job->group.id, NULL);
		reply_empty(call);
		return;
	case OP_PEER_CREATED:
		/* PEER_CREATED before the core starts the session, so it precedes any
		 * STATE_CHANGED; the snapshot first, so a client reacting to it finds the peer. */
		vbrd_refresh_snapshot(d);
		vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_CREATED,
				   &job->peer, VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED,
				   VBR__V1__SESSION_STATE__SESSION_STATE_IDLE, "peer created");
		apply_peer(d, &job->peer, true);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP peer created", "peer_id", job->peer.id, job->request_id);
		rpc_reply_packed(call, job->reply, job->reply_len);
		return;
	case OP_PEER_UPDATED: {
		apply_peer(d, &job->peer, false);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP peer updated", "peer_id", job->peer.id, NULL);
		struct pb_peer pb;
		struct bgp_peer_status status;
		peer_reply(d, &job->peer, &pb, &status);
		rpc_reply(call, GRPC_STATUS_OK, NULL, &pb.msg.base);
		return;
	}
	case OP_PEER_DELETED: {
		int err = bgp_speaker_peer_remove(d->speaker, job->peer.num);
		if (err && err != -ENOENT)
			vbr_log(VBR_LOG_ERROR, "BGP core failed to remove the peer", "peer_id",
				job->peer.id, "error", strerror(-err), NULL);
		vbrd_refresh_snapshot(d);
		vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_DELETED,
				   &job->peer, job->old_state,
				   VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED, "peer deleted");
		log_mutation(call, "BGP peer deleted", "peer_id", job->peer.id, NULL);
		reply_empty(call);
		return;
	}
	case OP_NETWORK_ADDED: {
		int err = bgp_speaker_network_add(d->speaker, job->network.prefix, job->network.len);
		if (err && err != -EEXIST)
			vbr_log(VBR_LOG_ERROR, "BGP core refused the network", "cidr", job->cidr,
				"error", strerror(-err), NULL);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP network added", "cidr", job->cidr, job->request_id);
		rpc_reply_packed(call, job->reply, job->reply_len);
		return;
	}
	case OP_NETWORK_DELETED: {
		int err = bgp_speaker_network_remove(d->speaker, job->network.prefix,
						     job->network.len);
		if (err && err != -ENOENT)
			vbr_log(VBR_LOG_ERROR, "BGP core failed to withdraw the network", "cidr",
				job->cidr, "error", strerror(-err), NULL);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP network deleted", "cidr", job->cidr, NULL);
		reply_empty(call);
		return;
	}
	}
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
	struct write_job *job = job_new(d, call, OP_GROUP_CREATED);
	if (!job)
		return out_of_memory(call);
	struct vbr_group *g = &job->group;
	new_group_id(&d->model, g->id);
	snprintf(g->name, sizeof(g->name), "%s", req->name);
	g->peer_asn = req->peer_asn;
	snprintf(g->auth_key, sizeof(g->auth_key), "%s", req->auth_key);
	snprintf(g->description, sizeof(g->description), "%s", req->description);
	g->route_limit = v.route_limit;
	g->hold_time = v.hold_time;
	g->keepalive_time = v.keepalive_time;
	g->route_limit_action = req->route_limit_action;
	g->create_time_ms = now_ms();
	struct pb_group pb;
	convert_group(g, g->auth_key[0] != '\0', 0, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || model_add_group(&job->next, g) != 0) {
		free(bytes);
		model_free_clone(&job->next);
		job_free(job);
		return out_of_memory(call);
	}
	start_write(job, req->request_id, bytes, len);
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
	if (mask & VBR_GROUP_ROUTE_LIMIT_ACTION)
		g.route_limit_action = req->route_limit_action;
	if (vbr_check_timers(g.hold_time, g.keepalive_time, &st))
		return reply_status(call, &st);
	struct write_job *job = job_new(d, call, OP_GROUP_UPDATED);
	if (!job)
		return out_of_memory(call);
	job->group = g;
	*model_group(&job->next, g.id) = g;
	start_write(job, NULL, NULL, 0);
}

static void delete_group(struct vbrd *d, struct rpc_call *call,
			 const Vbr__V1__DeleteBgpGroupRequest *req)
{
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpg-", &st))
		return reply_status(call, &st);
	const struct vbr_group *g = model_group(&d->model, req->id);
	if (!g) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
		return reply_status(call, &st);
	}
	size_t peers = model_group_peer_count(&d->model, req->id);
	if (peers) {
		vbr_status_set(&st, GRPC_STATUS_FAILED_PRECONDITION,
			       "BGP group %s still has %zu peer(s); delete them first", req->id, peers);
		return reply_status(call, &st);
	}
	struct write_job *job = job_new(d, call, OP_GROUP_DELETED);
	if (!job)
		return out_of_memory(call);
	job->group = *g;
	model_remove_group(&job->next, req->id);
	start_write(job, NULL, NULL, 0);
}

/* ---- peers ---- */

static void create_peer(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__CreateBgpPeerRequest *req)
{
	struct vbr_status st;
	uint32_t ip;
	if (vbr_validate_create_peer(req, &ip, &st))
		return reply_status(call, &st);
	if (replay(d, call, req->request_id))
		return;
	const struct vbr_group *g = model_group(&d->model, req->group_id);
	if (!g) {
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
	struct write_job *job = job_new(d, call, OP_PEER_CREATED);
	if (!job)
		return out_of_memory(call);
	struct vbr_peer *p = &job->peer;
	p->num = new_peer_id(&d->model, p->id);
	snprintf(p->group_id, sizeof(p->group_id), "%s", req->group_id);
	p->ip = ip;
	snprintf(p->description, sizeof(p->description), "%s", req->description);
	p->admin_down = req->admin_down;
	p->create_time_ms = now_ms();
	/* The first reply shows the peer as created: Idle, no session yet. */
	struct bgp_peer_status idle;
	memset(&idle, 0, sizeof(idle));
	idle.state = BGP_STATE_IDLE;
	struct pb_peer pb;
	convert_peer(p, g->peer_asn, &idle, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || model_add_peer(&job->next, p) != 0) {
		free(bytes);
		model_free_clone(&job->next);
		job_free(job);
		return out_of_memory(call);
	}
	start_write(job, req->request_id, bytes, len);
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
	struct write_job *job = job_new(d, call, OP_PEER_UPDATED);
	if (!job)
		return out_of_memory(call);
	job->peer = p;
	*model_peer(&job->next, p.id) = p;
	start_write(job, NULL, NULL, 0);
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
	struct write_job *job = job_new(d, call, OP_PEER_DELETED);
	if (!job)
		return out_of_memory(call);
	job->peer = *cur;
	struct bgp_peer_status status;
	job->old_state = bgp_speaker_peer_status(d->speaker, cur->num, &status) == 0
				 ? (int)status.state
				 : BGP_STATE_IDLE;
	model_remove_peer(&job->next, cur->id);
	start_write(job, NULL, NULL, 0);
}

/* No state change, so no write; queued like the mutations to keep their order. */
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
	if (err == -EOPNOTSUPP) {
		vbr_status_set(&st, GRPC_STATUS_FAILED_PRECONDITION,
			       "BGP peer %s did not advertise route refresh (RFC 2918): use a hard "
			       "reset",
			       p->id);
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
	struct write_job *job = job_new(d, call, OP_NETWORK_ADDED);
	if (!job)
		return out_of_memory(call);
	job->network = n;
	struct pb_network pb;
	convert_network(&n, &pb);
	snprintf(job->cidr, sizeof(job->cidr), "%s", pb.cidr);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || model_add_network(&job->next, &n) != 0) {
		free(bytes);
		model_free_clone(&job->next);
		job_free(job);
		return out_of_memory(call);
	}
	start_write(job, req->request_id, bytes, len);
}

static void delete_network(struct vbrd *d, struct rpc_call *call,
			   const Vbr__V1__DeleteBgpNetworkRequest *req)
{
	struct vbr_status st;
	struct vbr_network n = {0};
	if (vbr_check_cidr("cidr", req->cidr, &n.prefix, &n.len, &st))
		return reply_status(call, &st);
	if (!model_network(&d->model, n.prefix, n.len)) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "cidr: %s is not advertised", req->cidr);
		return reply_status(call, &st);
	}
	struct write_job *job = job_new(d, call, OP_NETWORK_DELETED);
	if (!job)
		return out_of_memory(call);
	job->network = n;
	snprintf(job->cidr, sizeof(job->cidr), "%s", req->cidr);
	model_remove_network(&job->next, n.prefix, n.len);
	start_write(job, NULL, NULL, 0);
}

/* ---- dispatch and the queue ---- */

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
		return true;
	default:
		return false;
	}
}

#define CASE(method, type, fn, handler)                                                      \
	case method: {                                                                       \
		type *req = fn##__unpack(NULL, len, data);                                   \
		if (!req)                                                                    \
			break;                                                               \
		handler(d, call, req);                                                       \
		fn##__free_unpacked(req, NULL);                                              \
		return;                                                                      \
	}

static void run(struct vbrd *d, struct rpc_call *call)
{
	size_t len;
	const uint8_t *data = rpc_call_request(call, &len);
	switch (rpc_call_method(call)) {
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
	default:
		rpc_reply(call, GRPC_STATUS_INTERNAL, "not a mutation", NULL);
		return;
	}
	rpc_reply(call, GRPC_STATUS_INVALID_ARGUMENT, "request: cannot be parsed", NULL);
}

static void drain_queue(struct vbrd *d)
{
	while (!d->write_busy && d->queue_head) {
		struct queued_call *q = d->queue_head;
		d->queue_head = q->next;
		if (!d->queue_head)
			d->queue_tail = NULL;
		struct rpc_call *call = q->call;
		free(q);
		run(d, call);
	}
}

void mutation_call(struct vbrd *d, struct rpc_call *call)
{
	if (!d->write_busy && !d->queue_head) {
		run(d, call);
		return;
	}
	struct queued_call *q = malloc(sizeof(*q));
	if (!q)
		return out_of_memory(call);
	q->call = call;
	q->next = NULL;
	if (d->queue_tail)
		d->queue_tail->next = q;
	else
		d->queue_head = q;
	d->queue_tail = q;
}
