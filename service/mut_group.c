/*
 * mut_group: CreateBgpGroup, UpdateBgpGroup, DeleteBgpGroup. A group exists only in the
 * service: the core hears of it through its peers' flattened configs.
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "mut.h"
#include "reply.h"

/* The group as this mutation left it (a later job of the batch may change it again). */
static struct vbr_group *job_group(struct commit_job *job)
{
	return (struct vbr_group *)(void *)job->data;
}

static struct commit_job *add_job(struct commit_batch *b, struct rpc_call *call,
				  commit_finish_fn finish, const struct vbr_group *g)
{
	struct commit_job *job = commit_job_add(b, call, finish, true, sizeof(*g));
	if (job)
		*job_group(job) = *g;
	return job;
}

static void finish_create(struct vbrd *d, struct commit_job *job)
{
	(void)d;
	commit_log(job, "BGP group created", "group_id", job_group(job)->id);
	commit_reply(job, NULL);
}

static void finish_update(struct vbrd *d, struct commit_job *job)
{
	const struct vbr_group *g = job_group(job);
	/* The core gets what the whole batch left; the reply shows what this job left. */
	for (size_t i = 0; i < d->model.n_peers; i++)
		if (strcmp(d->model.peers[i].group_id, g->id) == 0)
			mut_apply_peer(d, &d->model.peers[i], false);
	commit_log(job, "BGP group updated", "group_id", g->id);
	struct pb_group pb;
	convert_group(g, g->auth_key[0] != '\0', (uint32_t)model_group_peer_count(&d->model, g->id),
		      &pb);
	commit_reply(job, &pb.msg.base);
}

static void finish_delete(struct vbrd *d, struct commit_job *job)
{
	(void)d;
	commit_log(job, "BGP group deleted", "group_id", job_group(job)->id);
	commit_reply_empty(job);
}

static grpc_status_code check_name_free(const struct vbr_model *m, const char *name,
					const struct vbr_group *self, struct vbr_status *st)
{
	const struct vbr_group *dup = model_group_by_name(m, name);
	if (dup && dup != self)
		return vbr_status_set(st, GRPC_STATUS_ALREADY_EXISTS,
				      "name: a BGP group named \"%s\" already exists (%s)", name,
				      dup->id);
	return GRPC_STATUS_OK;
}

static void new_group(const struct vbr_model *m, const Vbr__V1__CreateBgpGroupRequest *req,
		      const struct vbr_group_values *v, struct vbr_group *g)
{
	memset(g, 0, sizeof(*g));
	do
		model_id_format(g->id, sizeof(g->id), "bgpg-", model_random_num());
	while (model_group(m, g->id));
	snprintf(g->name, sizeof(g->name), "%s", req->name);
	g->peer_asn = req->peer_asn;
	g->local_asn = req->local_asn;
	snprintf(g->auth_key, sizeof(g->auth_key), "%s", req->auth_key);
	snprintf(g->description, sizeof(g->description), "%s", req->description);
	g->route_limit = v->route_limit;
	g->hold_time = v->hold_time;
	g->keepalive_time = v->keepalive_time;
	g->route_limit_action = req->route_limit_action;
	g->bfd_min_interval_ms = v->bfd_min_interval_ms;
	g->bfd_detect_multiplier = v->bfd_detect_multiplier;
	g->graceful_restart = v->graceful_restart;
	g->restart_time = v->restart_time;
	g->create_time_ms = bgp_now_ms();
}

void mut_create_group(struct commit_batch *b, struct rpc_call *call,
		      const Vbr__V1__CreateBgpGroupRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st = {.code = GRPC_STATUS_OK};
	struct vbr_group_values v;
	if (vbr_validate_create_group(req, commit_daemon(b)->config->local_asn, &v, &st)) {
		reply_status(call, &st);
		return;
	}
	if (commit_replay(b, call, req->request_id))
		return;
	if (check_name_free(m, req->name, NULL, &st) == GRPC_STATUS_OK &&
	    m->n_groups >= VBR_MAX_GROUPS)
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "groups: the router already has the maximum of %d BGP groups",
			       VBR_MAX_GROUPS);
	if (st.code != GRPC_STATUS_OK) {
		reply_status(call, &st);
		return;
	}
	struct vbr_group g;
	new_group(m, req, &v, &g);
	struct pb_group pb;
	convert_group(&g, g.auth_key[0] != '\0', 0, &pb);
	if (model_add_group(m, &g) != 0) {
		reply_out_of_memory(call);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_create, &g);
	if (!job || !commit_job_reply(job, req->request_id, &pb.msg.base))
		model_remove_group(m, g.id); /* answered out of memory; nothing of it is written */
}

/* The group after the fields the mask names; st set when a rule fails. */
static grpc_status_code apply_mask(const struct vbr_model *m, const struct vbr_group *cur,
				   const Vbr__V1__UpdateBgpGroupRequest *req, unsigned mask,
				   uint32_t router_asn, struct vbr_group *g, struct vbr_status *st)
{
	*g = *cur;
	if ((mask & VBR_GROUP_NAME) && check_name_free(m, req->name, cur, st))
		return st->code;
	if (mask & VBR_GROUP_NAME)
		snprintf(g->name, sizeof(g->name), "%s", req->name);
	if (mask & VBR_GROUP_PEER_ASN)
		g->peer_asn = req->peer_asn;
	if (mask & VBR_GROUP_AUTH_KEY)
		snprintf(g->auth_key, sizeof(g->auth_key), "%s", req->auth_key);
	if (mask & VBR_GROUP_DESCRIPTION)
		snprintf(g->description, sizeof(g->description), "%s", req->description);
	if (mask & VBR_GROUP_ROUTE_LIMIT)
		g->route_limit = req->route_limit;
	if (mask & VBR_GROUP_HOLD_TIME)
		g->hold_time = req->hold_time;
	if (mask & VBR_GROUP_KEEPALIVE_TIME)
		g->keepalive_time = req->keepalive_time;
	if (mask & VBR_GROUP_ROUTE_LIMIT_ACTION)
		g->route_limit_action = req->route_limit_action;
	if (mask & VBR_GROUP_LOCAL_ASN)
		g->local_asn = req->local_asn;
	if (mask & VBR_GROUP_BFD_MIN_INTERVAL)
		g->bfd_min_interval_ms = req->bfd_min_interval_ms;
	if (mask & VBR_GROUP_BFD_MULTIPLIER)
		g->bfd_detect_multiplier = req->bfd_detect_multiplier;
	if (mask & VBR_GROUP_GRACEFUL_RESTART)
		g->graceful_restart = req->graceful_restart;
	if (mask & VBR_GROUP_RESTART_TIME)
		g->restart_time = req->restart_time;
	if (vbr_check_timers(g->hold_time, g->keepalive_time, st))
		return st->code;
	/* The pair as the update leaves it: eBGP only, against the group's own local ASN. */
	if ((mask & (VBR_GROUP_PEER_ASN | VBR_GROUP_LOCAL_ASN)) &&
	    vbr_check_peer_asn((mask & VBR_GROUP_PEER_ASN) ? "peer_asn" : "local_asn",
			       g->peer_asn, g->local_asn ? g->local_asn : router_asn, st))
		return st->code;
	/* Every peer of the group must still be a config the core accepts. */
	struct bgp_peer_config cfg;
	for (size_t i = 0; i < m->n_peers; i++)
		if (strcmp(m->peers[i].group_id, g->id) == 0 &&
		    mut_peer_config(&m->peers[i], g, &cfg, st))
			return st->code;
	return GRPC_STATUS_OK;
}

void mut_update_group(struct commit_batch *b, struct rpc_call *call,
		      const Vbr__V1__UpdateBgpGroupRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st = {.code = GRPC_STATUS_OK};
	unsigned mask;
	if (vbr_validate_update_group(req, &mask, &st)) {
		reply_status(call, &st);
		return;
	}
	if (commit_replay(b, call, req->request_id))
		return;
	struct vbr_group *cur = model_group(m, req->id);
	struct vbr_group g;
	if (!cur)
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
	if (!cur ||
	    apply_mask(m, cur, req, mask, commit_daemon(b)->config->local_asn, &g, &st)) {
		reply_status(call, &st);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_update, &g);
	struct pb_group pb;
	convert_group(&g, g.auth_key[0] != '\0', (uint32_t)model_group_peer_count(m, g.id), &pb);
	if (job && commit_job_remember(job, req->request_id, &pb.msg.base))
		*cur = g;
}

void mut_delete_group(struct commit_batch *b, struct rpc_call *call,
		      const Vbr__V1__DeleteBgpGroupRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st = {.code = GRPC_STATUS_OK};
	if (vbr_check_id("id", req->id, "bgpg-", &st) ||
	    vbr_check_request_id(req->request_id, &st)) {
		reply_status(call, &st);
		return;
	}
	if (commit_replay(b, call, req->request_id))
		return;
	const struct vbr_group *g = model_group(m, req->id);
	size_t peers = g ? model_group_peer_count(m, req->id) : 0;
	if (!g)
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "BGP group %s not found", req->id);
	else if (peers)
		vbr_status_set(&st, GRPC_STATUS_FAILED_PRECONDITION,
			       "BGP group %s still has %zu peer(s); delete them first", req->id,
			       peers);
	if (!g || peers) {
		reply_status(call, &st);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_delete, g);
	if (job && commit_job_remember_empty(job, req->request_id))
		model_remove_group(m, req->id);
}
