/*
 * bench_api: what vbrd's API costs, as a ratio to a bare gRPC core server. Figures only,
 * never pass/fail (exit 0 unless something could not run at all).
 *
 * This file starts everything and cleans up: vbrd (a temp --state-dir on the real disk,
 * --api on a unix socket, in a private network namespace so the 8 peers it creates in
 * 10.99.0.0/16 lead nowhere), an echo server (echo.h: this same executable with
 * --echo-serve) that answers each method with the exact bytes vbrd answered, and with
 * --control a second echo in vbrd's place. phases.h then drives, from one client thread
 * (load.h): GetRouter and ListBgpPeers with 64 calls in flight, echo and vbrd in alternating
 * slices; AddBgpNetwork / DeleteBgpNetwork pairs one call at a time against the disk floor
 * (disk.h). It prints calls/s, p50/p99, CPU and CPU-wait per call (proc.h), the vbrd/echo
 * ratios and the mutations' p99, against the targets (reads >= 80% of echo; mutations p99
 * < 10 ms).
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/log.h>

#include "echo.h"
#include "lat.h"
#include "load.h"
#include "phases.h"
#include "proc.h"
#include "vbr/v1/vbr.pb-c.h"

#define N_PEERS 8
#define START_TIMEOUT_MS 15000

struct options {
	const char *vbrd;
	struct run_opts run;
	const char *state_parent;
	bool keep;
	const char *phases; /* comma list of get, list, mut */
	bool control;       /* read phases: a second echo server in vbrd's place */
};

static struct {
	char sock_dir[64];
	char state_dir[256];
	char floor_dir[256];
	pid_t children[3];
	bool keep;
} cleanup_state;

/* ---- clean-up ---- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path); /* best effort: keep going */
	return 0;
}

static void remove_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	for (int i = 0; i < 3; i++)
		if (cleanup_state.children[i] > 0)
			proc_stop(cleanup_state.children[i], 5000);
	if (!cleanup_state.keep) {
		remove_tree(cleanup_state.state_dir);
		remove_tree(cleanup_state.floor_dir);
		remove_tree(cleanup_state.sock_dir);
	}
}

static void on_signal(int sig)
{
	/* Children also get SIGTERM from PR_SET_PDEATHSIG; the folders stay (run.sh removes
	 * them). */
	for (int i = 0; i < 3; i++)
		if (cleanup_state.children[i] > 0)
			kill(cleanup_state.children[i], SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- helpers ---- */

static const char *fs_name(const char *dir, bool *is_tmpfs)
{
	struct statfs st;
	*is_tmpfs = false;
	if (statfs(dir, &st) != 0)
		return "unknown";
	switch ((unsigned long)st.f_type) {
	case 0xEF53:
		return "ext4";
	case 0x58465342:
		return "xfs";
	case 0x9123683E:
		return "btrfs";
	case 0x794c7630:
		return "overlayfs";
	case 0x01021994:
		*is_tmpfs = true;
		return "tmpfs (fsync costs nothing: mutation figures mean little)";
	default:
		return "other";
	}
}

static void load_average(char *out, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;
	if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
		snprintf(out, len, "unknown");
	else
		snprintf(out, len, "%.2f %.2f %.2f", a, b, c);
	if (f)
		fclose(f);
}

/* One set-up call; prints and fails on anything but OK. */
static int call_ok(struct server *s, const char *method, const ProtobufCMessage *req,
		   uint8_t **resp, size_t *resp_len)
{
	grpc_slice body = bench_pack(req);
	char msg[256];
	uint8_t *dummy;
	size_t dummy_len;
	grpc_status_code code = load_unary(s->channel, method, GRPC_SLICE_START_PTR(body),
					   GRPC_SLICE_LENGTH(body), resp ? resp : &dummy,
					   resp_len ? resp_len : &dummy_len, msg, sizeof(msg));
	grpc_slice_unref(body);
	if (!resp && code == GRPC_STATUS_OK)
		free(dummy);
	if (code != GRPC_STATUS_OK) {
		fprintf(stderr, "bench_api: %s on %s: status %d: %s\n", method, s->name, (int)code,
			msg);
		return -1;
	}
	return 0;
}

/* A group and N_PEERS peers (10.99.0.1..8: nothing answers in vbrd's namespace). */
static int create_peers(struct server *vbrd)
{
	Vbr__V1__CreateBgpGroupRequest g = VBR__V1__CREATE_BGP_GROUP_REQUEST__INIT;
	g.name = "bench";
	g.peer_asn = 65001;
	g.description = "API benchmark";
	uint8_t *bytes;
	size_t len;
	if (call_ok(vbrd, SERVICE "CreateBgpGroup", &g.base, &bytes, &len))
		return -1;
	Vbr__V1__BgpGroup *group = vbr__v1__bgp_group__unpack(NULL, len, bytes);
	free(bytes);
	if (!group) {
		fprintf(stderr, "bench_api: CreateBgpGroup: reply does not parse\n");
		return -1;
	}
	int rc = 0;
	for (int i = 1; i <= N_PEERS && rc == 0; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.99.0.%d", i);
		Vbr__V1__CreateBgpPeerRequest p = VBR__V1__CREATE_BGP_PEER_REQUEST__INIT;
		p.group_id = group->id;
		p.peer_ip = ip;
		p.description = "benchmark peer";
		rc = call_ok(vbrd, SERVICE "CreateBgpPeer", &p.base, NULL, NULL);
	}
	vbr__v1__bgp_group__free_unpacked(group, NULL);
	return rc;
}

/* ---- the echo server's side of this executable ---- */

static int hex_decode(const char *hex, uint8_t **out, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2)
		return -1;
	*out = malloc(n / 2 + 1);
	if (!*out)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		(*out)[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static char *hex_encode(const uint8_t *data, size_t len)
{
	char *s = malloc(2 * len + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		sprintf(s + 2 * i, "%02x", data[i]);
	s[2 * len] = '\0';
	return s;
}

/* bench_api --echo-serve ADDRESS (PATH HEX_REPLY)... */
static int echo_main(int argc, char **argv)
{
	struct echo_method m[4];
	size_t n = 0;
	for (int i = 3; i + 1 < argc && n < 4; i += 2, n++) {
		uint8_t *reply;
		size_t len;
		if (hex_decode(argv[i + 1], &reply, &len) != 0) {
			fprintf(stderr, "echo: bad reply bytes for %s\n", argv[i]);
			return 2;
		}
		m[n] = (struct echo_method){argv[i], reply, len};
	}
	grpc_init();
	return echo_serve(argv[2], m, n) == 0 ? 0 : 1;
}

/* Size of vbrd's state file now: the floor writes as many bytes. */
static size_t state_file_size(void)
{
	char path[300];
	struct stat st;
	snprintf(path, sizeof(path), "%s/state.pb", cleanup_state.state_dir);
	return stat(path, &st) == 0 ? (size_t)st.st_size : 512;
}

/* ---- start-up ---- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_api --vbrd PATH [--seconds S] [--rounds R] [--in-flight N]\n"
		"                 [--state-parent DIR] [--keep] [--phases get,list,mut]\n"
		"                 [--control]\n"
		"  --seconds       measured seconds per phase and server (5)\n"
		"  --rounds        slices each phase is cut into, echo and vbrd alternating (5)\n"
		"  --in-flight     read calls in flight (64)\n"
		"  --state-parent  where vbrd's temp --state-dir goes; must be a real disk (/var/tmp)\n"
		"  --keep          keep the temp folders and logs\n"
		"  --phases        which to run, comma separated: get,list,mut (all)\n"
		"  --control       read phases against a second echo server instead of vbrd: the\n"
		"                  spread two identical servers show on this machine\n"
		"Runs as root (vbrd goes in a private network namespace).\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){NULL, {5.0, 5, 64}, "/var/tmp", false, "get,list,mut", false};
	static const struct option longs[] = {
		{"vbrd", required_argument, NULL, 'v'},
		{"seconds", required_argument, NULL, 's'},
		{"rounds", required_argument, NULL, 'r'},
		{"in-flight", required_argument, NULL, 'n'},
		{"state-parent", required_argument, NULL, 'p'},
		{"keep", no_argument, NULL, 'k'},
		{"phases", required_argument, NULL, 'f'},
		{"control", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'v': o->vbrd = optarg; break;
		case 's': o->run.seconds = atof(optarg); break;
		case 'r': o->run.rounds = atoi(optarg); break;
		case 'n': o->run.in_flight = atoi(optarg); break;
		case 'p': o->state_parent = optarg; break;
		case 'k': o->keep = true; break;
		case 'f': o->phases = optarg; break;
		case 'c': o->control = true; break;
		default: usage(); return -1;
		}
	}
	if (!o->vbrd || o->run.seconds <= 0 || o->run.seconds > 600 || o->run.rounds < 1 ||
	    o->run.rounds > 100 || o->run.in_flight < 1 || o->run.in_flight > LOAD_MAX_IN_FLIGHT) {
		usage();
		return -1;
	}
	return 0;
}

static int start_vbrd(struct server *vbrd, const struct options *o, const char *log_path)
{
	char api[128], state[300];
	snprintf(api, sizeof(api), "unix:%s/vbrd.sock", cleanup_state.sock_dir);
	snprintf(state, sizeof(state), "%s", cleanup_state.state_dir);
	/* A fresh namespace: every port is free; peers in 10.99/16 have no route. */
	char *args[] = {(char *)o->vbrd, "--api", api, "--bgp-listen", "127.0.0.1:17900",
			"--router-id", "192.0.2.1", "--state-dir", state, NULL};
	char err[256];
	vbrd->pid = proc_spawn(args, log_path, true, err, sizeof(err));
	if (vbrd->pid < 0) {
		fprintf(stderr, "bench_api: cannot start vbrd: %s\n", err);
		return -1;
	}
	cleanup_state.children[0] = vbrd->pid;
	snprintf(vbrd->address, sizeof(vbrd->address), "%s", api);
	if (proc_wait_unix_socket(vbrd->pid, api + 5, START_TIMEOUT_MS) != 0) {
		fprintf(stderr, "bench_api: vbrd did not open %s\n", api);
		proc_print_log_tail(log_path, 2000);
		return -1;
	}
	return 0;
}

/* slot 1: the echo server; slot 2: the second one --control puts in vbrd's place. */
static int start_echo(struct server *echo, int slot, const char *log_path,
		      const uint8_t *router, size_t router_len, const uint8_t *peers,
		      size_t peers_len)
{
	snprintf(echo->address, sizeof(echo->address), "unix:%s/echo%d.sock",
		 cleanup_state.sock_dir, slot);
	char *router_hex = hex_encode(router, router_len), *peers_hex = hex_encode(peers, peers_len);
	char *args[] = {"/proc/self/exe", "--echo-serve", echo->address, SERVICE "GetRouter",
			router_hex, SERVICE "ListBgpPeers", peers_hex, NULL};
	char err[256];
	echo->pid = router_hex && peers_hex ? proc_spawn(args, log_path, false, err, sizeof(err))
					    : -1;
	free(router_hex);
	free(peers_hex);
	if (echo->pid < 0) {
		fprintf(stderr, "bench_api: cannot start the echo server\n");
		return -1;
	}
	cleanup_state.children[slot] = echo->pid;
	if (proc_wait_unix_socket(echo->pid, echo->address + 5, START_TIMEOUT_MS) != 0) {
		fprintf(stderr, "bench_api: the echo server did not open %s\n", echo->address);
		proc_print_log_tail(log_path, 2000);
		return -1;
	}
	return 0;
}

/* Whether a comma list names a phase. */
static bool has_phase(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + (comma ? 1 : 0);
	}
	return false;
}

static void drop_log(gpr_log_func_args *args)
{
	(void)args;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "--echo-serve") == 0)
		return echo_main(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0); /* figures appear as phases end, also into a file */
	struct options o;
	if (parse_options(argc, argv, &o) != 0)
		return 2;
	if (access(o.vbrd, X_OK) != 0) {
		fprintf(stderr, "bench_api: %s: not an executable\n", o.vbrd);
		return 2;
	}
	cleanup_state.keep = o.keep;
	/* Sockets in /tmp (short paths); vbrd's state where fsync reaches the disk. */
	snprintf(cleanup_state.sock_dir, sizeof(cleanup_state.sock_dir), "/tmp/vbr-bench-api.XXXXXX");
	snprintf(cleanup_state.state_dir, sizeof(cleanup_state.state_dir),
		 "%s/vbr-bench-api-state.XXXXXX", o.state_parent);
	snprintf(cleanup_state.floor_dir, sizeof(cleanup_state.floor_dir),
		 "%s/vbr-bench-api-floor.XXXXXX", o.state_parent);
	if (!mkdtemp(cleanup_state.sock_dir) || !mkdtemp(cleanup_state.state_dir) ||
	    !mkdtemp(cleanup_state.floor_dir)) {
		fprintf(stderr, "bench_api: cannot make temp folders: %s\n", strerror(errno));
		return 1;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	char vbrd_log[128], echo_log[128], echo_log2[128], load_start[64], load_end[64];
	snprintf(vbrd_log, sizeof(vbrd_log), "%s/vbrd.log", cleanup_state.sock_dir);
	snprintf(echo_log, sizeof(echo_log), "%s/echo.log", cleanup_state.sock_dir);
	snprintf(echo_log2, sizeof(echo_log2), "%s/echo2.log", cleanup_state.sock_dir);
	struct server vbrd = {.name = "vbrd"}, echo = {.name = "echo"};
	/* vbrd before grpc_init: nothing of gRPC's is running yet when it forks. */
	if (start_vbrd(&vbrd, &o, vbrd_log) != 0)
		return 1;
	gpr_set_log_function(drop_log);
	grpc_init();
	server_connect(&vbrd);
	if (create_peers(&vbrd) != 0) {
		proc_print_log_tail(vbrd_log, 2000);
		return 1;
	}
	/* Both replies as vbrd gives them: the echo server will answer with these bytes. */
	Vbr__V1__GetRouterRequest rr = VBR__V1__GET_ROUTER_REQUEST__INIT;
	Vbr__V1__ListBgpPeersRequest lr = VBR__V1__LIST_BGP_PEERS_REQUEST__INIT;
	uint8_t *router_reply, *peers_reply;
	size_t router_len, peers_len;
	if (call_ok(&vbrd, SERVICE "GetRouter", &rr.base, &router_reply, &router_len) ||
	    call_ok(&vbrd, SERVICE "ListBgpPeers", &lr.base, &peers_reply, &peers_len))
		return 1;
	Vbr__V1__ListBgpPeersResponse *lp =
		vbr__v1__list_bgp_peers_response__unpack(NULL, peers_len, peers_reply);
	size_t listed = lp ? lp->n_peers : 0;
	if (lp)
		vbr__v1__list_bgp_peers_response__free_unpacked(lp, NULL);
	if (listed != N_PEERS) {
		fprintf(stderr, "bench_api: ListBgpPeers shows %zu peers, created %d\n", listed,
			N_PEERS);
		return 1;
	}
	if (start_echo(&echo, 1, echo_log, router_reply, router_len, peers_reply, peers_len) != 0)
		return 1;
	server_connect(&echo);
	/* --control: the read phases run echo against a second echo, in vbrd's place, to show
	 * how far apart two identical servers come out on this machine (the method's noise). */
	struct server control = {.name = "echo2"};
	if (o.control) {
		if (start_echo(&control, 2, echo_log2, router_reply, router_len, peers_reply,
			       peers_len) != 0)
			return 1;
		server_connect(&control);
	}
	struct server *reader = o.control ? &control : &vbrd;

	bool tmpfs;
	const char *fs = fs_name(cleanup_state.state_dir, &tmpfs);
	load_average(load_start, sizeof(load_start));
	printf("vbrd API benchmark (figures only, never pass/fail)\n");
	printf("vbrd:    %s (pid %d); API unix socket; state %s on %s\n", o.vbrd, (int)vbrd.pid,
	       cleanup_state.state_dir, fs);
	printf("setup:   1 group, %d peers (10.99.0.1-%d, unreachable in vbrd's private netns)\n",
	       N_PEERS, N_PEERS);
	printf("echo:    bare gRPC core server (pid %d), answers on its cq thread with vbrd's own "
	       "reply bytes\n", (int)echo.pid);
	printf("client:  1 thread, 1 channel per server; %.1f s per phase and server, in %d "
	       "alternating slices\n",
	       o.run.seconds, o.run.rounds);
	printf("machine: %ld CPUs, load average %s at start: shared with other work, so rates "
	       "are noisy; CPU/call is steadier\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN), load_start);
	printf("reads, %d in flight. Per call, in us: CPU used by the server (srv) and the client "
	       "(cli),\nand time their threads sat runnable waiting for a CPU (wait: other work on "
	       "the machine)\n",
	       o.run.in_flight);
	printf("%-13s %-5s %8s %8s %7s %7s %6s %6s %7s %7s %6s %5s\n", "method", "srv", "calls",
	       "calls/s", "p50 ms", "p99 ms", "srv", "cli", "srvwait", "cliwait", "reply", "errs");

	grpc_slice empty = grpc_empty_slice();
	struct load_req echo_router = {echo.m_get_router, empty, 0};
	struct load_req vbrd_router = {reader->m_get_router, empty, 0};
	struct load_req echo_peers = {echo.m_list_peers, empty, 0};
	struct load_req vbrd_peers = {reader->m_list_peers, empty, 0};
	int rc = 0;
	if (has_phase(o.phases, "get"))
		rc |= read_phase("GetRouter", &echo, reader, &echo_router, &vbrd_router, router_len,
				 &o.run);
	if (has_phase(o.phases, "list"))
		rc |= read_phase("ListBgpPeers", &echo, reader, &echo_peers, &vbrd_peers, peers_len,
				 &o.run);
	if (has_phase(o.phases, "mut"))
		rc |= mutation_phase(&vbrd, &o.run, cleanup_state.floor_dir, state_file_size());
	load_average(load_end, sizeof(load_end));
	printf("\nload average at end: %s\n", load_end);
	free(router_reply);
	free(peers_reply);

	grpc_channel_destroy(echo.channel);
	if (o.control) {
		grpc_channel_destroy(control.channel);
		proc_stop(control.pid, 5000);
	}
	grpc_channel_destroy(vbrd.channel);
	int echo_exit = proc_stop(echo.pid, 5000);
	(void)echo_exit;
	int vbrd_exit = proc_stop(vbrd.pid, 10000);
	cleanup_state.children[0] = cleanup_state.children[1] = cleanup_state.children[2] = 0;
	if (vbrd_exit != 0) {
		printf("vbrd exited with %d after SIGTERM (expected 0)\n", vbrd_exit);
		proc_print_log_tail(vbrd_log, 2000);
	}
	if (o.keep)
		printf("kept: %s (logs, sockets), %s (state), %s\n", cleanup_state.sock_dir,
		       cleanup_state.state_dir, cleanup_state.floor_dir);
	grpc_shutdown();
	return rc == 0 ? 0 : 1;
}
