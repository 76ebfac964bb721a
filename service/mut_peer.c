/*
 * mut_peer: CreateBgpPeer, UpdateBgpPeer, DeleteBgpPeer and ResetBgpPeer. A peer's config is
 * checked with the core's own rules before it is written, so applying it afterwards cannot be
 * refused (commit.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "log.h"
#include "mut.h"
#include "reply.h"

struct peer_job {
	struct vbr_peer peer; /* as this mutation left it */
	int old_state;	      /* delete: the session state it had */
	bool soft;	      /* reset */
	char message[256];    /* reset */
};

static struct peer_job *job_peer(struct commit_job *job)
{
	return (struct peer_job *)(void *)job->data;
}

static struct commit_job *add_job(struct commit_batch *b, struct rpc_call *call,
				  commit_finish_fn finish, bool writes, const struct vbr_peer *p)
{
	struct commit_job *job = commit_job_add(b, call, finish, writes, sizeof(struct peer_job));
	if (job)
		job_peer(job)->peer = *p;
	return job;
}

grpc_status_code mut_peer_config(const struct vbr_peer *p, const struct vbr_group *g,
				 struct bgp_peer_config *out, struct vbr_status *st)
{
	convert_peer_config(p, g, out);
	if (bgp_speaker_peer_config_check(out) != 0)
		return vbr_status_set(st, GRPC_STATUS_INVALID_ARGUMENT,
				      "BGP peer %s: the BGP core does not accept its settings "
				      "(group %s)", p->id, g->id);
	st->code = GRPC_STATUS_OK;
	return GRPC_STATUS_OK;
}

void mut_apply_peer(struct vbrd *d, const struct vbr_peer *p, bool add)
{
	const struct vbr_group *g = model_group(&d->model, p->group_id);
	struct bgp_peer_config cfg;
	struct vbr_status st;
	if (!g || mut_peer_config(p, g, &cfg, &st))
		commit_core_failed("peer config", p->id, -EINVAL);
	int err = add ? bgp_speaker_peer_add(d->speaker, &cfg)
		      : bgp_speaker_peer_update(d->speaker, &cfg);
	if (err)
		commit_core_failed(add ? "peer add" : "peer update", p->id, err);
}

/* The live view of a peer for a reply, its group taken from model m (the live one, or the
 * batch's before the write); a peer the core does not know is shown Idle. */
static void convert_live_peer(struct bgp_speaker *sp, const struct vbr_model *m,
			      const struct vbr_peer *p, struct pb_peer *pb,
			      struct bgp_peer_status *status)
{
	const struct vbr_group *g = model_group(m, p->group_id);
	if (bgp_speaker_peer_status(sp, p->num, status) != 0) {
		memset(status, 0, sizeof(*status));
		status->state = BGP_STATE_IDLE;
	}
	convert_peer(p, g ? g->peer_asn : 0, status, pb);
}

static void finish_create(struct vbrd *d, struct commit_job *job)
{
	const struct vbr_peer *p = &job_peer(job)->peer;
	/* PEER_CREATED before the core starts the session, so it precedes any STATE_CHANGED. */
	vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_CREATED, p,
			   VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED,
			   VBR__V1__SESSION_STATE__SESSION_STATE_IDLE, "peer created");
	/* The peer as the whole batch left it (a later job may have moved or deleted it). */
	const struct vbr_peer *now = model_peer(&d->model, p->id);
	if (now)
		mut_apply_peer(d, now, true);
	commit_log(job, "BGP peer created", "peer_id", p->id);
	commit_reply(job, NULL);
}

static void finish_update(struct vbrd *d, struct commit_job *job)
{
	const struct vbr_peer *p = &job_peer(job)->peer;
	const struct vbr_peer *now = model_peer(&d->model, p->id);
	if (now)
		mut_apply_peer(d, now, false);
	commit_log(job, "BGP peer updated", "peer_id", p->id);
	struct pb_peer pb;
	struct bgp_peer_status status;
	convert_live_peer(d->speaker, &d->model, p, &pb, &status);
	commit_reply(job, &pb.msg.base);
}

static void finish_delete(struct vbrd *d, struct commit_job *job)
{
	const struct peer_job *pj = job_peer(job);
	int err = bgp_speaker_peer_remove(d->speaker, pj->peer.num);
	if (err)
		commit_core_failed("peer remove", pj->peer.id, err);
	vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_DELETED, &pj->peer,
			   pj->old_state, VBR__V1__SESSION_STATE__SESSION_STATE_UNSPECIFIED,
			   "peer deleted");
	commit_log(job, "BGP peer deleted", "peer_id", pj->peer.id);
	commit_reply_empty(job);
}

/* A reset changes no state: the core may refuse it, and the client hears why. */
static void finish_reset(struct vbrd *d, struct commit_job *job)
{
	const struct peer_job *pj = job_peer(job);
	struct vbr_status st;
	int err = bgp_speaker_peer_reset(d->speaker, pj->peer.num, pj->soft, pj->message);
	if (err == -ENOTCONN || err == -EAGAIN)
		vbr_status_from_errno(&st, err, false, "BGP peer %s has no Established session to %s",
				      pj->peer.id, pj->soft ? "refresh" : "reset");
	else if (err == -EOPNOTSUPP)
		vbr_status_from_errno(&st, err, false,
				      "BGP peer %s did not advertise route refresh (RFC 2918): use "
				      "a hard reset",
				      pj->peer.id);
	else if (err)
		commit_core_failed("peer reset", pj->peer.id, err);
	if (err) {
		reply_status(job->call, &st);
		return;
	}
	commit_log(job, pj->soft ? "BGP peer soft reset" : "BGP peer reset", "peer_id",
		   pj->peer.id);
	reply_empty(job->call);
}

/* A new peer's id: its hex part is the core's handle, unique against the live core too,
 * where a peer removed earlier in this batch still exists until its finish runs. */
static void new_peer(struct commit_batch *b, const Vbr__V1__CreateBgpPeerRequest *req,
		     uint32_t ip, struct vbr_peer *p)
{
	const struct vbr_model *m = commit_model(b);
	memset(p, 0, sizeof(*p));
	do
		p->num = model_random_num();
	while (model_peer_by_num(m, p->num) || model_peer_by_num(&commit_daemon(b)->model, p->num));
	model_id_format(p->id, sizeof(p->id), "bgpp-", p->num);
	snprintf(p->group_id, sizeof(p->group_id), "%s", req->group_id);
	p->ip = ip;
	snprintf(p->description, sizeof(p->description), "%s", req->description);
	p->admin_down = req->admin_down;
	p->enable_bfd = req->enable_bfd;
	p->create_time_ms = bgp_now_ms();
}

static grpc_status_code check_create(struct commit_batch *b,
				     const Vbr__V1__CreateBgpPeerRequest *req, uint32_t ip,
				     struct vbr_status *st)
{
	const struct vbr_model *m = commit_model(b);
	const struct vbr_peer *dup = model_peer_by_ip(m, ip);
	uint32_t max = commit_daemon(b)->config->max_peers;
	if (!model_group(m, req->group_id))
		return vbr_status_set(st, GRPC_STATUS_NOT_FOUND, "group_id: BGP group %s not found",
				      req->group_id);
	if (dup)
		return vbr_status_set(st, GRPC_STATUS_ALREADY_EXISTS,
				      "peer_ip: a BGP peer with address %s already exists (%s)",
				      req->peer_ip, dup->id);
	if (m->n_peers >= max)
		return vbr_status_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED,
				      "peers: the router already has the maximum of %u BGP peers",
				      max);
	st->code = GRPC_STATUS_OK;
	return GRPC_STATUS_OK;
}

void mut_create_peer(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__CreateBgpPeerRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st;
	uint32_t ip;
	if (vbr_validate_create_peer(req, &ip, &st)) {
		reply_status(call, &st);
		return;
	}
	if (commit_replay(b, call, req->request_id))
		return;
	struct vbr_peer p;
	struct bgp_peer_config cfg;
	if (check_create(b, req, ip, &st) == GRPC_STATUS_OK)
		new_peer(b, req, ip, &p);
	if (st.code != GRPC_STATUS_OK || mut_peer_config(&p, model_group(m, p.group_id), &cfg, &st)) {
		reply_status(call, &st);
		return;
	}
	/* The first reply shows the peer as created: Idle, no session yet. */
	struct bgp_peer_status idle = {.state = BGP_STATE_IDLE};
	struct pb_peer pb;
	convert_peer(&p, model_group(m, p.group_id)->peer_asn, &idle, &pb);
	if (model_add_peer(m, &p) != 0) {
		reply_out_of_memory(call);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_create, true, &p);
	if (!job || !commit_job_reply(job, req->request_id, &pb.msg.base))
		model_remove_peer(m, p.id); /* answered out of memory; nothing of it is written */
}

static grpc_status_code apply_mask(const struct vbr_model *m, const struct vbr_peer *cur,
				   const Vbr__V1__UpdateBgpPeerRequest *req, unsigned mask,
				   struct vbr_peer *p, struct vbr_status *st)
{
	*p = *cur;
	if ((mask & VBR_PEER_GROUP_ID) && !model_group(m, req->group_id))
		return vbr_status_set(st, GRPC_STATUS_NOT_FOUND, "group_id: BGP group %s not found",
				      req->group_id);
	if (mask & VBR_PEER_GROUP_ID)
		snprintf(p->group_id, sizeof(p->group_id), "%s", req->group_id);
	if (mask & VBR_PEER_DESCRIPTION)
		snprintf(p->description, sizeof(p->description), "%s", req->description);
	if (mask & VBR_PEER_ADMIN_DOWN)
		p->admin_down = req->admin_down;
	if (mask & VBR_PEER_ENABLE_BFD)
		p->enable_bfd = req->enable_bfd;
	struct bgp_peer_config cfg;
	return mut_peer_config(p, model_group(m, p->group_id), &cfg, st);
}

void mut_update_peer(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__UpdateBgpPeerRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st = {.code = GRPC_STATUS_OK};
	unsigned mask;
	struct vbr_peer p;
	struct vbr_peer *cur = NULL;
	if (vbr_validate_update_peer(req, &mask, &st) == GRPC_STATUS_OK &&
	    commit_replay(b, call, req->request_id))
		return;
	if (st.code == GRPC_STATUS_OK && !(cur = model_peer(m, req->id)))
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", req->id);
	if (st.code == GRPC_STATUS_OK)
		apply_mask(m, cur, req, mask, &p, &st);
	if (st.code != GRPC_STATUS_OK) {
		reply_status(call, &st);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_update, true, &p);
	struct pb_peer pb;
	struct bgp_peer_status status;
	convert_live_peer(commit_daemon(b)->speaker, commit_model(b), &p, &pb, &status);
	if (job && commit_job_remember(job, req->request_id, &pb.msg.base))
		*cur = p;
}

/* Validates an id naming a peer of the batch's model; NULL with st set otherwise. */
static const struct vbr_peer *existing_peer(struct commit_batch *b, const char *id,
					    struct vbr_status *st)
{
	if (vbr_check_id("id", id, "bgpp-", st))
		return NULL;
	const struct vbr_peer *p = model_peer(commit_model(b), id);
	if (!p)
		vbr_status_set(st, GRPC_STATUS_NOT_FOUND, "BGP peer %s not found", id);
	return p;
}

void mut_delete_peer(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__DeleteBgpPeerRequest *req)
{
	struct vbr_status st;
	if (vbr_check_request_id(req->request_id, &st) == GRPC_STATUS_OK &&
	    vbr_check_id("id", req->id, "bgpp-", &st) == GRPC_STATUS_OK &&
	    commit_replay(b, call, req->request_id))
		return;
	const struct vbr_peer *cur = st.code == GRPC_STATUS_OK ? existing_peer(b, req->id, &st) : NULL;
	if (!cur) {
		reply_status(call, &st);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_delete, true, cur);
	if (!job || !commit_job_remember_empty(job, req->request_id))
		return;
	struct bgp_peer_status status;
	job_peer(job)->old_state =
	    bgp_speaker_peer_status(commit_daemon(b)->speaker, cur->num, &status) == 0
		? (int)status.state
		: BGP_STATE_IDLE;
	model_remove_peer(commit_model(b), cur->id);
}

void mut_reset_peer(struct commit_batch *b, struct rpc_call *call,
		    const Vbr__V1__ResetBgpPeerRequest *req)
{
	struct vbr_status st;
	const struct vbr_peer *p = NULL;
	if (vbr_validate_reset_peer(req, &st) == GRPC_STATUS_OK)
		p = existing_peer(b, req->id, &st);
	if (!p) {
		reply_status(call, &st);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_reset, false, p);
	if (!job)
		return;
	job_peer(job)->soft = req->soft;
	snprintf(job_peer(job)->message, sizeof(job_peer(job)->message), "%s", req->message);
}
