/*
 * store: model <-> vbr.v1.StoredState, and the atomic replace of the state file.
 *
 * A crash between the fsync of the temp file and the rename leaves the old state: the
 * integration tests prove it by preloading tests/reliability/store_faults.c into vbrd.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "stats.h"
#include "vbr/v1/state.pb-c.h"

#define STATE_VERSION  1
#define STATE_FILE_MAX (64u << 20)

struct vbr_store {
	char dir[4096];
	char path[4200];
	char tmp_path[4200];
	int dir_fd;
	int lock_fd;
	store_hook_fn hook;
	void *hook_arg;
	bool found; /* store_load read an existing file */
};

/* mkdir -p: parents get 0755 (as mkdir -p under the usual umask), the state dir itself 0700
 * since it holds TCP MD5 keys. The error names the folder that could not be made, which is
 * not always the one the operator typed. */
static int make_dirs(const char *dir, char *err, size_t err_len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s", dir);
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (len == 0) {
		snprintf(err, err_len, "state dir: empty path");
		return -EINVAL;
	}
	for (char *p = path + 1;; p++) {
		int last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(path, last ? 0700 : 0755) != 0 && errno != EEXIST) {
			int e = -errno;
			snprintf(err, err_len, "state dir %s: cannot create %s: %s", dir, path,
			         strerror(errno));
			return e;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

int store_open(const char *dir, struct vbr_store **out, char *err, size_t err_len)
{
	struct vbr_store *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir_fd = s->lock_fd = -1;
	if (strlen(dir) >= sizeof(s->dir) - 32) {
		snprintf(err, err_len, "state dir %s: path too long", dir);
		free(s);
		return -ENAMETOOLONG;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->path, sizeof(s->path), "%s/state.pb", dir);
	snprintf(s->tmp_path, sizeof(s->tmp_path), "%s/state.pb.tmp", dir);
	int e = make_dirs(dir, err, err_len);
	if (e != 0)
		goto fail;
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		e = -errno;
		snprintf(err, err_len, "state dir %s: cannot open: %s", dir, strerror(errno));
		goto fail;
	}
	char lock_path[4200];
	snprintf(lock_path, sizeof(lock_path), "%s/lock", dir);
	s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		e = -errno;
		snprintf(err, err_len, "%s: cannot open: %s", lock_path, strerror(errno));
		goto fail;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		e = -errno;
		snprintf(err, err_len, "%s: another vbrd uses this state dir", lock_path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	store_close(s);
	return e;
}

void store_close(struct vbr_store *s)
{
	if (!s)
		return;
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

void store_set_hook(struct vbr_store *s, store_hook_fn hook, void *arg)
{
	s->hook = hook;
	s->hook_arg = arg;
}

bool store_found(const struct vbr_store *s)
{
	return s->found;
}

const char *store_path(const struct vbr_store *s)
{
	return s->path;
}

/* ---- load ---- */

static int copy_str(char *dst, size_t size, const char *src)
{
	if (!src || strlen(src) >= size)
		return -EINVAL;
	strcpy(dst, src);
	return 0;
}

static int load_route_entries(const Vbr__V1__StoredState *st, struct vbr_model *m)
{
	for (size_t i = 0; i < st->n_route_entries; i++) {
		const Vbr__V1__StoredRouteEntry *se = st->route_entries[i];
		struct vbr_route_entry e;
		memset(&e, 0, sizeof(e));
		if (copy_str(e.id, sizeof(e.id), se->id) ||
		    copy_str(e.description, sizeof(e.description), se->description) ||
		    se->prefix_len > 32)
			return -EINVAL;
		e.num = model_id_num(e.id, "rte-");
		e.prefix = se->prefix;
		e.len = (uint8_t)se->prefix_len;
		e.next_hop = se->next_hop;
		e.create_time_ms = se->create_time_ms;
		if (e.num == 0 || model_add_route_entry(m, &e))
			return -EINVAL;
	}
	return 0;
}

static int load_model(const Vbr__V1__StoredState *st, struct vbr_model *m)
{
	for (size_t i = 0; i < st->n_groups; i++) {
		const Vbr__V1__StoredGroup *sg = st->groups[i];
		struct vbr_group g;
		memset(&g, 0, sizeof(g));
		if (copy_str(g.id, sizeof(g.id), sg->id) ||
		    copy_str(g.name, sizeof(g.name), sg->name) ||
		    copy_str(g.auth_key, sizeof(g.auth_key), sg->auth_key) ||
		    copy_str(g.description, sizeof(g.description), sg->description))
			return -EINVAL;
		g.peer_asn = sg->peer_asn;
		g.local_asn = sg->local_asn;
		g.route_limit = sg->route_limit;
		g.hold_time = sg->hold_time;
		g.keepalive_time = sg->keepalive_time;
		g.route_limit_action = sg->route_limit_action;
		/* 0: a state file from before BFD existed. */
		g.bfd_min_interval_ms = sg->bfd_min_interval_ms ? sg->bfd_min_interval_ms
								: VBR_DEFAULT_BFD_INTERVAL_MS;
		g.bfd_detect_multiplier = sg->bfd_detect_multiplier ? sg->bfd_detect_multiplier
								    : VBR_DEFAULT_BFD_MULTIPLIER;
		/* A file from before graceful restart existed: on, 120 s (the field is stored
		 * inverted, restart_time 0 = the default). */
		g.graceful_restart = !sg->graceful_restart_off;
		g.restart_time = sg->restart_time && sg->restart_time <= 4095
				     ? sg->restart_time
				     : VBR_DEFAULT_RESTART_TIME;
		g.create_time_ms = sg->create_time_ms;
		if (model_add_group(m, &g))
			return -EINVAL;
	}
	for (size_t i = 0; i < st->n_peers; i++) {
		const Vbr__V1__StoredPeer *sp = st->peers[i];
		struct vbr_peer p;
		memset(&p, 0, sizeof(p));
		if (copy_str(p.id, sizeof(p.id), sp->id) ||
		    copy_str(p.group_id, sizeof(p.group_id), sp->group_id) ||
		    copy_str(p.description, sizeof(p.description), sp->description) ||
		    strlen(p.id) != VBR_ID_LEN || !model_group(m, p.group_id))
			return -EINVAL;
		p.num = model_id_num(p.id, "bgpp-");
		p.ip = sp->peer_ip;
		p.admin_down = sp->admin_down;
		p.enable_bfd = sp->enable_bfd;
		p.create_time_ms = sp->create_time_ms;
		if (p.num == 0 || model_add_peer(m, &p))
			return -EINVAL;
	}
	for (size_t i = 0; i < st->n_networks; i++) {
		const Vbr__V1__StoredNetwork *sn = st->networks[i];
		struct vbr_network n = {.prefix = sn->prefix,
					.len = (uint8_t)sn->prefix_len,
					.create_time_ms = sn->create_time_ms};
		if (sn->prefix_len > 32 || model_add_network(m, &n))
			return -EINVAL;
	}
	if (load_route_entries(st, m))
		return -EINVAL;
	for (size_t i = 0; i < st->n_requests; i++) {
		const Vbr__V1__StoredRequest *sr = st->requests[i];
		if (model_add_request(m, sr->method, sr->request_id, sr->response.data,
				      sr->response.len))
			return -EINVAL;
	}
	return 0;
}

int store_load(struct vbr_store *s, struct vbr_model *m, char *err, size_t err_len)
{
	int fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, err_len, "state file %s: cannot open: %s", s->path, strerror(errno));
		return -errno;
	}
	s->found = true;
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > STATE_FILE_MAX) {
		snprintf(err, err_len, "state file %s: not a regular file of at most 64 MiB",
			 s->path);
		close(fd);
		return -EINVAL;
	}
	size_t size = (size_t)sb.st_size, got = 0;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, err_len, "state file %s: read failed: %s", s->path,
				 n < 0 ? strerror(errno) : "short read");
			free(buf);
			close(fd);
			return -EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	Vbr__V1__StoredState *st = vbr__v1__stored_state__unpack(NULL, size, buf);
	free(buf);
	if (!st) {
		snprintf(err, err_len, "state file %s: cannot be parsed (corrupt?)", s->path);
		return -EINVAL;
	}
	int rc = 0;
	if (st->version != STATE_VERSION) {
		snprintf(err, err_len, "state file %s: unknown version %u", s->path, st->version);
		rc = -EINVAL;
	} else if (load_model(st, m) != 0) {
		snprintf(err, err_len, "state file %s: inconsistent content", s->path);
		rc = -EINVAL;
	}
	vbr__v1__stored_state__free_unpacked(st, NULL);
	if (rc)
		model_free(m);
	return rc;
}

/* ---- save ---- */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* n messages of `size` bytes and the array of pointers to them that protobuf-c wants; the
 * spare last pointer keeps the block of messages for free_items. NULL when out of memory. */
static void **alloc_items(size_t n, size_t size)
{
	void **ptrs = calloc(n + 1, sizeof(*ptrs));
	char *items = calloc(n + 1, size);
	if (!ptrs || !items) {
		free(ptrs);
		free(items);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		ptrs[i] = items + i * size;
	ptrs[n] = items;
	return ptrs;
}

static void free_items(void *ptrs, size_t n)
{
	void **p = ptrs;
	if (p)
		free(p[n]);
	free(p);
}

/* Each pack_* returns the pointer array (free_items), its messages pointing into `m`'s
 * strings without copying; NULL when out of memory. */
static Vbr__V1__StoredGroup **pack_groups(const struct vbr_model *m)
{
	Vbr__V1__StoredGroup **gp = (Vbr__V1__StoredGroup **)alloc_items(m->n_groups, sizeof(**gp));
	for (size_t i = 0; gp && i < m->n_groups; i++) {
		const struct vbr_group *s = &m->groups[i];
		Vbr__V1__StoredGroup *g = gp[i];
		vbr__v1__stored_group__init(g);
		g->id = (char *)s->id;
		g->name = (char *)s->name;
		g->peer_asn = s->peer_asn;
		g->local_asn = s->local_asn;
		g->auth_key = (char *)s->auth_key;
		g->description = (char *)s->description;
		g->route_limit = s->route_limit;
		g->hold_time = s->hold_time;
		g->keepalive_time = s->keepalive_time;
		g->route_limit_action = s->route_limit_action;
		g->bfd_min_interval_ms = s->bfd_min_interval_ms;
		g->bfd_detect_multiplier = s->bfd_detect_multiplier;
		g->graceful_restart_off = !s->graceful_restart;
		g->restart_time = s->restart_time;
		g->create_time_ms = s->create_time_ms;
	}
	return gp;
}

static Vbr__V1__StoredPeer **pack_peers(const struct vbr_model *m)
{
	Vbr__V1__StoredPeer **pp = (Vbr__V1__StoredPeer **)alloc_items(m->n_peers, sizeof(**pp));
	for (size_t i = 0; pp && i < m->n_peers; i++) {
		const struct vbr_peer *s = &m->peers[i];
		Vbr__V1__StoredPeer *p = pp[i];
		vbr__v1__stored_peer__init(p);
		p->id = (char *)s->id;
		p->group_id = (char *)s->group_id;
		p->peer_ip = s->ip;
		p->description = (char *)s->description;
		p->admin_down = s->admin_down;
		p->enable_bfd = s->enable_bfd;
		p->create_time_ms = s->create_time_ms;
	}
	return pp;
}

static Vbr__V1__StoredNetwork **pack_networks(const struct vbr_model *m)
{
	Vbr__V1__StoredNetwork **np =
	    (Vbr__V1__StoredNetwork **)alloc_items(m->n_networks, sizeof(**np));
	for (size_t i = 0; np && i < m->n_networks; i++) {
		Vbr__V1__StoredNetwork *n = np[i];
		vbr__v1__stored_network__init(n);
		n->prefix = m->networks[i].prefix;
		n->prefix_len = m->networks[i].len;
		n->create_time_ms = m->networks[i].create_time_ms;
	}
	return np;
}

static Vbr__V1__StoredRouteEntry **pack_route_entries(const struct vbr_model *m)
{
	Vbr__V1__StoredRouteEntry **ep =
	    (Vbr__V1__StoredRouteEntry **)alloc_items(m->n_route_entries, sizeof(**ep));
	for (size_t i = 0; ep && i < m->n_route_entries; i++) {
		const struct vbr_route_entry *s = &m->route_entries[i];
		Vbr__V1__StoredRouteEntry *e = ep[i];
		vbr__v1__stored_route_entry__init(e);
		e->id = (char *)s->id;
		e->prefix = s->prefix;
		e->prefix_len = s->len;
		e->next_hop = s->next_hop;
		e->description = (char *)s->description;
		e->create_time_ms = s->create_time_ms;
	}
	return ep;
}

/* The request-id replies to keep: the model's, then this batch's extras, the newest
 * VBR_MAX_REQUESTS of them (the first `skip` of the n_req go). */
static Vbr__V1__StoredRequest **pack_requests(const struct vbr_model *m,
					      const struct vbr_request *extras, size_t skip,
					      size_t n_req)
{
	Vbr__V1__StoredRequest **rp =
	    (Vbr__V1__StoredRequest **)alloc_items(n_req - skip, sizeof(**rp));
	for (size_t i = skip; rp && i < n_req; i++) {
		const struct vbr_request *s =
		    i < m->n_requests ? &m->requests[i] : &extras[i - m->n_requests];
		Vbr__V1__StoredRequest *r = rp[i - skip];
		vbr__v1__stored_request__init(r);
		r->method = (char *)s->method;
		r->request_id = (char *)s->request_id;
		r->response.data = s->response;
		r->response.len = s->response_len;
	}
	return rp;
}

/* Packs into a heap buffer. The protobuf-c structs point into `m` without copying. */
static uint8_t *pack_state(const struct vbr_model *m, const struct vbr_request *extras,
			   size_t n_extras, size_t *len)
{
	size_t n_req = m->n_requests + n_extras;
	size_t skip = n_req > VBR_MAX_REQUESTS ? n_req - VBR_MAX_REQUESTS : 0;
	Vbr__V1__StoredState st = VBR__V1__STORED_STATE__INIT;
	st.version = STATE_VERSION;
	st.n_groups = m->n_groups;
	st.groups = pack_groups(m);
	st.n_peers = m->n_peers;
	st.peers = pack_peers(m);
	st.n_networks = m->n_networks;
	st.networks = pack_networks(m);
	st.n_route_entries = m->n_route_entries;
	st.route_entries = pack_route_entries(m);
	st.n_requests = n_req - skip;
	st.requests = pack_requests(m, extras, skip, n_req);
	uint8_t *out = NULL;
	if (st.groups && st.peers && st.networks && st.route_entries && st.requests) {
		*len = vbr__v1__stored_state__get_packed_size(&st);
		out = malloc(*len ? *len : 1);
		if (out)
			vbr__v1__stored_state__pack(&st, out);
	}
	free_items(st.groups, st.n_groups);
	free_items(st.peers, st.n_peers);
	free_items(st.networks, st.n_networks);
	free_items(st.route_entries, st.n_route_entries);
	free_items(st.requests, st.n_requests);
	return out;
}

int store_save(struct vbr_store *s, const struct vbr_model *m, const struct vbr_request *extras,
	       size_t n_extras)
{
	int64_t start = now_ns();
	size_t len;
	uint8_t *buf = pack_state(m, extras, n_extras, &len);
	if (!buf)
		return -ENOMEM;
	int err = durable_replace(s->dir_fd, s->tmp_path, s->path, buf, len, 0600, s->hook,
				  s->hook_arg);
	free(buf);
	stats_store_write(now_ns() - start, err == 0);
	return err;
}
