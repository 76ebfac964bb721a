/*
 * fuzz_bfd: libFuzzer target for BFD Control packets and the session machine. The input is a
 * sequence of datagrams, each as [1 octet: length L][1 octet: timer byte][L octets]: each is
 * decoded; a valid one is re-encoded (must decode to the same fields) and fed to one session
 * as RX; the timer byte feeds transmit / detection / config / admin events in between.
 * Invariants a driver relies on abort the run if broken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bfd_fsm.h"
#include "bfd_packet.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void check_output(const struct bfd_fsm *f, const struct bfd_fsm_output *o)
{
	CHECK(f->state <= BFD_STATE_UP && o->new_state == f->state);
	CHECK(!o->final || o->send);
	CHECK(o->tx_op != BFD_TIMER_START || o->tx_us > 0);
	CHECK(o->detect_op != BFD_TIMER_START || o->detect_us > 0);
	/* 6.8.3: not Up means at least 1 s between packets. */
	CHECK(f->state == BFD_STATE_UP || f->tx_interval_us == 0 ||
	      f->tx_interval_us >= BFD_SLOW_TX_US);
	CHECK(f->state != BFD_STATE_ADMIN_DOWN || f->detect_us == 0);
	struct bfd_packet p, back;
	bfd_fsm_packet(f, o->final, &p);
	CHECK(!(p.poll && p.final));
	uint8_t buf[BFD_PKT_LEN];
	bfd_packet_encode(&p, buf);
	enum bfd_pkt_error e = bfd_packet_decode(buf, sizeof(buf), &back);
	/* What we send passes our own checks (your-disc 0 only while Down or AdminDown). */
	CHECK(e == BFD_PKT_OK);
}

static void round_trip(const struct bfd_packet *p)
{
	uint8_t buf[BFD_PKT_LEN];
	bfd_packet_encode(p, buf);
	struct bfd_packet q;
	CHECK(bfd_packet_decode(buf, sizeof(buf), &q) == BFD_PKT_OK);
	CHECK(q.state == p->state && q.diag == p->diag && q.poll == p->poll &&
	      q.final == p->final && q.detect_mult == p->detect_mult &&
	      q.my_disc == p->my_disc && q.your_disc == p->your_disc &&
	      q.desired_min_tx_us == p->desired_min_tx_us &&
	      q.required_min_rx_us == p->required_min_rx_us);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bfd_fsm_config cfg = {100000, 100000, 3};
	static const struct bfd_fsm_config slow = {300000, 50000, 2};
	struct bfd_fsm f;
	struct bfd_fsm_output o;
	bfd_fsm_init(&f, &cfg, 0x2222);
	struct bfd_fsm_event ev = {.type = BFD_EV_ENABLE};
	bfd_fsm_step(&f, &ev, &o);
	check_output(&f, &o);
	size_t off = 0;
	while (off + 2 <= size) {
		size_t len = data[off];
		uint8_t t = data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		struct bfd_packet p;
		if (bfd_packet_decode(data + off, len, &p) == BFD_PKT_OK) {
			round_trip(&p);
			memset(&ev, 0, sizeof(ev));
			ev.type = BFD_EV_RX;
			ev.packet = &p;
			ev.random = t * 16777619u;
			bfd_fsm_step(&f, &ev, &o);
			check_output(&f, &o);
		}
		off += len;
		memset(&ev, 0, sizeof(ev));
		ev.random = t;
		ev.type = (enum bfd_fsm_event_type)(t % 8);
		ev.config = t & 0x80 ? &slow : &cfg;
		if (ev.type >= BFD_EV_ENABLE && ev.type <= BFD_EV_CONFIG) {
			bfd_fsm_step(&f, &ev, &o);
			check_output(&f, &o);
		}
	}
	return 0;
}
