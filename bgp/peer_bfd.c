/*
 * peer_bfd: a peer's BFD session and what its state means for BGP (see peer_bfd.h).
 */
#include "peer_bfd.h"

#include <stdio.h>
#include <string.h>

#include "peer.h"
#include "speaker_int.h"

#define BFD_DEFAULT_INTERVAL_MS 300
#define BFD_DEFAULT_MULTIPLIER 3

static enum bgp_bfd_state public_state(enum bfd_state s)
{
	switch (s) {
	case BFD_STATE_ADMIN_DOWN:
		return BGP_BFD_ADMIN_DOWN;
	case BFD_STATE_DOWN:
		return BGP_BFD_DOWN;
	case BFD_STATE_INIT:
		return BGP_BFD_INIT;
	case BFD_STATE_UP:
		return BGP_BFD_UP;
	}
	return BGP_BFD_DOWN;
}

static void report(struct bgp_peer *peer, enum bgp_bfd_state old, enum bgp_bfd_state now,
		   const char *reason)
{
	struct bgp_speaker *sp = peer->speaker;
	if (old == now || peer->speaker_detached)
		return;
	if (sp->callbacks.on_bfd_state)
		sp->callbacks.on_bfd_state(sp->ctx, peer->config.id, old, now, reason);
	peer_notify_counters(peer);
}

static void fsm_config(const struct bgp_peer_config *c, struct bfd_fsm_config *out)
{
	uint32_t ms = c->bfd_min_interval_ms ? c->bfd_min_interval_ms : BFD_DEFAULT_INTERVAL_MS;
	out->desired_min_tx_us = ms * 1000;
	out->required_min_rx_us = ms * 1000;
	out->detect_mult = c->bfd_detect_multiplier ? c->bfd_detect_multiplier
						    : BFD_DEFAULT_MULTIPLIER;
}

static struct bfd_driver *driver(struct bgp_speaker *sp);

void peer_bfd_sync(struct bgp_peer *peer)
{
	struct bgp_speaker *sp = peer->speaker;
	bool want = peer->config.enable_bfd && !peer->config.admin_down && !sp->shutting_down;
	struct bfd_fsm_config fc;
	fsm_config(&peer->config, &fc);
	if (want && peer->bfd_on) {
		bfd_session_configure(sp->bfd, peer->config.id, &fc);
		return;
	}
	if (want) {
		struct bfd_driver *d = driver(sp);
		if (!d)
			return;
		peer->bfd_on = true;
		peer->bfd_was_up = false;
		peer->bfd_state = BFD_STATE_DOWN;
		int rc = bfd_session_add(d, peer->config.id, peer->config.peer_ip, &fc);
		if (rc)
			snprintf(peer->last_error, sizeof(peer->last_error),
				 "BFD: cannot listen on UDP 3784: %s", uv_strerror(rc));
		report(peer, BGP_BFD_DISABLED, BGP_BFD_DOWN, "BFD enabled");
		return;
	}
	if (peer->bfd_on) {
		peer_bfd_remove(peer);
		report(peer, public_state(peer->bfd_state), BGP_BFD_DISABLED,
		       peer->config.admin_down ? "peer admin down" : "BFD disabled");
	}
}

void peer_bfd_remove(struct bgp_peer *peer)
{
	if (!peer->bfd_on)
		return;
	peer->bfd_on = false;
	peer->bfd_was_up = false;
	bfd_session_remove(peer->speaker->bfd, peer->config.id);
}

bool peer_bfd_blocks(const struct bgp_peer *peer)
{
	/* RFC 5882 3.2: a peer that turned BFD off (AdminDown) does not hold BGP down. */
	return peer->bfd_on && peer->bfd_was_up && peer->bfd_state != BFD_STATE_UP &&
	       peer->bfd_remote_state != BFD_STATE_ADMIN_DOWN;
}

void peer_bfd_local(struct bgp_peer *peer, uint32_t local_ip)
{
	if (peer->bfd_on)
		bfd_session_set_local(peer->speaker->bfd, peer->config.id, local_ip);
}

void peer_bfd_status(const struct bgp_peer *peer, struct bgp_peer_status *out)
{
	struct bfd_session_status st;
	if (!peer->bfd_on ||
	    bfd_session_status(peer->speaker->bfd, peer->config.id, &st) != 0) {
		out->bfd_state = BGP_BFD_DISABLED;
		return;
	}
	out->bfd_state = public_state(st.state);
	out->bfd_packets_in = st.packets_in;
	out->bfd_packets_out = st.packets_out;
	out->bfd_packets_dropped = st.packets_dropped;
	out->bfd_local_disc = st.local_disc;
	out->bfd_remote_disc = st.remote_disc;
	out->bfd_tx_interval_us = st.tx_interval_us;
	out->bfd_detect_time_us = st.detect_us;
}

void peer_bfd_changed(struct bgp_peer *peer, enum bfd_state old, enum bfd_state now,
		      enum bfd_diag diag, enum bfd_state remote)
{
	peer->bfd_state = now;
	peer->bfd_remote_state = remote;
	if (old == BFD_STATE_ADMIN_DOWN)
		return; /* our own enable, reported by peer_bfd_sync as "BFD enabled" */
	char reason[128];
	if (now == BFD_STATE_INIT) {
		snprintf(reason, sizeof(reason), "peer's Down received: handshake in progress");
	} else if (now == BFD_STATE_UP) {
		peer->bfd_was_up = true;
		snprintf(reason, sizeof(reason), "three-way handshake complete");
	} else if (now == BFD_STATE_DOWN && remote == BFD_STATE_ADMIN_DOWN) {
		snprintf(reason, sizeof(reason), "peer signaled AdminDown");
	} else {
		snprintf(reason, sizeof(reason), "%s", bfd_diag_name(diag));
	}
	report(peer, public_state(old), public_state(now), reason);
	/* RFC 5882 3.2: Up -> Down is a forwarding failure, unless the peer only turned BFD
	 * off (AdminDown). */
	if (old == BFD_STATE_UP && now != BFD_STATE_UP && remote != BFD_STATE_ADMIN_DOWN)
		bgp_peer_bfd_down(peer, bfd_diag_name(diag));
}

/* ---- the speaker's driver ---- */

static void on_bfd(void *ctx, uint32_t id, enum bfd_state old, enum bfd_state now,
		   enum bfd_diag diag, enum bfd_state remote)
{
	struct bgp_speaker *sp = ctx;
	for (size_t i = 0; i < sp->peer_count; i++)
		if (sp->peers[i]->config.id == id) {
			peer_bfd_changed(sp->peers[i], old, now, diag, remote);
			return;
		}
}

static struct bfd_driver *driver(struct bgp_speaker *sp)
{
	if (sp->bfd)
		return sp->bfd;
	static const struct bfd_driver_callbacks cb = {.on_state = on_bfd};
	if (bfd_driver_new(sp->loop, sp->config.listen_ip, &cb, sp, &sp->bfd) != 0)
		return NULL;
	return sp->bfd;
}

static void driver_closed(void *arg)
{
	speaker_handle_closed(arg);
}

void speaker_bfd_close(struct bgp_speaker *sp)
{
	if (!sp->bfd)
		return;
	sp->open_handles++;
	bfd_driver_close(sp->bfd, driver_closed, sp);
}
