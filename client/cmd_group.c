/* cmd_group.c: `vbrctl group create|list|show|update|delete`, the BGP group RPCs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cmd_call.h"
#include "fmt.h"
#include "output.h"
#include "resolve.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

static const char *const group_arg[] = {"group", NULL};

static bool parse_limit_action(const char *s, Vbr__V1__RouteLimitAction *out)
{
	if (strcasecmp(s, "drop") == 0 || strcmp(s, "ROUTE_LIMIT_ACTION_DROP") == 0)
		*out = VBR__V1__ROUTE_LIMIT_ACTION__ROUTE_LIMIT_ACTION_DROP;
	else if (strcasecmp(s, "teardown") == 0 || strcmp(s, "ROUTE_LIMIT_ACTION_TEARDOWN") == 0)
		*out = VBR__V1__ROUTE_LIMIT_ACTION__ROUTE_LIMIT_ACTION_TEARDOWN;
	else
		return false;
	return true;
}

static void group_detail(struct vbrctl *cli, const Vbr__V1__BgpGroup *g)
{
	char action[32], created[40];
	fmt_enum(&vbr__v1__route_limit_action__descriptor, g->route_limit_action,
		 "ROUTE_LIMIT_ACTION_", action, sizeof(action));
	if (g->route_limit_action == VBR__V1__ROUTE_LIMIT_ACTION__ROUTE_LIMIT_ACTION_UNSPECIFIED)
		snprintf(action, sizeof(action), "drop");
	fmt_time(g->create_time, created, sizeof(created));
	struct table *t = table_new();
	detail_row(t, "ID", g->id);
	detail_row(t, "Name", g->name);
	detail_rowf(t, "Peer ASN", "%u", g->peer_asn);
	if (g->local_asn)
		detail_rowf(t, "Local ASN", "%u", g->local_asn);
	else
		detail_row(t, "Local ASN", "the router's");
	detail_row(t, "MD5 key", g->has_auth_key ? "set" : "none");
	detail_row(t, "Description", fmt_or_dash(g->description));
	detail_rowf(t, "Route limit", "%u (%s past the limit)", g->route_limit, action);
	detail_rowf(t, "Hold time", "%us", g->hold_time);
	detail_rowf(t, "Keepalive", "%us", g->keepalive_time);
	detail_rowf(t, "BFD timers", "%u ms x %u (detection %u ms; used by peers with BFD on)",
		    g->bfd_min_interval_ms, g->bfd_detect_multiplier,
		    g->bfd_min_interval_ms * g->bfd_detect_multiplier);
	if (g->graceful_restart)
		detail_rowf(t, "Graceful restart", "on, restart time %us (applies from each session's "
			    "next start)", g->restart_time);
	else
		detail_row(t, "Graceful restart", "off");
	detail_rowf(t, "Peers", "%u", g->peer_count);
	detail_row(t, "Created", created);
	output_table(cli, t);
}

static int print_group(struct vbrctl *cli, const ProtobufCMessage *reply)
{
	const Vbr__V1__BgpGroup *g = (const Vbr__V1__BgpGroup *)reply;
	if (cli->output == OUTPUT_JSON)
		output_json_message(&g->base);
	else
		group_detail(cli, g);
	return EXIT_OK;
}

/* ---- create ---- */

static const struct opt_spec create_opts[] = {
    {"peer-asn", 0, OPT_VALUE, "ASN", "the on-premises AS number (eBGP: not vbrd's own ASN)", true,
     NULL},
    {"local-asn", 0, OPT_VALUE, "ASN", "the group's own AS on its sessions (default: the router's)",
     false, NULL},
    {"key", 0, OPT_VALUE, "KEY", "TCP MD5 password, 1-80 printable characters", false, NULL},
    {"description", 0, OPT_VALUE, "TEXT", "free text, up to 256 characters", false, NULL},
    {"route-limit", 0, OPT_VALUE, "N", "routes accepted per peer (default 100)", false, NULL},
    {"route-limit-action", 0, OPT_VALUE, "ACTION",
     "past the limit: drop (keep the session, default) or teardown", false, "drop|teardown"},
    {"hold-time", 0, OPT_VALUE, "SECONDS", "hold time offered, 0 or 3-65535 (default 30)", false,
     NULL},
    {"keepalive", 0, OPT_VALUE, "SECONDS", "keepalive interval, below the hold time (default 10)",
     false, NULL},
    {"bfd-interval", 0, OPT_VALUE, "MS",
     "BFD desired min TX and required min RX, 50-10000 ms (default 300)", false, NULL},
    {"bfd-multiplier", 0, OPT_VALUE, "N", "BFD detect multiplier, 2-255 (default 3)", false,
     NULL},
    {"graceful-restart", 0, OPT_VALUE, "on|off",
     "RFC 4724 graceful restart on the group's sessions (default on)", false, "on|off"},
    {"restart-time", 0, OPT_VALUE, "SECONDS",
     "how long peers keep our routes while vbrd restarts, 1-4095 (default 120)", false, NULL},
    {"request-id", 0, OPT_VALUE, "ID",
     "makes a retry return the first result instead of a second group", false, NULL},
    {0},
};

/* --graceful-restart on|off: 1 when given (*out set), 0 when not, -1 (usage printed) when
 * neither. */
static int get_on_off(const struct opt_result *a, const char *name, protobuf_c_boolean *out)
{
	const char *v = opts_str(a, name);
	if (!v)
		return 0;
	if (strcasecmp(v, "on") == 0 || strcasecmp(v, "true") == 0)
		*out = 1;
	else if (strcasecmp(v, "off") == 0 || strcasecmp(v, "false") == 0)
		*out = 0;
	else {
		usage_error("--%s: expected on or off, got \"%s\"", name, v);
		return -1;
	}
	return 1;
}

/* Reads the numeric group options shared by create and update. -1: usage error printed. */
static int get_u32(const struct opt_result *a, const char *name, uint32_t *out)
{
	uint64_t v;
	int got = opts_uint(a, name, UINT32_MAX, &v);
	if (got == 1)
		*out = (uint32_t)v;
	return got;
}

static int group_create(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__CreateBgpGroupRequest req = VBR__V1__CREATE_BGP_GROUP_REQUEST__INIT;
	req.name = (char *)a->args[0];
	int got;
	if ((got = get_u32(a, "peer-asn", &req.peer_asn)) != 1)
		return got < 0 ? EXIT_USAGE : usage_error("group create needs --peer-asn");
	if (get_u32(a, "local-asn", &req.local_asn) < 0)
		return EXIT_USAGE;
	if (opts_str(a, "key"))
		req.auth_key = (char *)opts_str(a, "key");
	if (opts_str(a, "description"))
		req.description = (char *)opts_str(a, "description");
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	if ((got = get_u32(a, "route-limit", &req.route_limit)) < 0)
		return EXIT_USAGE;
	if (got)
		req.route_limit_present_case =
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__ROUTE_LIMIT_PRESENT_ROUTE_LIMIT;
	if ((got = get_u32(a, "hold-time", &req.hold_time)) < 0)
		return EXIT_USAGE;
	if (got)
		req.hold_time_present_case =
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__HOLD_TIME_PRESENT_HOLD_TIME;
	if ((got = get_u32(a, "keepalive", &req.keepalive_time)) < 0)
		return EXIT_USAGE;
	if (got)
		req.keepalive_time_present_case =
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__KEEPALIVE_TIME_PRESENT_KEEPALIVE_TIME;
	if ((got = get_u32(a, "bfd-interval", &req.bfd_min_interval_ms)) < 0)
		return EXIT_USAGE;
	if (got)
		req.bfd_min_interval_ms_present_case =
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__BFD_MIN_INTERVAL_MS_PRESENT_BFD_MIN_INTERVAL_MS;
	if ((got = get_u32(a, "bfd-multiplier", &req.bfd_detect_multiplier)) < 0)
		return EXIT_USAGE;
	if (got)
		req.bfd_detect_multiplier_present_case =
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__BFD_DETECT_MULTIPLIER_PRESENT_BFD_DETECT_MULTIPLIER;
	if ((got = get_on_off(a, "graceful-restart", &req.graceful_restart)) < 0)
		return EXIT_USAGE;
	if (got)
		req.graceful_restart_present_case =
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__GRACEFUL_RESTART_PRESENT_GRACEFUL_RESTART;
	if ((got = get_u32(a, "restart-time", &req.restart_time)) < 0)
		return EXIT_USAGE;
	if (got)
		req.restart_time_present_case =
		    VBR__V1__CREATE_BGP_GROUP_REQUEST__RESTART_TIME_PRESENT_RESTART_TIME;
	const char *action = opts_str(a, "route-limit-action");
	if (action && !parse_limit_action(action, &req.route_limit_action))
		return usage_error("--route-limit-action: expected drop or teardown, got \"%s\"",
				   action);

	return cmd_call_show(cli, &RPC_CREATE_BGP_GROUP, &req.base, print_group);
}

/* ---- list ---- */

static int group_list(struct vbrctl *cli, const struct opt_result *a)
{
	(void)a;
	Vbr__V1__ListBgpGroupsRequest req = VBR__V1__LIST_BGP_GROUPS_REQUEST__INIT;
	struct rpc_listing all;
	int rc = rpc_list_all(cli, &RPC_LIST_BGP_GROUPS, &req.base, "groups", &all);
	if (rc != EXIT_OK)
		return rc;
	if (cli->output == OUTPUT_JSON) {
		output_json_list("groups", &all);
		rpc_listing_free(&all);
		return EXIT_OK;
	}
	bool wide = cli->output == OUTPUT_WIDE;
	struct table *t = table_new();
	if (wide)
		table_header(t, "ID", "NAME", "PEER-ASN", "PEERS", "ROUTE-LIMIT", "ACTION", "MD5",
			     "HOLD", "KEEPALIVE", "CREATED", "DESCRIPTION", NULL);
	else
		table_header(t, "ID", "NAME", "PEER-ASN", "PEERS", "ROUTE-LIMIT", "MD5",
			     "DESCRIPTION", NULL);
	for (size_t i = 0; i < all.n_items; i++) {
		const Vbr__V1__BgpGroup *g = (const Vbr__V1__BgpGroup *)all.items[i];
		table_row(t);
		table_cell(t, g->id);
		table_cell(t, g->name);
		table_cellf(t, "%u", g->peer_asn);
		table_cellf(t, "%u", g->peer_count);
		table_cellf(t, "%u", g->route_limit);
		if (wide) {
			char action[32], created[40];
			fmt_enum(&vbr__v1__route_limit_action__descriptor, g->route_limit_action,
				 "ROUTE_LIMIT_ACTION_", action, sizeof(action));
			fmt_time(g->create_time, created, sizeof(created));
			table_cell(t, action);
			table_cell(t, g->has_auth_key ? "yes" : "no");
			table_cellf(t, "%us", g->hold_time);
			table_cellf(t, "%us", g->keepalive_time);
			table_cell(t, created);
		} else {
			table_cell(t, g->has_auth_key ? "yes" : "no");
		}
		table_cell(t, g->description);
	}
	output_table(cli, t);
	rpc_listing_free(&all);
	return EXIT_OK;
}

/* ---- show ---- */

static int group_show(struct vbrctl *cli, const struct opt_result *a)
{
	char *id;
	int rc = resolve_group(cli, a->args[0], &id);
	if (rc != EXIT_OK)
		return rc;
	Vbr__V1__GetBgpGroupRequest req = VBR__V1__GET_BGP_GROUP_REQUEST__INIT;
	req.id = id;
	rc = cmd_call_show(cli, &RPC_GET_BGP_GROUP, &req.base, print_group);
	free(id);
	return rc;
}

/* ---- update ---- */

static const struct opt_spec update_opts[] = {
    {"name", 0, OPT_VALUE, "NAME", "rename the group", false, NULL},
    {"peer-asn", 0, OPT_VALUE, "ASN", "new on-premises AS number (resets the group's sessions)",
     false, NULL},
    {"local-asn", 0, OPT_VALUE, "ASN",
     "the group's own AS, 0 = the router's (resets the group's sessions)", false, NULL},
    {"key", 0, OPT_VALUE, "KEY", "new TCP MD5 password (resets the group's sessions)", false, NULL},
    {"no-key", 0, OPT_FLAG, NULL, "remove the MD5 password", false, NULL},
    {"description", 0, OPT_VALUE, "TEXT", "new description (\"\" clears it)", false, NULL},
    {"route-limit", 0, OPT_VALUE, "N", "routes accepted per peer", false, NULL},
    {"route-limit-action", 0, OPT_VALUE, "ACTION", "drop or teardown", false, "drop|teardown"},
    {"hold-time", 0, OPT_VALUE, "SECONDS", "hold time, 0 or 3-65535", false, NULL},
    {"keepalive", 0, OPT_VALUE, "SECONDS", "keepalive interval", false, NULL},
    {"bfd-interval", 0, OPT_VALUE, "MS", "BFD interval, 50-10000 ms", false, NULL},
    {"bfd-multiplier", 0, OPT_VALUE, "N", "BFD detect multiplier, 2-255", false, NULL},
    {"graceful-restart", 0, OPT_VALUE, "on|off",
     "graceful restart on or off (from each peer's next session)", false, "on|off"},
    {"restart-time", 0, OPT_VALUE, "SECONDS",
     "restart time, 1-4095 (from each peer's next session)", false, NULL},
    {"request-id", 0, OPT_VALUE, "ID",
     "makes a retry return the first result (a deleted object included)",
     false, NULL},
    {0},
};

/* The fields the options change, into req and its mask paths (*n of them): EXIT_OK, or the
 * usage error's code. */
static int group_update_fields(const struct opt_result *a, Vbr__V1__UpdateBgpGroupRequest *req,
			       char **paths, size_t *n)
{
	int got;
	if (opts_str(a, "key") && opts_flag(a, "no-key"))
		return usage_error("--key and --no-key contradict each other");
	if (opts_str(a, "name")) {
		req->name = (char *)opts_str(a, "name");
		paths[(*n)++] = "name";
	}
	if ((got = get_u32(a, "peer-asn", &req->peer_asn)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "peer_asn";
	if ((got = get_u32(a, "local-asn", &req->local_asn)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "local_asn";
	if (opts_str(a, "key")) {
		req->auth_key = (char *)opts_str(a, "key");
		paths[(*n)++] = "auth_key";
	} else if (opts_flag(a, "no-key")) {
		paths[(*n)++] = "auth_key"; /* an empty key in the mask removes it */
	}
	if (opts_str(a, "description")) {
		req->description = (char *)opts_str(a, "description");
		paths[(*n)++] = "description";
	}
	if ((got = get_u32(a, "route-limit", &req->route_limit)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "route_limit";
	const char *action = opts_str(a, "route-limit-action");
	if (action) {
		if (!parse_limit_action(action, &req->route_limit_action))
			return usage_error(
			    "--route-limit-action: expected drop or teardown, got \"%s\"", action);
		paths[(*n)++] = "route_limit_action";
	}
	if ((got = get_u32(a, "hold-time", &req->hold_time)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "hold_time";
	if ((got = get_u32(a, "keepalive", &req->keepalive_time)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "keepalive_time";
	if ((got = get_u32(a, "bfd-interval", &req->bfd_min_interval_ms)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "bfd_min_interval_ms";
	if ((got = get_u32(a, "bfd-multiplier", &req->bfd_detect_multiplier)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "bfd_detect_multiplier";
	if ((got = get_on_off(a, "graceful-restart", &req->graceful_restart)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "graceful_restart";
	if ((got = get_u32(a, "restart-time", &req->restart_time)) < 0)
		return EXIT_USAGE;
	if (got)
		paths[(*n)++] = "restart_time";
	return EXIT_OK;
}

static int group_update(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__UpdateBgpGroupRequest req = VBR__V1__UPDATE_BGP_GROUP_REQUEST__INIT;
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	char *paths[16];
	size_t n = 0;
	int rc = group_update_fields(a, &req, paths, &n);
	if (rc != EXIT_OK)
		return rc;
	if (n == 0)
		return usage_error(
		    "group update: nothing to change (see vbrctl group update --help)");

	char *id;
	rc = resolve_group(cli, a->args[0], &id);
	if (rc != EXIT_OK)
		return rc;
	req.id = id;
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	mask.n_paths = n;
	mask.paths = paths;
	req.update_mask = &mask;
	rc = cmd_call_show(cli, &RPC_UPDATE_BGP_GROUP, &req.base, print_group);
	free(id);
	return rc;
}

/* ---- delete ---- */

static int group_delete(struct vbrctl *cli, const struct opt_result *a)
{
	char *id;
	int rc = resolve_group(cli, a->args[0], &id);
	if (rc != EXIT_OK)
		return rc;
	Vbr__V1__DeleteBgpGroupRequest req = VBR__V1__DELETE_BGP_GROUP_REQUEST__INIT;
	req.id = id;
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	rc = cmd_call_done(cli, &RPC_DELETE_BGP_GROUP, &req.base, "Deleted BGP group %s", id);
	free(id);
	return rc;
}


const struct command group_commands[] = {
    {"group", "create", "NAME --peer-asn ASN", "create a BGP group (settings shared by its peers)",
     "A BGP group holds what its peers share: the on-premises AS number, the TCP MD5\n"
     "password, the route limit and the timers. Peers are added to it with `peer add`.\n"
     "NAME is 2-128 characters: a letter, then letters, digits, '.', '_' or '-'.\n"
     "\n"
     "Examples:\n"
     "  vbrctl group create dc1 --peer-asn 65001\n"
     "  vbrctl group create dc2 --peer-asn 4200000001 --key 's3cret' \\\n"
     "      --description 'DC 2 edge' --route-limit 500 --route-limit-action teardown\n"
     "  vbrctl group create dc3 --peer-asn 65003 --hold-time 9 --keepalive 3 -o json\n",
     create_opts, 1, 1, NULL, group_create},
    {"group", "list", "", "list BGP groups",
     "Lists every BGP group (all pages). -o wide adds the limit action, timers and creation\n"
     "time; -o json prints {\"groups\": [...]}.\n"
     "\n"
     "Examples:\n"
     "  vbrctl group list\n"
     "  vbrctl group list -o json | jq -r '.groups[].name'\n",
     cmd_no_opts, 0, 0, NULL, group_list},
    {"group", "show", "GROUP", "show one BGP group",
     "GROUP is the group's id (bgpg-...) or its name.\n"
     "\n"
     "Examples:\n"
     "  vbrctl group show dc1\n"
     "  vbrctl group show bgpg-1a2b3c4d -o json\n",
     cmd_no_opts, 1, 1, group_arg, group_show},
    {"group", "update", "GROUP [options]", "change a BGP group",
     "Changes only the settings given. A new peer ASN or MD5 key resets the sessions of the\n"
     "group's peers. GROUP is the group's id or its name.\n"
     "\n"
     "Examples:\n"
     "  vbrctl group update dc1 --route-limit 1000\n"
     "  vbrctl group update dc1 --key 'n3w-s3cret'\n"
     "  vbrctl group update dc1 --no-key --description ''\n",
     update_opts, 1, 1, group_arg, group_update},
    {"group", "delete", "GROUP", "delete a BGP group (it must have no peers)",
     "Deletes an empty BGP group; the server refuses (FAILED_PRECONDITION) while peers\n"
     "remain in it. GROUP is the group's id or its name.\n"
     "\n"
     "Examples:\n"
     "  vbrctl group delete dc1\n",
     cmd_delete_opts, 1, 1, group_arg, group_delete},
    {0},
};
