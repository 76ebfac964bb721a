/*
 * convert: protobuf-c <-> the service's and the BGP core's plain structs, in one place.
 * The pb_* holders own the sub-messages and strings a message points to, so a reply can be
 * built on the stack; string fields point into the source struct, which must outlive it.
 */
#ifndef VBR_SERVICE_CONVERT_H
#define VBR_SERVICE_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "model.h"
#include "snapshot.h"
#include "speaker.h"
#include "vbr/v1/vbr.pb-c.h"

struct pb_group {
	Vbr__V1__BgpGroup msg;
	Google__Protobuf__Timestamp create_time;
};

struct pb_peer {
	Vbr__V1__BgpPeer msg;
	Google__Protobuf__Timestamp create_time;
	Google__Protobuf__Timestamp established_time;
	char peer_ip[16];
	char remote_router_id[16];
};

struct pb_network {
	Vbr__V1__BgpNetwork msg;
	Google__Protobuf__Timestamp create_time;
	char cidr[20];
};

struct pb_event {
	Vbr__V1__PeerEvent msg;
	Google__Protobuf__Timestamp time;
	char peer_ip[16];
};

struct pb_router {
	Vbr__V1__Router msg;
	Google__Protobuf__Timestamp start_time;
	char router_id[16];
};

void ipv4_to_string(uint32_t ip, char out[16]);
void timestamp_from_ms(int64_t ms, Google__Protobuf__Timestamp *ts);

void convert_router(const struct router_info *r, const char *version, struct pb_router *out);
void convert_group(const struct vbr_group *g, bool has_auth_key, uint32_t peer_count,
		   struct pb_group *out);
/* enum bgp_bfd_state -> vbr.v1.BfdState. */
Vbr__V1__BfdState convert_bfd_state(enum bgp_bfd_state s);
void convert_peer(const struct vbr_peer *p, uint32_t peer_asn, const struct bgp_peer_status *st,
		  struct pb_peer *out);
void convert_network(const struct vbr_network *n, struct pb_network *out);
void convert_event(const struct vbr_event *e, struct pb_event *out);

/* A route-table entry as the API shows it. The names the core does not know come from the
 * caller's model: the STATIC entry's id, description and create time, the BGP winner's id. */
struct route_entry_names {
	const char *id;		 /* "rte-..." or "" */
	const char *peer_id;	 /* "bgpp-..." or "" */
	const char *description; /* "" unless STATIC */
	int64_t create_time_ms;	 /* 0: none */
};

struct pb_route_entry {
	Vbr__V1__RouteEntry msg;
	Google__Protobuf__Timestamp create_time;
	char cidr[20], next_hop[16], interface[BGP_IFNAME_MAX];
};

/* The names of an entry from the model (id is the buffer names->id points to). */
void route_entry_names_of(const struct vbr_model *m, const struct bgp_route_entry_view *v,
			  char id[VBR_ID_LEN + 1], struct route_entry_names *names);
/* Strings point into out, v and names: pack before either goes. */
void convert_route_entry(const struct bgp_route_entry_view *v,
			 const struct route_entry_names *names, struct pb_route_entry *out);
/* enum bgp_route_source -> vbr.v1.RouteSource. */
Vbr__V1__RouteSource convert_route_source(enum bgp_route_source s);

/* The speaker's flattened view of a peer and its group. */
void convert_peer_config(const struct vbr_peer *p, const struct vbr_group *g,
			 struct bgp_peer_config *out);

/* A Route with its strings on the heap; free with convert_route_free. NULL on no memory. */
Vbr__V1__Route *convert_route(const struct bgp_route_view *r, const char *peer_id);
void convert_route_free(Vbr__V1__Route *route);

#endif
