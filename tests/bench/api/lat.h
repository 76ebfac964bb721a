/*
 * lat: a growable log of call latencies (nanoseconds) and the percentiles of it. Bounded:
 * past LAT_MAX_SAMPLES further samples are counted but not kept (a 5 s phase at 100k calls/s
 * stays well under it).
 */
#ifndef VBR_BENCH_LAT_H
#define VBR_BENCH_LAT_H

#include <stddef.h>
#include <stdint.h>

#define LAT_MAX_SAMPLES (8u << 20)

struct lat_log {
	uint64_t *ns;
	size_t n, cap;
	uint64_t dropped;
	int sorted;
};

/* Returns -1 when out of memory (the sample is then counted in dropped). */
int lat_add(struct lat_log *log, uint64_t ns);
/* Appends every sample of src to dst. */
int lat_merge(struct lat_log *dst, const struct lat_log *src);
/* p in [0, 100]; 0 when the log is empty. Sorts the log once. */
uint64_t lat_percentile(struct lat_log *log, double p);
void lat_free(struct lat_log *log);

#endif
