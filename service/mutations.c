/*
 * mutations: see mutations.h. Group commit: every mutation waiting when a batch starts is
 * validated against the batch's next model (so each sees the ones before it) and becomes a
 * job; one durable write covers the whole batch; then finish() runs per job, in order. A
 * handler that fails validation replies at once and adds no job.
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
	OP_RESET,  /* no state change: sequenced with the others, never written */
	OP_REPLAY, /* same request_id as an earlier job of this batch: its reply */
};

struct write_job {
	struct rpc_call *call;
	enum write_op op;
	bool remember; /* keep `reply` for request_id */
	char method[32];
	uint8_t *reply; /* packed, for creates */
	size_t reply_len;
	struct vbr_group group;
	struct vbr_peer peer;
	struct vbr_network network;
	int old_state;
	bool soft;		       /* OP_RESET */
	char message[256];	       /* OP_RESET */
	const struct write_job *first; /* OP_REPLAY: the job whose reply this repeats */
	char request_id[VBR_REQUEST_ID_MAX + 1];
	char cidr[20];
	struct write_job *next_job;
};

struct batch {
	uv_work_t work;
	struct vbrd *d;
	struct vbr_model next; /* the live model plus every job of the batch so far */
	struct write_job *jobs, *last;
	bool needs_write;
	struct vbr_request *extras; /* request_id replies to store with it */
	size_t n_extras;
	int err;
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

static void out_of_memory(struct rpc_call *call)
{
	rpc_reply(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
}

/* ---- jobs and batches ---- */

static struct write_job *job_add(struct batch *b, struct rpc_call *call, enum write_op op)
{
	struct write_job *job = calloc(1, sizeof(*job));
	if (!job) {
		out_of_memory(call);
		return NULL;
	}
	job->call = call;
	job->op = op;
	snprintf(job->method, sizeof(job->method), "%s", vbr_method_name(rpc_call_method(call)));
	if (b->last)
		b->last->next_job = job;
	else
		b->jobs = job;
	b->last = job;
	if (op != OP_RESET && op != OP_REPLAY)
		b->needs_write = true;
	return job;
}

/* `reply` (packed, owned by the job from now on) is kept for request_id if one is given. */
static void job_reply(struct write_job *job, const char *request_id, uint8_t *reply, size_t len)
{
	job->reply = reply;
	job->reply_len = len;
	snprintf(job->request_id, sizeof(job->request_id), "%s", request_id ? request_id : "");
	job->remember = job->request_id[0] != '\0';
}

/*
 * A retry of a create that already succeeded gets the first reply: from the stored replies,
 * or, when the first is in this same batch, as a job that repeats it once it is written.
 */
static bool replay(struct batch *b, struct rpc_call *call, const char *request_id)
{
	if (!request_id[0])
		return false;
	const char *method = vbr_method_name(rpc_call_method(call));
	for (const struct write_job *j = b->jobs; j; j = j->next_job) {
		if (j->remember && strcmp(j->method, method) == 0 &&
		    strcmp(j->request_id, request_id) == 0) {
			struct write_job *job = job_add(b, call, OP_REPLAY);
			if (job)
				job->first = j;
			return true;
		}
	}
	const struct vbr_request *r = model_request(&b->d->model, method, request_id);
	if (!r)
		return false;
	vbr_log(VBR_LOG_INFO, "request replayed", "method", r->method, "call_id", rpc_call_id(call),
		"request_id", request_id, NULL);
	rpc_reply_packed(call, r->response, r->response_len);
	return true;
}

/* Runs with the new model live: apply to the core, snapshot, events, log, reply. */
static void finish(struct vbrd *d, struct write_job *job)
{
	struct rpc_call *call = job->call;
	switch (job->op) {
	case OP_GROUP_CREATED:
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP group created", "group_id", job->group.id, job->request_id);
		rpc_reply_packed(call, job->reply, job->reply_len);
		return;
	case OP_GROUP_UPDATED: {
		const struct vbr_group *g = model_group(&d->model, job->group.id);
		if (!g) /* deleted later in the same batch */
			g = &job->group;
		for (size_t i = 0; i < d->model.n_peers; i++)
			if (strcmp(d->model.peers[i].group_id, g->id) == 0)
				apply_peer(d, &d->model.peers[i], false);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP group updated", "group_id", g->id, NULL);
		struct pb_group pb;
		convert_group(&job->group, job->group.auth_key[0] != '\0',
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
		/* The peer as the whole batch left it (a later job may have moved it). */
		if (model_peer(&d->model, job->peer.id))
			apply_peer(d, model_peer(&d->model, job->peer.id), true);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP peer created", "peer_id", job->peer.id, job->request_id);
		rpc_reply_packed(call, job->reply, job->reply_len);
		return;
	case OP_PEER_UPDATED: {
		const struct vbr_peer *now = model_peer(&d->model, job->peer.id);
		if (now)
			apply_peer(d, now, false);
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
				   VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED,
				   "peer deleted");
		log_mutation(call, "BGP peer deleted", "peer_id", job->peer.id, NULL);
		reply_empty(call);
		return;
	}
	case OP_NETWORK_ADDED: {
		int err =
		    bgp_speaker_network_add(d->speaker, job->network.prefix, job->network.len);
		if (err && err != -EEXIST)
			vbr_log(VBR_LOG_ERROR, "BGP core refused the network", "cidr", job->cidr,
				"error", strerror(-err), NULL);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP network added", "cidr", job->cidr, job->request_id);
		rpc_reply_packed(call, job->reply, job->reply_len);
		return;
	}
	case OP_NETWORK_DELETED: {
		int err =
		    bgp_speaker_network_remove(d->speaker, job->network.prefix, job->network.len);
		if (err && err != -ENOENT)
			vbr_log(VBR_LOG_ERROR, "BGP core failed to withdraw the network", "cidr",
				job->cidr, "error", strerror(-err), NULL);
		vbrd_refresh_snapshot(d);
		log_mutation(call, "BGP network deleted", "cidr", job->cidr, NULL);
		reply_empty(call);
		return;
	}
	case OP_RESET: {
		struct vbr_status st;
		int err =
		    bgp_speaker_peer_reset(d->speaker, job->peer.num, job->soft, job->message);
		if (err == -ENOTCONN || err == -EAGAIN) {
			vbr_status_set(&st, GRPC_STATUS_FAILED_PRECONDITION,
				       "BGP peer %s has no Established session to %s", job->peer.id,
				       job->soft ? "refresh" : "reset");
			return reply_status(call, &st);
		}
		if (err == -EOPNOTSUPP) {
			vbr_status_set(
			    &st, GRPC_STATUS_FAILED_PRECONDITION,
			    "BGP peer %s did not advertise route refresh (RFC 2918): use "
			    "a hard reset",
			    job->peer.id);
			return reply_status(call, &st);
		}
		if (err && err != -ENOENT) {
			vbr_status_set(&st, GRPC_STATUS_INTERNAL, "BGP core: %s", strerror(-err));
			return reply_status(call, &st);
		}
		log_mutation(call, job->soft ? "BGP peer soft reset" : "BGP peer reset", "peer_id",
			     job->peer.id, NULL);
		reply_empty(call);
		return;
	}
	case OP_REPLAY:
		vbr_log(VBR_LOG_INFO, "request replayed", "method", job->method, "call_id",
			rpc_call_id(call), "request_id", job->first->request_id, NULL);
		rpc_reply_packed(call, job->first->reply, job->first->reply_len);
		return;
	}
}

static void run_queue(struct vbrd *d, struct rpc_call *first);

/* Every job answered; the batch freed; the next batch starts if calls are waiting. */
static void batch_done(struct batch *b)
{
	struct vbrd *d = b->d;
	int err = b->err;
	if (!err && b->needs_write) {
		model_free_clone(&d->model);
		d->model.groups = b->next.groups;
		d->model.n_groups = b->next.n_groups;
		d->model.peers = b->next.peers;
		d->model.n_peers = b->next.n_peers;
		d->model.networks = b->next.networks;
		d->model.n_networks = b->next.n_networks;
		for (const struct write_job *j = b->jobs; j; j = j->next_job)
			if (j->remember)
				model_add_request(&d->model, j->method, j->request_id, j->reply,
						  j->reply_len);
	} else {
		model_free_clone(&b->next);
	}
	char msg[400] = "";
	if (err) {
		vbr_log(VBR_LOG_ERROR, "state write failed", "file", store_path(d->store), "error",
			strerror(-err), NULL);
		snprintf(msg, sizeof(msg), "state: cannot write %s: %s; nothing was changed",
			 store_path(d->store), strerror(-err));
	}
	for (struct write_job *j = b->jobs, *next; j; j = next) {
		next = j->next_job;
		if (err && j->op != OP_RESET)
			rpc_reply(j->call, GRPC_STATUS_UNAVAILABLE, msg, NULL);
		else
			finish(d, j);
	}
	for (struct write_job *j = b->jobs, *next; j; j = next) {
		next = j->next_job;
		free(j->reply);
		free(j);
	}
	free(b->extras);
	free(b);
	d->write_busy = false;
	if (d->queue_head)
		run_queue(d, NULL);
}

/* Thread pool: the only work done off the loop. It reads the batch's model and the live
 * model's request list, which nothing changes while a write is in flight. */
static void write_work(uv_work_t *work)
{
	struct batch *b = work->data;
	b->err = store_save(b->d->store, &b->next, b->extras, b->n_extras);
}

static void write_done(uv_work_t *work, int status)
{
	struct batch *b = work->data;
	if (status != 0 && !b->err)
		b->err = status;
	batch_done(b);
}

static void start_write(struct batch *b)
{
	size_t n = 0;
	for (const struct write_job *j = b->jobs; j; j = j->next_job)
		n += j->remember;
	b->extras = calloc(n + 1, sizeof(*b->extras));
	if (!b->extras) {
		b->err = -ENOMEM;
		return batch_done(b);
	}
	for (const struct write_job *j = b->jobs; j; j = j->next_job) {
		if (!j->remember)
			continue;
		struct vbr_request *r = &b->extras[b->n_extras++];
		snprintf(r->method, sizeof(r->method), "%s", j->method);
		snprintf(r->request_id, sizeof(r->request_id), "%s", j->request_id);
		r->response = j->reply;
		r->response_len = j->reply_len;
	}
	b->d->write_busy = true;
	b->work.data = b;
	int err = uv_queue_work(b->d->loop, &b->work, write_work, write_done);
	if (err) {
		b->err = err;
		batch_done(b);
	}
}

/* ---- groups ---- */

static void create_group(struct batch *b, struct rpc_call *call,
			 const Vbr__V1__CreateBgpGroupRequest *req)
{
	struct vbrd *d = b->d;
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	struct vbr_group_values v;
	if (vbr_validate_create_group(req, d->config->local_asn, &v, &st))
		return reply_status(call, &st);
	if (replay(b, call, req->request_id))
		return;
	const struct vbr_group *dup = model_group_by_name(m, req->name);
	if (dup) {
		vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS,
			       "name: a BGP group named \"%s\" already exists (%s)", req->name,
			       dup->id);
		return reply_status(call, &st);
	}
	if (m->n_groups >= VBR_MAX_GROUPS) {
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "groups: the router already has the maximum of %d BGP groups",
			       VBR_MAX_GROUPS);
		return reply_status(call, &st);
	}
	struct vbr_group g;
	memset(&g, 0, sizeof(g));
	new_group_id(m, g.id);
	snprintf(g.name, sizeof(g.name), "%s", req->name);
	g.peer_asn = req->peer_asn;
	snprintf(g.auth_key, sizeof(g.auth_key), "%s", req->auth_key);
	snprintf(g.description, sizeof(g.description), "%s", req->description);
	g.route_limit = v.route_limit;
	g.hold_time = v.hold_time;
	g.keepalive_time = v.keepalive_time;
	g.route_limit_action = req->route_limit_action;
	g.create_time_ms = now_ms();
	struct pb_group pb;
	convert_group(&g, g.auth_key[0] != '\0', 0, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || model_add_group(m, &g) != 0) {
		free(bytes);
		return out_of_memory(call);
	}
	struct write_job *job = job_add(b, call, OP_GROUP_CREATED);
	if (!job) {
		model_remove_group(m, g.id);
		free(bytes);
		return;
	}
	job->group = g;
	job_reply(job, req->request_id, bytes, len);
}

static void update_group(struct batch *b, struct rpc_call *call,
			 const Vbr__V1__UpdateBgpGroupRequest *req)
{
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	unsigned mask;
	if (vbr_validate_update_group(req, b->d->config->local_asn, &mask, &st))
		return reply_status(call, &st);
	struct vbr_group *cur = model_group(m, req->id);
	if (!cur) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
		return reply_status(call, &st);
	}
	struct vbr_group g = *cur;
	if (mask & VBR_GROUP_NAME) {
		const struct vbr_group *dup = model_group_by_name(m, req->name);
		if (dup && dup != cur) {
			vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS,
				       "name: a BGP group named \"%s\" already exists (%s)",
				       req->name, dup->id);
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
	struct write_job *job = job_add(b, call, OP_GROUP_UPDATED);
	if (!job)
		return;
	job->group = g;
	*cur = g;
}

static void delete_group(struct batch *b, struct rpc_call *call,
			 const Vbr__V1__DeleteBgpGroupRequest *req)
{
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpg-", &st))
		return reply_status(call, &st);
	const struct vbr_group *g = model_group(m, req->id);
	if (!g) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
		return reply_status(call, &st);
	}
	size_t peers = model_group_peer_count(m, req->id);
	if (peers) {
		vbr_status_set(&st, GRPC_STATUS_FAILED_PRECONDITION,
			       "BGP group %s still has %zu peer(s); delete them first", req->id,
			       peers);
		return reply_status(call, &st);
	}
	struct write_job *job = job_add(b, call, OP_GROUP_DELETED);
	if (!job)
		return;
	job->group = *g;
	model_remove_group(m, req->id);
}

/* ---- peers ---- */

static void create_peer(struct batch *b, struct rpc_call *call,
			const Vbr__V1__CreateBgpPeerRequest *req)
{
	struct vbrd *d = b->d;
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	uint32_t ip;
	if (vbr_validate_create_peer(req, &ip, &st))
		return reply_status(call, &st);
	if (replay(b, call, req->request_id))
		return;
	const struct vbr_group *g = model_group(m, req->group_id);
	if (!g) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "group_id: BGP group %s not found",
			       req->group_id);
		return reply_status(call, &st);
	}
	const struct vbr_peer *dup = model_peer_by_ip(m, ip);
	if (dup) {
		vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS,
			       "peer_ip: a BGP peer with address %s already exists (%s)",
			       req->peer_ip, dup->id);
		return reply_status(call, &st);
	}
	/* Peer IDs are the speaker's: unique against the live core too, where a peer removed
	 * earlier in this batch still exists until finish() runs. */
	if (m->n_peers >= d->config->max_peers) {
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "peers: the router already has the maximum of %u BGP peers",
			       d->config->max_peers);
		return reply_status(call, &st);
	}
	struct vbr_peer p;
	memset(&p, 0, sizeof(p));
	do
		p.num = new_peer_id(m, p.id);
	while (model_peer_by_num(&d->model, p.num));
	snprintf(p.group_id, sizeof(p.group_id), "%s", req->group_id);
	p.ip = ip;
	snprintf(p.description, sizeof(p.description), "%s", req->description);
	p.admin_down = req->admin_down;
	p.create_time_ms = now_ms();
	/* The first reply shows the peer as created: Idle, no session yet. */
	struct bgp_peer_status idle;
	memset(&idle, 0, sizeof(idle));
	idle.state = BGP_STATE_IDLE;
	struct pb_peer pb;
	convert_peer(&p, g->peer_asn, &idle, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || model_add_peer(m, &p) != 0) {
		free(bytes);
		return out_of_memory(call);
	}
	struct write_job *job = job_add(b, call, OP_PEER_CREATED);
	if (!job) {
		model_remove_peer(m, p.id);
		free(bytes);
		return;
	}
	job->peer = p;
	job_reply(job, req->request_id, bytes, len);
}

static void update_peer(struct batch *b, struct rpc_call *call,
			const Vbr__V1__UpdateBgpPeerRequest *req)
{
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	unsigned mask;
	if (vbr_validate_update_peer(req, &mask, &st))
		return reply_status(call, &st);
	struct vbr_peer *cur = model_peer(m, req->id);
	if (!cur) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		return reply_status(call, &st);
	}
	struct vbr_peer p = *cur;
	if (mask & VBR_PEER_GROUP_ID) {
		if (!model_group(m, req->group_id)) {
			vbr_status_set(&st, GRPC_STATUS_NOT_FOUND,
				       "group_id: BGP group %s not found", req->group_id);
			return reply_status(call, &st);
		}
		snprintf(p.group_id, sizeof(p.group_id), "%s", req->group_id);
	}
	if (mask & VBR_PEER_DESCRIPTION)
		snprintf(p.description, sizeof(p.description), "%s", req->description);
	if (mask & VBR_PEER_ADMIN_DOWN)
		p.admin_down = req->admin_down;
	struct write_job *job = job_add(b, call, OP_PEER_UPDATED);
	if (!job)
		return;
	job->peer = p;
	*cur = p;
}

static void delete_peer(struct batch *b, struct rpc_call *call,
			const Vbr__V1__DeleteBgpPeerRequest *req)
{
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "bgpp-", &st))
		return reply_status(call, &st);
	const struct vbr_peer *cur = model_peer(m, req->id);
	if (!cur) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		return reply_status(call, &st);
	}
	struct write_job *job = job_add(b, call, OP_PEER_DELETED);
	if (!job)
		return;
	job->peer = *cur;
	struct bgp_peer_status status;
	job->old_state = bgp_speaker_peer_status(b->d->speaker, cur->num, &status) == 0
			     ? (int)status.state
			     : BGP_STATE_IDLE;
	model_remove_peer(m, cur->id);
}

static void reset_peer(struct batch *b, struct rpc_call *call,
		       const Vbr__V1__ResetBgpPeerRequest *req)
{
	struct vbr_status st;
	if (vbr_validate_reset_peer(req, &st))
		return reply_status(call, &st);
	const struct vbr_peer *p = model_peer(&b->next, req->id);
	if (!p) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
		return reply_status(call, &st);
	}
	struct write_job *job = job_add(b, call, OP_RESET);
	if (!job)
		return;
	job->peer = *p;
	job->soft = req->soft;
	snprintf(job->message, sizeof(job->message), "%s", req->message);
}

/* ---- networks ---- */

static void add_network(struct batch *b, struct rpc_call *call,
			const Vbr__V1__AddBgpNetworkRequest *req)
{
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	struct vbr_network n = {.create_time_ms = now_ms()};
	if (vbr_validate_add_network(req, &n.prefix, &n.len, &st))
		return reply_status(call, &st);
	if (replay(b, call, req->request_id))
		return;
	if (model_network(m, n.prefix, n.len)) {
		vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS, "cidr: %s is already advertised",
			       req->cidr);
		return reply_status(call, &st);
	}
	if (m->n_networks >= b->d->config->max_networks) {
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "networks: the router already advertises the maximum of %u networks",
			       b->d->config->max_networks);
		return reply_status(call, &st);
	}
	struct pb_network pb;
	convert_network(&n, &pb);
	size_t len;
	uint8_t *bytes = pack(&pb.msg.base, &len);
	if (!bytes || model_add_network(m, &n) != 0) {
		free(bytes);
		return out_of_memory(call);
	}
	struct write_job *job = job_add(b, call, OP_NETWORK_ADDED);
	if (!job) {
		model_remove_network(m, n.prefix, n.len);
		free(bytes);
		return;
	}
	job->network = n;
	snprintf(job->cidr, sizeof(job->cidr), "%s", pb.cidr);
	job_reply(job, req->request_id, bytes, len);
}

static void delete_network(struct batch *b, struct rpc_call *call,
			   const Vbr__V1__DeleteBgpNetworkRequest *req)
{
	struct vbr_model *m = &b->next;
	struct vbr_status st;
	struct vbr_network n = {0};
	if (vbr_check_cidr("cidr", req->cidr, &n.prefix, &n.len, &st))
		return reply_status(call, &st);
	if (!model_network(m, n.prefix, n.len)) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "cidr: %s is not advertised", req->cidr);
		return reply_status(call, &st);
	}
	struct write_job *job = job_add(b, call, OP_NETWORK_DELETED);
	if (!job)
		return;
	job->network = n;
	snprintf(job->cidr, sizeof(job->cidr), "%s", req->cidr);
	model_remove_network(m, n.prefix, n.len);
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

#define CASE(method, type, fn, handler)                                                            \
	case method: {                                                                             \
		type *req = fn##__unpack(NULL, len, data);                                         \
		if (!req)                                                                          \
			break;                                                                     \
		handler(b, call, req);                                                             \
		fn##__free_unpacked(req, NULL);                                                    \
		return;                                                                            \
	}

/* Validates one call into the batch: a job, or an immediate reply. */
static void run(struct batch *b, struct rpc_call *call)
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

static struct rpc_call *pop(struct vbrd *d)
{
	struct queued_call *q = d->queue_head;
	if (!q)
		return NULL;
	d->queue_head = q->next;
	if (!d->queue_head)
		d->queue_tail = NULL;
	struct rpc_call *call = q->call;
	free(q);
	return call;
}

/* One batch from `first` (may be NULL) and every call waiting. */
static void run_queue(struct vbrd *d, struct rpc_call *first)
{
	struct batch *b = calloc(1, sizeof(*b));
	if (!b || model_clone(&d->model, &b->next) != 0) {
		free(b);
		for (struct rpc_call *c = first ? first : pop(d); c; c = pop(d))
			out_of_memory(c);
		return;
	}
	b->d = d;
	for (struct rpc_call *c = first ? first : pop(d); c; c = pop(d))
		run(b, c);
	if (b->needs_write)
		start_write(b);
	else
		batch_done(b); /* resets and replays only: nothing to write */
}

void mutation_call(struct vbrd *d, struct rpc_call *call)
{
	if (!d->write_busy) {
		run_queue(d, call);
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
