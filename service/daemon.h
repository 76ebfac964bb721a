/*
 * daemon: the running vbrd — the loop, the model, the store, the speaker, the event hub, the
 * gRPC server and the published snapshot — and the start-up / shutdown sequence.
 *
 * Thread rules: everything here is the loop thread's except `slot.current`, `info`, `config`
 * (immutable after start) which the completion-queue thread reads (reads.c).
 */
#ifndef VBR_SERVICE_DAEMON_H
#define VBR_SERVICE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "events.h"
#include "fib_marker.h"
#include "model.h"
#include "rpc.h"
#include "snapshot.h"
#include "speaker.h"
#include "store.h"
#include "vbr/v1/vbr.pb-c.h"

struct vbrd_config {
	const char *api;	/* "127.0.0.1:50051", "unix:/run/vbrd.sock" */
	const char *bgp_listen; /* as given, for GetRouter */
	uint32_t bgp_listen_ip; /* host byte order */
	uint16_t bgp_listen_port;
	uint32_t router_id;
	uint32_t local_asn;
	const char *state_dir;
	uint32_t max_peers;
	uint32_t max_networks;
	uint32_t event_history;
	uint32_t send_hold_ms;	    /* 0: the core's default */
	uint16_t peer_port;	    /* 0: 179 */
	bool fib_enabled;	    /* --fib on */
	uint32_t fib_table;
	uint32_t max_route_entries;
	uint32_t selection_deferral_ms; /* --selection-deferral: leftover kernel routes' wait */
	bool drain_on_stop;		/* --drain-on-stop: SIGTERM drains (RFC 8326) first */
	uint32_t drain_time_ms;		/* --drain-time: how long the drain lasts */
	const char *metrics_listen; /* NULL: off */
	char *tls_cert_pem;	    /* NULL: plaintext */
	char *tls_key_pem;
	char *tls_client_ca_pem;
};

struct queued_call;

struct vbrd {
	const struct vbrd_config *config;
	uv_loop_t *loop;
	struct router_info info;
	struct vbr_model model;
	struct vbr_store *store;
	struct bgp_speaker *speaker;
	struct event_hub *hub;	     /* peer events */
	struct event_hub *route_hub; /* route-table events */
	uv_idle_t deliver;	     /* runs the hubs' deliveries while they have work */
	struct rpc_server *rpc;
	struct snapshot_slot slot;
	struct vbr_metrics *metrics;
	uv_timer_t counters_timer; /* coalesces counter-driven snapshot refreshes */
	uv_signal_t sigterm, sigint;
	bool shutting_down;
	bool draining;		  /* the drain (--drain-on-stop, DrainRouter) has begun */
	int64_t drain_since_ms;	  /* when */
	bool stop_requested;	  /* a signal came: a second one stops at once */
	uv_timer_t drain_timer;	  /* its end */
	bool fib_said_denied, fib_said_no_forwarding; /* logged once per change */
	struct fib_marker marker;   /* did the last run leave kernel routes (fib_marker.h) */
	bool fib_leftovers_known;   /* the core read them back: the marker may change now */
	bool fib_routes_missing;    /* expected some, found none (logged once, a metric) */
	int exit_code;
	bool write_busy; /* a state write is in the thread pool (mutations.c) */
	struct queued_call *queue_head, *queue_tail; /* mutations waiting for it */
};

/* Runs until SIGTERM / SIGINT; returns the process exit code. */
int vbrd_run(const struct vbrd_config *config);

/* Loop thread: start the drain (RFC 8326; bgp_speaker_drain): the next stop waits until
 * --drain-time has passed since, then leaves for good. Idempotent. */
void vbrd_drain(struct vbrd *d, const char *why);

/* Loop thread: rebuild and publish the snapshot now. */
void vbrd_refresh_snapshot(struct vbrd *d);
/* Loop thread: publish a peer event (sequence and time filled in). */
void vbrd_publish_event(struct vbrd *d, int kind, const struct vbr_peer *peer, int old_state,
			int new_state, const char *reason);

/* Loop thread: a BFD_STATE_CHANGED event (states are vbr.v1.BfdState). */
void vbrd_publish_bfd_event(struct vbrd *d, const struct vbr_peer *peer, int old_bfd_state,
			    int new_bfd_state, const char *reason);

/* handlers.c (loop thread) */
void handlers_on_call(void *ctx, struct rpc_call *call);

/* watch.c (loop thread): the event streams. */
void watch_peer_events(struct vbrd *d, struct rpc_call *call,
		       const Vbr__V1__WatchPeerEventsRequest *req);
void watch_route_events(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__WatchRouteEventsRequest *req);
/* Loop thread: a route-table change from the core, published as a RouteEvent. */
void watch_publish_route(struct vbrd *d, enum bgp_route_change change,
			 const struct bgp_route_entry_view *entry, uint32_t old_next_hop);
/* Ends a watch stream before it is subscribed, and drops the loop's reference. */
void watch_refuse(struct rpc_call *call, grpc_status_code code, const char *message);
/* Subscribes the stream to `hub` (consumes opt->snapshot) or ends it with the hub's status. */
void watch_subscribe(struct vbrd *d, struct rpc_call *call, struct event_hub *hub,
		     const struct event_sub_options *opt);
void watch_on_write_done(void *ctx, struct rpc_call *call, bool ok);
void watch_on_stream_closed(void *ctx, struct rpc_call *call);
/* The hubs' ready callback: schedules delivery on the loop. */
void watch_hub_ready(void *ctx);
/* Ends every watch stream (shutdown). */
void watch_end_streams(struct vbrd *d);

/* reads.c (completion-queue thread) */
void reads_on_read(void *ctx, struct rpc_call *call);

#endif
