/*
 * bench_decode: how fast the codec decodes UPDATEs. Part 1 generates a realistic stream
 * carrying 1,000,000 IPv4 prefixes (1-100 per UPDATE, AS paths of 1-10 4-octet ASNs, MED on
 * some, 1-6 communities on about a third, prefixes mostly /24) and decodes it — framing plus
 * bgp_update_decode — on one core, printing prefixes/s, MB/s and ns per message (target: the
 * 1M prefixes in under 100 ms). Part 2, when given an MRT BGP4MP dump (argv[1]), decodes the
 * real UPDATEs in it (BGP4MP_MESSAGE_AS4 records) and prints the same figures and verdicts.
 * Figures only: the exit status is 0 unless something cannot run at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "update.h"

#define TARGET_PREFIXES 1000000
#define RUNS		7

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: fixed seed, so every run decodes the same stream. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_attr(struct bgp_wbuf *w, uint8_t flags, uint8_t type, const uint8_t *v, size_t len)
{
	int errs = 0;
	if (len > 255)
		flags |= BGP_ATTR_FLAG_EXTENDED;
	errs += bgp_wbuf_add_u8(w, flags);
	errs += bgp_wbuf_add_u8(w, type);
	if (len > 255)
		errs += bgp_wbuf_add_u16(w, (uint16_t)len);
	else
		errs += bgp_wbuf_add_u8(w, (uint8_t)len);
	errs += bgp_wbuf_add_bytes(w, v, len);
	return errs;
}

/* One UPDATE with n prefixes; returns the number of prefixes actually written. */
static size_t gen_update(struct bgp_wbuf *w, size_t n, uint32_t *next_prefix)
{
	size_t start, attrs_at;
	uint8_t v[64];
	int errs = bgp_msg_begin(w, BGP_MSG_UPDATE, &start);
	errs += bgp_wbuf_add_u16(w, 0);
	errs += bgp_wbuf_reserve(w, 2, &attrs_at);
	size_t attrs_start = w->len;
	v[0] = (uint8_t)rnd(3);
	errs += add_attr(w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_ORIGIN, v, 1);
	size_t path_len = 1 + rnd(10);
	v[0] = BGP_AS_SEQUENCE;
	v[1] = (uint8_t)path_len;
	bgp_store_u32(v + 2, 65001);
	for (size_t i = 1; i < path_len; i++)
		bgp_store_u32(v + 2 + 4 * i, 1 + rnd(400000));
	errs += add_attr(w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_AS_PATH, v, 2 + 4 * path_len);
	bgp_store_u32(v, 0xc0000201 + rnd(16));
	errs += add_attr(w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_NEXT_HOP, v, 4);
	if (rnd(2)) {
		bgp_store_u32(v, rnd(1000));
		errs += add_attr(w, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MED, v, 4);
	}
	if (rnd(3) == 0) {
		size_t nc = 1 + rnd(6);
		for (size_t i = 0; i < nc; i++)
			bgp_store_u32(v + 4 * i, 65001u << 16 | rnd(65536));
		errs += add_attr(w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE,
				 BGP_ATTR_COMMUNITIES, v, 4 * nc);
	}
	bgp_wbuf_set_u16(w, attrs_at, (uint16_t)(w->len - attrs_start));
	size_t written = 0;
	for (; written < n; written++) {
		uint32_t r = rnd(100);
		uint8_t len = r < 60 ? 24 : r < 75 ? 22 : r < 85 ? 23 : r < 95 ? 20 : 16;
		uint32_t addr = (*next_prefix)++ << 8;
		size_t octets = (size_t)(len + 7) / 8;
		if (w->len - start + 1 + octets > BGP_MAX_MSG_LEN)
			break;
		uint8_t p[5] = {len};
		bgp_store_u32(p + 1, addr);
		errs += bgp_wbuf_add_bytes(w, p, 1 + octets);
	}
	errs += bgp_msg_end(w, start);
	if (errs) {
		fprintf(stderr, "bench: cannot build the stream\n");
		exit(1);
	}
	return written;
}

struct result {
	size_t messages, prefixes, withdrawn;
	size_t verdicts[4];
	size_t other_types;
	double seconds;
};

/* Frames and decodes every message of buf; UPDATEs on a 4-octet session. */
static int decode_stream(const uint8_t *buf, size_t len, struct bgp_update *upd, struct result *res)
{
	struct bgp_attr_ctx ctx = {.as4 = true, .peer_asn = 0};
	struct bgp_notification err;
	size_t off = 0;
	memset(res, 0, sizeof(*res));
	double t0 = now_s();
	while (off < len) {
		struct bgp_frame f;
		size_t consumed;
		if (bgp_msg_frame(buf + off, len - off, &f, &consumed, &err) != BGP_FRAME_OK)
			return -1;
		off += consumed;
		res->messages++;
		if (f.type != BGP_MSG_UPDATE) {
			res->other_types++;
			continue;
		}
		enum bgp_verdict v = bgp_update_decode(f.body, f.body_len, &ctx, upd);
		res->verdicts[v]++;
		res->prefixes += upd->nlri_count;
		res->withdrawn += upd->withdrawn_count;
	}
	res->seconds = now_s() - t0;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, size_t bytes, const struct result *r, double best,
		   double median)
{
	size_t total = r->prefixes + r->withdrawn;
	printf("%s\n", what);
	printf("  messages %zu (%zu not UPDATE), bytes %zu (%.1f MB), IPv4 announced %zu, "
	       "withdrawn %zu\n",
	       r->messages, r->other_types, bytes, (double)bytes / 1e6, r->prefixes, r->withdrawn);
	printf("  verdicts: accept %zu, attribute-discard %zu, treat-as-withdraw %zu, "
	       "session-reset %zu\n",
	       r->verdicts[0], r->verdicts[1], r->verdicts[2], r->verdicts[3]);
	printf("  best of %d: %.2f ms  (median %.2f ms)\n", RUNS, best * 1e3, median * 1e3);
	printf("  %.1f M prefixes/s, %.0f MB/s, %.0f ns/message, %.1f ns/prefix\n",
	       (double)total / best / 1e6, (double)bytes / best / 1e6,
	       best * 1e9 / (double)r->messages, best * 1e9 / (double)(total ? total : 1));
}

static void bench(const char *what, const uint8_t *buf, size_t len, struct bgp_update *upd)
{
	double times[RUNS];
	struct result r;
	for (int i = 0; i < RUNS; i++) {
		if (decode_stream(buf, len, upd, &r)) {
			printf("%s: framing failed\n", what);
			return;
		}
		times[i] = r.seconds;
	}
	qsort(times, RUNS, sizeof(times[0]), cmp_double);
	report(what, len, &r, times[0], times[RUNS / 2]);
}

/* Reads the BGP messages of BGP4MP(_ET) MESSAGE_AS4 records (RFC 6396 4.4) into w. */
static int load_mrt(const char *path, struct bgp_wbuf *w, size_t *records)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s' 2>/dev/null", path);
	FILE *fp = popen(cmd, "r");
	if (!fp)
		return -1;
	uint8_t hdr[12];
	static uint8_t body[65536 + 64];
	*records = 0;
	while (fread(hdr, 1, 12, fp) == 12) {
		uint16_t type = bgp_load_u16(hdr + 4), subtype = bgp_load_u16(hdr + 6);
		uint32_t len = bgp_load_u32(hdr + 8);
		if (len > sizeof(body) || fread(body, 1, len, fp) != len)
			break;
		const uint8_t *p = body;
		size_t left = len;
		if (type == 17) { /* BGP4MP_ET: 4 octets of microseconds first */
			if (left < 4)
				continue;
			p += 4, left -= 4;
		}
		if ((type != 16 && type != 17) || subtype != 4 || left < 12)
			continue;
		uint16_t afi = bgp_load_u16(p + 10);
		size_t skip = 12 + (afi == 1 ? 8 : 32);
		if (left < skip + BGP_HEADER_LEN)
			continue;
		if (bgp_wbuf_add_bytes(w, p + skip, left - skip))
			break;
		(*records)++;
	}
	int status = pclose(fp);
	return *records > 0 && status == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct bgp_update upd;
	struct bgp_wbuf w;
	bgp_wbuf_init(&w, 0);
	size_t prefixes = 0, messages = 0;
	uint32_t next_prefix = 0x010000;
	while (prefixes < TARGET_PREFIXES) {
		size_t want = 1 + rnd(100);
		if (want > TARGET_PREFIXES - prefixes)
			want = TARGET_PREFIXES - prefixes;
		prefixes += gen_update(&w, want, &next_prefix);
		messages++;
	}
	printf("codec decode benchmark (one core; framing + bgp_update_decode)\n");
	bench("generated: 1,000,000 prefixes, 1-100 per UPDATE, paths of 1-10 ASNs, "
	      "communities on 1/3",
	      w.data, w.len, &upd);
	printf("  target: 1M prefixes in < 100 ms\n");

	if (argc > 1) {
		size_t records;
		bgp_wbuf_reset(&w);
		if (load_mrt(argv[1], &w, &records) == 0) {
			char what[512];
			snprintf(what, sizeof(what), "real: %s (%zu BGP4MP_MESSAGE_AS4 records)",
				 argv[1], records);
			bench(what, w.data, w.len, &upd);
		} else {
			printf("real: %s not readable, skipped\n", argv[1]);
		}
	}
	bgp_wbuf_free(&w);
	return 0;
}
