/*
 * bfd_fsm: one BFD session of RFC 5880 (asynchronous mode, no echo, no demand, no
 * authentication) as a pure function, beside the BGP FSM: (session, event) -> (session,
 * output). The driver (bfd.c) owns the sockets and the two timers (transmit, detection),
 * feeds their expiries and every valid received packet in, and performs the output: send a
 * packet now, (re)arm or stop a timer. Nothing here reads a clock or a socket.
 *
 * Rules implemented: reception 6.8.6, detection time 6.8.4, transmit interval and jitter
 * 6.8.7, Poll/Final for timer changes 6.8.3 (FRR and BIRD keep their slow timers until their
 * Poll is answered), slow start at 1 s while not Up 6.8.3, AdminDown 6.8.16.
 */
#ifndef VBR_BGP_BFD_FSM_H
#define VBR_BGP_BFD_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd_packet.h"

#define BFD_SLOW_TX_US 1000000u /* 6.8.3: at least 1 s while the session is not Up */

struct bfd_fsm_config {
	uint32_t desired_min_tx_us;  /* bfd.DesiredMinTxInterval once Up */
	uint32_t required_min_rx_us; /* bfd.RequiredMinRxInterval */
	uint8_t detect_mult;	     /* bfd.DetectMult, >= 1 */
};

/* The state variables of 6.8.1 plus what the Poll Sequence needs. Read-only for the driver. */
struct bfd_fsm {
	struct bfd_fsm_config config;
	enum bfd_state state;	     /* bfd.SessionState */
	enum bfd_state remote_state; /* bfd.RemoteSessionState */
	uint32_t local_disc;	     /* bfd.LocalDiscr, non-zero */
	uint32_t remote_disc;	     /* bfd.RemoteDiscr, 0 until heard */
	enum bfd_diag local_diag;    /* bfd.LocalDiag */
	uint32_t remote_min_rx_us;   /* bfd.RemoteMinRxInterval (1 before any packet) */
	uint32_t remote_desired_tx_us; /* the peer's last Desired Min TX Interval */
	uint8_t remote_detect_mult;
	bool poll_active;	/* our Poll Sequence runs: P set until a Final arrives */
	uint32_t adv_tx_us;	/* Desired Min TX we advertise now (slow start applied) */
	uint32_t used_tx_us;	/* the one our interval uses (an increase waits for the Final) */
	uint32_t used_rx_us;	/* Required Min RX for the detection time (a decrease waits) */
	uint32_t tx_interval_us; /* negotiated periodic interval before jitter; 0 = not sending */
	uint32_t detect_us;	 /* detection time armed by the last packet; 0 = not running */
	uint8_t admin_down_left; /* AdminDown packets still to send periodically (6.8.16) */
};

enum bfd_fsm_event_type {
	BFD_EV_ENABLE = 1,	    /* start the session (from AdminDown), 6.8.16 leaving AdminDown */
	BFD_EV_ADMIN_DOWN = 2,	    /* BFD disabled on the peer, or the peer removed: 6.8.16 */
	BFD_EV_RX = 3,		    /* a packet that passed bfd_packet_decode. data: packet */
	BFD_EV_TX_TIMER = 4,	    /* the transmit timer fired */
	BFD_EV_DETECT_TIMER = 5,    /* the detection time passed without a packet */
	BFD_EV_CONFIG = 6,	    /* new intervals / multiplier. data: config */
};

struct bfd_fsm_event {
	enum bfd_fsm_event_type type;
	uint32_t random;		  /* uniform 32 bits, for jitter (tests fix it) */
	const struct bfd_packet *packet;  /* RX */
	const struct bfd_fsm_config *config; /* CONFIG */
};

enum bfd_timer_op { BFD_TIMER_KEEP = 0, BFD_TIMER_START = 1, BFD_TIMER_STOP = 2 };

struct bfd_fsm_output {
	enum bfd_state old_state, new_state;
	enum bfd_diag diag; /* fsm->local_diag after the step: why it went Down */
	bool send;	    /* send one packet now (bfd_fsm_packet with `final`) */
	bool final;	    /* that packet answers the peer's Poll (F set, P clear) */
	enum bfd_timer_op tx_op; /* STOP in AdminDown: the peer has been told; a removed
				  * session may be freed */
	uint32_t tx_us; /* START: the next transmission in this many us (jitter applied) */
	enum bfd_timer_op detect_op;
	uint32_t detect_us; /* START: detection time */
};

/* AdminDown, not sending, nothing heard. local_disc must be non-zero and unique. */
void bfd_fsm_init(struct bfd_fsm *fsm, const struct bfd_fsm_config *config, uint32_t local_disc);

/* Processes one event. Never fails; an event without meaning in the state changes nothing. */
void bfd_fsm_step(struct bfd_fsm *fsm, const struct bfd_fsm_event *ev, struct bfd_fsm_output *out);

/* The packet to send now; final = answer to a Poll (then P is clear, 6.8.7). */
void bfd_fsm_packet(const struct bfd_fsm *fsm, bool final, struct bfd_packet *out);

/* 6.8.7: interval reduced by 0-25% (to 75-90% when detect_mult is 1), from random. */
uint32_t bfd_fsm_jitter_us(uint32_t interval_us, uint8_t detect_mult, uint32_t random);

#endif
