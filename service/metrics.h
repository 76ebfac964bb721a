/*
 * metrics: Prometheus text exposition (format 0.0.4) for --metrics-listen, served by a minimal
 * HTTP/1.1 server on the libuv loop. GET /metrics only; one request per connection, closed
 * after the reply; a request is capped in size (VBR_METRICS_REQUEST_MAX) and in time
 * (VBR_METRICS_IDLE_MS), and so is the number of open connections.
 *
 * The service owns the numbers; this module only keeps and renders them. Two kinds:
 *  - counters bumped as things happen, kept in struct vbr_metrics_counters: API calls by
 *    method and gRPC status, state-store write latency. Bumping is lock-free and safe from any
 *    thread (reads are answered on the completion-queue thread);
 *  - live values reported at scrape time by the service's collect callback, which runs on the
 *    loop thread and may call bgp_speaker_peer_status(): per-peer status, watchers.
 *
 * No MD5 key is ever passed in, so none can come out: struct vbr_metrics_peer carries no key,
 * and last_error text is not rendered.
 */
#ifndef VBR_SERVICE_METRICS_H
#define VBR_SERVICE_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "grpc_status_name.h"
#include "speaker.h"

#define VBR_METRICS_REQUEST_MAX 8192 /* bytes of request line + headers */
#define VBR_METRICS_IDLE_MS 10000    /* a client must finish its request within this */
#define VBR_METRICS_CONN_MAX 16      /* more concurrent scrapers are closed at once */

#define VBR_METRICS_API_METHODS_MAX 48
#define VBR_METRICS_METHOD_NAME_MAX 64
#define VBR_METRICS_GRPC_CODES VBR_GRPC_STATUS_CODES
#define VBR_METRICS_STORE_BUCKETS 12
#define VBR_METRICS_ID_LABEL_MAX 32
#define VBR_METRICS_NOTIFY_CODES BGP_NOTIFY_SLOTS /* see BGP_NOTIFY_SLOT */

/* Counters the service bumps; zero-initialise with vbr_metrics_counters_init(). */
struct vbr_metrics_counters {
	/* Registered at start-up, before any thread counts; read-only afterwards. */
	size_t n_methods;
	char methods[VBR_METRICS_API_METHODS_MAX][VBR_METRICS_METHOD_NAME_MAX];
	_Atomic uint64_t api_calls[VBR_METRICS_API_METHODS_MAX][VBR_METRICS_GRPC_CODES];
	/* Store write latency histogram: cumulative bucket counts are computed at render time. */
	_Atomic uint64_t store_buckets[VBR_METRICS_STORE_BUCKETS + 1]; /* last one: +Inf */
	_Atomic uint64_t store_count;
	_Atomic uint64_t store_sum_ns;
};

void vbr_metrics_counters_init(struct vbr_metrics_counters *counters);

/*
 * Registers an API method name (e.g. "CreateBgpGroup") and returns its index for
 * vbr_metrics_api_call(); registering the same name again returns the same index. Call only
 * at start-up, before other threads count. -ENOSPC when the table is full, -EINVAL for a name
 * that is empty or too long.
 */
int vbr_metrics_api_method(struct vbr_metrics_counters *counters, const char *name);

/* One finished call. An out-of-range method or status is ignored. Any thread. */
void vbr_metrics_api_call(struct vbr_metrics_counters *counters, int method, int grpc_status);

/* One durable state write (temp file .. fsync of the folder), in nanoseconds. Any thread. */
void vbr_metrics_store_write(struct vbr_metrics_counters *counters, uint64_t nanoseconds);

/* One peer as the collect callback reports it. */
struct vbr_metrics_peer {
	uint32_t id;
	uint32_t group_id;
	/* The API's ids ("bgpp-...", "bgpg-..."), so series match what the API shows; when empty
	 * the numbers above are shown instead. */
	char id_label[VBR_METRICS_ID_LABEL_MAX];
	char group_id_label[VBR_METRICS_ID_LABEL_MAX];
	uint32_t peer_ip; /* host byte order */
	uint32_t peer_asn;
	bool admin_down;
	/* From bgp_speaker_peer_status(); last_error is not shown. NOTIFICATIONs by code come from
	 * its *_by_code arrays; whatever the totals exceed them by is shown as code="unknown", so
	 * the per-direction sums always match the totals. */
	struct bgp_peer_status status;
};

struct vbr_metrics_scrape;

/* Adds one peer to the scrape being collected. -ENOMEM if it cannot be stored. */
int vbr_metrics_scrape_peer(struct vbr_metrics_scrape *scrape, const struct vbr_metrics_peer *peer);
/* Open WatchPeerEvents streams right now. */
void vbr_metrics_scrape_watchers(struct vbr_metrics_scrape *scrape, uint64_t watchers);
/* bgp_speaker_unknown_connections(). */
void vbr_metrics_scrape_unknown_connections(struct vbr_metrics_scrape *scrape, uint64_t count);
/* The route table and its kernel FIB writer. */
void vbr_metrics_scrape_fib(struct vbr_metrics_scrape *scrape, const struct bgp_fib_status *fib);
/* This start expected the last run's kernel routes and found none (fib_marker.h). */
void vbr_metrics_scrape_fib_restart(struct vbr_metrics_scrape *scrape, bool routes_missing);
/* The drain (DrainRouter, --drain-on-stop) has begun. */
void vbr_metrics_scrape_draining(struct vbr_metrics_scrape *scrape, bool draining);

/* Called on the loop thread once per scrape, before anything is rendered. */
typedef void (*vbr_metrics_collect_fn)(void *ctx, struct vbr_metrics_scrape *scrape);

struct vbr_metrics_config {
	const char *listen;      /* "IPv4:port" or "[IPv6]:port"; port 0 picks one (tests) */
	const char *version;     /* shown in vbrd_build_info */
	uint32_t local_asn;      /* shown in vbrd_build_info */
	int64_t start_time_unix; /* seconds; vbrd_start_time_seconds */
	struct vbr_metrics_counters *counters; /* may be NULL; must outlive the server */
	vbr_metrics_collect_fn collect;        /* may be NULL */
	void *collect_ctx;
};

/*
 * Renders one scrape (collect + counters) into a malloc'd NUL-terminated buffer; the caller
 * frees *out. Exposed for tests; the server calls it per request. 0 or -ENOMEM.
 */
int vbr_metrics_render(const struct vbr_metrics_config *config, char **out, size_t *out_len);

struct vbr_metrics;

/*
 * Binds and listens on config->listen (the config is copied; counters and collect_ctx are
 * borrowed). Returns 0 or a negative libuv error (UV_EINVAL for an address it cannot parse,
 * UV_EADDRINUSE, ...); on error nothing is left on the loop.
 */
int vbr_metrics_start(uv_loop_t *loop, const struct vbr_metrics_config *config,
		      struct vbr_metrics **out);

/* The bound port (useful after listening on port 0). */
int vbr_metrics_port(const struct vbr_metrics *metrics);

/*
 * Closes the listener and every open connection. done(arg) runs when the last handle's close
 * callback has run; the object is freed just before. May be called once.
 */
void vbr_metrics_stop(struct vbr_metrics *metrics, void (*done)(void *arg), void *arg);

#endif
