/*
 * phases: the benchmark's measured phases against a server (vbrd, echo) reached over one
 * channel, and what they print. Figures only: a phase returns -1 only when it could not run.
 */
#ifndef VBR_BENCH_PHASES_H
#define VBR_BENCH_PHASES_H

#include <stddef.h>
#include <sys/types.h>

#include <grpc/grpc.h>
#include <protobuf-c/protobuf-c.h>

#include "load.h"

#define SERVICE "/vbr.v1.VirtualBorderRouter/"

struct server {
	const char *name;
	pid_t pid;
	char address[160];
	grpc_channel *channel;
	void *m_get_router, *m_list_peers, *m_add_network, *m_delete_network;
};

struct run_opts {
	double seconds; /* per phase and server */
	int rounds;     /* slices each phase is cut into, the two sides alternating */
	int in_flight;  /* read calls in flight */
};

/* A packed message as a slice (the caller unrefs it). */
grpc_slice bench_pack(const ProtobufCMessage *msg);
/* Opens s->channel to s->address and registers the benchmarked methods on it. */
void server_connect(struct server *s);

/* `vbrd` may be a second echo server (--control). reply_bytes is only printed. */
int read_phase(const char *method, struct server *echo, struct server *vbrd,
	       struct load_req *echo_req, struct load_req *vbrd_req, size_t reply_bytes,
	       const struct run_opts *o);
/* AddBgpNetwork/DeleteBgpNetwork pairs on vbrd, one at a time, against the disk floor
 * (`bytes` per replace, in floor_dir). */
int mutation_phase(struct server *vbrd, const struct run_opts *o, const char *floor_dir,
		   size_t bytes);

#endif
