/*
 * speaker: one virtual border router. Owns the listener (one socket for every peer; each
 * peer's TCP MD5 key is set on it for that peer's address), the configured peers (by the
 * caller's IDs; the session work is in peer.c), the advertised networks (our Adj-RIB-Out,
 * the same for every peer but the next hop) and the Loc-RIB (RFC 4271 9.1 best path across
 * peers). Connections from addresses that are no configured peer are closed at once and
 * counted.
 */
#include "speaker.h"

#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bfd.h"
#include "md5.h"
#include "peer_rib.h"
#include "speaker_int.h"

/* ---- small helpers for peer.c ---- */

uint32_t speaker_random(struct bgp_speaker *s)
{
	/* xorshift64*: jitter only, no security role. */
	uint64_t x = s->random_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->random_state = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

int64_t speaker_now_ms(void)
{
	return bgp_now_ms();
}

void speaker_handle_closed(struct bgp_speaker *s)
{
	if (s->open_handles > 0)
		s->open_handles--;
	if (s->shutting_down && s->open_handles == 0 && s->shutdown_done) {
		void (*done)(void *) = s->shutdown_done;
		s->shutdown_done = NULL;
		done(s->shutdown_arg);
	}
}

static void conn_closed_cb(void *arg)
{
	speaker_handle_closed(arg);
}

static void notification_written(void *arg, uint32_t peer_id, uint8_t code)
{
	struct bgp_peer *peer = speaker_find_peer(arg, peer_id);
	if (!peer)
		return; /* deleted meanwhile: nobody asks for its counters any more */
	peer->messages_out++;
	peer->notifications_out++;
	peer->notifications_out_by_code[BGP_NOTIFY_SLOT(code)]++;
}

void speaker_track_conn(struct bgp_speaker *s, struct bgp_conn *conn)
{
	conn->closed_cb = conn_closed_cb;
	conn->closed_arg = s;
	conn->notification_written = notification_written;
	s->open_handles++;
}

void speaker_listener_key(struct bgp_speaker *s, uint32_t peer_ip, const char *key)
{
	if (!s->listener_open)
		return;
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&s->listener, &fd) == 0)
		bgp_md5_set(fd, peer_ip, key);
}

void speaker_decide(struct bgp_speaker *s, uint32_t prefix, uint8_t len)
{
	speaker_decide_hint(s, prefix, len, NULL, NULL);
}

/* The Loc-RIB's entry as the route table sees it. */
static bool loc_best(const struct rib_entry *loc, struct rtable_bgp *out)
{
	if (!loc || !loc->attrs)
		return false;
	*out = (struct rtable_bgp){.next_hop = loc->attrs->path.next_hop, .peer_id = loc->aux};
	return true;
}

static void loc_decide(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
		       const struct bgp_peer *hint_peer, const struct rib_entry *hint_entry);

void speaker_decide_hint(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
			 const struct bgp_peer *hint_peer, const struct rib_entry *hint_entry)
{
	struct rtable_bgp was, now;
	bool had = loc_best(rib_table_find(&s->loc_rib, prefix, len), &was);
	loc_decide(s, prefix, len, hint_peer, hint_entry);
	bool has = loc_best(rib_table_find(&s->loc_rib, prefix, len), &now);
	if (had != has || (had && (was.next_hop != now.next_hop || was.peer_id != now.peer_id)))
		route_table_bgp_changed(s, prefix, len, had ? &was : NULL, has ? &now : NULL);
}

static void loc_decide(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
		       const struct bgp_peer *hint_peer, const struct rib_entry *hint_entry)
{
	struct rib_candidate best;
	bool have = false;
	for (size_t i = 0; i < s->peer_count; i++) {
		const struct bgp_peer *p = s->peers[i];
		/* A peer down in a graceful restart still offers its stale routes (RFC 4724 4.2). */
		bool up = p->established && p->primary;
		if ((!up && p->rib_in.stale == 0) || p->rib_in.accepted == 0)
			continue;
		const struct rib_entry *e = p == hint_peer ?
						    hint_entry :
						    rib_table_find(&p->rib_in.table, prefix, len);
		if (!e || !(e->flags & RIB_ENTRY_ACCEPTED))
			continue;
		struct rib_candidate c = { .attrs = e->attrs,
					   .peer_id = p->config.id,
					   .peer_asn = p->config.peer_asn,
					   .router_id = up ? p->primary->fsm.remote_id
							   : p->gr_remote_id,
					   .peer_ip = p->config.peer_ip };
		if (!have || rib_better(&c, &best)) {
			best = c;
			have = true;
		}
	}
	if (!have) {
		struct rib_entry *loc = rib_table_find(&s->loc_rib, prefix, len);
		if (loc) {
			rib_attrs_unref(&s->attrs, loc->attrs);
			rib_table_remove(&s->loc_rib, prefix, len);
		}
		return;
	}
	bool created;
	struct rib_entry *loc = rib_table_upsert(&s->loc_rib, prefix, len, &created);
	if (!loc)
		return; /* out of memory: the Loc-RIB misses this prefix */
	struct rib_attrs *winner = (struct rib_attrs *)best.attrs;
	if (loc->attrs != winner) {
		rib_attrs_ref(winner);
		rib_attrs_unref(&s->attrs, loc->attrs);
		loc->attrs = winner;
	}
	loc->aux = best.peer_id;
	loc->flags = RIB_ENTRY_ACCEPTED;
}

void speaker_start_held_peers(struct bgp_speaker *s)
{
	for (size_t i = 0; i < s->peer_count; i++)
		if (s->peers[i]->start_held && !s->shutting_down)
			bgp_peer_start(s->peers[i]);
}

/* ---- life cycle ---- */

int bgp_speaker_new(uv_loop_t *loop, const struct bgp_speaker_config *config,
		    const struct bgp_speaker_callbacks *callbacks, void *ctx,
		    struct bgp_speaker **out)
{
	if (!loop || !config || !out)
		return -EINVAL;
	struct bgp_speaker *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->update = malloc(sizeof(*s->update));
	if (!s->update) {
		free(s);
		return -ENOMEM;
	}
	s->loop = loop;
	s->config = *config;
	if (callbacks)
		s->callbacks = *callbacks;
	s->ctx = ctx;
	s->random_state = uv_hrtime() ^ ((uint64_t)config->router_id << 32) ^ 0x9E3779B97F4A7C15ULL;
	if (s->random_state == 0)
		s->random_state = 1;
	rib_attr_table_init(&s->attrs);
	rib_table_init(&s->loc_rib);
	route_table_init(s);
	peer_rib_sweeper_init(s);
	*out = s;
	return 0;
}

static struct bgp_peer *find_peer_by_ip(const struct bgp_speaker *s, uint32_t ip)
{
	for (size_t i = 0; i < s->peer_count; i++)
		if (s->peers[i]->config.peer_ip == ip)
			return s->peers[i];
	return NULL;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct bgp_speaker *s = server->data;
	if (status < 0)
		return;
	struct bgp_conn *conn;
	if (bgp_conn_accept(server, &conn) != 0)
		return;
	speaker_track_conn(s, conn);
	struct bgp_peer *peer = s->shutting_down ? NULL : find_peer_by_ip(s, conn->remote_ip);
	if (!peer) {
		/* docs/DESIGN.md: a connection from an address that is no configured peer is closed
		 * at once. */
		s->unknown_connections++;
		bgp_conn_close(conn, false, 0);
		return;
	}
	bgp_peer_accept(peer, conn);
}

static void listener_closed(uv_handle_t *h)
{
	speaker_handle_closed(h->data);
}

int bgp_speaker_start(struct bgp_speaker *s)
{
	if (!s)
		return -EINVAL;
	/* Without the FIB writer vbrd still runs: every entry then says why it is not
	 * installed. */
	route_table_start(s);
	if (s->config.listen_port == 0 || s->listener_open)
		return 0;
	int rc = uv_tcp_init_ex(s->loop, &s->listener, AF_INET);
	if (rc)
		return rc;
	s->listener.data = s;
	s->listener_open = true;
	s->open_handles++;
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(s->config.listen_port),
				    .sin_addr.s_addr = htonl(s->config.listen_ip) };
	rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
	if (rc == 0) {
		for (size_t i = 0; i < s->peer_count; i++)
			if (s->peers[i]->config.auth_key[0])
				speaker_listener_key(s, s->peers[i]->config.peer_ip,
						     s->peers[i]->config.auth_key);
		rc = uv_listen((uv_stream_t *)&s->listener, 64, on_connection);
	}
	if (rc) {
		/* Still counted until closed, so a shutdown waits for it before done(). */
		s->listener_open = false;
		uv_close((uv_handle_t *)&s->listener, listener_closed);
		return rc;
	}
	return 0;
}

void bgp_speaker_drain(struct bgp_speaker *s)
{
	if (!s || s->drain || s->shutting_down)
		return;
	s->drain = true;
	for (size_t i = 0; i < s->peer_count; i++)
		bgp_peer_readvertise(s->peers[i]);
}

void bgp_speaker_shutdown(struct bgp_speaker *s, const char *message,
			  void (*done)(void *arg), void *arg)
{
	s->shutting_down = true;
	s->shutdown_done = done;
	s->shutdown_arg = arg;
	if (s->listener_open) {
		s->listener_open = false;
		uv_close((uv_handle_t *)&s->listener, listener_closed);
	}
	/* Graceful restart: a peer that negotiated it is left without a NOTIFICATION and keeps
	 * our routes; the kernel then keeps its routes too, for the next start to read back. The
	 * route table stops first, so the peers' routes leaving the Loc-RIB below withdraw
	 * nothing from the kernel (and, when not kept, its own removal covers them). */
	bool graceful = false;
	for (size_t i = 0; i < s->peer_count && !s->drain; i++)
		graceful = graceful || bgp_peer_may_halt_graceful(s->peers[i]);
	route_table_stop(s, !s->drain && graceful);
	/* The others send Cease / Administrative Shutdown and close after writing it (each
	 * close bounded in time in peer.c), so done() follows within a few seconds at most. */
	for (size_t i = 0; i < s->peer_count; i++) {
		if (!s->drain && bgp_peer_may_halt_graceful(s->peers[i])) {
			bgp_peer_halt_graceful(s->peers[i]);
			continue;
		}
		if (s->drain)
			bgp_peer_withdraw_networks(s->peers[i]); /* RFC 8326: then the Cease */
		bgp_peer_halt(s->peers[i], BGP_SUBERR_CEASE_ADMIN_SHUTDOWN, message);
	}
	peer_rib_sweeper_stop(s); /* what the peers leave goes now (the route table has stopped) */
	speaker_bfd_close(s);
	if (s->open_handles == 0 && s->shutdown_done) {
		s->shutdown_done = NULL;
		if (done)
			done(arg);
	}
}

void bgp_speaker_free(struct bgp_speaker *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->peer_count; i++) {
		rib_in_clear(&s->peers[i]->rib_in, &s->attrs);
		free(s->peers[i]);
	}
	free(s->peers);
	peer_rib_sweeper_free(s);
	rib_table_free(&s->loc_rib, &s->attrs);
	rib_attr_table_free(&s->attrs);
	free(s->networks);
	free(s->update);
	bfd_driver_free(s->bfd);
	route_table_free(s);
	free(s);
}

/* ---- peers ---- */

static struct bgp_peer *find_peer(const struct bgp_speaker *s, uint32_t id, size_t *index)
{
	for (size_t i = 0; i < s->peer_count; i++) {
		if (s->peers[i]->config.id == id) {
			if (index)
				*index = i;
			return s->peers[i];
		}
	}
	return NULL;
}

struct bgp_peer *speaker_find_peer(const struct bgp_speaker *s, uint32_t id)
{
	return find_peer(s, id, NULL);
}

int bgp_speaker_peer_config_check(const struct bgp_peer_config *c)
{
	if (!c || c->id == 0 || c->peer_ip == 0 || c->peer_asn == 0)
		return -EINVAL;
	if (c->hold_time != 0 && c->hold_time < 3)
		return -EINVAL;
	if (c->local_asn == BGP_AS_TRANS) /* RFC 6793 9: never ours */
		return -EINVAL;
	if (c->graceful_restart && (c->restart_time < 1 || c->restart_time > 4095))
		return -EINVAL; /* the capability's 12 bits; 0 would ask the peer to keep nothing */
	if (memchr(c->auth_key, '\0', sizeof(c->auth_key)) == NULL ||
	    memchr(c->shutdown_message, '\0', sizeof(c->shutdown_message)) == NULL)
		return -EINVAL;
	return 0;
}

int bgp_speaker_peer_add(struct bgp_speaker *s, const struct bgp_peer_config *config)
{
	if (!s)
		return -EINVAL;
	if (s->shutting_down)
		return -ESHUTDOWN;
	int rc = bgp_speaker_peer_config_check(config);
	if (rc)
		return rc;
	for (size_t i = 0; i < s->peer_count; i++) {
		const struct bgp_peer_config *c = &s->peers[i]->config;
		if (c->id == config->id || c->peer_ip == config->peer_ip)
			return -EEXIST;
	}
	if (s->peer_count == s->peer_cap) {
		size_t cap = s->peer_cap ? s->peer_cap * 2 : 8;
		struct bgp_peer **p = realloc(s->peers, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->peers = p;
		s->peer_cap = cap;
	}
	struct bgp_peer *peer = bgp_peer_new(s, config);
	if (!peer)
		return -ENOMEM;
	s->peers[s->peer_count++] = peer;
	if (config->auth_key[0])
		speaker_listener_key(s, config->peer_ip, config->auth_key);
	bgp_peer_start(peer);
	return 0;
}

int bgp_speaker_peer_update(struct bgp_speaker *s, const struct bgp_peer_config *config)
{
	if (!s)
		return -EINVAL;
	int rc = bgp_speaker_peer_config_check(config);
	if (rc)
		return rc;
	struct bgp_peer *peer = find_peer(s, config->id, NULL);
	if (!peer)
		return -ENOENT;
	for (size_t i = 0; i < s->peer_count; i++) {
		const struct bgp_peer_config *c = &s->peers[i]->config;
		if (c->id != config->id && c->peer_ip == config->peer_ip)
			return -EEXIST;
	}
	if (s->shutting_down) {
		peer->config = *config;
		return 0;
	}
	bgp_peer_apply(peer, config);
	return 0;
}

int bgp_speaker_peer_remove(struct bgp_speaker *s, uint32_t peer_id)
{
	size_t index;
	if (!s)
		return -EINVAL;
	struct bgp_peer *peer = find_peer(s, peer_id, &index);
	if (!peer)
		return -ENOENT;
	memmove(&s->peers[index], &s->peers[index + 1],
		(s->peer_count - index - 1) * sizeof(s->peers[0]));
	s->peer_count--;
	if (peer->config.auth_key[0])
		speaker_listener_key(s, peer->config.peer_ip, "");
	/* Out of the list first: its state changes while going down are not reported. */
	peer->speaker_detached = true;
	bgp_peer_destroy(peer, BGP_SUBERR_CEASE_PEER_DECONFIGURED, NULL);
	route_table_defer_check(s); /* not waited for any more */
	return 0;
}

int bgp_speaker_peer_reset(struct bgp_speaker *s, uint32_t peer_id, bool soft,
			   const char *message)
{
	if (!s)
		return -EINVAL;
	struct bgp_peer *peer = find_peer(s, peer_id, NULL);
	if (!peer)
		return -ENOENT;
	if (s->shutting_down)
		return 0;
	return bgp_peer_reset(peer, soft, message);
}

int bgp_speaker_peer_status(const struct bgp_speaker *s, uint32_t peer_id,
			    struct bgp_peer_status *out)
{
	if (!s || !out)
		return -EINVAL;
	const struct bgp_peer *peer = find_peer(s, peer_id, NULL);
	if (!peer)
		return -ENOENT;
	bgp_peer_status(peer, out);
	return 0;
}

/* ---- networks ---- */

static int prefix_cmp(uint32_t ap, uint8_t al, uint32_t bp, uint8_t bl)
{
	if (ap != bp)
		return ap < bp ? -1 : 1;
	return al == bl ? 0 : (al < bl ? -1 : 1);
}

/* Index of the first network not less than (prefix, len). */
static size_t network_lower_bound(const struct bgp_speaker *s, uint32_t prefix, uint8_t len)
{
	size_t lo = 0, hi = s->network_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (prefix_cmp(s->networks[mid].addr, s->networks[mid].len, prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool network_valid(uint32_t prefix, uint8_t len)
{
	if (len > 32)
		return false;
	uint32_t mask = len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
	return (prefix & ~mask) == 0;
}

int bgp_speaker_network_add(struct bgp_speaker *s, uint32_t prefix, uint8_t prefix_len)
{
	if (!s || !network_valid(prefix, prefix_len))
		return -EINVAL;
	size_t i = network_lower_bound(s, prefix, prefix_len);
	if (i < s->network_count && s->networks[i].addr == prefix &&
	    s->networks[i].len == prefix_len)
		return -EEXIST;
	if (s->network_count == s->network_cap) {
		size_t cap = s->network_cap ? s->network_cap * 2 : 16;
		struct bgp_prefix *n = realloc(s->networks, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->networks = n;
		s->network_cap = cap;
	}
	memmove(&s->networks[i + 1], &s->networks[i],
		(s->network_count - i) * sizeof(s->networks[0]));
	s->networks[i] = (struct bgp_prefix){ .addr = prefix, .len = prefix_len };
	s->network_count++;
	for (size_t k = 0; k < s->peer_count; k++)
		bgp_peer_advertise(s->peers[k], &s->networks[i], false);
	return 0;
}

int bgp_speaker_network_remove(struct bgp_speaker *s, uint32_t prefix, uint8_t prefix_len)
{
	if (!s || !network_valid(prefix, prefix_len))
		return -EINVAL;
	size_t i = network_lower_bound(s, prefix, prefix_len);
	if (i >= s->network_count || s->networks[i].addr != prefix ||
	    s->networks[i].len != prefix_len)
		return -ENOENT;
	struct bgp_prefix gone = s->networks[i];
	memmove(&s->networks[i], &s->networks[i + 1],
		(s->network_count - i - 1) * sizeof(s->networks[0]));
	s->network_count--;
	for (size_t k = 0; k < s->peer_count; k++)
		bgp_peer_advertise(s->peers[k], &gone, true);
	return 0;
}

/* ---- route listing ---- */

struct route_walk {
	const struct bgp_peer *peer;
	bgp_route_visit_fn visit;
	void *arg;
	size_t max, visited;
};

static bool visit_received(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct route_walk *w = arg;
	if (w->visited >= w->max)
		return false;
	const struct rib_path *p = &e->attrs->path;
	/* The common single AS_SEQUENCE is stored without segments (rib_path). */
	uint32_t one_seq = RIB_SEG(BGP_AS_SEQUENCE, p->as_path_len);
	bool implicit = p->as_seg_count == 0 && p->as_path_len > 0;
	struct bgp_route_view v = {
		.prefix = prefix,
		.prefix_len = len,
		.next_hop = p->next_hop,
		.as_path = p->as_path,
		.as_path_len = p->as_path_len,
		.as_path_segments = implicit ? &one_seq : p->as_segs,
		.as_path_segment_count = implicit ? 1 : p->as_seg_count,
		.origin = (enum bgp_origin)p->origin,
		.has_med = p->has_med,
		.med = p->med,
		.has_local_pref = p->has_local_pref,
		.local_pref = p->local_pref,
		.communities = p->communities,
		.communities_len = p->communities_len,
		.large_communities = p->large_communities,
		.large_communities_len = p->large_communities_len,
		.accepted = e->flags & RIB_ENTRY_ACCEPTED,
		.stale = e->flags & RIB_ENTRY_STALE,
	};
	if (e->flags & RIB_ENTRY_AS_LOOP)
		snprintf(v.not_accepted_reason, sizeof(v.not_accepted_reason),
			 "AS loop: %u in AS_PATH", bgp_peer_local_asn(w->peer));
	else if (!v.accepted)
		snprintf(v.not_accepted_reason, sizeof(v.not_accepted_reason),
			 "route limit %u reached", w->peer->rib_in.limit);
	w->visit(w->arg, &v);
	w->visited++;
	return w->visited < w->max;
}

int bgp_speaker_routes(const struct bgp_speaker *s, uint32_t peer_id, bool advertised,
		       bool from_start, uint32_t after_prefix, uint8_t after_len, size_t max,
		       bgp_route_visit_fn visit, void *arg)
{
	if (!s || !visit)
		return -EINVAL;
	const struct bgp_peer *peer = find_peer(s, peer_id, NULL);
	if (!peer)
		return -ENOENT;
	if (max == 0)
		return 0;
	if (!advertised) {
		struct route_walk w = { .peer = peer, .visit = visit, .arg = arg, .max = max };
		rib_table_walk(&peer->rib_in.table, from_start, after_prefix, after_len,
			       visit_received, &w);
		return (int)w.visited;
	}
	if (!peer->established)
		return 0;
	size_t i = 0;
	if (!from_start) {
		i = network_lower_bound(s, after_prefix, after_len);
		if (i < s->network_count && s->networks[i].addr == after_prefix &&
		    s->networks[i].len == after_len)
			i++;
	}
	uint32_t path[1] = { bgp_peer_local_asn(peer) };
	uint32_t one_seq = RIB_SEG(BGP_AS_SEQUENCE, 1);
	size_t n = 0;
	for (; i < s->network_count && n < max; i++, n++) {
		struct bgp_route_view v = { .prefix = s->networks[i].addr,
					    .prefix_len = s->networks[i].len,
					    .next_hop = peer->local_ip,
					    .as_path = path,
					    .as_path_len = 1,
					    .as_path_segments = &one_seq,
					    .as_path_segment_count = 1,
					    .origin = BGP_ORIGIN_IGP,
					    .accepted = true };
		visit(arg, &v);
	}
	return (int)n;
}

uint64_t bgp_speaker_unknown_connections(const struct bgp_speaker *s)
{
	return s ? s->unknown_connections : 0;
}
