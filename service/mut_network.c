/*
 * mut_network: AddBgpNetwork and DeleteBgpNetwork. The model's networks mirror the core's, so
 * the core cannot refuse a change validated here (commit.h).
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "mut.h"
#include "reply.h"

struct network_job {
	struct vbr_network network;
	char cidr[20];
};

static struct network_job *job_network(struct commit_job *job)
{
	return (struct network_job *)(void *)job->data;
}

static struct commit_job *add_job(struct commit_batch *b, struct rpc_call *call,
				  commit_finish_fn finish, const struct vbr_network *n)
{
	struct commit_job *job = commit_job_add(b, call, finish, true, sizeof(struct network_job));
	if (job) {
		job_network(job)->network = *n;
		struct pb_network pb;
		convert_network(n, &pb);
		snprintf(job_network(job)->cidr, sizeof(job_network(job)->cidr), "%s", pb.cidr);
	}
	return job;
}

static void finish_add(struct vbrd *d, struct commit_job *job)
{
	const struct network_job *nj = job_network(job);
	int err = bgp_speaker_network_add(d->speaker, nj->network.prefix, nj->network.len);
	if (err)
		commit_core_failed("network add", nj->cidr, err);
	commit_log(job, "BGP network added", "cidr", nj->cidr);
	commit_reply(job, NULL);
}

static void finish_delete(struct vbrd *d, struct commit_job *job)
{
	const struct network_job *nj = job_network(job);
	int err = bgp_speaker_network_remove(d->speaker, nj->network.prefix, nj->network.len);
	if (err)
		commit_core_failed("network remove", nj->cidr, err);
	commit_log(job, "BGP network deleted", "cidr", nj->cidr);
	commit_reply_empty(job);
}

void mut_add_network(struct commit_batch *b, struct rpc_call *call,
		     const Vbr__V1__AddBgpNetworkRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st;
	struct vbr_network n = {.create_time_ms = bgp_now_ms()};
	if (vbr_validate_add_network(req, &n.prefix, &n.len, &st)) {
		reply_status(call, &st);
		return;
	}
	if (commit_replay(b, call, req->request_id))
		return;
	uint32_t max = commit_daemon(b)->config->max_networks;
	if (model_network(m, n.prefix, n.len))
		vbr_status_set(&st, GRPC_STATUS_ALREADY_EXISTS, "cidr: %s is already advertised",
			       req->cidr);
	else if (m->n_networks >= max)
		vbr_status_set(&st, GRPC_STATUS_RESOURCE_EXHAUSTED,
			       "networks: the router already advertises the maximum of %u networks",
			       max);
	if (st.code != GRPC_STATUS_OK) {
		reply_status(call, &st);
		return;
	}
	if (model_add_network(m, &n) != 0) {
		reply_out_of_memory(call);
		return;
	}
	struct pb_network pb;
	convert_network(&n, &pb);
	struct commit_job *job = add_job(b, call, finish_add, &n);
	if (!job || !commit_job_reply(job, req->request_id, &pb.msg.base))
		model_remove_network(m, n.prefix, n.len); /* answered out of memory */
}

void mut_delete_network(struct commit_batch *b, struct rpc_call *call,
			const Vbr__V1__DeleteBgpNetworkRequest *req)
{
	struct vbr_model *m = commit_model(b);
	struct vbr_status st;
	struct vbr_network n = {0};
	if (vbr_check_cidr("cidr", req->cidr, &n.prefix, &n.len, &st) == GRPC_STATUS_OK &&
	    vbr_check_request_id(req->request_id, &st) == GRPC_STATUS_OK &&
	    commit_replay(b, call, req->request_id))
		return;
	if (st.code == GRPC_STATUS_OK && !model_network(m, n.prefix, n.len))
		vbr_status_set(&st, GRPC_STATUS_NOT_FOUND, "cidr: %s is not advertised", req->cidr);
	if (st.code != GRPC_STATUS_OK) {
		reply_status(call, &st);
		return;
	}
	struct commit_job *job = add_job(b, call, finish_delete, &n);
	if (job && commit_job_remember_empty(job, req->request_id))
		model_remove_network(m, n.prefix, n.len);
}
