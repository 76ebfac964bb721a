/* fanout: a bare streaming fan-out server; see fanout.h. */
#include "fanout.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "vbr/v1/vbr.pb-c.h"

#define PATH(m) "/vbr.v1.VirtualBorderRouter/" m

enum method { M_WATCH, M_CREATE, M_DELETE, N_METHODS };
static const char *const paths[N_METHODS] = {PATH("WatchPeerEvents"), PATH("CreateBgpPeer"),
					     PATH("DeleteBgpPeer")};

enum tag_kind { T_NEW, T_DONE, T_WRITE, T_CLOSE };

struct call;
struct tag {
	enum tag_kind kind;
	struct call *call;
};

struct call {
	enum method method;
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array md;
	grpc_byte_buffer *payload, *out;
	int cancelled;
	bool writing, closed, close_seen;
	size_t next; /* streams: index of the next event to write */
	struct tag t_new, t_done, t_write, t_close;
	struct call *next_sub;
};

static struct {
	grpc_server *server;
	grpc_completion_queue *cq;
	void *registered[N_METHODS];
	struct call *subs;
	grpc_slice *events;
	size_t n_events, cap;
	unsigned changes;
} S;

void fanout_peer_ip(unsigned change, char out[16])
{
	unsigned peer = change / 2;
	snprintf(out, 16, "10.%u.%u.%u", 100 + (peer >> 16) % 100, (peer >> 8) & 255,
		 1 + (peer & 127));
}

static void post(enum method m)
{
	struct call *c = calloc(1, sizeof(*c));
	c->method = m;
	c->t_new = (struct tag){T_NEW, c};
	c->t_done = (struct tag){T_DONE, c};
	c->t_write = (struct tag){T_WRITE, c};
	c->t_close = (struct tag){T_CLOSE, c};
	grpc_metadata_array_init(&c->md);
	grpc_server_request_registered_call(S.server, S.registered[m], &c->call, &c->deadline,
					    &c->md, &c->payload, S.cq, S.cq, &c->t_new);
}

static void free_call(struct call *c)
{
	grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->md);
	if (c->payload)
		grpc_byte_buffer_destroy(c->payload);
	if (c->out)
		grpc_byte_buffer_destroy(c->out);
	free(c);
}

static void pump(struct call *c)
{
	if (c->writing || c->closed || c->next >= S.n_events)
		return;
	if (c->out)
		grpc_byte_buffer_destroy(c->out);
	c->out = grpc_raw_byte_buffer_create(&S.events[c->next++], 1);
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_MESSAGE;
	op.data.send_message.send_message = c->out;
	c->writing = grpc_call_start_batch(c->call, &op, 1, &c->t_write, NULL) == GRPC_CALL_OK;
}

static grpc_slice pack(const ProtobufCMessage *m)
{
	grpc_slice s = grpc_slice_malloc(protobuf_c_message_get_packed_size(m));
	protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
	return s;
}

/* The event of one change, as vbrd would write it. */
static grpc_slice change_event(bool created, unsigned change, const char *peer_id)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	t.seconds = ts.tv_sec;
	t.nanos = (int32_t)(ts.tv_nsec / 1000000 * 1000000);
	char ip[16];
	fanout_peer_ip(change, ip);
	Vbr__V1__PeerEvent ev = VBR__V1__PEER_EVENT__INIT;
	ev.sequence = change + 1;
	ev.time = &t;
	ev.kind = created ? VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_CREATED
			  : VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_DELETED;
	ev.peer_id = (char *)peer_id;
	ev.peer_ip = ip;
	ev.old_state = created ? 0 : VBR__V1__SESSION_STATE__SESSION_STATE_IDLE;
	ev.new_state = created ? VBR__V1__SESSION_STATE__SESSION_STATE_IDLE : 0;
	ev.reason = created ? "peer created" : "peer deleted";
	return pack(&ev.base);
}

static void on_change(struct call *c)
{
	unsigned change = S.changes++;
	char id[16];
	snprintf(id, sizeof(id), "bgpp-%08x", 0x5a000000u + change / 2);
	Vbr__V1__BgpPeer peer = VBR__V1__BGP_PEER__INIT;
	peer.id = id;
	grpc_slice reply = c->method == M_CREATE ? pack(&peer.base) : grpc_empty_slice();
	c->out = grpc_raw_byte_buffer_create(&reply, 1);
	grpc_slice_unref(reply);
	grpc_op ops[4];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = c->out;
	ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[2].data.send_status_from_server.status = GRPC_STATUS_OK;
	ops[3].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[3].data.recv_close_on_server.cancelled = &c->cancelled;
	grpc_call_start_batch(c->call, ops, 4, &c->t_done, NULL);
	/* Reply first, then the fan-out (as vbrd does). */
	if (S.n_events == S.cap) {
		S.cap = S.cap ? 2 * S.cap : 1024;
		S.events = realloc(S.events, S.cap * sizeof(*S.events));
	}
	S.events[S.n_events++] = change_event(c->method == M_CREATE, change, id);
	for (struct call *s = S.subs; s; s = s->next_sub)
		pump(s);
}

static void on_watch(struct call *c)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA; /* subscribed */
	c->writing = true;
	grpc_call_start_batch(c->call, &op, 1, &c->t_write, NULL);
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op.data.recv_close_on_server.cancelled = &c->cancelled;
	grpc_call_start_batch(c->call, &op, 1, &c->t_close, NULL);
	c->next = S.n_events;
	c->next_sub = S.subs;
	S.subs = c;
}

static void unlink_sub(struct call *c)
{
	for (struct call **p = &S.subs; *p; p = &(*p)->next_sub)
		if (*p == c) {
			*p = c->next_sub;
			return;
		}
}

static void on_event(struct tag *t, bool ok)
{
	struct call *c = t->call;
	switch (t->kind) {
	case T_NEW:
		post(c->method);
		if (c->method == M_WATCH)
			on_watch(c);
		else
			on_change(c);
		break;
	case T_DONE:
		free_call(c);
		break;
	case T_WRITE:
		c->writing = false;
		if (!ok)
			c->closed = true;
		if (c->close_seen)
			free_call(c);
		else
			pump(c);
		break;
	case T_CLOSE:
		c->closed = true;
		unlink_sub(c);
		c->close_seen = true;
		if (!c->writing)
			free_call(c);
		break;
	}
}

int fanout_serve(const char *address)
{
	S.cq = grpc_completion_queue_create_for_next(NULL);
	S.server = grpc_server_create(NULL, NULL);
	grpc_server_register_completion_queue(S.server, S.cq, NULL);
	for (int m = 0; m < N_METHODS; m++)
		S.registered[m] = grpc_server_register_method(
		    S.server, paths[m], NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
	grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
	int port = grpc_server_add_http2_port(S.server, address, creds);
	grpc_server_credentials_release(creds);
	if (port == 0) {
		fprintf(stderr, "fanout: cannot listen on %s\n", address);
		return 1;
	}
	grpc_server_start(S.server);
	for (int m = 0; m < N_METHODS; m++)
		for (int k = 0; k < 16; k++)
			post((enum method)m);
	for (;;) {
		grpc_event ev =
		    grpc_completion_queue_next(S.cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_OP_COMPLETE)
			on_event(ev.tag, ev.success);
	}
}
