/* rpc_methods.c: the methods of vbr.v1.VirtualBorderRouter (path and response type) and
 * the names of gRPC status codes. */
#include "rpc.h"

#include <stddef.h>

#include "google/protobuf/empty.pb-c.h"
#include "vbr/v1/vbr.pb-c.h"

#define SERVICE "/vbr.v1.VirtualBorderRouter/"

const struct rpc_method RPC_GET_ROUTER = {SERVICE "GetRouter", &vbr__v1__router__descriptor};
const struct rpc_method RPC_CREATE_BGP_GROUP = {SERVICE "CreateBgpGroup",
						&vbr__v1__bgp_group__descriptor};
const struct rpc_method RPC_GET_BGP_GROUP = {SERVICE "GetBgpGroup",
					     &vbr__v1__bgp_group__descriptor};
const struct rpc_method RPC_LIST_BGP_GROUPS = {SERVICE "ListBgpGroups",
					       &vbr__v1__list_bgp_groups_response__descriptor};
const struct rpc_method RPC_UPDATE_BGP_GROUP = {SERVICE "UpdateBgpGroup",
						&vbr__v1__bgp_group__descriptor};
const struct rpc_method RPC_DELETE_BGP_GROUP = {SERVICE "DeleteBgpGroup",
						&google__protobuf__empty__descriptor};
const struct rpc_method RPC_CREATE_BGP_PEER = {SERVICE "CreateBgpPeer",
					       &vbr__v1__bgp_peer__descriptor};
const struct rpc_method RPC_GET_BGP_PEER = {SERVICE "GetBgpPeer", &vbr__v1__bgp_peer__descriptor};
const struct rpc_method RPC_LIST_BGP_PEERS = {SERVICE "ListBgpPeers",
					      &vbr__v1__list_bgp_peers_response__descriptor};
const struct rpc_method RPC_UPDATE_BGP_PEER = {SERVICE "UpdateBgpPeer",
					       &vbr__v1__bgp_peer__descriptor};
const struct rpc_method RPC_DELETE_BGP_PEER = {SERVICE "DeleteBgpPeer",
					       &google__protobuf__empty__descriptor};
const struct rpc_method RPC_RESET_BGP_PEER = {SERVICE "ResetBgpPeer",
					      &google__protobuf__empty__descriptor};
const struct rpc_method RPC_ADD_BGP_NETWORK = {SERVICE "AddBgpNetwork",
					       &vbr__v1__bgp_network__descriptor};
const struct rpc_method RPC_LIST_BGP_NETWORKS = {SERVICE "ListBgpNetworks",
						 &vbr__v1__list_bgp_networks_response__descriptor};
const struct rpc_method RPC_DELETE_BGP_NETWORK = {SERVICE "DeleteBgpNetwork",
						  &google__protobuf__empty__descriptor};
const struct rpc_method RPC_CREATE_ROUTE_ENTRY = {SERVICE "CreateRouteEntry",
						  &vbr__v1__route_entry__descriptor};
const struct rpc_method RPC_DELETE_ROUTE_ENTRY = {SERVICE "DeleteRouteEntry",
						  &google__protobuf__empty__descriptor};
const struct rpc_method RPC_LIST_ROUTE_ENTRIES = {
    SERVICE "ListRouteEntries", &vbr__v1__list_route_entries_response__descriptor};
const struct rpc_method RPC_DRAIN_ROUTER = {SERVICE "DrainRouter",
					    &google__protobuf__empty__descriptor};
const struct rpc_method RPC_LIST_ROUTES = {SERVICE "ListRoutes",
					   &vbr__v1__list_routes_response__descriptor};
const struct rpc_method RPC_WATCH_ROUTE_EVENTS = {SERVICE "WatchRouteEvents",
						  &vbr__v1__route_event__descriptor};
const struct rpc_method RPC_WATCH_PEER_EVENTS = {SERVICE "WatchPeerEvents",
						 &vbr__v1__peer_event__descriptor};

