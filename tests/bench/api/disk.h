/*
 * disk: the floor under vbrd's mutations. Repeats, alone, the durable replace every mutation
 * does (store.h: write a temp file, fsync it, rename it over the live file, fsync the
 * folder) in a folder on the same file system, so a mutation's latency can be read as this
 * floor plus vbrd's own part.
 */
#ifndef VBR_BENCH_DISK_H
#define VBR_BENCH_DISK_H

#include <stddef.h>

#include "lat.h"

/* Replaces <dir>/floor.pb with `bytes` bytes, again and again for `seconds`; logs each
 * replace's latency. Returns the number done, or -1 (errno set) if one failed. */
long disk_floor_run(const char *dir, size_t bytes, double seconds, struct lat_log *lat);

#endif
