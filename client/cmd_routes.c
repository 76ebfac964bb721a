/* cmd_routes.c: `vbrctl routes PEER [--advertised]`, a peer's Adj-RIB-In or what vbrd
 * sends it (ListRoutes, every page). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fmt.h"
#include "output.h"
#include "resolve.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

static const char *const peer_arg[] = {"peer", NULL};

static const struct opt_spec routes_opts[] = {
    {"advertised", 'a', OPT_FLAG, NULL,
     "routes vbrd advertises to the peer (default: received from it)", false, NULL},
    {"received", 'r', OPT_FLAG, NULL, "routes received from the peer (the default)", false, NULL},
    {0},
};

/* A full RIB can hold a million routes: each page is printed as it arrives and freed, so
 * memory stays one page (plus, for a table, the rows of one chunk). Nothing is printed before
 * the first page, so an error on it leaves stdout empty. */
#define TABLE_CHUNK 1000

struct route_output {
	struct vbrctl *cli;
	bool advertised;
	bool started;
	struct json_list json;
	struct table *table;
};

static void start(struct route_output *o)
{
	o->started = true;
	if (o->cli->output == OUTPUT_JSON) {
		output_json_list_begin(&o->json, "routes");
		return;
	}
	/* Acceptance (the route limit) only applies to what the peer sent us. */
	const char *accepted = o->advertised ? NULL : "ACCEPTED";
	o->table = table_new();
	if (o->cli->output == OUTPUT_WIDE)
		table_header(o->table, "PREFIX", "NEXT-HOP", "AS-PATH", "ORIGIN", "MED",
			     "LOCAL-PREF", "COMMUNITIES", "LARGE-COMMUNITIES", "PEER", accepted,
			     NULL);
	else
		table_header(o->table, "PREFIX", "NEXT-HOP", "AS-PATH", "ORIGIN", "MED",
			     "COMMUNITIES", accepted, NULL);
}

static void route_row(struct table *t, const Vbr__V1__Route *r, bool wide, bool advertised)
{
	char path[1024], origin[32], communities[1024];
	/* The server's text shows sets and confederations; an older server sends none. */
	if (r->as_path_text && r->as_path_text[0])
		snprintf(path, sizeof(path), "%s", r->as_path_text);
	else
		fmt_as_path(r->as_path, r->n_as_path, path, sizeof(path));
	fmt_enum(&vbr__v1__origin__descriptor, r->origin, "ORIGIN_", origin, sizeof(origin));
	fmt_join(r->communities, r->n_communities, " ", communities, sizeof(communities));
	table_row(t);
	table_cell(t, r->prefix);
	table_cell(t, fmt_or_dash(r->next_hop));
	table_cell(t, path);
	table_cell(t, origin);
	if (r->med_present_case == VBR__V1__ROUTE__MED_PRESENT_MED)
		table_cellf(t, "%u", r->med);
	else
		table_cell(t, "-");
	if (wide) {
		if (r->local_pref_present_case == VBR__V1__ROUTE__LOCAL_PREF_PRESENT_LOCAL_PREF)
			table_cellf(t, "%u", r->local_pref);
		else
			table_cell(t, "-");
	}
	table_cell(t, communities);
	if (wide) {
		char large[1024];
		fmt_join(r->large_communities, r->n_large_communities, " ", large, sizeof(large));
		table_cell(t, large);
		table_cell(t, fmt_or_dash(r->peer_id));
	}
	/* A route past the route limit is flagged, the way the cloud console does. */
	if (!advertised) {
		char no[96];
		snprintf(no, sizeof(no), "no (%s)",
			 r->not_accepted_reason && r->not_accepted_reason[0]
			     ? r->not_accepted_reason
			     : "over limit");
		table_cell_color(t, r->accepted ? NULL : COLOR_RED, r->accepted ? "yes" : no);
	}
}

static void on_route(void *arg, const ProtobufCMessage *item)
{
	struct route_output *o = arg;
	if (!o->started)
		start(o);
	if (o->cli->output == OUTPUT_JSON) {
		output_json_list_item(&o->json, item);
		return;
	}
	route_row(o->table, (const Vbr__V1__Route *)item, o->cli->output == OUTPUT_WIDE,
		  o->advertised);
	if (table_rows(o->table) >= TABLE_CHUNK)
		output_table_flush(o->cli, o->table);
}

static int routes(struct vbrctl *cli, const struct opt_result *a)
{
	if (opts_flag(a, "advertised") && opts_flag(a, "received"))
		return usage_error("--advertised and --received contradict each other");
	if (a->n_args == 0)
		return route_table_list(cli, 0); /* no peer: the router's route table */
	char *id;
	int rc = resolve_peer(cli, a->args[0], &id);
	if (rc != EXIT_OK)
		return rc;
	Vbr__V1__ListRoutesRequest req = VBR__V1__LIST_ROUTES_REQUEST__INIT;
	req.peer_id = id;
	struct route_output o = {.cli = cli, .advertised = opts_flag(a, "advertised")};
	req.direction = o.advertised ? VBR__V1__ROUTE_DIRECTION__ROUTE_DIRECTION_ADVERTISED
				     : VBR__V1__ROUTE_DIRECTION__ROUTE_DIRECTION_RECEIVED;
	rc = rpc_list_each(cli, &RPC_LIST_ROUTES, &req.base, "routes", on_route, &o);
	free(id);
	if (rc == EXIT_OK && !o.started)
		start(&o);
	if (o.started && cli->output == OUTPUT_JSON && rc == EXIT_OK)
		output_json_list_end(&o.json);
	if (o.table) {
		if (rc == EXIT_OK)
			output_table(cli, o.table);
		else
			table_free(o.table);
	}
	return rc;
}

const struct command route_commands[] = {
    {"routes", NULL, "[PEER [--advertised]]",
     "list routes received from (or advertised to) a peer, or the route table",
     "PEER is the peer's id or IP address. Received routes past the group's route limit\n"
     "show ACCEPTED \"no (over limit)\": they are kept out of the routing table. Without a\n"
     "PEER: the router's route table, as `route-entry list` shows it.\n"
     "\n"
     "Examples:\n"
     "  vbrctl routes\n"
     "  vbrctl routes 192.0.2.1\n"
     "  vbrctl routes 192.0.2.1 --advertised\n"
     "  vbrctl routes 192.0.2.1 -o json | jq '[.routes[] | select(.accepted | not)] | length'\n",
     routes_opts, 0, 1, peer_arg, routes},
    {0},
};
