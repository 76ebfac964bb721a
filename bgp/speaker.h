/*
 * speaker: the public API of the BGP core, one virtual border router.
 *
 * This is the only header the service includes from bgp/. Everything here runs on the libuv
 * loop thread that owns the speaker: call these functions only from that thread, and the
 * callbacks arrive on it too. Peers and networks are named by plain values (peer IDs chosen by
 * the caller, IPv4 addresses in host byte order), never by pointers into the core.
 *
 * Errors are negative errno-style codes (-EEXIST, -ENOENT, -EINVAL, -ENOSPC, ...), as libuv's.
 */
#ifndef VBR_BGP_SPEAKER_H
#define VBR_BGP_SPEAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "state.h"

#define BGP_AUTH_KEY_MAX 80 /* TCP_MD5SIG_MAXKEYLEN */

struct bgp_speaker;

struct bgp_speaker_config {
	uint32_t local_asn;
	uint32_t router_id;  /* BGP identifier, host byte order */
	uint32_t listen_ip;  /* host byte order; 0 = INADDR_ANY */
	uint16_t listen_port; /* 179 by default; 0 = do not listen (tests) */
	/* The RFC 9687 send hold time is max(this, 2 x negotiated hold
	 * time); 0 = 8 minutes. Tests set a few seconds to see a peer that stops reading
	 * closed quickly. */
	uint32_t send_hold_ms;
	/* TCP port peers are connected to; 0 = 179. */
	uint16_t peer_port;
	/* The route table's kernel FIB: off keeps the table (listed, installed=false). */
	bool fib_enabled;
	uint32_t fib_table; /* kernel routing table id; 0 = 254 (main) */
	/* Routes an earlier run left in the kernel are kept this long for the sessions to
	 * bring them back (RFC 4724 4.1's selection deferral); 0 = 30 s. */
	uint32_t selection_deferral_ms;
	/* This start follows an earlier run: the first OPEN to each peer carries the graceful
	 * restart Restart State bit (RFC 4724 3). */
	bool restarted;
	/* The earlier run had routes in the kernel and did not remove them (the service's
	 * marker says so): finding none at start means the namespace did not outlive the
	 * process, so the OPENs say the forwarding state was lost (F bit clear). With this and
	 * restarted, peers wait for the kernel's routes to be read before connecting. */
	bool expected_leftovers;
};

enum bgp_route_limit_action {
	BGP_ROUTE_LIMIT_DROP = 1,     /* keep the session, refuse routes past the limit */
	BGP_ROUTE_LIMIT_TEARDOWN = 2, /* Cease / Maximum Number of Prefixes Reached, RFC 4486 */
};

/* Everything a peer inherits from its group, flattened: the core has no notion of groups. */
struct bgp_peer_config {
	uint32_t id;          /* caller's handle, unique and non-zero */
	uint32_t peer_ip;     /* host byte order */
	uint32_t peer_asn;
	/* Our AS for this peer's sessions (its group's): My AS and the 4-octet AS capability
	 * in the OPEN, the AS we prepend, the AS-loop check. 0 = the speaker's config.local_asn;
	 * never AS_TRANS. A change resets the session (as a key change does). */
	uint32_t local_asn;
	char auth_key[BGP_AUTH_KEY_MAX + 1]; /* "" = no TCP MD5 */
	uint16_t hold_time;   /* proposed; 0 = none, else >= 3 */
	uint16_t keepalive_time;
	uint32_t route_limit;
	enum bgp_route_limit_action route_limit_action;
	bool admin_down;      /* held Idle; going down sends Cease / Administrative Shutdown */
	char shutdown_message[256]; /* RFC 9003 text sent when admin_down turns on; may be "" */
	/* Single-hop BFD (RFC 5880/5881) for this peer: runs whenever on and not admin_down,
	 * also before BGP is Established. Up -> Down closes the BGP session at once; while it
	 * stays Down (after a first Up) the session is not brought up. */
	bool enable_bfd;
	uint32_t bfd_min_interval_ms;  /* desired min TX and required min RX; 0 = 300 */
	uint8_t bfd_detect_multiplier; /* 0 = 3 */
	/* RFC 4724 graceful restart offered on this peer's sessions, with our restart time. */
	bool graceful_restart;
	uint16_t restart_time; /* seconds, 1..4095 */
};

enum bgp_bfd_state {
	BGP_BFD_DISABLED = 0, /* enable_bfd off (or the peer admin down) */
	BGP_BFD_ADMIN_DOWN = 1,
	BGP_BFD_DOWN = 2,
	BGP_BFD_INIT = 3,
	BGP_BFD_UP = 4,
};

/* Live view of one peer, copied out. */
struct bgp_peer_status {
	enum bgp_state state;
	int64_t established_since_ms; /* unix time in ms; 0 unless Established */
	uint64_t received_routes;
	uint64_t accepted_routes;
	uint64_t advertised_routes;
	uint16_t negotiated_hold_time;
	uint32_t remote_router_id;    /* host byte order; 0 before an OPEN arrives */
	uint32_t local_ip;            /* session's local address; 0 when no session */
	char last_error[256];         /* readable reason of the last session loss, or "" */
	uint64_t established_transitions;
	uint64_t messages_in, messages_out;
	uint64_t notifications_in, notifications_out;
	/* NOTIFICATIONs by error code (BGP_NOTIFY_SLOT); one sent counts once its write
	 * completed. */
	uint64_t notifications_in_by_code[BGP_NOTIFY_SLOTS];
	uint64_t notifications_out_by_code[BGP_NOTIFY_SLOTS];
	/* BFD: state, packets accepted / sent / dropped (TTL below 255, malformed, unknown
	 * discriminator: any packet from the peer's address that was refused). */
	enum bgp_bfd_state bfd_state;
	uint64_t bfd_packets_in, bfd_packets_out, bfd_packets_dropped;
	uint32_t bfd_local_disc, bfd_remote_disc;
	uint32_t bfd_tx_interval_us, bfd_detect_time_us; /* negotiated; 0 when not running */
	bool graceful_restart_negotiated; /* both sides offered it for IPv4 unicast */
	uint64_t stale_routes;		  /* routes kept from before a restart */
	uint64_t graceful_restarts;	  /* sessions of this peer that ended as a restart whose
					   * routes we kept (RFC 4724 4.2, vbrd the helper) */
};

enum bgp_origin { BGP_ORIGIN_IGP = 0, BGP_ORIGIN_EGP = 1, BGP_ORIGIN_INCOMPLETE = 2 };

/* A route as ListRoutes shows it. Pointers are valid only during the callback. */
struct bgp_route_view {
	uint32_t prefix;      /* host byte order */
	uint8_t prefix_len;
	uint32_t next_hop;
	const uint32_t *as_path; /* flattened, AS_SET members in order */
	size_t as_path_len;
	/* The segments in wire order (after the RFC 6793 merge), each type << 16 | count, the
	 * type being the wire code (1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE,
	 * 4 AS_CONFED_SET); their ASNs are as_path's in turn. */
	const uint32_t *as_path_segments;
	size_t as_path_segment_count;
	enum bgp_origin origin;
	bool has_med;
	uint32_t med;
	bool has_local_pref;
	uint32_t local_pref;
	const uint32_t *communities; /* RFC 1997, each (asn << 16 | value) */
	size_t communities_len;
	const uint32_t *large_communities; /* RFC 8092, triples */
	size_t large_communities_len;      /* number of triples */
	bool accepted;        /* false: an AS loop, or over the route limit */
	char not_accepted_reason[64]; /* "AS loop: 45104 in AS_PATH", "route limit 100 reached" */
	bool stale; /* kept across the peer's graceful restart, not announced again yet */
};

enum bgp_route_source {
	BGP_ROUTE_SOURCE_ANY = 0, /* filters only */
	BGP_ROUTE_SOURCE_STATIC = 1,
	BGP_ROUTE_SOURCE_BGP = 2,
	BGP_ROUTE_SOURCE_CONNECTED = 3,
};

#define BGP_IFNAME_MAX 16 /* IFNAMSIZ */

/* One route-table entry, copied out. */
struct bgp_route_entry_view {
	enum bgp_route_source source;
	uint32_t prefix; /* host byte order */
	uint8_t prefix_len;
	uint32_t next_hop;  /* host byte order; 0 for CONNECTED */
	uint32_t static_id; /* STATIC: the caller's handle; 0 otherwise */
	uint32_t peer_id;   /* BGP: the winning peer; 0 otherwise */
	bool installed;     /* the kernel's table holds it (as the last netlink reply said) */
	bool stale;         /* kept from before a restart (graceful restart) */
	char status_reason[160]; /* why not installed ("next hop 10.9.9.9 is not on a connected
				  * network", "a static entry wins", kernel errno text); "" if installed */
	char interface[BGP_IFNAME_MAX]; /* where the next hop resolves (CONNECTED: its own) */
};

enum bgp_route_change {
	BGP_ROUTE_ADDED = 1,
	BGP_ROUTE_NEXT_HOP_CHANGED = 2,
	BGP_ROUTE_REMOVED = 3,
	BGP_ROUTE_INSTALLED = 4,
	BGP_ROUTE_INSTALL_FAILED = 5,
};

/* What the route table and its netlink writer report (metrics, GetRouter). */
#define BGP_FIB_ERRNO_SLOTS 8
struct bgp_fib_status {
	bool enabled;       /* config.fib_enabled */
	uint32_t table;
	bool permitted;     /* false: no CAP_NET_ADMIN (or netlink unusable): nothing installs */
	bool ip_forwarding; /* net.ipv4.ip_forward in this namespace, as last read */
	uint64_t entries[4][2]; /* [source][installed]: counts by bgp_route_source and state */
	uint64_t stale_routes;  /* kernel routes an earlier run left, not yet replaced or removed */
	bool leftovers_known;   /* the routes an earlier run left have been read (or cannot be) */
	uint64_t leftovers;     /* how many were found */
	bool kept_on_stop;      /* the stop left vbrd's routes in the kernel (graceful restart) */
	uint64_t fib_ops;       /* routes added, replaced or deleted in the kernel */
	uint64_t fib_restored;  /* vbrd's routes someone else took out of the kernel, rewritten */
	uint64_t fib_failures;
	struct {
		int err; /* positive errno; 0 = unused slot (the last slot counts every other) */
		uint64_t count;
	} failures_by_errno[BGP_FIB_ERRNO_SLOTS];
};

struct bgp_speaker_callbacks {
	/* Every transition, with a readable reason ("hold timer expired", "NOTIFICATION received:
	 * Cease / Administrative Shutdown: \"maintenance\"", "connection refused", ...). */
	void (*on_state_change)(void *ctx, uint32_t peer_id, enum bgp_state old_state,
				enum bgp_state new_state, const char *reason);
	/* Once per crossing of the peer's route limit (not again until it drops back below). */
	void (*on_route_limit)(void *ctx, uint32_t peer_id, uint32_t limit);
	/* The peer is back below its limit after a crossing (withdrawals, or a higher limit):
	 * every held route it could take was accepted, in arrival order. May be NULL. */
	void (*on_route_limit_cleared)(void *ctx, uint32_t peer_id, uint32_t limit);
	/* Graceful restart, vbrd the helper (RFC 4724 4.2): the peer's routes were kept stale
	 * (stale true; count kept) or the stale ones were cleared (stale false; count removed),
	 * with a readable reason. May be NULL. */
	void (*on_stale_routes)(void *ctx, uint32_t peer_id, bool stale, uint64_t count,
				const char *reason);
	/* Counters or RIB contents changed (coalescing is the caller's business). May be NULL. */
	void (*on_peer_counters)(void *ctx, uint32_t peer_id);
	/* A route-table entry changed (see the route table below). old_next_hop is set for
	 * NEXT_HOP_CHANGED. May be NULL. */
	void (*on_route_entry)(void *ctx, enum bgp_route_change change,
			       const struct bgp_route_entry_view *entry, uint32_t old_next_hop);
	/* The kernel FIB became (not) writable, or ip forwarding changed; at start too. May be
	 * NULL. */
	void (*on_fib_status)(void *ctx, bool permitted, bool ip_forwarding);
	/* Once, when the routes of vbrd's protocols an earlier run left in the kernel have been
	 * read back (found: how many; 0 also when they could not be read). */
	void (*on_fib_leftovers)(void *ctx, uint64_t found);
	/* A peer's BFD session changed state, with a readable reason ("control detection time
	 * expired", "BFD disabled", ...). May be NULL. */
	void (*on_bfd_state)(void *ctx, uint32_t peer_id, enum bgp_bfd_state old_state,
			     enum bgp_bfd_state new_state, const char *reason);
};

int bgp_speaker_new(uv_loop_t *loop, const struct bgp_speaker_config *config,
		    const struct bgp_speaker_callbacks *callbacks, void *ctx,
		    struct bgp_speaker **out);

/* Binds and listens on config->listen_ip:listen_port (a no-op when listen_port is 0). */
int bgp_speaker_start(struct bgp_speaker *speaker);

/*
 * Drain (RFC 8326), vbrd leaving for good: our networks are announced again to every peer, and
 * from now on always, with the GRACEFUL_SHUTDOWN community (65535:0), so the peers move their
 * traffic elsewhere before the sessions go; the next bgp_speaker_shutdown is then never
 * graceful: it withdraws our networks, sends every peer Cease / Administrative Shutdown and
 * removes vbrd's kernel routes. Idempotent.
 */
void bgp_speaker_drain(struct bgp_speaker *speaker);

/*
 * Sends Cease / Administrative Shutdown with `message` to every peer with a session, waits for
 * those writes (bounded in time), closes every handle and then calls done(arg). After done the
 * loop has no handle of the speaker left and bgp_speaker_free may be called.
 */
void bgp_speaker_shutdown(struct bgp_speaker *speaker, const char *message,
			  void (*done)(void *arg), void *arg);
void bgp_speaker_free(struct bgp_speaker *speaker);

/* The rules peer_add and peer_update apply to a config (-EINVAL when one fails), so a caller
 * can check a change before it commits to it. */
int bgp_speaker_peer_config_check(const struct bgp_peer_config *config);
int bgp_speaker_peer_add(struct bgp_speaker *speaker, const struct bgp_peer_config *config);
/* Applies a new config: a changed key or ASN resets the session; admin_down as documented. */
int bgp_speaker_peer_update(struct bgp_speaker *speaker, const struct bgp_peer_config *config);
/* Sends Cease / Peer De-configured if a session is up, then forgets the peer. */
int bgp_speaker_peer_remove(struct bgp_speaker *speaker, uint32_t peer_id);
/* hard: Cease / Administrative Reset (RFC 9003 message); soft: ROUTE-REFRESH. */
int bgp_speaker_peer_reset(struct bgp_speaker *speaker, uint32_t peer_id, bool soft,
			   const char *message);
int bgp_speaker_peer_status(const struct bgp_speaker *speaker, uint32_t peer_id,
			    struct bgp_peer_status *out);

/* Announced to / withdrawn from every Established peer at once. */
int bgp_speaker_network_add(struct bgp_speaker *speaker, uint32_t prefix, uint8_t prefix_len);
int bgp_speaker_network_remove(struct bgp_speaker *speaker, uint32_t prefix,
			       uint8_t prefix_len);

/*
 * Walks a peer's routes in (prefix, prefix_len) order, starting strictly after
 * (after_prefix, after_len) unless `from_start`, calling visit for at most `max` routes.
 * advertised=false: the Adj-RIB-In (accepted and not); true: what we sent the peer.
 * Returns the number visited, or a negative error (-ENOENT for an unknown peer).
 */
typedef void (*bgp_route_visit_fn)(void *arg, const struct bgp_route_view *route);
int bgp_speaker_routes(const struct bgp_speaker *speaker, uint32_t peer_id, bool advertised,
		       bool from_start, uint32_t after_prefix, uint8_t after_len, size_t max,
		       bgp_route_visit_fn visit, void *arg);

/* ---- The route table and the kernel FIB ----
 * One table per speaker: STATIC entries (the caller's, by handle), the BGP best path per prefix
 * (the Loc-RIB), and CONNECTED networks (the namespace's interface addresses, from the kernel).
 * For one prefix a STATIC entry wins over BGP; an entry is installed only when its next hop lies
 * on a connected network. Installed entries are programmed into the kernel's table
 * (config.fib_table) by a netlink writer that never blocks the loop; its results come back as
 * on_route_entry(INSTALLED / INSTALL_FAILED) calls.
 */
/* A STATIC entry; the caller has checked the prefix (host bits clear) and the next hop
 * (unicast, not 0.0.0.0, not loopback) and that no other STATIC entry has this prefix.
 * -EEXIST if the handle or the prefix is taken. */
int bgp_speaker_static_add(struct bgp_speaker *speaker, uint32_t static_id, uint32_t prefix,
			   uint8_t prefix_len, uint32_t next_hop);
int bgp_speaker_static_remove(struct bgp_speaker *speaker, uint32_t static_id);
/* What such an entry would show once added (installed=false with the reason it is not in the
 * kernel yet, or will not be), for an answer given before the core has it. */
void bgp_speaker_static_preview(const struct bgp_speaker *speaker, uint32_t static_id,
				uint32_t prefix, uint8_t prefix_len, uint32_t next_hop,
				struct bgp_route_entry_view *out);

/*
 * Walks the route table in (prefix, prefix_len, source) order, starting strictly after
 * (after_prefix, after_len, after_source) unless `from_start`, visiting at most `max` entries
 * whose source matches `filter` (ANY: all). Returns the number visited.
 */
typedef void (*bgp_route_entry_visit_fn)(void *arg, const struct bgp_route_entry_view *entry);
int bgp_speaker_route_entries(const struct bgp_speaker *speaker, enum bgp_route_source filter,
			      bool from_start, uint32_t after_prefix, uint8_t after_len,
			      enum bgp_route_source after_source, size_t max,
			      bgp_route_entry_visit_fn visit, void *arg);
void bgp_speaker_fib_status(const struct bgp_speaker *speaker, struct bgp_fib_status *out);

/* Connections refused because they came from no configured peer. */
uint64_t bgp_speaker_unknown_connections(const struct bgp_speaker *speaker);

#endif
