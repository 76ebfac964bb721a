/*
 * fib_nl_parse: see fib_nl_parse.h. A message is read in two steps: its fixed header (rtmsg,
 * ifaddrmsg, ifinfomsg, nlmsgerr), only once nlmsg_len says it is all there, then its
 * attributes through one walk that refuses an attribute running past the message's end
 * (mnl_attr_parse would stop there silently, taking a cut message for a whole one).
 */
#include "fib_nl_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* Calls attr(a, arg) for every attribute after the fixed header of `hdr` octets. -EINVAL
 * when one does not fit; padding shorter than an attribute header at the end is allowed. */
static int walk_attrs(const struct nlmsghdr *nlh, size_t hdr,
		      int (*attr)(const struct nlattr *a, void *arg), void *arg)
{
	const char *p = mnl_nlmsg_get_payload_offset(nlh, hdr);
	/* Not mnl_nlmsg_get_payload_tail: it rounds nlmsg_len up to 4, past a cut message. */
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	while (end - p >= (ptrdiff_t)sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (!mnl_attr_ok(a, (int)(end - p)))
			return -EINVAL;
		int rc = attr(a, arg);
		if (rc)
			return rc;
		if ((ptrdiff_t)MNL_ALIGN(a->nla_len) >= end - p)
			break; /* the last one (its padding may be cut) */
		p += MNL_ALIGN(a->nla_len);
	}
	return 0;
}

/* Whether the message holds its fixed header of `hdr` octets. */
static bool has_header(const struct nlmsghdr *nlh, size_t hdr)
{
	return nlh->nlmsg_len >= mnl_nlmsg_size(hdr);
}

/* A 4-octet attribute. Exactly 4: mnl_attr_validate(MNL_TYPE_U32) refuses only shorter ones,
 * and a longer "IPv4 address" is another family's. */
static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_get_payload_len(a) != sizeof(uint32_t))
		return -EINVAL;
	*v = mnl_attr_get_u32(a);
	return 0;
}

/* An IPv4 address attribute (network order on the wire) into host order. */
static int get_in4(const struct nlattr *a, uint32_t *v)
{
	uint32_t u;
	if (get_u32(a, &u) != 0)
		return -EINVAL;
	*v = ntohl(u);
	return 0;
}

/* ---- links ---- */

static int link_attr(const struct nlattr *a, void *arg)
{
	struct fib_nl_link *l = arg;
	if (mnl_attr_get_type(a) != IFLA_IFNAME)
		return 0;
	/* The kernel sends the name with its NUL; one without would be read past its end. */
	size_t len = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);
	size_t n = strnlen(s, len);
	if (n == len || n >= sizeof(l->name))
		return -EINVAL;
	memcpy(l->name, s, n + 1);
	return 0;
}

int fib_nl_parse_link(const struct nlmsghdr *nlh, struct fib_nl_link *out)
{
	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    !has_header(nlh, sizeof(struct ifinfomsg)))
		return -EINVAL;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0)
		return -EINVAL;
	struct fib_nl_link l = {.index = ifi->ifi_index};
	/* Up with a carrier: a link that is down has no connected network to forward on. */
	l.up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
	if (walk_attrs(nlh, sizeof(*ifi), link_attr, &l) != 0)
		return -EINVAL;
	*out = l;
	return 0;
}

/* ---- addresses ---- */

struct addr_attrs {
	uint32_t local, address;
};

static int addr_attr(const struct nlattr *a, void *arg)
{
	struct addr_attrs *v = arg;
	switch (mnl_attr_get_type(a)) {
	case IFA_LOCAL: return get_in4(a, &v->local);
	case IFA_ADDRESS: return get_in4(a, &v->address);
	default: return 0; /* labels, cache info, flags: not needed */
	}
}

int fib_nl_parse_addr(const struct nlmsghdr *nlh, struct fib_connected *out)
{
	if ((nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR) ||
	    !has_header(nlh, sizeof(struct ifaddrmsg)))
		return -EINVAL;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	/* Before the attributes: another family's addresses have other lengths. */
	if (ifa->ifa_family != AF_INET || ifa->ifa_scope == RT_SCOPE_HOST)
		return FIB_NL_SKIP;
	if (ifa->ifa_prefixlen > 32)
		return -EINVAL;
	struct addr_attrs v = {0};
	if (walk_attrs(nlh, sizeof(*ifa), addr_attr, &v) != 0)
		return -EINVAL;
	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on a
	 * point-to-point link and the same as IFA_LOCAL elsewhere. */
	uint32_t local = v.local ? v.local : v.address;
	if (!local)
		return FIB_NL_SKIP;
	uint32_t mask = ifa->ifa_prefixlen ? ~(uint32_t)0 << (32 - ifa->ifa_prefixlen) : 0;
	memset(out, 0, sizeof(*out));
	out->prefix = (v.address ? v.address : local) & mask;
	out->len = ifa->ifa_prefixlen;
	out->addr = local;
	out->ifindex = (int)ifa->ifa_index;
	return 0;
}

/* ---- routes ---- */

struct route_attrs {
	uint32_t table, dst, gw, prio, oif;
	bool has_dst;
};

static int route_attr(const struct nlattr *a, void *arg)
{
	struct route_attrs *v = arg;
	uint16_t type = mnl_attr_get_type(a);
	if (type != RTA_TABLE && type != RTA_DST && type != RTA_GATEWAY && type != RTA_PRIORITY &&
	    type != RTA_OIF)
		return 0; /* metrics, cache info, multipath...: not vbrd's concern */
	uint32_t u;
	if (get_u32(a, &u) != 0)
		return -EINVAL;
	switch (type) {
	case RTA_TABLE: v->table = u; break;
	case RTA_DST:
		v->dst = ntohl(u);
		v->has_dst = true;
		break;
	case RTA_GATEWAY: v->gw = ntohl(u); break;
	case RTA_PRIORITY: v->prio = u; break;
	default: v->oif = u; break;
	}
	return 0;
}

static bool ours(uint8_t protocol)
{
	return protocol == FIB_PROTO_BGP || protocol == FIB_PROTO_STATIC;
}

/* An IPv4 RTM_NEWROUTE / RTM_DELROUTE at FIB_METRIC in `table`, of any protocol (or, with
 * only_ours, of vbrd's). */
static int parse_route(const struct nlmsghdr *nlh, uint32_t table, bool only_ours,
		       struct fib_route *out)
{
	if ((nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE) ||
	    !has_header(nlh, sizeof(struct rtmsg)))
		return -EINVAL;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET || (only_ours && !ours(rtm->rtm_protocol)))
		return FIB_NL_SKIP;
	if (rtm->rtm_dst_len > 32)
		return -EINVAL;
	/* RTA_TABLE carries tables past 255; rtm_table is the same for the others. */
	struct route_attrs v = {.table = rtm->rtm_table};
	if (walk_attrs(nlh, sizeof(*rtm), route_attr, &v) != 0 ||
	    (rtm->rtm_dst_len > 0 && !v.has_dst))
		return -EINVAL;
	if (v.table != table || v.prio != FIB_METRIC)
		return FIB_NL_SKIP; /* not ours: another table, or someone else's metric */
	*out = (struct fib_route){.prefix = v.dst, .len = rtm->rtm_dst_len,
				  .protocol = rtm->rtm_protocol, .gateway = v.gw,
				  .ifindex = (int)v.oif};
	return 0;
}

int fib_nl_parse_route(const struct nlmsghdr *nlh, uint32_t table, struct fib_route *out)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return -EINVAL;
	return parse_route(nlh, table, true, out);
}

int fib_nl_route_event(const struct nlmsghdr *nlh, uint32_t table, struct fib_route *route,
		       bool *concerns_ours)
{
	struct fib_route r;
	int rc = parse_route(nlh, table, false, &r);
	if (rc != 0)
		return rc;
	r.removed = nlh->nlmsg_type == RTM_DELROUTE;
	*route = r;
	/* Ours removed, or someone else's route put at our metric (a replace matches on prefix
	 * and metric whatever the protocol, so it may have taken our route's place) or removed
	 * from it (the prefix may be ours to take again). Our own adds and replaces are the only
	 * other route events at our metric. */
	*concerns_ours = r.removed || !ours(r.protocol);
	return 0;
}

/* ---- answers ---- */

int fib_nl_parse_error(const struct nlmsghdr *nlh, uint32_t *seq, int *err)
{
	if (nlh->nlmsg_type != NLMSG_ERROR)
		return FIB_NL_SKIP;
	if (!has_header(nlh, sizeof(struct nlmsgerr)))
		return -EINVAL;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	/* 0 or -errno: a positive value would pass for "not answered yet" in fib_netlink.c. */
	if (e->error > 0 || e->error < -4095)
		return -EINVAL;
	*seq = nlh->nlmsg_seq;
	*err = e->error;
	return 0;
}

/* ---- datagrams ---- */

/* mnl_nlmsg_ok without its (int) cast: libmnl takes an nlmsg_len of 2^31 or more for a
 * negative one, so "fits", and mnl_nlmsg_next then steps out of the buffer (found by
 * fuzz_netlink). */
bool fib_nl_msg_ok(const struct nlmsghdr *nlh, size_t left)
{
	return left >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= left;
}

const struct nlmsghdr *fib_nl_msg_next(const struct nlmsghdr *nlh, size_t *left)
{
	/* The last message's padding may be missing: never step past the end. */
	size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
	if (step > *left)
		step = *left;
	*left -= step;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}

int fib_nl_check_frames(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	size_t left = len;
	while (fib_nl_msg_ok(nlh, left))
		nlh = fib_nl_msg_next(nlh, &left);
	return left ? -EINVAL : 0;
}

int fib_nl_read_answers(const void *buf, size_t len, uint32_t first, size_t n, int *errs)
{
	const struct nlmsghdr *nlh = buf;
	size_t left = len;
	int taken = 0;
	bool bad = false;
	for (; fib_nl_msg_ok(nlh, left); nlh = fib_nl_msg_next(nlh, &left)) {
		uint32_t seq;
		int err, rc = fib_nl_parse_error(nlh, &seq, &err);
		bad |= rc < 0; /* the next messages are whole (fib_nl_msg_ok): still read */
		if (rc != 0 || seq - first >= n)
			continue; /* not an answer, or not to this datagram */
		errs[seq - first] = err;
		taken++;
	}
	return bad || left ? -EINVAL : taken;
}

int fib_nl_monitor_changed(const void *buf, size_t len, uint32_t table, fib_nl_taken_fn taken,
			   void *arg)
{
	const struct nlmsghdr *nlh = buf;
	size_t left = len;
	int changed = 0;
	struct fib_route r;
	bool concerns;
	for (; fib_nl_msg_ok(nlh, left); nlh = fib_nl_msg_next(nlh, &left)) {
		if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR ||
		    nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) {
			changed |= FIB_NL_MON_LINKS;
		} else if ((nlh->nlmsg_type == RTM_NEWROUTE || nlh->nlmsg_type == RTM_DELROUTE) &&
			   fib_nl_route_event(nlh, table, &r, &concerns) == 0 && concerns) {
			changed |= FIB_NL_MON_OURS;
			taken(arg, &r);
		}
	}
	return changed;
}
