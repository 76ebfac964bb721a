/*
 * route_table: see route_table.h. Every change to a prefix goes the same way: the decision
 * before (what was submitted to the kernel) and after (rtable_choose), the write between them
 * if they differ, queued for this loop turn's batch.
 */
#include "route_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gr_restart.h"
#include "speaker_int.h"

#define STALE_DEFAULT_MS 30000

static struct route_table *table_of(struct bgp_speaker *s)
{
	return &s->routes;
}

/* ---- events ---- */

static void emit(struct bgp_speaker *s, enum bgp_route_change change,
		 const struct bgp_route_entry_view *v, uint32_t old_next_hop)
{
	if (s->callbacks.on_route_entry && !s->shutting_down)
		s->callbacks.on_route_entry(s->ctx, change, v, old_next_hop);
}

/* The Loc-RIB's best path for a prefix, or false. */
static bool bgp_best(const struct bgp_speaker *s, uint32_t prefix, uint8_t len,
		     struct rtable_bgp *out)
{
	const struct rib_entry *e = rib_table_find(&s->loc_rib, prefix, len);
	if (!e || !e->attrs)
		return false;
	*out = (struct rtable_bgp){.next_hop = e->attrs->path.next_hop, .peer_id = e->aux};
	return true;
}

bool route_table_bgp_stale(const struct bgp_speaker *s, uint32_t prefix, uint8_t len,
			   uint32_t peer_id)
{
	const struct bgp_peer *p = speaker_find_peer(s, peer_id);
	if (!p || p->rib_in.stale == 0)
		return false;
	const struct rib_entry *e = rib_table_find(&p->rib_in.table, prefix, len);
	return e && (e->flags & RIB_ENTRY_STALE);
}

/* A BGP entry's view, its staleness included. */
static void view_bgp(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
		     const struct rtable_bgp *bgp, struct bgp_route_entry_view *v)
{
	rtable_view_bgp(&table_of(s)->rt, prefix, len, bgp, v);
	v->stale = route_table_bgp_stale(s, prefix, len, bgp->peer_id);
}

/* The entry of a prefix that decides its state: the static one if any, else the BGP one. */
static bool lead_view(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
		      struct bgp_route_entry_view *v)
{
	const struct rtable *rt = &table_of(s)->rt;
	struct rtable_bgp bgp;
	bool have_bgp = bgp_best(s, prefix, len, &bgp);
	const struct rtable_static *st = rtable_static_at(rt, prefix, len);
	if (st)
		rtable_view_static(rt, st, have_bgp ? &bgp : NULL, v);
	else if (have_bgp)
		view_bgp(s, prefix, len, &bgp, v);
	return st || have_bgp;
}

/* ---- writes ---- */

static void flush_cb(uv_check_t *h)
{
	struct bgp_speaker *s = h->data;
	struct route_table *t = table_of(s);
	uv_check_stop(h);
	if (t->n_batch == 0 || !t->fib)
		return;
	int err = fib_submit(t->fib, t->batch, t->n_batch);
	if (err) {
		/* Nothing went: each write is answered as refused, so the table says why. */
		for (size_t i = 0; i < t->n_batch; i++) {
			struct fib_result r = {.op = t->batch[i], .err = err};
			rtable_result(&t->rt, &r);
		}
	}
	t->ops += t->n_batch;
	t->n_batch = 0;
}

static void queue_op(struct bgp_speaker *s, const struct fib_op *op)
{
	struct route_table *t = table_of(s);
	if (t->n_batch == t->cap_batch) {
		size_t cap = t->cap_batch ? t->cap_batch * 2 : 256;
		struct fib_op *b = realloc(t->batch, cap * sizeof(*b));
		if (!b)
			abort(); /* the kernel would diverge from the table silently: fail loudly */
		t->batch = b;
		t->cap_batch = cap;
	}
	t->batch[t->n_batch++] = *op;
	if (rtable_submit(&t->rt, op) != 0)
		abort();
	if (!uv_is_active((uv_handle_t *)&t->flush))
		uv_check_start(&t->flush, flush_cb);
}

/* A route an earlier run left, not yet replaced, that the deferral still keeps. */
static bool kept_stale(const struct route_table *t, uint32_t prefix, uint8_t len)
{
	const struct rib_entry *k = rib_table_find(&t->rt.kernel, prefix, len);
	return t->deferring && k && (k->flags & RTK_STALE) &&
	       !rib_table_find(&t->rt.pending, prefix, len);
}

/* Brings the kernel in line with the decision for one prefix. */
static void reconsider(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
		       const struct rtable_bgp *bgp)
{
	struct route_table *t = table_of(s);
	if (t->stopping)
		return;
	struct rtable_want was, now;
	struct fib_op op;
	rtable_submitted(&t->rt, prefix, len, &was);
	rtable_choose(&t->rt, prefix, len, bgp, &now);
	/* RFC 4724 4.1: no stale route goes before the peers had their say; a new path
	 * replaces it at once. */
	if (!now.install && kept_stale(t, prefix, len))
		return;
	if (rtable_op(prefix, len, &was, &now, &op))
		queue_op(s, &op);
}

void route_table_bgp_changed(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
			     const struct rtable_bgp *was, const struct rtable_bgp *now)
{
	struct route_table *t = table_of(s);
	reconsider(s, prefix, len, now);
	struct bgp_route_entry_view v;
	if (now) {
		view_bgp(s, prefix, len, now, &v);
		if (!was)
			emit(s, BGP_ROUTE_ADDED, &v, 0);
		else if (was->next_hop != now->next_hop || was->peer_id != now->peer_id)
			emit(s, BGP_ROUTE_NEXT_HOP_CHANGED, &v, was->next_hop);
	} else if (was) {
		rtable_view_bgp(&t->rt, prefix, len, was, &v); /* gone: not stale any more */
		v.installed = false;
		snprintf(v.status_reason, sizeof(v.status_reason), "withdrawn");
		emit(s, BGP_ROUTE_REMOVED, &v, 0);
	}
}

/* ---- the writer's reports ---- */

static void count_failure(struct route_table *t, int err)
{
	t->failures++;
	int e = -err;
	size_t last = BGP_FIB_ERRNO_SLOTS - 1;
	for (size_t i = 0; i < last; i++) {
		if (t->errnos[i].err == e || t->errnos[i].err == 0) {
			t->errnos[i].err = e;
			t->errnos[i].count++;
			return;
		}
	}
	t->errnos[last].err = -1; /* every other errno */
	t->errnos[last].count++;
}

static void on_results(void *ctx, const struct fib_result *results, size_t n)
{
	struct bgp_speaker *s = ctx;
	struct route_table *t = table_of(s);
	for (size_t i = 0; i < n; i++) {
		const struct fib_result *r = &results[i];
		bool ignorable = r->op.kind == FIB_OP_DELETE && r->err == -ESRCH;
		if (r->err && !ignorable)
			count_failure(t, r->err);
		if (!rtable_result(&t->rt, r))
			continue; /* a later write is on its way: report its outcome instead */
		struct bgp_route_entry_view v;
		if (!lead_view(s, r->op.prefix, r->op.len, &v))
			continue; /* removed: REMOVED was said already */
		if (v.installed && r->op.kind != FIB_OP_DELETE)
			emit(s, BGP_ROUTE_INSTALLED, &v, 0);
		else if (!v.installed)
			emit(s, BGP_ROUTE_INSTALL_FAILED, &v, 0);
	}
}

/* Every prefix whose decision may depend on the connected networks. */
static bool reconsider_bgp(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct bgp_speaker *s = arg;
	struct rtable_bgp bgp = {.next_hop = e->attrs ? e->attrs->path.next_hop : 0,
				 .peer_id = e->aux};
	reconsider(s, prefix, len, e->attrs ? &bgp : NULL);
	return true;
}

/* A prefix decided again with its Loc-RIB best path, if any. */
static void decide_again(struct bgp_speaker *s, uint32_t prefix, uint8_t len)
{
	struct rtable_bgp bgp;
	bool have = bgp_best(s, prefix, len, &bgp);
	reconsider(s, prefix, len, have ? &bgp : NULL);
}

static bool reconsider_kernel(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	(void)e;
	decide_again(arg, prefix, len);
	return true;
}

static void reconsider_statics(struct bgp_speaker *s)
{
	struct route_table *t = table_of(s);
	for (size_t i = 0; i < t->rt.n_statics; i++)
		decide_again(s, t->rt.statics[i].prefix, t->rt.statics[i].len);
}

static void connected_changed(void *arg, const struct fib_connected *c, bool added)
{
	struct bgp_route_entry_view v;
	rtable_view_connected(c, &v);
	emit(arg, added ? BGP_ROUTE_ADDED : BGP_ROUTE_REMOVED, &v, 0);
}

static void on_connected(void *ctx, const struct fib_connected *list, size_t n)
{
	struct bgp_speaker *s = ctx;
	struct route_table *t = table_of(s);
	/* The old list, for the ADDED / REMOVED events of the networks that changed. */
	size_t n_old = t->rt.n_connected;
	struct fib_connected *old = malloc((n_old ? n_old : 1) * sizeof(*old));
	if (!old)
		return; /* the next dump or change tries again */
	if (n_old)
		memcpy(old, t->rt.connected, n_old * sizeof(*old));
	if (rtable_set_connected(&t->rt, list, n) != 0) {
		free(old);
		return;
	}
	rtable_connected_diff(old, n_old, t->rt.connected, t->rt.n_connected, connected_changed, s);
	free(old);
	/* Rare (an address or link change): every entry is decided again. Kernel routes first,
	 * so one that lost its next hop is removed even without a BGP path or static now. */
	rib_table_walk(&t->rt.kernel, true, 0, 0, reconsider_kernel, s);
	reconsider_statics(s);
	rib_table_walk(&s->loc_rib, true, 0, 0, reconsider_bgp, s);
}

static void stale_timer_cb(uv_timer_t *h);

/* The earlier run's routes are known (or cannot be): held peers may connect now. */
static void leftovers_known(struct bgp_speaker *s, size_t n)
{
	struct route_table *t = table_of(s);
	if (t->leftovers_known)
		return;
	t->leftovers_known = true;
	t->leftovers = n;
	speaker_start_held_peers(s);
	if (s->callbacks.on_fib_leftovers && !s->shutting_down)
		s->callbacks.on_fib_leftovers(s->ctx, n);
}

static void on_leftovers(void *ctx, const struct fib_route *routes, size_t n)
{
	struct bgp_speaker *s = ctx;
	struct route_table *t = table_of(s);
	for (size_t i = 0; i < n; i++) {
		const struct fib_route *r = &routes[i];
		/* A static one the current state does not hold goes at once; a BGP one stays until
		 * the sessions are back (or the deferral timer), so forwarding goes on meanwhile. */
		bool stale = r->protocol == FIB_PROTO_BGP;
		if (rtable_kernel_set(&t->rt, r->prefix, r->len, r->protocol, r->gateway, stale) != 0)
			abort();
		if (!stale || rtable_static_at(&t->rt, r->prefix, r->len)) {
			struct rtable_bgp bgp;
			bool have = bgp_best(s, r->prefix, r->len, &bgp);
			reconsider(s, r->prefix, r->len, have ? &bgp : NULL);
		}
	}
	if (t->rt.stale_count) {
		uint32_t ms = s->config.selection_deferral_ms ? s->config.selection_deferral_ms
							      : STALE_DEFAULT_MS;
		t->deferring = true;
		uv_timer_start(&t->stale_timer, stale_timer_cb, ms, 0);
	}
	leftovers_known(s, n);
	route_table_defer_check(s); /* no peer to wait for: the stale routes go now */
}

static void on_status(void *ctx, bool permitted, bool ip_forwarding)
{
	struct bgp_speaker *s = ctx;
	leftovers_known(s, 0); /* no-op after on_leftovers; else the writer could not read them */
	table_of(s)->rt.permitted = permitted;
	table_of(s)->ip_forwarding = ip_forwarding;
	if (s->callbacks.on_fib_status && !s->shutting_down)
		s->callbacks.on_fib_status(s->ctx, permitted, ip_forwarding);
}

/* Someone else took some of vbrd's routes out of the kernel: each is written again as the
 * route table decides now (an add: if another protocol's route holds the prefix at our
 * metric, the kernel refuses it and the entry says so; theirs is left alone). */
static void write_again(struct bgp_speaker *s, uint32_t prefix, uint8_t len)
{
	table_of(s)->restored++;
	decide_again(s, prefix, len);
}

static void on_kernel_routes(void *ctx, const struct fib_route *routes, size_t n,
			     bool complete)
{
	struct bgp_speaker *s = ctx;
	struct route_table *t = table_of(s);
	if (t->stopping)
		return;
	if (!complete) {
		for (size_t i = 0; i < n; i++) {
			if (rtable_kernel_taken(&t->rt, &routes[i]))
				write_again(s, routes[i].prefix, routes[i].len);
			else if (rtable_prefix_freed(&t->rt, &routes[i]))
				decide_again(s, routes[i].prefix, routes[i].len);
		}
		return;
	}
	size_t have = t->rt.kernel.count;
	struct fib_route *gone = have ? malloc(have * sizeof(*gone)) : NULL;
	if (!gone)
		return; /* nothing of vbrd's there, or out of memory: the next read-back */
	size_t k = rtable_kernel_missing(&t->rt, routes, n, gone, have);
	for (size_t i = 0; i < k; i++)
		write_again(s, gone[i].prefix, gone[i].len);
	free(gone);
}

/* The deferral is over: a stale route the new state did not take over goes. */
static bool drop_stale(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct bgp_speaker *s = arg;
	if (!(e->flags & RTK_STALE))
		return true;
	struct rtable_want was, now;
	struct fib_op op;
	struct rtable_bgp bgp;
	bool have = bgp_best(s, prefix, len, &bgp);
	rtable_kernel_want(e, &was);
	rtable_choose(&table_of(s)->rt, prefix, len, have ? &bgp : NULL, &now);
	if (rtable_op(prefix, len, &was, &now, &op))
		queue_op(s, &op);
	if (!have) {
		/* Listed as a leftover entry until now (route_table_read.c): say it is gone. */
		struct bgp_route_entry_view v;
		rtable_view_leftover(&table_of(s)->rt, prefix, len, e->aux, &v);
		v.installed = false;
		snprintf(v.status_reason, sizeof(v.status_reason),
			 "left by the last run, not announced again");
		emit(s, BGP_ROUTE_REMOVED, &v, 0);
	}
	return true;
}

/* Route selection goes ahead: what was not learned again is removed. */
static void end_deferral(struct bgp_speaker *s)
{
	struct route_table *t = table_of(s);
	t->deferring = false;
	uv_timer_stop(&t->stale_timer);
	if (!t->stopping)
		rib_table_walk(&t->rt.kernel, true, 0, 0, drop_stale, s);
}

static void stale_timer_cb(uv_timer_t *h)
{
	end_deferral(h->data);
}

void route_table_defer_check(struct bgp_speaker *s)
{
	if (!table_of(s)->deferring)
		return;
	for (size_t i = 0; i < s->peer_count; i++) {
		const struct bgp_peer *p = s->peers[i];
		struct gr_defer_peer d = {.admin_down = p->config.admin_down,
					  .established = p->established,
					  .synced = p->defer_synced};
		if (!gr_defer_over(&d, 1))
			return;
	}
	end_deferral(s);
}

bool route_table_peers_may_start(const struct bgp_speaker *s)
{
	const struct route_table *t = &s->routes;
	/* Peers added before bgp_speaker_start wait too: the read only begins there. */
	return t->leftovers_known || !s->config.restarted || !s->config.expected_leftovers ||
	       !s->config.fib_enabled;
}

/* ---- life cycle ---- */

int route_table_init(struct bgp_speaker *s)
{
	struct route_table *t = table_of(s);
	memset(t, 0, sizeof(*t));
	rtable_init(&t->rt, s->config.fib_enabled);
	uv_check_init(s->loop, &t->flush);
	uv_timer_init(s->loop, &t->stale_timer);
	t->flush.data = t->stale_timer.data = s;
	t->handles_open = 2;
	s->open_handles++; /* the table, until its handles and writer are closed */
	return 0;
}

int route_table_start(struct bgp_speaker *s)
{
	struct route_table *t = table_of(s);
	if (t->started)
		return 0;
	t->started = true;
	static const struct fib_callbacks cb = {on_results, on_connected, on_leftovers, on_status,
						on_kernel_routes};
	struct fib_config fc = {.table = s->config.fib_table ? s->config.fib_table : 254,
				.program = s->config.fib_enabled};
	int err = fib_start(s->loop, &fc, &cb, s, &t->fib);
	if (err) {
		t->fib = NULL;
		t->rt.permitted = false;
		leftovers_known(s, 0);
		return err;
	}
	t->handles_open++;
	return 0;
}

static void handle_closed(uv_handle_t *h)
{
	struct bgp_speaker *s = h->data;
	struct route_table *t = table_of(s);
	if (--t->handles_open == 0)
		speaker_handle_closed(s);
}

static void writer_stopped(void *arg)
{
	struct bgp_speaker *s = arg;
	struct route_table *t = table_of(s);
	if (--t->handles_open == 0)
		speaker_handle_closed(s);
}

/* A clean stop: every route vbrd has or is writing in the kernel is removed. */
static bool remove_route(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct bgp_speaker *s = arg;
	struct rtable_want was, none = {0};
	struct fib_op op;
	(void)e;
	rtable_submitted(&table_of(s)->rt, prefix, len, &was);
	if (rtable_op(prefix, len, &was, &none, &op))
		queue_op(s, &op);
	return true;
}

void route_table_stop(struct bgp_speaker *s, bool keep)
{
	struct route_table *t = table_of(s);
	if (t->stopping)
		return;
	t->kept = keep && t->rt.kernel.count > 0;
	if (t->fib && s->config.fib_enabled && !keep) {
		rib_table_walk(&t->rt.kernel, true, 0, 0, remove_route, s);
		rib_table_walk(&t->rt.pending, true, 0, 0, remove_route, s);
	}
	t->stopping = true;
	flush_cb(&t->flush);
	uv_close((uv_handle_t *)&t->flush, handle_closed);
	uv_close((uv_handle_t *)&t->stale_timer, handle_closed);
	if (t->fib)
		fib_stop(t->fib, writer_stopped, s);
}

void route_table_free(struct bgp_speaker *s)
{
	struct route_table *t = table_of(s);
	fib_free(t->fib);
	free(t->batch);
	rtable_free(&t->rt);
}

/* ---- the public API ---- */

int bgp_speaker_static_add(struct bgp_speaker *s, uint32_t static_id, uint32_t prefix,
			   uint8_t prefix_len, uint32_t next_hop)
{
	struct route_table *t = table_of(s);
	struct rtable_static st = {static_id, prefix, prefix_len, next_hop};
	if (static_id == 0 || prefix_len > 32)
		return -EINVAL;
	int err = rtable_static_add(&t->rt, &st);
	if (err)
		return err;
	struct rtable_bgp bgp;
	bool have = bgp_best(s, prefix, prefix_len, &bgp);
	reconsider(s, prefix, prefix_len, have ? &bgp : NULL);
	struct bgp_route_entry_view v;
	rtable_view_static(&t->rt, rtable_static_at(&t->rt, prefix, prefix_len), have ? &bgp : NULL,
			   &v);
	emit(s, BGP_ROUTE_ADDED, &v, 0);
	return 0;
}

int bgp_speaker_static_remove(struct bgp_speaker *s, uint32_t static_id)
{
	struct route_table *t = table_of(s);
	struct rtable_static gone;
	int err = rtable_static_remove(&t->rt, static_id, &gone);
	if (err)
		return err;
	struct rtable_bgp bgp;
	bool have = bgp_best(s, gone.prefix, gone.len, &bgp);
	reconsider(s, gone.prefix, gone.len, have ? &bgp : NULL);
	struct bgp_route_entry_view v;
	rtable_view_static(&t->rt, &gone, NULL, &v);
	v.installed = false;
	snprintf(v.status_reason, sizeof(v.status_reason), "deleted");
	emit(s, BGP_ROUTE_REMOVED, &v, 0);
	return 0;
}
