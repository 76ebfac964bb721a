/*
 * metrics: the counters the service bumps and the Prometheus text rendering of one scrape.
 * The HTTP side is metrics_http.c. Output is grouped by metric family (the format requires
 * every sample of a family to follow its HELP/TYPE lines), peers in id order, so a scrape is
 * collected in full first and rendered second.
 */
#include "metrics.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_scrape.h"

/* Upper bounds of the store write latency buckets, in nanoseconds (0.5 ms .. 2 s). */
static const uint64_t store_bucket_ns[VBR_METRICS_STORE_BUCKETS] = {
	500000,	  1000000,   2000000,	5000000,   10000000,  20000000,
	50000000, 100000000, 200000000, 500000000, 1000000000, 2000000000,
};

/* A label value from the core's name of a NOTIFICATION code: "UPDATE Message Error" ->
 * "update_message_error"; slot 0 counts every other code. */
static const char *notify_code_label(int code, char *out, size_t out_len)
{
	const char *name = code == 0 ? "other" : bgp_err_code_name((uint8_t)code);
	size_t n = 0;
	for (const char *c = name; *c && n + 1 < out_len; c++)
		out[n++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a')
			   : ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')) ? *c
										  : '_';
	out[n] = 0;
	return out;
}

_Static_assert(sizeof(((struct bgp_peer_status *)0)->notifications_in_by_code) ==
		       VBR_METRICS_NOTIFY_CODES * sizeof(uint64_t),
	       "NOTIFICATION code table size differs from the core's");

/* The core's name of a session state in lower case, as Prometheus labels go ("OpenSent" ->
 * "opensent"): the names themselves are the core's (state.h), not a copy. */
static const char *state_label(int st, char *buf, size_t len)
{
	const char *name = bgp_state_name((enum bgp_state)st);
	size_t i = 0;
	for (; name[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

void vbr_metrics_counters_init(struct vbr_metrics_counters *counters)
{
	memset(counters, 0, sizeof(*counters));
	for (size_t m = 0; m < VBR_METRICS_API_METHODS_MAX; m++)
		for (size_t c = 0; c < VBR_METRICS_GRPC_CODES; c++)
			atomic_init(&counters->api_calls[m][c], 0);
	for (size_t b = 0; b <= VBR_METRICS_STORE_BUCKETS; b++)
		atomic_init(&counters->store_buckets[b], 0);
	atomic_init(&counters->store_count, 0);
	atomic_init(&counters->store_sum_ns, 0);
}

int vbr_metrics_api_method(struct vbr_metrics_counters *counters, const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len >= VBR_METRICS_METHOD_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < counters->n_methods; i++)
		if (strcmp(counters->methods[i], name) == 0)
			return (int)i;
	if (counters->n_methods == VBR_METRICS_API_METHODS_MAX)
		return -ENOSPC;
	memcpy(counters->methods[counters->n_methods], name, len + 1);
	return (int)counters->n_methods++;
}

void vbr_metrics_api_call(struct vbr_metrics_counters *counters, int method, int grpc_status)
{
	if (!counters || method < 0 || (size_t)method >= counters->n_methods || grpc_status < 0 ||
	    grpc_status >= VBR_METRICS_GRPC_CODES)
		return;
	atomic_fetch_add_explicit(&counters->api_calls[method][grpc_status], 1,
				  memory_order_relaxed);
}

void vbr_metrics_store_write(struct vbr_metrics_counters *counters, uint64_t nanoseconds)
{
	if (!counters)
		return;
	size_t b = 0;
	while (b < VBR_METRICS_STORE_BUCKETS && nanoseconds > store_bucket_ns[b])
		b++;
	atomic_fetch_add_explicit(&counters->store_buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&counters->store_sum_ns, nanoseconds, memory_order_relaxed);
	atomic_fetch_add_explicit(&counters->store_count, 1, memory_order_relaxed);
}

/* ---- scrape collection ---- */

int vbr_metrics_scrape_peer(struct vbr_metrics_scrape *scrape, const struct vbr_metrics_peer *peer)
{
	if (scrape->n_peers == scrape->cap_peers) {
		size_t cap = scrape->cap_peers ? scrape->cap_peers * 2 : 8;
		struct vbr_metrics_peer *peers = realloc(scrape->peers, cap * sizeof(*peers));
		if (!peers) {
			scrape->failed = true;
			return -ENOMEM;
		}
		scrape->peers = peers;
		scrape->cap_peers = cap;
	}
	scrape->peers[scrape->n_peers++] = *peer;
	return 0;
}

void vbr_metrics_scrape_watchers(struct vbr_metrics_scrape *scrape, uint64_t watchers)
{
	scrape->watchers = watchers;
}

void vbr_metrics_scrape_unknown_connections(struct vbr_metrics_scrape *scrape, uint64_t count)
{
	scrape->unknown_connections = count;
}

void vbr_metrics_scrape_fib(struct vbr_metrics_scrape *scrape, const struct bgp_fib_status *fib)
{
	scrape->fib = *fib;
}

void vbr_metrics_scrape_fib_restart(struct vbr_metrics_scrape *scrape, bool routes_missing)
{
	scrape->fib_routes_missing = routes_missing;
}

void vbr_metrics_scrape_draining(struct vbr_metrics_scrape *scrape, bool draining)
{
	scrape->draining = draining;
}

/* ---- text output ---- */

struct text {
	char *data;
	size_t len, cap;
	bool failed;
};

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	if (t->failed)
		return;
	for (int attempt = 0; attempt < 2; attempt++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap * 2;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		char *data = realloc(t->data, cap);
		if (!data) {
			t->failed = true;
			return;
		}
		t->data = data;
		t->cap = cap;
	}
}

/* A label value: backslash, double quote and newline escaped, as the format requires. */
static void text_label_value(struct text *t, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			text_printf(t, "\\\\");
		else if (*p == '"')
			text_printf(t, "\\\"");
		else if (*p == '\n')
			text_printf(t, "\\n");
		else
			text_printf(t, "%c", *p);
	}
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
	text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* An API id label if the service gave one (bounded: it may lack its NUL), else the number. */
static void id_label(struct text *t, const char *label, uint32_t num)
{
	char buf[VBR_METRICS_ID_LABEL_MAX + 1];
	memcpy(buf, label, VBR_METRICS_ID_LABEL_MAX);
	buf[VBR_METRICS_ID_LABEL_MAX] = '\0';
	if (buf[0])
		text_label_value(t, buf);
	else
		text_printf(t, "%" PRIu32, num);
}

static void peer_labels(struct text *t, const struct vbr_metrics_peer *p)
{
	text_printf(t, "peer_id=\"");
	id_label(t, p->id_label, p->id);
	text_printf(t, "\",peer_ip=\"%" PRIu32 ".%" PRIu32 ".%" PRIu32 ".%" PRIu32 "\"",
		    p->peer_ip >> 24, (p->peer_ip >> 16) & 0xff, (p->peer_ip >> 8) & 0xff,
		    p->peer_ip & 0xff);
}

/* One gauge or counter family with one value per peer. */
typedef uint64_t (*peer_value_fn)(const struct vbr_metrics_peer *p);

static void per_peer(struct text *t, const struct vbr_metrics_scrape *s, const char *name,
		     const char *type, const char *help, peer_value_fn value)
{
	family(t, name, type, help);
	for (size_t i = 0; i < s->n_peers; i++) {
		text_printf(t, "%s{", name);
		peer_labels(t, &s->peers[i]);
		text_printf(t, "} %" PRIu64 "\n", value(&s->peers[i]));
	}
}

static uint64_t peer_up(const struct vbr_metrics_peer *p)
{
	return p->status.state == BGP_STATE_ESTABLISHED;
}
static uint64_t peer_admin_down(const struct vbr_metrics_peer *p) { return p->admin_down; }
static uint64_t peer_received(const struct vbr_metrics_peer *p) { return p->status.received_routes; }
static uint64_t peer_accepted(const struct vbr_metrics_peer *p) { return p->status.accepted_routes; }
static uint64_t peer_advertised(const struct vbr_metrics_peer *p)
{
	return p->status.advertised_routes;
}
static uint64_t peer_transitions(const struct vbr_metrics_peer *p)
{
	return p->status.established_transitions;
}
static uint64_t peer_stale(const struct vbr_metrics_peer *p) { return p->status.stale_routes; }
static uint64_t peer_restarts(const struct vbr_metrics_peer *p)
{
	return p->status.graceful_restarts;
}
static uint64_t peer_hold_time(const struct vbr_metrics_peer *p)
{
	return p->status.negotiated_hold_time;
}
static uint64_t peer_established_since(const struct vbr_metrics_peer *p)
{
	return p->status.established_since_ms > 0 ? (uint64_t)p->status.established_since_ms / 1000
						  : 0;
}

static int peer_by_id(const void *a, const void *b)
{
	uint32_t x = ((const struct vbr_metrics_peer *)a)->id;
	uint32_t y = ((const struct vbr_metrics_peer *)b)->id;
	return (x > y) - (x < y);
}

/* BFD (RFC 5880) of each peer: its state, and its control packets accepted, sent and dropped
 * (TTL below 255, malformed, unknown discriminator). */
static void render_bfd(struct text *t, struct vbr_metrics_scrape *s)
{
	static const char *const bfd_names[] = {"disabled", "admin_down", "down", "init", "up"};
	family(t, "vbrd_bgp_peer_bfd_state", "gauge",
	       "BFD session state of each BGP peer: 1 for the current state, 0 for the others.");
	for (size_t i = 0; i < s->n_peers; i++)
		for (int st = BGP_BFD_DISABLED; st <= BGP_BFD_UP; st++) {
			text_printf(t, "vbrd_bgp_peer_bfd_state{");
			peer_labels(t, &s->peers[i]);
			text_printf(t, ",state=\"%s\"} %d\n", bfd_names[st],
				    (int)s->peers[i].status.bfd_state == st);
		}
	family(t, "vbrd_bgp_peer_bfd_packets_total", "counter",
	       "BFD control packets accepted (in), sent (out) and dropped (TTL below 255, "
	       "malformed, unknown discriminator).");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct vbr_metrics_peer *p = &s->peers[i];
		const char *dirs[] = {"in", "out", "dropped"};
		uint64_t v[] = {p->status.bfd_packets_in, p->status.bfd_packets_out,
				p->status.bfd_packets_dropped};
		for (int k = 0; k < 3; k++) {
			text_printf(t, "vbrd_bgp_peer_bfd_packets_total{");
			peer_labels(t, p);
			text_printf(t, ",direction=\"%s\"} %" PRIu64 "\n", dirs[k], v[k]);
		}
	}
}

/* The route table by source and state, and the kernel writes with their failures by errno. */
static void render_fib(struct text *t, const struct bgp_fib_status *f)
{
	static const char *const sources[] = {NULL, "static", "bgp", "connected"};
	family(t, "vbrd_route_entries", "gauge",
	       "Route-table entries by source and whether the kernel FIB holds them.");
	for (int src = 1; src <= 3; src++)
		for (int in = 0; in < 2; in++)
			text_printf(t, "vbrd_route_entries{source=\"%s\",installed=\"%s\"} %" PRIu64 "\n",
				    sources[src], in ? "true" : "false", f->entries[src][in]);
	family(t, "vbrd_fib_stale_routes", "gauge",
	       "Kernel routes an earlier run left, kept until the sessions bring them back.");
	text_printf(t, "vbrd_fib_stale_routes %" PRIu64 "\n", f->stale_routes);
	family(t, "vbrd_fib_writable", "gauge", "1 when vbrd may write the kernel FIB.");
	text_printf(t, "vbrd_fib_writable %d\n", f->enabled && f->permitted);
	family(t, "vbrd_ip_forwarding", "gauge", "net.ipv4.ip_forward in vbrd's namespace.");
	text_printf(t, "vbrd_ip_forwarding %d\n", f->ip_forwarding);
	family(t, "vbrd_fib_operations_total", "counter",
	       "Routes vbrd asked the kernel to add, replace or delete.");
	text_printf(t, "vbrd_fib_operations_total %" PRIu64 "\n", f->fib_ops);
	family(t, "vbrd_fib_routes_restored_total", "counter",
	       "vbrd's kernel routes that someone else deleted or replaced, written again.");
	text_printf(t, "vbrd_fib_routes_restored_total %" PRIu64 "\n", f->fib_restored);
	family(t, "vbrd_fib_failures_total", "counter",
	       "Kernel FIB writes refused, by errno (\"other\" beyond the first few kinds).");
	for (size_t i = 0; i < BGP_FIB_ERRNO_SLOTS; i++) {
		if (f->failures_by_errno[i].count == 0)
			continue;
		int e = f->failures_by_errno[i].err;
		const char *known = e > 0 ? strerrorname_np(e) : NULL;
		char name[48];
		snprintf(name, sizeof(name), "%s", known ? known : "other");
		text_printf(t, "vbrd_fib_failures_total{errno=\"%s\"} %" PRIu64 "\n", name,
			    f->failures_by_errno[i].count);
	}
}

static void render_peer_info_state(struct text *t, const struct vbr_metrics_scrape *s)
{
	family(t, "vbrd_bgp_peer_info", "gauge",
	       "Configuration of each BGP peer as labels; always 1.");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct vbr_metrics_peer *p = &s->peers[i];
		text_printf(t, "vbrd_bgp_peer_info{");
		peer_labels(t, p);
		text_printf(t, ",group_id=\"");
		id_label(t, p->group_id_label, p->group_id);
		text_printf(t, "\",peer_asn=\"%" PRIu32 "\"} 1\n", p->peer_asn);
	}

	family(t, "vbrd_bgp_peer_state", "gauge",
	       "RFC 4271 session state of each BGP peer: 1 for the current state, 0 for the others.");
	for (size_t i = 0; i < s->n_peers; i++)
		for (int st = BGP_STATE_IDLE; st <= BGP_STATE_ESTABLISHED; st++) {
			text_printf(t, "vbrd_bgp_peer_state{");
			peer_labels(t, &s->peers[i]);
			char label[16];
			text_printf(t, ",state=\"%s\"} %d\n", state_label(st, label, sizeof(label)),
				    (int)s->peers[i].status.state == st);
		}
}

/* One peer's NOTIFICATION counts in one direction (dir 1: sent), by code. */
static void peer_notifications(struct text *t, const struct vbr_metrics_peer *p, int dir)
{
	const uint64_t *by_code = dir ? p->status.notifications_out_by_code
				      : p->status.notifications_in_by_code;
	uint64_t total = dir ? p->status.notifications_out : p->status.notifications_in;
	uint64_t counted = 0;
	for (int code = 0; code < VBR_METRICS_NOTIFY_CODES; code++) {
		counted += by_code[code];
		/* Only codes seen: 16 zero series per peer would say nothing. */
		if (by_code[code] == 0)
			continue;
		text_printf(t, "vbrd_bgp_peer_notifications_total{");
		peer_labels(t, p);
		char label[48];
		text_printf(t, ",direction=\"%s\",code=\"%d\",code_name=\"%s\"} %" PRIu64 "\n",
			    dir ? "out" : "in", code,
			    notify_code_label(code, label, sizeof(label)), by_code[code]);
	}
	if (total > counted) {
		text_printf(t, "vbrd_bgp_peer_notifications_total{");
		peer_labels(t, p);
		text_printf(t,
			    ",direction=\"%s\",code=\"unknown\",code_name=\"unknown\"} %" PRIu64
			    "\n",
			    dir ? "out" : "in", total - counted);
	}
}

static void render_peer_messages(struct text *t, const struct vbr_metrics_scrape *s)
{
	family(t, "vbrd_bgp_peer_messages_total", "counter",
	       "BGP messages received (in) and sent (out), all types.");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct vbr_metrics_peer *p = &s->peers[i];
		text_printf(t, "vbrd_bgp_peer_messages_total{");
		peer_labels(t, p);
		text_printf(t, ",direction=\"in\"} %" PRIu64 "\n", p->status.messages_in);
		text_printf(t, "vbrd_bgp_peer_messages_total{");
		peer_labels(t, p);
		text_printf(t, ",direction=\"out\"} %" PRIu64 "\n", p->status.messages_out);
	}

	family(t, "vbrd_bgp_peer_notifications_total", "counter",
	       "BGP NOTIFICATION messages received (in) and sent (out), by error code.");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct vbr_metrics_peer *p = &s->peers[i];
		for (int dir = 0; dir < 2; dir++)
			peer_notifications(t, p, dir);
	}
}

static void render_peers(struct text *t, struct vbr_metrics_scrape *s)
{
	if (s->n_peers > 1)
		qsort(s->peers, s->n_peers, sizeof(*s->peers), peer_by_id);

	family(t, "vbrd_bgp_peers", "gauge", "Configured BGP peers.");
	text_printf(t, "vbrd_bgp_peers %zu\n", s->n_peers);

	render_peer_info_state(t, s);

	per_peer(t, s, "vbrd_bgp_peer_up", "gauge", "1 while the BGP session is Established.",
		 peer_up);
	per_peer(t, s, "vbrd_bgp_peer_admin_down", "gauge",
		 "1 while the peer is administratively down.", peer_admin_down);
	per_peer(t, s, "vbrd_bgp_peer_established_since_seconds", "gauge",
		 "Unix time the session became Established; 0 when it is not.",
		 peer_established_since);
	per_peer(t, s, "vbrd_bgp_peer_negotiated_hold_time_seconds", "gauge",
		 "Hold time negotiated for the current session; 0 when there is none.",
		 peer_hold_time);
	per_peer(t, s, "vbrd_bgp_peer_received_routes", "gauge",
		 "Routes in the peer's Adj-RIB-In, accepted or not.", peer_received);
	per_peer(t, s, "vbrd_bgp_peer_accepted_routes", "gauge",
		 "Routes received from the peer and accepted (within the route limit).",
		 peer_accepted);
	per_peer(t, s, "vbrd_bgp_peer_advertised_routes", "gauge",
		 "Routes advertised to the peer.", peer_advertised);
	per_peer(t, s, "vbrd_bgp_peer_established_transitions_total", "counter",
		 "Times the session reached Established.", peer_transitions);
	per_peer(t, s, "vbrd_bgp_peer_stale_routes", "gauge",
		 "Routes kept stale across the peer's graceful restart (RFC 4724), not yet "
		 "announced again.", peer_stale);
	per_peer(t, s, "vbrd_bgp_peer_graceful_restarts_total", "counter",
		 "Sessions of the peer that ended as a graceful restart, its routes kept stale.",
		 peer_restarts);

	render_bfd(t, s);

	render_peer_messages(t, s);
}

static void render_api(struct text *t, const struct vbr_metrics_counters *c)
{
	family(t, "vbrd_api_calls_total", "counter",
	       "Finished gRPC calls by method and status code.");
	if (!c)
		return;
	for (size_t m = 0; m < c->n_methods; m++)
		for (int code = 0; code < VBR_METRICS_GRPC_CODES; code++) {
			uint64_t n = atomic_load_explicit(&c->api_calls[m][code],
							  memory_order_relaxed);
			/* OK always shows, so every method has a series from the start. */
			if (n == 0 && code != 0)
				continue;
			text_printf(t, "vbrd_api_calls_total{method=\"");
			text_label_value(t, c->methods[m]);
			text_printf(t, "\",code=\"%s\"} %" PRIu64 "\n", grpc_status_name(code), n);
		}
}

static void render_store(struct text *t, const struct vbr_metrics_counters *c)
{
	const char *name = "vbrd_store_write_duration_seconds";
	family(t, name, "histogram",
	       "Durable state writes: temp file, fsync, rename and fsync of the folder.");
	uint64_t cumulative = 0;
	for (int b = 0; b <= VBR_METRICS_STORE_BUCKETS; b++) {
		if (c)
			cumulative +=
				atomic_load_explicit(&c->store_buckets[b], memory_order_relaxed);
		if (b < VBR_METRICS_STORE_BUCKETS)
			text_printf(t, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
				    (double)store_bucket_ns[b] / 1e9, cumulative);
		else
			text_printf(t, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cumulative);
	}
	uint64_t sum_ns = c ? atomic_load_explicit(&c->store_sum_ns, memory_order_relaxed) : 0;
	/* Count = the +Inf bucket, read once above, so a write landing mid-scrape cannot make
	 * the count disagree with the buckets. */
	text_printf(t, "%s_sum %.9f\n%s_count %" PRIu64 "\n", name, (double)sum_ns / 1e9, name,
		    cumulative);
}

int vbr_metrics_render(const struct vbr_metrics_config *config, char **out, size_t *out_len)
{
	struct vbr_metrics_scrape scrape = {0};
	if (config->collect)
		config->collect(config->collect_ctx, &scrape);

	struct text t = {.data = malloc(4096), .cap = 4096};
	if (!t.data) {
		free(scrape.peers);
		return -ENOMEM;
	}
	t.data[0] = '\0';

	family(&t, "vbrd_build_info", "gauge", "vbrd's version and local ASN as labels; always 1.");
	text_printf(&t, "vbrd_build_info{version=\"");
	text_label_value(&t, config->version ? config->version : "");
	text_printf(&t, "\",local_asn=\"%" PRIu32 "\"} 1\n", config->local_asn);
	family(&t, "vbrd_start_time_seconds", "gauge", "Unix time vbrd started.");
	text_printf(&t, "vbrd_start_time_seconds %" PRId64 "\n", config->start_time_unix);

	render_peers(&t, &scrape);
	family(&t, "vbrd_bgp_unknown_connections_total", "counter",
	       "BGP connections closed at once because they came from no configured peer.");
	text_printf(&t, "vbrd_bgp_unknown_connections_total %" PRIu64 "\n",
		    scrape.unknown_connections);

	render_fib(&t, &scrape.fib);
	family(&t, "vbrd_fib_restart_routes_missing", "gauge",
	       "1 when vbrd started expecting the kernel routes its last run left (kill -9, or a "
	       "graceful-restart stop) and found none: the network namespace did not outlive the "
	       "process, so forwarding restarted from scratch.");
	text_printf(&t, "vbrd_fib_restart_routes_missing %d\n", scrape.fib_routes_missing ? 1 : 0);
	family(&t, "vbrd_draining", "gauge",
	       "1 once the RFC 8326 drain has begun (DrainRouter or --drain-on-stop): the next stop "
	       "leaves for good.");
	text_printf(&t, "vbrd_draining %d\n", scrape.draining ? 1 : 0);
	render_api(&t, config->counters);
	family(&t, "vbrd_api_watchers", "gauge", "Open WatchPeerEvents streams.");
	text_printf(&t, "vbrd_api_watchers %" PRIu64 "\n", scrape.watchers);
	render_store(&t, config->counters);

	free(scrape.peers);
	if (t.failed || scrape.failed) {
		free(t.data);
		return -ENOMEM;
	}
	*out = t.data;
	*out_len = t.len;
	return 0;
}
