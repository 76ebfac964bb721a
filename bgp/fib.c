/*
 * fib: see fib.h. Two queues cross the thread boundary, each under its own mutex: the inbox of
 * operations (loop -> writer, with an eventfd to wake the writer's poll) and the outbox of
 * reports (writer -> loop, with a uv_async; the loop drains the whole outbox each time, since
 * uv_async_send coalesces). The writer owns both netlink sockets.
 */
#include "fib.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "fib_guard.h"
#include "fib_netlink.h"
#include "fib_nl_parse.h"

#define WRITE_CHUNK   2048 /* operations per fib_nl_write: results go back between chunks */
#define STATUS_POLL_MS 2000 /* ip_forward is re-read this often */
#define RESYNC_GAP_MS 1000 /* at most one read-back of vbrd's routes a second */
#define STOP_BOUND_S  10   /* a stop performs what is queued for at most this long (200,000
			    * deletes take about 1.5 s) */

enum report_kind { REP_RESULTS, REP_CONNECTED, REP_LEFTOVERS, REP_STATUS, REP_TAKEN, REP_KERNEL };

struct report {
	struct report *next;
	enum report_kind kind;
	size_t n;
	bool permitted, ip_forwarding;
	void *items; /* fib_result / fib_connected / fib_route[n] */
};

struct fib {
	uv_loop_t *loop;
	struct fib_config config;
	struct fib_callbacks cb;
	void *ctx;
	uv_async_t async;
	pthread_t thread;
	int wake_fd;
	pthread_mutex_t lock; /* inbox and outbox */
	struct fib_op *inbox;
	size_t n_inbox, cap_inbox;
	struct report *out_head, *out_tail;
	bool stop;	/* set by the loop; the writer ends after the inbox */
	struct fib_guard guard; /* writer only: the kind each write goes as */
	/* writer only: what the monitor said since it was last reported */
	struct fib_route *taken; /* route events that may have taken vbrd's routes out */
	size_t n_taken, cap_taken;
	bool links_changed, events_lost;
	bool finished;	/* set by the writer when it has nothing more to report */
	void (*done)(void *arg);
	void *done_arg;
};

/* ---- writer thread ---- */

static void post(struct fib *f, struct report *r)
{
	pthread_mutex_lock(&f->lock);
	if (f->out_tail)
		f->out_tail->next = r;
	else
		f->out_head = r;
	f->out_tail = r;
	pthread_mutex_unlock(&f->lock);
	uv_async_send(&f->async);
}

static void post_items(struct fib *f, enum report_kind kind, void *items, size_t n)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r) {
		free(items);
		return;
	}
	r->kind = kind;
	r->items = items;
	r->n = n;
	post(f, r);
}

static bool read_ip_forward(void)
{
	FILE *fp = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	int v = 0;
	if (fp) {
		if (fscanf(fp, "%d", &v) != 1)
			v = 0;
		fclose(fp);
	}
	return v == 1;
}

static void post_status(struct fib *f, bool permitted, bool fwd)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->kind = REP_STATUS;
	r->permitted = permitted;
	r->ip_forwarding = fwd;
	post(f, r);
}

static void post_connected(struct fib *f, struct mnl_socket *nl)
{
	struct fib_connected *list = NULL;
	int n = fib_nl_connected(nl, &list);
	if (n >= 0)
		post_items(f, REP_CONNECTED, list, (size_t)n);
}

/* Sorted here, so the loop compares it with its table in one pass. */
static void post_kernel(struct fib *f, struct mnl_socket *nl)
{
	struct fib_route *routes = NULL;
	int n = fib_nl_our_routes(nl, f->config.table, &routes);
	if (n < 0)
		return;
	if (n > 1)
		qsort(routes, (size_t)n, sizeof(*routes), fib_route_cmp);
	post_items(f, REP_KERNEL, routes, (size_t)n);
}

/* Events were lost: vbrd's routes are to be read back (once writing pauses). */
static bool read_back_wanted(const struct fib *f, const struct mnl_socket *nl)
{
	return f->events_lost && f->config.program && nl;
}

static void note_taken(void *arg, const struct fib_route *r)
{
	struct fib *f = arg;
	if (f->n_taken == f->cap_taken) {
		size_t cap = f->cap_taken ? f->cap_taken * 2 : 64;
		struct fib_route *t = realloc(f->taken, cap * sizeof(*t));
		if (!t) {
			f->events_lost = true; /* the read-back finds it instead */
			return;
		}
		f->taken = t;
		f->cap_taken = cap;
	}
	f->taken[f->n_taken++] = *r;
}

/* What the monitor holds now, noted for post_monitor. Read between chunks of writes too: a
 * large batch's own route events would otherwise overrun the socket (ENOBUFS). */
static void read_monitor(struct fib *f, struct mnl_socket *mon)
{
	if (!mon)
		return;
	int changed = fib_nl_drain_monitor(mon, f->config.table, note_taken, f);
	if (changed < 0)
		return;
	f->links_changed |= (changed & FIB_NL_MON_LINKS) != 0;
	f->events_lost |= (changed & FIB_NL_MON_LOST) != 0;
}

/* After the results of the writes before it, so the loop knows its own deletes are done. */
static void post_monitor(struct fib *f, struct mnl_socket *nl)
{
	if (f->links_changed && nl) {
		f->links_changed = false;
		post_connected(f, nl);
	}
	if (f->n_taken) {
		post_items(f, REP_TAKEN, f->taken, f->n_taken);
		f->taken = NULL;
		f->n_taken = f->cap_taken = 0;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool stop_requested(struct fib *f)
{
	pthread_mutex_lock(&f->lock);
	bool stop = f->stop;
	pthread_mutex_unlock(&f->lock);
	return stop;
}

/* Performs a batch of operations, reporting results chunk by chunk. Once a stop is asked
 * for, *deadline is set: what is left when it passes is not written (the next start finds
 * vbrd's routes left in the table and reconciles them). */
static void perform(struct fib *f, struct mnl_socket *nl, struct mnl_socket *mon,
		    struct fib_op *ops, size_t n, time_t *deadline)
{
	for (size_t done = 0; done < n;) {
		if (!*deadline && stop_requested(f))
			*deadline = time(NULL) + STOP_BOUND_S;
		if (*deadline && time(NULL) >= *deadline)
			return;
		size_t k = n - done < WRITE_CHUNK ? n - done : WRITE_CHUNK;
		struct fib_result *res = malloc(k * sizeof(*res));
		int *errs = malloc(k * sizeof(*errs));
		if (!res || !errs) {
			free(res);
			free(errs);
			return; /* the loop's table keeps them pending: visible, not silent */
		}
		/* Runs without a repeated prefix, so each write's kind is decided knowing the
		 * answers to the ones before it (fib_guard.h). */
		for (size_t i = 0, run; i < k; i += run) {
			run = fib_guard_run(&f->guard, ops + done + i, k - i);
			fib_guard_adjust(&f->guard, ops + done + i, run);
			fib_nl_write(nl, f->config.table, ops + done + i, run, errs + i);
			fib_guard_learn(&f->guard, ops + done + i, errs + i, run);
		}
		for (size_t i = 0; i < k; i++)
			res[i] = (struct fib_result){.op = ops[done + i], .err = errs[i]};
		free(errs);
		post_items(f, REP_RESULTS, res, k);
		read_monitor(f, mon);
		post_monitor(f, nl);
		done += k;
	}
}

static struct fib_op *take_inbox(struct fib *f, size_t *n, bool *stop)
{
	pthread_mutex_lock(&f->lock);
	struct fib_op *ops = f->inbox;
	*n = f->n_inbox;
	*stop = f->stop;
	f->inbox = NULL;
	f->n_inbox = f->cap_inbox = 0;
	pthread_mutex_unlock(&f->lock);
	return ops;
}

static void start_up(struct fib *f, struct mnl_socket *nl, bool *permitted, bool *fwd)
{
	struct fib_route *routes = NULL;
	int n = fib_nl_our_routes(nl, f->config.table, &routes);
	if (n > 0)
		fib_guard_found(&f->guard, routes, (size_t)n); /* out of memory: adds refused */
	post_connected(f, nl);
	post_items(f, REP_LEFTOVERS, n > 0 ? routes : NULL, n > 0 ? (size_t)n : 0);
	if (n <= 0)
		free(routes);
	*permitted = f->config.program && fib_nl_probe(nl, f->config.table) == 0;
	*fwd = read_ip_forward();
	post_status(f, *permitted, *fwd);
}

static void *writer_main(void *arg)
{
	struct fib *f = arg;
	struct mnl_socket *nl = fib_nl_open(0);
	/* Route events too: someone else may delete vbrd's routes (`ip route del`, another
	 * daemon), and vbrd writes them again. */
	struct mnl_socket *mon = fib_nl_open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE);
	bool permitted = false, fwd = false;
	if (nl)
		start_up(f, nl, &permitted, &fwd);
	else
		post_status(f, false, read_ip_forward());
	time_t stop_deadline = 0;
	uint64_t resync_at = 0;
	for (;;) {
		struct pollfd fds[2] = {{.fd = f->wake_fd, .events = POLLIN},
					{.fd = mon ? mnl_socket_get_fd(mon) : -1, .events = POLLIN}};
		uint64_t t = now_ms();
		int wait_ms = !read_back_wanted(f, nl) ? STATUS_POLL_MS
			      : resync_at > t ? (int)(resync_at - t)
					      : 0;
		poll(fds, 2, wait_ms);
		uint64_t v;
		if (fds[0].revents & POLLIN && read(f->wake_fd, &v, sizeof(v)) < 0)
			v = 0;
		if (fds[1].revents & POLLIN)
			read_monitor(f, mon);
		post_monitor(f, nl);
		size_t n;
		bool stop;
		struct fib_op *ops = take_inbox(f, &n, &stop);
		if (stop && !stop_deadline)
			stop_deadline = time(NULL) + STOP_BOUND_S;
		if (n && nl)
			perform(f, nl, mon, ops, n, &stop_deadline);
		free(ops);
		/* Events were lost: read vbrd's routes back once writing pauses (a large batch
		 * of its own overruns the monitor more than once), at most once a second. */
		if (!n && read_back_wanted(f, nl) && now_ms() >= resync_at) {
			f->events_lost = false;
			post_kernel(f, nl);
			resync_at = now_ms() + RESYNC_GAP_MS;
		}
		if (stop)
			break;
		bool now = read_ip_forward();
		if (now != fwd) {
			fwd = now;
			post_status(f, permitted, fwd);
		}
	}
	fib_nl_close(nl);
	fib_nl_close(mon);
	pthread_mutex_lock(&f->lock);
	f->finished = true;
	pthread_mutex_unlock(&f->lock);
	uv_async_send(&f->async);
	return NULL;
}

/* ---- loop side ---- */

void fib_free(struct fib *f);

static void deliver(struct fib *f, struct report *r)
{
	if (f->done)
		return; /* stopping: nobody listens any more */
	switch (r->kind) {
	case REP_RESULTS:
		f->cb.on_results(f->ctx, r->items, r->n);
		break;
	case REP_CONNECTED:
		f->cb.on_connected(f->ctx, r->items, r->n);
		break;
	case REP_LEFTOVERS:
		f->cb.on_leftovers(f->ctx, r->items, r->n);
		break;
	case REP_STATUS:
		f->cb.on_status(f->ctx, r->permitted, r->ip_forwarding);
		break;
	case REP_TAKEN:
		f->cb.on_kernel_routes(f->ctx, r->items, r->n, false);
		break;
	case REP_KERNEL:
		f->cb.on_kernel_routes(f->ctx, r->items, r->n, true);
		break;
	}
}

static void async_closed(uv_handle_t *h)
{
	struct fib *f = h->data;
	void (*done)(void *) = f->done;
	done(f->done_arg);
}

static void async_cb(uv_async_t *a)
{
	struct fib *f = a->data;
	pthread_mutex_lock(&f->lock);
	struct report *r = f->out_head;
	bool finished = f->finished;
	f->out_head = f->out_tail = NULL;
	pthread_mutex_unlock(&f->lock);
	while (r) {
		struct report *next = r->next;
		deliver(f, r);
		free(r->items);
		free(r);
		r = next;
	}
	if (finished && f->done) {
		pthread_join(f->thread, NULL);
		uv_close((uv_handle_t *)&f->async, async_closed);
	}
}

static void free_on_close(uv_handle_t *h)
{
	fib_free(h->data);
}

int fib_start(uv_loop_t *loop, const struct fib_config *config, const struct fib_callbacks *cb,
	      void *ctx, struct fib **out)
{
	struct fib *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->loop = loop;
	f->config = *config;
	if (!f->config.table)
		f->config.table = RT_TABLE_MAIN;
	f->cb = *cb;
	f->ctx = ctx;
	if (fib_guard_init(&f->guard) != 0) {
		free(f);
		return -ENOMEM;
	}
	f->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->wake_fd < 0) {
		int e = errno;
		fib_guard_free(&f->guard);
		free(f);
		return -e;
	}
	pthread_mutex_init(&f->lock, NULL);
	int rc = uv_async_init(loop, &f->async, async_cb);
	if (rc) {
		fib_free(f);
		return rc;
	}
	f->async.data = f;
	rc = -pthread_create(&f->thread, NULL, writer_main, f);
	if (rc) {
		uv_close((uv_handle_t *)&f->async, free_on_close);
		return rc;
	}
	*out = f;
	return 0;
}

static void wake(struct fib *f)
{
	uint64_t one = 1;
	if (write(f->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter is full: the writer is awake anyway. */
	}
}

int fib_submit(struct fib *f, const struct fib_op *ops, size_t n)
{
	if (!f->config.program)
		return -EPERM;
	pthread_mutex_lock(&f->lock);
	if (f->n_inbox + n > f->cap_inbox) {
		size_t cap = f->cap_inbox ? f->cap_inbox : 256;
		while (cap < f->n_inbox + n)
			cap *= 2;
		struct fib_op *p = realloc(f->inbox, cap * sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&f->lock);
			return -ENOMEM;
		}
		f->inbox = p;
		f->cap_inbox = cap;
	}
	memcpy(f->inbox + f->n_inbox, ops, n * sizeof(*ops));
	f->n_inbox += n;
	pthread_mutex_unlock(&f->lock);
	wake(f);
	return 0;
}

static void no_done(void *arg)
{
	(void)arg;
}

void fib_stop(struct fib *f, void (*done)(void *arg), void *arg)
{
	f->done = done ? done : no_done;
	f->done_arg = arg;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_mutex_unlock(&f->lock);
	wake(f);
}

void fib_free(struct fib *f)
{
	if (!f)
		return;
	close(f->wake_fd);
	pthread_mutex_destroy(&f->lock);
	free(f->inbox);
	free(f->taken);
	fib_guard_free(&f->guard);
	for (struct report *r = f->out_head, *next; r; r = next) {
		next = r->next;
		free(r->items);
		free(r);
	}
	free(f);
}
