/* cmd_route_entry.c: `vbrctl route-entry create|list|delete`, the route table: static entries
 * (created here), the BGP best paths and the connected networks, with whether each is in the
 * kernel's forwarding table and why not. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_call.h"
#include "fmt.h"
#include "output.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

static const char *source_name(Vbr__V1__RouteSource s)
{
	switch (s) {
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_STATIC: return "static";
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP: return "bgp";
	case VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED: return "connected";
	default: return "?";
	}
}

static int print_entry(struct vbrctl *cli, const ProtobufCMessage *reply)
{
	const Vbr__V1__RouteEntry *e = (const Vbr__V1__RouteEntry *)reply;
	if (cli->output == OUTPUT_JSON) {
		output_json_message(reply);
		return EXIT_OK;
	}
	char created[40];
	fmt_time(e->create_time, created, sizeof(created));
	struct table *t = table_new();
	detail_row(t, "ID", fmt_or_dash(e->id));
	detail_row(t, "Destination", e->destination_cidr);
	detail_row(t, "Next hop", fmt_or_dash(e->next_hop));
	detail_row(t, "Source", source_name(e->source));
	detail_row(t, "Installed", e->installed ? "yes" : "no");
	detail_row(t, "Status", fmt_or_dash(e->status_reason));
	detail_row(t, "Description", fmt_or_dash(e->description));
	detail_row(t, "Created", created);
	output_table(cli, t);
	return EXIT_OK;
}

static const struct opt_spec create_opts[] = {
    {"description", 0, OPT_VALUE, "TEXT", "free text, up to 256 characters", false, NULL},
    {"request-id", 0, OPT_VALUE, "ID", "makes a retry return the first result instead of failing",
     false, NULL},
    {0},
};

static int entry_create(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__CreateRouteEntryRequest req = VBR__V1__CREATE_ROUTE_ENTRY_REQUEST__INIT;
	req.destination_cidr = (char *)a->args[0];
	req.next_hop = (char *)a->args[1];
	if (opts_str(a, "description"))
		req.description = (char *)opts_str(a, "description");
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	return cmd_call_show(cli, &RPC_CREATE_ROUTE_ENTRY, &req.base, print_entry);
}

static const struct opt_spec delete_opts[] = {
    {"request-id", 0, OPT_VALUE, "ID", "makes a retry return the first result instead of failing",
     false, NULL},
    {0},
};

static int entry_delete(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__DeleteRouteEntryRequest req = VBR__V1__DELETE_ROUTE_ENTRY_REQUEST__INIT;
	req.id = (char *)a->args[0];
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	return cmd_call_done(cli, &RPC_DELETE_ROUTE_ENTRY, &req.base, "Deleted route entry %s",
			     a->args[0]);
}

static void entry_row(struct table *t, const Vbr__V1__RouteEntry *e, bool wide)
{
	table_row(t);
	table_cell(t, e->destination_cidr);
	table_cell(t, fmt_or_dash(e->next_hop));
	table_cell(t, source_name(e->source));
	table_cell(t, fmt_or_dash(e->interface));
	table_cell_color(t, e->installed ? COLOR_GREEN : COLOR_YELLOW, e->installed ? "yes" : "no");
	table_cell(t, e->source == VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP ? fmt_or_dash(e->peer_id)
									    : fmt_or_dash(e->id));
	table_cell(t, fmt_or_dash(e->status_reason));
	if (wide) {
		char created[40];
		fmt_time(e->create_time, created, sizeof(created));
		table_cell(t, fmt_or_dash(e->description));
		table_cell(t, e->create_time ? created : "-");
	}
}

int route_table_list(struct vbrctl *cli, int source)
{
	Vbr__V1__ListRouteEntriesRequest req = VBR__V1__LIST_ROUTE_ENTRIES_REQUEST__INIT;
	req.source = (Vbr__V1__RouteSource)source;
	struct rpc_listing all;
	int rc = rpc_list_all(cli, &RPC_LIST_ROUTE_ENTRIES, &req.base, "route_entries", &all);
	if (rc != EXIT_OK)
		return rc;
	if (cli->output == OUTPUT_JSON) {
		output_json_list("routeEntries", &all); /* the proto3 JSON name, as every field inside */
		rpc_listing_free(&all);
		return EXIT_OK;
	}
	bool wide = cli->output == OUTPUT_WIDE;
	struct table *t = table_new();
	if (wide)
		table_header(t, "DESTINATION", "NEXT-HOP", "SOURCE", "INTERFACE", "INSTALLED",
			     "ID/PEER", "STATUS", "DESCRIPTION", "CREATED", NULL);
	else
		table_header(t, "DESTINATION", "NEXT-HOP", "SOURCE", "INTERFACE", "INSTALLED",
			     "ID/PEER", "STATUS", NULL);
	for (size_t i = 0; i < all.n_items; i++)
		entry_row(t, (const Vbr__V1__RouteEntry *)all.items[i], wide);
	output_table(cli, t);
	rpc_listing_free(&all);
	return EXIT_OK;
}

static const struct opt_spec list_opts[] = {
    {"source", 0, OPT_VALUE, "SOURCE", "only static, bgp or connected entries", false, NULL},
    {0},
};

static int entry_list(struct vbrctl *cli, const struct opt_result *a)
{
	const char *s = opts_str(a, "source");
	int source = 0;
	if (s && strcmp(s, "static") == 0)
		source = VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_STATIC;
	else if (s && strcmp(s, "bgp") == 0)
		source = VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP;
	else if (s && strcmp(s, "connected") == 0)
		source = VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED;
	else if (s)
		return usage_error("--source: expected static, bgp or connected, got \"%s\"", s);
	return route_table_list(cli, source);
}

const struct command route_entry_commands[] = {
    {"route-entry", "create", "CIDR NEXT-HOP", "add a static route entry to the route table",
     "Routes CIDR (IPv4, host bits zero) via NEXT-HOP, which must lie on a connected network\n"
     "of vbrd's namespace to be installed in the kernel. For the same prefix a static entry\n"
     "wins over a route learned by BGP.\n"
     "\n"
     "Examples:\n"
     "  vbrctl route-entry create 172.16.0.0/16 10.1.0.2 --description 'VPC'\n"
     "  vbrctl route-entry create 172.17.0.0/16 10.1.0.2 --request-id deploy-7 -o json\n",
     create_opts, 2, 2, NULL, entry_create},
    {"route-entry", "list", "[--source static|bgp|connected]", "list the route table",
     "Lists static entries, the BGP best path of each prefix and the connected networks,\n"
     "with whether each is in the kernel's forwarding table (INSTALLED) and why not\n"
     "(STATUS). -o json prints {\"routeEntries\": [...]}.\n"
     "\n"
     "Examples:\n"
     "  vbrctl route-entry list\n"
     "  vbrctl route-entry list --source bgp -o wide\n",
     list_opts, 0, 0, NULL, entry_list},
    {"route-entry", "delete", "ID", "delete a static route entry",
     "ID is the entry's id (rte-...). Its route leaves the kernel; a BGP path for the same\n"
     "prefix, if there is one, takes its place.\n"
     "\n"
     "Examples:\n"
     "  vbrctl route-entry delete rte-1a2b3c4d\n",
     delete_opts, 1, 1, NULL, entry_delete},
    {0},
};
