/*
 * fib: the kernel forwarding-table writer of the route table (bgp/route_table.c drives it).
 *
 * A thread of its own owns the netlink sockets (libmnl). The loop hands it operations with
 * fib_submit (copied into a locked queue; never blocks) and gets back, through a uv_async and
 * on the loop thread: the results of those operations in submission order, the namespace's
 * connected IPv4 networks (at start and after every address or link change), the routes of
 * vbrd's protocols found in the table at start (left by an earlier run), vbrd's routes in the
 * table again whenever someone else may have removed one, and whether writing is permitted
 * (CAP_NET_ADMIN) and ip forwarding is on.
 *
 * vbrd's routes carry rtm_protocol FIB_PROTO_BGP or FIB_PROTO_STATIC and the metric
 * FIB_METRIC in config.table; nothing else is ever changed or deleted (a delete names the
 * protocol, which the kernel matches).
 */
#ifndef VBR_BGP_FIB_H
#define VBR_BGP_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define FIB_PROTO_BGP	 186 /* RTPROT_BGP: `ip route show proto bgp` */
#define FIB_PROTO_STATIC 210 /* vbrd's static route entries: not 4 (RTPROT_STATIC, used by hand), nor
			     * FRR's 186..198 (196 is its staticd) */
#define FIB_METRIC	 20  /* rtm priority of vbrd's routes */
#define FIB_IFNAME_MAX	 16

enum fib_op_kind {
	FIB_OP_REPLACE = 1, /* NLM_F_CREATE | NLM_F_REPLACE: change vbrd's route in place */
	FIB_OP_DELETE = 2,
	/* NLM_F_CREATE | NLM_F_EXCL: vbrd has no route there yet. The kernel matches a replace on
	 * prefix and metric only, whatever the protocol, so a replace would overwrite a route
	 * added by hand at metric FIB_METRIC; an add is refused with EEXIST instead, and that
	 * route is left alone. */
	FIB_OP_ADD = 3,
};

struct fib_op {
	enum fib_op_kind kind;
	uint32_t prefix; /* host byte order */
	uint8_t len;
	uint8_t protocol; /* FIB_PROTO_BGP or FIB_PROTO_STATIC */
	uint32_t gateway; /* host byte order (REPLACE) */
	int ifindex;	  /* REPLACE: the interface the gateway is on */
};

struct fib_result {
	struct fib_op op;
	int err; /* 0, or a negative errno from the kernel (-EPERM without CAP_NET_ADMIN) */
};

struct fib_connected {
	uint32_t prefix; /* the interface network, host byte order */
	uint8_t len;
	uint32_t addr; /* the interface's own address */
	int ifindex;
	char ifname[FIB_IFNAME_MAX];
};

/* A route of vbrd's protocols found in the table when the writer started. */
struct fib_route {
	uint32_t prefix;
	uint8_t len;
	uint8_t protocol;
	bool removed; /* a route event (on_kernel_routes, complete false): RTM_DELROUTE */
	uint32_t gateway;
	int ifindex;
};

struct fib_callbacks {
	void (*on_results)(void *ctx, const struct fib_result *results, size_t n);
	/* The whole list each time (small: a namespace's addresses). */
	void (*on_connected)(void *ctx, const struct fib_connected *list, size_t n);
	/* Once, before any result. */
	void (*on_leftovers)(void *ctx, const struct fib_route *routes, size_t n);
	/* At start and when either changes. */
	void (*on_status)(void *ctx, bool permitted, bool ip_forwarding);
	/* Route events at vbrd's metric that may concern its routes, each after the results
	 * of the writes before it (complete false): one of vbrd's deleted (its protocol,
	 * removed), another protocol's route put there (that protocol), or one removed from
	 * there (removed: the prefix may be free for vbrd again). When the
	 * kernel dropped events: vbrd's routes the table holds, read back once writing pauses
	 * and sorted on the writer's thread (complete true, fib_route_cmp order; at most one a
	 * second). */
	void (*on_kernel_routes)(void *ctx, const struct fib_route *routes, size_t n,
				 bool complete);
};

/* (prefix, len) order, as rib_table_walk visits: for qsort and merges. */
static inline int fib_route_cmp(const void *a, const void *b)
{
	const struct fib_route *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->len - (int)y->len;
}

struct fib_config {
	uint32_t table; /* 0 = 254 (main) */
	bool program;	/* false (--fib off): only read connected networks; submit is refused */
};

struct fib;

int fib_start(uv_loop_t *loop, const struct fib_config *config, const struct fib_callbacks *cb,
	      void *ctx, struct fib **out);
/* Queues the operations (copied). -EPERM when config.program is false. */
int fib_submit(struct fib *fib, const struct fib_op *ops, size_t n);
/* Performs what is queued (bounded in time), stops the thread, closes the async handle, then
 * calls done(arg) on the loop. No callback runs after done. */
void fib_stop(struct fib *fib, void (*done)(void *arg), void *arg);
void fib_free(struct fib *fib);

#endif
