/*
 * Unit test of service/metrics: counters, the Prometheus rendering of a scrape, and the HTTP
 * server on a real libuv loop with real TCP clients on 127.0.0.1 (same loop, no threads).
 * `test_metrics --dump` prints a rendering with sample data for promtool (see CMakeLists).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

#define SECRET "md5-Key-that-must-never-show"

/* ---- sample data ---- */

static void collect_sample(void *ctx, struct vbr_metrics_scrape *scrape)
{
	int *calls = ctx;
	if (calls)
		(*calls)++;
	/* Out of id order on purpose: the output is sorted. */
	struct vbr_metrics_peer b = {
		.id = 7,
		.group_id = 2,
		.peer_ip = 0x0a000002, /* 10.0.0.2 */
		.peer_asn = 65001,
		.status = {.state = BGP_STATE_ESTABLISHED,
			   .established_since_ms = 1700000000123,
			   .received_routes = 120,
			   .accepted_routes = 100,
			   .advertised_routes = 3,
			   .negotiated_hold_time = 30,
			   .established_transitions = 2,
			   .messages_in = 55,
			   .messages_out = 44,
			   .notifications_in = 3,
			   .notifications_out = 2,
			   .notifications_in_by_code = {[6] = 2}, /* one more in: code unknown */
			   .notifications_out_by_code = {[4] = 1, [8] = 1}},
		.id_label = "bgpp-00000007",
		.group_id_label = "bgpg-00000002",
	};
	snprintf(b.status.last_error, sizeof(b.status.last_error), "bad key %s", SECRET);
	struct vbr_metrics_peer a = {
		.id = 3,
		.group_id = 2,
		.peer_ip = 0xc0a80101, /* 192.168.1.1 */
		.peer_asn = 4200000000u,
		.admin_down = true,
		.status = {.state = BGP_STATE_IDLE},
	};
	assert_int_equal(vbr_metrics_scrape_peer(scrape, &b), 0);
	assert_int_equal(vbr_metrics_scrape_peer(scrape, &a), 0);
	vbr_metrics_scrape_watchers(scrape, 5);
	vbr_metrics_scrape_unknown_connections(scrape, 9);
}

static void fill_counters(struct vbr_metrics_counters *c)
{
	vbr_metrics_counters_init(c);
	int get = vbr_metrics_api_method(c, "GetRouter");
	int create = vbr_metrics_api_method(c, "CreateBgpGroup");
	assert_int_equal(vbr_metrics_api_method(c, "Watch\"Odd\\Name"), 2);
	for (int i = 0; i < 4; i++)
		vbr_metrics_api_call(c, get, 0);
	vbr_metrics_api_call(c, create, 3);
	vbr_metrics_api_call(c, create, 6);
	vbr_metrics_api_call(c, create, 6);
	vbr_metrics_api_call(c, create, 17); /* out of range: ignored */
	vbr_metrics_api_call(c, 40, 0);	     /* unregistered: ignored */
	vbr_metrics_store_write(c, 300000);	/* 0.3 ms -> le 0.0005 */
	vbr_metrics_store_write(c, 1000000);	/* exactly 1 ms -> le 0.001 */
	vbr_metrics_store_write(c, 7000000);	/* -> le 0.01 */
	vbr_metrics_store_write(c, 9000000000); /* 9 s -> +Inf only */
}

static struct vbr_metrics_counters sample_counters;

static char *render_sample(int *collect_calls)
{
	fill_counters(&sample_counters);
	struct vbr_metrics_config cfg = {
		.version = "0.1.0",
		.local_asn = 45104,
		.start_time_unix = 1700000000,
		.counters = &sample_counters,
		.collect = collect_sample,
		.collect_ctx = collect_calls,
	};
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(vbr_metrics_render(&cfg, &text, &len), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void assert_line(const char *text, const char *line)
{
	char want[512];
	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("missing line: %s\n--- output ---\n%s", line, text);
}

/* ---- counters ---- */

static void test_method_registry(void **state)
{
	(void)state;
	static struct vbr_metrics_counters c;
	vbr_metrics_counters_init(&c);
	assert_int_equal(vbr_metrics_api_method(&c, "GetRouter"), 0);
	assert_int_equal(vbr_metrics_api_method(&c, "ListRoutes"), 1);
	assert_int_equal(vbr_metrics_api_method(&c, "GetRouter"), 0);
	assert_int_equal(vbr_metrics_api_method(&c, ""), -EINVAL);
	assert_int_equal(vbr_metrics_api_method(&c, NULL), -EINVAL);
	char longname[VBR_METRICS_METHOD_NAME_MAX + 1];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(vbr_metrics_api_method(&c, longname), -EINVAL);
	for (int i = 2; i < VBR_METRICS_API_METHODS_MAX; i++) {
		char name[32];
		snprintf(name, sizeof(name), "M%d", i);
		assert_int_equal(vbr_metrics_api_method(&c, name), i);
	}
	assert_int_equal(vbr_metrics_api_method(&c, "OneTooMany"), -ENOSPC);
}

/* ---- rendering ---- */

static void test_render_peers(void **state)
{
	(void)state;
	int calls = 0;
	char *text = render_sample(&calls);
	assert_int_equal(calls, 1);

	assert_line(text, "vbrd_build_info{version=\"0.1.0\",local_asn=\"45104\"} 1");
	assert_line(text, "vbrd_start_time_seconds 1700000000");
	assert_line(text, "vbrd_bgp_peers 2");
	assert_line(text, "vbrd_bgp_peer_info{peer_id=\"3\",peer_ip=\"192.168.1.1\",group_id=\"2\","
			  "peer_asn=\"4200000000\"} 1");
	assert_line(text, "vbrd_bgp_peer_info{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\","
			  "group_id=\"bgpg-00000002\",peer_asn=\"65001\"} 1");
	assert_line(text, "vbrd_bgp_peer_state{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",state=\"established\"} 1");
	assert_line(text, "vbrd_bgp_peer_state{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",state=\"idle\"} 0");
	assert_line(text, "vbrd_bgp_peer_state{peer_id=\"3\",peer_ip=\"192.168.1.1\",state=\"idle\"} 1");
	assert_line(text, "vbrd_bgp_peer_state{peer_id=\"3\",peer_ip=\"192.168.1.1\",state=\"established\"} 0");
	/* Lower case of the core's names (state.h): "OpenSent" -> "opensent". */
	assert_line(text, "vbrd_bgp_peer_state{peer_id=\"3\",peer_ip=\"192.168.1.1\",state=\"opensent\"} 0");
	assert_line(text, "vbrd_bgp_peer_state{peer_id=\"3\",peer_ip=\"192.168.1.1\",state=\"openconfirm\"} 0");
	assert_line(text, "vbrd_bgp_peer_up{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\"} 1");
	assert_line(text, "vbrd_bgp_peer_up{peer_id=\"3\",peer_ip=\"192.168.1.1\"} 0");
	assert_line(text, "vbrd_bgp_peer_admin_down{peer_id=\"3\",peer_ip=\"192.168.1.1\"} 1");
	assert_line(text, "vbrd_bgp_peer_established_since_seconds{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\"} 1700000000");
	assert_line(text, "vbrd_bgp_peer_negotiated_hold_time_seconds{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\"} 30");
	assert_line(text, "vbrd_bgp_peer_received_routes{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\"} 120");
	assert_line(text, "vbrd_bgp_peer_accepted_routes{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\"} 100");
	assert_line(text, "vbrd_bgp_peer_advertised_routes{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\"} 3");
	assert_line(text, "vbrd_bgp_peer_established_transitions_total{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\"} 2");
	assert_line(text, "vbrd_bgp_peer_messages_total{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",direction=\"in\"} 55");
	assert_line(text, "vbrd_bgp_peer_messages_total{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",direction=\"out\"} 44");
	assert_line(text, "vbrd_bgp_peer_notifications_total{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",direction=\"in\","
			  "code=\"6\",code_name=\"cease\"} 2");
	assert_line(text, "vbrd_bgp_peer_notifications_total{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",direction=\"in\","
			  "code=\"unknown\",code_name=\"unknown\"} 1");
	assert_line(text, "vbrd_bgp_peer_notifications_total{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",direction=\"out\","
			  "code=\"4\",code_name=\"hold_timer_expired\"} 1");
	/* RFC 9687's Send Hold Timer Expired has a slot of its own. */
	assert_line(text, "vbrd_bgp_peer_notifications_total{peer_id=\"bgpp-00000007\",peer_ip=\"10.0.0.2\",direction=\"out\","
			  "code=\"8\",code_name=\"send_hold_timer_expired\"} 1");
	/* Totals fully explained by code: no "unknown" series for the out direction. */
	assert_null(strstr(text, "direction=\"out\",code=\"unknown\""));
	assert_line(text, "vbrd_bgp_unknown_connections_total 9");
	assert_line(text, "vbrd_api_watchers 5");

	/* Peers in id order: peer 3 before peer 7 within a family. */
	const char *p3 = strstr(text, "vbrd_bgp_peer_up{peer_id=\"3\"");
	const char *p7 = strstr(text, "vbrd_bgp_peer_up{peer_id=\"bgpp-00000007\"");
	assert_non_null(p3);
	assert_non_null(p7);
	assert_true(p3 < p7);

	/* The last_error text (which here holds a key) is never rendered. */
	assert_null(strstr(text, SECRET));
	free(text);
}

static void test_render_api_and_store(void **state)
{
	(void)state;
	char *text = render_sample(NULL);
	assert_line(text, "vbrd_api_calls_total{method=\"GetRouter\",code=\"OK\"} 4");
	assert_line(text, "vbrd_api_calls_total{method=\"CreateBgpGroup\",code=\"OK\"} 0");
	assert_line(text, "vbrd_api_calls_total{method=\"CreateBgpGroup\",code=\"INVALID_ARGUMENT\"} 1");
	assert_line(text, "vbrd_api_calls_total{method=\"CreateBgpGroup\",code=\"ALREADY_EXISTS\"} 2");
	assert_line(text, "vbrd_api_calls_total{method=\"Watch\\\"Odd\\\\Name\",code=\"OK\"} 0");
	assert_null(strstr(text, "code=\"NOT_FOUND\""));

	assert_line(text, "vbrd_store_write_duration_seconds_bucket{le=\"0.0005\"} 1");
	assert_line(text, "vbrd_store_write_duration_seconds_bucket{le=\"0.001\"} 2");
	assert_line(text, "vbrd_store_write_duration_seconds_bucket{le=\"0.005\"} 2");
	assert_line(text, "vbrd_store_write_duration_seconds_bucket{le=\"0.01\"} 3");
	assert_line(text, "vbrd_store_write_duration_seconds_bucket{le=\"2\"} 3");
	assert_line(text, "vbrd_store_write_duration_seconds_bucket{le=\"+Inf\"} 4");
	assert_line(text, "vbrd_store_write_duration_seconds_count 4");
	assert_line(text, "vbrd_store_write_duration_seconds_sum 9.008300000");

	/* Every sample's family was announced before it, and each family once. */
	assert_non_null(strstr(text, "# TYPE vbrd_store_write_duration_seconds histogram\n"));
	assert_non_null(strstr(text, "# TYPE vbrd_api_calls_total counter\n"));
	const char *first = strstr(text, "# TYPE vbrd_bgp_peer_up gauge");
	assert_non_null(first);
	assert_null(strstr(first + 1, "# TYPE vbrd_bgp_peer_up gauge"));
	free(text);
}

static void test_render_empty(void **state)
{
	(void)state;
	struct vbr_metrics_config cfg = {.version = "x"};
	char *text;
	size_t len;
	assert_int_equal(vbr_metrics_render(&cfg, &text, &len), 0);
	assert_line(text, "vbrd_bgp_peers 0");
	assert_line(text, "vbrd_api_watchers 0");
	assert_line(text, "vbrd_store_write_duration_seconds_count 0");
	free(text);
}

/* ---- HTTP server ---- */

struct client {
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	const char *request;
	size_t request_len;
	char response[65536];
	size_t len;
	bool connected, finished, closed;
};

static void client_closed(uv_handle_t *h)
{
	((struct client *)h->data)->closed = true;
}

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct client *c = h->data;
	*buf = uv_buf_init(c->response + c->len, (unsigned)(sizeof(c->response) - 1 - c->len));
}

static void client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct client *c = s->data;
	if (nread > 0) {
		c->len += (size_t)nread;
		c->response[c->len] = '\0';
	} else if (nread < 0) {
		c->finished = true; /* EOF (or reset): the server closed */
		uv_close((uv_handle_t *)&c->tcp, client_closed);
	}
}

static void client_written(uv_write_t *req, int status)
{
	(void)req;
	(void)status;
}

static void client_connected(uv_connect_t *req, int status)
{
	struct client *c = req->data;
	assert_int_equal(status, 0);
	c->connected = true;
	uv_read_start((uv_stream_t *)&c->tcp, client_alloc, client_read);
	if (c->request_len) {
		uv_buf_t b = uv_buf_init((char *)c->request, (unsigned)c->request_len);
		assert_int_equal(uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, client_written), 0);
	}
}

static void client_start(uv_loop_t *loop, struct client *c, int port, const char *request,
			 size_t request_len)
{
	memset(c, 0, sizeof(*c));
	c->tcp.data = c;
	c->connect.data = c;
	c->request = request;
	c->request_len = request_len;
	struct sockaddr_in addr;
	assert_int_equal(uv_ip4_addr("127.0.0.1", port, &addr), 0);
	assert_int_equal(uv_tcp_init(loop, &c->tcp), 0);
	assert_int_equal(uv_tcp_connect(&c->connect, &c->tcp, (struct sockaddr *)&addr,
					 client_connected),
			 0);
}

static bool guard_fired;
static void on_guard(uv_timer_t *t)
{
	(void)t;
	guard_fired = true;
}

/* Runs the loop until *flag is true; fails after 10 s instead of hanging. */
static void run_until(uv_loop_t *loop, bool *flag)
{
	uv_timer_t guard;
	guard_fired = false;
	uv_timer_init(loop, &guard);
	uv_timer_start(&guard, on_guard, 10000, 0);
	while (!*flag && !guard_fired)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&guard, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	assert_false(guard_fired);
}

static struct client *exchange(uv_loop_t *loop, int port, const char *request, size_t len)
{
	static struct client c;
	client_start(loop, &c, port, request, len);
	run_until(loop, &c.closed);
	return &c;
}

static void stopped(void *arg)
{
	*(bool *)arg = true;
}

static void test_http(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	fill_counters(&sample_counters);
	int collect_calls = 0;
	char listen[] = "127.0.0.1:0";
	struct vbr_metrics_config cfg = {.listen = listen,
					 .version = "9.9.9",
					 .local_asn = 45104,
					 .counters = &sample_counters,
					 .collect = collect_sample,
					 .collect_ctx = &collect_calls};
	struct vbr_metrics *m;
	assert_int_equal(vbr_metrics_start(&loop, &cfg, &m), 0);
	memset(listen, 'X', sizeof(listen) - 1); /* the server must not keep the caller's string */
	int port = vbr_metrics_port(m);
	assert_true(port > 0);

	const char *get = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
	struct client *c = exchange(&loop, port, get, strlen(get));
	assert_non_null(strstr(c->response, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(c->response, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(c->response, "Connection: close\r\n"));
	const char *body = strstr(c->response, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	size_t content_length = 0;
	assert_int_equal(sscanf(strstr(c->response, "Content-Length: "), "Content-Length: %zu",
				&content_length),
			 1);
	assert_int_equal(content_length, strlen(body));
	assert_non_null(strstr(body, "vbrd_build_info{version=\"9.9.9\",local_asn=\"45104\"} 1\n"));
	assert_non_null(strstr(body, "vbrd_api_calls_total{method=\"GetRouter\",code=\"OK\"} 4\n"));
	assert_null(strstr(body, SECRET));
	assert_int_equal(collect_calls, 1);

	/* A query string is fine; a bare-LF request too. */
	const char *lf = "GET /metrics?x=1 HTTP/1.0\n\n";
	c = exchange(&loop, port, lf, strlen(lf));
	assert_non_null(strstr(c->response, "HTTP/1.1 200 OK\r\n"));
	assert_int_equal(collect_calls, 2);

	const char *other = "GET /metricsx HTTP/1.1\r\n\r\n";
	c = exchange(&loop, port, other, strlen(other));
	assert_non_null(strstr(c->response, "HTTP/1.1 404 Not Found\r\n"));

	const char *post = "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
	c = exchange(&loop, port, post, strlen(post));
	assert_non_null(strstr(c->response, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(c->response, "Allow: GET\r\n"));

	const char *garbage = "HELLO\r\n\r\n";
	c = exchange(&loop, port, garbage, strlen(garbage));
	assert_non_null(strstr(c->response, "HTTP/1.1 400 Bad Request\r\n"));

	const char *h2 = "GET /metrics HTTP/2.0\r\n\r\n";
	c = exchange(&loop, port, h2, strlen(h2));
	assert_non_null(strstr(c->response, "HTTP/1.1 400 Bad Request\r\n"));

	/* Exactly the cap with no end of headers: refused, never read past the buffer. */
	static char big[VBR_METRICS_REQUEST_MAX];
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	c = exchange(&loop, port, big, sizeof(big));
	assert_non_null(strstr(c->response, "HTTP/1.1 431 "));
	assert_int_equal(collect_calls, 2);

	/* The request arriving in pieces is assembled. */
	static struct client pieces;
	client_start(&loop, &pieces, port, "GET /met", 8);
	run_until(&loop, &pieces.connected);
	uv_write_t w2;
	uv_buf_t rest = uv_buf_init("rics HTTP/1.1\r\n\r\n", 17);
	assert_int_equal(uv_write(&w2, (uv_stream_t *)&pieces.tcp, &rest, 1, client_written), 0);
	run_until(&loop, &pieces.closed);
	assert_non_null(strstr(pieces.response, "HTTP/1.1 200 OK\r\n"));

	/* Connection cap: VBR_METRICS_CONN_MAX idle clients, then one more is closed unanswered. */
	static struct client idle[VBR_METRICS_CONN_MAX];
	for (int i = 0; i < VBR_METRICS_CONN_MAX; i++) {
		client_start(&loop, &idle[i], port, NULL, 0);
		run_until(&loop, &idle[i].connected);
	}
	c = exchange(&loop, port, get, strlen(get));
	assert_int_equal(c->len, 0);

	/* Stopping closes the idle ones too, then reports done; nothing is left on the loop. */
	bool done = false;
	vbr_metrics_stop(m, stopped, &done);
	run_until(&loop, &done);
	for (int i = 0; i < VBR_METRICS_CONN_MAX; i++) {
		run_until(&loop, &idle[i].closed);
		assert_int_equal(idle[i].len, 0);
	}
	assert_int_equal(uv_run(&loop, UV_RUN_NOWAIT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_bad_listen(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	const char *bad[] = {NULL,	    "nope",	   "127.0.0.1", "127.0.0.1:",	  "127.0.0.1:70000",
			     "127.0.0.1:-1", "1.2.3:80",   "[::1:80",	"[]:80",	  "localhost:80",
			     "127.0.0.1:8x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vbr_metrics_config cfg = {.listen = bad[i]};
		struct vbr_metrics *m = NULL;
		int err = vbr_metrics_start(&loop, &cfg, &m);
		if (err != UV_EINVAL)
			fail_msg("listen \"%s\": got %d, want UV_EINVAL", bad[i] ? bad[i] : "(null)", err);
	}
	/* IPv6 loopback and the all-addresses shorthand parse and bind. */
	const char *good[] = {"[::1]:0", ":0"};
	for (size_t i = 0; i < 2; i++) {
		struct vbr_metrics_config cfg = {.listen = good[i]};
		struct vbr_metrics *m = NULL;
		int err = vbr_metrics_start(&loop, &cfg, &m);
		if (err == UV_EADDRNOTAVAIL || err == UV_EAFNOSUPPORT)
			continue; /* no IPv6 on this host */
		assert_int_equal(err, 0);
		assert_true(vbr_metrics_port(m) > 0);
		bool done = false;
		vbr_metrics_stop(m, stopped, &done);
		run_until(&loop, &done);
	}
	/* A port in use is reported and leaves nothing behind once the loop runs. */
	struct vbr_metrics_config cfg = {.listen = "127.0.0.1:0"};
	struct vbr_metrics *first;
	assert_int_equal(vbr_metrics_start(&loop, &cfg, &first), 0);
	char taken[32];
	snprintf(taken, sizeof(taken), "127.0.0.1:%d", vbr_metrics_port(first));
	cfg.listen = taken;
	struct vbr_metrics *second = NULL;
	assert_int_equal(vbr_metrics_start(&loop, &cfg, &second), UV_EADDRINUSE);
	bool done = false;
	vbr_metrics_stop(first, stopped, &done);
	run_until(&loop, &done);
	assert_int_equal(uv_run(&loop, UV_RUN_NOWAIT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--dump") == 0) {
		/* cmocka's assertions need a test context; use plain rendering checks here. */
		fill_counters(&sample_counters);
		struct vbr_metrics_config cfg = {.version = "0.1.0",
						 .local_asn = 45104,
						 .start_time_unix = 1700000000,
						 .counters = &sample_counters,
						 .collect = collect_sample};
		char *text;
		size_t len;
		if (vbr_metrics_render(&cfg, &text, &len) != 0)
			return 1;
		fwrite(text, 1, len, stdout);
		free(text);
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_registry), cmocka_unit_test(test_render_peers),
		cmocka_unit_test(test_render_api_and_store), cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_http), cmocka_unit_test(test_bad_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
