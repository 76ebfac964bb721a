/*
 * peer_rib: UPDATE contents into the peer's Adj-RIB-In and the Loc-RIB (see peer_rib.h).
 */
#include "peer_rib.h"

#include <stdlib.h>
#include <string.h>

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

static void decide_removed(void *arg, uint32_t prefix, uint8_t len)
{
	speaker_decide(arg, prefix, len);
}

uint64_t peer_rib_sweep_stale(struct bgp_peer *peer)
{
	struct bgp_speaker *sp = peer->speaker;
	uint64_t n = rib_in_sweep_stale(&peer->rib_in, &sp->attrs, decide_removed, sp);
	if (n)
		peer_rib_settle(peer);
	return n;
}

struct prefix_list {
	struct bgp_prefix *items;
	size_t count, cap;
	uint32_t peer_id;
};

static bool collect_peer_best(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct prefix_list *l = arg;
	if (e->aux != l->peer_id)
		return true;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct bgp_prefix *p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			return false;
		l->items = p;
		l->cap = cap;
	}
	l->items[l->count++] = (struct bgp_prefix){ .addr = prefix, .len = len };
	return true;
}

void peer_drop_routes(struct bgp_peer *peer)
{
	struct bgp_speaker *sp = peer->speaker;
	rib_in_clear(&peer->rib_in, &sp->attrs);
	struct prefix_list l = { .peer_id = peer->config.id };
	rib_table_walk(&sp->loc_rib, true, 0, 0, collect_peer_best, &l);
	for (size_t i = 0; i < l.count; i++)
		speaker_decide(sp, l.items[i].addr, l.items[i].len);
	free(l.items);
}
