/*
 * fuzz_netlink: libFuzzer target for the netlink messages vbrd reads from the kernel
 * (bgp/fib_nl_parse.c). The input is one received datagram, as recv() hands it over:
 *  - as write answers (fib_nl_read_answers, sequence window from the first octets);
 *  - as monitor events (fib_nl_monitor_changed, fib_nl_route_event);
 *  - every whole message to each parser, once walked with fib_nl_msg_ok as the answers and
 *    the monitor are, once through libmnl's mnl_cb_run as the dumps are (after
 *    fib_nl_check_frames) (it keeps the
 *    control messages, NLMSG_ERROR among them, to itself).
 * What a parser says it took is checked against what its result promises.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "fib_nl_parse.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define WINDOW 8
#define UNKNOWN 1 /* as fib_netlink.c: an answer not yet read */

static void on_taken(void *arg, const struct fib_route *r)
{
	(void)arg;
	CHECK(r->len <= 32);
}

static int each_message(const struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	struct fib_nl_link l;
	int rc = fib_nl_parse_link(nlh, &l);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0)
		CHECK(l.index > 0 && memchr(l.name, '\0', sizeof(l.name)));
	struct fib_connected c;
	rc = fib_nl_parse_addr(nlh, &c);
	CHECK(rc == 0 || rc == FIB_NL_SKIP || rc == -EINVAL);
	if (rc == 0) {
		CHECK(c.len <= 32 && c.addr != 0 && c.ifname[0] == '\0');
		CHECK(c.len == 32 || (c.prefix & (0xffffffffu >> c.len)) == 0);
	}
	struct fib_route r;
	rc = fib_nl_parse_route(nlh, 254, &r);
	CHECK(rc == 0 || rc == FIB_NL_SKIP || rc == -EINVAL);
	if (rc == 0)
		CHECK(r.len <= 32 && (r.protocol == FIB_PROTO_BGP || r.protocol == FIB_PROTO_STATIC));
	bool takes;
	rc = fib_nl_route_event(nlh, 254, &r, &takes);
	CHECK(rc == 0 || rc == FIB_NL_SKIP || rc == -EINVAL);
	if (rc == 0)
		CHECK(r.len <= 32);
	uint32_t seq;
	int err;
	rc = fib_nl_parse_error(nlh, &seq, &err);
	CHECK(rc == 0 || rc == FIB_NL_SKIP || rc == -EINVAL);
	if (rc == 0)
		CHECK(err <= 0 && err >= -4095);
	return MNL_CB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy: netlink buffers are 4-aligned, libFuzzer's need not be. */
	void *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	uint32_t first = 0;
	if (size >= 12)
		memcpy(&first, data + 8, sizeof(first)); /* the first message's nlmsg_seq */
	int errs[WINDOW];
	for (size_t i = 0; i < WINDOW; i++)
		errs[i] = UNKNOWN;
	int taken = fib_nl_read_answers(buf, size, first, WINDOW, errs);
	CHECK(taken == -EINVAL || (taken >= 0 && (size_t)size >= (size_t)taken * 20));
	for (size_t i = 0; i < WINDOW; i++)
		CHECK(errs[i] == UNKNOWN || (errs[i] <= 0 && errs[i] >= -4095));
	const struct nlmsghdr *nlh = buf;
	for (size_t left = size; fib_nl_msg_ok(nlh, left); nlh = fib_nl_msg_next(nlh, &left))
		each_message(nlh, NULL);
	int changed = fib_nl_monitor_changed(buf, size, 254, on_taken, NULL);
	CHECK((changed & ~(FIB_NL_MON_LINKS | FIB_NL_MON_OURS)) == 0);
	/* As a dump answer: seq 0 and portid 0 match anything, as libmnl defines them. */
	if (fib_nl_check_frames(buf, size) == 0)
		mnl_cb_run(buf, size, 0, 0, each_message, NULL); /* only so, as run_dump */
	free(buf);
	return 0;
}
