/*
 * peer_rib: UPDATE contents into the peer's Adj-RIB-In and the Loc-RIB (see peer_rib.h).
 */
#include "peer_rib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_gr.h"
#include "speaker_int.h"

/* The segments in rib form into segs (BGP_AS_SEGMENTS_MAX words); none for the common
 * single AS_SEQUENCE (see rib_path). Returns the count. */
static uint16_t segs_from_attrs(const struct bgp_attrs *a, uint32_t *segs)
{
	if (a->as_segment_count == 1 && a->as_segments[0].type == BGP_AS_SEQUENCE)
		return 0;
	for (uint16_t i = 0; i < a->as_segment_count; i++)
		segs[i] = RIB_SEG(a->as_segments[i].type, a->as_segments[i].count);
	return a->as_segment_count;
}

/* Builds the rib form of the decoded attributes (next hop filled per prefix); segs is the
 * scratch segs_from_attrs writes into. */
static void path_from_attrs(const struct bgp_attrs *a, struct rib_path *p, uint32_t *segs)
{
	memset(p, 0, sizeof(*p));
	p->origin = a->origin;
	p->has_med = a->present & BGP_ATTR_BIT(BGP_ATTR_MED);
	p->med = p->has_med ? a->med : 0;
	p->has_local_pref = a->present & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	p->local_pref = p->has_local_pref ? a->local_pref : 0;
	p->as_path = a->as_path;
	p->as_path_len = a->as_path_len;
	uint32_t count = 0;
	for (uint16_t i = 0; i < a->as_segment_count; i++) {
		/* RFC 4271 9.1.2.2 a): a set counts as one; RFC 5065 5.3: confederation
		 * segments do not count. */
		if (a->as_segments[i].type == BGP_AS_SEQUENCE)
			count += a->as_segments[i].count;
		else if (a->as_segments[i].type == BGP_AS_SET)
			count += 1;
	}
	p->as_path_count = (uint16_t)(count > UINT16_MAX ? UINT16_MAX : count);
	p->as_seg_count = segs_from_attrs(a, segs);
	p->as_segs = segs;
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES)) {
		p->communities = a->communities;
		p->communities_len = a->community_count;
	}
	if (a->present & BGP_ATTR_BIT_LARGE_COMMUNITY) {
		p->large_communities = &a->large_communities[0][0];
		p->large_communities_len = a->large_community_count;
	}
}

/* RFC 4271 9.1.2: a route whose AS_PATH holds our own AS (any segment type) is a loop. */
static bool path_has_asn(const struct rib_path *p, uint32_t asn)
{
	for (uint16_t i = 0; i < p->as_path_len; i++)
		if (p->as_path[i] == asn)
			return true;
	return false;
}

static void withdraw(struct bgp_peer *peer, const struct bgp_prefix *p)
{
	struct bgp_speaker *sp = peer->speaker;
	bool present;
	if (rib_in_withdraw(&peer->rib_in, &sp->attrs, p->addr, p->len, &present))
		speaker_decide(sp, p->addr, p->len);
}

void peer_rib_settle(struct bgp_peer *peer)
{
	struct bgp_speaker *sp = peer->speaker;
	uint32_t prefix;
	uint8_t len;
	while (rib_in_promote(&peer->rib_in, &prefix, &len))
		speaker_decide(sp, prefix, len);
	if (rib_in_limit_cleared(&peer->rib_in) && sp->callbacks.on_route_limit_cleared)
		sp->callbacks.on_route_limit_cleared(sp->ctx, peer->config.id, peer->rib_in.limit);
}

/* Stores the UPDATE's announced routes. */
static enum peer_update_result announce(struct bgp_peer *peer, const struct bgp_update *u)
{
	struct bgp_speaker *sp = peer->speaker;
	struct rib_path path;
	uint32_t segs[BGP_AS_SEGMENTS_MAX];
	path_from_attrs(&u->attrs, &path, segs);
	bool loop = path_has_asn(&path, bgp_peer_local_asn(peer));
	struct rib_attrs *interned[2] = { NULL, NULL }; /* NEXT_HOP, MP_REACH next hop */
	enum peer_update_result res = PEER_UPDATE_OK;
	for (size_t i = 0; i < u->nlri_count && res == PEER_UPDATE_OK; i++) {
		int which = i >= u->nlri_mp_start;
		if (!interned[which]) {
			path.next_hop = bgp_update_next_hop(u, i);
			interned[which] = rib_attrs_intern(&sp->attrs, &path);
			if (!interned[which]) {
				res = PEER_UPDATE_OUT_OF_RESOURCES;
				break;
			}
		}
		bool crossed;
		const struct rib_entry *entry;
		enum rib_in_result r = rib_in_announce_entry(&peer->rib_in, &sp->attrs,
							     u->nlri[i].addr, u->nlri[i].len,
							     interned[which], loop, &crossed, &entry);
		if (r == RIB_IN_NOMEM)
			res = PEER_UPDATE_OUT_OF_RESOURCES;
		else if (r == RIB_IN_ACCEPTED)
			speaker_decide_hint(sp, u->nlri[i].addr, u->nlri[i].len, peer, entry);
		if (crossed) {
			if (sp->callbacks.on_route_limit)
				sp->callbacks.on_route_limit(sp->ctx, peer->config.id,
							     peer->rib_in.limit);
			if (peer->config.route_limit_action == BGP_ROUTE_LIMIT_TEARDOWN)
				res = PEER_UPDATE_LIMIT_TEARDOWN;
		}
	}
	for (int k = 0; k < 2; k++)
		if (interned[k])
			rib_attrs_unref(&sp->attrs, interned[k]);
	return res;
}

enum peer_update_result peer_apply_update(struct bgp_peer *peer, const struct bgp_update *u)
{
	for (size_t i = 0; i < u->withdrawn_count; i++)
		withdraw(peer, &u->withdrawn[i]);
	if (u->verdict == BGP_VERDICT_TREAT_AS_WITHDRAW) {
		for (size_t i = 0; i < u->nlri_count; i++)
			withdraw(peer, &u->nlri[i]);
	}
	/* Routes held for the limit take the room withdrawals made before new ones do: they
	 * arrived first. */
	peer_rib_settle(peer);
	if (u->verdict == BGP_VERDICT_TREAT_AS_WITHDRAW || u->nlri_count == 0)
		return PEER_UPDATE_OK;
	enum peer_update_result res = announce(peer, u);
	if (res != PEER_UPDATE_OK)
		return res;
	peer_rib_settle(peer); /* an accepted route that became a loop made room */
	return PEER_UPDATE_OK;
}

/* ---- removing routes, a batch a loop turn ---- */

/* Routes removed per loop turn: about what a connection's read budget (BGP_CONN_BUDGET) brings
 * in one, so taking a table out costs a turn no more than bringing it in did. */
#define SWEEP_BATCH 8192

/* A downed or removed peer's Adj-RIB-In, detached from it with every route flagged stale, so
 * rib_in_sweep_stale removes it; its routes leave the Loc-RIB as they go (they are no longer
 * candidates, the decision simply has not run for them yet). */
struct peer_rib_drain {
	struct peer_rib_drain *next;
	struct rib_in rib;
};

static void decide_removed(void *arg, uint32_t prefix, uint8_t len)
{
	speaker_decide(arg, prefix, len);
}

/* One batch of the peer's stale sweep (reported when none is left); returns how many went. */
static uint64_t sweep_some(struct bgp_peer *peer, uint64_t max)
{
	struct bgp_speaker *sp = peer->speaker;
	uint64_t n = rib_in_sweep_stale(&peer->rib_in, &sp->attrs, decide_removed, sp, max);
	peer->stale_swept += n;
	if (n)
		peer_rib_settle(peer);
	if (peer->rib_in.stale == 0) {
		peer->stale_sweeping = false;
		peer_gr_stale_swept(peer, peer->stale_swept, peer->stale_sweep_why);
	}
	return n;
}

/* One batch of the oldest drain (freed when empty); returns how many went. */
static uint64_t drain_some(struct bgp_speaker *sp, uint64_t max)
{
	struct peer_rib_drain *d = sp->drains;
	uint64_t n = rib_in_sweep_stale(&d->rib, &sp->attrs, decide_removed, sp, max);
	if (d->rib.stale == 0) {
		sp->drains = d->next;
		rib_in_clear(&d->rib, &sp->attrs);
		free(d);
	}
	return n;
}

static bool pending(const struct bgp_speaker *sp)
{
	if (sp->drains)
		return true;
	for (size_t i = 0; i < sp->peer_count; i++)
		if (sp->peers[i]->stale_sweeping)
			return true;
	return false;
}

/* Up to `budget` routes: drains oldest first, then each sweeping peer once. */
static void work(struct bgp_speaker *sp, uint64_t budget)
{
	uint64_t done = 0;
	while (sp->drains && done < budget)
		done += drain_some(sp, budget - done);
	for (size_t i = 0; i < sp->peer_count && done < budget; i++)
		if (sp->peers[i]->stale_sweeping)
			done += sweep_some(sp->peers[i], budget - done);
}

static void sweeper_cb(uv_idle_t *h)
{
	struct bgp_speaker *sp = h->data;
	work(sp, SWEEP_BATCH);
	if (!pending(sp))
		uv_idle_stop(h);
}

/* The rest a batch a turn; all now once the sweeper is closed (shutting down). */
static void kick(struct bgp_speaker *sp)
{
	if (!sp->rib_sweeper_open) {
		while (pending(sp))
			work(sp, UINT64_MAX);
		return;
	}
	if (pending(sp) && !uv_is_active((uv_handle_t *)&sp->rib_sweeper))
		uv_idle_start(&sp->rib_sweeper, sweeper_cb);
}

void peer_rib_sweep_stale(struct bgp_peer *peer, const char *why)
{
	if (peer->stale_sweeping || peer->rib_in.stale == 0)
		return;
	peer->stale_sweeping = true;
	peer->stale_swept = 0;
	snprintf(peer->stale_sweep_why, sizeof(peer->stale_sweep_why), "%s", why);
	sweep_some(peer, SWEEP_BATCH);
	kick(peer->speaker);
}

void peer_rib_sweep_finish(struct bgp_peer *peer)
{
	while (peer->stale_sweeping)
		sweep_some(peer, UINT64_MAX);
}

void peer_drop_routes(struct bgp_peer *peer)
{
	struct bgp_speaker *sp = peer->speaker;
	if (peer->stale_sweeping) {
		/* What the sweep had left goes with the rest: it is done. */
		peer->stale_sweeping = false;
		peer_gr_stale_swept(peer, peer->stale_swept + peer->rib_in.stale,
				    peer->stale_sweep_why);
	}
	struct peer_rib_drain *d = peer->rib_in.table.count ? malloc(sizeof(*d)) : NULL;
	if (!d) {
		/* Nothing to take out, or no memory to detach it: in place, in this turn (each
		 * route a candidate of the down peer's until it is removed, as stale ones are). */
		rib_in_mark_stale(&peer->rib_in);
		while (peer->rib_in.stale > 0)
			rib_in_sweep_stale(&peer->rib_in, &sp->attrs, decide_removed, sp, UINT64_MAX);
		rib_in_clear(&peer->rib_in, &sp->attrs);
		return;
	}
	d->rib = peer->rib_in;
	d->next = NULL;
	rib_in_init(&peer->rib_in, d->rib.limit);
	rib_in_mark_stale(&d->rib);
	/* The first batch now: a table that fits is gone in this turn, as it always was. */
	rib_in_sweep_stale(&d->rib, &sp->attrs, decide_removed, sp, SWEEP_BATCH);
	if (d->rib.stale == 0) {
		rib_in_clear(&d->rib, &sp->attrs);
		free(d);
		return;
	}
	struct peer_rib_drain **tail = &sp->drains;
	while (*tail)
		tail = &(*tail)->next;
	*tail = d;
	kick(sp);
}

static void sweeper_closed(uv_handle_t *h)
{
	speaker_handle_closed(h->data);
}

void peer_rib_sweeper_init(struct bgp_speaker *s)
{
	uv_idle_init(s->loop, &s->rib_sweeper);
	s->rib_sweeper.data = s;
	s->rib_sweeper_open = true;
	s->open_handles++;
}

void peer_rib_sweeper_stop(struct bgp_speaker *s)
{
	if (!s->rib_sweeper_open)
		return;
	s->rib_sweeper_open = false;
	kick(s); /* everything pending, now */
	uv_idle_stop(&s->rib_sweeper);
	uv_close((uv_handle_t *)&s->rib_sweeper, sweeper_closed);
}

void peer_rib_sweeper_free(struct bgp_speaker *s)
{
	while (s->drains) {
		struct peer_rib_drain *d = s->drains;
		s->drains = d->next;
		rib_in_clear(&d->rib, &s->attrs);
		free(d);
	}
}
