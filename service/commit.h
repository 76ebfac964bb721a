/*
 * commit: the service's commit engine. Loop thread.
 *
 * Mutations are validated in arrival order into a batch: each sees the batch's "next" model
 * (the live model plus every earlier mutation of the batch). A mutation that passes becomes a
 * job; one that fails replies at once and adds none. One durable write (libuv's thread pool:
 * temp file, fdatasync, rename, fsync of the folder) covers the whole batch (group commit);
 * while it is in flight, later calls wait in a FIFO. When it completes:
 *   - written: the next model goes live (model_commit), the read snapshot is rebuilt once, and
 *     each job's finish runs in order (apply to the BGP core, events, log, reply);
 *   - not written: every job of the batch fails with UNAVAILABLE naming the file, and none
 *     runs (a ResetBgpPeer included: it was validated against state that never came true).
 *
 * No OK hides a refusal: an operation checks, before its job is added, every rule the BGP core
 * would apply (bgp_speaker_peer_config_check and the model, which mirrors the core), so the
 * core cannot refuse a written change. If it does anyway, that is a broken invariant or an
 * allocation failure: commit_core_failed() ends the process loudly, and the restart rebuilds
 * the core from the state file, so disk and the running router never disagree.
 *
 * The per-resource operations (mut_group.c, mut_peer.c, mut_network.c) use this API only.
 */
#ifndef VBR_SERVICE_COMMIT_H
#define VBR_SERVICE_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "daemon.h"

struct commit_batch;
struct commit_job;

/* Runs with the batch's model live, in job order: apply, events, log, then reply. */
typedef void (*commit_finish_fn)(struct vbrd *d, struct commit_job *job);

/* What every job carries; the operation's own data follows in `data`. */
struct commit_job {
	struct rpc_call *call;
	commit_finish_fn finish;
	bool writes;   /* changes the state file (not a reset or a replay) */
	bool remember; /* keep `reply` for request_id */
	char method[32];
	char request_id[VBR_REQUEST_ID_MAX + 1];
	uint8_t *reply; /* packed first reply, for request_id */
	size_t reply_len;
	const struct commit_job *first; /* a replay: the job whose reply it repeats */
	struct commit_job *next_job;
	_Alignas(max_align_t) unsigned char data[];
};

/* The batch's next model, which operations validate against and change. */
struct vbr_model *commit_model(struct commit_batch *b);
struct vbrd *commit_daemon(struct commit_batch *b);

/* Adds a job with `data_size` zeroed bytes of the operation's own; NULL (and the call answered
 * RESOURCE_EXHAUSTED) when out of memory. */
struct commit_job *commit_job_add(struct commit_batch *b, struct rpc_call *call,
				  commit_finish_fn finish, bool writes, size_t data_size);
/* Packs `reply` as the job's answer, kept for `request_id` when one is given. The job owns it.
 * Returns false (call answered) when out of memory. */
bool commit_job_reply(struct commit_job *job, const char *request_id,
		      const ProtobufCMessage *reply);

/* Updates and deletes: with a request_id, keeps `reply` (built before the write, so it is
 * stored with it) as the answer a retry gets; without one, the finish builds its own reply.
 * Returns false (call answered) when out of memory. */
bool commit_job_remember(struct commit_job *job, const char *request_id,
			 const ProtobufCMessage *reply);
/* The same with google.protobuf.Empty, the reply of every delete. */
bool commit_job_remember_empty(struct commit_job *job, const char *request_id);

/*
 * A retry with a request_id already answered gets the first reply: from the stored replies,
 * or, when the first is in this same batch, as a job that repeats it once written. Returns
 * true when the call is taken care of.
 */
bool commit_replay(struct commit_batch *b, struct rpc_call *call, const char *request_id);

/* Replies to a finished job: its kept reply, or `reply` when it kept none. */
void commit_reply(struct commit_job *job, const ProtobufCMessage *reply);
void commit_reply_empty(struct commit_job *job);

/* Logs a mutation at info with its method, call id and request id. */
void commit_log(const struct commit_job *job, const char *what, const char *key,
		const char *value);

/* The BGP core refused a change already written (see above): logs and aborts. */
_Noreturn void commit_core_failed(const char *what, const char *id, int err);

/* The queue: runs the call now, or after the write in flight. */
void commit_call(struct vbrd *d, struct rpc_call *call,
		 void (*validate)(struct commit_batch *b, struct rpc_call *call));

#endif
