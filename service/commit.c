/*
 * commit: see commit.h. A batch is the calls that were waiting when it started; its jobs are a
 * list in arrival order; the write runs in the thread pool, everything else on the loop.
 */
#include "commit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/empty.pb-c.h"
#include "log.h"
#include "reply.h"

struct commit_batch {
	uv_work_t work;
	struct vbrd *d;
	struct vbr_model next; /* the live model plus every job of the batch so far */
	struct commit_job *jobs, *last;
	bool needs_write;
	struct vbr_request *extras; /* request_id replies to store with it */
	size_t n_extras;
	int err;
};

struct queued_call {
	struct rpc_call *call;
	void (*validate)(struct commit_batch *b, struct rpc_call *call);
	struct queued_call *next;
};

struct vbr_model *commit_model(struct commit_batch *b)
{
	return &b->next;
}

struct vbrd *commit_daemon(struct commit_batch *b)
{
	return b->d;
}

struct commit_job *commit_job_add(struct commit_batch *b, struct rpc_call *call,
				  commit_finish_fn finish, bool writes, size_t data_size)
{
	struct commit_job *job = calloc(1, sizeof(*job) + data_size);
	if (!job) {
		reply_out_of_memory(call);
		return NULL;
	}
	job->call = call;
	job->finish = finish;
	job->writes = writes;
	snprintf(job->method, sizeof(job->method), "%s", vbr_method_name(rpc_call_method(call)));
	if (b->last)
		b->last->next_job = job;
	else
		b->jobs = job;
	b->last = job;
	b->needs_write |= writes;
	return job;
}

bool commit_job_reply(struct commit_job *job, const char *request_id,
		      const ProtobufCMessage *reply)
{
	size_t len = protobuf_c_message_get_packed_size(reply);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		/* The job stays (it is in the batch) but answers with the error instead. */
		job->finish = NULL;
		return false;
	}
	protobuf_c_message_pack(reply, buf);
	job->reply = buf;
	job->reply_len = len;
	snprintf(job->request_id, sizeof(job->request_id), "%s", request_id ? request_id : "");
	job->remember = job->request_id[0] != '\0';
	return true;
}

bool commit_job_remember(struct commit_job *job, const char *request_id,
			 const ProtobufCMessage *reply)
{
	return !request_id || !request_id[0] || commit_job_reply(job, request_id, reply);
}

bool commit_job_remember_empty(struct commit_job *job, const char *request_id)
{
	Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
	return commit_job_remember(job, request_id, &empty.base);
}

static void replay_finish(struct vbrd *d, struct commit_job *job)
{
	(void)d;
	vbr_log(VBR_LOG_INFO, "request replayed", "method", job->method, "call_id",
		rpc_call_id(job->call), "request_id", job->first->request_id, NULL);
	rpc_reply_packed(job->call, job->first->reply, job->first->reply_len);
}

bool commit_replay(struct commit_batch *b, struct rpc_call *call, const char *request_id)
{
	if (!request_id || !request_id[0])
		return false;
	const char *method = vbr_method_name(rpc_call_method(call));
	for (const struct commit_job *j = b->jobs; j; j = j->next_job) {
		if (j->remember && strcmp(j->method, method) == 0 &&
		    strcmp(j->request_id, request_id) == 0) {
			struct commit_job *job = commit_job_add(b, call, replay_finish, false, 0);
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

void commit_reply(struct commit_job *job, const ProtobufCMessage *reply)
{
	if (job->reply)
		rpc_reply_packed(job->call, job->reply, job->reply_len);
	else
		rpc_reply(job->call, GRPC_STATUS_OK, NULL, reply);
}

void commit_reply_empty(struct commit_job *job)
{
	Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
	commit_reply(job, &empty.base);
}

void commit_log(const struct commit_job *job, const char *what, const char *key,
		const char *value)
{
	vbr_log(VBR_LOG_INFO, what, "method", job->method, "call_id", rpc_call_id(job->call), key,
		value, "request_id", job->request_id, NULL);
}

_Noreturn void commit_core_failed(const char *what, const char *id, int err)
{
	vbr_log(VBR_LOG_ERROR, "the BGP core refused a change already written: exiting so the "
		"restart rebuilds it from the state file", "what", what, "id", id, "error",
		strerror(-err), NULL);
	abort();
}

/* ---- batches ---- */

static void run_queue(struct vbrd *d, struct queued_call *first);

static void fail_all(struct commit_batch *b)
{
	struct vbrd *d = b->d;
	char msg[400];
	vbr_log(VBR_LOG_ERROR, "state write failed", "file", store_path(d->store), "error",
		strerror(-b->err), NULL);
	snprintf(msg, sizeof(msg), "state: cannot write %s: %s; nothing was changed",
		 store_path(d->store), strerror(-b->err));
	for (struct commit_job *j = b->jobs; j; j = j->next_job)
		rpc_reply(j->call, GRPC_STATUS_UNAVAILABLE, msg, NULL);
}

static void go_live(struct commit_batch *b)
{
	struct vbrd *d = b->d;
	if (b->needs_write) {
		model_commit(&d->model, &b->next);
		for (const struct commit_job *j = b->jobs; j; j = j->next_job)
			if (j->remember)
				model_add_request(&d->model, j->method, j->request_id, j->reply,
						  j->reply_len);
		/* Once per batch, before any reply or event: a client reacting to either finds
		 * the change in every read. */
		vbrd_refresh_snapshot(d);
	}
	for (struct commit_job *j = b->jobs; j; j = j->next_job) {
		if (j->finish)
			j->finish(d, j);
		else
			reply_out_of_memory(j->call);
	}
}

/* Every job answered; the batch freed; the next batch starts if calls are waiting. */
static void batch_done(struct commit_batch *b)
{
	struct vbrd *d = b->d;
	if (b->err)
		fail_all(b);
	else
		go_live(b);
	model_free_clone(&b->next);
	for (struct commit_job *j = b->jobs, *next; j; j = next) {
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
	struct commit_batch *b = work->data;
	b->err = store_save(b->d->store, &b->next, b->extras, b->n_extras);
}

static void write_done(uv_work_t *work, int status)
{
	struct commit_batch *b = work->data;
	if (status != 0 && !b->err)
		b->err = status;
	batch_done(b);
}

static void start_write(struct commit_batch *b)
{
	size_t n = 0;
	for (const struct commit_job *j = b->jobs; j; j = j->next_job)
		n += j->remember;
	b->extras = calloc(n + 1, sizeof(*b->extras));
	if (!b->extras) {
		b->err = -ENOMEM;
		batch_done(b);
		return;
	}
	for (const struct commit_job *j = b->jobs; j; j = j->next_job) {
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

/* ---- the queue ---- */

static struct queued_call *pop(struct vbrd *d)
{
	struct queued_call *q = d->queue_head;
	if (!q)
		return NULL;
	d->queue_head = q->next;
	if (!d->queue_head)
		d->queue_tail = NULL;
	return q;
}

/* One batch from `first` (may be NULL) and every call waiting. */
static void run_queue(struct vbrd *d, struct queued_call *first)
{
	struct commit_batch *b = calloc(1, sizeof(*b));
	if (b && model_clone(&d->model, &b->next) != 0) {
		free(b);
		b = NULL;
	}
	if (b)
		b->d = d;
	for (struct queued_call *q = first ? first : pop(d); q; q = pop(d)) {
		if (b)
			q->validate(b, q->call);
		else
			reply_out_of_memory(q->call);
		if (q != first)
			free(q);
	}
	if (!b)
		return;
	if (b->needs_write)
		start_write(b);
	else
		batch_done(b); /* resets and replays only: nothing to write */
}

void commit_call(struct vbrd *d, struct rpc_call *call,
		 void (*validate)(struct commit_batch *b, struct rpc_call *call))
{
	if (!d->write_busy) {
		struct queued_call now = {.call = call, .validate = validate};
		run_queue(d, &now);
		return;
	}
	struct queued_call *q = malloc(sizeof(*q));
	if (!q) {
		reply_out_of_memory(call);
		return;
	}
	*q = (struct queued_call){.call = call, .validate = validate};
	if (d->queue_tail)
		d->queue_tail->next = q;
	else
		d->queue_head = q;
	d->queue_tail = q;
}
