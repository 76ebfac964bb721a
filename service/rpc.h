/*
 * rpc: the gRPC core server and the hand-off between its completion-queue thread and the
 * libuv loop.
 *
 * One thread runs grpc_completion_queue_next. Every registered method has requests posted
 * with grpc_server_request_registered_call (payload read with the call), and a catch-all
 * grpc_server_request_call answers any other method UNIMPLEMENTED at once.
 *   - read methods (answered_on_cq) go to handlers.on_read on the completion-queue thread;
 *   - everything else, plus stream write completions and stream closes, is queued and
 *     delivered on the loop thread. The thread takes what the completion queue already
 *     holds without blocking (up to a batch) and hands it over with one lock and one
 *     uv_async_send; the loop drains the whole queue. The queue's nodes live in the call.
 * Replies are sent with grpc_call_start_batch from whichever thread holds the call; stream
 * writes are started by writer threads (worker.h), each call always by the same one.
 * grpc.health.v1.Health Check and Watch are answered here.
 */
#ifndef VBR_SERVICE_RPC_H
#define VBR_SERVICE_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <grpc/slice.h>
#include <grpc/status.h>
#include <protobuf-c/protobuf-c.h>
#include <uv.h>

#include "stats.h"

struct rpc_server;
struct rpc_call;

struct rpc_handlers {
	/* Completion-queue thread: a read method. Must call rpc_reply exactly once. */
	void (*on_read)(void *ctx, struct rpc_call *call);
	/* Loop thread: a mutation, ListRoutes or WatchPeerEvents. For unary methods, call
	 * rpc_reply exactly once (now or later). For streams, the loop owns one reference and
	 * drops it with rpc_call_release once it forgets the call. */
	void (*on_call)(void *ctx, struct rpc_call *call);
	/* Loop thread, streams only: the outstanding write completed (ok=false: the call is
	 * gone), or the call ended (client cancelled, deadline, or after our status). */
	void (*on_write_done)(void *ctx, struct rpc_call *call, bool ok);
	void (*on_stream_closed)(void *ctx, struct rpc_call *call);
	/* Loop thread: the server stopped and no call is left (after rpc_shutdown). */
	void (*on_shutdown_done)(void *ctx);
};

struct rpc_config {
	const char *address;	  /* "127.0.0.1:50051", "unix:/path" */
	const char *tls_cert_pem; /* NULL: plaintext */
	const char *tls_key_pem;
	const char *tls_client_ca_pem; /* non-NULL: require a client certificate it signed */
};

/* Binds and starts serving. err gets a readable reason. */
int rpc_start(uv_loop_t *loop, const struct rpc_config *config, const struct rpc_handlers *handlers,
	      void *ctx, struct rpc_server **out, char *err, size_t err_len);
/* Loop thread: stop taking calls; in-flight calls finish; on_shutdown_done when none is left.
 * `grace_ms` later, calls still open are cancelled. */
void rpc_shutdown(struct rpc_server *server, uint64_t grace_ms);
/* Loop thread, after on_shutdown_done: joins the thread and frees everything. */
void rpc_free(struct rpc_server *server);

enum vbr_method rpc_call_method(const struct rpc_call *call);
/* The request message's bytes (empty when the client sent none). */
const uint8_t *rpc_call_request(const struct rpc_call *call, size_t *len);
/* A short id for logs, unique for the process ("c42"). */
const char *rpc_call_id(const struct rpc_call *call);
void rpc_call_set_user(struct rpc_call *call, void *user);
void *rpc_call_user(const struct rpc_call *call);

/* Unary reply: `response` when status is OK (may be NULL for OK only with Empty), else the
 * status message. Consumes the call. */
void rpc_reply(struct rpc_call *call, grpc_status_code status, const char *message,
	       const ProtobufCMessage *response);
/* Unary reply with already packed bytes (request_id replays, snapshot reads). */
void rpc_reply_packed(struct rpc_call *call, const uint8_t *data, size_t len);
/* Unary OK reply of `len` bytes written by fill(arg, out) straight into the send buffer. */
void rpc_reply_fill(struct rpc_call *call, size_t len, void (*fill)(void *arg, uint8_t *out),
		    void *arg);

/* A message packed into a new slice (one reference, the caller's). */
grpc_slice rpc_pack(const ProtobufCMessage *message);

/* Streams (loop thread). One write outstanding at a time: the next after on_write_done.
 * Bytes packed once and shared by many streams: the write takes its own reference to the
 * slice, no copy. `more`: the caller's next write follows at once, so gRPC may hold these
 * bytes (GRPC_WRITE_BUFFER_HINT: the write completes at once, the bytes go with the next
 * write that has no hint, or when its buffer fills); the last write of a run must pass false.
 * The write waits for rpc_stream_flush, which hands what was written since the last one to
 * the writer threads (one lock and one wake-up per thread). A write that cannot start ends
 * the call (INTERNAL) and completes on the loop with ok=false, like one the call could not
 * send: on_write_done is the one place a failure is seen. */
void rpc_stream_write_slice(struct rpc_call *call, grpc_slice bytes, bool more);
void rpc_stream_flush(struct rpc_server *server);
/* Sends the response headers now (if no write did yet), so a client can tell the stream is
 * open — e.g. subscribed — before any message. */
void rpc_stream_open(struct rpc_call *call);
/* Sends the final status. Only on a stream that has never been written to (a refusal): a
 * writer thread may be starting a written stream's write, so that one ends with
 * rpc_stream_abort. */
void rpc_stream_finish(struct rpc_call *call, grpc_status_code status, const char *message);
/* Ends the call now (queued messages dropped), the client still sees status and message. */
void rpc_stream_abort(struct rpc_call *call, grpc_status_code status, const char *message);
void rpc_call_release(struct rpc_call *call);

#endif
