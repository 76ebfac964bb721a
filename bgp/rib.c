/*
 * rib: interned path attributes, the ordered prefix table, the Adj-RIB-In with its route
 * limit, and the RFC 4271 9.1.2.2 comparison. See rib.h for the shapes.
 */
#include "rib.h"

#include <stdlib.h>
#include <string.h>

#define RIB_TOP_SIZE 65536u

/* ---- interned attributes ---- */

static uint32_t hash_words(uint32_t h, const uint32_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= w[i];
		h *= 0x01000193u; /* FNV-1a prime, word-wise */
		h ^= h >> 15;
	}
	return h;
}

static uint32_t path_hash(const struct rib_path *p)
{
	uint32_t head[8] = { p->origin, p->has_med, p->has_local_pref, p->next_hop, p->med,
			     p->local_pref, (uint32_t)p->as_seg_count << 16 | p->as_path_len,
			     (uint32_t)p->communities_len << 16 | p->large_communities_len };
	uint32_t h = hash_words(0x811c9dc5u, head, 8);
	h = hash_words(h, p->as_path, p->as_path_len);
	h = hash_words(h, p->as_segs, p->as_seg_count);
	h = hash_words(h, p->communities, p->communities_len);
	return hash_words(h, p->large_communities, (size_t)p->large_communities_len * 3);
}

static bool words_equal(const uint32_t *a, const uint32_t *b, size_t n)
{
	return n == 0 || memcmp(a, b, n * sizeof(uint32_t)) == 0;
}

static bool path_equal(const struct rib_path *a, const struct rib_path *b)
{
	return a->origin == b->origin && a->has_med == b->has_med &&
	       a->has_local_pref == b->has_local_pref && a->next_hop == b->next_hop &&
	       a->med == b->med && a->local_pref == b->local_pref &&
	       a->as_path_len == b->as_path_len && a->as_path_count == b->as_path_count &&
	       a->as_seg_count == b->as_seg_count &&
	       words_equal(a->as_segs, b->as_segs, a->as_seg_count) &&
	       a->communities_len == b->communities_len &&
	       a->large_communities_len == b->large_communities_len &&
	       words_equal(a->as_path, b->as_path, a->as_path_len) &&
	       words_equal(a->communities, b->communities, a->communities_len) &&
	       words_equal(a->large_communities, b->large_communities,
			   (size_t)a->large_communities_len * 3);
}

void rib_attr_table_init(struct rib_attr_table *t)
{
	memset(t, 0, sizeof(*t));
}

void rib_attr_table_free(struct rib_attr_table *t)
{
	for (size_t i = 0; i < t->bucket_count; i++) {
		struct rib_attrs *a = t->buckets[i];
		while (a) {
			struct rib_attrs *next = a->next;
			free(a);
			a = next;
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static bool attr_table_grow(struct rib_attr_table *t)
{
	size_t n = t->bucket_count ? t->bucket_count * 2 : 256;
	struct rib_attrs **b = calloc(n, sizeof(*b));
	if (!b)
		return false;
	for (size_t i = 0; i < t->bucket_count; i++) {
		struct rib_attrs *a = t->buckets[i];
		while (a) {
			struct rib_attrs *next = a->next;
			size_t j = a->hash & (n - 1);
			a->next = b[j];
			b[j] = a;
			a = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->bucket_count = n;
	return true;
}

struct rib_attrs *rib_attrs_intern(struct rib_attr_table *t, const struct rib_path *path)
{
	uint32_t h = path_hash(path);
	if (t->bucket_count) {
		for (struct rib_attrs *a = t->buckets[h & (t->bucket_count - 1)]; a; a = a->next) {
			if (a->hash == h && path_equal(&a->path, path)) {
				a->refs++;
				return a;
			}
		}
	}
	if (t->count >= t->bucket_count && !attr_table_grow(t))
		return NULL;
	size_t words = (size_t)path->as_path_len + path->as_seg_count + path->communities_len +
		       (size_t)path->large_communities_len * 3;
	struct rib_attrs *a = malloc(sizeof(*a) + words * sizeof(uint32_t));
	if (!a)
		return NULL;
	a->refs = 1;
	a->hash = h;
	a->path = *path;
	uint32_t *w = a->data;
	if (path->as_path_len)
		memcpy(w, path->as_path, path->as_path_len * sizeof(uint32_t));
	a->path.as_path = w;
	w += path->as_path_len;
	if (path->as_seg_count)
		memcpy(w, path->as_segs, path->as_seg_count * sizeof(uint32_t));
	a->path.as_segs = w;
	w += path->as_seg_count;
	if (path->communities_len)
		memcpy(w, path->communities, path->communities_len * sizeof(uint32_t));
	a->path.communities = w;
	w += path->communities_len;
	if (path->large_communities_len)
		memcpy(w, path->large_communities,
		       (size_t)path->large_communities_len * 3 * sizeof(uint32_t));
	a->path.large_communities = w;
	size_t j = h & (t->bucket_count - 1);
	a->next = t->buckets[j];
	t->buckets[j] = a;
	t->count++;
	return a;
}

void rib_attrs_ref(struct rib_attrs *a)
{
	a->refs++;
}

void rib_attrs_unref(struct rib_attr_table *t, struct rib_attrs *a)
{
	if (!a || --a->refs > 0)
		return;
	struct rib_attrs **pp = &t->buckets[a->hash & (t->bucket_count - 1)];
	while (*pp && *pp != a)
		pp = &(*pp)->next;
	if (*pp)
		*pp = a->next;
	t->count--;
	free(a);
}

/* ---- ordered prefix table ---- */

static int entry_cmp(uint16_t low, uint8_t len, const struct rib_entry *e)
{
	if (low != e->low)
		return low < e->low ? -1 : 1;
	return len == e->len ? 0 : (len < e->len ? -1 : 1);
}

/* First index whose key is not less than (low, len). */
static uint32_t leaf_lower_bound(const struct rib_leaf *leaf, uint16_t low, uint8_t len)
{
	uint32_t lo = 0, hi = leaf->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (entry_cmp(low, len, &leaf->entries[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void rib_table_init(struct rib_table *t)
{
	memset(t, 0, sizeof(*t));
}

void rib_table_free(struct rib_table *t, struct rib_attr_table *attrs_table)
{
	if (t->nodes) {
		for (size_t i = 0; i < RIB_TOP_SIZE; i++) {
			struct rib_node *node = t->nodes[i];
			if (!node)
				continue;
			for (int k = 0; k < RIB_NODE_LEAVES; k++) {
				struct rib_leaf *leaf = node->leaves[k];
				if (!leaf)
					continue;
				for (uint32_t j = 0; attrs_table && j < leaf->count; j++)
					rib_attrs_unref(attrs_table, leaf->entries[j].attrs);
				free(leaf);
			}
			free(node);
		}
		free(t->nodes);
	}
	memset(t, 0, sizeof(*t));
}

/* Leaf index of a prefix inside its /16 node: the /20 it starts in. */
static inline unsigned leaf_index(uint32_t prefix)
{
	return (prefix >> 12) & (RIB_NODE_LEAVES - 1);
}

struct rib_entry *rib_table_find(const struct rib_table *t, uint32_t prefix, uint8_t len)
{
	if (!t->nodes)
		return NULL;
	const struct rib_node *node = t->nodes[prefix >> 16];
	if (!node)
		return NULL;
	struct rib_leaf *leaf = node->leaves[leaf_index(prefix)];
	if (!leaf)
		return NULL;
	uint16_t low = (uint16_t)prefix;
	uint32_t i = leaf_lower_bound(leaf, low, len);
	if (i < leaf->count && entry_cmp(low, len, &leaf->entries[i]) == 0)
		return &leaf->entries[i];
	return NULL;
}

struct rib_entry *rib_table_upsert(struct rib_table *t, uint32_t prefix, uint8_t len,
				   bool *created)
{
	*created = false;
	if (!t->nodes) {
		t->nodes = calloc(RIB_TOP_SIZE, sizeof(*t->nodes));
		if (!t->nodes)
			return NULL;
	}
	struct rib_node *node = t->nodes[prefix >> 16];
	if (!node) {
		node = calloc(1, sizeof(*node));
		if (!node)
			return NULL;
		t->nodes[prefix >> 16] = node;
	}
	struct rib_leaf **slot = &node->leaves[leaf_index(prefix)];
	struct rib_leaf *leaf = *slot;
	uint16_t low = (uint16_t)prefix;
	uint32_t i = 0;
	if (leaf) {
		i = leaf_lower_bound(leaf, low, len);
		if (i < leaf->count && entry_cmp(low, len, &leaf->entries[i]) == 0)
			return &leaf->entries[i];
	}
	if (!leaf || leaf->count == leaf->cap) {
		uint32_t cap = leaf ? leaf->cap * 2 : 4;
		struct rib_leaf *grown =
			realloc(leaf, sizeof(*leaf) + (size_t)cap * sizeof(struct rib_entry));
		if (!grown) {
			if (!leaf && node->used == 0) {
				free(node);
				t->nodes[prefix >> 16] = NULL;
			}
			return NULL;
		}
		if (!leaf) {
			grown->count = 0;
			node->used++;
		}
		grown->cap = cap;
		leaf = grown;
		*slot = leaf;
	}
	memmove(&leaf->entries[i + 1], &leaf->entries[i],
		(size_t)(leaf->count - i) * sizeof(struct rib_entry));
	leaf->entries[i] = (struct rib_entry){ .low = low, .len = len };
	leaf->count++;
	t->count++;
	*created = true;
	return &leaf->entries[i];
}

bool rib_table_remove(struct rib_table *t, uint32_t prefix, uint8_t len)
{
	if (!t->nodes)
		return false;
	struct rib_node *node = t->nodes[prefix >> 16];
	if (!node)
		return false;
	struct rib_leaf **slot = &node->leaves[leaf_index(prefix)];
	struct rib_leaf *leaf = *slot;
	if (!leaf)
		return false;
	uint16_t low = (uint16_t)prefix;
	uint32_t i = leaf_lower_bound(leaf, low, len);
	if (i >= leaf->count || entry_cmp(low, len, &leaf->entries[i]) != 0)
		return false;
	memmove(&leaf->entries[i], &leaf->entries[i + 1],
		(size_t)(leaf->count - i - 1) * sizeof(struct rib_entry));
	leaf->count--;
	t->count--;
	if (leaf->count == 0) {
		free(leaf);
		*slot = NULL;
		if (--node->used == 0) {
			free(node);
			t->nodes[prefix >> 16] = NULL;
		}
	} else if (leaf->cap > 16 && leaf->count < leaf->cap / 4) {
		uint32_t cap = leaf->cap / 2;
		struct rib_leaf *shrunk =
			realloc(leaf, sizeof(*leaf) + (size_t)cap * sizeof(struct rib_entry));
		if (shrunk) {
			shrunk->cap = cap;
			*slot = shrunk;
		}
	}
	return true;
}

size_t rib_table_walk(const struct rib_table *t, bool from_start, uint32_t after_prefix,
		      uint8_t after_len, rib_walk_fn fn, void *arg)
{
	size_t visited = 0;
	if (!t->nodes || t->count == 0)
		return 0;
	uint32_t first_bucket = from_start ? 0 : after_prefix >> 12; /* /20 index */
	for (uint32_t top = first_bucket >> 4; top < RIB_TOP_SIZE; top++) {
		const struct rib_node *node = t->nodes[top];
		if (!node)
			continue;
		for (uint32_t k = 0; k < RIB_NODE_LEAVES; k++) {
			uint32_t bucket = top << 4 | k;
			const struct rib_leaf *leaf = node->leaves[k];
			if (!leaf || bucket < first_bucket)
				continue;
			uint32_t i = 0;
			if (!from_start && bucket == first_bucket) {
				uint16_t low = (uint16_t)after_prefix;
				i = leaf_lower_bound(leaf, low, after_len);
				if (i < leaf->count &&
				    entry_cmp(low, after_len, &leaf->entries[i]) == 0)
					i++;
			}
			for (; i < leaf->count; i++) {
				const struct rib_entry *e = &leaf->entries[i];
				visited++;
				if (!fn(arg, top << 16 | e->low, e->len, e))
					return visited;
			}
		}
	}
	return visited;
}

/* ---- Adj-RIB-In ---- */

void rib_in_init(struct rib_in *r, uint32_t limit)
{
	memset(r, 0, sizeof(*r));
	rib_table_init(&r->table);
	r->limit = limit;
}

enum rib_in_result rib_in_announce(struct rib_in *r, struct rib_attr_table *at, uint32_t prefix,
				   uint8_t len, struct rib_attrs *attrs, bool *crossed)
{
	return rib_in_announce_entry(r, at, prefix, len, attrs, false, crossed, NULL);
}

static bool room(const struct rib_in *r)
{
	return r->limit == 0 || r->accepted < r->limit;
}

static void note_refusal(struct rib_in *r, bool *crossed)
{
	if (!r->over_limit) {
		r->over_limit = true;
		*crossed = true;
	}
}

static bool held_valid(const struct rib_in *r, const struct rib_held *h)
{
	const struct rib_entry *e = rib_table_find(&r->table, h->prefix, h->len);
	return e && !(e->flags & (RIB_ENTRY_ACCEPTED | RIB_ENTRY_AS_LOOP)) && e->aux == h->seq;
}

/* Makes room for one more FIFO item: when full, moves the live items in order to a new
 * array twice their number (stale ones dropped), so the FIFO stays within 2x the held
 * routes plus a little. False when out of memory. */
static bool held_reserve(struct rib_in *r)
{
	if (r->held_len < r->held_cap)
		return true;
	size_t cap = 2 * (size_t)r->held_count + 64;
	struct rib_held *h = malloc(cap * sizeof(*h));
	if (!h)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < r->held_len; i++) {
		struct rib_held item = r->held[(r->held_head + i) % r->held_cap];
		if (held_valid(r, &item))
			h[n++] = item;
	}
	free(r->held);
	r->held = h;
	r->held_head = 0;
	r->held_len = n;
	r->held_cap = cap;
	return true;
}

/* Appends e (just refused for the limit) to the FIFO; false when out of memory. */
static bool held_push(struct rib_in *r, struct rib_entry *e, uint32_t prefix, uint8_t len)
{
	if (!held_reserve(r))
		return false;
	e->aux = ++r->held_seq;
	r->held[(r->held_head + r->held_len) % r->held_cap] =
	    (struct rib_held){ .prefix = prefix, .seq = e->aux, .len = len };
	r->held_len++;
	r->held_count++;
	return true;
}

/* A stored route that is neither accepted nor a loop (new, or no longer a loop): accepted if
 * there is room, else held. */
static enum rib_in_result admit(struct rib_in *r, struct rib_entry *e, uint32_t prefix,
				uint8_t len, bool *crossed)
{
	if (room(r)) {
		e->flags |= RIB_ENTRY_ACCEPTED;
		r->accepted++;
		return RIB_IN_ACCEPTED;
	}
	note_refusal(r, crossed);
	if (!held_push(r, e, prefix, len))
		return RIB_IN_NOMEM;
	return RIB_IN_REFUSED;
}

/* Takes e out of its state's count (before it changes state or goes). */
static void leave_state(struct rib_in *r, struct rib_entry *e)
{
	if (e->flags & RIB_ENTRY_ACCEPTED)
		r->accepted--;
	else if (e->flags & RIB_ENTRY_AS_LOOP)
		r->loops--;
	else
		r->held_count--; /* its FIFO item goes stale with the state change */
	e->flags &= (uint8_t)~(RIB_ENTRY_ACCEPTED | RIB_ENTRY_AS_LOOP);
	e->aux = 0;
}

enum rib_in_result rib_in_announce_entry(struct rib_in *r, struct rib_attr_table *at,
					 uint32_t prefix, uint8_t len, struct rib_attrs *attrs,
					 bool loop, bool *crossed, const struct rib_entry **entry)
{
	*crossed = false;
	if (entry)
		*entry = NULL;
	if ((loop || !room(r)) && r->held_count + r->loops >= RIB_IN_REFUSED_KEPT(r->limit) &&
	    !rib_table_find(&r->table, prefix, len)) {
		/* Refused with as many refused routes stored as we keep: count only. */
		r->refused_unstored++;
		if (!loop)
			note_refusal(r, crossed);
		return RIB_IN_REFUSED;
	}
	bool created;
	struct rib_entry *e = rib_table_upsert(&r->table, prefix, len, &created);
	if (entry)
		*entry = e;
	if (!e)
		return RIB_IN_NOMEM;
	if (!created && (e->flags & RIB_ENTRY_STALE)) { /* announced again: fresh */
		e->flags &= (uint8_t)~RIB_ENTRY_STALE;
		r->stale--;
	}
	rib_attrs_ref(attrs);
	struct rib_attrs *old = created ? NULL : e->attrs;
	e->attrs = attrs;
	if (old)
		rib_attrs_unref(at, old);
	bool was_accepted = !created && (e->flags & RIB_ENTRY_ACCEPTED);
	if (loop) {
		if (!created && (e->flags & RIB_ENTRY_AS_LOOP))
			return RIB_IN_REFUSED;
		if (!created)
			leave_state(r, e);
		e->flags |= RIB_ENTRY_AS_LOOP;
		r->loops++;
		return was_accepted ? RIB_IN_ACCEPTED : RIB_IN_REFUSED;
	}
	if (was_accepted) /* new attributes on an accepted route: counted once */
		return old == attrs ? RIB_IN_UNCHANGED : RIB_IN_ACCEPTED;
	if (!created && !(e->flags & RIB_ENTRY_AS_LOOP))
		return RIB_IN_REFUSED; /* held already: keeps its place in the queue */
	if (!created)
		leave_state(r, e); /* a loop no more */
	return admit(r, e, prefix, len, crossed);
}

bool rib_in_withdraw(struct rib_in *r, struct rib_attr_table *at, uint32_t prefix, uint8_t len,
		     bool *was_present)
{
	struct rib_entry *e = rib_table_find(&r->table, prefix, len);
	*was_present = e != NULL;
	if (!e) {
		if (r->refused_unstored > 0)
			r->refused_unstored--; /* most likely one we counted without storing */
		return false;
	}
	bool accepted = e->flags & RIB_ENTRY_ACCEPTED;
	if (e->flags & RIB_ENTRY_STALE)
		r->stale--;
	leave_state(r, e);
	rib_attrs_unref(at, e->attrs);
	rib_table_remove(&r->table, prefix, len);
	return accepted;
}

bool rib_in_promote(struct rib_in *r, uint32_t *prefix, uint8_t *len)
{
	while (room(r) && r->held_len > 0) {
		struct rib_held h = r->held[r->held_head];
		r->held_head = (r->held_head + 1) % r->held_cap;
		r->held_len--;
		if (!held_valid(r, &h))
			continue;
		struct rib_entry *e = rib_table_find(&r->table, h.prefix, h.len);
		leave_state(r, e);
		e->flags |= RIB_ENTRY_ACCEPTED;
		r->accepted++;
		*prefix = h.prefix;
		*len = h.len;
		return true;
	}
	return false;
}

bool rib_in_limit_cleared(struct rib_in *r)
{
	if (!r->over_limit || !room(r))
		return false;
	r->over_limit = false;
	return true;
}

void rib_in_clear(struct rib_in *r, struct rib_attr_table *at)
{
	rib_table_free(&r->table, at);
	r->accepted = 0;
	r->held_count = 0;
	r->loops = 0;
	r->stale = 0;
	r->sweep_resume = false;
	r->refused_unstored = 0;
	r->over_limit = false;
	free(r->held);
	r->held = NULL;
	r->held_head = r->held_len = r->held_cap = 0;
}

uint64_t rib_in_mark_stale(struct rib_in *r)
{
	struct rib_table *t = &r->table;
	for (uint32_t top = 0; t->nodes && top < RIB_TOP_SIZE; top++) {
		struct rib_node *node = t->nodes[top];
		for (uint32_t k = 0; node && k < RIB_NODE_LEAVES; k++) {
			struct rib_leaf *leaf = node->leaves[k];
			for (uint32_t i = 0; leaf && i < leaf->count; i++)
				leaf->entries[i].flags |= RIB_ENTRY_STALE;
		}
	}
	r->stale = t->count;
	r->sweep_resume = false;
	return r->stale;
}

/* A batch of stale routes found by a walk, removed after it (the walk cannot remove). */
#define STALE_BATCH 256
struct stale_batch {
	uint32_t prefix[STALE_BATCH];
	uint8_t len[STALE_BATCH];
	size_t n, want;	       /* found, wanted (at most STALE_BATCH) */
	size_t visited;	       /* routes the walk passed, stale or not */
	uint32_t last_prefix;  /* the last route visited: */
	uint8_t last_len;      /* nothing up to it is stale once the batch is removed */
};

static bool collect_stale(void *arg, uint32_t prefix, uint8_t len, const struct rib_entry *e)
{
	struct stale_batch *b = arg;
	b->visited++;
	b->last_prefix = prefix;
	b->last_len = len;
	if (e->flags & RIB_ENTRY_STALE) {
		b->prefix[b->n] = prefix;
		b->len[b->n] = len;
		b->n++;
	}
	return b->n < b->want && b->visited < RIB_SWEEP_VISIT_MAX;
}

uint64_t rib_in_sweep_stale(struct rib_in *r, struct rib_attr_table *at, rib_removed_fn fn,
			    void *arg, uint64_t max)
{
	uint64_t removed = 0;
	size_t visited = 0;
	struct stale_batch b;
	while (r->stale > 0 && removed < max && visited < RIB_SWEEP_VISIT_MAX) {
		b.n = b.visited = 0;
		b.want = max - removed < STALE_BATCH ? (size_t)(max - removed) : STALE_BATCH;
		rib_table_walk(&r->table, !r->sweep_resume, r->sweep_prefix, r->sweep_len,
			       collect_stale, &b);
		/* The walk ran off the end of the table: it saw every route that can be stale. */
		bool end = b.n < b.want && b.visited < RIB_SWEEP_VISIT_MAX;
		visited += b.visited - b.n;
		for (size_t i = 0; i < b.n; i++) {
			bool present;
			bool accepted = rib_in_withdraw(r, at, b.prefix[i], b.len[i], &present);
			removed++;
			if (accepted && fn)
				fn(arg, b.prefix[i], b.len[i]);
		}
		if (end) {
			r->stale = 0; /* already, while the count is right; never loop on it */
			break;
		}
		/* Every stale route up to the last one visited is gone: go on after it. */
		r->sweep_resume = true;
		r->sweep_prefix = b.last_prefix;
		r->sweep_len = b.last_len;
	}
	if (r->stale == 0)
		r->sweep_resume = false;
	return removed;
}

/* ---- decision ---- */

bool rib_better(const struct rib_candidate *a, const struct rib_candidate *b)
{
	const struct rib_path *pa = &a->attrs->path, *pb = &b->attrs->path;
	/* 9.1.2.2 a) shortest AS_PATH (an AS_SET counts as one). */
	if (pa->as_path_count != pb->as_path_count)
		return pa->as_path_count < pb->as_path_count;
	/* b) lowest ORIGIN. */
	if (pa->origin != pb->origin)
		return pa->origin < pb->origin;
	/* c) lowest MED, only between routes from the same neighbouring AS; a missing MED is
	 * the lowest possible value. */
	if (a->peer_asn == b->peer_asn) {
		uint32_t ma = pa->has_med ? pa->med : 0, mb = pb->has_med ? pb->med : 0;
		if (ma != mb)
			return ma < mb;
	}
	/* d), e): every route here is external with the same (unknown) IGP cost. */
	/* f) lowest BGP Identifier. */
	if (a->router_id != b->router_id)
		return a->router_id < b->router_id;
	/* g) lowest peer address. */
	return a->peer_ip < b->peer_ip;
}
