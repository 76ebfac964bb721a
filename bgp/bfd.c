/*
 * bfd: sockets and timers for the BFD sessions (see bfd.h). Timer and socket callbacks only
 * turn what happened into a bfd_fsm event; perform() carries out the machine's output.
 */
#include "bfd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_BURST 64 /* datagrams read per wake-up: bounded work, like the BGP reader */
#define SINGLE_HOP_TTL 255

struct bfd_sess {
	struct bfd_driver *d;
	uint32_t id;
	uint32_t peer_ip;  /* key, with local_ip and multihop */
	uint32_t local_ip; /* 0 until the route (or BGP) names it */
	uint32_t want_local; /* from BGP; 0 = the route decides */
	bool multihop;	     /* always false today: RFC 5883 would set a TTL floor */
	int fd;		     /* send socket, -1 when not open */
	uint16_t src_port;
	struct bfd_fsm fsm;
	uv_timer_t tx, detect;
	int handles_open;
	bool removing;
	bool freed; /* out of the table, handles closing */
	uint64_t in, out, dropped;
	uint64_t dropped_by[BFD_PKT_ERROR_COUNT];
};

struct bfd_driver {
	uv_loop_t *loop;
	uint32_t bind_ip;
	struct bfd_driver_callbacks cb;
	void *ctx;
	int rx_fd;
	uv_poll_t rx;
	bool rx_open;
	struct bfd_sess **sess;
	size_t n, cap;
	uint64_t rnd;
	uint16_t next_port;
	uint64_t unmatched;
	int handles_open;
	bool closing;
	void (*done)(void *);
	void *done_arg;
};

static uint32_t rnd32(struct bfd_driver *d)
{
	uint64_t x = d->rnd; /* xorshift64*: jitter and discriminators, no security role */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	d->rnd = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static void handle_gone(struct bfd_driver *d)
{
	if (--d->handles_open == 0 && d->closing && d->done) {
		void (*done)(void *) = d->done;
		d->done = NULL;
		done(d->done_arg);
	}
}

/* ---- lookup ---- */

static struct bfd_sess *by_id(const struct bfd_driver *d, uint32_t id, size_t *index)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->sess[i]->id == id && !d->sess[i]->removing) {
			if (index)
				*index = i;
			return d->sess[i];
		}
	return NULL;
}

static struct bfd_sess *by_disc(const struct bfd_driver *d, uint32_t disc)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->sess[i]->fsm.local_disc == disc)
			return d->sess[i];
	return NULL;
}

/* RFC 5881 3: a your-discriminator-0 packet is matched by addresses (and, multihop, would
 * need the full tuple). */
static struct bfd_sess *by_addr(const struct bfd_driver *d, uint32_t src, uint32_t dst)
{
	for (size_t i = 0; i < d->n; i++) {
		struct bfd_sess *s = d->sess[i];
		if (s->peer_ip == src && (s->local_ip == 0 || dst == 0 || s->local_ip == dst))
			return s;
	}
	return NULL;
}

/* ---- sending ---- */

static void close_send(struct bfd_sess *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->local_ip = 0;
}

/* RFC 5881 4: source port 49152-65535, the same for the whole session; TTL 255 (5). */
static int open_send(struct bfd_sess *s)
{
	struct bfd_driver *d = s->d;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int ttl = SINGLE_HOP_TTL;
	setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	uint32_t local = s->want_local ? s->want_local : d->bind_ip;
	int rc = -EADDRINUSE;
	unsigned span = BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1;
	for (unsigned tries = 0; tries < 64 && rc == -EADDRINUSE; tries++) {
		uint16_t port = s->src_port ? s->src_port
					    : (uint16_t)(BFD_SRC_PORT_MIN + d->next_port++ % span);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
					.sin_addr.s_addr = htonl(local)};
		rc = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : -errno;
		if (rc == 0)
			s->src_port = port;
		else if (s->src_port)
			s->src_port = 0; /* ours was taken meanwhile: pick another */
	}
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(BFD_PORT_CONTROL),
				   .sin_addr.s_addr = htonl(s->peer_ip)};
	if (rc == 0 && connect(fd, (struct sockaddr *)&peer, sizeof(peer)) != 0)
		rc = -errno; /* no route yet: the next transmission tries again */
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	if (rc == 0 && getsockname(fd, (struct sockaddr *)&me, &len) != 0)
		rc = -errno;
	if (rc) {
		close(fd);
		return rc;
	}
	s->fd = fd;
	s->local_ip = ntohl(me.sin_addr.s_addr);
	return 0;
}

static void send_packet(struct bfd_sess *s, bool final)
{
	if (s->fd < 0 && open_send(s) != 0)
		return;
	struct bfd_packet p;
	uint8_t buf[BFD_PKT_LEN];
	bfd_fsm_packet(&s->fsm, final, &p);
	bfd_packet_encode(&p, buf);
	if (send(s->fd, buf, sizeof(buf), MSG_DONTWAIT) == (ssize_t)sizeof(buf)) {
		s->out++;
	} else if (errno != EAGAIN && errno != ECONNREFUSED) {
		close_send(s); /* e.g. the route went away: reopen on the next packet */
	}
}

/* ---- the machine's output ---- */

static void free_session(struct bfd_sess *s);
static void tx_cb(uv_timer_t *t);
static void detect_cb(uv_timer_t *t);

static uint64_t us_to_ms(uint32_t us)
{
	return ((uint64_t)us + 999) / 1000;
}

static void perform(struct bfd_sess *s, const struct bfd_fsm_output *o)
{
	struct bfd_driver *d = s->d;
	if (o->send)
		send_packet(s, o->final);
	if (o->detect_op == BFD_TIMER_START)
		uv_timer_start(&s->detect, detect_cb, us_to_ms(o->detect_us), 0);
	else if (o->detect_op == BFD_TIMER_STOP)
		uv_timer_stop(&s->detect);
	if (o->tx_op == BFD_TIMER_START)
		uv_timer_start(&s->tx, tx_cb, us_to_ms(o->tx_us), 0);
	else if (o->tx_op == BFD_TIMER_STOP)
		uv_timer_stop(&s->tx);
	if (s->removing) {
		if (o->tx_op == BFD_TIMER_STOP)
			free_session(s); /* the AdminDown burst is out */
		return;
	}
	if (o->old_state != o->new_state && d->cb.on_state)
		d->cb.on_state(d->ctx, s->id, o->old_state, o->new_state, o->diag,
			       s->fsm.remote_state);
}

static void feed(struct bfd_sess *s, enum bfd_fsm_event_type type, const struct bfd_packet *p,
		 const struct bfd_fsm_config *c)
{
	struct bfd_fsm_event ev = {.type = type, .random = rnd32(s->d), .packet = p, .config = c};
	struct bfd_fsm_output o;
	bfd_fsm_step(&s->fsm, &ev, &o);
	perform(s, &o);
}

static void tx_cb(uv_timer_t *t)
{
	feed(t->data, BFD_EV_TX_TIMER, NULL, NULL);
}

static void rx_drain(struct bfd_driver *d);

static void detect_cb(uv_timer_t *t)
{
	struct bfd_sess *s = t->data;
	/* Packets already in the socket count: a busy loop must not turn its own lateness
	 * into a false Down. One of them re-arms the timer and cancels this expiry. */
	rx_drain(s->d);
	if (uv_is_active((uv_handle_t *)&s->detect))
		return;
	feed(s, BFD_EV_DETECT_TIMER, NULL, NULL);
}

/* ---- receiving ---- */

/* RFC 5881 5: single hop requires TTL 255. The one place a multihop session (RFC 5883)
 * would apply its own floor. */
static bool rx_ttl_ok(const struct bfd_sess *s, int ttl)
{
	(void)s;
	return ttl == SINGLE_HOP_TTL;
}

static void drop(struct bfd_driver *d, struct bfd_sess *s, enum bfd_pkt_error why)
{
	if (!s) {
		d->unmatched++;
		return;
	}
	s->dropped++;
	s->dropped_by[why]++;
}

static void rx_packet(struct bfd_driver *d, const uint8_t *buf, size_t len, uint32_t src,
		      uint32_t dst, int ttl)
{
	struct bfd_sess *from = by_addr(d, src, dst);
	if (!rx_ttl_ok(from, ttl)) {
		drop(d, from, BFD_PKT_BAD_TTL);
		return;
	}
	struct bfd_packet p;
	enum bfd_pkt_error e = bfd_packet_decode(buf, len, &p);
	if (e != BFD_PKT_OK) {
		drop(d, from, e);
		return;
	}
	struct bfd_sess *s = p.your_disc ? by_disc(d, p.your_disc) : from;
	if (!s) {
		drop(d, from, p.your_disc ? BFD_PKT_UNKNOWN_DISCRIMINATOR : BFD_PKT_NO_SESSION);
		return;
	}
	if (s->peer_ip != src) {
		drop(d, from, BFD_PKT_UNKNOWN_DISCRIMINATOR); /* another peer's discriminator */
		return;
	}
	s->in++;
	feed(s, BFD_EV_RX, &p, NULL);
}

static int rx_one(struct bfd_driver *d)
{
	uint8_t buf[128];
	union {
		char b[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_in from;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			   .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
	ssize_t n = recvmsg(d->rx_fd, &m, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	int ttl = -1;
	uint32_t dst = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
			memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
		else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst = ntohl(pi.ipi_addr.s_addr);
		}
	}
	rx_packet(d, buf, (size_t)n, ntohl(from.sin_addr.s_addr), dst, ttl);
	return 0;
}

static void rx_drain(struct bfd_driver *d)
{
	for (int i = 0; i < RX_BURST && d->rx_open; i++)
		if (rx_one(d) != 0)
			break;
}

static void rx_cb(uv_poll_t *h, int status, int events)
{
	(void)events;
	if (status == 0)
		rx_drain(h->data);
}

static int open_rx(struct bfd_driver *d)
{
	if (d->rx_open)
		return 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int on = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(BFD_PORT_CONTROL),
				.sin_addr.s_addr = htonl(d->bind_ip)};
	int rc = 0;
	if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		rc = -errno;
	if (rc == 0)
		rc = uv_poll_init(d->loop, &d->rx, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	d->rx.data = d;
	d->rx_fd = fd;
	d->rx_open = true;
	d->handles_open++;
	uv_poll_start(&d->rx, UV_READABLE, rx_cb);
	return 0;
}

/* ---- sessions ---- */

static void timer_closed(uv_handle_t *h)
{
	struct bfd_sess *s = h->data;
	struct bfd_driver *d = s->d;
	if (--s->handles_open == 0)
		free(s);
	handle_gone(d);
}

static void free_session(struct bfd_sess *s)
{
	struct bfd_driver *d = s->d;
	if (s->freed)
		return;
	s->freed = true;
	for (size_t i = 0; i < d->n; i++)
		if (d->sess[i] == s) {
			memmove(&d->sess[i], &d->sess[i + 1], (d->n - i - 1) * sizeof(*d->sess));
			d->n--;
			break;
		}
	close_send(s);
	uv_close((uv_handle_t *)&s->tx, timer_closed);
	uv_close((uv_handle_t *)&s->detect, timer_closed);
}

static uint32_t new_disc(struct bfd_driver *d)
{
	for (;;) {
		uint32_t v = rnd32(d);
		if (v != 0 && !by_disc(d, v))
			return v;
	}
}

int bfd_session_add(struct bfd_driver *d, uint32_t id, uint32_t peer_ip,
		    const struct bfd_fsm_config *config)
{
	if (d->closing)
		return -ESHUTDOWN;
	if (by_id(d, id, NULL))
		return -EEXIST;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct bfd_sess **p = realloc(d->sess, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->sess = p;
		d->cap = cap;
	}
	struct bfd_sess *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->d = d;
	s->id = id;
	s->peer_ip = peer_ip;
	s->fd = -1;
	bfd_fsm_init(&s->fsm, config, new_disc(d));
	uv_timer_init(d->loop, &s->tx);
	uv_timer_init(d->loop, &s->detect);
	s->tx.data = s->detect.data = s;
	s->handles_open = 2;
	d->handles_open += 2;
	d->sess[d->n++] = s;
	int rc = open_rx(d);
	feed(s, BFD_EV_ENABLE, NULL, NULL);
	return rc;
}

void bfd_session_remove(struct bfd_driver *d, uint32_t id)
{
	struct bfd_sess *s = by_id(d, id, NULL);
	if (!s)
		return;
	s->removing = true; /* perform() frees it once the AdminDown burst is sent */
	feed(s, BFD_EV_ADMIN_DOWN, NULL, NULL);
	if (s->fsm.tx_interval_us == 0 && !uv_is_active((uv_handle_t *)&s->tx))
		free_session(s); /* never sent anything: nobody to tell */
}

void bfd_session_configure(struct bfd_driver *d, uint32_t id, const struct bfd_fsm_config *c)
{
	struct bfd_sess *s = by_id(d, id, NULL);
	if (s)
		feed(s, BFD_EV_CONFIG, NULL, c);
}

void bfd_session_set_local(struct bfd_driver *d, uint32_t id, uint32_t local_ip)
{
	struct bfd_sess *s = by_id(d, id, NULL);
	if (!s || s->want_local == local_ip)
		return;
	s->want_local = local_ip;
	if (local_ip && s->fd >= 0 && s->local_ip != local_ip)
		close_send(s); /* rebinds on the next packet, same source port if free */
}

int bfd_session_status(const struct bfd_driver *d, uint32_t id, struct bfd_session_status *out)
{
	const struct bfd_sess *s = by_id(d, id, NULL);
	if (!s)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->state = s->fsm.state;
	out->remote_state = s->fsm.remote_state;
	out->diag = s->fsm.local_diag;
	out->local_disc = s->fsm.local_disc;
	out->remote_disc = s->fsm.remote_disc;
	out->local_ip = s->local_ip;
	out->tx_interval_us = s->fsm.tx_interval_us;
	out->detect_us = s->fsm.detect_us;
	out->packets_in = s->in;
	out->packets_out = s->out;
	out->packets_dropped = s->dropped;
	memcpy(out->dropped_by, s->dropped_by, sizeof(out->dropped_by));
	return 0;
}

uint64_t bfd_driver_unmatched_drops(const struct bfd_driver *d)
{
	return d->unmatched;
}

/* ---- the driver ---- */

int bfd_driver_new(uv_loop_t *loop, uint32_t bind_ip, const struct bfd_driver_callbacks *cb,
		   void *ctx, struct bfd_driver **out)
{
	struct bfd_driver *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->loop = loop;
	d->bind_ip = bind_ip;
	if (cb)
		d->cb = *cb;
	d->ctx = ctx;
	d->rx_fd = -1;
	d->rnd = uv_hrtime() ^ ((uint64_t)(uintptr_t)d << 16) ^ 0x9E3779B97F4A7C15ULL;
	if (d->rnd == 0)
		d->rnd = 1;
	d->next_port = (uint16_t)rnd32(d);
	*out = d;
	return 0;
}

static void rx_closed(uv_handle_t *h)
{
	struct bfd_driver *d = h->data;
	close(d->rx_fd);
	d->rx_fd = -1;
	handle_gone(d);
}

void bfd_driver_close(struct bfd_driver *d, void (*done)(void *arg), void *arg)
{
	d->closing = true;
	d->done = done;
	d->done_arg = arg;
	d->handles_open++; /* held until the end of this function */
	while (d->n > 0) {
		struct bfd_sess *s = d->sess[d->n - 1];
		if (!s->removing && s->fsm.state != BFD_STATE_ADMIN_DOWN) {
			/* One AdminDown, so the peer does not wait out its detection time. */
			s->removing = true;
			struct bfd_fsm_event ev = {.type = BFD_EV_ADMIN_DOWN};
			struct bfd_fsm_output o;
			bfd_fsm_step(&s->fsm, &ev, &o);
			send_packet(s, false);
		}
		free_session(s);
	}
	if (d->rx_open) {
		d->rx_open = false;
		uv_close((uv_handle_t *)&d->rx, rx_closed);
	}
	handle_gone(d);
}

void bfd_driver_free(struct bfd_driver *d)
{
	if (!d)
		return;
	free(d->sess);
	free(d);
}
