/*
 * fib_nl_parse: the netlink messages the FIB writer reads from the kernel, decoded by pure
 * functions (no socket, no allocation) so they can be unit-tested and fuzzed: link and address
 * dumps/monitor events, the route dump of vbrd's own leftovers, and the NLMSG_ERROR answers
 * to writes. fib_netlink.c does the talking and calls these.
 *
 * Contract of the one-message parsers: nlh points at nlh->nlmsg_len readable bytes (the
 * buffer walk checked it with fib_nl_msg_ok, or fib_nl_check_frames before mnl_cb_run). Every
 * fixed header and attribute length is checked before it is read. They return 0 (*out filled),
 * FIB_NL_SKIP (well-formed but not for vbrd: *out untouched) or -EINVAL (malformed: *out
 * untouched); the caller decides what a malformed message means.
 */
#ifndef VBR_BGP_FIB_NL_PARSE_H
#define VBR_BGP_FIB_NL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib.h"

struct nlmsghdr;

#define FIB_NL_SKIP 1

/* An interface from RTM_NEWLINK. */
struct fib_nl_link {
	int index;
	bool up; /* IFF_UP and IFF_RUNNING */
	char name[FIB_IFNAME_MAX]; /* "" when the message names none */
};

/* RTM_NEWLINK (or RTM_DELLINK). -EINVAL: short header, ifindex <= 0, a bad attribute, a name
 * without its NUL or longer than IFNAMSIZ. */
int fib_nl_parse_link(const struct nlmsghdr *nlh, struct fib_nl_link *out);

/* RTM_NEWADDR / RTM_DELADDR: the interface network of an IPv4 address (ifname left ""; the
 * caller names it from the links). SKIP: another family, host scope, no address. -EINVAL:
 * short header, prefix length > 32, IFA_LOCAL / IFA_ADDRESS not 4 octets. */
int fib_nl_parse_addr(const struct nlmsghdr *nlh, struct fib_connected *out);

/* RTM_NEWROUTE: a route of vbrd (FIB_PROTO_BGP / FIB_PROTO_STATIC at FIB_METRIC) in `table`.
 * SKIP: another family, protocol, table or metric. -EINVAL: short header, dst_len > 32,
 * RTA_DST missing while dst_len > 0, a known attribute not 4 octets. */
int fib_nl_parse_route(const struct nlmsghdr *nlh, uint32_t table, struct fib_route *out);

/* A route monitor event (RTM_NEWROUTE / RTM_DELROUTE) at FIB_METRIC in `table`: 0 with the
 * route in *route (removed for RTM_DELROUTE) and *concerns_ours true when it may concern
 * vbrd's routes (one of vbrd's deleted; another protocol's route put there or removed),
 * false for vbrd's own adds and replaces; SKIP for another family, table or metric; -EINVAL
 * as fib_nl_parse_route. */
int fib_nl_route_event(const struct nlmsghdr *nlh, uint32_t table, struct fib_route *route,
		       bool *concerns_ours);

/* NLMSG_ERROR: the sequence number it answers and its result (0 = ACK, else -errno). SKIP:
 * another type. -EINVAL: shorter than struct nlmsgerr, error not in [-4095, 0]. */
int fib_nl_parse_error(const struct nlmsghdr *nlh, uint32_t *seq, int *err);

/* Walking a received datagram: for (left = len; fib_nl_msg_ok(nlh, left); nlh =
 * fib_nl_msg_next(nlh, &left)). Unlike libmnl's mnl_nlmsg_ok/next, safe for any nlmsg_len. */
bool fib_nl_msg_ok(const struct nlmsghdr *nlh, size_t left);
const struct nlmsghdr *fib_nl_msg_next(const struct nlmsghdr *nlh, size_t *left);

/* 0 if the datagram is whole messages to its last byte, else -EINVAL. mnl_cb_run trusts
 * nlmsg_len as mnl_nlmsg_ok does: a datagram goes to it only once this passed. */
int fib_nl_check_frames(const void *buf, size_t len);

/* A received datagram of answers: errs[seq - first] = the result of each NLMSG_ERROR whose
 * sequence is in [first, first + n); others are left as they are. Returns how many were
 * taken, or -EINVAL when the buffer held a malformed message or trailing bytes (the whole
 * answers around it are still taken). */
int fib_nl_read_answers(const void *buf, size_t len, uint32_t first, size_t n, int *errs);

/* A datagram from the monitor: FIB_NL_MON_LINKS if it holds a link or address change (the
 * lists are read again by a dump), FIB_NL_MON_OURS if a route event in `table` may concern
 * vbrd's routes (fib_nl_route_event: taken(arg, route) for each), or both, or 0.
 * Messages are walked with the same bounds as answers. */
#define FIB_NL_MON_LINKS 0x1
#define FIB_NL_MON_OURS	 0x2
#define FIB_NL_MON_LOST	 0x4 /* fib_netlink.c: the kernel dropped events (ENOBUFS) */
typedef void (*fib_nl_taken_fn)(void *arg, const struct fib_route *route);
int fib_nl_monitor_changed(const void *buf, size_t len, uint32_t table, fib_nl_taken_fn taken,
			   void *arg);

#endif
