/*
 * Unit tests of bgp/rib.c alone: the ordered prefix table (order, paging, removal), attribute
 * interning and reference counts (AS path segments included), the Adj-RIB-In route limit
 * (accept, hold, promote in arrival order, one crossing per excursion), AS loops, and the
 * RFC 4271 9.1.2.2 comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "rib.h"

#define P(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct rib_attrs *make_attrs(struct rib_attr_table *t, uint32_t nh, const uint32_t *path,
				    uint16_t n, uint8_t origin)
{
	struct rib_path p = { .origin = origin, .next_hop = nh, .as_path = path,
			      .as_path_len = n, .as_path_count = n };
	return rib_attrs_intern(t, &p);
}

struct collected {
	uint32_t prefix[64];
	uint8_t len[64];
	size_t n, stop_after;
};

static bool collect(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	(void)e;
	struct collected *c = arg;
	c->prefix[c->n] = prefix;
	c->len[c->n] = len;
	c->n++;
	return c->n < c->stop_after;
}

static void test_table_order_and_paging(void **state)
{
	(void)state;
	struct rib_table t;
	rib_table_init(&t);
	/* Inserted out of order, across /16 leaves, with equal prefixes of different lengths. */
	const uint32_t pre[] = { P(10, 1, 0, 0), P(10, 0, 0, 0), P(9, 255, 255, 0), P(10, 0, 0, 0),
				 P(192, 0, 2, 0), P(10, 0, 128, 0) };
	const uint8_t len[] = { 16, 24, 24, 8, 24, 17 };
	bool created;
	for (size_t i = 0; i < 6; i++) {
		assert_non_null(rib_table_upsert(&t, pre[i], len[i], &created));
		assert_true(created);
	}
	assert_non_null(rib_table_upsert(&t, P(10, 0, 0, 0), 24, &created));
	assert_false(created);
	assert_int_equal(t.count, 6);

	struct collected c = { .stop_after = 64 };
	assert_int_equal(rib_table_walk(&t, true, 0, 0, collect, &c), 6);
	const uint32_t want_p[] = { P(9, 255, 255, 0), P(10, 0, 0, 0), P(10, 0, 0, 0),
				    P(10, 0, 128, 0), P(10, 1, 0, 0), P(192, 0, 2, 0) };
	const uint8_t want_l[] = { 24, 8, 24, 17, 16, 24 };
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(c.prefix[i], want_p[i]);
		assert_int_equal(c.len[i], want_l[i]);
	}
	/* Paging: strictly after (10.0.0.0, 8), two at a time. */
	struct collected d = { .stop_after = 2 };
	assert_int_equal(rib_table_walk(&t, false, P(10, 0, 0, 0), 8, collect, &d), 2);
	assert_int_equal(d.prefix[0], P(10, 0, 0, 0));
	assert_int_equal(d.len[0], 24);
	assert_int_equal(d.prefix[1], P(10, 0, 128, 0));
	/* After a key that is not present: the next one. */
	struct collected e = { .stop_after = 64 };
	assert_int_equal(rib_table_walk(&t, false, P(10, 0, 200, 0), 24, collect, &e), 2);
	assert_int_equal(e.prefix[0], P(10, 1, 0, 0));

	assert_true(rib_table_remove(&t, P(10, 0, 0, 0), 8));
	assert_false(rib_table_remove(&t, P(10, 0, 0, 0), 8));
	assert_null(rib_table_find(&t, P(10, 0, 0, 0), 8));
	assert_non_null(rib_table_find(&t, P(10, 0, 0, 0), 24));
	assert_int_equal(t.count, 5);
	rib_table_free(&t, NULL);
}

static void test_table_many(void **state)
{
	(void)state;
	struct rib_table t;
	rib_table_init(&t);
	bool created;
	for (uint32_t i = 0; i < 70000; i++)
		assert_non_null(rib_table_upsert(&t, P(16, 0, 0, 0) + (i << 8), 24, &created));
	assert_int_equal(t.count, 70000);
	for (uint32_t i = 0; i < 70000; i += 2)
		assert_true(rib_table_remove(&t, P(16, 0, 0, 0) + (i << 8), 24));
	assert_int_equal(t.count, 35000);
	for (uint32_t i = 0; i < 70000; i++)
		assert_int_equal(rib_table_find(&t, P(16, 0, 0, 0) + (i << 8), 24) != NULL, i % 2);
	rib_table_free(&t, NULL);
}

struct key {
	uint32_t prefix;
	uint8_t len;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->len - (int)y->len;
}

static bool check_order(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	(void)e;
	struct key **next = arg;
	assert_int_equal(prefix, (*next)->prefix);
	assert_int_equal(len, (*next)->len);
	(*next)++;
	return true;
}

/* Random prefixes of every length, clustered in a few /16s so leaves get long and uneven:
 * the table's order, lookups and removals must match a sorted reference exactly. */
static void test_table_random(void **state)
{
	(void)state;
	enum { N = 20000 };
	static struct key keys[N];
	struct rib_table t;
	rib_table_init(&t);
	uint64_t x = 88172645463325252ULL;
	size_t n = 0;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint8_t len = (uint8_t)(x % 33);
		uint32_t p = (uint32_t)(x >> 16);
		p = (p & 0x0003ffffu) | 0x0a000000u; /* 10.0.0.0 - 10.3.255.255 */
		p &= len ? ~(uint32_t)0 << (32 - len) : 0;
		bool created;
		assert_non_null(rib_table_upsert(&t, p, len, &created));
		if (created)
			keys[n++] = (struct key){ p, len };
	}
	assert_int_equal(t.count, n);
	qsort(keys, n, sizeof(keys[0]), key_cmp);
	struct key *next = keys;
	assert_int_equal(rib_table_walk(&t, true, 0, 0, check_order, &next), n);
	for (size_t i = 0; i < n; i += 2)
		assert_true(rib_table_remove(&t, keys[i].prefix, keys[i].len));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rib_table_find(&t, keys[i].prefix, keys[i].len) != NULL, i % 2);
	rib_table_free(&t, NULL);
}

static void test_interning(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path1[] = { 65001, 64999 }, path2[] = { 65001 };
	struct rib_attrs *a = make_attrs(&at, P(10, 0, 0, 2), path1, 2, 0);
	struct rib_attrs *b = make_attrs(&at, P(10, 0, 0, 2), path1, 2, 0);
	struct rib_attrs *c = make_attrs(&at, P(10, 0, 0, 2), path2, 1, 0);
	struct rib_attrs *d = make_attrs(&at, P(10, 0, 0, 3), path1, 2, 0);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, c);
	assert_ptr_not_equal(a, d);
	assert_int_equal(a->refs, 2);
	assert_int_equal(at.count, 3);
	assert_int_equal(a->path.as_path[1], 64999);
	/* Many distinct sets force the hash table to grow; lookups keep working. */
	struct rib_attrs *many[1000];
	for (uint32_t i = 0; i < 1000; i++)
		many[i] = make_attrs(&at, i, path2, 1, 0);
	for (uint32_t i = 0; i < 1000; i++)
		assert_ptr_equal(make_attrs(&at, i, path2, 1, 0), many[i]);
	for (uint32_t i = 0; i < 1000; i++) {
		rib_attrs_unref(&at, many[i]);
		rib_attrs_unref(&at, many[i]);
	}
	rib_attrs_unref(&at, a);
	rib_attrs_unref(&at, b);
	rib_attrs_unref(&at, c);
	rib_attrs_unref(&at, d);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

static void test_route_limit(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path[] = { 65001 };
	struct rib_attrs *a = make_attrs(&at, P(10, 0, 0, 2), path, 1, 0);
	struct rib_in r;
	rib_in_init(&r, 100);
	int crossings = 0, refused = 0;
	for (uint32_t i = 0; i < 150; i++) {
		bool crossed;
		enum rib_in_result res = rib_in_announce(&r, &at, P(10, 100, 0, 0) + (i << 8), 24, a,
							 &crossed);
		assert_int_equal(res, i < 100 ? RIB_IN_ACCEPTED : RIB_IN_REFUSED);
		crossings += crossed;
		refused += res == RIB_IN_REFUSED;
	}
	assert_int_equal(r.table.count, 150);
	assert_int_equal(r.accepted, 100);
	assert_int_equal(refused, 50);
	assert_int_equal(crossings, 1);
	/* The same accepted route again: unchanged, still accepted. */
	bool crossed, present;
	assert_int_equal(rib_in_announce(&r, &at, P(10, 100, 0, 0), 24, a, &crossed),
			 RIB_IN_UNCHANGED);
	/* Withdrawing an accepted route makes room: the oldest held route (the 101st sent)
	 * takes it, the limit is still reached (49 held), and there is no clearing yet. */
	assert_true(rib_in_withdraw(&r, &at, P(10, 100, 0, 0), 24, &present));
	assert_true(present);
	assert_int_equal(r.accepted, 99);
	uint32_t pfx;
	uint8_t plen;
	assert_true(rib_in_promote(&r, &pfx, &plen));
	assert_int_equal(pfx, P(10, 100, 0, 0) + (100 << 8));
	assert_int_equal(plen, 24);
	assert_false(rib_in_promote(&r, &pfx, &plen));
	assert_false(rib_in_limit_cleared(&r));
	assert_int_equal(r.accepted, 100);
	assert_int_equal(r.held_count, 49);
	/* A held route announced again stays held (counted once, keeps its place). */
	assert_int_equal(rib_in_announce(&r, &at, P(10, 100, 0, 0) + (120 << 8), 24, a, &crossed),
			 RIB_IN_REFUSED);
	assert_false(crossed);
	assert_int_equal(rib_in_received(&r), 149);
	assert_int_equal(rib_in_announce(&r, &at, P(10, 200, 0, 0), 24, a, &crossed),
			 RIB_IN_REFUSED);
	assert_false(crossed); /* still the same excursion past the limit */
	/* Issue 14: the peer re-announces everything it holds with new attributes (same
	 * prefixes): each route is counted once, accepted ones stay accepted (with the new
	 * path), held ones stay held in their places, and it is no new crossing. */
	const uint32_t path2[] = { 65001, 65002 };
	struct rib_attrs *b = make_attrs(&at, P(10, 0, 0, 3), path2, 2, 0);
	for (uint32_t i = 0; i < 150; i++) {
		enum rib_in_result res = rib_in_announce(&r, &at, P(10, 100, 0, 0) + (i << 8), 24,
							 b, &crossed);
		if (i == 0) /* withdrawn above: announced anew, and there is no room */
			assert_int_equal(res, RIB_IN_REFUSED);
		else
			assert_int_equal(res, i <= 100 ? RIB_IN_ACCEPTED : RIB_IN_REFUSED);
		assert_false(crossed);
	}
	assert_int_equal(r.accepted, 100);
	assert_int_equal(r.held_count, 51); /* 101..149 and 10.200/24 held before, 10.100.0/24 now */
	assert_int_equal(rib_in_received(&r), 151);
	assert_ptr_equal(rib_table_find(&r.table, P(10, 100, 1, 0), 24)->attrs, b);
	assert_ptr_equal(rib_table_find(&r.table, P(10, 100, 140, 0), 24)->attrs, b);
	assert_false(rib_in_promote(&r, &pfx, &plen));
	/* The held ones kept their order: withdrawing one accepted route promotes the oldest
	 * held (the 102nd sent first), not the re-announced 10.100.0/24. */
	assert_true(rib_in_withdraw(&r, &at, P(10, 100, 1, 0), 24, &present));
	assert_true(rib_in_promote(&r, &pfx, &plen));
	assert_int_equal(pfx, P(10, 100, 0, 0) + (101 << 8));
	/* Withdrawing a refused route changes nothing accepted. */
	assert_false(rib_in_withdraw(&r, &at, P(10, 200, 0, 0), 24, &present));
	assert_true(present);
	assert_false(rib_in_withdraw(&r, &at, P(10, 201, 0, 0), 24, &present));
	assert_false(present);
	rib_in_clear(&r, &at);
	rib_attrs_unref(&at, a);
	rib_attrs_unref(&at, b);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

/* Issue 14: withdrawals promote held routes in arrival order, up to the limit; the clearing
 * is reported once every held route is in, and a new excursion is a new crossing. */
static void test_route_limit_promotes_in_arrival_order(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path[] = { 65001 };
	struct rib_attrs *a = make_attrs(&at, P(10, 0, 0, 2), path, 1, 0);
	struct rib_in r;
	rib_in_init(&r, 3);
	bool crossed, present;
	/* Accepted: .1 .2 .3; held, in this order: .9 .5 .7 */
	const uint8_t order[] = { 1, 2, 3, 9, 5, 7 };
	for (size_t i = 0; i < 6; i++)
		rib_in_announce(&r, &at, P(10, 0, order[i], 0), 24, a, &crossed);
	assert_int_equal(r.accepted, 3);
	assert_int_equal(r.held_count, 3);
	/* .5 withdrawn while held: its place is gone. */
	assert_false(rib_in_withdraw(&r, &at, P(10, 0, 5, 0), 24, &present));
	/* Two accepted withdrawn: .9 then .7 come in, in the order they arrived. */
	assert_true(rib_in_withdraw(&r, &at, P(10, 0, 1, 0), 24, &present));
	assert_true(rib_in_withdraw(&r, &at, P(10, 0, 2, 0), 24, &present));
	uint32_t pfx;
	uint8_t plen;
	assert_true(rib_in_promote(&r, &pfx, &plen));
	assert_int_equal(pfx, P(10, 0, 9, 0));
	assert_true(rib_in_promote(&r, &pfx, &plen));
	assert_int_equal(pfx, P(10, 0, 7, 0));
	assert_false(rib_in_promote(&r, &pfx, &plen));
	assert_int_equal(r.accepted, 3);
	assert_false(rib_in_limit_cleared(&r)); /* at the limit, nothing held: not below yet */
	assert_true(rib_in_withdraw(&r, &at, P(10, 0, 3, 0), 24, &present));
	assert_false(rib_in_promote(&r, &pfx, &plen));
	assert_true(rib_in_limit_cleared(&r));
	assert_false(rib_in_limit_cleared(&r)); /* once */
	const struct rib_entry *e = rib_table_find(&r.table, P(10, 0, 7, 0), 24);
	assert_true(e->flags & RIB_ENTRY_ACCEPTED);
	/* Fill again: the next refusal is a new crossing. */
	assert_int_equal(rib_in_announce(&r, &at, P(10, 0, 20, 0), 24, a, &crossed),
			 RIB_IN_ACCEPTED);
	assert_int_equal(rib_in_announce(&r, &at, P(10, 0, 21, 0), 24, a, &crossed),
			 RIB_IN_REFUSED);
	assert_true(crossed);
	/* Many held-withdraw cycles leave the FIFO bounded (stale items compacted). */
	for (uint32_t i = 0; i < 10000; i++) {
		rib_in_announce(&r, &at, P(11, 0, 0, 0) + (i % 50 << 8), 24, a, &crossed);
		rib_in_withdraw(&r, &at, P(11, 0, 0, 0) + (i % 50 << 8), 24, &present);
	}
	assert_true(r.held_cap <= 2 * r.held_count + 64);
	rib_in_clear(&r, &at);
	rib_attrs_unref(&at, a);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

/* RFC 4271 9.1.2: an AS loop is stored and flagged, never accepted, and takes no place under
 * the limit; an accepted route that turns into a loop gives its place up. */
static void test_as_loop_refused(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path[] = { 65001 };
	struct rib_attrs *a = make_attrs(&at, P(10, 0, 0, 2), path, 1, 0);
	struct rib_in r;
	rib_in_init(&r, 2);
	bool crossed;
	const struct rib_entry *e;
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(rib_in_announce_entry(&r, &at, P(10, 1, i, 0), 24, a, true,
						       &crossed, &e),
				 RIB_IN_REFUSED);
	assert_false(crossed); /* loops are not the limit */
	assert_true(e->flags & RIB_ENTRY_AS_LOOP);
	assert_int_equal(r.accepted, 0);
	assert_int_equal(r.loops, 5);
	assert_int_equal(rib_in_received(&r), 5);
	assert_int_equal(rib_in_announce(&r, &at, P(10, 2, 0, 0), 24, a, &crossed),
			 RIB_IN_ACCEPTED);
	assert_int_equal(rib_in_announce(&r, &at, P(10, 2, 1, 0), 24, a, &crossed),
			 RIB_IN_ACCEPTED);
	assert_int_equal(rib_in_announce(&r, &at, P(10, 2, 2, 0), 24, a, &crossed),
			 RIB_IN_REFUSED);
	assert_true(crossed);
	/* 10.2.0/24 now loops: it leaves the Loc-RIB, 10.2.2/24 may take its place. */
	assert_int_equal(rib_in_announce_entry(&r, &at, P(10, 2, 0, 0), 24, a, true, &crossed, &e),
			 RIB_IN_ACCEPTED);
	assert_false(e->flags & RIB_ENTRY_ACCEPTED);
	uint32_t pfx;
	uint8_t plen;
	assert_true(rib_in_promote(&r, &pfx, &plen));
	assert_int_equal(pfx, P(10, 2, 2, 0));
	/* A loop announced without the loop is an ordinary route again (here: held). */
	assert_int_equal(rib_in_announce(&r, &at, P(10, 1, 0, 0), 24, a, &crossed),
			 RIB_IN_REFUSED);
	assert_int_equal(r.loops, 5);
	assert_int_equal(r.held_count, 1);
	rib_in_clear(&r, &at);
	rib_attrs_unref(&at, a);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

/* The same ASNs as a sequence or with a set are different paths (interned apart). */
static void test_segments_interned(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path[] = { 65001, 65002, 65003, 65004 };
	const uint32_t segs[] = { RIB_SEG(2, 2), RIB_SEG(1, 2) };
	struct rib_path seq = { .next_hop = 1, .as_path = path, .as_path_len = 4,
				.as_path_count = 4 };
	struct rib_path set = seq;
	set.as_path_count = 3;
	set.as_segs = segs;
	set.as_seg_count = 2;
	struct rib_attrs *a = rib_attrs_intern(&at, &seq), *b = rib_attrs_intern(&at, &set);
	assert_ptr_not_equal(a, b);
	assert_int_equal(b->path.as_seg_count, 2);
	assert_int_equal(RIB_SEG_TYPE(b->path.as_segs[1]), 1);
	assert_int_equal(RIB_SEG_COUNT(b->path.as_segs[1]), 2);
	assert_ptr_equal(rib_attrs_intern(&at, &set), b);
	rib_attrs_unref(&at, b);
	rib_attrs_unref(&at, b);
	rib_attrs_unref(&at, a);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

static void test_refused_routes_kept_bounded(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path[] = { 65001 };
	struct rib_attrs *a = make_attrs(&at, P(10, 0, 0, 2), path, 1, 0);
	struct rib_in r;
	rib_in_init(&r, 10);
	bool crossed, present;
	int crossings = 0;
	/* 10 accepted, then 5000 refused: only RIB_IN_REFUSED_KEPT(10) = 1000 of them held. */
	for (uint32_t i = 0; i < 5010; i++) {
		enum rib_in_result res = rib_in_announce(&r, &at, P(20, 0, 0, 0) + (i << 8), 24, a,
							 &crossed);
		assert_int_equal(res, i < 10 ? RIB_IN_ACCEPTED : RIB_IN_REFUSED);
		crossings += crossed;
	}
	assert_int_equal(crossings, 1);
	assert_int_equal(r.accepted, 10);
	assert_int_equal(r.table.count, 1010);
	assert_int_equal(rib_in_received(&r), 5010);
	/* A held refused route announced again stays held, not counted twice. */
	assert_int_equal(rib_in_announce(&r, &at, P(20, 0, 0, 0) + (500 << 8), 24, a, &crossed),
			 RIB_IN_REFUSED);
	assert_int_equal(rib_in_received(&r), 5010);
	/* Withdrawing a prefix we did not keep takes one off the count. */
	assert_false(rib_in_withdraw(&r, &at, P(20, 0, 0, 0) + (4000 << 8), 24, &present));
	assert_false(present);
	assert_int_equal(rib_in_received(&r), 5009);
	rib_in_clear(&r, &at);
	assert_int_equal(rib_in_received(&r), 0);
	rib_attrs_unref(&at, a);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

struct removed_list {
	uint32_t prefix[600];
	size_t n;
};

static void note_removed(void *arg, uint32_t prefix, uint8_t len)
{
	(void)len;
	struct removed_list *l = arg;
	l->prefix[l->n++] = prefix;
}

/* RFC 4724 4.2, the helper: every route kept stale, the ones announced again (same or new
 * attributes) fresh, a withdrawal of a stale one counted off, the rest swept (accepted ones
 * reported for the Loc-RIB, held ones not), across more than one sweep batch. */
static void test_stale_mark_refresh_sweep(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path[] = { 65001 }, path2[] = { 65001, 65002 };
	struct rib_attrs *a = make_attrs(&at, P(10, 0, 0, 2), path, 1, 0);
	struct rib_attrs *b = make_attrs(&at, P(10, 0, 0, 2), path2, 2, 0);
	struct rib_in r;
	rib_in_init(&r, 500);
	bool crossed;
	for (uint32_t i = 0; i < 510; i++) /* 500 accepted, 10 held */
		rib_in_announce(&r, &at, P(10, i >> 8, i & 255, 0), 24, a, &crossed);
	assert_int_equal(r.accepted, 500);
	assert_int_equal(r.held_count, 10);
	assert_int_equal(rib_in_mark_stale(&r), 510);
	assert_int_equal(r.stale, 510);
	const struct rib_entry *e = rib_table_find(&r.table, P(10, 0, 7, 0), 24);
	assert_true((e->flags & RIB_ENTRY_STALE) && (e->flags & RIB_ENTRY_ACCEPTED));
	/* The new session: the same route again is unchanged (no Loc-RIB work) but fresh. */
	assert_int_equal(rib_in_announce(&r, &at, P(10, 0, 7, 0), 24, a, &crossed),
			 RIB_IN_UNCHANGED);
	assert_false(e->flags & RIB_ENTRY_STALE);
	assert_int_equal(rib_in_announce(&r, &at, P(10, 0, 8, 0), 24, b, &crossed),
			 RIB_IN_ACCEPTED);
	assert_int_equal(rib_in_announce(&r, &at, P(10, 1, 250, 0), 24, a, &crossed),
			 RIB_IN_REFUSED); /* a held one, still held, fresh */
	bool present;
	assert_true(rib_in_withdraw(&r, &at, P(10, 0, 9, 0), 24, &present));
	assert_int_equal(r.stale, 506);
	/* End-of-RIB: what was not announced again goes. */
	struct removed_list l = { .n = 0 };
	assert_int_equal(rib_in_sweep_stale(&r, &at, note_removed, &l, UINT64_MAX), 506);
	assert_int_equal(r.stale, 0);
	assert_int_equal(l.n, 497); /* 500 accepted - 2 announced - 1 withdrawn */
	assert_int_equal(r.table.count, 3);
	assert_int_equal(r.accepted, 2);
	assert_int_equal(r.held_count, 1);
	assert_non_null(rib_table_find(&r.table, P(10, 0, 7, 0), 24));
	assert_non_null(rib_table_find(&r.table, P(10, 0, 8, 0), 24));
	assert_non_null(rib_table_find(&r.table, P(10, 1, 250, 0), 24));
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.prefix[i - 1] < l.prefix[i]); /* each reported once, in order */
	/* Nothing stale: a sweep is a no-op; a clear forgets the count. */
	assert_int_equal(rib_in_sweep_stale(&r, &at, note_removed, &l, UINT64_MAX), 0);
	rib_in_mark_stale(&r);
	rib_in_clear(&r, &at);
	assert_int_equal(r.stale, 0);
	rib_attrs_unref(&at, a);
	rib_attrs_unref(&at, b);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

/* The bounded sweep: at most `max` routes a call, each call going on where the last stopped
 * (every stale route removed once, in order), a route announced behind the cursor kept, a
 * call over a long run of fresh routes stopping after RIB_SWEEP_VISIT_MAX of them, and a new
 * mark starting from the beginning again. */
static void note_count(void *arg, uint32_t prefix, uint8_t len)
{
	(void)len;
	uint32_t *last = arg;
	assert_true(last[1] == 0 || prefix > last[0]); /* in order, never twice */
	last[0] = prefix;
	last[1]++;
}

static void test_stale_sweep_bounded(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t path[] = { 65001 };
	struct rib_attrs *a = make_attrs(&at, P(10, 0, 0, 2), path, 1, 0);
	struct rib_in r;
	rib_in_init(&r, 0);
	bool crossed;
	const uint32_t total = 20000;
	for (uint32_t i = 0; i < total; i++)
		rib_in_announce(&r, &at, P(20, i >> 8, i & 255, 0), 24, a, &crossed);
	assert_int_equal(rib_in_mark_stale(&r), total);
	/* Every tenth announced again: fresh. */
	for (uint32_t i = 0; i < total; i += 10)
		rib_in_announce(&r, &at, P(20, i >> 8, i & 255, 0), 24, a, &crossed);
	assert_int_equal(r.stale, total - total / 10);
	uint32_t seen[2] = { 0, 0 };
	uint64_t removed = 0;
	int calls = 0;
	while (r.stale > 0 && calls < 100) {
		uint64_t n = rib_in_sweep_stale(&r, &at, note_count, seen, 1000);
		assert_true(n <= 1000);
		removed += n;
		calls++;
		if (calls == 3) {
			/* Behind the cursor: a new route, not stale, is not swept. */
			assert_int_equal(rib_in_announce(&r, &at, P(20, 0, 1, 128), 25, a, &crossed),
					 RIB_IN_ACCEPTED);
		}
	}
	assert_int_equal(calls, 18);
	assert_int_equal(removed, total - total / 10);
	assert_int_equal(seen[1], removed);
	assert_int_equal(r.table.count, total / 10 + 1);
	assert_non_null(rib_table_find(&r.table, P(20, 0, 1, 128), 25));
	assert_false(r.sweep_resume);

	/* 70,000 fresh routes before the only stale one: the first call stops short of it. */
	rib_in_clear(&r, &at);
	for (uint32_t i = 0; i < 70000; i++)
		rib_in_announce(&r, &at, (30u << 24) + (i << 8), 24, a, &crossed);
	rib_in_mark_stale(&r);
	for (uint32_t i = 0; i < 70000; i++)
		rib_in_announce(&r, &at, (30u << 24) + (i << 8), 24, a, &crossed);
	rib_in_announce(&r, &at, P(40, 0, 0, 0), 24, a, &crossed);
	rib_in_mark_stale(&r);
	for (uint32_t i = 0; i < 70000; i++)
		rib_in_announce(&r, &at, (30u << 24) + (i << 8), 24, a, &crossed);
	assert_int_equal(r.stale, 1);
	assert_int_equal(rib_in_sweep_stale(&r, &at, NULL, NULL, 1000), 0);
	assert_int_equal(r.stale, 1);
	assert_true(r.sweep_resume);
	assert_int_equal(rib_in_sweep_stale(&r, &at, NULL, NULL, 1000), 1);
	assert_int_equal(r.stale, 0);
	assert_null(rib_table_find(&r.table, P(40, 0, 0, 0), 24));
	/* A new mark mid-sweep starts from the beginning. */
	rib_in_mark_stale(&r);
	assert_int_equal(rib_in_sweep_stale(&r, &at, NULL, NULL, 10), 10);
	assert_true(r.sweep_resume);
	assert_int_equal(rib_in_mark_stale(&r), 70000 - 10);
	assert_false(r.sweep_resume);
	assert_null(rib_table_find(&r.table, P(30, 0, 0, 0), 24)); /* the first ten went */
	while (r.stale > 0)
		rib_in_sweep_stale(&r, &at, NULL, NULL, 50000);
	assert_int_equal(r.table.count, 0);
	rib_in_clear(&r, &at);
	rib_attrs_unref(&at, a);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

static void test_decision(void **state)
{
	(void)state;
	struct rib_attr_table at;
	rib_attr_table_init(&at);
	const uint32_t short_path[] = { 65001 }, long_path[] = { 65002, 64999 };
	struct rib_attrs *s = make_attrs(&at, 1, short_path, 1, 2);
	struct rib_attrs *l = make_attrs(&at, 1, long_path, 2, 0);
	struct rib_candidate a = { .attrs = s, .peer_asn = 65001, .router_id = 9, .peer_ip = 9 };
	struct rib_candidate b = { .attrs = l, .peer_asn = 65002, .router_id = 1, .peer_ip = 1 };
	/* a) shorter AS_PATH wins even with a worse ORIGIN and a higher router id. */
	assert_true(rib_better(&a, &b));
	assert_false(rib_better(&b, &a));
	/* b) lowest ORIGIN at equal length. */
	struct rib_attrs *igp = make_attrs(&at, 2, short_path, 1, 0);
	struct rib_candidate c = { .attrs = igp, .peer_asn = 65003, .router_id = 9, .peer_ip = 9 };
	assert_true(rib_better(&c, &a));
	/* c) MED only between routes from the same neighbouring AS. */
	struct rib_path pm = { .origin = 0, .next_hop = 3, .as_path = short_path, .as_path_len = 1,
			       .as_path_count = 1, .has_med = true, .med = 50 };
	struct rib_attrs *med50 = rib_attrs_intern(&at, &pm);
	pm.med = 10;
	struct rib_attrs *med10 = rib_attrs_intern(&at, &pm);
	struct rib_candidate m50 = { .attrs = med50, .peer_asn = 65001, .router_id = 1,
				     .peer_ip = 1 };
	struct rib_candidate m10 = { .attrs = med10, .peer_asn = 65001, .router_id = 5,
				     .peer_ip = 5 };
	assert_true(rib_better(&m10, &m50));
	m10.peer_asn = 65009; /* different neighbour AS: MED ignored, router id decides */
	assert_true(rib_better(&m50, &m10));
	/* f) lowest router id, g) lowest peer address. */
	struct rib_candidate x = { .attrs = igp, .peer_asn = 1, .router_id = 7, .peer_ip = 20 };
	struct rib_candidate y = { .attrs = igp, .peer_asn = 2, .router_id = 7, .peer_ip = 10 };
	assert_true(rib_better(&y, &x));
	y.router_id = 8;
	assert_true(rib_better(&x, &y));
	rib_attrs_unref(&at, s);
	rib_attrs_unref(&at, l);
	rib_attrs_unref(&at, igp);
	rib_attrs_unref(&at, med50);
	rib_attrs_unref(&at, med10);
	assert_int_equal(at.count, 0);
	rib_attr_table_free(&at);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_order_and_paging),
		cmocka_unit_test(test_table_many),
		cmocka_unit_test(test_table_random),
		cmocka_unit_test(test_interning),
		cmocka_unit_test(test_route_limit),
		cmocka_unit_test(test_refused_routes_kept_bounded),
		cmocka_unit_test(test_route_limit_promotes_in_arrival_order),
		cmocka_unit_test(test_as_loop_refused),
		cmocka_unit_test(test_segments_interned),
		cmocka_unit_test(test_stale_mark_refresh_sweep),
		cmocka_unit_test(test_stale_sweep_bounded),
		cmocka_unit_test(test_decision),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
