/*
 * route_table_read: bgp_speaker_route_entries and bgp_speaker_fib_status. The listing merges
 * three sorted sources in (prefix, length, source) order: the static entries and the connected
 * networks (small arrays) around a walk of the Loc-RIB (the BGP entries), starting after a
 * cursor so a page costs its size, not the table's. While routes an earlier run left in the
 * kernel are still stale, those no Loc-RIB path covers are merged in as BGP entries too (a
 * second cursor over the kernel table; no cost once the leftovers are gone).
 */
#include <string.h>

#include "route_table.h"
#include "speaker_int.h"

struct walk {
	const struct bgp_speaker *s;
	const struct rtable *rt;
	enum bgp_route_source filter;
	uint32_t after_prefix; /* cursor: entries strictly after it */
	uint8_t after_len;
	enum bgp_route_source after_source;
	bool from_start;
	size_t i_static, i_conn; /* next of each array not yet emitted */
	bool k_started;		 /* the kernel table's cursor (leftovers): last key passed */
	uint32_t k_prefix;
	uint8_t k_len;
	bool k_stop;		 /* (k_stop_prefix, k_stop_len): where this kernel walk ends */
	uint32_t k_stop_prefix;
	uint8_t k_stop_len;
	bool full;		 /* the page is full */
	size_t max, visited;
	bgp_route_entry_visit_fn visit;
	void *arg;
};

static int key_cmp(uint32_t ap, uint8_t al, enum bgp_route_source as, uint32_t bp, uint8_t bl,
		   enum bgp_route_source bs)
{
	int c = rtable_key_cmp(ap, al, bp, bl);
	return c ? c : (as > bs) - (as < bs);
}

static bool after_cursor(const struct walk *w, uint32_t p, uint8_t l, enum bgp_route_source src)
{
	return w->from_start ||
	       key_cmp(p, l, src, w->after_prefix, w->after_len, w->after_source) > 0;
}

static bool wanted(const struct walk *w, enum bgp_route_source src)
{
	return w->filter == BGP_ROUTE_SOURCE_ANY || w->filter == src;
}

static bool emit(struct walk *w, const struct bgp_route_entry_view *v)
{
	if (w->visited >= w->max)
		return false;
	w->visit(w->arg, v);
	w->visited++;
	return true;
}

static bool bgp_of(const struct bgp_speaker *s, uint32_t prefix, uint8_t len,
		   struct rtable_bgp *out)
{
	const struct rib_entry *e = rib_table_find(&s->loc_rib, prefix, len);
	if (!e || !e->attrs)
		return false;
	*out = (struct rtable_bgp){.next_hop = e->attrs->path.next_hop, .peer_id = e->aux};
	return true;
}

/* Emits the array entries that come before (prefix, len, source); false when the page is full. */
static bool emit_arrays_before(struct walk *w, uint32_t prefix, uint8_t len,
			       enum bgp_route_source source)
{
	const struct rtable *rt = w->rt;
	for (;;) {
		const struct rtable_static *st =
		    w->i_static < rt->n_statics ? &rt->statics[w->i_static] : NULL;
		const struct fib_connected *c =
		    w->i_conn < rt->n_connected ? &rt->connected[w->i_conn] : NULL;
		bool st_first = st && (!c || key_cmp(st->prefix, st->len, BGP_ROUTE_SOURCE_STATIC,
						     c->prefix, c->len,
						     BGP_ROUTE_SOURCE_CONNECTED) < 0);
		uint32_t p = st_first ? st->prefix : c ? c->prefix : 0;
		uint8_t l = st_first ? st->len : c ? c->len : 0;
		enum bgp_route_source src = st_first ? BGP_ROUTE_SOURCE_STATIC
						     : BGP_ROUTE_SOURCE_CONNECTED;
		if ((!st && !c) || key_cmp(p, l, src, prefix, len, source) >= 0)
			return true;
		struct bgp_route_entry_view v;
		if (st_first) {
			w->i_static++;
			if (!wanted(w, src) || !after_cursor(w, p, l, src))
				continue;
			struct rtable_bgp bgp;
			bool have = bgp_of(w->s, p, l, &bgp);
			rtable_view_static(rt, st, have ? &bgp : NULL, &v);
		} else {
			w->i_conn++;
			if (!wanted(w, src) || !after_cursor(w, p, l, src))
				continue;
			rtable_view_connected(c, &v);
		}
		if (!emit(w, &v))
			return false;
	}
}

/* One kernel route while leftovers are walked: a stale BGP one no path covers is emitted. */
static bool visit_kernel(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *k)
{
	struct walk *w = arg;
	if (rtable_key_cmp(prefix, len, w->k_stop_prefix, w->k_stop_len) >= 0)
		return false;
	w->k_started = true;
	w->k_prefix = prefix;
	w->k_len = len;
	if (!(k->flags & RTK_STALE) || (k->flags & RTK_STATIC) ||
	    rib_table_find(&w->s->loc_rib, prefix, len) ||
	    !after_cursor(w, prefix, len, BGP_ROUTE_SOURCE_BGP))
		return true;
	struct bgp_route_entry_view v;
	rtable_view_leftover(w->rt, prefix, len, k->aux, &v);
	if (!emit_arrays_before(w, prefix, len, BGP_ROUTE_SOURCE_BGP) || !emit(w, &v)) {
		w->full = true;
		return false;
	}
	return true;
}

/* Emits the leftovers that come before (prefix, len); false when the page is full. */
static bool emit_leftovers_before(struct walk *w, uint32_t prefix, uint8_t len)
{
	if (w->rt->stale_count == 0 || !wanted(w, BGP_ROUTE_SOURCE_BGP))
		return true;
	w->k_stop_prefix = prefix;
	w->k_stop_len = len;
	bool from_start = !w->k_started && w->from_start;
	uint32_t ap = w->k_started ? w->k_prefix : w->after_prefix;
	uint8_t al = w->k_started ? w->k_len : w->after_len;
	if (!w->k_started && !w->from_start) {
		/* The listing's cursor prefix itself may hold a leftover still to come. */
		const struct rib_entry *at = rib_table_find(&w->rt->kernel, ap, al);
		if (at && !visit_kernel(w, ap, al, at))
			return !w->full;
	}
	rib_table_walk(&w->rt->kernel, from_start, ap, al, visit_kernel, w);
	return !w->full;
}

static bool visit_bgp(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct walk *w = arg;
	if (!emit_leftovers_before(w, prefix, len) ||
	    !emit_arrays_before(w, prefix, len, BGP_ROUTE_SOURCE_BGP))
		return false;
	if (!e->attrs || !wanted(w, BGP_ROUTE_SOURCE_BGP) ||
	    !after_cursor(w, prefix, len, BGP_ROUTE_SOURCE_BGP))
		return true;
	struct rtable_bgp bgp = {.next_hop = e->attrs->path.next_hop, .peer_id = e->aux};
	struct bgp_route_entry_view v;
	rtable_view_bgp(w->rt, prefix, len, &bgp, &v);
	v.stale = route_table_bgp_stale(w->s, prefix, len, bgp.peer_id);
	return emit(w, &v);
}

int bgp_speaker_route_entries(const struct bgp_speaker *s, enum bgp_route_source filter,
			      bool from_start, uint32_t after_prefix, uint8_t after_len,
			      enum bgp_route_source after_source, size_t max,
			      bgp_route_entry_visit_fn visit, void *arg)
{
	struct walk w = {.s = s,
			 .rt = &s->routes.rt,
			 .filter = filter,
			 .after_prefix = after_prefix,
			 .after_len = after_len,
			 .after_source = after_source,
			 .from_start = from_start,
			 .max = max,
			 .visit = visit,
			 .arg = arg};
	if (!from_start) {
		w.i_static = rtable_static_lower_bound(w.rt, after_prefix, after_len);
		w.i_conn = rtable_connected_lower_bound(w.rt, after_prefix, after_len);
	}
	if (filter == BGP_ROUTE_SOURCE_ANY || filter == BGP_ROUTE_SOURCE_BGP) {
		/* The cursor's own prefix may still have its BGP entry to come. */
		const struct rib_entry *at = from_start ? NULL
							: rib_table_find(&s->loc_rib, after_prefix,
									 after_len);
		if (at && !visit_bgp(&w, after_prefix, after_len, at))
			return (int)w.visited;
		rib_table_walk(&s->loc_rib, from_start, after_prefix, after_len, visit_bgp, &w);
	}
	if (w.visited < w.max && (filter == BGP_ROUTE_SOURCE_ANY || filter == BGP_ROUTE_SOURCE_BGP))
		emit_leftovers_before(&w, UINT32_MAX, 33);
	if (w.visited < w.max)
		emit_arrays_before(&w, UINT32_MAX, 33, BGP_ROUTE_SOURCE_CONNECTED);
	return (int)w.visited;
}

void bgp_speaker_fib_status(const struct bgp_speaker *s, struct bgp_fib_status *out)
{
	const struct route_table *t = &s->routes;
	const struct rtable *rt = &t->rt;
	memset(out, 0, sizeof(*out));
	out->enabled = s->config.fib_enabled;
	out->table = s->config.fib_table ? s->config.fib_table : 254;
	out->permitted = rt->permitted && t->fib != NULL;
	out->ip_forwarding = t->ip_forwarding;
	uint64_t statics_in = rt->kernel_count[0];
	uint64_t bgp_in = rt->kernel_count[1] - rt->stale_count;
	out->entries[BGP_ROUTE_SOURCE_STATIC][1] = statics_in;
	out->entries[BGP_ROUTE_SOURCE_STATIC][0] = rt->n_statics - statics_in;
	out->entries[BGP_ROUTE_SOURCE_BGP][1] = bgp_in;
	out->entries[BGP_ROUTE_SOURCE_BGP][0] =
	    s->loc_rib.count > bgp_in ? s->loc_rib.count - bgp_in : 0;
	out->entries[BGP_ROUTE_SOURCE_CONNECTED][1] = rt->n_connected;
	out->stale_routes = rt->stale_count;
	out->leftovers_known = t->leftovers_known;
	out->leftovers = t->leftovers;
	out->kept_on_stop = t->kept;
	out->fib_ops = t->ops;
	out->fib_restored = t->restored;
	out->fib_failures = t->failures;
	for (size_t i = 0; i < BGP_FIB_ERRNO_SLOTS; i++) {
		out->failures_by_errno[i].err = t->errnos[i].err;
		out->failures_by_errno[i].count = t->errnos[i].count;
	}
}

void bgp_speaker_static_preview(const struct bgp_speaker *s, uint32_t static_id, uint32_t prefix,
				uint8_t prefix_len, uint32_t next_hop,
				struct bgp_route_entry_view *out)
{
	struct rtable_static st = {static_id, prefix, prefix_len, next_hop};
	rtable_view_new_static(&s->routes.rt, &st, out);
}
