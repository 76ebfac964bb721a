/*
 * durable: replacing a file so that a crash leaves its old contents or the new ones, never a
 * torn file: a fresh temp file, write, fdatasync, rename over the file, fsync of the folder
 * (the rename is on disk only once the folder's entry is). It blocks on the disk, so its
 * callers run it in libuv's thread pool: the state file (store.c), the FIB marker
 * (fib_marker.c).
 */
#ifndef VBR_SERVICE_DURABLE_H
#define VBR_SERVICE_DURABLE_H

#include <stddef.h>
#include <sys/types.h>

/* Writes buf to tmp (created anew with mode), then renames it over path; dir_fd is the
 * folder holding both. before_rename (may be NULL) runs once the data is on disk, before the
 * rename; a nonzero (negative errno) return fails the replace (the store's fault injection).
 * Returns 0 or a negative errno; on failure tmp is removed and path keeps what it had. */
int durable_replace(int dir_fd, const char *tmp, const char *path, const void *buf, size_t len,
		    mode_t mode, int (*before_rename)(void *), void *arg);

#endif
