/*
 * harness: a bare speaker (bgp/ only, no gRPC) driven by line commands on stdin, for the
 * session driver's own tests and the ingest benchmark. Output, one line each:
 *   STATE <peer> <old> <new> <reason>   LIMIT <peer> <limit>   and command replies.
 * Commands: peer ID IP ASN [key=K] [limit=N] [teardown] [hold=S] [down]
 *           update ID IP ASN [...same options]   remove ID   reset ID [soft] [msg]
 *           net add|del A.B.C.D/N   status ID   routes ID [adv]   unknown   quit
 * Usage: harness LISTEN_IP ROUTER_ID [LOCAL_ASN]
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "speaker.h"

static uv_loop_t *loop;
static struct bgp_speaker *speaker;
static uv_pipe_t in;
static uv_signal_t sigterm;
static char line[8192];
static size_t line_len;

static const char *ip_str(uint32_t ip)
{
	static char buf[4][16];
	static int k;
	struct in_addr a = { .s_addr = htonl(ip) };
	k = (k + 1) % 4;
	inet_ntop(AF_INET, &a, buf[k], sizeof(buf[k]));
	return buf[k];
}

static void on_state(void *ctx, uint32_t id, enum bgp_state o, enum bgp_state n, const char *r)
{
	(void)ctx;
	printf("STATE %u %s %s %s\n", id, bgp_state_name(o), bgp_state_name(n), r);
	fflush(stdout);
}

static void on_limit(void *ctx, uint32_t id, uint32_t limit)
{
	(void)ctx;
	printf("LIMIT %u %u\n", id, limit);
	fflush(stdout);
}

static void print_route(void *arg, const struct bgp_route_view *v)
{
	(void)arg;
	printf("ROUTE %s/%u nh=%s path=", ip_str(v->prefix), v->prefix_len, ip_str(v->next_hop));
	for (size_t i = 0; i < v->as_path_len; i++)
		printf("%s%u", i ? "," : "", v->as_path[i]);
	printf(" origin=%d accepted=%d\n", v->origin, v->accepted);
}

static void done_cb(void *arg)
{
	(void)arg;
	uv_close((uv_handle_t *)&in, NULL);
	uv_close((uv_handle_t *)&sigterm, NULL);
}

static void quit(void)
{
	uv_read_stop((uv_stream_t *)&in);
	bgp_speaker_shutdown(speaker, "harness exiting", done_cb, NULL);
}

static int parse_peer(char **tok, int ntok, struct bgp_peer_config *c)
{
	memset(c, 0, sizeof(*c));
	if (ntok < 4)
		return -1;
	struct in_addr a;
	c->id = (uint32_t)strtoul(tok[1], NULL, 10);
	if (inet_pton(AF_INET, tok[2], &a) != 1)
		return -1;
	c->peer_ip = ntohl(a.s_addr);
	c->peer_asn = (uint32_t)strtoul(tok[3], NULL, 10);
	c->hold_time = 30;
	c->keepalive_time = 10;
	c->route_limit = 100;
	c->route_limit_action = BGP_ROUTE_LIMIT_DROP;
	for (int i = 4; i < ntok; i++) {
		if (!strncmp(tok[i], "key=", 4))
			snprintf(c->auth_key, sizeof(c->auth_key), "%s", tok[i] + 4);
		else if (!strncmp(tok[i], "limit=", 6))
			c->route_limit = (uint32_t)strtoul(tok[i] + 6, NULL, 10);
		else if (!strncmp(tok[i], "hold=", 5)) {
			c->hold_time = (uint16_t)atoi(tok[i] + 5);
			c->keepalive_time = c->hold_time / 3;
		} else if (!strcmp(tok[i], "teardown"))
			c->route_limit_action = BGP_ROUTE_LIMIT_TEARDOWN;
		else if (!strcmp(tok[i], "down"))
			c->admin_down = true;
		else if (!strncmp(tok[i], "msg=", 4))
			snprintf(c->shutdown_message, sizeof(c->shutdown_message), "%s", tok[i] + 4);
	}
	return 0;
}

static int parse_cidr(const char *s, uint32_t *p, uint8_t *len)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*p = ntohl(a.s_addr);
	*len = (uint8_t)atoi(slash + 1);
	return 0;
}

static void command(char *l)
{
	char *tok[16];
	int n = 0;
	for (char *t = strtok(l, " \t\r"); t && n < 16; t = strtok(NULL, " \t\r"))
		tok[n++] = t;
	if (n == 0)
		return;
	int rc = 0;
	if (!strcmp(tok[0], "peer") || !strcmp(tok[0], "update")) {
		struct bgp_peer_config c;
		rc = parse_peer(tok, n, &c);
		if (rc == 0)
			rc = tok[0][0] == 'p' ? bgp_speaker_peer_add(speaker, &c) :
						bgp_speaker_peer_update(speaker, &c);
	} else if (!strcmp(tok[0], "remove") && n > 1) {
		rc = bgp_speaker_peer_remove(speaker, (uint32_t)atoi(tok[1]));
	} else if (!strcmp(tok[0], "reset") && n > 1) {
		bool soft = n > 2 && !strcmp(tok[2], "soft");
		rc = bgp_speaker_peer_reset(speaker, (uint32_t)atoi(tok[1]), soft,
					    n > 2 && !soft ? tok[2] : NULL);
	} else if (!strcmp(tok[0], "net") && n > 2) {
		uint32_t p;
		uint8_t len;
		rc = parse_cidr(tok[2], &p, &len);
		if (rc == 0)
			rc = !strcmp(tok[1], "add") ? bgp_speaker_network_add(speaker, p, len) :
						      bgp_speaker_network_remove(speaker, p, len);
	} else if (!strcmp(tok[0], "status") && n > 1) {
		struct bgp_peer_status st;
		rc = bgp_speaker_peer_status(speaker, (uint32_t)atoi(tok[1]), &st);
		if (rc == 0)
			printf("STATUS %s received=%llu accepted=%llu advertised=%llu hold=%u "
			       "remote_id=%s local=%s transitions=%llu notif_in=%llu "
			       "notif_out=%llu last_error=%s\n",
			       bgp_state_name(st.state), (unsigned long long)st.received_routes,
			       (unsigned long long)st.accepted_routes,
			       (unsigned long long)st.advertised_routes, st.negotiated_hold_time,
			       ip_str(st.remote_router_id), ip_str(st.local_ip),
			       (unsigned long long)st.established_transitions,
			       (unsigned long long)st.notifications_in,
			       (unsigned long long)st.notifications_out, st.last_error);
	} else if (!strcmp(tok[0], "routes") && n > 1) {
		rc = bgp_speaker_routes(speaker, (uint32_t)atoi(tok[1]), n > 2, true, 0, 0, 100000,
					print_route, NULL);
		if (rc >= 0) {
			printf("ROUTES %d\n", rc);
			rc = 0;
		}
	} else if (!strcmp(tok[0], "unknown")) {
		printf("UNKNOWN %llu\n",
		       (unsigned long long)bgp_speaker_unknown_connections(speaker));
	} else if (!strcmp(tok[0], "quit")) {
		quit();
		return;
	} else {
		rc = -1;
	}
	printf("OK %d\n", rc);
	fflush(stdout);
}

static void alloc_cb(uv_handle_t *h, size_t s, uv_buf_t *b)
{
	(void)h;
	(void)s;
	static char buf[4096];
	*b = uv_buf_init(buf, sizeof(buf));
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)s;
	if (n < 0) {
		quit();
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		char c = b->base[i];
		if (c == '\n' || line_len == sizeof(line) - 1) {
			line[line_len] = 0;
			line_len = 0;
			command(line);
		} else {
			line[line_len++] = c;
		}
	}
}

static void sig_cb(uv_signal_t *s, int signum)
{
	(void)signum;
	uv_signal_stop(s);
	quit();
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s LISTEN_IP ROUTER_ID [LOCAL_ASN]\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct in_addr a, r;
	if (inet_pton(AF_INET, argv[1], &a) != 1 || inet_pton(AF_INET, argv[2], &r) != 1)
		return 2;
	loop = uv_default_loop();
	struct bgp_speaker_config cfg = { .local_asn = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 45104,
					  .router_id = ntohl(r.s_addr),
					  .listen_ip = ntohl(a.s_addr),
					  .listen_port = 179 };
	const char *sh = getenv("HARNESS_SEND_HOLD_MS");
	if (sh)
		cfg.send_hold_ms = (uint32_t)atoi(sh);
	struct bgp_speaker_callbacks cb = { .on_state_change = on_state, .on_route_limit = on_limit };
	if (bgp_speaker_new(loop, &cfg, &cb, NULL, &speaker) != 0)
		return 1;
	int rc = bgp_speaker_start(speaker);
	if (rc) {
		fprintf(stderr, "listen: %s\n", uv_strerror(rc));
		return 1;
	}
	uv_pipe_init(loop, &in, 0);
	uv_pipe_open(&in, 0);
	uv_read_start((uv_stream_t *)&in, alloc_cb, read_cb);
	uv_signal_init(loop, &sigterm);
	uv_signal_start(&sigterm, sig_cb, SIGTERM);
	printf("READY\n");
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	bgp_speaker_free(speaker);
	rc = uv_loop_close(loop);
	printf("EXIT loop_close=%d\n", rc);
	return rc ? 1 : 0;
}
