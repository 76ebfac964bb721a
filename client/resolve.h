/* resolve.h: turning what a person types into API ids. A group is named by its id
 * ("bgpg-1a2b3c4d") or its name; a peer by its id ("bgpp-...") or its IP address. Names are
 * looked up by listing (every page); an id always wins over an equal name. A reference that
 * matches nothing but has the shape of an id goes to the server as is, so its NOT_FOUND
 * message is the one printed. */
#ifndef VBRCTL_RESOLVE_H
#define VBRCTL_RESOLVE_H

#include "cli.h"

/* On EXIT_OK *id is a malloc'd id. Otherwise the error line was printed. */
int resolve_group(struct vbrctl *cli, const char *ref, char **id);
int resolve_peer(struct vbrctl *cli, const char *ref, char **id);

/* True when s has the shape of an IPv4 or IPv6 address (not a full validation: the
 * server validates). */
bool looks_like_ip(const char *s);

#endif
