/*
 * metrics_scrape: the scrape being collected, private to metrics.c and its tests. The collect
 * callback fills it through the vbr_metrics_scrape_* functions in metrics.h.
 */
#ifndef VBR_SERVICE_METRICS_SCRAPE_H
#define VBR_SERVICE_METRICS_SCRAPE_H

#include "metrics.h"

struct vbr_metrics_scrape {
	struct vbr_metrics_peer *peers;
	size_t n_peers, cap_peers;
	uint64_t watchers;
	uint64_t unknown_connections;
	struct bgp_fib_status fib;
	bool fib_routes_missing; /* this start expected the last run's kernel routes, found none */
	bool draining;		 /* the RFC 8326 drain has begun */
	bool failed; /* a peer could not be stored: the scrape answers 500, not a partial page */
};

#endif
