/*
 * daemon: start-up (state, BGP core, event hub, snapshot, gRPC server, metrics, signals),
 * the BGP core's callbacks, and the graceful shutdown:
 *   SIGTERM/SIGINT -> watch streams ended, gRPC server stops taking calls and finishes the
 *   ones in flight -> metrics stopped -> bgp_speaker_shutdown (peers with graceful restart
 *   negotiated: TCP closed without a NOTIFICATION, the kernel routes kept; the others: Cease)
 *   -> every handle closed -> the loop returns -> memory freed, exit 0.
 * State needs no flush at exit: every mutation was durable before its reply.
 */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>

#include "convert.h"
#include "log.h"
#include "metrics.h"
#include "stats.h"
#include "vbr/v1/vbr.pb-c.h"

#define SHUTDOWN_GRACE_MS   5000
#define COUNTERS_REFRESH_MS 5

void vbrd_refresh_snapshot(struct vbrd *d)
{
	struct vbr_snapshot *s = snapshot_build(&d->info, &d->model, d->speaker);
	if (s)
		snapshot_publish(&d->slot, s);
	else
		vbr_log(VBR_LOG_ERROR, "out of memory building the read snapshot", NULL);
}

/* ---- BGP core callbacks ---- */

static void on_state_change(void *ctx, uint32_t peer_num, enum bgp_state old_state,
			    enum bgp_state new_state, const char *reason)
{
	struct vbrd *d = ctx;
	const struct vbr_peer *p = model_peer_by_num(&d->model, peer_num);
	if (!p)
		return;
	/* Snapshot first: a client reacting to the event must read the new state. */
	vbrd_refresh_snapshot(d);
	vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_STATE_CHANGED, p,
			   (int)old_state, (int)new_state, reason);
	/* Up is news, down is a warning; the Connect/Active churn of a peer that is not there
	 * would flood the log at info. */
	vbr_log(old_state == BGP_STATE_ESTABLISHED   ? VBR_LOG_WARN
		: new_state == BGP_STATE_ESTABLISHED ? VBR_LOG_INFO
						     : VBR_LOG_DEBUG,
		"BGP session state changed", "peer_id", p->id, "from", bgp_state_name(old_state),
		"to", bgp_state_name(new_state), "reason", reason ? reason : "", NULL);
}

static void on_bfd_state(void *ctx, uint32_t peer_num, enum bgp_bfd_state old_state,
			 enum bgp_bfd_state new_state, const char *reason)
{
	struct vbrd *d = ctx;
	const struct vbr_peer *p = model_peer_by_num(&d->model, peer_num);
	if (!p)
		return;
	vbrd_refresh_snapshot(d);
	Vbr__V1__BfdState from = convert_bfd_state(old_state), to = convert_bfd_state(new_state);
	vbrd_publish_bfd_event(d, p, (int)from, (int)to, reason);
	const ProtobufCEnumDescriptor *names = &vbr__v1__bfd_state__descriptor;
	const ProtobufCEnumValue *a = protobuf_c_enum_descriptor_get_value(names, (int)from);
	const ProtobufCEnumValue *b = protobuf_c_enum_descriptor_get_value(names, (int)to);
	vbr_log(old_state == BGP_BFD_UP ? VBR_LOG_WARN : VBR_LOG_INFO, "BFD session state changed",
		"peer_id", p->id, "from", a ? a->name : "?", "to", b ? b->name : "?", "reason",
		reason ? reason : "", NULL);
}

static void on_route_limit(void *ctx, uint32_t peer_num, uint32_t limit)
{
	struct vbrd *d = ctx;
	const struct vbr_peer *p = model_peer_by_num(&d->model, peer_num);
	if (!p)
		return;
	const struct vbr_group *g = model_group(&d->model, p->group_id);
	bool teardown =
	    g && g->route_limit_action == VBR__V1__ROUTE_LIMIT_ACTION__ROUTE_LIMIT_ACTION_TEARDOWN;
	char reason[160];
	snprintf(reason, sizeof(reason),
		 teardown ? "route limit of %u reached: session torn down (Cease / Maximum Number "
			    "of Prefixes Reached)"
			  : "route limit of %u reached: further routes are not accepted",
		 limit);
	vbrd_refresh_snapshot(d);
	struct bgp_peer_status st;
	int state = bgp_speaker_peer_status(d->speaker, peer_num, &st) == 0 ? (int)st.state : 0;
	vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_ROUTE_LIMIT_REACHED, p,
			   state, state, reason);
	char limit_text[16];
	snprintf(limit_text, sizeof(limit_text), "%u", limit);
	vbr_log(VBR_LOG_WARN, "route limit reached", "peer_id", p->id, "limit", limit_text, NULL);
}

static void on_route_limit_cleared(void *ctx, uint32_t peer_num, uint32_t limit)
{
	struct vbrd *d = ctx;
	const struct vbr_peer *p = model_peer_by_num(&d->model, peer_num);
	if (!p)
		return;
	char reason[160];
	snprintf(reason, sizeof(reason),
		 "back below the route limit of %u: held routes accepted, new ones are again",
		 limit);
	vbrd_refresh_snapshot(d);
	struct bgp_peer_status st;
	int state = bgp_speaker_peer_status(d->speaker, peer_num, &st) == 0 ? (int)st.state : 0;
	vbrd_publish_event(d, VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_ROUTE_LIMIT_CLEARED, p,
			   state, state, reason);
	char limit_text[16];
	snprintf(limit_text, sizeof(limit_text), "%u", limit);
	vbr_log(VBR_LOG_INFO, "route limit cleared", "peer_id", p->id, "limit", limit_text, NULL);
}

/* Graceful restart, vbrd the helper: the peer's routes kept stale, or the stale ones gone. */
static void on_stale_routes(void *ctx, uint32_t peer_num, bool stale, uint64_t count,
			    const char *reason)
{
	struct vbrd *d = ctx;
	const struct vbr_peer *p = model_peer_by_num(&d->model, peer_num);
	if (!p)
		return;
	vbrd_refresh_snapshot(d);
	struct bgp_peer_status st;
	int state = bgp_speaker_peer_status(d->speaker, peer_num, &st) == 0 ? (int)st.state : 0;
	vbrd_publish_event(d,
			   stale ? VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_ROUTES_STALE
				 : VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_STALE_ROUTES_CLEARED,
			   p, state, state, reason);
	char count_text[24];
	snprintf(count_text, sizeof(count_text), "%llu", (unsigned long long)count);
	vbr_log(VBR_LOG_INFO, stale ? "routes kept stale" : "stale routes cleared", "peer_id",
		p->id, "routes", count_text, "reason", reason, NULL);
}

/* Route-table changes become route events (the core calls this for ADDED, NEXT_HOP_CHANGED,
 * REMOVED, INSTALLED and INSTALL_FAILED; netlink results arrive later than the change). */
/* The marker follows whether vbrd has routes in the kernel, once the last run's are known
 * (before, the table is not read yet and would look empty). */
static void marker_sync(struct vbrd *d)
{
	if (!d->config->fib_enabled || !d->fib_leftovers_known)
		return;
	struct bgp_fib_status f;
	bgp_speaker_fib_status(d->speaker, &f);
	uint64_t in_kernel = f.entries[BGP_ROUTE_SOURCE_STATIC][1] +
			     f.entries[BGP_ROUTE_SOURCE_BGP][1] + f.stale_routes;
	struct fib_marker_state st = {.routes = in_kernel > 0, .clean = false};
	fib_marker_set(&d->marker, &st);
}

static void on_fib_leftovers(void *ctx, uint64_t found)
{
	struct vbrd *d = ctx;
	d->fib_leftovers_known = true;
	if (d->config->fib_enabled &&
	    fib_marker_routes_missing(d->marker.prev_present, &d->marker.prev, found)) {
		d->fib_routes_missing = true;
		vbr_log(VBR_LOG_WARN,
			"the kernel holds none of the routes the last run left: the network "
			"namespace did not outlive the process, forwarding starts from scratch "
			"(peers are told the forwarding state was lost)",
			"last_stop", d->marker.prev.clean ? "clean, routes kept for graceful restart"
							  : "unclean (killed or crashed)",
			NULL);
	}
	marker_sync(d);
}

static void on_route_entry(void *ctx, enum bgp_route_change change,
			   const struct bgp_route_entry_view *entry, uint32_t old_next_hop)
{
	watch_publish_route(ctx, change, entry, old_next_hop);
	if (change == BGP_ROUTE_INSTALLED)
		marker_sync(ctx);
}

static void on_counters_timer(uv_timer_t *t)
{
	vbrd_refresh_snapshot(t->data);
	marker_sync(t->data); /* catches the last route's removal (no event follows it) */
}

/* Counters move with every UPDATE: refresh the snapshot at most once per few ms. */
static void on_peer_counters(void *ctx, uint32_t peer_num)
{
	struct vbrd *d = ctx;
	(void)peer_num;
	if (!d->shutting_down && !uv_is_active((uv_handle_t *)&d->counters_timer))
		uv_timer_start(&d->counters_timer, on_counters_timer, COUNTERS_REFRESH_MS, 0);
}

/* Said once per change, for an operator: routes that do not reach the kernel, or that reach
 * it but carry nothing. vbrd never changes the sysctl itself. */
static void on_fib_status(void *ctx, bool permitted, bool ip_forwarding)
{
	struct vbrd *d = ctx;
	bool fib = d->config->fib_enabled;
	if (fib && !permitted && !d->fib_said_denied)
		vbr_log(VBR_LOG_WARN, "cannot write the kernel FIB (no CAP_NET_ADMIN): route entries "
			"are listed with installed=false", NULL);
	if (fib && !ip_forwarding && !d->fib_said_no_forwarding)
		vbr_log(VBR_LOG_WARN, "net.ipv4.ip_forward is 0 in vbrd's namespace: installed "
			"routes carry no traffic until it is 1", NULL);
	d->fib_said_denied = fib && !permitted;
	d->fib_said_no_forwarding = fib && !ip_forwarding;
	vbrd_refresh_snapshot(d);
}

/* ---- metrics ---- */

static void collect_metrics(void *ctx, struct vbr_metrics_scrape *scrape)
{
	struct vbrd *d = ctx;
	for (size_t i = 0; i < d->model.n_peers; i++) {
		const struct vbr_peer *p = &d->model.peers[i];
		const struct vbr_group *g = model_group(&d->model, p->group_id);
		struct vbr_metrics_peer mp;
		memset(&mp, 0, sizeof(mp));
		mp.id = p->num;
		mp.group_id = (uint32_t)strtoul(p->group_id + 5, NULL, 16);
		mp.peer_ip = p->ip;
		mp.peer_asn = g ? g->peer_asn : 0;
		mp.admin_down = p->admin_down;
		snprintf(mp.id_label, sizeof(mp.id_label), "%s", p->id);
		snprintf(mp.group_id_label, sizeof(mp.group_id_label), "%s", p->group_id);
		if (bgp_speaker_peer_status(d->speaker, p->num, &mp.status) != 0)
			mp.status.state = BGP_STATE_IDLE;
		vbr_metrics_scrape_peer(scrape, &mp);
	}
	vbr_metrics_scrape_watchers(scrape, event_hub_subscribers(d->hub));
	vbr_metrics_scrape_unknown_connections(scrape, bgp_speaker_unknown_connections(d->speaker));
	struct bgp_fib_status fib;
	bgp_speaker_fib_status(d->speaker, &fib);
	vbr_metrics_scrape_fib(scrape, &fib);
	vbr_metrics_scrape_fib_restart(scrape, d->fib_routes_missing);
	vbr_metrics_scrape_draining(scrape, d->draining);
}

/* ---- shutdown ---- */

static void close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void on_speaker_done(void *arg)
{
	struct vbrd *d = arg;
	if (d->config->fib_enabled && d->fib_leftovers_known) {
		/* The loop runs on until this write is done (a thread-pool request). */
		struct bgp_fib_status f;
		bgp_speaker_fib_status(d->speaker, &f);
		struct fib_marker_state st = {.routes = f.kept_on_stop, .clean = true};
		fib_marker_set(&d->marker, &st);
	}
	close_handle((uv_handle_t *)&d->counters_timer);
	close_handle((uv_handle_t *)&d->drain_timer);
	close_handle((uv_handle_t *)&d->deliver);
	close_handle((uv_handle_t *)&d->sigterm);
	close_handle((uv_handle_t *)&d->sigint);
	vbr_log(VBR_LOG_INFO, "vbrd stopped", NULL);
}

static void on_metrics_stopped(void *arg)
{
	struct vbrd *d = arg;
	d->metrics = NULL;
	bgp_speaker_shutdown(d->speaker, "vbrd shutting down", on_speaker_done, d);
}

static void on_rpc_shutdown_done(void *ctx)
{
	struct vbrd *d = ctx;
	rpc_free(d->rpc);
	d->rpc = NULL;
	vbr_log(VBR_LOG_INFO, "API stopped", NULL);
	if (d->metrics)
		vbr_metrics_stop(d->metrics, on_metrics_stopped, d);
	else
		on_metrics_stopped(d);
}

static void begin_stop(struct vbrd *d, const char *why)
{
	if (d->shutting_down)
		return;
	d->shutting_down = true;
	vbr_log(VBR_LOG_INFO, "shutting down", "signal", why, NULL);
	uv_timer_stop(&d->counters_timer);
	uv_timer_stop(&d->drain_timer);
	watch_end_streams(d);
	rpc_shutdown(d->rpc, SHUTDOWN_GRACE_MS);
}

static void on_drain_timer(uv_timer_t *t)
{
	begin_stop(t->data, "drain time over");
}

void vbrd_drain(struct vbrd *d, const char *why)
{
	if (d->draining || d->shutting_down)
		return;
	d->draining = true;
	d->drain_since_ms = bgp_now_ms();
	char secs[16];
	snprintf(secs, sizeof(secs), "%u", d->config->drain_time_ms / 1000);
	vbr_log(VBR_LOG_INFO,
		"draining (RFC 8326): networks announced again with GRACEFUL_SHUTDOWN (65535:0); "
		"the stop then sends Cease, withdraws them and removes the kernel routes",
		"by", why, "drain_time_s", secs, NULL);
	bgp_speaker_drain(d->speaker);
}

/* A stop while draining waits until --drain-time has passed since the drain began (a drain
 * the signal itself starts, with --drain-on-stop, waits all of it); a second signal stops at
 * once. */
static void on_signal(uv_signal_t *sig, int signum)
{
	struct vbrd *d = sig->data;
	const char *name = signum == SIGTERM ? "SIGTERM" : "SIGINT";
	if (d->stop_requested || d->shutting_down) {
		begin_stop(d, name);
		return;
	}
	d->stop_requested = true;
	if (d->config->drain_on_stop)
		vbrd_drain(d, name);
	int64_t left = d->draining ? d->drain_since_ms + d->config->drain_time_ms - bgp_now_ms() : 0;
	if (left <= 0) {
		begin_stop(d, name);
		return;
	}
	uv_timer_start(&d->drain_timer, on_drain_timer, (uint64_t)left, 0);
}

/* ---- start-up ---- */

static int load_into_speaker(struct vbrd *d)
{
	for (size_t i = 0; i < d->model.n_peers; i++) {
		const struct vbr_peer *p = &d->model.peers[i];
		const struct vbr_group *g = model_group(&d->model, p->group_id);
		struct bgp_peer_config cfg;
		convert_peer_config(p, g, &cfg);
		int err = bgp_speaker_peer_add(d->speaker, &cfg);
		if (err)
			return err;
	}
	for (size_t i = 0; i < d->model.n_networks; i++) {
		int err = bgp_speaker_network_add(d->speaker, d->model.networks[i].prefix,
						  d->model.networks[i].len);
		if (err)
			return err;
	}
	for (size_t i = 0; i < d->model.n_route_entries; i++) {
		const struct vbr_route_entry *e = &d->model.route_entries[i];
		int err = bgp_speaker_static_add(d->speaker, e->num, e->prefix, e->len, e->next_hop);
		if (err)
			return err;
	}
	return 0;
}

static void ignore(void *arg)
{
	(void)arg;
}

static void fail(const char *what, const char *detail)
{
	vbr_log(VBR_LOG_ERROR, what, "error", detail, NULL);
	fprintf(stderr, "vbrd: %s: %s\n", what, detail);
}

/* What GetRouter reports about this run, from the flags. */
static void info_init(struct vbrd *d, const struct vbrd_config *cfg)
{
	d->info.router_id = cfg->router_id;
	d->info.local_asn = cfg->local_asn;
	snprintf(d->info.bgp_listen, sizeof(d->info.bgp_listen), "%s", cfg->bgp_listen);
	d->info.max_peers = cfg->max_peers;
	d->info.max_networks = cfg->max_networks;
	d->info.max_route_entries = cfg->max_route_entries;
	d->info.fib_enabled = cfg->fib_enabled;
	d->info.fib_table = cfg->fib_table;
	d->info.start_time_ms = bgp_now_ms();
}

/* The event hubs and the BGP speaker with the daemon's callbacks. */
static int speaker_create(struct vbrd *d, uv_loop_t *loop)
{
	const struct vbrd_config *cfg = d->config;
	d->hub = event_hub_new(cfg->event_history, watch_hub_ready, d);
	d->route_hub = event_hub_new(cfg->event_history, watch_hub_ready, d);
	struct bgp_speaker_config sc = {.local_asn = cfg->local_asn,
					.router_id = cfg->router_id,
					.listen_ip = cfg->bgp_listen_ip,
					.listen_port = cfg->bgp_listen_port,
					.send_hold_ms = cfg->send_hold_ms,
					.peer_port = cfg->peer_port,
					.fib_enabled = cfg->fib_enabled,
					.fib_table = cfg->fib_table,
					.selection_deferral_ms = cfg->selection_deferral_ms,
					.restarted = store_found(d->store),
					.expected_leftovers = fib_marker_expected(&d->marker)};
	struct bgp_speaker_callbacks cb = {.on_state_change = on_state_change,
					   .on_route_limit = on_route_limit,
					   .on_bfd_state = on_bfd_state,
					   .on_route_limit_cleared = on_route_limit_cleared,
					   .on_stale_routes = on_stale_routes,
					   .on_peer_counters = on_peer_counters,
					   .on_fib_status = on_fib_status,
					   .on_fib_leftovers = on_fib_leftovers,
					   .on_route_entry = on_route_entry};
	if (!d->hub || !d->route_hub)
		return -ENOMEM;
	return bgp_speaker_new(loop, &sc, &cb, d, &d->speaker);
}

/* Before the API answers: a SIGTERM right after the first health check must be ours. Signals
 * are handled only inside uv_run, after rpc_start. */
static void signals_start(struct vbrd *d, uv_loop_t *loop)
{
	uv_signal_init(loop, &d->sigterm);
	uv_signal_init(loop, &d->sigint);
	d->sigterm.data = d->sigint.data = d;
	uv_signal_start(&d->sigterm, on_signal, SIGTERM);
	uv_signal_start(&d->sigint, on_signal, SIGINT);
}

/* --metrics-listen: a failure stops the API again and vbrd exits 1. */
static void metrics_start(struct vbrd *d, uv_loop_t *loop)
{
	const struct vbrd_config *cfg = d->config;
	if (!cfg->metrics_listen)
		return;
	struct vbr_metrics_config mc = {.listen = cfg->metrics_listen,
					.version = VBR_VERSION,
					.local_asn = cfg->local_asn,
					.start_time_unix = d->info.start_time_ms / 1000,
					.counters = &vbr_metrics_counters,
					.collect = collect_metrics,
					.collect_ctx = d};
	int e = vbr_metrics_start(loop, &mc, &d->metrics);
	if (e == 0)
		return;
	char err[512];
	snprintf(err, sizeof(err), "--metrics-listen %s: %s", cfg->metrics_listen, uv_strerror(e));
	fail("cannot serve metrics", err);
	d->shutting_down = true;
	rpc_shutdown(d->rpc, 0);
	d->exit_code = 1;
}

static void log_started(const struct vbrd *d)
{
	char peers[16], networks[16];
	snprintf(peers, sizeof(peers), "%zu", d->model.n_peers);
	snprintf(networks, sizeof(networks), "%zu", d->model.n_networks);
	vbr_log(VBR_LOG_INFO, "vbrd started", "version", VBR_VERSION, "api", d->config->api,
		"bgp_listen", d->config->bgp_listen, "state", store_path(d->store), "peers", peers,
		"networks", networks, NULL);
}

enum speaker_up { SPEAKER_UP, SPEAKER_NONE, SPEAKER_FAILED };

/* The daemon's timers, the speaker with the stored state, listening: SPEAKER_NONE when there is
 * no speaker (nothing to shut down), SPEAKER_FAILED when it exists but did not start. */
static enum speaker_up speaker_up(struct vbrd *d, uv_loop_t *loop)
{
	/* Before the speaker: its callbacks may run from bgp_speaker_peer_add already. */
	uv_timer_init(loop, &d->counters_timer);
	d->counters_timer.data = d;
	uv_timer_init(loop, &d->drain_timer);
	d->drain_timer.data = d;
	uv_idle_init(loop, &d->deliver);
	d->deliver.data = d;
	if (speaker_create(d, loop) != 0) {
		fail("cannot create the BGP speaker", "out of memory");
		close_handle((uv_handle_t *)&d->counters_timer);
		close_handle((uv_handle_t *)&d->drain_timer);
		close_handle((uv_handle_t *)&d->deliver);
		return SPEAKER_NONE;
	}
	int e = load_into_speaker(d);
	if (e != 0) {
		fail("cannot load the stored peers into the BGP speaker", strerror(-e));
		return SPEAKER_FAILED;
	}
	if ((e = bgp_speaker_start(d->speaker)) != 0) {
		char err[512];
		snprintf(err, sizeof(err), "%s: %s", d->config->bgp_listen, strerror(-e));
		fail("cannot listen for BGP", err);
		return SPEAKER_FAILED;
	}
	return SPEAKER_UP;
}

/* Signals, gRPC and the API server; non-zero (said) when the API cannot be served. */
static int api_start(struct vbrd *d, uv_loop_t *loop)
{
	const struct vbrd_config *cfg = d->config;
	struct rpc_config rc_cfg = {cfg->api, cfg->tls_cert_pem, cfg->tls_key_pem,
				    cfg->tls_client_ca_pem};
	struct rpc_handlers h = {reads_on_read, handlers_on_call, watch_on_write_done,
				 watch_on_stream_closed, on_rpc_shutdown_done};
	char err[512] = "";
	signals_start(d, loop);
	grpc_init();
	if (rpc_start(loop, &rc_cfg, &h, d, &d->rpc, err, sizeof(err)) != 0) {
		fail("cannot serve the API", err);
		return -1;
	}
	return 0;
}

/* What vbrd_run built before the speaker: the event hubs, the read snapshot, the model and the
 * store (its lock released). */
static void state_free(struct vbrd *d)
{
	event_hub_free(d->hub);
	event_hub_free(d->route_hub);
	snapshot_slot_clear(&d->slot);
	model_free(&d->model);
	store_close(d->store);
}

int vbrd_run(const struct vbrd_config *cfg)
{
	struct vbrd *d = calloc(1, sizeof(*d));
	uv_loop_t loop;
	char err[512] = "";
	int rc = 1;
	if (!d || uv_loop_init(&loop) != 0) {
		free(d);
		fprintf(stderr, "vbrd: cannot start the event loop\n");
		return 1;
	}
	d->config = cfg;
	d->loop = &loop;
	/* A write to a connection the peer has already reset raises SIGPIPE, whose default
	 * action ends the process: libuv writes BGP and metrics sockets with write(2), which
	 * has no MSG_NOSIGNAL. Ignored, the write fails with EPIPE and that session closes
	 * (seen when both ends resolve a connection collision at once: tests/sessions/
	 * test_collision.py). Before any socket exists. */
	signal(SIGPIPE, SIG_IGN);
	model_init(&d->model);
	stats_init();
	info_init(d, cfg);

	if (store_open(cfg->state_dir, &d->store, err, sizeof(err)) != 0) {
		fail("cannot use the state dir", err);
		goto out_loop;
	}
	if (store_load(d->store, &d->model, err, sizeof(err)) != 0) {
		fail("cannot load the state", err);
		goto out_store;
	}
	fib_marker_open(&d->marker, &loop, cfg->state_dir);
	switch (speaker_up(d, &loop)) {
	case SPEAKER_NONE:
		goto out_store;
	case SPEAKER_FAILED:
		goto out_speaker;
	case SPEAKER_UP:
		break;
	}
	vbrd_refresh_snapshot(d);
	if (api_start(d, &loop) != 0)
		goto out_grpc;
	metrics_start(d, &loop);
	if (!d->shutting_down)
		log_started(d);
	uv_run(&loop, UV_RUN_DEFAULT);
	rc = d->exit_code;
	bgp_speaker_free(d->speaker);
	grpc_shutdown_blocking();
	goto out_store;

out_grpc:
	grpc_shutdown_blocking();
	close_handle((uv_handle_t *)&d->sigterm);
	close_handle((uv_handle_t *)&d->sigint);
out_speaker:
	close_handle((uv_handle_t *)&d->counters_timer);
	close_handle((uv_handle_t *)&d->drain_timer);
	close_handle((uv_handle_t *)&d->deliver);
	/* The speaker may hold handles (its listener): close them before freeing it. */
	bgp_speaker_shutdown(d->speaker, "vbrd failed to start", ignore, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	bgp_speaker_free(d->speaker);
out_store:
	state_free(d);
out_loop:
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		vbr_log(VBR_LOG_WARN, "event loop closed with handles left", NULL);
	free(d);
	return rc;
}
