/* cmd_watch_routes.c: `vbrctl watch --routes`, the live stream of route-table events
 * (WatchRouteEvents): one line per event as it arrives (a JSON object per line with -o json),
 * flushed at once. Signals and the stream's end behave as `vbrctl watch` (cmd_watch.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_watch.h"
#include "fmt.h"
#include "output.h"
#include "rpc.h"
#include "table.h"

static const char *source_name(Vbr__V1__RouteSource s)
{
	switch (s) {
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_STATIC:
		return "static";
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP:
		return "bgp";
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED:
		return "connected";
	default:
		return "-";
	}
}

static void print_change(const Vbr__V1__RouteEvent *e, const Vbr__V1__RouteEntry *r)
{
	const char *nh = r && r->next_hop && *r->next_hop ? r->next_hop : NULL;
	switch (e->kind) {
	case VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_INITIAL_STATE:
		printf("now%s%s, %s", nh ? " via " : "", nh ? nh : "",
		       r && r->installed ? "installed" : "not installed");
		if (r && !r->installed && r->status_reason && *r->status_reason)
			printf(": %s", r->status_reason);
		break;
	case VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_ADDED:
		printf("added%s%s", nh ? " via " : "", nh ? nh : "");
		break;
	case VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_NEXT_HOP_CHANGED:
		printf("next hop %s -> %s", fmt_or_dash(e->old_next_hop), nh ? nh : "-");
		break;
	case VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_REMOVED:
		printf("removed");
		break;
	case VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_INSTALLED:
		printf("installed%s%s", r && r->interface && *r->interface ? " on " : "",
		       r && r->interface ? r->interface : "");
		break;
	case VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_INSTALL_FAILED:
		printf("install failed: %s",
		       r && r->status_reason && *r->status_reason ? r->status_reason : "-");
		break;
	default:
		printf("event kind %d", (int)e->kind);
		break;
	}
}

static void print_route_event(void *arg, const ProtobufCMessage *msg)
{
	struct vbrctl *cli = arg;
	const Vbr__V1__RouteEvent *e = (const Vbr__V1__RouteEvent *)msg;
	if (watch_print_json(cli, msg))
		return;
	const Vbr__V1__RouteEntry *r = e->entry;
	if (r) { /* a status reason can quote the kernel or a peer */
		sanitize(r->status_reason);
		sanitize(r->interface);
		sanitize(r->description);
	}
	watch_line_start(cli, e->time, e->sequence, r ? r->id : NULL, 12);
	if (e->kind == VBR__V1__ROUTE_EVENT_KIND__ROUTE_EVENT_KIND_END_OF_INITIAL_STATE || !r) {
		printf("%-18s  %-9s  (end of initial state; live events follow)\n", "-", "-");
		fflush(stdout);
		return;
	}
	printf("%-18s  %-9s  ", fmt_or_dash(r->destination_cidr), source_name(r->source));
	print_change(e, r);
	if (r->source == VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP && r->peer_id && *r->peer_id)
		printf("  (peer %s)", r->peer_id);
	printf("\n");
	fflush(stdout);
}

static int parse_source(const char *s, Vbr__V1__RouteSource *out)
{
	static const struct {
		const char *name;
		Vbr__V1__RouteSource v;
	} names[] = {{"static", VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_STATIC},
		     {"bgp", VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP},
		     {"connected", VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].v;
			return 0;
		}
	fprintf(stderr, "vbrctl watch: --source %s: expected static, bgp or connected\n", s);
	return -1;
}

int watch_routes(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__WatchRouteEventsRequest req = VBR__V1__WATCH_ROUTE_EVENTS_REQUEST__INIT;
	req.send_initial_state = opts_flag(a, "initial");
	bool after;
	if (watch_after(a, &after, &req.after_sequence) != 0)
		return EXIT_USAGE;
	if (after)
		req.after_sequence_present_case =
		    VBR__V1__WATCH_ROUTE_EVENTS_REQUEST__AFTER_SEQUENCE_PRESENT_AFTER_SEQUENCE;
	const struct opt_value *peers = opts_get(a, "peer");
	if (peers && peers->n_list > 0) {
		fprintf(stderr, "vbrctl watch: --peer is for peer events, not --routes\n");
		return EXIT_USAGE;
	}
	Vbr__V1__RouteSource sources[3];
	const struct opt_value *src = opts_get(a, "source");
	size_t n = src ? src->n_list : 0;
	if (n > 3) {
		fprintf(stderr, "vbrctl watch: at most 3 --source\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		if (parse_source(src->list[i], &sources[i]) != 0)
			return EXIT_USAGE;
	req.n_sources = n;
	req.sources = sources;
	volatile sig_atomic_t *stop;
	watch_on_signals(&stop);
	return rpc_server_stream(cli, &RPC_WATCH_ROUTE_EVENTS, &req.base, print_route_event, cli,
				 stop);
}
