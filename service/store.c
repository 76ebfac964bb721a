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

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Stored route entries: one array of messages and one of pointers to them, into `m`'s strings.
 * Returns the pointer array (free both with free_route_entries), NULL when out of memory. */
static Vbr__V1__StoredRouteEntry **pack_route_entries(const struct vbr_model *m)
{
	size_t n = m->n_route_entries;
	Vbr__V1__StoredRouteEntry **ptrs = calloc(n + 1, sizeof(*ptrs));
	Vbr__V1__StoredRouteEntry *items = calloc(n + 1, sizeof(*items));
	if (!ptrs || !items) {
		free(ptrs);
		free(items);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vbr_route_entry *e = &m->route_entries[i];
		vbr__v1__stored_route_entry__init(&items[i]);
		items[i].id = (char *)e->id;
		items[i].prefix = e->prefix;
		items[i].prefix_len = e->len;
		items[i].next_hop = e->next_hop;
		items[i].description = (char *)e->description;
		items[i].create_time_ms = e->create_time_ms;
		ptrs[i] = &items[i];
	}
	ptrs[n] = items; /* the spare slot keeps the array for free_route_entries */
	return ptrs;
}

static void free_route_entries(Vbr__V1__StoredRouteEntry **ptrs, size_t n)
{
	if (ptrs)
		free(ptrs[n]);
	free(ptrs);
}

/* Packs into a heap buffer. The protobuf-c structs point into `m` without copying. */
static uint8_t *pack_state(const struct vbr_model *m, const struct vbr_request *extras,
			   size_t n_extras, size_t *len)
{
	size_t n_req = m->n_requests + n_extras;
	size_t skip = n_req > VBR_MAX_REQUESTS ? n_req - VBR_MAX_REQUESTS : 0;
	Vbr__V1__StoredGroup *g = calloc(m->n_groups + 1, sizeof(*g));
	Vbr__V1__StoredGroup **gp = calloc(m->n_groups + 1, sizeof(*gp));
	Vbr__V1__StoredPeer *p = calloc(m->n_peers + 1, sizeof(*p));
	Vbr__V1__StoredPeer **pp = calloc(m->n_peers + 1, sizeof(*pp));
	Vbr__V1__StoredNetwork *n = calloc(m->n_networks + 1, sizeof(*n));
	Vbr__V1__StoredNetwork **np = calloc(m->n_networks + 1, sizeof(*np));
	Vbr__V1__StoredRequest *r = calloc(n_req + 1, sizeof(*r));
	Vbr__V1__StoredRequest **rp = calloc(n_req + 1, sizeof(*rp));
	uint8_t *out = NULL;
	if (!g || !gp || !p || !pp || !n || !np || !r || !rp)
		goto done;
	for (size_t i = 0; i < m->n_groups; i++) {
		const struct vbr_group *s = &m->groups[i];
		vbr__v1__stored_group__init(&g[i]);
		g[i].id = (char *)s->id;
		g[i].name = (char *)s->name;
		g[i].peer_asn = s->peer_asn;
		g[i].local_asn = s->local_asn;
		g[i].auth_key = (char *)s->auth_key;
		g[i].description = (char *)s->description;
		g[i].route_limit = s->route_limit;
		g[i].hold_time = s->hold_time;
		g[i].keepalive_time = s->keepalive_time;
		g[i].route_limit_action = s->route_limit_action;
		g[i].bfd_min_interval_ms = s->bfd_min_interval_ms;
		g[i].bfd_detect_multiplier = s->bfd_detect_multiplier;
		g[i].graceful_restart_off = !s->graceful_restart;
		g[i].restart_time = s->restart_time;
		g[i].create_time_ms = s->create_time_ms;
		gp[i] = &g[i];
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct vbr_peer *s = &m->peers[i];
		vbr__v1__stored_peer__init(&p[i]);
		p[i].id = (char *)s->id;
		p[i].group_id = (char *)s->group_id;
		p[i].peer_ip = s->ip;
		p[i].description = (char *)s->description;
		p[i].admin_down = s->admin_down;
		p[i].enable_bfd = s->enable_bfd;
		p[i].create_time_ms = s->create_time_ms;
		pp[i] = &p[i];
	}
	for (size_t i = 0; i < m->n_networks; i++) {
		vbr__v1__stored_network__init(&n[i]);
		n[i].prefix = m->networks[i].prefix;
		n[i].prefix_len = m->networks[i].len;
		n[i].create_time_ms = m->networks[i].create_time_ms;
		np[i] = &n[i];
	}
	size_t k = 0;
	for (size_t i = skip; i < n_req; i++, k++) {
		const struct vbr_request *s =
		    i < m->n_requests ? &m->requests[i] : &extras[i - m->n_requests];
		vbr__v1__stored_request__init(&r[k]);
		r[k].method = (char *)s->method;
		r[k].request_id = (char *)s->request_id;
		r[k].response.data = s->response;
		r[k].response.len = s->response_len;
		rp[k] = &r[k];
	}
	Vbr__V1__StoredState st = VBR__V1__STORED_STATE__INIT;
	st.version = STATE_VERSION;
	st.n_groups = m->n_groups;
	st.groups = gp;
	st.n_peers = m->n_peers;
	st.peers = pp;
	st.n_networks = m->n_networks;
	st.networks = np;
	Vbr__V1__StoredRouteEntry **rte = pack_route_entries(m);
	if (!rte)
		goto done;
	st.n_route_entries = m->n_route_entries;
	st.route_entries = rte;
	st.n_requests = k;
	st.requests = rp;
	*len = vbr__v1__stored_state__get_packed_size(&st);
	out = malloc(*len ? *len : 1);
	if (out)
		vbr__v1__stored_state__pack(&st, out);
	free_route_entries(rte, m->n_route_entries);
done:
	free(g);
	free(gp);
	free(p);
	free(pp);
	free(n);
	free(np);
	free(r);
	free(rp);
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
	/* A leftover temp file could carry another mode: start from a fresh one. */
	unlink(s->tmp_path);
	int fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int err = fd < 0 ? -errno : 0;
	if (!err)
		err = write_all(fd, buf, len);
	if (!err && fdatasync(fd) != 0)
		err = -errno;
	if (fd >= 0 && close(fd) != 0 && !err)
		err = -errno;
	free(buf);
	if (!err && s->hook)
		err = s->hook(s->hook_arg);
	if (!err && rename(s->tmp_path, s->path) != 0)
		err = -errno;
	/* The rename is durable only once the folder's entry is on disk. */
	if (!err && fsync(s->dir_fd) != 0)
		err = -errno;
	if (err)
		unlink(s->tmp_path);
	stats_store_write(now_ns() - start, err == 0);
	return err;
}
