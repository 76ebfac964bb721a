/*
 * fib_guard: which kind each kernel write goes as, so vbrd never overwrites a route that is
 * not its own (the FIB writer's thread; pure, no sockets).
 *
 * The kernel matches a replace on prefix, tos and metric whatever the protocol. The loop
 * (rtable_op) sends an add (NLM_F_EXCL) where it has nothing of its own and a replace where it
 * has, but it decides before the kernel has answered its earlier writes. The writer knows
 * more, and corrects:
 * - an add where vbrd's own route from an earlier run is still in the kernel goes as a
 *   replace (the loop hears of those routes only after it may have decided);
 * - a replace where the kernel refused vbrd's add (EEXIST: someone else's route holds the
 *   prefix at vbrd's metric) goes as an add, so it is refused again instead of taking over;
 * - a datagram ends before a second write for the same prefix, so the first one's answer is
 *   known when the second is adjusted.
 */
#ifndef VBR_BGP_FIB_GUARD_H
#define VBR_BGP_FIB_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "fib.h"
#include "rib.h"

#define FIB_GUARD_SLOTS 4096 /* more than a chunk of writes (fib.c WRITE_CHUNK) */

struct fib_guard {
	struct rib_table before; /* vbrd's routes found at start, until deleted */
	struct rib_table theirs; /* prefixes where the kernel refused vbrd's add (EEXIST) */
	uint64_t *seen_key;	 /* this run's prefixes: open addressing, FIB_GUARD_SLOTS */
	uint32_t *seen_gen;	 /* a slot is used when its generation is the current one */
	uint32_t gen;
};

int fib_guard_init(struct fib_guard *g);
void fib_guard_free(struct fib_guard *g);
/* vbrd's routes found in the table at start. */
int fib_guard_found(struct fib_guard *g, const struct fib_route *routes, size_t n);
/* How many of ops[0..n) (at most FIB_GUARD_SLOTS) may go in one datagram: up to the first
 * second write for a prefix. At least 1 when n > 0. */
size_t fib_guard_run(struct fib_guard *g, const struct fib_op *ops, size_t n);
/* Corrects the kinds of a run before it is written. */
void fib_guard_adjust(const struct fib_guard *g, struct fib_op *ops, size_t n);
/* Takes in the kernel's answers to a run (errs[i]: 0 or a negative errno). */
void fib_guard_learn(struct fib_guard *g, const struct fib_op *ops, const int *errs, size_t n);

#endif
