/*
 * rib: route storage for the speaker.
 *
 * - rib_attrs: one set of path attributes, interned (shared by every route that carries the
 *   same set, reference counted), so a full table from one peer costs a few bytes per route
 *   plus one copy per distinct path.
 * - rib_table: an ordered map (prefix, length) -> entry, walked in (prefix, length) order for
 *   paging. Entries live in small sorted arrays (leaves), one per /20 (a prefix shorter than /20
 *   lives in the leaf of its first address), found through a lazily allocated array of /16
 *   nodes: 16 bytes per route, and each insert touches a few cache lines only.
 * - rib_in: a peer's Adj-RIB-In with the route limit: routes past the limit are stored and
 *   counted but flagged not accepted (kept out of the Loc-RIB).
 * - Decision (RFC 4271 9.1.2): rib_better() compares two candidate paths; the Loc-RIB is a
 *   rib_table whose entries name the winning peer.
 */
#ifndef VBR_BGP_RIB_H
#define VBR_BGP_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rib_path {
	uint8_t origin; /* 0 IGP, 1 EGP, 2 INCOMPLETE */
	bool has_med, has_local_pref;
	uint32_t next_hop, med, local_pref;
	const uint32_t *as_path; /* flattened, AS_SET members in order */
	uint16_t as_path_len;
	uint16_t as_path_count; /* RFC 4271 9.1.2.2 a): an AS_SET counts as 1 */
	/* The path's segments in wire order, each RIB_SEG(type, count) over as_path in turn.
	 * None (count 0) for the common path, one AS_SEQUENCE of every ASN: that costs nothing. */
	uint16_t as_seg_count;
	const uint32_t *as_segs;
	const uint32_t *communities;
	uint16_t communities_len;
	const uint32_t *large_communities; /* triples */
	uint16_t large_communities_len;    /* triples */
};

#define RIB_SEG(type, count) ((uint32_t)(type) << 16 | (uint32_t)(count))
#define RIB_SEG_TYPE(w)	     ((uint8_t)((w) >> 16))
#define RIB_SEG_COUNT(w)     ((uint16_t)(w))

struct rib_attrs {
	struct rib_attrs *next; /* hash chain */
	uint32_t refs;
	uint32_t hash;
	struct rib_path path; /* its arrays point into data[] */
	uint32_t data[];
};

struct rib_attr_table {
	struct rib_attrs **buckets;
	size_t bucket_count; /* power of two */
	size_t count;
};

void rib_attr_table_init(struct rib_attr_table *t);
void rib_attr_table_free(struct rib_attr_table *t); /* every set must be unreferenced */
/* Returns the interned copy of path with one more reference, or NULL when out of memory. */
struct rib_attrs *rib_attrs_intern(struct rib_attr_table *t, const struct rib_path *path);
void rib_attrs_ref(struct rib_attrs *a);
void rib_attrs_unref(struct rib_attr_table *t, struct rib_attrs *a);

struct rib_entry {
	uint16_t low;  /* low 16 bits of the prefix */
	uint8_t len;
	uint8_t flags; /* RIB_ENTRY_* */
	uint32_t aux;  /* Loc-RIB: the winning peer's id */
	struct rib_attrs *attrs;
};
#define RIB_ENTRY_ACCEPTED 0x1
#define RIB_ENTRY_AS_LOOP  0x2 /* Adj-RIB-In: refused for an AS loop (RFC 4271 9.1.2) */
#define RIB_ENTRY_STALE	   0x4 /* Adj-RIB-In: kept across the peer's graceful restart (RFC
				* 4724 4.2), not announced again yet on the new session */

struct rib_leaf {
	uint32_t count, cap;
	struct rib_entry entries[];
};

/* The leaves of one /16: one per /20, so a leaf stays a few cache lines for a /24-dense table. */
#define RIB_NODE_LEAVES 16
struct rib_node {
	struct rib_leaf *leaves[RIB_NODE_LEAVES];
	uint32_t used; /* non-NULL leaves */
};

struct rib_table {
	struct rib_node **nodes; /* 65536 (one per /16), NULL until the first route */
	size_t count;
};

void rib_table_init(struct rib_table *t);
/* Unreferences every entry's attrs in attrs_table (may be NULL if entries hold none). */
void rib_table_free(struct rib_table *t, struct rib_attr_table *attrs_table);
struct rib_entry *rib_table_find(const struct rib_table *t, uint32_t prefix, uint8_t len);
/* Finds or inserts (zeroed, attrs NULL); *created tells which. NULL when out of memory. */
struct rib_entry *rib_table_upsert(struct rib_table *t, uint32_t prefix, uint8_t len,
				   bool *created);
/* Removes the entry (the caller has already dropped its attrs). Returns false if absent. */
bool rib_table_remove(struct rib_table *t, uint32_t prefix, uint8_t len);

typedef bool (*rib_walk_fn)(void *arg, uint32_t prefix, uint8_t len,
			    const struct rib_entry *entry); /* return false to stop */
/* Visits entries in (prefix, len) order strictly after (after_prefix, after_len) unless
 * from_start. Returns the number visited (including the one that stopped the walk). */
size_t rib_table_walk(const struct rib_table *t, bool from_start, uint32_t after_prefix,
		      uint8_t after_len, rib_walk_fn fn, void *arg);

/* A route refused for the limit, in arrival order (rib_in.held). */
struct rib_held {
	uint32_t prefix;
	uint32_t seq; /* the entry's aux while it is still held; else the item is stale */
	uint8_t len;
};

/*
 * A peer's Adj-RIB-In with its route limit. A route is accepted (counts toward the limit,
 * goes to the Loc-RIB), held (refused for the limit: kept, listed, and accepted in arrival
 * order when room opens), or an AS loop (refused for good, not counted toward the limit).
 */
struct rib_in {
	struct rib_table table;
	uint64_t accepted;
	uint64_t held_count; /* stored routes refused for the limit */
	uint64_t loops;	     /* stored routes refused as AS loops */
	uint64_t stale;	     /* stored routes flagged RIB_ENTRY_STALE */
	uint32_t limit;      /* 0 = none */
	bool over_limit;     /* a route was refused since the count was last below the limit */
	/* Refused routes are stored (to be listed, flagged) only up to RIB_IN_REFUSED_KEPT(limit)
	 * of them, so a peer cannot make us hold an unbounded table; past that they are counted
	 * here only (and a withdrawal of a prefix we do not hold takes one off). Such a route
	 * cannot be promoted: the peer must announce it again. */
	uint64_t refused_unstored;
	/* Held routes in arrival order: a FIFO whose items go stale when their route is
	 * withdrawn or changes state (checked by seq); compacted when mostly stale. */
	struct rib_held *held;
	size_t held_head, held_len, held_cap;
	uint32_t held_seq;
	/* rib_in_sweep_stale's place between calls: no route at or before (sweep_prefix,
	 * sweep_len) is stale (rib_in_mark_stale starts it again). */
	bool sweep_resume;
	uint32_t sweep_prefix;
	uint8_t sweep_len;
};
#define RIB_IN_REFUSED_KEPT(limit) ((uint64_t)(limit) < 1000 ? 1000 : (uint64_t)(limit))
/* Routes received and held: stored, plus refused ones counted but not stored. */
static inline uint64_t rib_in_received(const struct rib_in *r)
{
	return r->table.count + r->refused_unstored;
}

enum rib_in_result {
	RIB_IN_UNCHANGED = 0,
	RIB_IN_ACCEPTED = 1,   /* the prefix's accepted path changed: recompute the Loc-RIB */
	RIB_IN_REFUSED = 2,    /* stored (or counted), not accepted (limit or AS loop) */
	RIB_IN_NOMEM = -1,
};

void rib_in_init(struct rib_in *r, uint32_t limit);
/* Stores the route (attrs: one reference is taken). *crossed is set when this refusal is the
 * first since the count was last under the limit (one ROUTE_LIMIT_REACHED per crossing). */
enum rib_in_result rib_in_announce(struct rib_in *r, struct rib_attr_table *at, uint32_t prefix,
				   uint8_t len, struct rib_attrs *attrs, bool *crossed);
/* Same, with `loop` (the path holds our AS: refused, RFC 4271 9.1.2, not counted toward the
 * limit; an accepted route that turns into a loop gives its place up: RIB_IN_ACCEPTED), and
 * *entry (if entry is not NULL) points at the stored route until the table changes. */
enum rib_in_result rib_in_announce_entry(struct rib_in *r, struct rib_attr_table *at,
					 uint32_t prefix, uint8_t len, struct rib_attrs *attrs,
					 bool loop, bool *crossed, const struct rib_entry **entry);
/* Returns true if the route was present and accepted (recompute the Loc-RIB). */
bool rib_in_withdraw(struct rib_in *r, struct rib_attr_table *at, uint32_t prefix, uint8_t len,
		     bool *was_present);
/* While there is room under the limit, accepts the oldest held route: true and its prefix
 * (recompute the Loc-RIB for it); false when there is no room or nothing held. */
bool rib_in_promote(struct rib_in *r, uint32_t *prefix, uint8_t *len);
/* True once when the peer, over its limit until now, has room again (all stored held routes
 * promoted): ROUTE_LIMIT_CLEARED. Call after rib_in_promote returned false. */
bool rib_in_limit_cleared(struct rib_in *r);
void rib_in_clear(struct rib_in *r, struct rib_attr_table *at);
/* Graceful restart (RFC 4724 4.2), the helper's side. Flags every stored route stale (each
 * keeps its state and its Loc-RIB place); an announcement of it clears the flag, a withdrawal
 * removes it as usual. Returns r->stale. */
uint64_t rib_in_mark_stale(struct rib_in *r);
/* Removes up to `max` of the routes still stale, calling fn for each one that was accepted
 * (recompute the Loc-RIB for it) after it is gone; the next call goes on where this one
 * stopped, so a large table is removed a bounded batch at a time (r->stale says what is
 * left). A call also stops after visiting RIB_SWEEP_VISIT_MAX routes that are not stale.
 * Returns how many were removed. */
#define RIB_SWEEP_VISIT_MAX 65536
typedef void (*rib_removed_fn)(void *arg, uint32_t prefix, uint8_t len);
uint64_t rib_in_sweep_stale(struct rib_in *r, struct rib_attr_table *at, rib_removed_fn fn,
			    void *arg, uint64_t max);

/* One candidate for the decision process. */
struct rib_candidate {
	const struct rib_attrs *attrs;
	uint32_t peer_id;
	uint32_t peer_asn;       /* neighbouring AS, for the MED rule */
	uint32_t router_id;      /* the peer's BGP Identifier */
	uint32_t peer_ip;
};

/* RFC 4271 9.1.2.2: true if a is preferred to b. All our peers are external, so the IGP
 * cost and eBGP-over-iBGP steps are ties; LOCAL_PREF from an external peer is ignored (5.1.5)
 * and every route gets the same degree of preference. */
bool rib_better(const struct rib_candidate *a, const struct rib_candidate *b);

#endif
