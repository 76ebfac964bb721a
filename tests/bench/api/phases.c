/*
 * phases: the measured phases. Reads run echo and vbrd (or a second echo) in alternating
 * slices and print rate, latency, CPU and runqueue wait per call and the ratios; mutations
 * run vbrd's add/delete pairs against the disk floor (disk.h) the same way.
 */
#include "phases.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc_security.h>

#include "disk.h"
#include "proc.h"
#include "vbr/v1/vbr.pb-c.h"

#define N_NETWORKS 200

/* One measured phase on one server: its calls and the CPU both sides spent on them. */
struct phase {
	struct load_result r;
	double server_cpu, client_cpu;
	double server_wait, client_wait; /* runnable, waiting for a CPU (schedstat) */
	size_t reply_bytes;
};

grpc_slice bench_pack(const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	grpc_slice s = grpc_slice_malloc(len);
	if (len)
		protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(s));
	return s;
}

void server_connect(struct server *s)
{
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	s->channel = grpc_channel_create(s->address, creds, NULL);
	grpc_channel_credentials_release(creds);
	s->m_get_router = grpc_channel_register_call(s->channel, SERVICE "GetRouter", NULL, NULL);
	s->m_list_peers = grpc_channel_register_call(s->channel, SERVICE "ListBgpPeers", NULL, NULL);
	s->m_add_network =
		grpc_channel_register_call(s->channel, SERVICE "AddBgpNetwork", NULL, NULL);
	s->m_delete_network =
		grpc_channel_register_call(s->channel, SERVICE "DeleteBgpNetwork", NULL, NULL);
}

/* ---- request generators ---- */

static const struct load_req *same_request(void *ctx)
{
	return ctx;
}

struct mutation_gen {
	struct load_req add[N_NETWORKS], del[N_NETWORKS];
	size_t next;
	bool delete_next;
};

/* Add 10.200.i.0/24, delete it, add the next one... one call at a time. */
static const struct load_req *next_mutation(void *ctx)
{
	struct mutation_gen *g = ctx;
	const struct load_req *r = g->delete_next ? &g->del[g->next] : &g->add[g->next];
	if (g->delete_next)
		g->next = (g->next + 1) % N_NETWORKS;
	g->delete_next = !g->delete_next;
	return r;
}

static void mutation_gen_init(struct mutation_gen *g, struct server *vbrd)
{
	memset(g, 0, sizeof(*g));
	for (int i = 0; i < N_NETWORKS; i++) {
		char cidr[32];
		snprintf(cidr, sizeof(cidr), "10.200.%d.0/24", i);
		Vbr__V1__AddBgpNetworkRequest a = VBR__V1__ADD_BGP_NETWORK_REQUEST__INIT;
		a.cidr = cidr;
		Vbr__V1__DeleteBgpNetworkRequest d = VBR__V1__DELETE_BGP_NETWORK_REQUEST__INIT;
		d.cidr = cidr;
		g->add[i] = (struct load_req){vbrd->m_add_network, bench_pack(&a.base), 0};
		g->del[i] = (struct load_req){vbrd->m_delete_network, bench_pack(&d.base), 1};
	}
}

static void mutation_gen_free(struct mutation_gen *g)
{
	for (int i = 0; i < N_NETWORKS; i++) {
		grpc_slice_unref(g->add[i].body);
		grpc_slice_unref(g->del[i].body);
	}
}

/* ---- measuring ---- */

static int measure(struct server *s, struct load_req *req, int in_flight, double seconds,
		   struct phase *ph)
{
	double c0 = proc_cpu_seconds(s->pid), self0 = proc_self_cpu_seconds();
	double srun0 = 0, swait0 = 0, crun0 = 0, cwait0 = 0, srun1 = 0, swait1 = 0, crun1 = 0,
	       cwait1 = 0;
	proc_sched_seconds(s->pid, &srun0, &swait0);
	proc_sched_seconds(0, &crun0, &cwait0);
	int rc = load_run(s->channel, in_flight, seconds, same_request, req, &ph->r);
	ph->server_cpu += proc_cpu_seconds(s->pid) - c0;
	ph->client_cpu += proc_self_cpu_seconds() - self0;
	proc_sched_seconds(s->pid, &srun1, &swait1);
	proc_sched_seconds(0, &crun1, &cwait1);
	ph->server_wait += swait1 - swait0;
	ph->client_wait += cwait1 - cwait0;
	if (rc != 0)
		fprintf(stderr, "bench_api: %s: %s\n", s->name, ph->r.first_error);
	return rc;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void print_read_row(const char *method, const char *server, struct phase *ph)
{
	uint64_t n = ph->r.calls[0];
	double rate = ph->r.seconds > 0 ? (double)n / ph->r.seconds : 0;
	printf("%-13s %-5s %8llu %8.0f %7.3f %7.3f %6.1f %6.1f %7.1f %7.1f %6zu %5llu\n", method,
	       server, (unsigned long long)n, rate, ms(lat_percentile(&ph->r.lat[0], 50)),
	       ms(lat_percentile(&ph->r.lat[0], 99)), n ? ph->server_cpu * 1e6 / (double)n : 0,
	       n ? ph->client_cpu * 1e6 / (double)n : 0, n ? ph->server_wait * 1e6 / (double)n : 0,
	       n ? ph->client_wait * 1e6 / (double)n : 0, ph->reply_bytes,
	       (unsigned long long)ph->r.errors);
	if (ph->r.errors)
		printf("    first error: %s\n", ph->r.first_error);
}

static double rate_of(const struct phase *ph)
{
	return ph->r.seconds > 0 ? (double)ph->r.calls[0] / ph->r.seconds : 0;
}

static double cpu_per_call(const struct phase *ph)
{
	return ph->r.calls[0] ? ph->server_cpu / (double)ph->r.calls[0] : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of n values (sorts a copy). */
static double median(const double *v, int n)
{
	double sorted[100];
	if (n <= 0 || n > 100)
		return 0;
	memcpy(sorted, v, (size_t)n * sizeof(*v));
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_double);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* Echo and vbrd in alternating slices, so load from elsewhere on the machine falls on both. */
int read_phase(const char *method, struct server *echo, struct server *vbrd,
		      struct load_req *echo_req, struct load_req *vbrd_req, size_t reply_bytes,
		      const struct run_opts *o)
{
	struct phase pe, pv;
	memset(&pe, 0, sizeof(pe));
	memset(&pv, 0, sizeof(pv));
	pe.reply_bytes = pv.reply_bytes = reply_bytes;
	double slice = o->seconds / o->rounds;
	/* Warm-up, not counted: connections, allocator, the snapshot's first adoption. */
	struct phase warm;
	memset(&warm, 0, sizeof(warm));
	int rc = measure(echo, echo_req, o->in_flight, 0.5, &warm);
	rc |= measure(vbrd, vbrd_req, o->in_flight, 0.5, &warm);
	load_result_free(&warm.r);
	double round_ratio[100];
	int n_rounds = 0;
	for (int i = 0; i < o->rounds && rc == 0; i++) {
		struct phase e0 = pe, v0 = pv; /* counters before this round (logs not used) */
		/* ABBA order: neither server always runs right after the other. */
		if (i % 2 == 0) {
			rc |= measure(echo, echo_req, o->in_flight, slice, &pe);
			rc |= measure(vbrd, vbrd_req, o->in_flight, slice, &pv);
		} else {
			rc |= measure(vbrd, vbrd_req, o->in_flight, slice, &pv);
			rc |= measure(echo, echo_req, o->in_flight, slice, &pe);
		}
		double er = (double)(pe.r.calls[0] - e0.r.calls[0]) / (pe.r.seconds - e0.r.seconds);
		double vr = (double)(pv.r.calls[0] - v0.r.calls[0]) / (pv.r.seconds - v0.r.seconds);
		round_ratio[n_rounds++] = er > 0 ? vr / er : 0;
	}
	print_read_row(method, echo->name, &pe);
	print_read_row(method, vbrd->name, &pv);
	double ratio = rate_of(&pe) > 0 ? rate_of(&pv) / rate_of(&pe) : 0;
	double cpu_ratio = cpu_per_call(&pe) > 0 ? cpu_per_call(&pv) / cpu_per_call(&pe) : 0;
	printf("  -> %s/echo rate %.2f (target >= 0.80: %s); server CPU per call %s/echo "
	       "%.2f\n",
	       vbrd->name, ratio, ratio >= 0.80 ? "met" : "NOT met", vbrd->name, cpu_ratio);
	printf("     %s/echo rate by round:", vbrd->name);
	for (int i = 0; i < n_rounds; i++)
		printf(" %.2f", round_ratio[i]);
	printf("; median %.2f\n", median(round_ratio, n_rounds));
	load_result_free(&pe.r);
	load_result_free(&pv.r);
	return rc;
}

/* vbrd's add/delete pairs and the disk floor (disk.h) in alternating slices. */
int mutation_phase(struct server *vbrd, const struct run_opts *o, const char *floor_dir,
		   size_t bytes)
{
	struct mutation_gen *gen = malloc(sizeof(*gen));
	if (!gen)
		return -1;
	mutation_gen_init(gen, vbrd);
	struct phase ph;
	memset(&ph, 0, sizeof(ph));
	struct lat_log floor_lat = {0};
	long floor_n = 0;
	double slice = o->seconds / o->rounds, floor_s = 0, floor_cpu = 0;
	int rc = 0;
	for (int i = 0; i < o->rounds && rc == 0; i++) {
		uint64_t t0 = load_now_ns();
		double self0 = proc_self_cpu_seconds();
		long n = disk_floor_run(floor_dir, bytes, slice, &floor_lat);
		floor_cpu += proc_self_cpu_seconds() - self0;
		floor_s += (double)(load_now_ns() - t0) / 1e9;
		if (n < 0) {
			fprintf(stderr, "bench_api: disk floor in %s: %s\n", floor_dir,
				strerror(errno));
			rc = -1;
			break;
		}
		floor_n += n;
		double c0 = proc_cpu_seconds(vbrd->pid);
		rc = load_run(vbrd->channel, 1, slice, next_mutation, gen, &ph.r);
		ph.server_cpu += proc_cpu_seconds(vbrd->pid) - c0;
		if (rc != 0)
			fprintf(stderr, "bench_api: mutations: %s\n", ph.r.first_error);
	}
	const char *names[2] = {"AddBgpNetwork", "DeleteBgpNetwork"};
	struct lat_log all = {0};
	uint64_t total = 0;
	printf("\nmutations, one call at a time (each writes the state with fsync first)\n");
	printf("%-17s %8s %9s %8s %8s %8s\n", "method", "calls", "calls/s", "p50 ms", "p99 ms",
	       "max ms");
	for (int k = 0; k < 2; k++) {
		uint64_t n = ph.r.calls[k];
		total += n;
		lat_merge(&all, &ph.r.lat[k]);
		printf("%-17s %8llu %9.0f %8.2f %8.2f %8.2f\n", names[k], (unsigned long long)n,
		       ph.r.seconds > 0 ? (double)n / ph.r.seconds : 0,
		       ms(lat_percentile(&ph.r.lat[k], 50)), ms(lat_percentile(&ph.r.lat[k], 99)),
		       ms(lat_percentile(&ph.r.lat[k], 100)));
	}
	printf("%-17s %8ld %9.0f %8.2f %8.2f %8.2f\n", "disk floor", floor_n,
	       floor_s > 0 ? (double)floor_n / floor_s : 0, ms(lat_percentile(&floor_lat, 50)),
	       ms(lat_percentile(&floor_lat, 99)), ms(lat_percentile(&floor_lat, 100)));
	double p99 = ms(lat_percentile(&all, 99));
	printf("  -> %.0f add+delete pairs/s; p99 of both %.2f ms (target < 10 ms: %s); errors "
	       "%llu\n",
	       ph.r.seconds > 0 ? (double)total / 2 / ph.r.seconds : 0, p99,
	       p99 < 10.0 ? "met" : "NOT met", (unsigned long long)ph.r.errors);
	printf("     disk floor: the same replace (%zu B file, fsync, rename, fsync folder) done "
	       "alone, same file system\n",
	       bytes);
	printf("     CPU (user+system) per call: vbrd %.0f us, disk floor %.0f us per replace\n",
	       total ? ph.server_cpu * 1e6 / (double)total : 0,
	       floor_n > 0 ? floor_cpu * 1e6 / (double)floor_n : 0);
	if (ph.r.errors)
		printf("    first error: %s\n", ph.r.first_error);
	lat_free(&all);
	lat_free(&floor_lat);
	load_result_free(&ph.r);
	mutation_gen_free(gen);
	free(gen);
	return rc;
}

