/* rpc.h: calling vbrd over the gRPC C core: one channel per run (insecure or TLS), unary
 * calls, server streams, and the mapping of a failed call to one stderr line and an exit
 * code (UNAVAILABLE: cannot connect, 3; anything else: 2). Calls never wait for the server
 * to become ready (wait_for_ready=false), so a dead address fails at once. */
#ifndef VBRCTL_RPC_H
#define VBRCTL_RPC_H

#include <signal.h>

#include <protobuf-c/protobuf-c.h>

#include "cli.h"

struct rpc_method {
	const char *path; /* "/vbr.v1.VirtualBorderRouter/GetRouter" */
	const ProtobufCMessageDescriptor *response;
};

/* Every method of vbr.v1.VirtualBorderRouter. */
extern const struct rpc_method RPC_GET_ROUTER, RPC_CREATE_BGP_GROUP, RPC_GET_BGP_GROUP,
    RPC_LIST_BGP_GROUPS, RPC_UPDATE_BGP_GROUP, RPC_DELETE_BGP_GROUP, RPC_CREATE_BGP_PEER,
    RPC_GET_BGP_PEER, RPC_LIST_BGP_PEERS, RPC_UPDATE_BGP_PEER, RPC_DELETE_BGP_PEER,
    RPC_RESET_BGP_PEER, RPC_ADD_BGP_NETWORK, RPC_LIST_BGP_NETWORKS, RPC_DELETE_BGP_NETWORK,
    RPC_LIST_ROUTES, RPC_WATCH_PEER_EVENTS, RPC_WATCH_ROUTE_EVENTS, RPC_CREATE_ROUTE_ENTRY,
    RPC_DELETE_ROUTE_ENTRY, RPC_LIST_ROUTE_ENTRIES, RPC_DRAIN_ROUTER;

/* Sends one request and waits for the response (deadline: --timeout, default 10 s).
 * Returns EXIT_OK with *response set (free with protobuf_c_message_free_unpacked), or an
 * exit code after printing the error line. */
int rpc_unary(struct vbrctl *cli, const struct rpc_method *method, const ProtobufCMessage *request,
	      ProtobufCMessage **response);

/* Called for each streamed message; the message is freed after it returns. */
typedef void (*rpc_stream_fn)(void *arg, const ProtobufCMessage *message);

/* Opens a server stream and calls on_message for each message until the server ends the
 * stream (prints why, returns EXIT_SERVER, or EXIT_CONNECT if nothing was ever received and
 * the status is UNAVAILABLE) or *stop becomes non-zero (cancels the call cleanly, returns
 * EXIT_OK). Deadline: --timeout when given, else none. */
int rpc_server_stream(struct vbrctl *cli, const struct rpc_method *method,
		      const ProtobufCMessage *request, rpc_stream_fn on_message, void *arg,
		      volatile sig_atomic_t *stop);

/* Pages through a List RPC to the end. `request` must have a string field "page_token";
 * the response a string field "next_page_token" and a repeated message field `items_field`.
 * On success *items holds every item in order (n_items), and *pages the responses that own
 * them (free with rpc_listing_free). Returns an exit code. */
struct rpc_listing {
	ProtobufCMessage **pages;
	size_t n_pages;
	ProtobufCMessage **items;
	size_t n_items;
};
int rpc_list_all(struct vbrctl *cli, const struct rpc_method *method, ProtobufCMessage *request,
		 const char *items_field, struct rpc_listing *out);
void rpc_listing_free(struct rpc_listing *listing);

/* Pages through a List RPC like rpc_list_all, calling fn for each item as its page arrives;
 * the item is freed with its page after the page's last call. Returns an exit code. */
typedef void (*rpc_item_fn)(void *arg, const ProtobufCMessage *item);
int rpc_list_each(struct vbrctl *cli, const struct rpc_method *method, ProtobufCMessage *request,
		  const char *items_field, rpc_item_fn fn, void *arg);

/* Turns the error line of failed calls off (true) or on; returns the previous setting. */
bool rpc_quiet(struct vbrctl *cli, bool quiet);

/* Shuts the channel and the gRPC core down (safe to call when nothing was opened). */
void rpc_close(struct vbrctl *cli);

/* grpc_status_name(code) (proto/grpc_status_name.h) names a gRPC status code. */

#endif
