/*
 * rtable: see rtable.h. Small sorted arrays for statics and connected networks (tens to a few
 * thousand), rib_tables for the per-prefix exceptions (writes in flight, refusals).
 */
#include "rtable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t mask_of(uint8_t len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

static void ip_text(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

int rtable_key_cmp(uint32_t ap, uint8_t al, uint32_t bp, uint8_t bl)
{
	if (ap != bp)
		return ap < bp ? -1 : 1;
	return al == bl ? 0 : al < bl ? -1 : 1;
}

void rtable_init(struct rtable *rt, bool fib_enabled)
{
	memset(rt, 0, sizeof(*rt));
	rt->fib_enabled = fib_enabled;
	rt->permitted = true;
	rib_table_init(&rt->kernel);
	rib_table_init(&rt->pending);
	rib_table_init(&rt->failed);
}

void rtable_free(struct rtable *rt)
{
	free(rt->statics);
	free(rt->connected);
	rib_table_free(&rt->kernel, NULL);
	rib_table_free(&rt->pending, NULL);
	rib_table_free(&rt->failed, NULL);
	memset(rt, 0, sizeof(*rt));
}

/* ---- static entries ---- */

size_t rtable_static_lower_bound(const struct rtable *rt, uint32_t prefix, uint8_t len)
{
	size_t lo = 0, hi = rt->n_statics;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rtable_static *s = &rt->statics[mid];
		if (rtable_key_cmp(s->prefix, s->len, prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct rtable_static *rtable_static_at(const struct rtable *rt, uint32_t prefix,
					     uint8_t len)
{
	size_t i = rtable_static_lower_bound(rt, prefix, len);
	if (i < rt->n_statics && rt->statics[i].prefix == prefix && rt->statics[i].len == len)
		return &rt->statics[i];
	return NULL;
}

int rtable_static_add(struct rtable *rt, const struct rtable_static *s)
{
	for (size_t k = 0; k < rt->n_statics; k++)
		if (rt->statics[k].id == s->id)
			return -EEXIST;
	if (rtable_static_at(rt, s->prefix, s->len))
		return -EEXIST;
	if (rt->n_statics == rt->cap_statics) {
		size_t cap = rt->cap_statics ? rt->cap_statics * 2 : 16;
		struct rtable_static *p = realloc(rt->statics, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		rt->statics = p;
		rt->cap_statics = cap;
	}
	size_t i = rtable_static_lower_bound(rt, s->prefix, s->len);
	memmove(&rt->statics[i + 1], &rt->statics[i], (rt->n_statics - i) * sizeof(*s));
	rt->statics[i] = *s;
	rt->n_statics++;
	return 0;
}

int rtable_static_remove(struct rtable *rt, uint32_t id, struct rtable_static *out)
{
	for (size_t i = 0; i < rt->n_statics; i++) {
		if (rt->statics[i].id != id)
			continue;
		*out = rt->statics[i];
		memmove(&rt->statics[i], &rt->statics[i + 1],
			(rt->n_statics - i - 1) * sizeof(*out));
		rt->n_statics--;
		return 0;
	}
	return -ENOENT;
}

/* ---- connected networks ---- */

static int connected_cmp(const void *a, const void *b)
{
	const struct fib_connected *x = a, *y = b;
	int c = rtable_key_cmp(x->prefix, x->len, y->prefix, y->len);
	return c ? c : (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int rtable_set_connected(struct rtable *rt, const struct fib_connected *list, size_t n)
{
	struct fib_connected *copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	if (n)
		memcpy(copy, list, n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), connected_cmp);
	free(rt->connected);
	rt->connected = copy;
	rt->n_connected = n;
	return 0;
}

void rtable_connected_diff(const struct fib_connected *old, size_t n_old,
			   const struct fib_connected *now, size_t n_now,
			   rtable_connected_change_fn changed, void *arg)
{
	size_t i = 0, j = 0;
	while (i < n_old || j < n_now) {
		int c = i == n_old ? 1 : j == n_now ? -1 : connected_cmp(&old[i], &now[j]);
		if (c < 0)
			changed(arg, &old[i++], false);
		else if (c > 0)
			changed(arg, &now[j++], true);
		else
			i++, j++;
	}
}

size_t rtable_connected_lower_bound(const struct rtable *rt, uint32_t prefix, uint8_t len)
{
	size_t i = 0;
	while (i < rt->n_connected &&
	       rtable_key_cmp(rt->connected[i].prefix, rt->connected[i].len, prefix, len) < 0)
		i++;
	return i;
}

const struct fib_connected *rtable_connected_at(const struct rtable *rt, uint32_t prefix,
						uint8_t len)
{
	size_t i = rtable_connected_lower_bound(rt, prefix, len);
	if (i < rt->n_connected && rt->connected[i].prefix == prefix &&
	    rt->connected[i].len == len)
		return &rt->connected[i];
	return NULL;
}

const struct fib_connected *rtable_resolve(const struct rtable *rt, uint32_t next_hop)
{
	const struct fib_connected *best = NULL;
	for (size_t i = 0; i < rt->n_connected; i++) {
		const struct fib_connected *c = &rt->connected[i];
		if (c->addr == next_hop)
			return NULL; /* our own address is no gateway */
		if ((next_hop & mask_of(c->len)) == c->prefix && (!best || c->len > best->len))
			best = c;
	}
	return best;
}

/* ---- decisions ---- */

/* Whether a route with this next hop can go into the kernel for this prefix. */
static const struct fib_connected *usable(const struct rtable *rt, uint32_t prefix, uint8_t len,
					  uint32_t next_hop)
{
	if (rtable_connected_at(rt, prefix, len))
		return NULL; /* the kernel's own route for an interface network stays */
	return rtable_resolve(rt, next_hop);
}

void rtable_choose(const struct rtable *rt, uint32_t prefix, uint8_t len,
		   const struct rtable_bgp *bgp, struct rtable_want *out)
{
	memset(out, 0, sizeof(*out));
	const struct rtable_static *st = rtable_static_at(rt, prefix, len);
	const struct fib_connected *on;
	if (st && (on = usable(rt, prefix, len, st->next_hop))) {
		*out = (struct rtable_want){true, BGP_ROUTE_SOURCE_STATIC, st->next_hop, on->ifindex};
	} else if (bgp && (on = usable(rt, prefix, len, bgp->next_hop))) {
		*out = (struct rtable_want){true, BGP_ROUTE_SOURCE_BGP, bgp->next_hop, on->ifindex};
	}
	if (!rt->fib_enabled)
		out->install = false;
}

static uint8_t protocol_of(enum bgp_route_source source)
{
	return source == BGP_ROUTE_SOURCE_STATIC ? FIB_PROTO_STATIC : FIB_PROTO_BGP;
}

bool rtable_op(uint32_t prefix, uint8_t len, const struct rtable_want *was,
	       const struct rtable_want *now, struct fib_op *op)
{
	memset(op, 0, sizeof(*op));
	op->prefix = prefix;
	op->len = len;
	if (now->install) {
		if (was->install && was->source == now->source && was->gateway == now->gateway &&
		    was->ifindex == now->ifindex)
			return false;
		op->kind = was->install ? FIB_OP_REPLACE : FIB_OP_ADD;
		op->protocol = protocol_of(now->source);
		op->gateway = now->gateway;
		op->ifindex = now->ifindex;
		return true;
	}
	if (!was->install)
		return false;
	op->kind = FIB_OP_DELETE;
	op->protocol = protocol_of(was->source);
	return true;
}

/* ---- views ---- */

static void view_reason(struct bgp_route_entry_view *out, const char *fmt, const char *a,
			const char *b)
{
	out->installed = false;
	snprintf(out->status_reason, sizeof(out->status_reason), fmt, a, b);
}

/* The entry is the one chosen for its prefix: installed when the kernel holds it as vbrd
 * wrote it; else why not (a write in flight, the kernel's refusal, the FIB not writable). */
static void view_chosen(const struct rtable *rt, struct bgp_route_entry_view *out)
{
	const struct rib_entry *failed = rib_table_find(&rt->failed, out->prefix, out->prefix_len);
	const struct rib_entry *k = rib_table_find(&rt->kernel, out->prefix, out->prefix_len);
	bool is_static = out->source == BGP_ROUTE_SOURCE_STATIC;
	if (k && k->aux == out->next_hop && !!(k->flags & RTK_STATIC) == is_static &&
	    !rib_table_find(&rt->pending, out->prefix, out->prefix_len)) {
		out->installed = true;
		return;
	}
	if (!rt->fib_enabled)
		view_reason(out, "%s%s", "FIB programming is off (--fib off)", "");
	else if (!rt->permitted)
		view_reason(out, "%s%s",
			    "cannot write the kernel FIB: no CAP_NET_ADMIN (Operation not permitted)",
			    "");
	else if (failed && failed->aux == EEXIST)
		view_reason(out, "%s%s", "another route (not vbrd's) holds this prefix at metric 20 "
			    "in the table: left alone", "");
	else if (failed)
		view_reason(out, "the kernel refused the route: %s%s", strerror((int)failed->aux),
			    "");
	else
		view_reason(out, "%s%s", "being written to the kernel FIB", "");
}

/* Why an entry with this next hop is not usable for the prefix. */
static void view_unusable(const struct rtable *rt, uint32_t next_hop,
			  struct bgp_route_entry_view *out)
{
	char nh[16];
	ip_text(next_hop, nh);
	const struct fib_connected *c = rtable_connected_at(rt, out->prefix, out->prefix_len);
	if (c) {
		view_reason(out, "a connected network of %s%s is this prefix (the kernel's own "
			    "route stays)", c->ifname, "");
		return;
	}
	for (size_t i = 0; i < rt->n_connected; i++)
		if (rt->connected[i].addr == next_hop) {
			view_reason(out, "next hop %s is this router's own address (%s)", nh,
				    rt->connected[i].ifname);
			return;
		}
	view_reason(out, "next hop %s is not on a connected network%s", nh, "");
}

static void view_base(enum bgp_route_source source, uint32_t prefix, uint8_t len,
		      uint32_t next_hop, struct bgp_route_entry_view *out)
{
	memset(out, 0, sizeof(*out));
	out->source = source;
	out->prefix = prefix;
	out->prefix_len = len;
	out->next_hop = next_hop;
}

static void view_interface(const struct rtable *rt, struct bgp_route_entry_view *out)
{
	const struct fib_connected *on = rtable_resolve(rt, out->next_hop);
	if (on)
		snprintf(out->interface, sizeof(out->interface), "%s", on->ifname);
}

void rtable_view_static(const struct rtable *rt, const struct rtable_static *st,
			const struct rtable_bgp *bgp, struct bgp_route_entry_view *out)
{
	view_base(BGP_ROUTE_SOURCE_STATIC, st->prefix, st->len, st->next_hop, out);
	out->static_id = st->id;
	view_interface(rt, out);
	struct rtable_want want;
	rtable_choose(rt, st->prefix, st->len, bgp, &want);
	if (want.install && want.source == BGP_ROUTE_SOURCE_STATIC)
		view_chosen(rt, out);
	else if (!rt->fib_enabled && usable(rt, st->prefix, st->len, st->next_hop))
		view_chosen(rt, out); /* says --fib off */
	else
		view_unusable(rt, st->next_hop, out);
}

void rtable_view_new_static(const struct rtable *rt, const struct rtable_static *st,
			    struct bgp_route_entry_view *out)
{
	view_base(BGP_ROUTE_SOURCE_STATIC, st->prefix, st->len, st->next_hop, out);
	out->static_id = st->id;
	view_interface(rt, out);
	if (usable(rt, st->prefix, st->len, st->next_hop))
		view_chosen(rt, out);
	else
		view_unusable(rt, st->next_hop, out);
}

void rtable_view_bgp(const struct rtable *rt, uint32_t prefix, uint8_t len,
		     const struct rtable_bgp *bgp, struct bgp_route_entry_view *out)
{
	view_base(BGP_ROUTE_SOURCE_BGP, prefix, len, bgp->next_hop, out);
	out->peer_id = bgp->peer_id;
	view_interface(rt, out);
	const struct rtable_static *st = rtable_static_at(rt, prefix, len);
	bool mine_usable = usable(rt, prefix, len, bgp->next_hop) != NULL;
	if (st && usable(rt, prefix, len, st->next_hop))
		view_reason(out, "%s%s", "a static route entry for this prefix wins over BGP", "");
	else if (mine_usable)
		view_chosen(rt, out);
	else
		view_unusable(rt, bgp->next_hop, out);
}

void rtable_view_connected(const struct fib_connected *conn, struct bgp_route_entry_view *out)
{
	view_base(BGP_ROUTE_SOURCE_CONNECTED, conn->prefix, conn->len, 0, out);
	out->installed = true; /* the kernel's own route for its interface network */
	snprintf(out->interface, sizeof(out->interface), "%s", conn->ifname);
}

void rtable_view_leftover(const struct rtable *rt, uint32_t prefix, uint8_t len,
			  uint32_t gateway, struct bgp_route_entry_view *out)
{
	view_base(BGP_ROUTE_SOURCE_BGP, prefix, len, gateway, out);
	view_interface(rt, out);
	out->installed = true; /* read back from the kernel, which still forwards on it */
	out->stale = true;
}

/* ---- what vbrd has in the kernel ---- */

int rtable_kernel_set(struct rtable *rt, uint32_t prefix, uint8_t len, uint8_t protocol,
		      uint32_t gateway, bool stale)
{
	bool created;
	struct rib_entry *e = rib_table_upsert(&rt->kernel, prefix, len, &created);
	if (!e)
		return -ENOMEM;
	if (!created) {
		rt->kernel_count[!(e->flags & RTK_STATIC)]--;
		rt->stale_count -= (e->flags & RTK_STALE) != 0;
	}
	e->aux = gateway;
	e->flags = (uint8_t)((protocol == FIB_PROTO_STATIC ? RTK_STATIC : 0) | (stale ? RTK_STALE : 0));
	rt->kernel_count[protocol != FIB_PROTO_STATIC]++;
	rt->stale_count += stale;
	return 0;
}

void rtable_kernel_clear(struct rtable *rt, uint32_t prefix, uint8_t len)
{
	struct rib_entry *e = rib_table_find(&rt->kernel, prefix, len);
	if (!e)
		return;
	rt->kernel_count[!(e->flags & RTK_STATIC)]--;
	rt->stale_count -= (e->flags & RTK_STALE) != 0;
	rib_table_remove(&rt->kernel, prefix, len);
}

struct missing_walk {
	const struct rtable *rt;
	const struct fib_route *now; /* in (prefix, len) order, as the walk */
	size_t n, at;		     /* now[at] is the first not before the walk's entry */
	struct fib_route *out;
	size_t found, max;
};

static bool find_missing(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct missing_walk *w = arg;
	if (w->found == w->max)
		return false;
	struct fib_route key = {.prefix = prefix, .len = len};
	while (w->at < w->n && fib_route_cmp(&w->now[w->at], &key) < 0)
		w->at++;
	if (rib_table_find(&w->rt->pending, prefix, len))
		return true; /* our own write decides; its result says what the kernel holds */
	const struct fib_route *k =
	    w->at < w->n && fib_route_cmp(&w->now[w->at], &key) == 0 ? &w->now[w->at] : NULL;
	uint8_t protocol = (e->flags & RTK_STATIC) ? FIB_PROTO_STATIC : FIB_PROTO_BGP;
	if (k && k->protocol == protocol && k->gateway == e->aux)
		return true;
	w->out[w->found++] = (struct fib_route){.prefix = prefix, .len = len,
						.protocol = protocol, .gateway = e->aux};
	return true;
}

size_t rtable_kernel_missing(struct rtable *rt, const struct fib_route *now, size_t n,
			     struct fib_route *out, size_t max)
{
	struct missing_walk w = {.rt = rt, .now = now, .n = n, .out = out, .max = max};
	rib_table_walk(&rt->kernel, true, 0, 0, find_missing, &w);
	for (size_t i = 0; i < w.found; i++)
		rtable_kernel_clear(rt, out[i].prefix, out[i].len);
	return w.found;
}

static bool is_ours(uint8_t protocol)
{
	return protocol == FIB_PROTO_BGP || protocol == FIB_PROTO_STATIC;
}

bool rtable_kernel_taken(struct rtable *rt, const struct fib_route *ev)
{
	bool ours = is_ours(ev->protocol);
	if (ours != ev->removed)
		return false; /* vbrd's own add, or someone else's route leaving */
	const struct rib_entry *e = rib_table_find(&rt->kernel, ev->prefix, ev->len);
	if (!e || rib_table_find(&rt->pending, ev->prefix, ev->len))
		return false;
	uint8_t protocol = (e->flags & RTK_STATIC) ? FIB_PROTO_STATIC : FIB_PROTO_BGP;
	if (ours && (ev->protocol != protocol || ev->gateway != e->aux))
		return false; /* another of vbrd's routes (an earlier one) */
	rtable_kernel_clear(rt, ev->prefix, ev->len);
	return true;
}

bool rtable_prefix_freed(const struct rtable *rt, const struct fib_route *ev)
{
	if (!ev->removed || is_ours(ev->protocol) ||
	    rib_table_find(&rt->pending, ev->prefix, ev->len))
		return false;
	const struct rib_entry *f = rib_table_find(&rt->failed, ev->prefix, ev->len);
	return f && f->aux == EEXIST;
}

void rtable_kernel_want(const struct rib_entry *k, struct rtable_want *out)
{
	memset(out, 0, sizeof(*out));
	out->install = true;
	out->source = (k->flags & RTK_STATIC) ? BGP_ROUTE_SOURCE_STATIC : BGP_ROUTE_SOURCE_BGP;
	out->gateway = k->aux;
	out->ifindex = -1; /* unknown: any new want differs, so it is written again */
}

/* ---- per-prefix exceptions ---- */

void rtable_submitted(const struct rtable *rt, uint32_t prefix, uint8_t len,
		      struct rtable_want *out)
{
	const struct rib_entry *p = rib_table_find(&rt->pending, prefix, len);
	const struct rib_entry *k = rib_table_find(&rt->kernel, prefix, len);
	memset(out, 0, sizeof(*out));
	if (p && !(p->flags & RTP_DELETE))
		rtable_kernel_want(p, out);
	else if (!p && k)
		rtable_kernel_want(k, out);
}

static uint8_t pending_flags(const struct fib_op *op)
{
	return (uint8_t)((op->protocol == FIB_PROTO_STATIC ? RTK_STATIC : 0) |
			 (op->kind == FIB_OP_DELETE ? RTP_DELETE : 0));
}

int rtable_submit(struct rtable *rt, const struct fib_op *op)
{
	bool created;
	struct rib_entry *e = rib_table_upsert(&rt->pending, op->prefix, op->len, &created);
	if (!e)
		return -ENOMEM;
	e->aux = op->kind == FIB_OP_DELETE ? 0 : op->gateway;
	e->flags = pending_flags(op);
	return 0;
}

bool rtable_result(struct rtable *rt, const struct fib_result *r)
{
	const struct fib_op *op = &r->op;
	if (r->err == -EPERM)
		rt->permitted = false;
	if (op->kind != FIB_OP_DELETE && r->err == 0)
		rtable_kernel_set(rt, op->prefix, op->len, op->protocol, op->gateway, false);
	else if (op->kind == FIB_OP_DELETE && (r->err == 0 || r->err == -ESRCH))
		rtable_kernel_clear(rt, op->prefix, op->len);
	if (r->err == 0 || (op->kind == FIB_OP_DELETE && r->err == -ESRCH)) {
		rib_table_remove(&rt->failed, op->prefix, op->len);
	} else {
		bool created;
		struct rib_entry *f = rib_table_upsert(&rt->failed, op->prefix, op->len, &created);
		if (f)
			f->aux = (uint32_t)-r->err;
	}
	struct rib_entry *p = rib_table_find(&rt->pending, op->prefix, op->len);
	if (!p)
		return true;
	if (p->flags != pending_flags(op) || (op->kind != FIB_OP_DELETE && p->aux != op->gateway))
		return false; /* a later write for this prefix is still on its way */
	rib_table_remove(&rt->pending, op->prefix, op->len);
	return true;
}
