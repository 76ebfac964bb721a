/*
 * rpc: completion-queue thread, call lifetimes, the loop hand-off, the health service.
 *
 * A call is reference counted (atomic: both threads drop references). The owner reference
 * (the handler's) plus one per batch in flight; the last release unrefs the grpc_call and
 * frees it. Tags are structs embedded in the call, so a completion finds its call without a
 * lookup.
 */
#include "rpc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "grpc/health/v1/health.pb-c.h"
#include "log.h"
#include "worker.h"

enum method_kind { K_READ, K_LOOP, K_STREAM, K_HEALTH_CHECK, K_HEALTH_WATCH, K_UNKNOWN };

static const struct {
	const char *path;
	enum vbr_method method;
	enum method_kind kind;
} methods[] = {
#define VBR(name, m, k)                                                                            \
	{                                                                                          \
		"/vbr.v1.VirtualBorderRouter/" name, m, k                                          \
	}
    VBR("GetRouter", VBR_M_GET_ROUTER, K_READ),
    VBR("CreateBgpGroup", VBR_M_CREATE_BGP_GROUP, K_LOOP),
    VBR("GetBgpGroup", VBR_M_GET_BGP_GROUP, K_READ),
    VBR("ListBgpGroups", VBR_M_LIST_BGP_GROUPS, K_READ),
    VBR("UpdateBgpGroup", VBR_M_UPDATE_BGP_GROUP, K_LOOP),
    VBR("DeleteBgpGroup", VBR_M_DELETE_BGP_GROUP, K_LOOP),
    VBR("CreateBgpPeer", VBR_M_CREATE_BGP_PEER, K_LOOP),
    VBR("GetBgpPeer", VBR_M_GET_BGP_PEER, K_READ),
    VBR("ListBgpPeers", VBR_M_LIST_BGP_PEERS, K_READ),
    VBR("UpdateBgpPeer", VBR_M_UPDATE_BGP_PEER, K_LOOP),
    VBR("DeleteBgpPeer", VBR_M_DELETE_BGP_PEER, K_LOOP),
    VBR("ResetBgpPeer", VBR_M_RESET_BGP_PEER, K_LOOP),
    VBR("AddBgpNetwork", VBR_M_ADD_BGP_NETWORK, K_LOOP),
    VBR("ListBgpNetworks", VBR_M_LIST_BGP_NETWORKS, K_READ),
    VBR("DeleteBgpNetwork", VBR_M_DELETE_BGP_NETWORK, K_LOOP),
    VBR("ListRoutes", VBR_M_LIST_ROUTES, K_LOOP),
    VBR("WatchPeerEvents", VBR_M_WATCH_PEER_EVENTS, K_STREAM),
    VBR("WatchRouteEvents", VBR_M_WATCH_ROUTE_EVENTS, K_STREAM),
    VBR("CreateRouteEntry", VBR_M_CREATE_ROUTE_ENTRY, K_LOOP),
    VBR("DeleteRouteEntry", VBR_M_DELETE_ROUTE_ENTRY, K_LOOP),
    VBR("ListRouteEntries", VBR_M_LIST_ROUTE_ENTRIES, K_LOOP),
    VBR("DrainRouter", VBR_M_DRAIN_ROUTER, K_LOOP),
#undef VBR
    {"/grpc.health.v1.Health/Check", VBR_M_HEALTH_CHECK, K_HEALTH_CHECK},
    {"/grpc.health.v1.Health/Watch", VBR_M_HEALTH_WATCH, K_HEALTH_WATCH},
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))
#define CATCH_ALL (-1)

/* Threads that start the event streams' writes. gRPC does a write's transport work (framing,
 * and the sendmsg when the connection is idle) on the thread that starts it: from the loop
 * thread, a burst to 1,000 subscribers held the loop at about 150,000 writes/s and made the
 * burst's latency that rate's. The loop only decides what to write (the hub's state is its
 * own) and queues it; a call always goes to the same writer, so its send batches never run
 * on two threads at once (gRPC requires them serialized). */
#define RPC_WRITERS 2

enum tag_kind { TAG_NEW, TAG_UNARY, TAG_CLOSE, TAG_WRITE, TAG_STATUS, TAG_SHUTDOWN };

struct tag {
	enum tag_kind kind;
	struct rpc_call *call;
};

enum loop_event_kind { EV_CALL, EV_WRITE_DONE, EV_CLOSED, EV_SHUTDOWN };

struct loop_event {
	enum loop_event_kind kind;
	struct rpc_call *call;
	bool ok;
	struct loop_event *next;
};

struct rpc_call {
	struct rpc_server *server;
	atomic_int refs;
	int method_index; /* into methods[], or CATCH_ALL */
	enum vbr_method method;
	enum method_kind kind;
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array metadata;
	grpc_call_details details; /* catch-all only */
	grpc_byte_buffer *payload;
	grpc_slice request; /* the whole request message, one contiguous slice */
	bool has_request;
	uint64_t number; /* for logs; formatted into id only when asked */
	int cancelled;
	bool initial_metadata_sent;
	atomic_bool finished; /* status sent, aborted or cancelled: counted in stats once */
	grpc_byte_buffer *reply_buf;
	grpc_byte_buffer *write_buf;
	grpc_slice status_details;
	bool has_status_details;
	struct tag t_new, t_unary, t_close, t_write, t_status, t_metadata;
	/* Hand-off nodes: a call is handed over at most once as new and once as closed, and has
	 * one write outstanding at a time, so these never need allocating. */
	struct loop_event ev_call, ev_write, ev_closed;
	/* A stream write queued for a writer thread (one outstanding at a time, so one node). */
	struct worker_item queued_write;
	grpc_slice queued_bytes;
	uint32_t queued_flags;
	void *user;
	char id[24];
	struct rpc_call *health_next;
};

struct rpc_server {
	grpc_server *server;
	grpc_completion_queue *cq;
	void *registered[N_METHODS];
	pthread_t thread;
	bool thread_started;
	atomic_bool shutting_down;
	struct tag t_shutdown;
	atomic_uint_fast64_t next_call_id;

	uv_loop_t *loop;
	uv_async_t async;
	uv_timer_t grace_timer;
	int open_handles;
	pthread_mutex_t lock; /* guards the queue and the health watch list */
	struct loop_event *head, *tail;
	/* Completion-queue thread only: events collected while draining the queue, handed over
	 * in one lock and one wake-up (flush_events). */
	struct loop_event *batch_head, *batch_tail;
	size_t batch_n;
	struct loop_event ev_shutdown;
	struct rpc_call *health_watches;
	struct worker *writers[RPC_WRITERS];
	struct worker_batch unflushed[RPC_WRITERS]; /* loop thread only */
	size_t n_writers;

	struct rpc_handlers handlers;
	void *ctx;
};

/* ---- call lifetime ---- */

static void call_ref(struct rpc_call *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

static void call_free(struct rpc_call *c)
{
	if (c->call)
		grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->metadata);
	if (c->method_index == CATCH_ALL)
		grpc_call_details_destroy(&c->details);
	if (c->payload)
		grpc_byte_buffer_destroy(c->payload);
	if (c->reply_buf)
		grpc_byte_buffer_destroy(c->reply_buf);
	if (c->write_buf)
		grpc_byte_buffer_destroy(c->write_buf);
	if (c->has_status_details)
		grpc_slice_unref(c->status_details);
	if (c->has_request)
		grpc_slice_unref(c->request);
	free(c);
}

void rpc_call_release(struct rpc_call *c)
{
	if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
		call_free(c);
}

enum vbr_method rpc_call_method(const struct rpc_call *c)
{
	return c->method;
}

const uint8_t *rpc_call_request(const struct rpc_call *c, size_t *len)
{
	if (!c->has_request) {
		*len = 0;
		return NULL;
	}
	*len = GRPC_SLICE_LENGTH(c->request);
	return GRPC_SLICE_START_PTR(c->request);
}

/* Formatted on first use: most calls never log. Only the thread holding the call asks. */
const char *rpc_call_id(const struct rpc_call *c)
{
	struct rpc_call *m = (struct rpc_call *)c;
	if (!m->id[0])
		snprintf(m->id, sizeof(m->id), "c%llu", (unsigned long long)c->number);
	return c->id;
}

void rpc_call_set_user(struct rpc_call *c, void *user)
{
	c->user = user;
}

void *rpc_call_user(const struct rpc_call *c)
{
	return c->user;
}

/* ---- posting requests ---- */

static void post_request(struct rpc_server *s, int method_index)
{
	if (atomic_load(&s->shutting_down))
		return;
	struct rpc_call *c = calloc(1, sizeof(*c));
	if (!c)
		return; /* one fewer outstanding request; the others keep serving */
	c->server = s;
	atomic_init(&c->refs, 1);
	atomic_init(&c->finished, false);
	c->method_index = method_index;
	c->t_new = (struct tag){TAG_NEW, c};
	c->t_unary = (struct tag){TAG_UNARY, c};
	c->t_close = (struct tag){TAG_CLOSE, c};
	c->t_write = (struct tag){TAG_WRITE, c};
	c->t_status = (struct tag){TAG_STATUS, c};
	c->t_metadata = (struct tag){TAG_STATUS, c}; /* completion only drops its reference */
	grpc_metadata_array_init(&c->metadata);
	grpc_call_error e;
	if (method_index == CATCH_ALL) {
		c->method = VBR_M_UNKNOWN;
		c->kind = K_UNKNOWN;
		grpc_call_details_init(&c->details);
		e = grpc_server_request_call(s->server, &c->call, &c->details, &c->metadata, s->cq,
					     s->cq, &c->t_new);
	} else {
		c->method = methods[method_index].method;
		c->kind = methods[method_index].kind;
		e = grpc_server_request_registered_call(s->server, s->registered[method_index],
							&c->call, &c->deadline, &c->metadata,
							&c->payload, s->cq, s->cq, &c->t_new);
	}
	if (e != GRPC_CALL_OK)
		call_free(c);
}

/* ---- hand-off to the loop ---- */

static struct loop_event *event_node(struct rpc_server *s, enum loop_event_kind kind,
				     struct rpc_call *c)
{
	switch (kind) {
	case EV_CALL:
		return &c->ev_call;
	case EV_WRITE_DONE:
		return &c->ev_write;
	case EV_CLOSED:
		return &c->ev_closed;
	case EV_SHUTDOWN:
		break;
	}
	return &s->ev_shutdown;
}

/* Completion-queue thread: collects; flush_events hands the batch over. */
static void push_event(struct rpc_server *s, enum loop_event_kind kind, struct rpc_call *c, bool ok)
{
	struct loop_event *ev = event_node(s, kind, c);
	*ev = (struct loop_event){kind, c, ok, NULL};
	if (s->batch_tail)
		s->batch_tail->next = ev;
	else
		s->batch_head = ev;
	s->batch_tail = ev;
	s->batch_n++;
}

/* Any thread: appends a chain of events to the loop's queue and wakes the loop. */
static void hand_over(struct rpc_server *s, struct loop_event *head, struct loop_event *tail)
{
	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = head;
	else
		s->head = head;
	s->tail = tail;
	pthread_mutex_unlock(&s->lock);
	uv_async_send(&s->async);
}

static void flush_events(struct rpc_server *s)
{
	if (!s->batch_head)
		return;
	hand_over(s, s->batch_head, s->batch_tail);
	s->batch_head = s->batch_tail = NULL;
	s->batch_n = 0;
}

/* uv_async_send coalesces wake-ups: take the whole queue every time. */
static void on_async(uv_async_t *async)
{
	struct rpc_server *s = async->data;
	pthread_mutex_lock(&s->lock);
	struct loop_event *ev = s->head;
	s->head = s->tail = NULL;
	pthread_mutex_unlock(&s->lock);
	while (ev) {
		struct loop_event *next = ev->next;
		switch (ev->kind) {
		case EV_CALL:
			s->handlers.on_call(s->ctx, ev->call);
			break;
		case EV_WRITE_DONE:
			s->handlers.on_write_done(s->ctx, ev->call, ev->ok);
			rpc_call_release(ev->call);
			break;
		case EV_CLOSED:
			s->handlers.on_stream_closed(s->ctx, ev->call);
			rpc_call_release(ev->call);
			break;
		case EV_SHUTDOWN:
			uv_timer_stop(&s->grace_timer);
			s->handlers.on_shutdown_done(s->ctx);
			break;
		}
		ev = next;
	}
}

/* ---- replies ---- */

grpc_slice rpc_pack(const ProtobufCMessage *msg)
{
	size_t len = msg ? protobuf_c_message_get_packed_size(msg) : 0;
	grpc_slice slice = grpc_slice_malloc(len);
	if (len)
		protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(slice));
	return slice;
}

static grpc_byte_buffer *pack_message(const ProtobufCMessage *msg)
{
	grpc_slice slice = rpc_pack(msg);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
	grpc_slice_unref(slice);
	return bb;
}

static grpc_byte_buffer *raw_buffer(const uint8_t *data, size_t len)
{
	grpc_slice slice = grpc_slice_from_copied_buffer((const char *)data, len);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
	grpc_slice_unref(slice);
	return bb;
}

static void set_status_details(struct rpc_call *c, const char *message)
{
	if (c->has_status_details)
		grpc_slice_unref(c->status_details);
	c->status_details = grpc_slice_from_copied_string(message ? message : "");
	c->has_status_details = true;
}

/* Counted once per call; a non-OK end is also logged (debug: clients retry, logs must not
 * flood). Messages never hold an MD5 key: validation does not echo it. */
static void count_status(struct rpc_call *c, grpc_status_code status, const char *message)
{
	if (atomic_exchange(&c->finished, true))
		return;
	stats_call(c->method, (int)status);
	if (status != GRPC_STATUS_OK && vbr_log_enabled(VBR_LOG_DEBUG)) {
		char code[8];
		snprintf(code, sizeof(code), "%d", (int)status);
		vbr_log(VBR_LOG_DEBUG, "call ended with an error", "method",
			vbr_method_name(c->method), "call_id", rpc_call_id(c), "code", code,
			"reason", message ? message : "", NULL);
	}
}

/* Sends status (and the message if any) and consumes the owner reference. */
static void send_unary(struct rpc_call *c, grpc_status_code status, const char *message,
		       grpc_byte_buffer *reply)
{
	grpc_op ops[4];
	size_t n = 0;
	memset(ops, 0, sizeof(ops));
	count_status(c, status, message);
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (reply) {
		c->reply_buf = reply;
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = reply;
	}
	set_status_details(c, status == GRPC_STATUS_OK ? "" : message);
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = status;
	ops[n++].data.send_status_from_server.status_details =
	    status == GRPC_STATUS_OK ? NULL : &c->status_details;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n++].data.recv_close_on_server.cancelled = &c->cancelled;
	if (grpc_call_start_batch(c->call, ops, n, &c->t_unary, NULL) != GRPC_CALL_OK)
		rpc_call_release(c);
}

void rpc_reply(struct rpc_call *c, grpc_status_code status, const char *message,
	       const ProtobufCMessage *response)
{
	send_unary(c, status, message, status == GRPC_STATUS_OK ? pack_message(response) : NULL);
}

void rpc_reply_packed(struct rpc_call *c, const uint8_t *data, size_t len)
{
	send_unary(c, GRPC_STATUS_OK, NULL, raw_buffer(data, len));
}

void rpc_reply_fill(struct rpc_call *c, size_t len, void (*fill)(void *arg, uint8_t *out),
		    void *arg)
{
	grpc_slice slice = grpc_slice_malloc(len);
	fill(arg, GRPC_SLICE_START_PTR(slice));
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
	grpc_slice_unref(slice);
	send_unary(c, GRPC_STATUS_OK, NULL, bb);
}

static int start_write(struct rpc_call *c, grpc_byte_buffer *bb, uint32_t flags)
{
	grpc_op ops[2];
	size_t n = 0;
	memset(ops, 0, sizeof(ops));
	if (!c->initial_metadata_sent) {
		c->initial_metadata_sent = true;
		ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	}
	if (c->write_buf)
		grpc_byte_buffer_destroy(c->write_buf);
	c->write_buf = bb;
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n].flags = flags;
	ops[n++].data.send_message.send_message = bb;
	call_ref(c);
	if (grpc_call_start_batch(c->call, ops, n, &c->t_write, NULL) != GRPC_CALL_OK) {
		rpc_call_release(c);
		return -EIO;
	}
	return 0;
}

void rpc_stream_write_slice(struct rpc_call *c, grpc_slice bytes, bool more)
{
	struct rpc_server *s = c->server;
	c->queued_bytes = grpc_slice_ref(bytes);
	c->queued_flags = more ? GRPC_WRITE_BUFFER_HINT : 0;
	call_ref(c); /* the queue's, until the writer has started the write */
	worker_batch_add(&s->unflushed[c->number % s->n_writers], &c->queued_write);
}

void rpc_stream_flush(struct rpc_server *s)
{
	for (size_t i = 0; i < s->n_writers; i++)
		worker_queue(s->writers[i], &s->unflushed[i]);
}

/* Writer thread. A write that cannot start ends the call and completes at once, failed, on the
 * loop (as a write the call could not send does), so the stream's owner is never left
 * waiting. */
static void run_queued_write(void *ctx, struct worker_item *item)
{
	struct rpc_server *s = ctx;
	struct rpc_call *c =
	    (struct rpc_call *)((char *)item - offsetof(struct rpc_call, queued_write));
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&c->queued_bytes, 1);
	grpc_slice_unref(c->queued_bytes);
	if (start_write(c, bb, c->queued_flags) == 0) {
		rpc_call_release(c);
		return;
	}
	/* The call is not gone by itself, as a failed write's call is: end it, so the client gets
	 * a status (and no held bytes linger) and its close event unsubscribes the stream. */
	grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, "cannot write to the stream",
				     NULL);
	c->ev_write = (struct loop_event){EV_WRITE_DONE, c, false, NULL};
	hand_over(s, &c->ev_write, &c->ev_write); /* passes the queue's reference on */
}

void rpc_stream_open(struct rpc_call *c)
{
	if (c->initial_metadata_sent)
		return;
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA;
	c->initial_metadata_sent = true;
	call_ref(c);
	if (grpc_call_start_batch(c->call, &op, 1, &c->t_metadata, NULL) != GRPC_CALL_OK)
		rpc_call_release(c);
}

void rpc_stream_finish(struct rpc_call *c, grpc_status_code status, const char *message)
{
	grpc_op ops[2];
	size_t n = 0;
	memset(ops, 0, sizeof(ops));
	count_status(c, status, message);
	if (!c->initial_metadata_sent) {
		c->initial_metadata_sent = true;
		ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	}
	set_status_details(c, message);
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = status;
	ops[n++].data.send_status_from_server.status_details = &c->status_details;
	call_ref(c);
	if (grpc_call_start_batch(c->call, ops, n, &c->t_status, NULL) != GRPC_CALL_OK)
		rpc_call_release(c);
}

void rpc_stream_abort(struct rpc_call *c, grpc_status_code status, const char *message)
{
	count_status(c, status, message);
	grpc_call_cancel_with_status(c->call, status, message, NULL);
}

/* ---- completion-queue thread ---- */

/* readall gives one contiguous slice (a reference, not a copy, when the message arrived in
 * one piece); the call keeps it until freed. */
static void take_payload(struct rpc_call *c)
{
	if (!c->payload)
		return;
	grpc_byte_buffer_reader reader;
	if (grpc_byte_buffer_reader_init(&reader, c->payload)) {
		c->request = grpc_byte_buffer_reader_readall(&reader);
		c->has_request = true;
		grpc_byte_buffer_reader_destroy(&reader);
	}
	grpc_byte_buffer_destroy(c->payload);
	c->payload = NULL;
}

static void start_recv_close(struct rpc_call *c)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op.data.recv_close_on_server.cancelled = &c->cancelled;
	call_ref(c);
	if (grpc_call_start_batch(c->call, &op, 1, &c->t_close, NULL) != GRPC_CALL_OK)
		rpc_call_release(c);
}

static int serving_status(struct rpc_call *c, bool *known)
{
	size_t len;
	const uint8_t *data = rpc_call_request(c, &len);
	Grpc__Health__V1__HealthCheckRequest *req =
	    grpc__health__v1__health_check_request__unpack(NULL, len, data);
	*known = req && (req->service[0] == '\0' ||
			 strcmp(req->service, "vbr.v1.VirtualBorderRouter") == 0);
	if (req)
		grpc__health__v1__health_check_request__free_unpacked(req, NULL);
	if (!*known)
		return GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
	return atomic_load(&c->server->shutting_down)
		   ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING
		   : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
}

static void health_check(struct rpc_call *c)
{
	bool known;
	Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	resp.status = serving_status(c, &known);
	if (!known)
		rpc_reply(c, GRPC_STATUS_NOT_FOUND, "unknown service", NULL);
	else
		rpc_reply(c, GRPC_STATUS_OK, NULL, &resp.base);
}

/* Watch: one message now; the stream stays open until the client leaves or we shut down. */
static void health_watch(struct rpc_call *c)
{
	struct rpc_server *s = c->server;
	bool known;
	Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	resp.status = serving_status(c, &known);
	pthread_mutex_lock(&s->lock);
	c->health_next = s->health_watches;
	s->health_watches = c;
	pthread_mutex_unlock(&s->lock);
	start_recv_close(c);
	start_write(c, pack_message(&resp.base), 0);
}

static void health_watch_closed(struct rpc_call *c)
{
	struct rpc_server *s = c->server;
	pthread_mutex_lock(&s->lock);
	for (struct rpc_call **p = &s->health_watches; *p; p = &(*p)->health_next) {
		if (*p == c) {
			*p = c->health_next;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	count_status(c, c->cancelled ? GRPC_STATUS_CANCELLED : GRPC_STATUS_OK, "client left");
	rpc_call_release(c); /* the owner reference */
}

static void on_new_call(struct rpc_call *c, bool ok)
{
	struct rpc_server *s = c->server;
	if (!ok) {
		/* The server is shutting down: the request was never matched. */
		call_free(c);
		return;
	}
	post_request(s, c->method_index);
	c->number = atomic_fetch_add_explicit(&s->next_call_id, 1, memory_order_relaxed) + 1;
	take_payload(c);
	switch (c->kind) {
	case K_READ:
		s->handlers.on_read(s->ctx, c);
		break;
	case K_LOOP:
		push_event(s, EV_CALL, c, true);
		break;
	case K_STREAM:
		start_recv_close(c);
		push_event(s, EV_CALL, c, true);
		break;
	case K_HEALTH_CHECK:
		health_check(c);
		break;
	case K_HEALTH_WATCH:
		health_watch(c);
		break;
	case K_UNKNOWN: {
		char msg[300];
		char *method = grpc_slice_to_c_string(c->details.method);
		snprintf(msg, sizeof(msg), "unknown method %.200s", method);
		gpr_free(method);
		rpc_reply(c, GRPC_STATUS_UNIMPLEMENTED, msg, NULL);
		break;
	}
	}
}

static void on_completion(struct rpc_server *s, grpc_event ev)
{
	struct tag *t = ev.tag;
	struct rpc_call *c = t->call;
	switch (t->kind) {
	case TAG_NEW:
		on_new_call(c, ev.success);
		break;
	case TAG_UNARY:
	case TAG_STATUS:
		rpc_call_release(c);
		break;
	case TAG_WRITE:
		if (c->kind == K_HEALTH_WATCH)
			rpc_call_release(c);
		else
			push_event(s, EV_WRITE_DONE, c, ev.success);
		break;
	case TAG_CLOSE:
		if (c->kind == K_HEALTH_WATCH) {
			health_watch_closed(c);
			rpc_call_release(c);
		} else {
			if (c->cancelled) /* the client left before our status */
				count_status(c, GRPC_STATUS_CANCELLED, "client left");
			push_event(s, EV_CLOSED, c, true);
		}
		break;
	case TAG_SHUTDOWN:
		push_event(s, EV_SHUTDOWN, NULL, true);
		break;
	}
}

/* A burst of write completions (one per subscriber) is handed to the loop in batches: what
 * the queue already holds is taken without blocking, up to HANDOFF_BATCH, then one lock and
 * one wake-up for all of it. */
#define HANDOFF_BATCH 128

static void *cq_thread(void *arg)
{
	struct rpc_server *s = arg;
	gpr_timespec forever = gpr_inf_future(GPR_CLOCK_REALTIME);
	gpr_timespec now = gpr_time_0(GPR_CLOCK_REALTIME);
	for (;;) {
		grpc_event ev =
		    grpc_completion_queue_next(s->cq, s->batch_head ? now : forever, NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT) {
			flush_events(s);
			continue;
		}
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		on_completion(s, ev);
		if (s->batch_n >= HANDOFF_BATCH)
			flush_events(s);
	}
	flush_events(s);
	return NULL;
}

/* ---- start and stop ---- */

static grpc_server_credentials *make_credentials(const struct rpc_config *cfg)
{
	if (!cfg->tls_cert_pem)
		return grpc_insecure_server_credentials_create();
	grpc_ssl_pem_key_cert_pair pair = {cfg->tls_key_pem, cfg->tls_cert_pem};
	return grpc_ssl_server_credentials_create_ex(
	    cfg->tls_client_ca_pem, &pair, 1,
	    cfg->tls_client_ca_pem ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
				   : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
	    NULL);
}

static void stop_writers(struct rpc_server *s)
{
	for (size_t i = 0; i < s->n_writers; i++)
		worker_stop(s->writers[i]);
	s->n_writers = 0;
}

static void on_handle_closed(uv_handle_t *h)
{
	struct rpc_server *s = h->data;
	if (--s->open_handles == 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
	}
}

/* rpc_start could not finish: the server and its queue go (the calls it posted are freed as
 * their cancelled requests come back), the handles close and free the server. */
static void start_failed(struct rpc_server *s)
{
	grpc_server_destroy(s->server);
	grpc_completion_queue_shutdown(s->cq);
	for (;;) {
		grpc_event ev =
		    grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		struct tag *t = ev.tag;
		if (t->kind == TAG_NEW)
			call_free(t->call);
	}
	grpc_completion_queue_destroy(s->cq);
	uv_close((uv_handle_t *)&s->async, on_handle_closed);
	uv_close((uv_handle_t *)&s->grace_timer, on_handle_closed);
}

int rpc_start(uv_loop_t *loop, const struct rpc_config *cfg, const struct rpc_handlers *handlers,
	      void *ctx, struct rpc_server **out, char *err, size_t err_len)
{
	struct rpc_server *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->handlers = *handlers;
	s->ctx = ctx;
	s->t_shutdown = (struct tag){TAG_SHUTDOWN, NULL};
	pthread_mutex_init(&s->lock, NULL);
	uv_async_init(loop, &s->async, on_async);
	uv_timer_init(loop, &s->grace_timer);
	s->async.data = s->grace_timer.data = s;
	s->open_handles = 2;

	s->cq = grpc_completion_queue_create_for_next(NULL);
	s->server = grpc_server_create(NULL, NULL);
	grpc_server_register_completion_queue(s->server, s->cq, NULL);
	for (size_t i = 0; i < N_METHODS; i++)
		s->registered[i] = grpc_server_register_method(
		    s->server, methods[i].path, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
	grpc_server_credentials *creds = make_credentials(cfg);
	int port = creds ? grpc_server_add_http2_port(s->server, cfg->address, creds) : 0;
	if (creds)
		grpc_server_credentials_release(creds);
	if (port == 0) {
		snprintf(err, err_len,
			 "API address %s: cannot listen (in use, bad address, or bad "
			 "TLS material)",
			 cfg->address);
		start_failed(s);
		return -EADDRNOTAVAIL;
	}
	grpc_server_start(s->server);
	/* Several requests per method so bursts do not wait for a re-post. */
	for (size_t i = 0; i < N_METHODS; i++)
		for (int k = 0; k < (methods[i].kind == K_READ ? 16 : 4); k++)
			post_request(s, (int)i);
	for (int k = 0; k < 4; k++)
		post_request(s, CATCH_ALL);
	for (; s->n_writers < RPC_WRITERS; s->n_writers++)
		if (worker_start(&s->writers[s->n_writers], run_queued_write, s) != 0)
			break;
	if (s->n_writers == 0 || pthread_create(&s->thread, NULL, cq_thread, s) != 0) {
		snprintf(err, err_len, "cannot start the completion-queue or writer threads");
		stop_writers(s);
		atomic_store(&s->shutting_down, true);
		grpc_server_shutdown_and_notify(s->server, s->cq, &s->t_shutdown);
		grpc_server_cancel_all_calls(s->server);
		start_failed(s);
		return -EAGAIN;
	}
	s->thread_started = true;
	*out = s;
	return 0;
}

static void on_grace_expired(uv_timer_t *timer)
{
	struct rpc_server *s = timer->data;
	grpc_server_cancel_all_calls(s->server);
}

void rpc_shutdown(struct rpc_server *s, uint64_t grace_ms)
{
	if (atomic_exchange(&s->shutting_down, true))
		return;
	grpc_server_shutdown_and_notify(s->server, s->cq, &s->t_shutdown);
	pthread_mutex_lock(&s->lock);
	for (struct rpc_call *c = s->health_watches; c; c = c->health_next)
		grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE,
					     "vbrd is shutting down", NULL);
	pthread_mutex_unlock(&s->lock);
	uv_timer_start(&s->grace_timer, on_grace_expired, grace_ms, 0);
}

void rpc_free(struct rpc_server *s)
{
	/* Writes still queued start (and fail: every call is over) before the server goes. */
	stop_writers(s);
	grpc_server_destroy(s->server);
	grpc_completion_queue_shutdown(s->cq);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	grpc_completion_queue_destroy(s->cq);
	/* Events queued after the last drain (late write completions) still hold references. */
	on_async(&s->async);
	uv_close((uv_handle_t *)&s->async, on_handle_closed);
	uv_close((uv_handle_t *)&s->grace_timer, on_handle_closed);
}
