/*
 * rtable: the route table's decisions, as pure functions (no sockets, no libuv: tests/rtable
 * tests every rule). bgp/route_table.c is the driver that feeds it the Loc-RIB's best paths,
 * the static entries and the connected networks, and hands what it decides to the kernel FIB
 * writer (bgp/fib.h).
 *
 * For one prefix there are up to three entries: STATIC (the caller's), BGP (the Loc-RIB's best
 * path, RFC 4271 9.1) and CONNECTED (an interface network, the kernel's own route). The one
 * vbrd installs is the first usable of STATIC, then BGP: usable means its next hop lies on a
 * connected network (single-hop eBGP and statics; not the router's own address) and no
 * connected network is exactly that prefix (the kernel's own route there is never replaced).
 * The other is listed, not installed, with the reason.
 *
 * The table keeps no copy of the BGP paths: the Loc-RIB is their store. Per prefix it keeps
 * what vbrd has in the kernel (16 bytes a route: protocol, gateway, and whether it was left by
 * an earlier run), and the exceptional: writes in flight, the errno of a write the kernel
 * refused.
 */
#ifndef VBR_BGP_RTABLE_H
#define VBR_BGP_RTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib.h"
#include "rib.h"
#include "speaker.h"

struct rtable_static {
	uint32_t id; /* the caller's handle */
	uint32_t prefix;
	uint8_t len;
	uint32_t next_hop;
};

/* The Loc-RIB's best path for a prefix, as the route table needs it. */
struct rtable_bgp {
	uint32_t next_hop;
	uint32_t peer_id;
};

struct rtable {
	struct rtable_static *statics; /* sorted by (prefix, len); at most one per prefix */
	size_t n_statics, cap_statics;
	struct fib_connected *connected; /* sorted by (prefix, len), from the FIB writer */
	size_t n_connected;
	bool fib_enabled; /* --fib on */
	bool permitted;	  /* the kernel lets us write (false after EPERM) */
	struct rib_table kernel;  /* vbrd's routes in the kernel: aux = gateway, flags = RTK_* */
	uint64_t kernel_count[2]; /* [0] static, [1] BGP (leftovers included) */
	uint64_t stale_count;	  /* kernel routes left by an earlier run, not yet replaced */
	struct rib_table pending; /* prefixes with writes in flight: the last one submitted
				   * (aux = gateway, flags = RTK_STATIC | RTP_DELETE) */
	struct rib_table failed;  /* prefixes whose last write was refused: aux = errno (positive) */
};

/* rib_entry.flags of a kernel route. */
#define RTK_STATIC 0x1 /* FIB_PROTO_STATIC (else FIB_PROTO_BGP) */
#define RTK_STALE  0x2 /* left by an earlier run */
#define RTP_DELETE 0x4 /* pending: the last write submitted removes the route */

/* What the kernel should hold for one prefix (from vbrd). */
struct rtable_want {
	bool install;
	enum bgp_route_source source; /* STATIC or BGP when install */
	uint32_t gateway;
	int ifindex;
};

void rtable_init(struct rtable *rt, bool fib_enabled);
void rtable_free(struct rtable *rt);

/* -EEXIST (handle or prefix taken), -ENOMEM. */
int rtable_static_add(struct rtable *rt, const struct rtable_static *s);
/* Removes by handle into *out; -ENOENT. */
int rtable_static_remove(struct rtable *rt, uint32_t id, struct rtable_static *out);
const struct rtable_static *rtable_static_at(const struct rtable *rt, uint32_t prefix,
					     uint8_t len);
/* Index of the first static entry whose (prefix, len) is >= the given one. */
size_t rtable_static_lower_bound(const struct rtable *rt, uint32_t prefix, uint8_t len);

/* Replaces the connected networks (copied, then sorted). -ENOMEM keeps the old list. */
int rtable_set_connected(struct rtable *rt, const struct fib_connected *list, size_t n);
/* Two lists as rtable_set_connected sorts them: calls `changed` for each network (prefix,
 * length, interface) in one and not the other, added=true for those only in `now`. */
typedef void (*rtable_connected_change_fn)(void *arg, const struct fib_connected *c, bool added);
void rtable_connected_diff(const struct fib_connected *old, size_t n_old,
			   const struct fib_connected *now, size_t n_now,
			   rtable_connected_change_fn changed, void *arg);
/* The connected network a next hop lies on (the longest that holds it), or NULL; never for
 * a next hop that is the interface's own address. */
const struct fib_connected *rtable_resolve(const struct rtable *rt, uint32_t next_hop);
const struct fib_connected *rtable_connected_at(const struct rtable *rt, uint32_t prefix,
						uint8_t len);
size_t rtable_connected_lower_bound(const struct rtable *rt, uint32_t prefix, uint8_t len);

/* The decision for one prefix given its BGP best path (NULL: none). */
void rtable_choose(const struct rtable *rt, uint32_t prefix, uint8_t len,
		   const struct rtable_bgp *bgp, struct rtable_want *out);
/* The write that takes the kernel from `was` to `now` for that prefix; false when none. */
bool rtable_op(uint32_t prefix, uint8_t len, const struct rtable_want *was,
	       const struct rtable_want *now, struct fib_op *op);

/*
 * The view of one entry (source STATIC with `st`, BGP with `bgp`, CONNECTED with `conn`):
 * installed and the reason when not, from the decision, the writes in flight and the last
 * refusal.
 */
void rtable_view_static(const struct rtable *rt, const struct rtable_static *st,
			const struct rtable_bgp *bgp, struct bgp_route_entry_view *out);
void rtable_view_bgp(const struct rtable *rt, uint32_t prefix, uint8_t len,
		     const struct rtable_bgp *bgp, struct bgp_route_entry_view *out);
void rtable_view_connected(const struct fib_connected *conn, struct bgp_route_entry_view *out);
/* A BGP route an earlier run left in the kernel that no path covers yet (RTK_STALE): listed as
 * a BGP entry of no peer, installed, stale. */
void rtable_view_leftover(const struct rtable *rt, uint32_t prefix, uint8_t len,
			  uint32_t gateway, struct bgp_route_entry_view *out);
/* The view a STATIC entry not in the table yet would have once added (it wins its prefix). */
void rtable_view_new_static(const struct rtable *rt, const struct rtable_static *st,
			    struct bgp_route_entry_view *out);

/* What vbrd has in the kernel for a prefix (after a successful write, or found at start). */
int rtable_kernel_set(struct rtable *rt, uint32_t prefix, uint8_t len, uint8_t protocol,
		      uint32_t gateway, bool stale);
void rtable_kernel_clear(struct rtable *rt, uint32_t prefix, uint8_t len);
/*
 * The kernel holds `now` (vbrd's routes in the table, read back, in fib_route_cmp order):
 * every route vbrd has there, with no write in flight for its prefix, that is missing from it
 * or is there with another protocol or gateway was taken out by someone else. Each is
 * forgotten (rtable_kernel_clear) and written to out[] (at most max, the rest left for the
 * next read). One pass over both. Returns how many.
 */
size_t rtable_kernel_missing(struct rtable *rt, const struct fib_route *now, size_t n,
			     struct fib_route *out, size_t max);
/* A route event that may have taken vbrd's route for ev's prefix out (fib.h
 * on_kernel_routes, complete false): true when it did, and the route is forgotten. It did if
 * vbrd has a route there with no write in flight (vbrd's own writes are answered, and their
 * results taken in, before their events arrive) and ev is that route deleted (same protocol
 * and gateway) or another protocol's route put in its place. */
bool rtable_kernel_taken(struct rtable *rt, const struct fib_route *ev);
/* Another protocol's route left ev's prefix (ev->removed): true when vbrd's write there was
 * refused for it (EEXIST) and none is in flight, so the route table decides again. */
bool rtable_prefix_freed(const struct rtable *rt, const struct fib_route *ev);
/* The want that matches a kernel route (to compute the write that replaces or removes it). */
void rtable_kernel_want(const struct rib_entry *k, struct rtable_want *out);

/* What the kernel will hold for a prefix once the writes submitted are done: the last one
 * submitted if any is in flight, else what it holds. The "was" of the next write. */
void rtable_submitted(const struct rtable *rt, uint32_t prefix, uint8_t len,
		      struct rtable_want *out);
/* A write was submitted. -ENOMEM. */
int rtable_submit(struct rtable *rt, const struct fib_op *op);
/* The kernel answered a write (err 0 or negative errno): what vbrd has in the kernel, the
 * writes in flight and the refusals follow. Returns true when it was the last write in flight
 * for its prefix (the entry's state is now final). */
bool rtable_result(struct rtable *rt, const struct fib_result *r);

/* (prefix, len) order, as rib_table walks it. */
int rtable_key_cmp(uint32_t ap, uint8_t al, uint32_t bp, uint8_t bl);

#endif
