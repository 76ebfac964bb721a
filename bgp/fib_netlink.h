/*
 * fib_netlink: the netlink conversations of the FIB writer (fib.c), over libmnl sockets. Each
 * function blocks on the kernel, so only the writer's thread calls them. Errors are returned
 * as negative errno values.
 */
#ifndef VBR_BGP_FIB_NETLINK_H
#define VBR_BGP_FIB_NETLINK_H

#include <stddef.h>
#include <stdint.h>

#include "fib.h"
#include "fib_nl_parse.h"

struct mnl_socket;

/* A route socket (NULL with errno set when none can be opened). `groups`: multicast groups to
 * join for a monitor (0 for requests). */
struct mnl_socket *fib_nl_open(unsigned groups);
void fib_nl_close(struct mnl_socket *nl);

/*
 * Performs the operations in table, many to one sendmsg, and writes each one's result (0 or
 * a negative errno) into errs[i]. Returns 0, or a negative errno when the socket itself failed
 * (errs then holds that errno for the operations not answered).
 */
int fib_nl_write(struct mnl_socket *nl, uint32_t table, const struct fib_op *ops, size_t n,
		 int *errs);

/* The IPv4 networks of the interfaces that are up (not loopback-scope ones), into a new
 * array (*out, free() it). Returns the count or a negative errno. */
int fib_nl_connected(struct mnl_socket *nl, struct fib_connected **out);

/* vbrd's routes (FIB_PROTO_BGP / FIB_PROTO_STATIC at FIB_METRIC) in table, into a new array.
 * Returns the count or a negative errno. */
int fib_nl_our_routes(struct mnl_socket *nl, uint32_t table, struct fib_route **out);

/* Whether this process may write routes: a delete of a route that cannot exist answers ESRCH
 * when it may, EPERM when it may not. Returns 0, -EPERM, or another negative errno. */
int fib_nl_probe(struct mnl_socket *nl, uint32_t table);

/* Reads what a monitor socket holds without blocking: FIB_NL_MON_* of what changed
 * (fib_nl_parse.h; LINKS and LOST when the kernel dropped events), taken(arg, route) for
 * each route event that may have taken one of vbrd's routes out; or a negative errno. */
int fib_nl_drain_monitor(struct mnl_socket *mon, uint32_t table, fib_nl_taken_fn taken,
			 void *arg);

#endif
