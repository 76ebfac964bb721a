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

#include "caps.h"
#include "daemon.h"
#include "log.h"
#include "state.h"

struct option_doc {
	const char *flag, *env, *arg, *help;
};

/* Indices into docs[] (and the parsed values), in its order. */
enum flag {
	F_API, F_BGP_LISTEN, F_ROUTER_ID, F_LOCAL_ASN, F_STATE_DIR, F_MAX_PEERS, F_MAX_NETWORKS,
	F_EVENT_HISTORY, F_TLS_CERT, F_TLS_KEY, F_TLS_CLIENT_CA, F_INSECURE_API,
	F_METRICS_LISTEN, F_LOG_FORMAT, F_LOG_LEVEL, F_SEND_HOLD_TIME, F_PEER_PORT, F_FIB,
	F_FIB_TABLE, F_MAX_ROUTE_ENTRIES, F_SELECTION_DEFERRAL, F_DRAIN_ON_STOP, F_DRAIN_TIME,
	F_HELP,
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
    {"fib", "VBRD_FIB", "on|off", "program the route table into the kernel FIB (on)"},
    {"fib-table", "VBRD_FIB_TABLE", "N", "kernel routing table of vbrd's routes, 1..4294967294 (254: main)"},
    {"max-route-entries", "VBRD_MAX_ROUTE_ENTRIES", "N", "maximum static route entries, 1..10000 (100)"},
    {"selection-deferral", "VBRD_SELECTION_DEFERRAL", "SECONDS",
     "after a restart, how long routes the last run left in the kernel wait for the peers' "
     "End-of-RIB before those not learned again are removed, 1..3600 (30)"},
    {"drain-on-stop", "VBRD_DRAIN_ON_STOP", NULL,
     "leave for good on SIGTERM (RFC 8326): announce the networks again with GRACEFUL_SHUTDOWN "
     "(65535:0), wait --drain-time, then Cease, withdraw and remove the kernel routes "
     "(off: a stop is a graceful restart)"},
    {"drain-time", "VBRD_DRAIN_TIME", "SECONDS",
     "how long the drain waits before the sessions are closed, 0..3600 (10)"},
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

/* Before any thread exists (gRPC's, the FIB writer's), which then inherit the result: the image
 * grants the capabilities as permitted only (caps.c says why). */
static void raise_capabilities(void)
{
	uint64_t eff = 0;
	char names[64];
	int e = vbr_caps_raise(VBR_CAP_NET_BIND_SERVICE | VBR_CAP_NET_ADMIN, &eff);
	if (e)
		vbr_log(VBR_LOG_WARN, "cannot raise capabilities", "error", strerror(-e), NULL);
	else
		vbr_log(VBR_LOG_INFO, "capabilities", "effective",
			vbr_caps_names(eff, names, sizeof(names)), NULL);
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && v[0] ? v : fallback;
}

/* Flags, then the environment, into val[] (a flag wins): -1 to go on, else the exit code. */
static int read_flags(int argc, char **argv, const char **val)
{
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
	return -1;
}

/* A numeric flag: absent, *out keeps its default; outside min..max, err (with the value). */
struct num_flag {
	enum flag f;
	uint32_t min, max;
	uint32_t *out;
	const char *err;
};

static int num_flags(const char **val, const struct num_flag *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (val[t[i].f] && !parse_u32(val[t[i].f], t[i].min, t[i].max, t[i].out))
			return usage_error(t[i].err, val[t[i].f], "");
	return 0;
}

#define V(i) val[i]

/* The addresses and the router's identity: 0, or the exit code. */
static int identity_from(const char **val, struct vbrd_config *cfg)
{
	cfg->api = V(F_API) ? V(F_API) : "127.0.0.1:50051";
	cfg->bgp_listen = V(F_BGP_LISTEN) ? V(F_BGP_LISTEN) : "0.0.0.0:179";
	if (!parse_ip_port(cfg->bgp_listen, &cfg->bgp_listen_ip, &cfg->bgp_listen_port))
		return usage_error("--bgp-listen %s: expected IPv4:port%s", cfg->bgp_listen, "");
	if (V(F_ROUTER_ID) && (!parse_ipv4(V(F_ROUTER_ID), &cfg->router_id) || cfg->router_id == 0))
		return usage_error("--router-id %s: expected a non-zero dotted-quad IPv4 address%s",
				   V(F_ROUTER_ID), "");
	if (!cfg->router_id)
		cfg->router_id = cfg->bgp_listen_ip ? cfg->bgp_listen_ip : host_address();
	if (!cfg->router_id)
		return usage_error("no IPv4 address to use as router id: give --router-id%s%s", "",
				   "");
	cfg->local_asn = 45104;
	if (V(F_LOCAL_ASN) && (!parse_u32(V(F_LOCAL_ASN), 1, UINT32_MAX, &cfg->local_asn) ||
			       cfg->local_asn == BGP_AS_TRANS))
		return usage_error("--local-asn %s: expected 1..4294967295, not 23456%s",
				   V(F_LOCAL_ASN), "");
	cfg->state_dir = V(F_STATE_DIR) ? V(F_STATE_DIR) : "/var/lib/vbrd";
	return 0;
}

/* --drain-on-stop (a switch, as --insecure-api: "0"/"false" turn it off) and --drain-time. */
static int drain_from(const char **val, struct vbrd_config *cfg)
{
	cfg->drain_on_stop = V(F_DRAIN_ON_STOP) && strcmp(V(F_DRAIN_ON_STOP), "0") != 0 &&
			     strcmp(V(F_DRAIN_ON_STOP), "false") != 0;
	uint32_t drain_s = 10;
	const struct num_flag drain[] = {
		{F_DRAIN_TIME, 0, 3600, &drain_s, "--drain-time %s: expected 0..3600 seconds%s"},
	};
	int rc = num_flags(val, drain, 1);
	cfg->drain_time_ms = drain_s * 1000;
	return rc;
}

/* Limits, timers, the FIB, logging: 0, or the exit code. */
static int config_from(const char **val, struct vbrd_config *cfg)
{
	int rc = identity_from(val, cfg);
	if (rc)
		return rc;
	cfg->max_peers = 8;
	cfg->max_networks = 100;
	cfg->event_history = 1024;
	uint32_t send_hold = 0, peer_port = 0, deferral_s = 30;
	const struct num_flag limits[] = {
		{F_MAX_PEERS, 1, 1024, &cfg->max_peers, "--max-peers %s: expected 1..1024%s"},
		{F_MAX_NETWORKS, 1, 10000, &cfg->max_networks, "--max-networks %s: expected 1..10000%s"},
		{F_EVENT_HISTORY, 1, 1u << 20, &cfg->event_history,
		 "--event-history %s: expected 1..1048576%s"},
		{F_SEND_HOLD_TIME, 1, 86400, &send_hold, "--send-hold-time %s: expected 1..86400 seconds%s"},
		{F_PEER_PORT, 1, 65535, &peer_port, "--peer-port %s: expected 1..65535%s"},
	};
	if ((rc = num_flags(val, limits, sizeof(limits) / sizeof(limits[0]))) != 0)
		return rc;
	cfg->send_hold_ms = send_hold * 1000;
	cfg->peer_port = (uint16_t)peer_port;
	const char *fib = V(F_FIB) ? V(F_FIB) : "on";
	if (strcmp(fib, "on") != 0 && strcmp(fib, "off") != 0)
		return usage_error("--fib %s: expected on or off%s", fib, "");
	cfg->fib_enabled = strcmp(fib, "on") == 0;
	cfg->fib_table = 254;
	cfg->max_route_entries = 100;
	const struct num_flag routes[] = {
		/* 0 is no table, 4294967295 the kernel's "unspecified": neither can hold routes. */
		{F_FIB_TABLE, 1, UINT32_MAX - 1, &cfg->fib_table, "--fib-table %s: expected 1..4294967294%s"},
		{F_MAX_ROUTE_ENTRIES, 1, 10000, &cfg->max_route_entries,
		 "--max-route-entries %s: expected 1..10000%s"},
		{F_SELECTION_DEFERRAL, 1, 3600, &deferral_s,
		 "--selection-deferral %s: expected 1..3600 seconds%s"},
	};
	if ((rc = num_flags(val, routes, sizeof(routes) / sizeof(routes[0]))) != 0)
		return rc;
	cfg->selection_deferral_ms = deferral_s * 1000;
	if ((rc = drain_from(val, cfg)) != 0)
		return rc;
	cfg->metrics_listen = V(F_METRICS_LISTEN);
	const char *fmt = V(F_LOG_FORMAT) ? V(F_LOG_FORMAT) : "text";
	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
		return usage_error("--log-format %s: expected text or json%s", fmt, "");
	int level = vbr_log_parse_level(V(F_LOG_LEVEL) ? V(F_LOG_LEVEL) : "info");
	if (level < 0)
		return usage_error("--log-level %s: expected debug, info, warn or error%s", V(F_LOG_LEVEL),
				   "");
	vbr_log_configure((enum vbr_log_level)level, strcmp(fmt, "json") == 0);
	return 0;
}

/* TLS: the flags go together, plaintext only on loopback or with --insecure-api, the PEM
 * files read. 0, or the exit code (what was read stays in cfg for the caller to free). */
static int tls_from(const char **val, struct vbrd_config *cfg)
{
	bool insecure = V(F_INSECURE_API) && strcmp(V(F_INSECURE_API), "0") != 0 &&
			strcmp(V(F_INSECURE_API), "false") != 0;
	if ((V(F_TLS_CERT) != NULL) != (V(F_TLS_KEY) != NULL))
		return usage_error("--tls-cert and --tls-key go together%s%s", "", "");
	if (V(F_TLS_CLIENT_CA) && !V(F_TLS_CERT))
		return usage_error("--tls-client-ca needs --tls-cert and --tls-key%s%s", "", "");
	if (!V(F_TLS_CERT) && !insecure && !api_is_local(cfg->api)) {
		fprintf(stderr,
			"vbrd: refusing to serve the API on %s without TLS: it is not a loopback "
			"address. Give --tls-cert and --tls-key (and --tls-client-ca for mTLS), or "
			"--insecure-api to accept plaintext.\n",
			cfg->api);
		return 2;
	}
	if (!V(F_TLS_CERT))
		return 0;
	cfg->tls_cert_pem = read_file(V(F_TLS_CERT), "tls-cert");
	cfg->tls_key_pem = cfg->tls_cert_pem ? read_file(V(F_TLS_KEY), "tls-key") : NULL;
	cfg->tls_client_ca_pem = V(F_TLS_CLIENT_CA) && cfg->tls_key_pem
					 ? read_file(V(F_TLS_CLIENT_CA), "tls-client-ca")
					 : NULL;
	if (!cfg->tls_cert_pem || !cfg->tls_key_pem ||
	    (V(F_TLS_CLIENT_CA) && !cfg->tls_client_ca_pem))
		return 1;
	return 0;
}

#undef V

int main(int argc, char **argv)
{
	const char *val[N_DOCS];
	struct vbrd_config cfg = {0};
	int rc = read_flags(argc, argv, val);
	if (rc >= 0)
		return rc;
	if ((rc = config_from(val, &cfg)) != 0)
		return rc;
	rc = tls_from(val, &cfg);
	if (rc == 0) {
		raise_capabilities();
		rc = vbrd_run(&cfg);
	}
	free(cfg.tls_cert_pem);
	if (cfg.tls_key_pem) {
		memset(cfg.tls_key_pem, 0, strlen(cfg.tls_key_pem));
		free(cfg.tls_key_pem);
	}
	free(cfg.tls_client_ca_pem);
	return rc;
}
