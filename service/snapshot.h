/*
 * snapshot: an immutable copy of the router (groups, peers with live status, networks) that
 * the loop builds after every change and the completion-queue thread answers Get / List
 * from, so read RPCs never wait for the loop (docs/DESIGN.md: the hand-off costs ~40% of the
 * read rate).
 *
 * Publication is an atomic pointer with one producer (the loop) and one consumer (the
 * completion-queue thread): the loop swaps the new snapshot into `pending`; the reader swaps
 * `pending` out before each read and adopts it. Each snapshot is owned by exactly one side
 * at any time, so no reference count or lock is needed; a snapshot the reader never took is
 * freed by the loop at the next publish.
 */
#ifndef VBR_SERVICE_SNAPSHOT_H
#define VBR_SERVICE_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "speaker.h"

/* Fixed for the life of the process. */
struct router_info {
	uint32_t router_id;
	uint32_t local_asn;
	char bgp_listen[64];
	uint32_t max_peers;
	uint32_t max_networks;
	uint32_t max_route_entries;
	bool fib_enabled;
	uint32_t fib_table;
	int64_t start_time_ms;
};

/* A resource already packed as its API message (BgpGroup, BgpPeer, BgpNetwork, Router): the
 * loop packs once per change, the reader copies bytes — the read path's main saving. */
struct snap_bytes {
	uint8_t *data;
	size_t len;
};

struct snap_group {
	struct vbr_group g; /* auth_key cleared: only has_auth_key is ever shown */
	bool has_auth_key;
	uint32_t peer_count;
	struct snap_bytes packed;
};

struct snap_peer {
	struct vbr_peer p;
	uint32_t peer_asn;
	struct bgp_peer_status status;
	struct snap_bytes packed;
};

struct vbr_snapshot {
	const struct router_info *router;
	struct snap_bytes router_packed;
	struct snap_group *groups;
	size_t n_groups;
	struct snap_peer *peers;
	size_t n_peers;
	struct vbr_network *networks;
	struct snap_bytes *networks_packed;
	size_t n_networks;
};

struct snapshot_slot {
	_Atomic(struct vbr_snapshot *) pending;
	struct vbr_snapshot *current; /* reader's */
};

/* Loop thread. speaker may be NULL (all peers Idle). */
struct vbr_snapshot *snapshot_build(const struct router_info *router, const struct vbr_model *model,
				    const struct bgp_speaker *speaker);
void snapshot_free(struct vbr_snapshot *snap);

void snapshot_publish(struct snapshot_slot *slot, struct vbr_snapshot *snap);
/* Reader thread only; valid until its next call. */
const struct vbr_snapshot *snapshot_current(struct snapshot_slot *slot);
/* After both threads are done. */
void snapshot_slot_clear(struct snapshot_slot *slot);

const struct snap_group *snapshot_group(const struct vbr_snapshot *snap, const char *id);
const struct snap_peer *snapshot_peer(const struct vbr_snapshot *snap, const char *id);

#endif
