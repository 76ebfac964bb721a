/*
 * fib_netlink: see fib_netlink.h. Writes go out many messages to a datagram (each with its
 * own sequence number; only failures and each datagram's last message are answered), and the
 * answers are matched back by sequence, so a full table is a few hundred system calls, not
 * one round trip per prefix.
 */
#include "fib_netlink.h"
#include "fib_nl_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define MAX_PER_DGRAM 512  /* route messages per datagram (~70 bytes each: 36 KB) */
#define MSG_ROOM     256   /* the largest route message, with room to spare */
#define RECV_BYTES   65536
#define RCVBUF_BYTES (4 << 20) /* a request socket's receive buffer (answers queue there) */
#define ANSWER_COST  2048  /* receive-buffer bytes one queued answer may take (skb truesize) */
#define RETRY_GROUP  32    /* messages per datagram when every one is acknowledged */

struct mnl_socket *fib_nl_open(unsigned groups)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return NULL;
	int one = 1, rcvbuf = RCVBUF_BYTES;
	/* Errors carry only the header of the message they answer, not all of it. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Room for a datagram's answers; past net.core.rmem_max only with CAP_NET_ADMIN, and
	 * per_datagram() sizes the datagrams to what was granted. */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) != 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

void fib_nl_close(struct mnl_socket *nl)
{
	if (nl)
		mnl_socket_close(nl);
}

/* ---- writes ---- */

static void put_route(char *buf, uint32_t table, const struct fib_op *op, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	bool replace = op->kind != FIB_OP_DELETE; /* a route to write: add or replace */
	nlh->nlmsg_type = replace ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (replace)
		nlh->nlmsg_flags |= NLM_F_CREATE |
				    (op->kind == FIB_OP_ADD ? NLM_F_EXCL : NLM_F_REPLACE);
	nlh->nlmsg_seq = seq;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = op->len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = op->protocol; /* a delete matches it: only our own routes go */
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = replace ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, FIB_METRIC);
	if (op->len)
		mnl_attr_put_u32(nlh, RTA_DST, htonl(op->prefix));
	if (replace) {
		mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(op->gateway));
		if (op->ifindex > 0)
			mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)op->ifindex);
	}
}

/*
 * A datagram of route messages is processed by the kernel inside sendmsg (rtnetlink is
 * synchronous), so when sendto returns every answer is queued on our socket or was dropped
 * because the receive buffer was full (the next recv says ENOBUFS). Messages go without
 * NLM_F_ACK except the last: a success answers nothing, a failure answers its errno, and the
 * last message's answer closes the datagram. A full table is then a few hundred answers, not
 * one per route (one answer per route overran the buffer and lost them: issue 10's ENOBUFS).
 */
#define UNKNOWN 1 /* errs[i] until answered: no errno is positive */

/* Reads the answers already queued for [first, first + n) without blocking. Returns 0 when
 * the last message was answered and nothing was lost, -ENOBUFS when answers were lost. */
static int drain_answers(struct mnl_socket *nl, uint32_t first, size_t n, int *errs, char *buf)
{
	bool lost = false;
	for (;;) {
		ssize_t len = recv(mnl_socket_get_fd(nl), buf, RECV_BYTES, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == ENOBUFS) {
				lost = true;
				continue;
			}
			if (errno == EINTR)
				continue;
			break; /* EAGAIN: nothing more is coming */
		}
		/* A malformed answer may have been a refusal: as if lost, the operations not
		 * known are asked again, each acknowledged. */
		if (fib_nl_read_answers(buf, (size_t)len, first, n, errs) < 0)
			lost = true;
	}
	if (lost || errs[n - 1] == UNKNOWN)
		return -ENOBUFS;
	for (size_t i = 0; i < n; i++)
		if (errs[i] == UNKNOWN)
			errs[i] = 0; /* not refused, and the kernel is past it */
	return 0;
}

/* One datagram: ops[0..n), every one acknowledged when ack_all (a retry), else only the
 * last. Returns 0, -ENOBUFS (answers lost: errs[i] stays UNKNOWN where not known) or the
 * socket's -errno. */
static int send_datagram(struct mnl_socket *nl, uint32_t table, const struct fib_op *ops,
			 size_t n, bool ack_all, int *errs, char *out, char *in)
{
	static uint32_t seq = 1;
	size_t used = 0;
	uint32_t first = seq;
	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(out + used);
		put_route(out + used, table, &ops[i], seq++);
		if (!ack_all && i + 1 < n)
			nlh->nlmsg_flags &= ~(uint16_t)NLM_F_ACK;
		used += nlh->nlmsg_len;
		errs[i] = UNKNOWN;
	}
	if (mnl_socket_sendto(nl, out, used) < 0)
		return -errno;
	return drain_answers(nl, first, n, errs, in);
}

/* How many messages a datagram may carry so that their answers, all failures in the worst
 * case (no CAP_NET_ADMIN: every one EPERM), fit in the socket's receive buffer. */
static size_t per_datagram(struct mnl_socket *nl)
{
	int rcvbuf = 0;
	socklen_t l = sizeof(rcvbuf);
	if (getsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &l) != 0)
		rcvbuf = 0;
	size_t k = (size_t)(rcvbuf > 0 ? rcvbuf : 0) / ANSWER_COST;
	return k < RETRY_GROUP ? RETRY_GROUP : k;
}

/* Answers were lost: the unknown ones again, a few at a time, each acknowledged. A repeat is
 * harmless (a replace is idempotent; a delete done already answers ESRCH, which the table
 * ignores). */
static int retry_unknown(struct mnl_socket *nl, uint32_t table, const struct fib_op *ops,
			 size_t n, int *errs, char *out, char *in)
{
	struct fib_op group[RETRY_GROUP];
	size_t where[RETRY_GROUP];
	int got[RETRY_GROUP];
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		for (; i < n && k < RETRY_GROUP; i++) {
			if (errs[i] != UNKNOWN)
				continue;
			group[k] = ops[i];
			where[k++] = i;
		}
		if (k == 0)
			break;
		int rc = send_datagram(nl, table, group, k, true, got, out, in);
		if (rc && rc != -ENOBUFS)
			return rc;
		for (size_t j = 0; j < k; j++)
			errs[where[j]] = got[j] == UNKNOWN ? -ENOBUFS : got[j];
	}
	return 0;
}

int fib_nl_write(struct mnl_socket *nl, uint32_t table, const struct fib_op *ops, size_t n,
		 int *errs)
{
	size_t most = per_datagram(nl);
	if (most > MAX_PER_DGRAM)
		most = MAX_PER_DGRAM;
	/* Room for the largest datagram this call sends (a retry's included): a write of a few
	 * routes allocates a little. */
	size_t room = n < most ? n : most;
	char *out = malloc((room > RETRY_GROUP ? room : RETRY_GROUP) * MSG_ROOM);
	char *in = malloc(RECV_BYTES);
	if (!out || !in) {
		free(out);
		free(in);
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t done = 0; done < n && rc == 0;) {
		size_t count = n - done < most ? n - done : most;
		rc = send_datagram(nl, table, ops + done, count, false, errs + done, out, in);
		if (rc == -ENOBUFS)
			rc = retry_unknown(nl, table, ops + done, count, errs + done, out, in);
		if (rc)
			for (size_t i = done; i < n; i++)
				errs[i] = i >= done + count || errs[i] == UNKNOWN ? rc : errs[i];
		done += count;
	}
	free(out);
	free(in);
	return rc;
}

int fib_nl_probe(struct mnl_socket *nl, uint32_t table)
{
	/* 255.255.255.255/32 at our protocol and metric: no such route of ours can exist. */
	struct fib_op op = {.kind = FIB_OP_DELETE, .prefix = 0xffffffffu, .len = 32,
			    .protocol = FIB_PROTO_STATIC};
	int err = 0;
	int rc = fib_nl_write(nl, table, &op, 1, &err);
	if (rc)
		return rc;
	return err == -EPERM ? -EPERM : err == -ESRCH || err == 0 ? 0 : err;
}

/* ---- dumps ---- */

struct dump {
	int (*row)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct dump *d = arg;
	return d->row(nlh, d->arg) == 0 ? MNL_CB_OK : MNL_CB_ERROR;
}

/* Sends a dump request of `type` and feeds every answer to row(). */
static int run_dump(struct mnl_socket *nl, uint16_t type, int (*row)(const struct nlmsghdr *, void *),
		    void *arg)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	uint32_t seq = (uint32_t)time(NULL);
	nlh->nlmsg_seq = seq;
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = type == RTM_GETLINK ? AF_UNSPEC : AF_INET;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	char *buf = malloc(RECV_BYTES);
	if (!buf)
		return -ENOMEM;
	struct dump d = {row, arg};
	unsigned portid = mnl_socket_get_portid(nl);
	int rc;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, RECV_BYTES);
		if (len < 0) {
			rc = -errno;
			break;
		}
		/* A datagram that is not whole messages (the kernel sends none) fails the dump,
		 * as a socket error does: mnl_cb_run would trust its lengths. */
		if (fib_nl_check_frames(buf, (size_t)len) != 0) {
			rc = -EBADMSG;
			break;
		}
		rc = mnl_cb_run(buf, (size_t)len, seq, portid, dump_cb, &d);
		if (rc <= MNL_CB_STOP) {
			rc = rc < 0 ? -errno : 0;
			break;
		}
	}
	free(buf);
	return rc;
}

/* The array `items` of n (capacity *cap, doubled from `first`) with room for one more: the
 * same or a new block, or NULL (out of memory; items is still valid). */
static void *room(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
	if (n < *cap)
		return items;
	size_t more = *cap ? *cap * 2 : first;
	void *p = realloc(items, more * size);
	if (p)
		*cap = more;
	return p;
}

struct links {
	struct fib_nl_link *items;
	size_t n, cap;
};

static int link_row(const struct nlmsghdr *nlh, void *arg)
{
	struct links *l = arg;
	struct fib_nl_link link;
	if (fib_nl_parse_link(nlh, &link) != 0)
		return 0; /* malformed: skipped, as a link vbrd cannot name */
	void *p = room(l->items, &l->cap, l->n, sizeof(*l->items), 16);
	if (!p)
		return -1;
	l->items = p;
	l->items[l->n++] = link;
	return 0;
}

struct addrs {
	const struct links *links;
	struct fib_connected *items;
	size_t n, cap;
};

static int addr_row(const struct nlmsghdr *nlh, void *arg)
{
	struct addrs *as = arg;
	struct fib_connected c;
	if (fib_nl_parse_addr(nlh, &c) != 0)
		return 0; /* not an IPv4 network, or malformed: not a connected network */
	const char *name = NULL;
	for (size_t i = 0; i < as->links->n; i++)
		if (as->links->items[i].index == c.ifindex)
			name = as->links->items[i].up ? as->links->items[i].name : NULL;
	if (!name)
		return 0;
	void *p = room(as->items, &as->cap, as->n, sizeof(*as->items), 16);
	if (!p)
		return -1;
	as->items = p;
	snprintf(c.ifname, sizeof(c.ifname), "%s", name);
	as->items[as->n++] = c;
	return 0;
}

int fib_nl_connected(struct mnl_socket *nl, struct fib_connected **out)
{
	struct links links = {0};
	struct addrs addrs = {.links = &links};
	int rc = run_dump(nl, RTM_GETLINK, link_row, &links);
	if (rc == 0)
		rc = run_dump(nl, RTM_GETADDR, addr_row, &addrs);
	free(links.items);
	if (rc) {
		free(addrs.items);
		return rc;
	}
	*out = addrs.items;
	return (int)addrs.n;
}

struct routes {
	uint32_t table;
	struct fib_route *items;
	size_t n, cap;
};

static int route_row(const struct nlmsghdr *nlh, void *arg)
{
	struct routes *rs = arg;
	struct fib_route r;
	if (fib_nl_parse_route(nlh, rs->table, &r) != 0)
		return 0; /* not ours, or malformed: nothing vbrd would reconcile */
	void *p = room(rs->items, &rs->cap, rs->n, sizeof(*rs->items), 256);
	if (!p)
		return -1;
	rs->items = p;
	rs->items[rs->n++] = r;
	return 0;
}

int fib_nl_our_routes(struct mnl_socket *nl, uint32_t table, struct fib_route **out)
{
	struct routes rs = {.table = table};
	int rc = run_dump(nl, RTM_GETROUTE, route_row, &rs);
	if (rc) {
		free(rs.items);
		return rc;
	}
	*out = rs.items;
	return (int)rs.n;
}

int fib_nl_drain_monitor(struct mnl_socket *mon, uint32_t table, fib_nl_taken_fn taken,
			 void *arg)
{
	char *buf = malloc(RECV_BYTES);
	if (!buf)
		return -ENOMEM;
	int changed = 0;
	for (;;) {
		ssize_t len = recv(mnl_socket_get_fd(mon), buf, RECV_BYTES, MSG_DONTWAIT);
		if (len < 0) {
			/* ENOBUFS: events were lost; read everything again to be sure. */
			if (errno == ENOBUFS)
				changed |= FIB_NL_MON_LINKS | FIB_NL_MON_LOST;
			break;
		}
		changed |= fib_nl_monitor_changed(buf, (size_t)len, table, taken, arg);
	}
	free(buf);
	return changed;
}
