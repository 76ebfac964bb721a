/*
 * speaker: one virtual border router. Keeps the configured peers (by the caller's IDs) and the
 * advertised networks. This first version only keeps the books: peers are stored and reported
 * Idle, networks are stored, and no route is received or sent. The session driver (peer.c)
 * replaces the Idle-only part.
 */
#include "speaker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct speaker_peer {
	struct bgp_peer_config config;
	struct bgp_peer_status status;
};

struct speaker_network {
	uint32_t prefix;
	uint8_t len;
};

struct bgp_speaker {
	uv_loop_t *loop;
	struct bgp_speaker_config config;
	struct bgp_speaker_callbacks callbacks;
	void *ctx;
	struct speaker_peer **peers;
	size_t peer_count, peer_cap;
	struct speaker_network *networks; /* sorted by (prefix, len) */
	size_t network_count, network_cap;
	uint64_t unknown_connections;
};

int bgp_speaker_new(uv_loop_t *loop, const struct bgp_speaker_config *config,
		    const struct bgp_speaker_callbacks *callbacks, void *ctx,
		    struct bgp_speaker **out)
{
	if (!loop || !config || !out)
		return -EINVAL;
	struct bgp_speaker *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->config = *config;
	if (callbacks)
		s->callbacks = *callbacks;
	s->ctx = ctx;
	*out = s;
	return 0;
}

int bgp_speaker_start(struct bgp_speaker *speaker)
{
	return speaker ? 0 : -EINVAL;
}

void bgp_speaker_shutdown(struct bgp_speaker *speaker, const char *message,
			  void (*done)(void *arg), void *arg)
{
	(void)speaker;
	(void)message;
	if (done)
		done(arg);
}

void bgp_speaker_free(struct bgp_speaker *speaker)
{
	if (!speaker)
		return;
	for (size_t i = 0; i < speaker->peer_count; i++)
		free(speaker->peers[i]);
	free(speaker->peers);
	free(speaker->networks);
	free(speaker);
}

static struct speaker_peer *find_peer(const struct bgp_speaker *s, uint32_t id, size_t *index)
{
	for (size_t i = 0; i < s->peer_count; i++) {
		if (s->peers[i]->config.id == id) {
			if (index)
				*index = i;
			return s->peers[i];
		}
	}
	return NULL;
}

static int check_peer_config(const struct bgp_peer_config *c)
{
	if (!c || c->id == 0 || c->peer_ip == 0 || c->peer_asn == 0)
		return -EINVAL;
	if (c->hold_time != 0 && c->hold_time < 3)
		return -EINVAL;
	if (memchr(c->auth_key, '\0', sizeof(c->auth_key)) == NULL ||
	    memchr(c->shutdown_message, '\0', sizeof(c->shutdown_message)) == NULL)
		return -EINVAL;
	return 0;
}

int bgp_speaker_peer_add(struct bgp_speaker *speaker, const struct bgp_peer_config *config)
{
	if (!speaker)
		return -EINVAL;
	int rc = check_peer_config(config);
	if (rc)
		return rc;
	for (size_t i = 0; i < speaker->peer_count; i++) {
		const struct bgp_peer_config *c = &speaker->peers[i]->config;
		if (c->id == config->id || c->peer_ip == config->peer_ip)
			return -EEXIST;
	}
	if (speaker->peer_count == speaker->peer_cap) {
		size_t cap = speaker->peer_cap ? speaker->peer_cap * 2 : 8;
		struct speaker_peer **p = realloc(speaker->peers, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		speaker->peers = p;
		speaker->peer_cap = cap;
	}
	struct speaker_peer *peer = calloc(1, sizeof(*peer));
	if (!peer)
		return -ENOMEM;
	peer->config = *config;
	peer->status.state = BGP_STATE_IDLE;
	speaker->peers[speaker->peer_count++] = peer;
	return 0;
}

int bgp_speaker_peer_update(struct bgp_speaker *speaker, const struct bgp_peer_config *config)
{
	if (!speaker)
		return -EINVAL;
	int rc = check_peer_config(config);
	if (rc)
		return rc;
	struct speaker_peer *peer = find_peer(speaker, config->id, NULL);
	if (!peer)
		return -ENOENT;
	for (size_t i = 0; i < speaker->peer_count; i++) {
		const struct bgp_peer_config *c = &speaker->peers[i]->config;
		if (c->id != config->id && c->peer_ip == config->peer_ip)
			return -EEXIST;
	}
	peer->config = *config;
	return 0;
}

int bgp_speaker_peer_remove(struct bgp_speaker *speaker, uint32_t peer_id)
{
	size_t index;
	if (!speaker)
		return -EINVAL;
	struct speaker_peer *peer = find_peer(speaker, peer_id, &index);
	if (!peer)
		return -ENOENT;
	free(peer);
	memmove(&speaker->peers[index], &speaker->peers[index + 1],
		(speaker->peer_count - index - 1) * sizeof(speaker->peers[0]));
	speaker->peer_count--;
	return 0;
}

int bgp_speaker_peer_reset(struct bgp_speaker *speaker, uint32_t peer_id, bool soft,
			   const char *message)
{
	(void)soft;
	(void)message;
	if (!speaker)
		return -EINVAL;
	return find_peer(speaker, peer_id, NULL) ? 0 : -ENOENT;
}

int bgp_speaker_peer_status(const struct bgp_speaker *speaker, uint32_t peer_id,
			    struct bgp_peer_status *out)
{
	if (!speaker || !out)
		return -EINVAL;
	const struct speaker_peer *peer = find_peer(speaker, peer_id, NULL);
	if (!peer)
		return -ENOENT;
	*out = peer->status;
	return 0;
}

static int network_cmp(uint32_t ap, uint8_t al, uint32_t bp, uint8_t bl)
{
	if (ap != bp)
		return ap < bp ? -1 : 1;
	return al == bl ? 0 : (al < bl ? -1 : 1);
}

/* Index of the first network not less than (prefix, len). */
static size_t network_lower_bound(const struct bgp_speaker *s, uint32_t prefix, uint8_t len)
{
	size_t lo = 0, hi = s->network_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (network_cmp(s->networks[mid].prefix, s->networks[mid].len, prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool network_valid(uint32_t prefix, uint8_t len)
{
	if (len > 32)
		return false;
	uint32_t mask = len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
	return (prefix & ~mask) == 0;
}

int bgp_speaker_network_add(struct bgp_speaker *speaker, uint32_t prefix, uint8_t prefix_len)
{
	if (!speaker || !network_valid(prefix, prefix_len))
		return -EINVAL;
	size_t i = network_lower_bound(speaker, prefix, prefix_len);
	if (i < speaker->network_count && speaker->networks[i].prefix == prefix &&
	    speaker->networks[i].len == prefix_len)
		return -EEXIST;
	if (speaker->network_count == speaker->network_cap) {
		size_t cap = speaker->network_cap ? speaker->network_cap * 2 : 16;
		struct speaker_network *n = realloc(speaker->networks, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		speaker->networks = n;
		speaker->network_cap = cap;
	}
	memmove(&speaker->networks[i + 1], &speaker->networks[i],
		(speaker->network_count - i) * sizeof(speaker->networks[0]));
	speaker->networks[i] = (struct speaker_network){ .prefix = prefix, .len = prefix_len };
	speaker->network_count++;
	return 0;
}

int bgp_speaker_network_remove(struct bgp_speaker *speaker, uint32_t prefix,
			       uint8_t prefix_len)
{
	if (!speaker || !network_valid(prefix, prefix_len))
		return -EINVAL;
	size_t i = network_lower_bound(speaker, prefix, prefix_len);
	if (i >= speaker->network_count || speaker->networks[i].prefix != prefix ||
	    speaker->networks[i].len != prefix_len)
		return -ENOENT;
	memmove(&speaker->networks[i], &speaker->networks[i + 1],
		(speaker->network_count - i - 1) * sizeof(speaker->networks[0]));
	speaker->network_count--;
	return 0;
}

int bgp_speaker_routes(const struct bgp_speaker *speaker, uint32_t peer_id, bool advertised,
		       bool from_start, uint32_t after_prefix, uint8_t after_len, size_t max,
		       bgp_route_visit_fn visit, void *arg)
{
	(void)advertised;
	(void)from_start;
	(void)after_prefix;
	(void)after_len;
	(void)max;
	(void)visit;
	(void)arg;
	if (!speaker)
		return -EINVAL;
	if (!find_peer(speaker, peer_id, NULL))
		return -ENOENT;
	return 0; /* no session yet, so no route in or out */
}

uint64_t bgp_speaker_unknown_connections(const struct bgp_speaker *speaker)
{
	return speaker ? speaker->unknown_connections : 0;
}
