/* cmd_network.c: `vbrctl network add|list|delete`, the advertised subnets (BGP networks). */
#include <stdio.h>

#include "cli.h"
#include "cmd_call.h"
#include "fmt.h"
#include "output.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

static const char *const network_arg[] = {"network", NULL};

static const struct opt_spec add_opts[] = {
    {"request-id", 0, OPT_VALUE, "ID", "makes a retry return the first result instead of failing",
     false, NULL},
    {0},
};

static int network_add(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__AddBgpNetworkRequest req = VBR__V1__ADD_BGP_NETWORK_REQUEST__INIT;
	req.cidr = (char *)a->args[0];
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	ProtobufCMessage *resp;
	int rc = rpc_unary(cli, &RPC_ADD_BGP_NETWORK, &req.base, &resp);
	if (rc != EXIT_OK)
		return rc;
	const Vbr__V1__BgpNetwork *n = (const Vbr__V1__BgpNetwork *)resp;
	if (cli->output == OUTPUT_JSON) {
		output_json_message(resp);
	} else {
		char created[40];
		fmt_time(n->create_time, created, sizeof(created));
		struct table *t = table_new();
		detail_row(t, "Network", n->cidr);
		detail_row(t, "Created", created);
		output_table(cli, t);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return EXIT_OK;
}

static int network_list(struct vbrctl *cli, const struct opt_result *a)
{
	(void)a;
	Vbr__V1__ListBgpNetworksRequest req = VBR__V1__LIST_BGP_NETWORKS_REQUEST__INIT;
	struct rpc_listing all;
	int rc = rpc_list_all(cli, &RPC_LIST_BGP_NETWORKS, &req.base, "networks", &all);
	if (rc != EXIT_OK)
		return rc;
	if (cli->output == OUTPUT_JSON) {
		output_json_list("networks", &all);
	} else {
		struct table *t = table_new();
		table_header(t, "NETWORK", "CREATED", NULL);
		for (size_t i = 0; i < all.n_items; i++) {
			const Vbr__V1__BgpNetwork *n = (const Vbr__V1__BgpNetwork *)all.items[i];
			char created[40];
			fmt_time(n->create_time, created, sizeof(created));
			table_row(t);
			table_cell(t, n->cidr);
			table_cell(t, created);
		}
		output_table(cli, t);
	}
	rpc_listing_free(&all);
	return EXIT_OK;
}

static int network_delete(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__DeleteBgpNetworkRequest req = VBR__V1__DELETE_BGP_NETWORK_REQUEST__INIT;
	req.cidr = (char *)a->args[0];
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	return cmd_call_done(cli, &RPC_DELETE_BGP_NETWORK, &req.base,
			     "Deleted BGP network %s (withdrawn from every peer)", a->args[0]);
}


const struct command network_commands[] = {
    {"network", "add", "CIDR", "advertise a subnet to every BGP peer",
     "Adds an IPv4 prefix (host bits zero) that vbrd announces to every Established peer,\n"
     "with ORIGIN IGP, AS_PATH [local ASN] and the session's local address as next hop.\n"
     "\n"
     "Examples:\n"
     "  vbrctl network add 203.0.113.0/24\n"
     "  vbrctl network add 198.51.100.0/25 --request-id deploy-42\n",
     add_opts, 1, 1, NULL, network_add},
    {"network", "list", "", "list advertised subnets",
     "Examples:\n"
     "  vbrctl network list\n"
     "  vbrctl network list -o json | jq -r '.networks[].cidr'\n",
     cmd_no_opts, 0, 0, NULL, network_list},
    {"network", "delete", "CIDR", "stop advertising a subnet (withdrawn from every peer)",
     "Examples:\n"
     "  vbrctl network delete 203.0.113.0/24\n",
     cmd_delete_opts, 1, 1, network_arg, network_delete},
    {0},
};
