/* cmd_peer.c: `vbrctl peer add|list|show|update|delete|reset|enable|disable`, the BGP peer
 * RPCs. Peers are named by id or by IP address; groups by id or name (resolve.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_call.h"
#include "fmt.h"
#include "output.h"
#include "resolve.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

static const char *const peer_arg[] = {"peer", NULL};
static const char *const group_then_ip[] = {"group", NULL, NULL};

static const char *state_text(const Vbr__V1__BgpPeer *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", fmt_state(p->session_state),
		 p->admin_down ? " (admin down)" : "");
	return buf;
}

/* "up", "down", "admin_down", or "off" when BFD is disabled on the peer. */
static const char *fmt_bfd(const Vbr__V1__BgpPeer *p, char *buf, size_t size)
{
	if (!p->enable_bfd) {
		snprintf(buf, size, "off");
		return buf;
	}
	fmt_enum(&vbr__v1__bfd_state__descriptor, p->bfd_state, "BFD_STATE_", buf, size);
	return buf;
}

static void peer_detail(struct vbrctl *cli, const Vbr__V1__BgpPeer *p, const char *group)
{
	char state[64], status[32], since[40], up[32], created[40], bfd[32];
	fmt_enum(&vbr__v1__bgp_status__descriptor, p->bgp_status, "BGP_STATUS_", status,
		 sizeof(status));
	fmt_time(p->established_time, since, sizeof(since));
	fmt_age(p->established_time, up, sizeof(up));
	fmt_time(p->create_time, created, sizeof(created));
	struct table *t = table_new();
	detail_row(t, "ID", p->id);
	detail_row(t, "Peer IP", p->peer_ip);
	detail_rowf(t, "Peer ASN", "%u", p->peer_asn);
	if (group)
		detail_rowf(t, "Group", "%s (%s)", group, p->group_id);
	else
		detail_row(t, "Group", p->group_id);
	detail_row(t, "Description", fmt_or_dash(p->description));
	detail_row(t, "Admin", p->admin_down ? "down (disabled)" : "up (enabled)");
	detail_row_color(t, "State", fmt_state_color(p->session_state),
			 state_text(p, state, sizeof(state)));
	detail_row(t, "BGP status", status);
	detail_row(t, "BFD", fmt_bfd(p, bfd, sizeof(bfd)));
	if (p->established_time)
		detail_rowf(t, "Established", "%s (%s ago)", since, up);
	else
		detail_row(t, "Established", "-");
	detail_rowf(t, "Routes",
		    "%" PRIu64 " received, %" PRIu64 " accepted, %" PRIu64 " advertised",
		    p->received_route_count, p->accepted_route_count, p->advertised_route_count);
	if (p->negotiated_hold_time ||
	    p->session_state == VBR__V1__SESSION_STATE__SESSION_STATE_ESTABLISHED)
		detail_rowf(t, "Hold time", "%us (negotiated)", p->negotiated_hold_time);
	else
		detail_row(t, "Hold time", "-");
	if (p->stale_route_count)
		detail_rowf(t, "Graceful restart", "%" PRIu64 " stale routes kept while the peer restarts",
			    p->stale_route_count);
	else
		detail_row(t, "Graceful restart", p->graceful_restart_negotiated ? "negotiated" : "-");
	detail_row(t, "Remote router ID", fmt_or_dash(p->remote_router_id));
	detail_row(t, "Last error", fmt_or_dash(p->last_error));
	detail_row(t, "Created", created);
	output_table(cli, t);
}

static int print_peer(struct vbrctl *cli, const ProtobufCMessage *resp)
{
	if (cli->output == OUTPUT_JSON) {
		output_json_message(resp);
	} else {
		/* People know groups by name; one more call finds it (the id alone if that fails).
		 */
		const Vbr__V1__BgpPeer *peer = (const Vbr__V1__BgpPeer *)resp;
		Vbr__V1__GetBgpGroupRequest req = VBR__V1__GET_BGP_GROUP_REQUEST__INIT;
		req.id = peer->group_id;
		ProtobufCMessage *group = NULL;
		bool quiet = rpc_quiet(cli, true);
		if (rpc_unary(cli, &RPC_GET_BGP_GROUP, &req.base, &group) != EXIT_OK)
			group = NULL;
		rpc_quiet(cli, quiet);
		peer_detail(cli, peer, group ? ((Vbr__V1__BgpGroup *)group)->name : NULL);
		if (group)
			protobuf_c_message_free_unpacked(group, NULL);
	}
	return EXIT_OK;
}

static int get_and_print(struct vbrctl *cli, const char *id)
{
	Vbr__V1__GetBgpPeerRequest req = VBR__V1__GET_BGP_PEER_REQUEST__INIT;
	req.id = (char *)id;
	return cmd_call_show(cli, &RPC_GET_BGP_PEER, &req.base, print_peer);
}

/* ---- add ---- */

static const struct opt_spec add_opts[] = {
    {"description", 0, OPT_VALUE, "TEXT", "free text, up to 256 characters", false, NULL},
    {"disabled", 0, OPT_FLAG, NULL, "add it administratively down (no session until enabled)",
     false, NULL},
    {"bfd", 0, OPT_FLAG, NULL, "run BFD with the peer (timers from its group)", false, NULL},
    {"request-id", 0, OPT_VALUE, "ID", "makes a retry return the first result instead of failing",
     false, NULL},
    {0},
};

static int peer_add(struct vbrctl *cli, const struct opt_result *a)
{
	char *group_id;
	int rc = resolve_group(cli, a->args[0], &group_id);
	if (rc != EXIT_OK)
		return rc;
	Vbr__V1__CreateBgpPeerRequest req = VBR__V1__CREATE_BGP_PEER_REQUEST__INIT;
	req.group_id = group_id;
	req.peer_ip = (char *)a->args[1];
	req.admin_down = opts_flag(a, "disabled");
	req.enable_bfd = opts_flag(a, "bfd");
	if (opts_str(a, "description"))
		req.description = (char *)opts_str(a, "description");
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	rc = cmd_call_show(cli, &RPC_CREATE_BGP_PEER, &req.base, print_peer);
	free(group_id);
	return rc;
}

/* ---- list ---- */

static const struct opt_spec list_opts[] = {
    {"group", 'g', OPT_VALUE, "GROUP", "only the peers of this group (id or name)", false, "group"},
    {0},
};

static const char *group_name(const struct rpc_listing *groups, const char *id)
{
	for (size_t i = 0; i < groups->n_items; i++) {
		const Vbr__V1__BgpGroup *g = (const Vbr__V1__BgpGroup *)groups->items[i];
		if (strcmp(g->id, id) == 0)
			return g->name;
	}
	return id;
}

static void peer_table(struct vbrctl *cli, const struct rpc_listing *peers,
		       const struct rpc_listing *groups)
{
	bool wide = cli->output == OUTPUT_WIDE;
	struct table *t = table_new();
	if (wide)
		table_header(t, "ID", "PEER-IP", "PEER-ASN", "GROUP", "GROUP-ID", "STATE", "BFD",
			     "UP/DOWN", "RECEIVED", "ACCEPTED", "ADVERTISED", "HOLD", "ROUTER-ID",
			     "ADMIN", "DESCRIPTION", "LAST-ERROR", NULL);
	else
		table_header(t, "ID", "PEER-IP", "PEER-ASN", "GROUP", "STATE", "UP/DOWN",
			     "ACCEPTED/RECEIVED", "ADVERTISED", "DESCRIPTION", NULL);
	for (size_t i = 0; i < peers->n_items; i++) {
		const Vbr__V1__BgpPeer *p = (const Vbr__V1__BgpPeer *)peers->items[i];
		char state[64], up[32], bfd[32];
		fmt_age(p->established_time, up, sizeof(up));
		table_row(t);
		table_cell(t, p->id);
		table_cell(t, p->peer_ip);
		table_cellf(t, "%u", p->peer_asn);
		table_cell(t, group_name(groups, p->group_id));
		if (wide)
			table_cell(t, p->group_id);
		table_cell_color(t, fmt_state_color(p->session_state),
				 state_text(p, state, sizeof(state)));
		if (wide)
			table_cell(t, fmt_bfd(p, bfd, sizeof(bfd)));
		table_cell(t, up);
		if (wide) {
			table_cellf(t, "%" PRIu64, p->received_route_count);
			table_cellf(t, "%" PRIu64, p->accepted_route_count);
			table_cellf(t, "%" PRIu64, p->advertised_route_count);
			if (p->negotiated_hold_time)
				table_cellf(t, "%us", p->negotiated_hold_time);
			else
				table_cell(t, "-");
			table_cell(t, fmt_or_dash(p->remote_router_id));
			table_cell(t, p->admin_down ? "down" : "up");
			table_cell(t, fmt_or_dash(p->description));
			table_cell(t, p->last_error);
		} else {
			table_cellf(t, "%" PRIu64 "/%" PRIu64, p->accepted_route_count,
				    p->received_route_count);
			table_cellf(t, "%" PRIu64, p->advertised_route_count);
			table_cell(t, p->description);
		}
	}
	output_table(cli, t);
}

static int peer_list(struct vbrctl *cli, const struct opt_result *a)
{
	Vbr__V1__ListBgpPeersRequest req = VBR__V1__LIST_BGP_PEERS_REQUEST__INIT;
	char *group_id = NULL;
	int rc;
	if (opts_str(a, "group")) {
		rc = resolve_group(cli, opts_str(a, "group"), &group_id);
		if (rc != EXIT_OK)
			return rc;
		req.group_id = group_id;
	}
	struct rpc_listing peers, groups = {0};
	rc = rpc_list_all(cli, &RPC_LIST_BGP_PEERS, &req.base, "peers", &peers);
	free(group_id);
	if (rc != EXIT_OK)
		return rc;
	if (cli->output == OUTPUT_JSON) {
		output_json_list("peers", &peers);
	} else {
		/* Group names read better than ids; the ids are in -o wide. */
		Vbr__V1__ListBgpGroupsRequest greq = VBR__V1__LIST_BGP_GROUPS_REQUEST__INIT;
		rc = rpc_list_all(cli, &RPC_LIST_BGP_GROUPS, &greq.base, "groups", &groups);
		if (rc == EXIT_OK)
			peer_table(cli, &peers, &groups);
	}
	rpc_listing_free(&groups);
	rpc_listing_free(&peers);
	return rc;
}

/* ---- show ---- */

static int peer_show(struct vbrctl *cli, const struct opt_result *a)
{
	char *id;
	int rc = resolve_peer(cli, a->args[0], &id);
	if (rc != EXIT_OK)
		return rc;
	rc = get_and_print(cli, id);
	free(id);
	return rc;
}

/* ---- update, enable, disable ---- */

static const struct opt_spec update_opts[] = {
    {"group", 'g', OPT_VALUE, "GROUP", "move the peer to another group (id or name)", false,
     "group"},
    {"description", 0, OPT_VALUE, "TEXT", "new description (\"\" clears it)", false, NULL},
    {"disabled", 0, OPT_FLAG, NULL, "take the peer administratively down", false, NULL},
    {"enabled", 0, OPT_FLAG, NULL, "bring the peer administratively up", false, NULL},
    {"bfd", 0, OPT_FLAG, NULL, "turn BFD on for the peer", false, NULL},
    {"no-bfd", 0, OPT_FLAG, NULL, "turn BFD off (sends AdminDown; the BGP session stays)", false,
     NULL},
    {"request-id", 0, OPT_VALUE, "ID",
     "makes a retry return the first result (a deleted object included)",
     false, NULL},
    {0},
};

static int update_peer(struct vbrctl *cli, const char *ref, const char *group_ref,
		       const char *description, int admin_down /* -1: unchanged */, int bfd,
		       const char *request_id)
{
	Vbr__V1__UpdateBgpPeerRequest req = VBR__V1__UPDATE_BGP_PEER_REQUEST__INIT;
	if (request_id)
		req.request_id = (char *)request_id;
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	char *paths[4];
	size_t n = 0;
	char *group_id = NULL, *id = NULL;
	int rc;
	if (group_ref) {
		if ((rc = resolve_group(cli, group_ref, &group_id)) != EXIT_OK)
			return rc;
		req.group_id = group_id;
		paths[n++] = "group_id";
	}
	if (description) {
		req.description = (char *)description;
		paths[n++] = "description";
	}
	if (admin_down >= 0) {
		req.admin_down = admin_down != 0;
		paths[n++] = "admin_down";
	}
	if (bfd >= 0) {
		req.enable_bfd = bfd != 0;
		paths[n++] = "enable_bfd";
	}
	if ((rc = resolve_peer(cli, ref, &id)) != EXIT_OK) {
		free(group_id);
		return rc;
	}
	req.id = id;
	mask.n_paths = n;
	mask.paths = paths;
	req.update_mask = &mask;
	rc = cmd_call_show(cli, &RPC_UPDATE_BGP_PEER, &req.base, print_peer);
	free(group_id);
	free(id);
	return rc;
}

static int peer_update(struct vbrctl *cli, const struct opt_result *a)
{
	bool disabled = opts_flag(a, "disabled"), enabled = opts_flag(a, "enabled");
	if (disabled && enabled)
		return usage_error("--disabled and --enabled contradict each other");
	bool bfd = opts_flag(a, "bfd"), no_bfd = opts_flag(a, "no-bfd");
	if (bfd && no_bfd)
		return usage_error("--bfd and --no-bfd contradict each other");
	const char *group = opts_str(a, "group"), *description = opts_str(a, "description");
	if (!group && !description && !disabled && !enabled && !bfd && !no_bfd)
		return usage_error(
		    "peer update: nothing to change (see vbrctl peer update --help)");
	return update_peer(cli, a->args[0], group, description, disabled ? 1 : enabled ? 0 : -1,
			   bfd ? 1 : no_bfd ? 0 : -1, opts_str(a, "request-id"));
}

static int peer_enable(struct vbrctl *cli, const struct opt_result *a)
{
	return update_peer(cli, a->args[0], NULL, NULL, 0, -1, NULL);
}

static int peer_disable(struct vbrctl *cli, const struct opt_result *a)
{
	return update_peer(cli, a->args[0], NULL, NULL, 1, -1, NULL);
}

/* ---- delete, reset ---- */

static int peer_delete(struct vbrctl *cli, const struct opt_result *a)
{
	char *id;
	int rc = resolve_peer(cli, a->args[0], &id);
	if (rc != EXIT_OK)
		return rc;
	Vbr__V1__DeleteBgpPeerRequest req = VBR__V1__DELETE_BGP_PEER_REQUEST__INIT;
	req.id = id;
	if (opts_str(a, "request-id"))
		req.request_id = (char *)opts_str(a, "request-id");
	rc = cmd_call_done(cli, &RPC_DELETE_BGP_PEER, &req.base, "Deleted BGP peer %s (%s)", id,
			   a->args[0]);
	free(id);
	return rc;
}

static const struct opt_spec reset_opts[] = {
    {"soft", 0, OPT_FLAG, NULL,
     "ask the peer to resend its routes (ROUTE-REFRESH), keep the session", false, NULL},
    {"message", 'm', OPT_VALUE, "TEXT", "shutdown communication sent with the Cease (RFC 9003)",
     false, NULL},
    {0},
};

static int peer_reset(struct vbrctl *cli, const struct opt_result *a)
{
	char *id;
	int rc = resolve_peer(cli, a->args[0], &id);
	if (rc != EXIT_OK)
		return rc;
	Vbr__V1__ResetBgpPeerRequest req = VBR__V1__RESET_BGP_PEER_REQUEST__INIT;
	req.id = id;
	req.soft = opts_flag(a, "soft");
	if (opts_str(a, "message"))
		req.message = (char *)opts_str(a, "message");
	rc = cmd_call_done(cli, &RPC_RESET_BGP_PEER, &req.base, "%s BGP peer %s (%s)",
			   req.soft ? "Soft-reset (route refresh sent to)" : "Reset", id, a->args[0]);
	free(id);
	return rc;
}


const struct command peer_commands[] = {
    {"peer", "add", "GROUP IP", "add a BGP peer (an on-premises router) to a group",
     "Adds the router at IP (IPv4) to GROUP (id or name); vbrd starts connecting to it at\n"
     "once (and accepts its connections) unless --disabled is given.\n"
     "\n"
     "Examples:\n"
     "  vbrctl peer add dc1 192.0.2.1\n"
     "  vbrctl peer add dc1 192.0.2.2 --description 'edge-2' --disabled\n",
     add_opts, 2, 2, group_then_ip, peer_add},
    {"peer", "list", "[--group GROUP]", "list BGP peers with their session state",
     "Lists every BGP peer (all pages) with its live session state; in a terminal the state\n"
     "is colored. -o wide adds counters, the negotiated hold time, the remote router id and\n"
     "the last error; -o json prints {\"peers\": [...]}.\n"
     "\n"
     "Examples:\n"
     "  vbrctl peer list\n"
     "  vbrctl peer list --group dc1 -o wide\n"
     "  vbrctl peer list -o json | jq -r '.peers[] | \"\\(.peerIp) \\(.sessionState)\"'\n",
     list_opts, 0, 0, NULL, peer_list},
    {"peer", "show", "PEER", "show one BGP peer",
     "PEER is the peer's id (bgpp-...) or its IP address.\n"
     "\n"
     "Examples:\n"
     "  vbrctl peer show 192.0.2.1\n"
     "  vbrctl peer show bgpp-1a2b3c4d -o json\n",
     cmd_no_opts, 1, 1, peer_arg, peer_show},
    {"peer", "update", "PEER [options]", "change a BGP peer",
     "Changes only what is given. PEER is the peer's id or IP address.\n"
     "\n"
     "Examples:\n"
     "  vbrctl peer update 192.0.2.1 --description 'edge-1, rack 4'\n"
     "  vbrctl peer update 192.0.2.1 --group dc2\n",
     update_opts, 1, 1, peer_arg, peer_update},
    {"peer", "delete", "PEER", "delete a BGP peer (sends Cease / Peer De-configured)",
     "Examples:\n"
     "  vbrctl peer delete 192.0.2.1\n",
     cmd_delete_opts, 1, 1, peer_arg, peer_delete},
    {"peer", "reset", "PEER [--soft] [--message TEXT]", "reset a BGP session",
     "A hard reset sends Cease / Administrative Reset (with --message as the RFC 9003\n"
     "shutdown communication) and lets the session come back up; --soft sends a\n"
     "ROUTE-REFRESH instead and keeps the session.\n"
     "\n"
     "Examples:\n"
     "  vbrctl peer reset 192.0.2.1 --message 'clearing after maintenance'\n"
     "  vbrctl peer reset 192.0.2.1 --soft\n",
     reset_opts, 1, 1, peer_arg, peer_reset},
    {"peer", "enable", "PEER", "bring a BGP peer administratively up",
     "Examples:\n"
     "  vbrctl peer enable 192.0.2.1\n",
     cmd_no_opts, 1, 1, peer_arg, peer_enable},
    {"peer", "disable", "PEER", "take a BGP peer administratively down",
     "Sends Cease / Administrative Shutdown and holds the session Idle until enabled.\n"
     "\n"
     "Examples:\n"
     "  vbrctl peer disable 192.0.2.1\n",
     cmd_no_opts, 1, 1, peer_arg, peer_disable},
    {0},
};
