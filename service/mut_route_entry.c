/*
 * mut_route_entry: CreateRouteEntry and DeleteRouteEntry, the static entries of the route
 * table. The model's entries mirror the core's (one per prefix, the same handles), so the core
 * cannot refuse a change validated here (commit.h).
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "mut.h"
#include "reply.h"

static struct vbr_route_entry *job_entry(struct commit_job *job)
{
	return (struct vbr_route_entry *)(void *)job->data;
}

static struct commit_job *add_job(struct commit_batch *b, struct rpc_call *call,
				  commit_finish_fn finish, const struct vbr_route_entry *e)
{
	struct commit_job *job = commit_job_add(b, call, finish, true, sizeof(*e));
	if (job)
		*job_entry(job) = *e;
	return job;
}

static void finish_create(struct vbrd *d, struct commit_job *job)
{
	const struct vbr_route_entry *e = job_entry(job);
	int err = bgp_speaker_static_add(d->speaker, e->num, e->prefix, e->len, e->next_hop);
	if (err)
		commit_core_failed("static route add", e->id, err);
	commit_log(job, "route entry created", "route_entry_id", e->id);
	commit_reply(job, NULL);
}

static void finish_delete(struct vbrd *d, struct commit_job *job)
{
	const struct vbr_route_entry *e = job_entry(job);
	int err = bgp_speaker_static_remove(d->speaker, e->num);
	if (err)
		commit_core_failed("static route remove", e->id, err);
	commit_log(job, "route entry deleted", "route_entry_id", e->id);
	reply_empty(job->call);
}

/* The reply of a create: the entry before the core has it (installed=false, with the reason
 * the route table gives for it now: on its way to the kernel, --fib off, an off-link next hop;
 * ListRouteEntries and WatchRouteEvents show the outcome). */
static bool remember_reply(struct commit_batch *b, struct commit_job *job,
			   const struct vbr_route_entry *e, const char *request_id)
{
	struct bgp_route_entry_view v;
	bgp_speaker_static_preview(commit_daemon(b)->speaker, e->num, e->prefix, e->len,
				   e->next_hop, &v);
	struct route_entry_names names = {.id = e->id,
					  .description = e->description,
					  .create_time_ms = e->create_time_ms};
	struct pb_route_entry pb;
	convert_route_entry(&v, &names, &pb);
	return commit_job_reply(job, request_id, &pb.msg.base);
}

static grpc_status_code check_create(struct commit_batch *b, const char *cidr, uint32_t prefix,
				     uint8_t len, struct vbr_status *st)
{
	const struct vbr_model *m = commit_model(b);
	const struct vbr_route_entry *dup = model_route_entry_at(m, prefix, len);
	uint32_t max = commit_daemon(b)->config->max_route_entries;
	if (dup)
		return vbr_status_set(st, GRPC_STATUS_ALREADY_EXISTS,
				      "destination_cidr: a route entry for %s already exists (%s)",
				      cidr, dup->id);
	if (m->n_route_entries >= max)
		return vbr_status_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED,
				      "route_entries: the router already has the maximum of %u "
				      "static route entries (--max-route-entries)",
				      max);
	st->code = GRPC_STATUS_OK;
	return GRPC_STATUS_OK;
}

static void new_entry(struct commit_batch *b, const Vbr__V1__CreateRouteEntryRequest *req,
		      struct vbr_route_entry *e)
{
	const struct vbr_model *m = commit_model(b);
	/* Unique against the live model too: an entry deleted earlier in this batch still holds
	 * its handle in the core until that delete's finish runs. */
	do
		e->num = model_random_num();
	while (model_route_entry_by_num(m, e->num) ||
	       model_route_entry_by_num(&commit_daemon(b)->model, e->num));
	model_id_format(e->id, sizeof(e->id), "rte-", e->num);
	snprintf(e->description, sizeof(e->description), "%s", req->description);
	e->create_time_ms = bgp_now_ms();
}

void mut_create_route_entry(struct commit_batch *b, struct rpc_call *call,
			    const Vbr__V1__CreateRouteEntryRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st;
	struct vbr_route_entry e;
	memset(&e, 0, sizeof(e));
	if (vbr_validate_create_route_entry(req, &e.prefix, &e.len, &e.next_hop, &st)) {
		reply_status(call, &st);
		return;
	}
	if (commit_replay(b, call, req->request_id))
		return;
	if (check_create(b, req->destination_cidr, e.prefix, e.len, &st)) {
		reply_status(call, &st);
		return;
	}
	new_entry(b, req, &e);
	if (model_add_route_entry(m, &e) != 0) {
		reply_out_of_memory(call);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_create, &e);
	if (!job || !remember_reply(b, job, job_entry(job), req->request_id))
		model_remove_route_entry(m, e.id); /* answered out of memory; nothing written */
}

void mut_delete_route_entry(struct commit_batch *b, struct rpc_call *call,
			    const Vbr__V1__DeleteRouteEntryRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st;
	if (vbr_check_id("id", req->id, "rte-", &st) || vbr_check_request_id(req->request_id, &st)) {
		reply_status(call, &st);
		return;
	}
	if (commit_replay(b, call, req->request_id))
		return;
	const struct vbr_route_entry *e = model_route_entry(m, req->id);
	if (!e) {
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "route entry %s not found", req->id);
		reply_status(call, &st);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_delete, e);
	if (job && commit_job_remember_empty(job, req->request_id))
		model_remove_route_entry(m, req->id);
}
