/*
 * bench_events: how fast a change reaches many WatchPeerEvents subscribers, vbrd against a
 * bare gRPC core fan-out server (fanout.h). Figures only, never pass/fail.
 *
 * Per subscriber count N (default 100, 1000, 5000) and per server (the bare one, then vbrd):
 * start the server (vbrd in a private network namespace with a temp --state-dir; the bare
 * server is this executable with --fanout-serve), open N live-only streams over --conns
 * connections (subs.h) and wait until all are subscribed, then
 *   burst:  --burst changes back to back (CreateBgpPeer / DeleteBgpPeer of an admin_down
 *           peer, each sent when the previous one replied), one event each;
 *   steady: --rate changes per second for --steady-seconds.
 * Change i makes the event of sequence i+1 on both servers, so a subscriber's latency for a
 * message is its receive time minus the send time of change seq-1. Printed: p50/p99/max of
 * that over every (change, subscriber), the spread of the per-connection medians, the change
 * RPCs' own latency, the server's CPU per delivered message (/proc/PID/stat over the phase),
 * messages missed (expected minus received, and sequence gaps), the server's RSS per
 * subscriber, vbrd / bare for CPU, and how long a call answered on vbrd's loop thread
 * (ListRoutes of an unknown peer) waited during the burst.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "fanout.h"
#include "lat.h"
#include "load.h"
#include "proc.h"
#include "subs.h"
#include "vbr/v1/vbr.pb-c.h"

#define SVC		   "/vbr.v1.VirtualBorderRouter/"
#define START_TIMEOUT_MS   15000
#define DELIVER_TIMEOUT_MS 120000

struct options {
	const char *vbrd;
	const char *state_parent;
	size_t subs[8];
	int n_subs;
	int conns, burst, rate;
	double steady_seconds;
	bool skip_bare;
};

struct result {
	double p50[SUBS_PHASES], p99[SUBS_PHASES], max[SUBS_PHASES]; /* ms */
	double conn_p50_min[SUBS_PHASES], conn_p50_max[SUBS_PHASES];
	double rpc_p50, rpc_max;     /* ms, the change calls themselves (both phases) */
	double cpu_us[SUBS_PHASES];  /* server CPU per delivered message */
	double probe_p50, probe_max; /* ms, a loop-thread RPC during the burst (vbrd only) */
	uint64_t expected, received, gaps, ended;
	double rss_kib_per_sub;
	bool ok;
};

static pid_t child = -1;
static char sock_dir[64];

static void on_signal(int sig)
{
	if (child > 0)
		kill(child, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kib = -1;
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = atol(line + 6);
	if (f)
		fclose(f);
	return kib;
}

static grpc_status_code call(grpc_channel *ch, const char *method, const ProtobufCMessage *req,
			     uint8_t **resp, size_t *resp_len)
{
	size_t len = protobuf_c_message_get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	protobuf_c_message_pack(req, buf);
	char msg[256];
	grpc_status_code st = load_unary(ch, method, buf, len, resp, resp_len, msg, sizeof(msg));
	free(buf);
	if (st != GRPC_STATUS_OK)
		fprintf(stderr, "bench_events: %s: status %d %s\n", method, st, msg);
	return st;
}

/* Change i: create (even) or delete (odd) one admin_down peer. */
static int change(grpc_channel *ch, const char *group_id, unsigned i, char *peer_id, size_t len)
{
	uint8_t *resp = NULL;
	size_t resp_len = 0;
	grpc_status_code st;
	if (i % 2 == 0) {
		char ip[16];
		fanout_peer_ip(i, ip);
		Vbr__V1__CreateBgpPeerRequest req = VBR__V1__CREATE_BGP_PEER_REQUEST__INIT;
		req.group_id = (char *)group_id;
		req.peer_ip = ip;
		req.admin_down = true;
		st = call(ch, SVC "CreateBgpPeer", &req.base, &resp, &resp_len);
		Vbr__V1__BgpPeer *p =
		    st == GRPC_STATUS_OK ? vbr__v1__bgp_peer__unpack(NULL, resp_len, resp) : NULL;
		if (p) {
			snprintf(peer_id, len, "%s", p->id);
			vbr__v1__bgp_peer__free_unpacked(p, NULL);
		}
	} else {
		Vbr__V1__DeleteBgpPeerRequest req = VBR__V1__DELETE_BGP_PEER_REQUEST__INIT;
		req.id = peer_id;
		st = call(ch, SVC "DeleteBgpPeer", &req.base, &resp, &resp_len);
	}
	free(resp);
	return st == GRPC_STATUS_OK ? 0 : -1;
}

static pid_t start_server(bool vbrd, const struct options *o, char *address, size_t len,
			  char *state_dir)
{
	char log_path[128], err[256];
	snprintf(log_path, sizeof(log_path), "%s/%s.log", sock_dir, vbrd ? "vbrd" : "bare");
	snprintf(address, len, "unix:%s/%s.sock", sock_dir, vbrd ? "vbrd" : "bare");
	unlink(address + 5);
	pid_t pid;
	if (vbrd) {
		snprintf(state_dir, 256, "%s/state.XXXXXX", o->state_parent);
		if (!mkdtemp(state_dir))
			return -1;
		char *args[] = {(char *)o->vbrd,   "--api",	  address,     "--bgp-listen",
				"127.0.0.1:17901", "--router-id", "192.0.2.1", "--state-dir",
				state_dir,	   "--log-level", "warn",      NULL};
		pid = proc_spawn(args, log_path, true, err, sizeof(err));
	} else {
		char *args[] = {"/proc/self/exe", "--fanout-serve", address, NULL};
		pid = proc_spawn(args, log_path, false, err, sizeof(err));
	}
	if (pid < 0) {
		fprintf(stderr, "bench_events: cannot start the server: %s\n", err);
		return -1;
	}
	child = pid;
	if (proc_wait_unix_socket(pid, address + 5, START_TIMEOUT_MS) != 0) {
		proc_print_log_tail(log_path, 2000);
		proc_stop(pid, 3000);
		return -1;
	}
	return pid;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void summarise(struct subs *s, int phase, struct result *r)
{
	struct lat_log all = {0};
	r->conn_p50_min[phase] = 1e18;
	r->conn_p50_max[phase] = 0;
	for (int c = 0; c < subs_conns(s); c++) {
		struct lat_log *l = subs_lat(s, c, phase);
		lat_merge(&all, l);
		double p = ms(lat_percentile(l, 50));
		if (p < r->conn_p50_min[phase])
			r->conn_p50_min[phase] = p;
		if (p > r->conn_p50_max[phase])
			r->conn_p50_max[phase] = p;
	}
	r->p50[phase] = ms(lat_percentile(&all, 50));
	r->p99[phase] = ms(lat_percentile(&all, 99));
	r->max[phase] = ms(lat_percentile(&all, 100));
	lat_free(&all);
}

static void sleep_until(uint64_t t_ns)
{
	uint64_t now = load_now_ns();
	if (t_ns > now) {
		uint64_t d = t_ns - now;
		nanosleep(&(struct timespec){(time_t)(d / 1000000000), (long)(d % 1000000000)},
			  NULL);
	}
}

/* Runs the changes of one phase and waits until every subscriber has them. */
static int run_phase(int phase, pid_t pid, grpc_channel *ch, const char *group_id,
		     struct changes *chg, unsigned *next, unsigned count, uint64_t interval_ns,
		     struct subs *s, size_t n_subs, struct lat_log *rpc, struct result *r)
{
	char peer_id[40] = "";
	double cpu0 = proc_cpu_seconds(pid);
	uint64_t before = subs_received(s), t0 = load_now_ns();
	for (unsigned k = 0; k < count; k++, (*next)++) {
		if (interval_ns)
			sleep_until(t0 + k * interval_ns);
		chg->phase[*next] = (uint8_t)phase;
		uint64_t t = load_now_ns();
		__atomic_store_n(&chg->send_ns[*next], t, __ATOMIC_RELEASE);
		if (change(ch, group_id, *next, peer_id, sizeof(peer_id)) != 0)
			return -1;
		lat_add(rpc, load_now_ns() - t);
	}
	uint64_t target = before + (uint64_t)count * n_subs;
	uint64_t got = subs_wait(s, target, DELIVER_TIMEOUT_MS);
	double cpu = proc_cpu_seconds(pid) - cpu0;
	r->expected += (uint64_t)count * n_subs;
	r->received += got - before;
	r->cpu_us[phase] = got > before ? cpu * 1e6 / (double)(got - before) : 0;
	return 0;
}

/* The loop's responsiveness during the burst: ListRoutes for a peer that does not exist is
 * answered NOT_FOUND by vbrd's loop thread (no disk, no fan-out), so its latency is how long
 * a call waits for the loop. One every 5 ms from its own connection. */
struct probe {
	grpc_channel *ch;
	atomic_bool stop;
	struct lat_log lat;
	pthread_t thread;
};

static void *probe_run(void *arg)
{
	struct probe *p = arg;
	Vbr__V1__ListRoutesRequest req = VBR__V1__LIST_ROUTES_REQUEST__INIT;
	req.peer_id = "bgpp-00000001";
	uint8_t buf[64];
	size_t len = protobuf_c_message_pack(&req.base, buf);
	while (!atomic_load(&p->stop)) {
		uint8_t *resp = NULL;
		size_t resp_len = 0;
		char msg[200];
		uint64_t t = load_now_ns();
		load_unary(p->ch, SVC "ListRoutes", buf, len, &resp, &resp_len, msg, sizeof(msg));
		lat_add(&p->lat, load_now_ns() - t);
		free(resp);
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	}
	return NULL;
}

static grpc_channel *channel_to(const char *address)
{
	grpc_arg arg = {.type = GRPC_ARG_INTEGER,
			.key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
			.value.integer = 1};
	grpc_channel_args args = {1, &arg};
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(address, creds, &args);
	grpc_channel_credentials_release(creds);
	return ch;
}

static int run_case(bool vbrd, size_t n, const struct options *o, struct result *r)
{
	memset(r, 0, sizeof(*r));
	char address[160], state_dir[256] = "";
	pid_t pid = start_server(vbrd, o, address, sizeof(address), state_dir);
	if (pid < 0)
		return -1;
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(address, creds, NULL);
	grpc_channel_credentials_release(creds);
	char group_id[40] = "bgpg-00000000";
	int rc = -1;
	struct changes chg = {0};
	struct subs *s = NULL;
	struct lat_log rpc = {0};
	if (vbrd) {
		Vbr__V1__CreateBgpGroupRequest g = VBR__V1__CREATE_BGP_GROUP_REQUEST__INIT;
		g.name = "bench";
		g.peer_asn = 65001;
		uint8_t *resp = NULL;
		size_t len = 0;
		if (call(ch, SVC "CreateBgpGroup", &g.base, &resp, &len) != GRPC_STATUS_OK)
			goto out;
		Vbr__V1__BgpGroup *gr = vbr__v1__bgp_group__unpack(NULL, len, resp);
		free(resp);
		if (!gr)
			goto out;
		snprintf(group_id, sizeof(group_id), "%s", gr->id);
		vbr__v1__bgp_group__free_unpacked(gr, NULL);
	}
	unsigned steady = (unsigned)(o->rate * o->steady_seconds);
	chg.cap = (size_t)o->burst + steady + 4;
	chg.send_ns = calloc(chg.cap, sizeof(*chg.send_ns));
	chg.phase = calloc(chg.cap, 1);
	long rss0 = rss_kib(pid);
	char err[200];
	s = subs_open(address, n, o->conns, &chg, 120000, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "bench_events: %s\n", err);
		goto out;
	}
	r->rss_kib_per_sub = (double)(rss_kib(pid) - rss0) / (double)n;
	unsigned next = 0;
	struct probe probe = {.ch = channel_to(address)};
	atomic_init(&probe.stop, false);
	bool probing = vbrd && pthread_create(&probe.thread, NULL, probe_run, &probe) == 0;
	int burst =
	    run_phase(0, pid, ch, group_id, &chg, &next, (unsigned)o->burst, 0, s, n, &rpc, r);
	atomic_store(&probe.stop, true);
	if (probing)
		pthread_join(probe.thread, NULL);
	r->probe_p50 = ms(lat_percentile(&probe.lat, 50));
	r->probe_max = ms(lat_percentile(&probe.lat, 100));
	lat_free(&probe.lat);
	grpc_channel_destroy(probe.ch);
	if (burst || run_phase(1, pid, ch, group_id, &chg, &next, steady,
			       1000000000ull / (uint64_t)o->rate, s, n, &rpc, r))
		goto out;
	for (int p = 0; p < SUBS_PHASES; p++)
		summarise(s, p, r);
	r->rpc_p50 = ms(lat_percentile(&rpc, 50));
	r->rpc_max = ms(lat_percentile(&rpc, 100));
	r->gaps = subs_gaps(s);
	r->ended = subs_ended(s);
	r->ok = true;
	rc = 0;
out:
	if (s)
		subs_close(s);
	grpc_channel_destroy(ch);
	lat_free(&rpc);
	free(chg.send_ns);
	free(chg.phase);
	proc_stop(pid, 5000);
	child = -1;
	if (state_dir[0]) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_events: could not remove %s\n", state_dir);
	}
	return rc;
}

static void print_row(const char *name, size_t n, const struct result *r)
{
	if (!r->ok) {
		printf("%6zu %-5s  (did not run)\n", n, name);
		return;
	}
	printf("%6zu %-5s  %7.1f %7.1f %7.1f  %6.1f-%-6.1f  %6.2f %6.1f  %6.1f %6.1f %6.1f  "
	       "%5.2f %5.2f  %9llu %5llu  %6.1f\n",
	       n, name, r->p50[0], r->p99[0], r->max[0], r->conn_p50_min[0], r->conn_p50_max[0],
	       r->rpc_p50, r->rpc_max, r->p50[1], r->p99[1], r->max[1], r->cpu_us[0], r->cpu_us[1],
	       (unsigned long long)r->received,
	       (unsigned long long)(r->expected - r->received + r->gaps + r->ended),
	       r->rss_kib_per_sub);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_events --vbrd PATH --state-parent DIR [--subs 100,1000,5000]\n"
		"       [--conns 8] [--burst 50] [--rate 20] [--steady-seconds 5] [--skip-bare]\n");
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
	    {"vbrd", 1, 0, 'v'},	   {"state-parent", 1, 0, 'p'}, {"subs", 1, 0, 'n'},
	    {"conns", 1, 0, 'c'},	   {"burst", 1, 0, 'b'},	{"rate", 1, 0, 'r'},
	    {"steady-seconds", 1, 0, 's'}, {"skip-bare", 0, 0, 'k'},	{0, 0, 0, 0}};
	*o = (struct options){.conns = 8,
			      .burst = 50,
			      .rate = 20,
			      .steady_seconds = 5,
			      .subs = {100, 1000, 5000},
			      .n_subs = 3};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o->vbrd = optarg;
			break;
		case 'p':
			o->state_parent = optarg;
			break;
		case 'c':
			o->conns = atoi(optarg);
			break;
		case 'b':
			o->burst = atoi(optarg);
			break;
		case 'r':
			o->rate = atoi(optarg);
			break;
		case 's':
			o->steady_seconds = atof(optarg);
			break;
		case 'k':
			o->skip_bare = true;
			break;
		case 'n':
			o->n_subs = 0;
			for (char *t = strtok(optarg, ","); t && o->n_subs < 8;
			     t = strtok(NULL, ","))
				o->subs[o->n_subs++] = (size_t)atol(t);
			break;
		default:
			usage();
			return -1;
		}
	}
	if (!o->vbrd || !o->state_parent || o->conns < 1 || o->conns > SUBS_MAX_CONNS ||
	    o->burst < 1 || o->rate < 1 || o->steady_seconds <= 0) {
		usage();
		return -1;
	}
	return 0;
}

static void print_load(void)
{
	char buf[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
	printf("# load average: %s\n", buf);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--fanout-serve") == 0) {
		grpc_init();
		return fanout_serve(argv[2]);
	}
	struct options o;
	if (parse(argc, argv, &o) != 0)
		return 2;
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/vbr-bench-events.XXXXXX");
	if (!mkdtemp(sock_dir)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	grpc_init();
	printf("# %d connections; burst: %d changes back to back; steady: %d/s for %.0f s\n",
	       o.conns, o.burst, o.rate, o.steady_seconds);
	printf(
	    "# latency from each change RPC to each subscriber, ms; CPU: server us per delivered "
	    "message\n");
	printf("%6s %-5s  %23s  %13s  %13s  %20s  %11s  %9s %5s  %6s\n", "subs", "srv",
	       "burst p50/p99/max", "conn p50", "rpc p50/max", "steady p50/p99/max", "CPU b/s",
	       "delivered", "miss", "KiB/sub");
	for (int i = 0; i < o.n_subs; i++) {
		struct result bare = {0}, v = {0};
		print_load();
		if (!o.skip_bare)
			run_case(false, o.subs[i], &o, &bare);
		run_case(true, o.subs[i], &o, &v);
		if (!o.skip_bare)
			print_row("bare", o.subs[i], &bare);
		print_row("vbrd", o.subs[i], &v);
		if (v.ok)
			printf(
			    "%6s vbrd's loop during the burst (ListRoutes, answered on the loop): "
			    "p50 %.2f ms, max %.2f ms\n",
			    "", v.probe_p50, v.probe_max);
		if (bare.ok && v.ok && bare.cpu_us[0] > 0 && bare.cpu_us[1] > 0)
			printf("%6s vbrd/bare CPU per message: burst %.2fx, steady %.2fx\n", "",
			       v.cpu_us[0] / bare.cpu_us[0], v.cpu_us[1] / bare.cpu_us[1]);
		fflush(stdout);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sock_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_events: could not remove %s\n", sock_dir);
	grpc_shutdown();
	return 0;
}
