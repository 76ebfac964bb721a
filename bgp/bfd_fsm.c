/*
 * bfd_fsm: the RFC 5880 session state machine as a pure function (see bfd_fsm.h).
 *
 * Every step ends in one place (finish) that recomputes the negotiated transmit interval
 * and, when it changed, re-arms the transmit timer, so no event handler has to remember it.
 */
#include "bfd_fsm.h"

#include <string.h>

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

uint32_t bfd_fsm_jitter_us(uint32_t interval_us, uint8_t detect_mult, uint32_t random)
{
	/* 6.8.7: "reduced by a random value of 0 to 25%"; with bfd.DetectMult 1, "no more
	 * than 90% ... no less than 75%". */
	uint64_t span = detect_mult == 1 ? 15 : 25; /* percent of the interval */
	uint64_t base = detect_mult == 1 ? 90 : 100;
	uint64_t cut = (uint64_t)interval_us * span * (random % 1001) / 100000;
	uint64_t v = (uint64_t)interval_us * base / 100 - cut;
	return v ? (uint32_t)v : 1;
}

/* 6.8.3: at least one second while not Up. */
static uint32_t advertised_tx(const struct bfd_fsm *fsm)
{
	if (fsm->state == BFD_STATE_UP)
		return fsm->config.desired_min_tx_us;
	return max_u32(fsm->config.desired_min_tx_us, BFD_SLOW_TX_US);
}

/* 6.8.7: max(bfd.DesiredMinTxInterval, bfd.RemoteMinRxInterval); none if the peer asks
 * for no packets (RemoteMinRxInterval 0). AdminDown keeps sending so the peer learns it. */
static uint32_t tx_interval(const struct bfd_fsm *fsm)
{
	if (fsm->state == BFD_STATE_ADMIN_DOWN && fsm->admin_down_left == 0)
		return 0;
	if (fsm->remote_min_rx_us == 0)
		return 0;
	return max_u32(fsm->used_tx_us, fsm->remote_min_rx_us);
}

/* 6.8.4: remote DetectMult x max(bfd.RequiredMinRxInterval, remote Desired Min TX). */
static uint32_t detection_time(const struct bfd_fsm *fsm)
{
	uint64_t t = (uint64_t)fsm->remote_detect_mult *
		     max_u32(fsm->used_rx_us, fsm->remote_desired_tx_us);
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* The advertised intervals follow the state and the config; 6.8.3: a change while Up starts a
 * Poll Sequence; an increase of TX (or decrease of RX) takes effect only at its Final. */
static void update_timers(struct bfd_fsm *fsm)
{
	uint32_t tx = advertised_tx(fsm);
	uint32_t rx = fsm->config.required_min_rx_us;
	bool changed = tx != fsm->adv_tx_us || rx != fsm->used_rx_us;
	if (tx != fsm->adv_tx_us) {
		if (tx < fsm->used_tx_us || fsm->state != BFD_STATE_UP)
			fsm->used_tx_us = tx;
		fsm->adv_tx_us = tx;
	}
	if (rx > fsm->used_rx_us || fsm->state != BFD_STATE_UP)
		fsm->used_rx_us = rx;
	if (changed && fsm->state == BFD_STATE_UP)
		fsm->poll_active = true;
}

static void poll_done(struct bfd_fsm *fsm)
{
	fsm->poll_active = false;
	fsm->used_tx_us = fsm->adv_tx_us;
	fsm->used_rx_us = fsm->config.required_min_rx_us;
}

static void set_state(struct bfd_fsm *fsm, struct bfd_fsm_output *out, enum bfd_state s,
		      enum bfd_diag diag)
{
	if (fsm->state == s)
		return;
	fsm->state = s;
	fsm->local_diag = diag;
	if (s != BFD_STATE_UP)
		fsm->poll_active = false; /* Poll Sequences run only while Up */
	out->send = true;	      /* tell the peer at once rather than at the next tick */
}

/* 6.8.6 after the decoder's checks (bfd_packet_decode) and the session lookup. */
static void receive(struct bfd_fsm *fsm, const struct bfd_packet *p, struct bfd_fsm_output *out)
{
	fsm->remote_disc = p->my_disc;
	fsm->remote_state = p->state;
	fsm->remote_min_rx_us = p->required_min_rx_us;
	fsm->remote_desired_tx_us = p->desired_min_tx_us;
	fsm->remote_detect_mult = p->detect_mult;
	if (p->final && fsm->poll_active)
		poll_done(fsm);
	if (fsm->state == BFD_STATE_ADMIN_DOWN)
		return; /* "If bfd.SessionState is AdminDown: Discard the packet" */
	fsm->detect_us = detection_time(fsm);
	out->detect_op = BFD_TIMER_START;
	out->detect_us = fsm->detect_us;
	if (p->state == BFD_STATE_ADMIN_DOWN) {
		if (fsm->state != BFD_STATE_DOWN)
			set_state(fsm, out, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
	} else if (fsm->state == BFD_STATE_DOWN) {
		if (p->state == BFD_STATE_DOWN)
			set_state(fsm, out, BFD_STATE_INIT, BFD_DIAG_NONE);
		else if (p->state == BFD_STATE_INIT)
			set_state(fsm, out, BFD_STATE_UP, BFD_DIAG_NONE);
	} else if (fsm->state == BFD_STATE_INIT) {
		if (p->state == BFD_STATE_INIT || p->state == BFD_STATE_UP)
			set_state(fsm, out, BFD_STATE_UP, BFD_DIAG_NONE);
	} else if (fsm->state == BFD_STATE_UP) {
		if (p->state == BFD_STATE_DOWN)
			set_state(fsm, out, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
	}
	if (p->poll) {
		/* "send a Control packet ... with the Poll (P) bit clear, and the Final (F) bit
		 * set", without waiting for the transmit timer (6.8.7). */
		out->send = true;
		out->final = true;
	}
}

/* 6.8.4: nothing heard for a detection time. */
static void detect_expired(struct bfd_fsm *fsm, struct bfd_fsm_output *out)
{
	if (fsm->detect_us == 0)
		return; /* stale expiry */
	fsm->detect_us = 0;
	out->detect_op = BFD_TIMER_STOP;
	if (fsm->state == BFD_STATE_INIT || fsm->state == BFD_STATE_UP)
		set_state(fsm, out, BFD_STATE_DOWN, BFD_DIAG_TIME_EXPIRED);
	/* 6.8.1: bfd.RemoteDiscr "MUST be set to zero if the Detection Time expires". */
	fsm->remote_disc = 0;
	fsm->remote_state = BFD_STATE_DOWN;
}

static void finish(struct bfd_fsm *fsm, const struct bfd_fsm_event *ev,
		   struct bfd_fsm_output *out, bool tx_tick, bool was_polling)
{
	update_timers(fsm);
	uint32_t interval = tx_interval(fsm);
	if (interval != fsm->tx_interval_us || tx_tick) {
		fsm->tx_interval_us = interval;
		out->tx_op = interval ? BFD_TIMER_START : BFD_TIMER_STOP;
		out->tx_us = interval ? bfd_fsm_jitter_us(interval, fsm->config.detect_mult,
							  ev->random)
				      : 0;
	}
	if (fsm->poll_active && !was_polling)
		out->send = true; /* a Poll starts at once, not one (slow) interval later */
	out->new_state = fsm->state;
	out->diag = fsm->local_diag;
}

void bfd_fsm_step(struct bfd_fsm *fsm, const struct bfd_fsm_event *ev, struct bfd_fsm_output *out)
{
	memset(out, 0, sizeof(*out));
	out->old_state = fsm->state;
	bool was_polling = fsm->poll_active;
	bool tick = false;
	switch (ev->type) {
	case BFD_EV_ENABLE:
		if (fsm->state == BFD_STATE_ADMIN_DOWN) {
			fsm->admin_down_left = 0;
			set_state(fsm, out, BFD_STATE_DOWN, BFD_DIAG_NONE);
		}
		break;
	case BFD_EV_ADMIN_DOWN:
		if (fsm->state != BFD_STATE_ADMIN_DOWN) {
			set_state(fsm, out, BFD_STATE_ADMIN_DOWN, BFD_DIAG_ADMIN_DOWN);
			/* 6.8.16: keep sending AdminDown for about a detection time, so a peer
			 * that misses the first packet still learns it. */
			fsm->admin_down_left = fsm->config.detect_mult;
			fsm->detect_us = 0;
			out->detect_op = BFD_TIMER_STOP;
		}
		break;
	case BFD_EV_RX:
		if (ev->packet)
			receive(fsm, ev->packet, out);
		break;
	case BFD_EV_TX_TIMER:
		if (fsm->tx_interval_us == 0)
			break; /* stale */
		out->send = true;
		tick = true;
		if (fsm->state == BFD_STATE_ADMIN_DOWN && fsm->admin_down_left > 0)
			fsm->admin_down_left--;
		break;
	case BFD_EV_DETECT_TIMER:
		detect_expired(fsm, out);
		break;
	case BFD_EV_CONFIG:
		if (ev->config && ev->config->detect_mult > 0)
			fsm->config = *ev->config;
		break;
	}
	finish(fsm, ev, out, tick, was_polling);
}

void bfd_fsm_packet(const struct bfd_fsm *fsm, bool final, struct bfd_packet *out)
{
	memset(out, 0, sizeof(*out));
	out->version = BFD_VERSION;
	out->diag = fsm->local_diag;
	out->state = fsm->state;
	out->final = final;
	out->poll = fsm->poll_active && !final; /* 6.8.7: never both */
	out->detect_mult = fsm->config.detect_mult;
	out->length = BFD_PKT_LEN;
	out->my_disc = fsm->local_disc;
	out->your_disc = fsm->remote_disc;
	out->desired_min_tx_us = fsm->adv_tx_us;
	out->required_min_rx_us = fsm->config.required_min_rx_us;
	out->required_min_echo_rx_us = 0; /* no echo function */
}

void bfd_fsm_init(struct bfd_fsm *fsm, const struct bfd_fsm_config *config, uint32_t local_disc)
{
	memset(fsm, 0, sizeof(*fsm));
	fsm->config = *config;
	if (fsm->config.detect_mult == 0)
		fsm->config.detect_mult = 1;
	fsm->state = BFD_STATE_ADMIN_DOWN;
	fsm->remote_state = BFD_STATE_DOWN;
	fsm->local_disc = local_disc;
	fsm->local_diag = BFD_DIAG_NONE;
	fsm->remote_min_rx_us = 1; /* 6.8.1 initial value */
	fsm->adv_tx_us = advertised_tx(fsm);
	fsm->used_tx_us = fsm->adv_tx_us;
	fsm->used_rx_us = fsm->config.required_min_rx_us;
}
