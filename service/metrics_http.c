/*
 * metrics_http: the HTTP/1.1 side of --metrics-listen, on the libuv loop. It reads one request
 * per connection into a fixed buffer (VBR_METRICS_REQUEST_MAX), answers GET /metrics with a
 * fresh rendering (metrics.c) and anything else with 400/404/405/431, and closes the
 * connection once the reply is written. A timer closes a connection that is too slow to send
 * its request or to take its reply; connections past VBR_METRICS_CONN_MAX are closed at once.
 * Memory of a connection is freed only after the close callbacks of both its handles ran.
 */
#include "metrics.h"

#include "http_request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct conn {
	struct vbr_metrics *metrics;
	struct conn *prev, *next;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t write_req;
	int open_handles; /* freed when it drops to 0 */
	bool closing;
	bool answered; /* the request is complete; ignore further bytes */
	char header[256];
	char *body;
	size_t len;
	char request[VBR_METRICS_REQUEST_MAX];
};

struct vbr_metrics {
	uv_loop_t *loop;
	uv_tcp_t listener;
	bool listener_open;
	struct vbr_metrics_config config;
	char version[64];
	int port;
	struct conn *conns;
	size_t n_conns;
	bool stopping;
	void (*done)(void *arg);
	void *done_arg;
};

static void maybe_finish(struct vbr_metrics *m)
{
	if (!m->stopping || m->listener_open || m->conns)
		return;
	void (*done)(void *) = m->done;
	void *arg = m->done_arg;
	free(m);
	if (done)
		done(arg);
}

static void conn_handle_closed(uv_handle_t *handle)
{
	struct conn *c = handle->data;
	if (--c->open_handles > 0)
		return;
	struct vbr_metrics *m = c->metrics;
	if (c->prev)
		c->prev->next = c->next;
	else
		m->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	m->n_conns--;
	free(c->body);
	free(c);
	maybe_finish(m);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
}

static void on_timeout(uv_timer_t *timer)
{
	conn_close(timer->data);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status; /* success or not, the connection is done */
	conn_close(req->data);
}

static void reply(struct conn *c, int code, const char *reason, const char *content_type,
		  const char *extra_header, char *body, size_t body_len)
{
	c->answered = true;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->body = body;
	int n = snprintf(c->header, sizeof(c->header),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			 "Connection: close\r\n\r\n",
			 code, reason, content_type, body_len, extra_header);
	if (n < 0 || (size_t)n >= sizeof(c->header)) {
		conn_close(c);
		return;
	}
	uv_buf_t bufs[2] = {uv_buf_init(c->header, (unsigned)n),
			    uv_buf_init(body, (unsigned)body_len)};
	c->write_req.data = c;
	/* The idle timer now bounds how long a client may take to read the reply. */
	uv_timer_start(&c->timer, on_timeout, VBR_METRICS_IDLE_MS, 0);
	if (uv_write(&c->write_req, (uv_stream_t *)&c->tcp, bufs, body_len ? 2 : 1, on_written) < 0)
		conn_close(c);
}

static void reply_text(struct conn *c, int code, const char *reason, const char *extra_header)
{
	char *body = NULL;
	size_t len = 0;
	char line[64];
	int n = snprintf(line, sizeof(line), "%d %s\n", code, reason);
	if (n > 0 && (body = malloc((size_t)n + 1)) != NULL) {
		memcpy(body, line, (size_t)n + 1);
		len = (size_t)n;
	}
	reply(c, code, reason, "text/plain; charset=utf-8", extra_header, body, len);
}

/* The headers are complete in c->request[0..c->len). */
static void answer(struct conn *c)
{
	switch (http_request_line(c->request, c->len)) {
	case HTTP_GET_METRICS:
		break;
	case HTTP_BAD_REQUEST:
		reply_text(c, 400, "Bad Request", "");
		return;
	case HTTP_NOT_FOUND:
		reply_text(c, 404, "Not Found", "");
		return;
	case HTTP_METHOD_NOT_ALLOWED:
		reply_text(c, 405, "Method Not Allowed", "Allow: GET\r\n");
		return;
	case HTTP_URI_TOO_LONG:
		reply_text(c, 414, "URI Too Long", "");
		return;
	}
	char *body;
	size_t len;
	if (vbr_metrics_render(&c->metrics->config, &body, &len) != 0) {
		reply_text(c, 500, "Internal Server Error", "");
		return;
	}
	reply(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", "", body, len);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct conn *c = handle->data;
	*buf = uv_buf_init(c->request + c->len, (unsigned)(sizeof(c->request) - c->len));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct conn *c = stream->data;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (nread == 0 || c->answered)
		return;
	size_t scanned = c->len;
	c->len += (size_t)nread;
	if (http_headers_end(c->request, c->len, scanned)) {
		answer(c);
		return;
	}
	if (c->len == sizeof(c->request))
		reply_text(c, 431, "Request Header Fields Too Large", "");
}

static void on_connection(uv_stream_t *server, int status)
{
	struct vbr_metrics *m = server->data;
	if (status < 0 || m->stopping)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return; /* the pending connection stays in the backlog until memory returns */
	c->metrics = m;
	c->tcp.data = c;
	c->timer.data = c;
	if (uv_tcp_init(m->loop, &c->tcp) != 0) {
		free(c);
		return;
	}
	uv_timer_init(m->loop, &c->timer);
	c->open_handles = 2;
	c->next = m->conns;
	if (m->conns)
		m->conns->prev = c;
	m->conns = c;
	m->n_conns++;

	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || m->n_conns > VBR_METRICS_CONN_MAX) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timeout, VBR_METRICS_IDLE_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
		conn_close(c);
}

/* "1.2.3.4:9179", ":9179" (all IPv4 addresses) or "[::1]:9179". */
static int parse_listen(const char *listen, struct sockaddr_storage *addr)
{
	if (!listen)
		return UV_EINVAL;
	const char *colon = strrchr(listen, ':');
	if (!colon || colon[1] == '\0')
		return UV_EINVAL;
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno || port > 65535 || colon[1] == '-' || colon[1] == '+')
		return UV_EINVAL;
	char host[64];
	size_t host_len = (size_t)(colon - listen);
	if (listen[0] == '[') {
		if (host_len < 3 || colon[-1] != ']' || host_len - 2 >= sizeof(host))
			return UV_EINVAL;
		memcpy(host, listen + 1, host_len - 2);
		host[host_len - 2] = '\0';
		return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)addr);
	}
	if (host_len >= sizeof(host))
		return UV_EINVAL;
	memcpy(host, listen, host_len);
	host[host_len] = '\0';
	return uv_ip4_addr(host_len ? host : "0.0.0.0", (int)port, (struct sockaddr_in *)addr);
}

static void on_listener_closed(uv_handle_t *handle)
{
	struct vbr_metrics *m = handle->data;
	m->listener_open = false;
	maybe_finish(m);
}

int vbr_metrics_start(uv_loop_t *loop, const struct vbr_metrics_config *config,
		      struct vbr_metrics **out)
{
	struct sockaddr_storage addr = {0};
	int err = parse_listen(config->listen, &addr);
	if (err)
		return err;
	struct vbr_metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return UV_ENOMEM;
	m->loop = loop;
	m->config = *config;
	m->config.listen = NULL; /* not kept: the caller's string may go */
	snprintf(m->version, sizeof(m->version), "%s", config->version ? config->version : "");
	m->config.version = m->version;
	m->listener.data = m;
	if ((err = uv_tcp_init(loop, &m->listener)) != 0) {
		free(m);
		return err;
	}
	m->listener_open = true;
	err = uv_tcp_bind(&m->listener, (const struct sockaddr *)&addr, 0);
	if (!err)
		err = uv_listen((uv_stream_t *)&m->listener, 64, on_connection);
	if (!err) {
		struct sockaddr_storage bound;
		int len = sizeof(bound);
		err = uv_tcp_getsockname(&m->listener, (struct sockaddr *)&bound, &len);
		if (!err)
			m->port = ntohs(bound.ss_family == AF_INET6
					    ? ((struct sockaddr_in6 *)&bound)->sin6_port
					    : ((struct sockaddr_in *)&bound)->sin_port);
	}
	if (err) {
		/* Freed by the close callback on the loop's next run. */
		m->stopping = true;
		uv_close((uv_handle_t *)&m->listener, on_listener_closed);
		return err;
	}
	*out = m;
	return 0;
}

int vbr_metrics_port(const struct vbr_metrics *metrics)
{
	return metrics->port;
}

void vbr_metrics_stop(struct vbr_metrics *metrics, void (*done)(void *arg), void *arg)
{
	metrics->stopping = true;
	metrics->done = done;
	metrics->done_arg = arg;
	uv_close((uv_handle_t *)&metrics->listener, on_listener_closed);
	for (struct conn *c = metrics->conns; c; c = c->next)
		conn_close(c);
}
