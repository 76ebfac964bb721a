/* snapshot: build (loop), single-producer single-consumer hand-over (see snapshot.h). */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "version.h"

static int pack_into(const ProtobufCMessage *msg, struct snap_bytes *out)
{
	out->len = protobuf_c_message_get_packed_size(msg);
	out->data = malloc(out->len ? out->len : 1);
	if (!out->data)
		return -1;
	protobuf_c_message_pack(msg, out->data);
	return 0;
}

struct vbr_snapshot *snapshot_build(const struct router_info *router, const struct vbr_model *m,
				    const struct bgp_speaker *speaker)
{
	struct vbr_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->router = router;
	s->groups = calloc(m->n_groups + 1, sizeof(*s->groups));
	s->peers = calloc(m->n_peers + 1, sizeof(*s->peers));
	s->networks = calloc(m->n_networks + 1, sizeof(*s->networks));
	s->networks_packed = calloc(m->n_networks + 1, sizeof(*s->networks_packed));
	if (!s->groups || !s->peers || !s->networks || !s->networks_packed)
		goto fail;
	int err = 0;
	struct pb_router pr;
	convert_router(router, vbr_version(), &pr);
	struct bgp_fib_status fib;
	if (speaker) {
		bgp_speaker_fib_status(speaker, &fib);
		pr.msg.ip_forwarding = fib.ip_forwarding;
	}
	err |= pack_into(&pr.msg.base, &s->router_packed);
	for (size_t i = 0; i < m->n_groups; i++) {
		struct snap_group *g = &s->groups[i];
		g->g = m->groups[i];
		g->has_auth_key = g->g.auth_key[0] != '\0';
		memset(g->g.auth_key, 0, sizeof(g->g.auth_key));
		g->peer_count = (uint32_t)model_group_peer_count(m, g->g.id);
		struct pb_group pb;
		convert_group(&g->g, g->has_auth_key, g->peer_count, &pb);
		err |= pack_into(&pb.msg.base, &g->packed);
	}
	s->n_groups = m->n_groups;
	for (size_t i = 0; i < m->n_peers; i++) {
		struct snap_peer *p = &s->peers[i];
		p->p = m->peers[i];
		const struct vbr_group *g = model_group(m, p->p.group_id);
		p->peer_asn = g ? g->peer_asn : 0;
		if (!speaker || bgp_speaker_peer_status(speaker, p->p.num, &p->status) != 0) {
			memset(&p->status, 0, sizeof(p->status));
			p->status.state = BGP_STATE_IDLE;
		}
		struct pb_peer pb;
		convert_peer(&p->p, p->peer_asn, &p->status, &pb);
		err |= pack_into(&pb.msg.base, &p->packed);
	}
	s->n_peers = m->n_peers;
	if (m->n_networks) /* NULL when empty: memcpy must not see it */
		memcpy(s->networks, m->networks, m->n_networks * sizeof(*s->networks));
	s->n_networks = m->n_networks;
	for (size_t i = 0; i < m->n_networks; i++) {
		struct pb_network pb;
		convert_network(&s->networks[i], &pb);
		err |= pack_into(&pb.msg.base, &s->networks_packed[i]);
	}
	if (err)
		goto fail;
	return s;
fail:
	snapshot_free(s);
	return NULL;
}

void snapshot_free(struct vbr_snapshot *s)
{
	if (!s)
		return;
	/* n_* count only fully built entries; packed data of the rest is NULL (calloc). */
	for (size_t i = 0; s->groups && i < s->n_groups; i++)
		free(s->groups[i].packed.data);
	for (size_t i = 0; s->peers && i < s->n_peers; i++)
		free(s->peers[i].packed.data);
	for (size_t i = 0; s->networks_packed && i < s->n_networks; i++)
		free(s->networks_packed[i].data);
	free(s->router_packed.data);
	free(s->groups);
	free(s->peers);
	free(s->networks);
	free(s->networks_packed);
	free(s);
}

void snapshot_publish(struct snapshot_slot *slot, struct vbr_snapshot *snap)
{
	struct vbr_snapshot *old = atomic_exchange(&slot->pending, snap);
	snapshot_free(old); /* the reader never took it */
}

const struct vbr_snapshot *snapshot_current(struct snapshot_slot *slot)
{
	struct vbr_snapshot *fresh = atomic_exchange(&slot->pending, NULL);
	if (fresh) {
		snapshot_free(slot->current);
		slot->current = fresh;
	}
	return slot->current;
}

void snapshot_slot_clear(struct snapshot_slot *slot)
{
	snapshot_free(atomic_exchange(&slot->pending, NULL));
	snapshot_free(slot->current);
	slot->current = NULL;
}

const struct snap_group *snapshot_group(const struct vbr_snapshot *s, const char *id)
{
	size_t lo = 0, hi = s->n_groups;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->groups[mid].g.id, id);
		if (c == 0)
			return &s->groups[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct snap_peer *snapshot_peer(const struct vbr_snapshot *s, const char *id)
{
	for (size_t i = 0; i < s->n_peers; i++)
		if (strcmp(s->peers[i].p.id, id) == 0)
			return &s->peers[i];
	return NULL;
}
