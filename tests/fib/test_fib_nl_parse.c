/*
 * fib_nl_parse: the kernel's netlink messages as vbrd reads them, from hand-built bytes: the
 * valid ones it must take (an address, a link, its own route, an ACK) and the malformed ones
 * it must refuse without reading past them (the ASan build runs this too). Each message is
 * built at the end of a heap block whenever it can be, so one byte read too far is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "fib_nl_parse.h"

static char scratch[1024] __attribute__((aligned(8)));

/* A copy of the message in a block of exactly `len` bytes (freed by the caller). */
static struct nlmsghdr *exact(const struct nlmsghdr *nlh, size_t len)
{
	struct nlmsghdr *m = malloc(len);
	assert_non_null(m);
	memcpy(m, nlh, len);
	return m;
}

/* A new message of `type` in scratch, with its zeroed fixed header of `hdr` octets. */
static void *begin(uint16_t type, size_t hdr, struct nlmsghdr **nlh)
{
	memset(scratch, 0, sizeof(scratch));
	*nlh = mnl_nlmsg_put_header(scratch);
	(*nlh)->nlmsg_type = type;
	return mnl_nlmsg_put_extra_header(*nlh, hdr);
}

static struct nlmsghdr *addr_msg(uint8_t family, uint8_t plen, uint8_t scope, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa = begin(RTM_NEWADDR, sizeof(*ifa), &nlh);
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = scope;
	ifa->ifa_index = (uint32_t)ifindex;
	return nlh;
}

static struct nlmsghdr *route_msg(uint8_t proto, uint8_t table, uint8_t dst_len)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm = begin(RTM_NEWROUTE, sizeof(*rtm), &nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table;
	rtm->rtm_protocol = proto;
	rtm->rtm_type = RTN_UNICAST;
	return nlh;
}

/* 10.0.1.0/24 via 10.0.0.2 dev 7, protocol 186, metric 20, table 254: as the kernel dumps it. */
static struct nlmsghdr *our_route(void)
{
	struct nlmsghdr *nlh = route_msg(FIB_PROTO_BGP, RT_TABLE_MAIN, 24);
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, FIB_METRIC);
	mnl_attr_put_u32(nlh, RTA_DST, htonl(0x0a000100));
	mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(0x0a000002));
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	return nlh;
}

static void addr_valid(void **state)
{
	(void)state;
	struct nlmsghdr *nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(0x0a000005));
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0x0a000005));
	mnl_attr_put_strz(nlh, IFA_LABEL, "v1");
	nlh = exact(nlh, nlh->nlmsg_len);
	struct fib_connected c;
	assert_int_equal(fib_nl_parse_addr(nlh, &c), 0);
	assert_int_equal(c.prefix, 0x0a000000);
	assert_int_equal(c.len, 24);
	assert_int_equal(c.addr, 0x0a000005);
	assert_int_equal(c.ifindex, 3);
	assert_string_equal(c.ifname, "");
	/* A point-to-point address: the network is the peer's side (IFA_ADDRESS). */
	free(nlh);
	nlh = addr_msg(AF_INET, 32, RT_SCOPE_UNIVERSE, 4);
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0x0a000005));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(0x0a000009));
	assert_int_equal(fib_nl_parse_addr(nlh, &c), 0);
	assert_int_equal(c.prefix, 0x0a000009);
	assert_int_equal(c.addr, 0x0a000005);
}

static void addr_skipped(void **state)
{
	(void)state;
	struct fib_connected c = {.len = 99};
	/* IPv6: its 16-octet address is not read as an IPv4 one. */
	struct nlmsghdr *nlh = addr_msg(AF_INET6, 64, RT_SCOPE_UNIVERSE, 3);
	uint8_t v6[16] = {0xfd};
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(v6), v6);
	assert_int_equal(fib_nl_parse_addr(nlh, &c), FIB_NL_SKIP);
	/* 127.0.0.1/8 on lo: host scope. */
	nlh = addr_msg(AF_INET, 8, RT_SCOPE_HOST, 1);
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0x7f000001));
	assert_int_equal(fib_nl_parse_addr(nlh, &c), FIB_NL_SKIP);
	/* No address at all. */
	nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	assert_int_equal(fib_nl_parse_addr(nlh, &c), FIB_NL_SKIP);
	assert_int_equal(c.len, 99); /* untouched */
}

static void addr_malformed(void **state)
{
	(void)state;
	struct fib_connected c = {.len = 99};
	struct nlmsghdr *nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0x0a000005));
	size_t whole = nlh->nlmsg_len;
	/* The ifaddrmsg cut short: nothing past the header is read. */
	nlh->nlmsg_len = (uint32_t)mnl_nlmsg_size(sizeof(struct ifaddrmsg) - 1);
	struct nlmsghdr *m = exact(nlh, nlh->nlmsg_len);
	assert_int_equal(fib_nl_parse_addr(m, &c), -EINVAL);
	free(m);
	/* The attribute says 8 octets, the message ends 2 octets into its payload. */
	nlh->nlmsg_len = (uint32_t)(whole - 2);
	m = exact(nlh, nlh->nlmsg_len);
	assert_int_equal(fib_nl_parse_addr(m, &c), -EINVAL);
	free(m);
	/* An IPv4 address of 2 octets, and one of 16. */
	nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	mnl_attr_put_u16(nlh, IFA_LOCAL, 0x0a00);
	assert_int_equal(fib_nl_parse_addr(nlh, &c), -EINVAL);
	nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	uint8_t v6[16] = {0x0a};
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(v6), v6);
	assert_int_equal(fib_nl_parse_addr(nlh, &c), -EINVAL);
	/* A prefix length past 32; an attribute header claiming less than itself. */
	nlh = addr_msg(AF_INET, 33, RT_SCOPE_UNIVERSE, 3);
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0x0a000005));
	assert_int_equal(fib_nl_parse_addr(nlh, &c), -EINVAL);
	nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	struct nlattr *a = mnl_attr_nest_start(nlh, IFA_LOCAL);
	a->nla_len = 2;
	assert_int_equal(fib_nl_parse_addr(nlh, &c), -EINVAL);
	/* A route message is not an address. */
	assert_int_equal(fib_nl_parse_addr(our_route(), &c), -EINVAL);
	assert_int_equal(c.len, 99);
}

static struct nlmsghdr *link_msg(int index, unsigned flags)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi = begin(RTM_NEWLINK, sizeof(*ifi), &nlh);
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	return nlh;
}

static void link_cases(void **state)
{
	(void)state;
	struct fib_nl_link l;
	struct nlmsghdr *nlh = link_msg(3, IFF_UP | IFF_RUNNING);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "v1a");
	struct nlmsghdr *m = exact(nlh, nlh->nlmsg_len);
	assert_int_equal(fib_nl_parse_link(m, &l), 0);
	free(m);
	assert_int_equal(l.index, 3);
	assert_true(l.up);
	assert_string_equal(l.name, "v1a");
	/* Up without a carrier is not up. */
	nlh = link_msg(4, IFF_UP);
	assert_int_equal(fib_nl_parse_link(nlh, &l), 0);
	assert_false(l.up);
	assert_string_equal(l.name, "");
	/* A name without its NUL, ending the message: never read past it. */
	nlh = link_msg(5, IFF_UP);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "abcd");
	m = exact(nlh, nlh->nlmsg_len);
	assert_int_equal(fib_nl_parse_link(m, &l), -EINVAL);
	free(m);
	/* A name longer than IFNAMSIZ, an index 0, a short ifinfomsg. */
	nlh = link_msg(5, IFF_UP);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "abcdefghijklmnopq");
	assert_int_equal(fib_nl_parse_link(nlh, &l), -EINVAL);
	assert_int_equal(fib_nl_parse_link(link_msg(0, IFF_UP), &l), -EINVAL);
	nlh = link_msg(5, IFF_UP);
	nlh->nlmsg_len -= 1;
	m = exact(nlh, nlh->nlmsg_len);
	assert_int_equal(fib_nl_parse_link(m, &l), -EINVAL);
	free(m);
}

static void route_ours(void **state)
{
	(void)state;
	struct nlmsghdr *nlh = our_route();
	struct nlmsghdr *m = exact(nlh, nlh->nlmsg_len);
	struct fib_route r;
	assert_int_equal(fib_nl_parse_route(m, RT_TABLE_MAIN, &r), 0);
	free(m);
	assert_int_equal(r.prefix, 0x0a000100);
	assert_int_equal(r.len, 24);
	assert_int_equal(r.protocol, FIB_PROTO_BGP);
	assert_int_equal(r.gateway, 0x0a000002);
	assert_int_equal(r.ifindex, 7);
	/* A default route of vbrd's statics has no RTA_DST; a table past 255 is in RTA_TABLE. */
	nlh = route_msg(FIB_PROTO_STATIC, RT_TABLE_UNSPEC, 0);
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, FIB_METRIC);
	mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(0x0a000002));
	assert_int_equal(fib_nl_parse_route(nlh, 1000, &r), 0);
	assert_int_equal(r.prefix, 0);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.protocol, FIB_PROTO_STATIC);
}

static void route_not_ours(void **state)
{
	(void)state;
	struct fib_route r = {.len = 99};
	/* Another protocol (boot), another table, another metric, IPv6. */
	struct nlmsghdr *nlh = our_route();
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_protocol = RTPROT_BOOT;
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), FIB_NL_SKIP);
	assert_int_equal(fib_nl_parse_route(our_route(), 100, &r), FIB_NL_SKIP);
	nlh = route_msg(FIB_PROTO_BGP, RT_TABLE_MAIN, 24);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	mnl_attr_put_u32(nlh, RTA_DST, htonl(0x0a000100));
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), FIB_NL_SKIP);
	nlh = route_msg(FIB_PROTO_BGP, RT_TABLE_MAIN, 64);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_INET6;
	uint8_t v6[16] = {0xfd};
	mnl_attr_put(nlh, RTA_DST, sizeof(v6), v6);
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), FIB_NL_SKIP);
	assert_int_equal(r.len, 99);
}

static void route_malformed(void **state)
{
	(void)state;
	struct fib_route r = {.len = 99};
	/* dst_len 24 without RTA_DST: not read as 0.0.0.0/24. */
	struct nlmsghdr *nlh = route_msg(FIB_PROTO_BGP, RT_TABLE_MAIN, 24);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, FIB_METRIC);
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), -EINVAL);
	/* dst_len 33; an RTA_DST of 8 octets; an RTA_OIF of 2. */
	nlh = our_route();
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 33;
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), -EINVAL);
	nlh = route_msg(FIB_PROTO_BGP, RT_TABLE_MAIN, 24);
	mnl_attr_put_u64(nlh, RTA_DST, 0);
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), -EINVAL);
	nlh = our_route();
	mnl_attr_put_u16(nlh, RTA_OIF, 7);
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), -EINVAL);
	/* Cut in the last attribute (RTA_OIF), and in the rtmsg. */
	nlh = our_route();
	struct nlmsghdr *m = exact(nlh, nlh->nlmsg_len - 3);
	m->nlmsg_len -= 3;
	assert_int_equal(fib_nl_parse_route(m, RT_TABLE_MAIN, &r), -EINVAL);
	free(m);
	nlh = our_route();
	nlh->nlmsg_len = (uint32_t)mnl_nlmsg_size(sizeof(struct rtmsg) - 4);
	m = exact(nlh, nlh->nlmsg_len);
	assert_int_equal(fib_nl_parse_route(m, RT_TABLE_MAIN, &r), -EINVAL);
	free(m);
	/* An address message is not a route. */
	nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	assert_int_equal(fib_nl_parse_route(nlh, RT_TABLE_MAIN, &r), -EINVAL);
	assert_int_equal(r.len, 99);
}

/* An NLMSG_ERROR answering seq with err, as a NETLINK_CAP_ACK socket gets it, at buf. */
static size_t put_error(char *buf, uint32_t seq, int err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	e->msg.nlmsg_type = RTM_NEWROUTE;
	e->msg.nlmsg_seq = seq;
	return nlh->nlmsg_len;
}

static void answers(void **state)
{
	(void)state;
	memset(scratch, 0, sizeof(scratch));
	uint32_t seq;
	int err;
	size_t len = put_error(scratch, 41, 0);
	assert_int_equal(fib_nl_parse_error((struct nlmsghdr *)scratch, &seq, &err), 0);
	assert_int_equal(seq, 41);
	assert_int_equal(err, 0);
	/* A datagram: an ACK of 41, EEXIST for 42, one from an older datagram (7). */
	len += put_error(scratch + len, 42, -EEXIST);
	len += put_error(scratch + len, 7, -EPERM);
	char *buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, scratch, len);
	int errs[3] = {1, 1, 1};
	assert_int_equal(fib_nl_read_answers(buf, len, 40, 3, errs), 2);
	assert_int_equal(errs[0], 1);
	assert_int_equal(errs[1], 0);
	assert_int_equal(errs[2], -EEXIST);
	/* Cut in the last answer: the whole ones are taken, the cut one is an error. */
	int cut[3] = {1, 1, 1};
	assert_int_equal(fib_nl_read_answers(buf, len - 3, 40, 3, cut), -EINVAL);
	assert_int_equal(cut[1], 0);
	assert_int_equal(cut[2], -EEXIST);
	free(buf);
	/* An answer too short for its nlmsgerr, and one with a positive error. */
	len = put_error(scratch, 40, 0);
	((struct nlmsghdr *)scratch)->nlmsg_len = (uint32_t)mnl_nlmsg_size(2);
	assert_int_equal(fib_nl_parse_error((struct nlmsghdr *)scratch, &seq, &err), -EINVAL);
	put_error(scratch, 40, 1);
	assert_int_equal(fib_nl_parse_error((struct nlmsghdr *)scratch, &seq, &err), -EINVAL);
	int one[1] = {1};
	assert_int_equal(fib_nl_read_answers(scratch, len, 40, 1, one), -EINVAL);
	assert_int_equal(one[0], 1); /* not taken: 1 would mean "not answered" */
	/* Not an answer at all. */
	assert_int_equal(fib_nl_parse_error(our_route(), &seq, &err), FIB_NL_SKIP);
	/* Less than a header. */
	assert_int_equal(fib_nl_read_answers(scratch, 10, 40, 1, one), -EINVAL);
}

/* What fib_nl_monitor_changed reported taken, for the monitor test. */
static struct fib_route taken_seen[4];
static size_t n_taken_seen;

static void collect(void *arg, const struct fib_route *r)
{
	(void)arg;
	if (n_taken_seen < 4)
		taken_seen[n_taken_seen] = *r;
	n_taken_seen++;
}

static int mon(size_t len, uint32_t table)
{
	n_taken_seen = 0;
	return fib_nl_monitor_changed(scratch, len, table, collect, NULL);
}

/* nlmsg_len 0xa1a1a1a1: libmnl's mnl_nlmsg_ok casts it to a negative int that "fits" and
 * mnl_nlmsg_next then jumps out of the buffer (fuzz_netlink's first crash). */
static void huge_length(void **state)
{
	(void)state;
	char *buf = malloc(40);
	assert_non_null(buf);
	memset(buf, 0xa1, 40);
	int errs[1] = {1};
	assert_false(fib_nl_msg_ok((struct nlmsghdr *)buf, 40));
	assert_int_equal(fib_nl_check_frames(buf, 40), -EINVAL);
	assert_int_equal(fib_nl_read_answers(buf, 40, 0, 1, errs), -EINVAL);
	assert_int_equal(fib_nl_monitor_changed(buf, 40, RT_TABLE_MAIN, collect, NULL), 0);
	assert_int_equal(errs[0], 1);
	/* A byte after a whole message is not a message; a last message without its padding
	 * is whole. */
	size_t len = put_error(buf, 3, 0);
	assert_int_equal(fib_nl_check_frames(buf, len), 0);
	assert_int_equal(fib_nl_check_frames(buf, len + 1), -EINVAL);
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len - 3;
	assert_int_equal(fib_nl_check_frames(buf, len - 3), 0);
	free(buf);
}

static void monitor(void **state)
{
	(void)state;
	struct nlmsghdr *nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
	nlh->nlmsg_type = RTM_DELADDR;
	assert_int_equal(mon(nlh->nlmsg_len, RT_TABLE_MAIN), FIB_NL_MON_LINKS);
	assert_int_equal(n_taken_seen, 0);
	/* vbrd's own add or replace: nothing taken. */
	nlh = our_route();
	assert_int_equal(mon(nlh->nlmsg_len, RT_TABLE_MAIN), 0);
	/* vbrd's route deleted: taken, as the event says; in another table: not ours. */
	nlh = our_route();
	nlh->nlmsg_type = RTM_DELROUTE;
	assert_int_equal(mon(nlh->nlmsg_len, RT_TABLE_MAIN), FIB_NL_MON_OURS);
	assert_int_equal(n_taken_seen, 1);
	assert_int_equal(taken_seen[0].prefix, 0x0a000100);
	assert_int_equal(taken_seen[0].len, 24);
	assert_int_equal(taken_seen[0].protocol, FIB_PROTO_BGP);
	assert_int_equal(taken_seen[0].gateway, 0x0a000002);
	assert_true(taken_seen[0].removed);
	assert_int_equal(mon(nlh->nlmsg_len, 100), 0);
	assert_int_equal(n_taken_seen, 0);
	/* Someone else's route put at our metric may have replaced ours, and one removed from
	 * there may leave the prefix to us; at another metric, neither. */
	nlh = our_route();
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_protocol = RTPROT_BOOT;
	assert_int_equal(mon(nlh->nlmsg_len, RT_TABLE_MAIN), FIB_NL_MON_OURS);
	assert_int_equal(taken_seen[0].protocol, RTPROT_BOOT);
	assert_false(taken_seen[0].removed);
	nlh->nlmsg_type = RTM_DELROUTE;
	assert_int_equal(mon(nlh->nlmsg_len, RT_TABLE_MAIN), FIB_NL_MON_OURS);
	assert_true(taken_seen[0].removed);
	nlh = route_msg(RTPROT_BOOT, RT_TABLE_MAIN, 24);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	mnl_attr_put_u32(nlh, RTA_DST, htonl(0x0a000100));
	assert_int_equal(mon(nlh->nlmsg_len, RT_TABLE_MAIN), 0);
	/* A malformed route event (dst_len 24, no RTA_DST) counts for nothing. */
	nlh = route_msg(FIB_PROTO_BGP, RT_TABLE_MAIN, 24);
	nlh->nlmsg_type = RTM_DELROUTE;
	mnl_attr_put_u32(nlh, RTA_PRIORITY, FIB_METRIC);
	struct fib_route r;
	bool concerns = false;
	assert_int_equal(fib_nl_route_event(nlh, RT_TABLE_MAIN, &r, &concerns), -EINVAL);
	assert_int_equal(mon(nlh->nlmsg_len, RT_TABLE_MAIN), 0);
	assert_int_equal(n_taken_seen, 0);
	/* A header claiming more than was received is not read. */
	nlh = link_msg(3, IFF_UP);
	assert_int_equal(mon(nlh->nlmsg_len - 1, RT_TABLE_MAIN), 0);
	assert_int_equal(mon(0, RT_TABLE_MAIN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_valid),     cmocka_unit_test(addr_skipped),
		cmocka_unit_test(addr_malformed), cmocka_unit_test(link_cases),
		cmocka_unit_test(route_ours),     cmocka_unit_test(route_not_ours),
		cmocka_unit_test(route_malformed), cmocka_unit_test(answers),
		cmocka_unit_test(huge_length),    cmocka_unit_test(monitor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
