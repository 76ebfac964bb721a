/*
 * peer_gr: vbrd as the graceful-restart helper (see peer_gr.h).
 */
#include "peer_gr.h"

#include <stdio.h>
#include <stdlib.h>

#include "gr_restart.h"
#include "peer_rib.h"
#include "speaker_int.h"

/* A separate allocation so the peer can be freed while the handle closes. */
struct peer_gr_timer {
	uv_timer_t handle;
	struct bgp_speaker *speaker;
	struct bgp_peer *peer; /* NULL once closing */
};

static void report(struct bgp_peer *peer, bool stale, uint64_t count, const char *reason)
{
	struct bgp_speaker *sp = peer->speaker;
	peer->stale_reported = stale;
	if (sp->callbacks.on_stale_routes && !peer->speaker_detached)
		sp->callbacks.on_stale_routes(sp->ctx, peer->config.id, stale, count, reason);
	peer_notify_counters(peer);
}

/* Removes what is still stale (peer_rib.c, a batch a loop turn) and says why when it is done
 * ("End-of-RIB", "restart time 120 s expired"). */
static void sweep(struct bgp_peer *peer, const char *why)
{
	if (peer->gr_timer)
		uv_timer_stop(&peer->gr_timer->handle);
	if (peer->rib_in.stale == 0) {
		/* The peer announced (or withdrew) every stale route: the restart still ends,
		 * and a subscriber that saw ROUTES_STALE is told so. */
		if (peer->stale_reported && !peer->stale_sweeping) {
			char reason[192];
			snprintf(reason, sizeof(reason), "%s: no stale route left", why);
			report(peer, false, 0, reason);
		}
		return;
	}
	peer_rib_sweep_stale(peer, why);
}

void peer_gr_stale_swept(struct bgp_peer *peer, uint64_t n, const char *why)
{
	char reason[192];
	snprintf(reason, sizeof(reason), "%s: %llu stale route%s not announced again removed",
		 why, (unsigned long long)n, n == 1 ? "" : "s");
	report(peer, false, n, reason);
}

static void timer_cb(uv_timer_t *h)
{
	struct peer_gr_timer *t = h->data;
	if (!t->peer)
		return;
	char why[96];
	if (t->peer->established)
		snprintf(why, sizeof(why), "no End-of-RIB within %d s of the session coming back",
			 PEER_GR_STALE_PATH_S);
	else
		snprintf(why, sizeof(why), "the peer did not come back within its restart time (%u s)",
			 t->peer->gr_peer_restart_time);
	sweep(t->peer, why);
}

static void timer_closed(uv_handle_t *h)
{
	struct peer_gr_timer *t = h->data;
	struct bgp_speaker *sp = t->speaker;
	free(t);
	speaker_handle_closed(sp);
}

/* Starts (or restarts) the stale timer; false when it cannot exist (out of memory). */
static bool arm(struct bgp_peer *peer, uint64_t ms)
{
	if (!peer->gr_timer) {
		struct peer_gr_timer *t = calloc(1, sizeof(*t));
		if (!t)
			return false;
		t->speaker = peer->speaker;
		t->peer = peer;
		uv_timer_init(peer->speaker->loop, &t->handle);
		t->handle.data = t;
		peer->speaker->open_handles++;
		peer->gr_timer = t;
	}
	uv_timer_start(&peer->gr_timer->handle, timer_cb, ms, 0);
	return true;
}

/* vbrd restarting: whether this peer has now given all it will (RFC 4724 4.1). */
static void defer_sync(struct bgp_peer *peer, bool end_of_rib)
{
	struct gr_defer_peer d = {.admin_down = peer->config.admin_down,
				  .established = peer->established,
				  .synced = peer->defer_synced};
	if (d.synced || !gr_defer_peer_synced(&d, end_of_rib))
		return;
	peer->defer_synced = true;
	route_table_defer_check(peer->speaker);
}

void peer_gr_session_up(struct bgp_peer *peer, const struct bgp_session *sess)
{
	peer->gr_peer_restart_time = sess->have_open ? sess->open.gr_restart_time : 0;
	peer->gr_remote_id = sess->fsm.remote_id;
	if (peer->rib_in.stale == 0)
		return;
	/* RFC 4724 4.2: without the capability, or without the F bit for IPv4 unicast, the
	 * peer did not keep what it forwarded: its old routes must go at once. */
	if (!peer->gr_negotiated || !sess->open.gr_ipv4_forwarding) {
		sweep(peer, peer->gr_negotiated
				? "the peer restarted without keeping its forwarding state (F bit clear)"
				: "the peer came back without graceful restart");
		return;
	}
	if (!arm(peer, (uint64_t)PEER_GR_STALE_PATH_S * 1000))
		sweep(peer, "out of memory for the stale-path timer");
}

bool peer_gr_session_down(struct bgp_peer *peer, enum bgp_fsm_event_type ev)
{
	if (!peer->gr_negotiated || !bgp_fsm_down_is_graceful(ev) || peer->gr_peer_restart_time == 0)
		return false;
	/* What an earlier sweep is still removing was not announced again: it goes now, it is
	 * not kept for this restart. */
	peer_rib_sweep_finish(peer);
	if (peer->rib_in.table.count == 0)
		return false;
	if (!arm(peer, (uint64_t)peer->gr_peer_restart_time * 1000))
		return false;
	peer->graceful_restarts++;
	uint64_t n = rib_in_mark_stale(&peer->rib_in);
	char reason[192];
	snprintf(reason, sizeof(reason),
		 "session closed without a NOTIFICATION (graceful restart): %llu route%s kept "
		 "stale for up to %u s",
		 (unsigned long long)n, n == 1 ? "" : "s", peer->gr_peer_restart_time);
	report(peer, true, n, reason);
	return true;
}

void peer_gr_end_of_rib(struct bgp_peer *peer)
{
	peer->eor_received = true;
	sweep(peer, "End-of-RIB received");
	defer_sync(peer, true);
}

void peer_gr_flush(struct bgp_peer *peer, const char *why)
{
	sweep(peer, why);
}

void peer_gr_open_local(const struct bgp_peer *peer, struct bgp_open_local *l)
{
	const struct bgp_speaker *sp = peer->speaker;
	l->graceful_restart = peer->config.graceful_restart;
	l->gr_restart_time = peer->config.restart_time;
	/* R: until a session of this run got to Established (the peer then knows). */
	l->gr_restart_state = sp->config.restarted && !peer->restart_told;
	l->gr_forwarding = gr_forwarding_kept(sp->config.fib_enabled, sp->config.expected_leftovers,
					      sp->routes.leftovers,
					      peer->established_transitions > 0);
}

void peer_gr_close(struct bgp_peer *peer)
{
	struct peer_gr_timer *t = peer->gr_timer;
	if (!t)
		return;
	peer->gr_timer = NULL;
	t->peer = NULL;
	uv_timer_stop(&t->handle);
	uv_close((uv_handle_t *)&t->handle, timer_closed);
}
