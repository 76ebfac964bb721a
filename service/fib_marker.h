/*
 * fib_marker: what the last run left in the kernel, as far as vbrd can know it across a
 * kill -9. A tiny file, <state-dir>/fib-routes, says whether vbrd had routes in the kernel
 * (and whether the run that wrote it stopped cleanly). It holds no route: the routes
 * themselves are read back from the kernel, never trusted from a file. It only lets the next
 * start tell "the kernel holds none of our routes because there were none" from "because the
 * network namespace did not outlive the process" (a container restarted into a fresh one),
 * which is reported (log once, metric vbrd_fib_restart_routes_missing) and clears the OPEN's
 * Forwarding State bit.
 *
 * The file is written only when its content changes (routes appear or all go, a clean stop),
 * off the loop thread (libuv's thread pool: write a temp file, fsync, rename, fsync the
 * folder), one write at a time, the latest state winning.
 */
#ifndef VBR_SERVICE_FIB_MARKER_H
#define VBR_SERVICE_FIB_MARKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define FIB_MARKER_FILE "fib-routes"

struct fib_marker_state {
	bool routes; /* vbrd had routes in the kernel (and did not remove them) */
	bool clean;  /* written by a clean stop (else: while running; a crash leaves that) */
};

/* Pure: the file's text and back. Parse returns false for anything it does not know. */
size_t fib_marker_format(const struct fib_marker_state *st, char *buf, size_t len);
bool fib_marker_parse(const char *text, size_t len, struct fib_marker_state *out);
/* Pure: the earlier run left routes (prev present and routes) but none were found. */
bool fib_marker_routes_missing(bool prev_present, const struct fib_marker_state *prev,
			       uint64_t found);

struct fib_marker {
	uv_loop_t *loop;
	char path[4200], tmp[4200], dir[4096];
	bool prev_present;		/* the file existed at start */
	struct fib_marker_state prev;	/* what it said */
	struct fib_marker_state cur;	/* what it says once the queued writes are done */
	bool cur_known;			/* cur is what the file holds (or will) */
	bool writing, pending;		/* a write in the pool; another one due after it */
	uv_work_t work;
	char text[64];			/* the write in flight */
	int last_err;			/* of the last write (0 = ok), for the log */
};

/* Reads the file at start (small, before the loop runs). Always succeeds: an unreadable or
 * unknown file counts as absent. */
void fib_marker_open(struct fib_marker *m, uv_loop_t *loop, const char *state_dir);
/* Whether this start should find routes of the last run in the kernel. */
bool fib_marker_expected(const struct fib_marker *m);
/* The file should now say st (written if it does not already). */
void fib_marker_set(struct fib_marker *m, const struct fib_marker_state *st);

#endif
