/*
 * fib_guard: see fib_guard.h. Both prefix sets are rib_tables (the Loc-RIB's structure): the
 * routes from before can be a full table, the refused prefixes are few.
 */
#include "fib_guard.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int fib_guard_init(struct fib_guard *g)
{
	memset(g, 0, sizeof(*g));
	rib_table_init(&g->before);
	rib_table_init(&g->theirs);
	g->seen_key = calloc(FIB_GUARD_SLOTS, sizeof(*g->seen_key));
	g->seen_gen = calloc(FIB_GUARD_SLOTS, sizeof(*g->seen_gen));
	if (!g->seen_key || !g->seen_gen) {
		fib_guard_free(g);
		return -ENOMEM;
	}
	return 0;
}

void fib_guard_free(struct fib_guard *g)
{
	rib_table_free(&g->before, NULL);
	rib_table_free(&g->theirs, NULL);
	free(g->seen_key);
	free(g->seen_gen);
	g->seen_key = NULL;
	g->seen_gen = NULL;
}

int fib_guard_found(struct fib_guard *g, const struct fib_route *routes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool created;
		if (!rib_table_upsert(&g->before, routes[i].prefix, routes[i].len, &created))
			return -ENOMEM;
	}
	return 0;
}

/* Adds the prefix to this run's set; true if it was there already. */
static bool seen_add(struct fib_guard *g, uint32_t prefix, uint8_t len)
{
	uint64_t key = ((uint64_t)prefix << 8) | len;
	size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 52) & (FIB_GUARD_SLOTS - 1);
	for (;;) { /* ends: a run holds fewer prefixes than there are slots */
		if (g->seen_gen[h] != g->gen) {
			g->seen_gen[h] = g->gen;
			g->seen_key[h] = key;
			return false;
		}
		if (g->seen_key[h] == key)
			return true;
		h = (h + 1) & (FIB_GUARD_SLOTS - 1);
	}
}

size_t fib_guard_run(struct fib_guard *g, const struct fib_op *ops, size_t n)
{
	if (++g->gen == 0) { /* wrapped: every slot's generation could look current */
		memset(g->seen_gen, 0, FIB_GUARD_SLOTS * sizeof(*g->seen_gen));
		g->gen = 1;
	}
	size_t most = n < FIB_GUARD_SLOTS / 2 ? n : FIB_GUARD_SLOTS / 2;
	size_t i = 0;
	while (i < most && !seen_add(g, ops[i].prefix, ops[i].len))
		i++;
	return i ? i : (n ? 1 : 0);
}

void fib_guard_adjust(const struct fib_guard *g, struct fib_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fib_op *op = &ops[i];
		if (op->kind == FIB_OP_ADD && rib_table_find(&g->before, op->prefix, op->len))
			op->kind = FIB_OP_REPLACE;
		else if (op->kind == FIB_OP_REPLACE &&
			 rib_table_find(&g->theirs, op->prefix, op->len))
			op->kind = FIB_OP_ADD;
	}
}

void fib_guard_learn(struct fib_guard *g, const struct fib_op *ops, const int *errs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fib_op *op = &ops[i];
		bool created;
		if (op->kind == FIB_OP_ADD && errs[i] == -EEXIST) {
			rib_table_upsert(&g->theirs, op->prefix, op->len, &created);
			continue; /* if memory runs out, the next replace is not held back: rare */
		}
		if (errs[i] && !(op->kind == FIB_OP_DELETE && errs[i] == -ESRCH))
			continue; /* refused for another reason: nothing learned */
		/* Written, or deleted: the prefix is vbrd's now, or nobody's of vbrd's knowing. */
		rib_table_remove(&g->theirs, op->prefix, op->len);
		if (op->kind == FIB_OP_DELETE)
			rib_table_remove(&g->before, op->prefix, op->len);
	}
}
