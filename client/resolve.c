/* resolve.c: group and peer references to ids (see resolve.h). */
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "vbr/v1/vbr.pb-c.h"

bool looks_like_ip(const char *s)
{
	if (!*s)
		return false;
	bool colon = strchr(s, ':') != NULL;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool ok = (c >= '0' && c <= '9') || c == '.' ||
			  (colon && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
		if (!ok)
			return false;
	}
	return true;
}

static int dup_id(const char *src, char **id)
{
	*id = strdup(src);
	if (!*id) {
		fprintf(stderr, "vbrctl: out of memory\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int resolve_group(struct vbrctl *cli, const char *ref, char **id)
{
	*id = NULL;
	Vbr__V1__ListBgpGroupsRequest req = VBR__V1__LIST_BGP_GROUPS_REQUEST__INIT;
	struct rpc_listing all;
	int rc = rpc_list_all(cli, &RPC_LIST_BGP_GROUPS, &req.base, "groups", &all);
	if (rc != EXIT_OK)
		return rc;
	const Vbr__V1__BgpGroup *by_id = NULL, *by_name = NULL;
	for (size_t i = 0; i < all.n_items; i++) {
		const Vbr__V1__BgpGroup *g = (const Vbr__V1__BgpGroup *)all.items[i];
		if (strcmp(g->id, ref) == 0)
			by_id = g;
		else if (strcmp(g->name, ref) == 0)
			by_name = g;
	}
	const Vbr__V1__BgpGroup *found = by_id ? by_id : by_name;
	if (found)
		rc = dup_id(found->id, id);
	else if (strncmp(ref, "bgpg-", 5) == 0)
		rc = dup_id(ref, id);
	else {
		fprintf(stderr, "vbrctl: NOT_FOUND: no BGP group has the name or id \"%s\"\n", ref);
		rc = EXIT_SERVER;
	}
	rpc_listing_free(&all);
	return rc;
}

int resolve_peer(struct vbrctl *cli, const char *ref, char **id)
{
	*id = NULL;
	/* Ids and addresses cannot be confused, so an id needs no listing. */
	if (!looks_like_ip(ref))
		return dup_id(ref, id);
	Vbr__V1__ListBgpPeersRequest req = VBR__V1__LIST_BGP_PEERS_REQUEST__INIT;
	struct rpc_listing all;
	int rc = rpc_list_all(cli, &RPC_LIST_BGP_PEERS, &req.base, "peers", &all);
	if (rc != EXIT_OK)
		return rc;
	const Vbr__V1__BgpPeer *found = NULL;
	for (size_t i = 0; i < all.n_items && !found; i++) {
		const Vbr__V1__BgpPeer *p = (const Vbr__V1__BgpPeer *)all.items[i];
		if (strcmp(p->peer_ip, ref) == 0)
			found = p;
	}
	if (found) {
		rc = dup_id(found->id, id);
	} else {
		fprintf(stderr, "vbrctl: NOT_FOUND: no BGP peer has the address %s\n", ref);
		rc = EXIT_SERVER;
	}
	rpc_listing_free(&all);
	return rc;
}
