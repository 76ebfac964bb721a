/*
 * main: flags and environment variables, the API security check, then vbrd_run.
 * Every flag has an environment variable (--api / VBRD_API, ...); a flag wins over its
 * variable. Exit codes: 0 after a graceful stop, 1 on a start-up error, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "state.h"

struct option_doc {
	const char *flag, *env, *arg, *help;
};

static const struct option_doc docs[] = {
    {"api", "VBRD_API", "ADDR", "gRPC API address, host:port or unix:/path (127.0.0.1:50051)"},
    {"bgp-listen", "VBRD_BGP_LISTEN", "IP:PORT",
     "BGP listen address (0.0.0.0:179; port 0: do not listen)"},
    {"router-id", "VBRD_ROUTER_ID", "IP",
     "BGP identifier (default: the BGP listen address, else the first non-loopback IPv4 address)"},
    {"local-asn", "VBRD_LOCAL_ASN", "ASN", "local AS number (45104)"},
    {"state-dir", "VBRD_STATE_DIR", "DIR",
     "durable state folder, created with missing parents, mode 0700 (/var/lib/vbrd)"},
    {"max-peers", "VBRD_MAX_PEERS", "N", "maximum BGP peers, 1..1024 (8)"},
    {"max-networks", "VBRD_MAX_NETWORKS", "N", "maximum advertised networks, 1..10000 (100)"},
    {"event-history", "VBRD_EVENT_HISTORY", "N",
     "events kept per stream (peer, route) for after_sequence; a watcher further behind is "
     "ended (1024)"},
    {"tls-cert", "VBRD_TLS_CERT", "FILE", "serve the API over TLS with this PEM certificate chain"},
    {"tls-key", "VBRD_TLS_KEY", "FILE", "PEM private key for --tls-cert"},
    {"tls-client-ca", "VBRD_TLS_CLIENT_CA", "FILE",
     "require client certificates signed by this PEM CA (mTLS)"},
    {"insecure-api", "VBRD_INSECURE_API", NULL, "allow a plaintext API on a non-loopback address"},
    {"metrics-listen", "VBRD_METRICS_LISTEN", "IP:PORT", "serve Prometheus /metrics here (off)"},
    {"log-format", "VBRD_LOG_FORMAT", "FMT", "text or json (text)"},
    {"log-level", "VBRD_LOG_LEVEL", "LEVEL", "debug, info, warn or error (info)"},
    {"send-hold-time", "VBRD_SEND_HOLD_TIME", "SECONDS", "RFC 9687 send hold timer (480)"},
    {"peer-port", "VBRD_PEER_PORT", "PORT", "TCP port vbrd connects to on peers (179; tests)"},
    {"help", NULL, NULL, "show this help"},
};
#define N_DOCS (sizeof(docs) / sizeof(docs[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vbrd [flags]\n\nvbrd %s: a virtual border router (BGP-4) managed over "
		"gRPC.\n\n",
		VBR_VERSION);
	for (size_t i = 0; i < N_DOCS; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", docs[i].flag, docs[i].arg ? " " : "",
			 docs[i].arg ? docs[i].arg : "");
		fprintf(out, "  %-26s %s", left, docs[i].help);
		if (docs[i].env)
			fprintf(out, " [env %s]", docs[i].env);
		fputc('\n', out);
	}
}

static int usage_error(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "vbrd: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n(see vbrd --help)\n");
	return 2;
}

static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool parse_ip_port(const char *s, uint32_t *ip, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	uint32_t p;
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (!parse_u32(colon + 1, 0, 65535, &p) || !parse_ipv4(host, ip))
		return false;
	*port = (uint16_t)p;
	return true;
}

/* The first non-loopback IPv4 address of the host, 0 if none. */
static uint32_t host_address(void)
{
	struct ifaddrs *list, *i;
	uint32_t found = 0;
	if (getifaddrs(&list) != 0)
		return 0;
	for (i = list; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		if (a >> 24 != 127)
			found = a;
	}
	freeifaddrs(list);
	return found;
}

/* unix sockets and loopback addresses need no TLS. */
static bool api_is_local(const char *api)
{
	if (strncmp(api, "unix:", 5) == 0 || strncmp(api, "unix-abstract:", 14) == 0)
		return true;
	if (strncmp(api, "127.", 4) == 0 || strncmp(api, "localhost:", 10) == 0 ||
	    strncmp(api, "[::1]:", 6) == 0 || strncmp(api, "ipv4:127.", 9) == 0)
		return true;
	return false;
}

static char *read_file(const char *path, const char *flag)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "vbrd: --%s %s: %s\n", flag, path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (cap - len - 1 == 0) {
			char *more = cap < (1u << 22) ? realloc(buf, cap * 2) : NULL;
			if (!more) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = more;
			cap *= 2;
		}
	}
	bool bad = ferror(f) || !buf;
	fclose(f);
	if (bad) {
		free(buf);
		fprintf(stderr, "vbrd: --%s %s: cannot read\n", flag, path);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && v[0] ? v : fallback;
}

int main(int argc, char **argv)
{
	const char *val[N_DOCS];
	for (size_t i = 0; i < N_DOCS; i++)
		val[i] = docs[i].env ? env_or(docs[i].env, NULL) : NULL;
	struct option longopts[N_DOCS + 1];
	for (size_t i = 0; i < N_DOCS; i++)
		longopts[i] =
		    (struct option){docs[i].flag, docs[i].arg ? required_argument : no_argument,
				    NULL, (int)(i + 256)};
	longopts[N_DOCS] = (struct option){NULL, 0, NULL, 0};
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h' || (c >= 256 && strcmp(docs[c - 256].flag, "help") == 0)) {
			usage(stdout);
			return 0;
		}
		if (c < 256)
			return usage_error("unknown flag%s%s", "", "");
		val[c - 256] = docs[c - 256].arg ? optarg : "1";
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"%s", argv[optind], "");
#define V(i) val[i]
	struct vbrd_config cfg = {0};
	cfg.api = V(0) ? V(0) : "127.0.0.1:50051";
	cfg.bgp_listen = V(1) ? V(1) : "0.0.0.0:179";
	if (!parse_ip_port(cfg.bgp_listen, &cfg.bgp_listen_ip, &cfg.bgp_listen_port))
		return usage_error("--bgp-listen %s: expected IPv4:port%s", cfg.bgp_listen, "");
	if (V(2) && (!parse_ipv4(V(2), &cfg.router_id) || cfg.router_id == 0))
		return usage_error("--router-id %s: expected a non-zero dotted-quad IPv4 address%s",
				   V(2), "");
	if (!cfg.router_id)
		cfg.router_id = cfg.bgp_listen_ip ? cfg.bgp_listen_ip : host_address();
	if (!cfg.router_id)
		return usage_error("no IPv4 address to use as router id: give --router-id%s%s", "",
				   "");
	cfg.local_asn = 45104;
	if (V(3) && (!parse_u32(V(3), 1, UINT32_MAX, &cfg.local_asn) || cfg.local_asn == BGP_AS_TRANS))
		return usage_error("--local-asn %s: expected 1..4294967295, not 23456%s", V(3), "");
	cfg.state_dir = V(4) ? V(4) : "/var/lib/vbrd";
	cfg.max_peers = 8;
	if (V(5) && !parse_u32(V(5), 1, 1024, &cfg.max_peers))
		return usage_error("--max-peers %s: expected 1..1024%s", V(5), "");
	cfg.max_networks = 100;
	if (V(6) && !parse_u32(V(6), 1, 10000, &cfg.max_networks))
		return usage_error("--max-networks %s: expected 1..10000%s", V(6), "");
	cfg.event_history = 1024;
	if (V(7) && !parse_u32(V(7), 1, 1u << 20, &cfg.event_history))
		return usage_error("--event-history %s: expected 1..1048576%s", V(7), "");
	uint32_t send_hold = 0, peer_port = 0;
	if (V(15) && !parse_u32(V(15), 1, 86400, &send_hold))
		return usage_error("--send-hold-time %s: expected 1..86400 seconds%s", V(15), "");
	cfg.send_hold_ms = send_hold * 1000;
	if (V(16) && !parse_u32(V(16), 1, 65535, &peer_port))
		return usage_error("--peer-port %s: expected 1..65535%s", V(16), "");
	cfg.peer_port = (uint16_t)peer_port;
	bool insecure = V(11) && strcmp(V(11), "0") != 0 && strcmp(V(11), "false") != 0;
	cfg.metrics_listen = V(12);
	const char *fmt = V(13) ? V(13) : "text";
	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
		return usage_error("--log-format %s: expected text or json%s", fmt, "");
	int level = vbr_log_parse_level(V(14) ? V(14) : "info");
	if (level < 0)
		return usage_error("--log-level %s: expected debug, info, warn or error%s", V(14),
				   "");
	vbr_log_configure((enum vbr_log_level)level, strcmp(fmt, "json") == 0);

	if ((V(8) != NULL) != (V(9) != NULL))
		return usage_error("--tls-cert and --tls-key go together%s%s", "", "");
	if (V(10) && !V(8))
		return usage_error("--tls-client-ca needs --tls-cert and --tls-key%s%s", "", "");
	if (!V(8) && !insecure && !api_is_local(cfg.api)) {
		fprintf(stderr,
			"vbrd: refusing to serve the API on %s without TLS: it is not a loopback "
			"address. Give --tls-cert and --tls-key (and --tls-client-ca for mTLS), or "
			"--insecure-api to accept plaintext.\n",
			cfg.api);
		return 2;
	}
	int rc = 1;
	if (V(8)) {
		cfg.tls_cert_pem = read_file(V(8), "tls-cert");
		cfg.tls_key_pem = cfg.tls_cert_pem ? read_file(V(9), "tls-key") : NULL;
		cfg.tls_client_ca_pem =
		    V(10) && cfg.tls_key_pem ? read_file(V(10), "tls-client-ca") : NULL;
		if (!cfg.tls_cert_pem || !cfg.tls_key_pem || (V(10) && !cfg.tls_client_ca_pem))
			goto out;
	}
#undef V
	rc = vbrd_run(&cfg);
out:
	free(cfg.tls_cert_pem);
	if (cfg.tls_key_pem) {
		memset(cfg.tls_key_pem, 0, strlen(cfg.tls_key_pem));
		free(cfg.tls_key_pem);
	}
	free(cfg.tls_client_ca_pem);
	return rc;
}
