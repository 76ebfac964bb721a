/* cmd_watch.c: `vbrctl watch`, the live stream of peer events (WatchPeerEvents). One line
 * per event as it arrives (a JSON object per line with -o json), flushed at once so a pipe
 * sees it. Ctrl-C cancels the call cleanly and exits 0; a stream ended by the server prints
 * why and exits non-zero (rpc_server_stream). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd_watch.h"
#include "fmt.h"
#include "output.h"
#include "pbjson.h"
#include "resolve.h"
#include "rpc.h"
#include "table.h"
#include "vbr/v1/vbr.pb-c.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void watch_event_time(const Google__Protobuf__Timestamp *ts, char *out, size_t size)
{
	if (!ts) {
		snprintf(out, size, "-");
		return;
	}
	time_t t = (time_t)ts->seconds;
	struct tm tm;
	char base[32];
	if (!gmtime_r(&t, &tm) || !strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, size, "-");
		return;
	}
	snprintf(out, size, "%s.%03dZ", base, (int)(ts->nanos / 1000000 % 1000));
}

static void print_state(bool color, Vbr__V1__SessionState state)
{
	const char *c = color ? fmt_state_color(state) : NULL;
	printf("%s%s%s", c ? c : "", fmt_state(state), c ? "\033[0m" : "");
}

static void print_event(void *arg, const ProtobufCMessage *msg)
{
	struct vbrctl *cli = arg;
	const Vbr__V1__PeerEvent *e = (const Vbr__V1__PeerEvent *)msg;
	if (watch_print_json(cli, msg))
		return;
	/* Server text goes through sanitize(): a reason can quote a remote router's message. */
	sanitize(e->peer_id);
	sanitize(e->peer_ip);
	sanitize(e->reason);
	watch_line_start(cli, e->time, e->sequence, e->peer_id, 13);
	printf("%-15s  ", e->kind == VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_END_OF_INITIAL_STATE
			      ? "-"
			      : fmt_or_dash(e->peer_ip));
	const char *label = NULL;
	switch (e->kind) {
	case VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_STATE_CHANGED:
		print_state(cli->color, e->old_state);
		printf(" -> ");
		print_state(cli->color, e->new_state);
		break;
	case VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_INITIAL_STATE:
		printf("now ");
		print_state(cli->color, e->new_state);
		break;
	case VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_END_OF_INITIAL_STATE:
		printf("(end of initial state; live events follow)");
		break;
	case VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_CREATED:
		printf("%s", label = "peer created");
		break;
	case VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_PEER_DELETED:
		printf("%s", label = "peer deleted");
		break;
	case VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_BFD_STATE_CHANGED: {
		char a[24], b[24];
		fmt_enum(&vbr__v1__bfd_state__descriptor, e->old_bfd_state, "BFD_STATE_", a,
			 sizeof(a));
		fmt_enum(&vbr__v1__bfd_state__descriptor, e->new_bfd_state, "BFD_STATE_", b,
			 sizeof(b));
		printf("BFD %s -> %s", a, b);
		break;
	}
	case VBR__V1__PEER_EVENT_KIND__PEER_EVENT_KIND_ROUTE_LIMIT_REACHED:
		printf("%s", label = "route limit reached");
		break;
	default:
		printf("event kind %d", (int)e->kind);
		break;
	}
	/* The reason says why; it is left out when it only repeats the label. */
	if (e->reason && *e->reason && !(label && strcmp(label, e->reason) == 0))
		printf("  %s", e->reason);
	printf("\n");
	fflush(stdout);
}

static const struct opt_spec watch_opts[] = {
    {"initial", 'i', OPT_FLAG, NULL, "first print every peer's (or route entry's) current state",
     false, NULL},
    {"routes", 'r', OPT_FLAG, NULL, "route-table events instead of peer events", false, NULL},
    {"source", 's', OPT_LIST, "SOURCE", "with --routes: only static, bgp or connected entries",
     false, "static|bgp|connected"},
    {"peer", 'p', OPT_LIST, "PEER", "only this peer (id or IP); repeat for more", false, "peer"},
    {"after", 0, OPT_VALUE, "SEQ", "first replay the events after this sequence number", false,
     NULL},
    {0},
};

void watch_line_start(struct vbrctl *cli, const Google__Protobuf__Timestamp *ts, uint64_t seq,
		      const char *id, int id_width)
{
	char when[48];
	watch_event_time(ts, when, sizeof(when));
	printf("%s  ", when);
	if (cli->output == OUTPUT_WIDE)
		printf("#%-6llu  %-*s  ", (unsigned long long)seq, id_width, fmt_or_dash(id));
}

bool watch_print_json(struct vbrctl *cli, const ProtobufCMessage *msg)
{
	if (cli->output != OUTPUT_JSON)
		return false;
	struct json_object *obj = pbjson_message(msg);
	pbjson_print(stdout, obj, true);
	json_object_put(obj);
	fflush(stdout);
	return true;
}

int watch_after(const struct opt_result *a, bool *present, uint64_t *after)
{
	int got = opts_uint(a, "after", UINT64_MAX, after);
	*present = got > 0;
	return got < 0 ? -1 : 0;
}

void watch_on_signals(volatile sig_atomic_t **flag)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	*flag = &stop_requested;
}

static int watch(struct vbrctl *cli, const struct opt_result *a)
{
	if (opts_flag(a, "routes"))
		return watch_routes(cli, a);
	const struct opt_value *sources = opts_get(a, "source");
	if (sources && sources->n_list > 0) {
		fprintf(stderr, "vbrctl watch: --source needs --routes\n");
		return EXIT_USAGE;
	}
	Vbr__V1__WatchPeerEventsRequest req = VBR__V1__WATCH_PEER_EVENTS_REQUEST__INIT;
	req.send_initial_state = opts_flag(a, "initial");
	bool after;
	if (watch_after(a, &after, &req.after_sequence) != 0)
		return EXIT_USAGE;
	if (after)
		req.after_sequence_present_case =
		    VBR__V1__WATCH_PEER_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE;
	const struct opt_value *peers = opts_get(a, "peer");
	int rc = EXIT_OK;
	char **ids = NULL;
	if (peers && peers->n_list > 0) {
		ids = calloc(peers->n_list, sizeof(*ids));
		if (!ids)
			return EXIT_USAGE;
		for (size_t i = 0; i < peers->n_list && rc == EXIT_OK; i++)
			rc = resolve_peer(cli, peers->list[i], &ids[i]);
		req.n_peer_ids = peers->n_list;
		req.peer_ids = ids;
	}
	if (rc == EXIT_OK) {
		volatile sig_atomic_t *stop;
		watch_on_signals(&stop);
		rc = rpc_server_stream(cli, &RPC_WATCH_PEER_EVENTS, &req.base, print_event, cli,
				       stop);
	}
	for (size_t i = 0; ids && i < peers->n_list; i++)
		free(ids[i]);
	free(ids);
	return rc;
}

const struct command watch_commands[] = {
    {"watch", NULL, "[--initial] [--peer PEER]... [--after SEQ] | --routes [--source SRC]...",
     "print peer (or route-table) events as they happen",
     "Prints one line per event as it arrives: time, peer, old -> new session state and the\n"
     "reason (\"hold timer expired\", \"NOTIFICATION received: ...\"), and peers created,\n"
     "deleted or reaching their route limit. With -o json, one JSON object per line.\n"
     "Ctrl-C ends it (exit 0). If the server ends the stream (it restarts, or this watcher\n"
     "fell too far behind: RESOURCE_EXHAUSTED) vbrctl says why and exits 2; resume with\n"
     "--after and the last sequence number seen (-o wide or -o json shows it).\n"
     "With --routes: route-table events (WatchRouteEvents, its own sequence numbers): entry\n"
     "added, next hop changed, removed, installed in the kernel or failed to install (with\n"
     "the reason); --source static|bgp|connected keeps only those entries.\n"
     "\n"
     "Examples:\n"
     "  vbrctl watch --initial\n"
     "  vbrctl watch --peer 192.0.2.1 --peer 192.0.2.2\n"
     "  vbrctl watch -o json | jq -c 'select(.kind == \"PEER_EVENT_KIND_STATE_CHANGED\")'\n"
     "  vbrctl watch --after 1042 -o wide\n"
     "  vbrctl watch --routes --initial --source static\n",
     watch_opts, 0, 0, NULL, watch},
    {0},
};
