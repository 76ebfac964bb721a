/*
 * conn: a BGP transport connection on a libuv TCP handle. Reads are framed here and delivered
 * one message at a time with a budget per wake-up; writes are batched (whatever accumulated in
 * `out` goes to the kernel in one uv_write while the previous one is in flight).
 */
#include "conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "md5.h"

#define RBUF_MIN_FREE 65536
#define RBUF_MAX (1u << 20) /* stop reading while this much is buffered and unframed */

static void conn_freed(uv_handle_t *h)
{
	struct bgp_conn *conn = h->data;
	if (--conn->handles_open > 0)
		return;
	if (conn->closed_cb)
		conn->closed_cb(conn->closed_arg);
	free(conn->rbuf);
	bgp_wbuf_free(&conn->out);
	bgp_wbuf_free(&conn->inflight);
	free(conn);
}

static struct bgp_conn *conn_new(uv_loop_t *loop)
{
	struct bgp_conn *conn = calloc(1, sizeof(*conn));
	if (!conn)
		return NULL;
	bgp_wbuf_init(&conn->out, 0);
	bgp_wbuf_init(&conn->inflight, 0);
	uv_idle_init(loop, &conn->resume);
	uv_timer_init(loop, &conn->linger);
	conn->tcp.data = conn->resume.data = conn->linger.data = conn;
	conn->handles_open = 2; /* the TCP handle is counted once initialized */
	conn->out_notify = conn->inflight_notify = -1;
	return conn;
}

/* Releases a conn whose TCP handle was never initialized. */
static void conn_discard(struct bgp_conn *conn)
{
	conn->closing = true;
	uv_close((uv_handle_t *)&conn->resume, conn_freed);
	uv_close((uv_handle_t *)&conn->linger, conn_freed);
}

static void report_failure(struct bgp_conn *conn, int status)
{
	if (conn->closing || conn->failed_reported)
		return;
	conn->failed_reported = true;
	uv_read_stop((uv_stream_t *)&conn->tcp);
	conn->reading = false;
	uv_idle_stop(&conn->resume);
	conn->ops->failed(conn->owner, conn, status);
}

static void fill_addresses(struct bgp_conn *conn)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_tcp_getsockname(&conn->tcp, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET)
		conn->local_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
	len = sizeof(ss);
	if (uv_tcp_getpeername(&conn->tcp, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET)
		conn->remote_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
}

/* ---- reading ---- */

static void start_reading(struct bgp_conn *conn);

/*
 * Frames and delivers messages until BGP_CONN_BUDGET octets were delivered since the conn last
 * yielded (libuv may call read_cb many times in one wake-up, so the count spans those calls).
 * Returns true if the budget is spent (whole messages may remain): the caller yields. False
 * when it needs more bytes or the conn went away.
 */
static bool deliver(struct bgp_conn *conn)
{
	size_t off = 0;
	bool more = false;
	while (!conn->closing && !conn->failed_reported) {
		if (conn->work >= BGP_CONN_BUDGET) {
			more = true;
			break;
		}
		struct bgp_frame frame;
		struct bgp_notification err;
		size_t used = 0;
		enum bgp_frame_status st =
			bgp_msg_frame(conn->rbuf + off, conn->rlen - off, &frame, &used, &err);
		if (st == BGP_FRAME_NEED_MORE)
			break;
		if (st == BGP_FRAME_ERROR) {
			uv_read_stop((uv_stream_t *)&conn->tcp);
			conn->reading = false;
			conn->failed_reported = true; /* nothing more will be read */
			conn->ops->frame_error(conn->owner, conn, &err);
			return false;
		}
		off += used;
		conn->work += used;
		if (!conn->ops->message(conn->owner, conn, &frame))
			return false;
	}
	if (conn->closing)
		return false;
	if (off) {
		memmove(conn->rbuf, conn->rbuf + off, conn->rlen - off);
		conn->rlen -= off;
	}
	return more;
}

static void resume_cb(uv_idle_t *idle)
{
	struct bgp_conn *conn = idle->data;
	conn->work = 0; /* a new loop iteration: a new budget */
	if (deliver(conn))
		return;
	uv_idle_stop(&conn->resume);
	if (!conn->closing && !conn->failed_reported)
		start_reading(conn);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct bgp_conn *conn = h->data;
	if (conn->rcap - conn->rlen < RBUF_MIN_FREE) {
		size_t cap = conn->rlen + RBUF_MIN_FREE;
		uint8_t *p = realloc(conn->rbuf, cap);
		if (!p) {
			*buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
			return;
		}
		conn->rbuf = p;
		conn->rcap = cap;
	}
	*buf = uv_buf_init((char *)conn->rbuf + conn->rlen, (unsigned)(conn->rcap - conn->rlen));
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct bgp_conn *conn = s->data;
	if (conn->closing)
		return;
	if (nread < 0) {
		report_failure(conn, (int)nread);
		return;
	}
	conn->rlen += (size_t)nread;
	if (deliver(conn) || conn->rlen >= RBUF_MAX) {
		/* Budget spent: stop reading and continue on the next loop turn, after timers and
		 * the other peers' I/O have had their chance. */
		if (!conn->closing && !conn->failed_reported) {
			uv_read_stop(s);
			conn->reading = false;
			uv_idle_start(&conn->resume, resume_cb);
		}
	}
}

bool bgp_conn_input_pending(const struct bgp_conn *conn)
{
	return !conn->closing && (conn->rlen > 0 || uv_is_active((const uv_handle_t *)&conn->resume));
}

static void start_reading(struct bgp_conn *conn)
{
	if (conn->reading || conn->closing)
		return;
	int rc = uv_read_start((uv_stream_t *)&conn->tcp, alloc_cb, read_cb);
	if (rc) {
		report_failure(conn, rc);
		return;
	}
	conn->reading = true;
}

/* ---- writing ---- */

static void really_close(struct bgp_conn *conn);

static void write_cb(uv_write_t *req, int status)
{
	struct bgp_conn *conn = req->data;
	conn->writing = false;
	bgp_wbuf_reset(&conn->inflight);
	int notify = conn->inflight_notify;
	conn->inflight_notify = -1;
	if (status >= 0 && notify >= 0 && conn->notification_written)
		conn->notification_written(conn->closed_arg, conn->peer_id, (uint8_t)notify);
	if (status < 0) {
		if (conn->close_after_flush)
			really_close(conn);
		else if (status != UV_ECANCELED)
			report_failure(conn, status);
		return;
	}
	if (!conn->closing && conn->ops && conn->ops->written)
		conn->ops->written(conn->owner, conn);
	if (conn->closing && !conn->close_after_flush)
		return; /* closed from the callback: nothing more to write */
	if (conn->out.len) {
		bgp_conn_flush(conn);
		return;
	}
	if (conn->close_after_flush)
		really_close(conn);
}

void bgp_conn_mark_notification(struct bgp_conn *conn, uint8_t code)
{
	conn->out_notify = code;
}

int bgp_conn_flush(struct bgp_conn *conn)
{
	if (conn->writing || conn->out.len == 0 || !conn->connected)
		return 0;
	/* Swap: what was queued becomes in flight; new messages queue behind it. */
	struct bgp_wbuf t = conn->inflight;
	conn->inflight = conn->out;
	conn->out = t;
	conn->inflight_notify = conn->out_notify;
	conn->out_notify = -1;
	uv_buf_t b = uv_buf_init((char *)conn->inflight.data, (unsigned)conn->inflight.len);
	conn->write_req.data = conn;
	int rc = uv_write(&conn->write_req, (uv_stream_t *)&conn->tcp, &b, 1, write_cb);
	if (rc) {
		if (!conn->close_after_flush)
			report_failure(conn, rc);
		return rc;
	}
	conn->writing = true;
	return 0;
}

size_t bgp_conn_pending(const struct bgp_conn *conn)
{
	return conn->out.len + conn->inflight.len;
}

/* ---- connect / accept ---- */

static void connect_cb(uv_connect_t *req, int status)
{
	struct bgp_conn *conn = req->data;
	if (conn->closing)
		return;
	if (status == 0) {
		conn->connected = true;
		fill_addresses(conn);
	}
	conn->ops->connected(conn->owner, conn, status);
	if (status == 0 && !conn->closing && !conn->failed_reported) {
		start_reading(conn);
		bgp_conn_flush(conn);
	}
}

int bgp_conn_connect(uv_loop_t *loop, uint32_t ip, uint16_t port, const char *md5_key,
		     uint32_t bind_ip, const struct bgp_conn_ops *ops, void *owner,
		     struct bgp_conn **out)
{
	struct bgp_conn *conn = conn_new(loop);
	if (!conn)
		return UV_ENOMEM;
	int rc = uv_tcp_init_ex(loop, &conn->tcp, AF_INET);
	if (rc) {
		conn_discard(conn);
		return rc;
	}
	conn->handles_open++;
	conn->ops = ops;
	conn->owner = owner;
	conn->outgoing = true;
	conn->remote_ip = ip;
	uv_os_fd_t fd;
	rc = uv_fileno((uv_handle_t *)&conn->tcp, &fd);
	if (rc == 0 && md5_key && *md5_key)
		rc = bgp_md5_set(fd, ip, md5_key);
	if (rc == 0 && bind_ip) {
		struct sockaddr_in local = { .sin_family = AF_INET,
					     .sin_addr.s_addr = htonl(bind_ip) };
		rc = uv_tcp_bind(&conn->tcp, (const struct sockaddr *)&local, 0);
	}
	if (rc == 0) {
		uv_tcp_nodelay(&conn->tcp, 1);
		struct sockaddr_in remote = { .sin_family = AF_INET,
					      .sin_port = htons(port),
					      .sin_addr.s_addr = htonl(ip) };
		conn->connect_req.data = conn;
		rc = uv_tcp_connect(&conn->connect_req, &conn->tcp, (const struct sockaddr *)&remote,
				    connect_cb);
	}
	if (rc) {
		bgp_conn_close(conn, false, 0);
		return rc;
	}
	*out = conn;
	return 0;
}

int bgp_conn_accept(uv_stream_t *listener, struct bgp_conn **out)
{
	struct bgp_conn *conn = conn_new(listener->loop);
	if (!conn)
		return UV_ENOMEM;
	int rc = uv_tcp_init(listener->loop, &conn->tcp);
	if (rc) {
		conn_discard(conn);
		return rc;
	}
	conn->handles_open++;
	rc = uv_accept(listener, (uv_stream_t *)&conn->tcp);
	if (rc) {
		bgp_conn_close(conn, false, 0);
		return rc;
	}
	conn->connected = true;
	uv_tcp_nodelay(&conn->tcp, 1);
	fill_addresses(conn);
	*out = conn;
	return 0;
}

void bgp_conn_start(struct bgp_conn *conn, const struct bgp_conn_ops *ops, void *owner)
{
	conn->ops = ops;
	conn->owner = owner;
	start_reading(conn);
}

/* ---- closing ---- */

static void really_close(struct bgp_conn *conn)
{
	if (uv_is_closing((uv_handle_t *)&conn->tcp))
		return;
	uv_idle_stop(&conn->resume);
	uv_timer_stop(&conn->linger);
	uv_close((uv_handle_t *)&conn->tcp, conn_freed);
	uv_close((uv_handle_t *)&conn->resume, conn_freed);
	uv_close((uv_handle_t *)&conn->linger, conn_freed);
}

static void linger_cb(uv_timer_t *t)
{
	really_close(t->data);
}

void bgp_conn_close(struct bgp_conn *conn, bool flush, uint32_t linger_ms)
{
	if (!conn || conn->closing)
		return;
	conn->closing = true;
	if (conn->reading)
		uv_read_stop((uv_stream_t *)&conn->tcp);
	conn->reading = false;
	uv_idle_stop(&conn->resume);
	if (flush && conn->connected && bgp_conn_pending(conn) > 0) {
		conn->close_after_flush = true;
		if (!conn->writing && bgp_conn_flush(conn) != 0) {
			really_close(conn);
			return;
		}
		uv_timer_start(&conn->linger, linger_cb, linger_ms ? linger_ms : 1, 0);
		return;
	}
	really_close(conn);
}
