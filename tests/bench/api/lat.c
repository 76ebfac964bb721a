/* lat: latency samples and percentiles (nearest rank on the sorted samples). */
#include "lat.h"

#include <stdlib.h>

int lat_add(struct lat_log *log, uint64_t ns)
{
	if (log->n == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 4096;
		uint64_t *grown = cap <= LAT_MAX_SAMPLES ? realloc(log->ns, cap * sizeof(*grown))
							 : NULL;
		if (!grown) {
			log->dropped++;
			return -1;
		}
		log->ns = grown;
		log->cap = cap;
	}
	log->ns[log->n++] = ns;
	log->sorted = 0;
	return 0;
}

int lat_merge(struct lat_log *dst, const struct lat_log *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (lat_add(dst, src->ns[i]) != 0)
			return -1;
	dst->dropped += src->dropped;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t lat_percentile(struct lat_log *log, double p)
{
	if (log->n == 0)
		return 0;
	if (!log->sorted) {
		qsort(log->ns, log->n, sizeof(*log->ns), cmp_u64);
		log->sorted = 1;
	}
	/* Nearest rank: the smallest sample with at least p% of the samples at or below it. */
	size_t rank = (size_t)((p / 100.0) * (double)log->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > log->n)
		rank = log->n;
	return log->ns[rank - 1];
}

void lat_free(struct lat_log *log)
{
	free(log->ns);
	*log = (struct lat_log){0};
}
