/* subs: N watch streams over a few connections; see subs.h. */
#include "subs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "load.h"
#include "vbr/v1/vbr.pb-c.h"

enum tag_kind { T_START, T_RECV, T_STATUS };

struct sub;

struct tag {
	enum tag_kind kind;
	struct sub *sub;
};

struct sub {
	struct conn *conn;
	grpc_call *call;
	grpc_metadata_array initial_md, trailing_md;
	grpc_byte_buffer *send, *recv;
	grpc_status_code status;
	grpc_slice details;
	uint64_t last_seq;
	struct tag t_start, t_recv, t_status;
};

struct conn {
	struct subs *owner;
	int index;
	grpc_channel *channel;
	grpc_completion_queue *cq;
	pthread_t thread;
	int open_tags; /* batches in flight: the thread leaves once all came back */
	struct lat_log lat[SUBS_PHASES];
};

struct subs {
	const struct changes *ch;
	struct conn conns[SUBS_MAX_CONNS];
	int n_conns;
	struct sub *subs;
	size_t n;
	atomic_uint_fast64_t ready, received, gaps, ended;
	atomic_bool closing;
};

static void start_recv(struct sub *s)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &s->recv;
	s->conn->open_tags++;
	if (grpc_call_start_batch(s->call, &op, 1, &s->t_recv, NULL) != GRPC_CALL_OK)
		s->conn->open_tags--;
}

static void on_message(struct sub *s)
{
	struct subs *all = s->conn->owner;
	uint64_t now = load_now_ns();
	grpc_byte_buffer_reader r;
	grpc_byte_buffer_reader_init(&r, s->recv);
	grpc_slice body = grpc_byte_buffer_reader_readall(&r);
	grpc_byte_buffer_reader_destroy(&r);
	grpc_byte_buffer_destroy(s->recv);
	s->recv = NULL;
	Vbr__V1__PeerEvent *ev =
	    vbr__v1__peer_event__unpack(NULL, GRPC_SLICE_LENGTH(body), GRPC_SLICE_START_PTR(body));
	grpc_slice_unref(body);
	if (ev) {
		uint64_t seq = ev->sequence;
		if (s->last_seq && seq != s->last_seq + 1)
			atomic_fetch_add(&all->gaps, 1);
		s->last_seq = seq;
		if (seq >= 1 && seq - 1 < all->ch->cap) {
			uint64_t sent =
			    __atomic_load_n(&all->ch->send_ns[seq - 1], __ATOMIC_ACQUIRE);
			int phase = all->ch->phase[seq - 1];
			if (sent && now > sent && phase < SUBS_PHASES)
				lat_add(&s->conn->lat[phase], now - sent);
		}
		vbr__v1__peer_event__free_unpacked(ev, NULL);
	}
	atomic_fetch_add(&all->received, 1);
	start_recv(s);
}

static void *reader(void *arg)
{
	struct conn *c = arg;
	while (c->open_tags > 0) {
		grpc_event ev = grpc_completion_queue_next(
		    c->cq,
		    gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
				 gpr_time_from_millis(200, GPR_TIMESPAN)),
		    NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		struct tag *t = ev.tag;
		struct sub *s = t->sub;
		c->open_tags--;
		switch (t->kind) {
		case T_START:
			if (ev.success)
				atomic_fetch_add(&c->owner->ready, 1);
			break;
		case T_RECV:
			if (s->recv)
				on_message(s);
			break;
		case T_STATUS:
			if (!atomic_load(&c->owner->closing))
				atomic_fetch_add(&c->owner->ended, 1);
			break;
		}
	}
	return NULL;
}

static int start_sub(struct sub *s, const grpc_slice *request)
{
	struct conn *c = s->conn;
	s->t_start = (struct tag){T_START, s};
	s->t_recv = (struct tag){T_RECV, s};
	s->t_status = (struct tag){T_STATUS, s};
	grpc_metadata_array_init(&s->initial_md);
	grpc_metadata_array_init(&s->trailing_md);
	s->details = grpc_empty_slice();
	s->send = grpc_raw_byte_buffer_create((grpc_slice *)request, 1);
	s->call = grpc_channel_create_call(
	    c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq,
	    grpc_slice_from_static_string("/vbr.v1.VirtualBorderRouter/WatchPeerEvents"), NULL,
	    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	grpc_op ops[4];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = s->send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &s->initial_md;
	c->open_tags += 2;
	if (grpc_call_start_batch(s->call, ops, 4, &s->t_start, NULL) != GRPC_CALL_OK)
		return -1;
	grpc_op st;
	memset(&st, 0, sizeof(st));
	st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	st.data.recv_status_on_client.trailing_metadata = &s->trailing_md;
	st.data.recv_status_on_client.status = &s->status;
	st.data.recv_status_on_client.status_details = &s->details;
	if (grpc_call_start_batch(s->call, &st, 1, &s->t_status, NULL) != GRPC_CALL_OK)
		return -1;
	start_recv(s);
	return 0;
}

static grpc_channel *open_channel(const char *address)
{
	grpc_arg args[1];
	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL; /* a connection of its own */
	args[0].value.integer = 1;
	grpc_channel_args ca = {1, args};
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(address, creds, &ca);
	grpc_channel_credentials_release(creds);
	return ch;
}

struct subs *subs_open(const char *address, size_t n, int n_conns, const struct changes *ch,
		       int timeout_ms, char *err, size_t err_len)
{
	struct subs *s = calloc(1, sizeof(*s));
	if (!s || n_conns < 1 || n_conns > SUBS_MAX_CONNS ||
	    !(s->subs = calloc(n, sizeof(*s->subs)))) {
		snprintf(err, err_len, "out of memory or bad connection count");
		free(s);
		return NULL;
	}
	s->ch = ch;
	s->n = n;
	s->n_conns = n_conns;
	for (int i = 0; i < n_conns; i++) {
		s->conns[i] = (struct conn){.owner = s, .index = i};
		s->conns[i].channel = open_channel(address);
		s->conns[i].cq = grpc_completion_queue_create_for_next(NULL);
	}
	Vbr__V1__WatchPeerEventsRequest req = VBR__V1__WATCH_PEER_EVENTS_REQUEST__INIT;
	grpc_slice body = grpc_slice_malloc(protobuf_c_message_get_packed_size(&req.base));
	protobuf_c_message_pack(&req.base, GRPC_SLICE_START_PTR(body));
	for (size_t i = 0; i < n; i++) {
		s->subs[i].conn = &s->conns[i % (size_t)n_conns];
		if (start_sub(&s->subs[i], &body) != 0) {
			snprintf(err, err_len, "cannot start stream %zu", i);
			break;
		}
	}
	grpc_slice_unref(body);
	for (int i = 0; i < n_conns; i++)
		pthread_create(&s->conns[i].thread, NULL, reader, &s->conns[i]);
	uint64_t deadline = load_now_ns() + (uint64_t)timeout_ms * 1000000;
	while (atomic_load(&s->ready) < n && load_now_ns() < deadline)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	if (atomic_load(&s->ready) < n) {
		snprintf(err, err_len, "%llu of %zu streams subscribed in %d ms",
			 (unsigned long long)atomic_load(&s->ready), n, timeout_ms);
		subs_close(s);
		return NULL;
	}
	return s;
}

uint64_t subs_received(struct subs *s)
{
	return atomic_load(&s->received);
}

uint64_t subs_wait(struct subs *s, uint64_t target, int timeout_ms)
{
	uint64_t deadline = load_now_ns() + (uint64_t)timeout_ms * 1000000;
	while (atomic_load(&s->received) < target && load_now_ns() < deadline)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	return atomic_load(&s->received);
}

uint64_t subs_gaps(struct subs *s)
{
	return atomic_load(&s->gaps);
}

uint64_t subs_ended(struct subs *s)
{
	return atomic_load(&s->ended);
}

int subs_conns(const struct subs *s)
{
	return s->n_conns;
}

struct lat_log *subs_lat(struct subs *s, int conn, int phase)
{
	return &s->conns[conn].lat[phase];
}

void subs_close(struct subs *s)
{
	atomic_store(&s->closing, true);
	for (size_t i = 0; i < s->n; i++)
		if (s->subs[i].call)
			grpc_call_cancel(s->subs[i].call, NULL);
	for (int i = 0; i < s->n_conns; i++) {
		if (s->conns[i].thread)
			pthread_join(s->conns[i].thread, NULL);
	}
	for (size_t i = 0; i < s->n; i++) {
		struct sub *b = &s->subs[i];
		if (!b->call)
			continue;
		grpc_call_unref(b->call);
		grpc_metadata_array_destroy(&b->initial_md);
		grpc_metadata_array_destroy(&b->trailing_md);
		grpc_slice_unref(b->details);
		if (b->send)
			grpc_byte_buffer_destroy(b->send);
		if (b->recv)
			grpc_byte_buffer_destroy(b->recv);
	}
	for (int i = 0; i < s->n_conns; i++) {
		struct conn *c = &s->conns[i];
		grpc_channel_destroy(c->channel);
		grpc_completion_queue_shutdown(c->cq);
		while (grpc_completion_queue_next(c->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
			   .type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(c->cq);
		for (int p = 0; p < SUBS_PHASES; p++)
			lat_free(&c->lat[p]);
	}
	free(s->subs);
	free(s);
}
