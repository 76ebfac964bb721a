/* cmd_router.c: `vbrctl router show` (GetRouter): the router's identity and limits;
 * `vbrctl router drain` (DrainRouter). */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "cmd_call.h"
#include "fmt.h"
#include "output.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

static int router_show(struct vbrctl *cli, const struct opt_result *a)
{
	(void)a;
	Vbr__V1__GetRouterRequest req = VBR__V1__GET_ROUTER_REQUEST__INIT;
	ProtobufCMessage *resp;
	int rc = rpc_unary(cli, &RPC_GET_ROUTER, &req.base, &resp);
	if (rc != EXIT_OK)
		return rc;
	const Vbr__V1__Router *r = (const Vbr__V1__Router *)resp;
	if (cli->output == OUTPUT_JSON) {
		output_json_message(resp);
	} else {
		char started[40], up[32];
		fmt_time(r->start_time, started, sizeof(started));
		fmt_age(r->start_time, up, sizeof(up));
		struct table *t = table_new();
		detail_row(t, "Router ID", fmt_or_dash(r->router_id));
		detail_rowf(t, "Local ASN", "%u", r->local_asn);
		detail_row(t, "BGP listen", fmt_or_dash(r->bgp_listen));
		detail_rowf(t, "Max peers", "%u", r->max_peers);
		detail_rowf(t, "Max networks", "%u", r->max_networks);
		detail_rowf(t, "Default route limit", "%u", r->default_route_limit);
		detail_row(t, "Version", fmt_or_dash(r->version));
		if (r->start_time)
			detail_rowf(t, "Started", "%s (up %s)", started, up);
		else
			detail_row(t, "Started", "-");
		if (cli->output == OUTPUT_WIDE)
			detail_row(t, "API server", cli->server);
		output_table(cli, t);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return EXIT_OK;
}

static int router_drain(struct vbrctl *cli, const struct opt_result *a)
{
	(void)a;
	Vbr__V1__DrainRouterRequest req = VBR__V1__DRAIN_ROUTER_REQUEST__INIT;
	return cmd_call_done(cli, &RPC_DRAIN_ROUTER, &req.base,
			     "Draining: networks announced again with GRACEFUL_SHUTDOWN (65535:0); "
			     "the next stop of vbrd leaves for good");
}


const struct command router_commands[] = {
    {"router", "show", "", "show the router: id, local ASN, limits, version",
     "Examples:\n"
     "  vbrctl router show\n"
     "  vbrctl --server unix:/run/vbrd/api.sock router show -o json\n",
     cmd_no_opts, 0, 0, NULL, router_show},
    {"router", "drain", "",
     "leave for good (RFC 8326): re-announce with GRACEFUL_SHUTDOWN; the next stop sends Cease",
     "The peers see vbrd's networks again with the GRACEFUL_SHUTDOWN community (65535:0) and\n"
     "can move their traffic away. The next stop of vbrd (SIGTERM) waits until vbrd's\n"
     "--drain-time has passed since, then withdraws the networks, sends every peer Cease /\n"
     "Administrative Shutdown and removes vbrd's kernel routes. Only a restart undoes it.\n"
     "Examples:\n"
     "  vbrctl router drain && sleep 10 && kill -TERM $(pidof vbrd)\n",
     cmd_no_opts, 0, 0, NULL, router_drain},
    {0},
};
