/*
 * model: sorted arrays of groups, peers and networks; lookups are linear or binary over at
 * most VBR_MAX_GROUPS entries, which is cheaper than keeping an index in step.
 */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void model_init(struct vbr_model *m)
{
	memset(m, 0, sizeof(*m));
}

void model_free_clone(struct vbr_model *m)
{
	free(m->groups);
	free(m->peers);
	free(m->networks);
	free(m->route_entries);
	m->route_entries = NULL;
	m->n_route_entries = 0;
	m->groups = NULL;
	m->peers = NULL;
	m->networks = NULL;
	m->n_groups = m->n_peers = m->n_networks = 0;
}

void model_commit(struct vbr_model *live, struct vbr_model *next)
{
	struct vbr_request *requests = live->requests;
	size_t n_requests = live->n_requests;
	model_free_clone(live);
	*live = *next;
	live->requests = requests;
	live->n_requests = n_requests;
	model_init(next);
}

void model_id_format(char *out, size_t out_len, const char *prefix, uint32_t num)
{
	snprintf(out, out_len, "%s%08x", prefix, num);
}

uint32_t model_random_num(void)
{
	uint32_t v = 0;
	while (v == 0)
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			v = (uint32_t)rand() << 16 ^ (uint32_t)rand();
	return v;
}

uint32_t model_id_num(const char *id, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(id, prefix, n) != 0 || strlen(id + n) != 8)
		return 0;
	uint32_t num = 0;
	for (const char *c = id + n; *c; c++) {
		int v = (*c >= '0' && *c <= '9') ? *c - '0' : (*c >= 'a' && *c <= 'f') ? *c - 'a' + 10 : -1;
		if (v < 0)
			return 0;
		num = num << 4 | (uint32_t)v;
	}
	return num;
}

void model_free(struct vbr_model *m)
{
	model_free_clone(m);
	for (size_t i = 0; i < m->n_requests; i++)
		free(m->requests[i].response);
	free(m->requests);
	m->requests = NULL;
	m->n_requests = 0;
}

static void *dup_array(const void *src, size_t n, size_t size, int *err)
{
	/* n + 1: never malloc(0), whose result may be NULL. */
	void *p = malloc((n + 1) * size);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	if (n)
		memcpy(p, src, n * size);
	return p;
}

int model_clone(const struct vbr_model *src, struct vbr_model *dst)
{
	int err = 0;
	model_init(dst);
	dst->groups = dup_array(src->groups, src->n_groups, sizeof(*src->groups), &err);
	dst->peers = dup_array(src->peers, src->n_peers, sizeof(*src->peers), &err);
	dst->networks = dup_array(src->networks, src->n_networks, sizeof(*src->networks), &err);
	dst->route_entries = dup_array(src->route_entries, src->n_route_entries,
				       sizeof(*src->route_entries), &err);
	if (err) {
		model_free_clone(dst);
		return err;
	}
	dst->n_groups = src->n_groups;
	dst->n_peers = src->n_peers;
	dst->n_networks = src->n_networks;
	dst->n_route_entries = src->n_route_entries;
	/* Borrowed: requests belong to the live model. */
	dst->requests = src->requests;
	dst->n_requests = src->n_requests;
	return 0;
}

struct vbr_group *model_group(const struct vbr_model *m, const char *id)
{
	for (size_t i = 0; i < m->n_groups; i++)
		if (strcmp(m->groups[i].id, id) == 0)
			return &m->groups[i];
	return NULL;
}

struct vbr_group *model_group_by_name(const struct vbr_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_groups; i++)
		if (strcmp(m->groups[i].name, name) == 0)
			return &m->groups[i];
	return NULL;
}

struct vbr_peer *model_peer(const struct vbr_model *m, const char *id)
{
	for (size_t i = 0; i < m->n_peers; i++)
		if (strcmp(m->peers[i].id, id) == 0)
			return &m->peers[i];
	return NULL;
}

struct vbr_peer *model_peer_by_num(const struct vbr_model *m, uint32_t num)
{
	for (size_t i = 0; i < m->n_peers; i++)
		if (m->peers[i].num == num)
			return &m->peers[i];
	return NULL;
}

struct vbr_peer *model_peer_by_ip(const struct vbr_model *m, uint32_t ip)
{
	for (size_t i = 0; i < m->n_peers; i++)
		if (m->peers[i].ip == ip)
			return &m->peers[i];
	return NULL;
}

struct vbr_network *model_network(const struct vbr_model *m, uint32_t prefix, uint8_t len)
{
	for (size_t i = 0; i < m->n_networks; i++)
		if (m->networks[i].prefix == prefix && m->networks[i].len == len)
			return &m->networks[i];
	return NULL;
}

size_t model_group_peer_count(const struct vbr_model *m, const char *group_id)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_peers; i++)
		n += strcmp(m->peers[i].group_id, group_id) == 0;
	return n;
}

/* Inserts elem at pos into a heap array of n elements, growing it by one. */
static int insert_at(void **array, size_t *n, size_t size, size_t pos, const void *elem)
{
	char *p = realloc(*array, (*n + 1) * size);
	if (!p)
		return -ENOMEM;
	memmove(p + (pos + 1) * size, p + pos * size, (*n - pos) * size);
	memcpy(p + pos * size, elem, size);
	*array = p;
	(*n)++;
	return 0;
}

static void remove_at(void *array, size_t *n, size_t size, size_t pos)
{
	char *p = array;
	memmove(p + pos * size, p + (pos + 1) * size, (*n - pos - 1) * size);
	(*n)--;
}

int model_add_group(struct vbr_model *m, const struct vbr_group *g)
{
	size_t pos = 0;
	while (pos < m->n_groups) {
		int c = strcmp(m->groups[pos].id, g->id);
		if (c == 0)
			return -EEXIST;
		if (c > 0)
			break;
		pos++;
	}
	return insert_at((void **)&m->groups, &m->n_groups, sizeof(*g), pos, g);
}

int model_add_peer(struct vbr_model *m, const struct vbr_peer *p)
{
	size_t pos = 0;
	while (pos < m->n_peers) {
		int c = strcmp(m->peers[pos].id, p->id);
		if (c == 0)
			return -EEXIST;
		if (c > 0)
			break;
		pos++;
	}
	return insert_at((void **)&m->peers, &m->n_peers, sizeof(*p), pos, p);
}

static int network_cmp(uint32_t pa, uint8_t la, uint32_t pb, uint8_t lb)
{
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return la == lb ? 0 : (la < lb ? -1 : 1);
}

int model_add_network(struct vbr_model *m, const struct vbr_network *n)
{
	size_t pos = 0;
	while (pos < m->n_networks) {
		int c =
		    network_cmp(m->networks[pos].prefix, m->networks[pos].len, n->prefix, n->len);
		if (c == 0)
			return -EEXIST;
		if (c > 0)
			break;
		pos++;
	}
	return insert_at((void **)&m->networks, &m->n_networks, sizeof(*n), pos, n);
}

int model_remove_group(struct vbr_model *m, const char *id)
{
	struct vbr_group *g = model_group(m, id);
	if (!g)
		return -ENOENT;
	remove_at(m->groups, &m->n_groups, sizeof(*g), (size_t)(g - m->groups));
	return 0;
}

int model_remove_peer(struct vbr_model *m, const char *id)
{
	struct vbr_peer *p = model_peer(m, id);
	if (!p)
		return -ENOENT;
	remove_at(m->peers, &m->n_peers, sizeof(*p), (size_t)(p - m->peers));
	return 0;
}

int model_remove_network(struct vbr_model *m, uint32_t prefix, uint8_t len)
{
	struct vbr_network *n = model_network(m, prefix, len);
	if (!n)
		return -ENOENT;
	remove_at(m->networks, &m->n_networks, sizeof(*n), (size_t)(n - m->networks));
	return 0;
}

struct vbr_route_entry *model_route_entry(const struct vbr_model *m, const char *id)
{
	for (size_t i = 0; i < m->n_route_entries; i++)
		if (strcmp(m->route_entries[i].id, id) == 0)
			return &m->route_entries[i];
	return NULL;
}

struct vbr_route_entry *model_route_entry_by_num(const struct vbr_model *m, uint32_t num)
{
	for (size_t i = 0; i < m->n_route_entries; i++)
		if (m->route_entries[i].num == num)
			return &m->route_entries[i];
	return NULL;
}

struct vbr_route_entry *model_route_entry_at(const struct vbr_model *m, uint32_t prefix,
					     uint8_t len)
{
	for (size_t i = 0; i < m->n_route_entries; i++)
		if (m->route_entries[i].prefix == prefix && m->route_entries[i].len == len)
			return &m->route_entries[i];
	return NULL;
}

int model_add_route_entry(struct vbr_model *m, const struct vbr_route_entry *e)
{
	if (model_route_entry(m, e->id) || model_route_entry_at(m, e->prefix, e->len))
		return -EEXIST;
	size_t pos = 0;
	while (pos < m->n_route_entries &&
	       network_cmp(m->route_entries[pos].prefix, m->route_entries[pos].len, e->prefix,
			   e->len) < 0)
		pos++;
	return insert_at((void **)&m->route_entries, &m->n_route_entries, sizeof(*e), pos, e);
}

int model_remove_route_entry(struct vbr_model *m, const char *id)
{
	struct vbr_route_entry *e = model_route_entry(m, id);
	if (!e)
		return -ENOENT;
	remove_at(m->route_entries, &m->n_route_entries, sizeof(*e),
		  (size_t)(e - m->route_entries));
	return 0;
}

const struct vbr_request *model_request(const struct vbr_model *m, const char *method,
					const char *request_id)
{
	for (size_t i = 0; i < m->n_requests; i++)
		if (strcmp(m->requests[i].request_id, request_id) == 0 &&
		    strcmp(m->requests[i].method, method) == 0)
			return &m->requests[i];
	return NULL;
}

int model_add_request(struct vbr_model *m, const char *method, const char *request_id,
		      const uint8_t *response, size_t response_len)
{
	struct vbr_request r;
	memset(&r, 0, sizeof(r));
	if (strlen(method) >= sizeof(r.method) || strlen(request_id) >= sizeof(r.request_id))
		return -EINVAL;
	strcpy(r.method, method);
	strcpy(r.request_id, request_id);
	r.response = malloc(response_len ? response_len : 1);
	if (!r.response)
		return -ENOMEM;
	if (response_len)
		memcpy(r.response, response, response_len);
	r.response_len = response_len;
	if (m->n_requests >= VBR_MAX_REQUESTS) {
		free(m->requests[0].response);
		remove_at(m->requests, &m->n_requests, sizeof(r), 0);
	}
	int err = insert_at((void **)&m->requests, &m->n_requests, sizeof(r), m->n_requests, &r);
	if (err)
		free(r.response);
	return err;
}
