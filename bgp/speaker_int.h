/*
 * speaker_int: the speaker's private state, shared by speaker.c and the peer*.c files only.
 * Not for the service (it includes speaker.h).
 */
#ifndef VBR_BGP_SPEAKER_INT_H
#define VBR_BGP_SPEAKER_INT_H

#include "peer.h"
#include "route_table.h"
#include "rib.h"
#include "speaker.h"
#include "update.h"

struct bgp_speaker {
	uv_loop_t *loop;
	struct bgp_speaker_config config;
	struct bgp_speaker_callbacks callbacks;
	void *ctx;
	uv_tcp_t listener;
	bool listener_open;
	struct bgp_peer **peers;
	size_t peer_count, peer_cap;
	struct bgp_prefix *networks; /* sorted by (addr, len) */
	size_t network_count, network_cap;
	struct rib_attr_table attrs;
	struct rib_table loc_rib;    /* entries: aux = winning peer id */
	struct bgp_update *update;   /* decode scratch (large), shared by all sessions */
	uint64_t unknown_connections;
	uint64_t random_state;
	/* Handles (sessions, connections, the listener) not yet fully closed. */
	uint64_t open_handles;
	bool shutting_down;
	bool drain; /* leaving for good (RFC 8326): the stop sends Cease and removes the routes */
	void (*shutdown_done)(void *arg);
	void *shutdown_arg;
	uv_timer_t shutdown_timer;
	struct bfd_driver *bfd; /* created with the first peer that enables BFD */
	struct route_table routes; /* the route table and its kernel FIB writer */
	/* peer_rib.c: removes routes a batch a loop turn (a downed peer's detached Adj-RIB-In,
	 * graceful restart's stale routes) so no table size makes one turn long. */
	uv_idle_t rib_sweeper;
	bool rib_sweeper_open;
	struct peer_rib_drain *drains; /* detached Adj-RIB-Ins, oldest first */
};

uint32_t speaker_random(struct bgp_speaker *s);
int64_t speaker_now_ms(void);
/* The peer with this id, or NULL (it may have been removed since the id was taken). */
struct bgp_peer *speaker_find_peer(const struct bgp_speaker *s, uint32_t id);
/* A handle of the speaker finished closing (see open_handles). */
void speaker_handle_closed(struct bgp_speaker *s);
/* Counts conn in open_handles until its close callback. */
void speaker_track_conn(struct bgp_speaker *s, struct bgp_conn *conn);
/* Recomputes the Loc-RIB entry of one prefix from every peer's Adj-RIB-In (RFC 4271 9.1). */
void speaker_decide(struct bgp_speaker *s, uint32_t prefix, uint8_t len);
/* Same, when the caller already holds one peer's entry for the prefix (saves a lookup). */
void speaker_decide_hint(struct bgp_speaker *s, uint32_t prefix, uint8_t len,
			 const struct bgp_peer *hint_peer, const struct rib_entry *hint_entry);
/* Closes the BFD driver (counted in open_handles until done); peer_bfd.c. */
void speaker_bfd_close(struct bgp_speaker *s);
/* Starts the peers bgp_peer_start held back (route_table_peers_may_start said not yet). */
void speaker_start_held_peers(struct bgp_speaker *s);
/* The listener's TCP MD5 key for this address ("" removes it). */
void speaker_listener_key(struct bgp_speaker *s, uint32_t peer_ip, const char *key);

#endif
