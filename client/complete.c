/* complete.c: the hidden `vbrctl __complete WORD... CURRENT` used by vbrctl.bash. It prints
 * the candidates for CURRENT one per line (bash filters them by prefix), "__files__" when a
 * file name is wanted, and asks the server for group names, peer addresses and networks
 * when an argument names one (quietly, with a short deadline). */
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

static const struct opt_spec *find_opt(const struct opt_spec *local, const char *word)
{
	const struct opt_spec *sets[2] = {local, global_opts};
	for (size_t s = 0; s < 2; s++)
		for (const struct opt_spec *o = sets[s]; o && o->name; o++) {
			if (word[0] == '-' && word[1] == '-') {
				size_t len = strcspn(word + 2, "=");
				if (strlen(o->name) == len && strncmp(o->name, word + 2, len) == 0)
					return o;
			} else if (word[0] == '-' && o->short_name && word[1] == o->short_name) {
				return o;
			}
		}
	return NULL;
}

static void list_names(struct vbrctl *cli, const char *kind)
{
	struct rpc_listing all;
	if (strcmp(kind, "group") == 0) {
		Vbr__V1__ListBgpGroupsRequest req = VBR__V1__LIST_BGP_GROUPS_REQUEST__INIT;
		if (rpc_list_all(cli, &RPC_LIST_BGP_GROUPS, &req.base, "groups", &all) != EXIT_OK)
			return;
		for (size_t i = 0; i < all.n_items; i++)
			printf("%s\n", ((Vbr__V1__BgpGroup *)all.items[i])->name);
	} else if (strcmp(kind, "peer") == 0) {
		Vbr__V1__ListBgpPeersRequest req = VBR__V1__LIST_BGP_PEERS_REQUEST__INIT;
		if (rpc_list_all(cli, &RPC_LIST_BGP_PEERS, &req.base, "peers", &all) != EXIT_OK)
			return;
		for (size_t i = 0; i < all.n_items; i++)
			printf("%s\n", ((Vbr__V1__BgpPeer *)all.items[i])->peer_ip);
	} else if (strcmp(kind, "network") == 0) {
		Vbr__V1__ListBgpNetworksRequest req = VBR__V1__LIST_BGP_NETWORKS_REQUEST__INIT;
		if (rpc_list_all(cli, &RPC_LIST_BGP_NETWORKS, &req.base, "networks", &all) !=
		    EXIT_OK)
			return;
		for (size_t i = 0; i < all.n_items; i++)
			printf("%s\n", ((Vbr__V1__BgpNetwork *)all.items[i])->cidr);
	} else {
		return;
	}
	rpc_listing_free(&all);
}

static void complete_value(struct vbrctl *cli, const char *what)
{
	if (!what)
		return;
	if (strcmp(what, "file") == 0) {
		printf("__files__\n");
	} else if (strchr(what, '|')) {
		for (const char *p = what; *p;) {
			size_t len = strcspn(p, "|");
			printf("%.*s\n", (int)len, p);
			p += len + (p[len] == '|');
		}
	} else {
		list_names(cli, what);
	}
}

int complete_words(struct vbrctl *cli, int argc, char **argv)
{
	if (argc < 1)
		return EXIT_OK;
	const char *cur = argv[argc - 1];
	const char *group = NULL;
	const struct command *cmd = NULL;
	const struct opt_spec *pending = NULL; /* an option still waiting for its value */
	int n_args = 0;
	cli->timeout_ms = 2000;
	for (int i = 0; i < argc - 1; i++) {
		const char *w = argv[i];
		if (pending) {
			if (strcmp(pending->name, "server") == 0)
				cli->server = w;
			pending = NULL;
			continue;
		}
		if (w[0] == '-' && w[1]) {
			const struct opt_spec *o = find_opt(cmd ? cmd->opts : NULL, w);
			bool inline_value = strchr(w, '=') || (w[1] != '-' && w[2]);
			if (o && o->kind != OPT_FLAG && !inline_value)
				pending = o;
			else if (o && strcmp(o->name, "server") == 0 && strchr(w, '='))
				cli->server = strchr(w, '=') + 1;
			continue;
		}
		if (!group) {
			group = registry_group(w);
			if (!group)
				return EXIT_OK;
			if (registry_group_is_single(group))
				cmd = registry_find(group, NULL);
		} else if (!cmd) {
			cmd = registry_find(group, w);
			if (!cmd)
				return EXIT_OK;
		} else {
			n_args++;
		}
	}
	if (pending) {
		complete_value(cli, pending->complete);
		return EXIT_OK;
	}
	if (cur[0] == '-') {
		for (const struct opt_spec *o = cmd ? cmd->opts : NULL; o && o->name; o++)
			printf("--%s\n", o->name);
		for (const struct opt_spec *o = global_opts; o->name; o++) {
			bool shadowed = false;
			for (const struct opt_spec *l = cmd ? cmd->opts : NULL; l && l->name; l++)
				shadowed |= strcmp(l->name, o->name) == 0;
			if (!shadowed)
				printf("--%s\n", o->name);
		}
		return EXIT_OK;
	}
	if (!group) {
		for (size_t t = 0; command_tables[t]; t++)
			printf("%s\n", command_tables[t][0].group);
		printf("help\n");
		return EXIT_OK;
	}
	if (!cmd) {
		for (size_t t = 0; command_tables[t]; t++)
			for (const struct command *c = command_tables[t]; c->group; c++)
				if (strcmp(c->group, group) == 0)
					printf("%s\n", c->verb);
		return EXIT_OK;
	}
	if (cmd->arg_kinds && n_args < cmd->max_args)
		complete_value(cli, cmd->arg_kinds[n_args]);
	return EXIT_OK;
}
