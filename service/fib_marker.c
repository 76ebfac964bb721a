/*
 * fib_marker: see fib_marker.h.
 */
#include "fib_marker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "durable.h"
#include "log.h"

#define MARKER_MAX 256

size_t fib_marker_format(const struct fib_marker_state *st, char *buf, size_t len)
{
	int n = snprintf(buf, len, "vbrd-fib-marker 1\nroutes %d\nclean %d\n", st->routes ? 1 : 0,
			 st->clean ? 1 : 0);
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

bool fib_marker_parse(const char *text, size_t len, struct fib_marker_state *out)
{
	char buf[MARKER_MAX];
	int routes, clean;
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (sscanf(buf, "vbrd-fib-marker 1\nroutes %d\nclean %d", &routes, &clean) != 2 ||
	    (routes != 0 && routes != 1) || (clean != 0 && clean != 1))
		return false;
	out->routes = routes == 1;
	out->clean = clean == 1;
	return true;
}

bool fib_marker_routes_missing(bool prev_present, const struct fib_marker_state *prev,
			       uint64_t found)
{
	return prev_present && prev->routes && found == 0;
}

void fib_marker_open(struct fib_marker *m, uv_loop_t *loop, const char *state_dir)
{
	memset(m, 0, sizeof(*m));
	m->loop = loop;
	snprintf(m->dir, sizeof(m->dir), "%s", state_dir);
	snprintf(m->path, sizeof(m->path), "%s/%s", state_dir, FIB_MARKER_FILE);
	snprintf(m->tmp, sizeof(m->tmp), "%s/%s.tmp", state_dir, FIB_MARKER_FILE);
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[MARKER_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	m->prev_present = n > 0 && fib_marker_parse(buf, (size_t)n, &m->prev);
	m->cur = m->prev;
	m->cur_known = m->prev_present;
}

bool fib_marker_expected(const struct fib_marker *m)
{
	return m->prev_present && m->prev.routes;
}

/* ---- the write, in libuv's thread pool ---- */

static int write_durably(const struct fib_marker *m)
{
	int dfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	int err = durable_replace(dfd, m->tmp, m->path, m->text, strlen(m->text), 0644, NULL, NULL);
	close(dfd);
	return err;
}

static void work_cb(uv_work_t *w)
{
	struct fib_marker *m = w->data;
	m->last_err = write_durably(m);
}

static void start_write(struct fib_marker *m);

static void after_work_cb(uv_work_t *w, int status)
{
	struct fib_marker *m = w->data;
	m->writing = false;
	if (status == 0 && m->last_err)
		vbr_log(VBR_LOG_WARN, "cannot write the FIB marker", "path", m->path, "error",
			strerror(-m->last_err), NULL);
	if (m->pending)
		start_write(m);
}

static void start_write(struct fib_marker *m)
{
	m->pending = false;
	if (fib_marker_format(&m->cur, m->text, sizeof(m->text)) == 0)
		return;
	m->work.data = m;
	if (uv_queue_work(m->loop, &m->work, work_cb, after_work_cb) == 0)
		m->writing = true;
}

void fib_marker_set(struct fib_marker *m, const struct fib_marker_state *st)
{
	if (m->cur_known && m->cur.routes == st->routes && m->cur.clean == st->clean)
		return;
	m->cur = *st;
	m->cur_known = true;
	if (m->writing)
		m->pending = true; /* the latest state is written once this write is done */
	else
		start_write(m);
}
