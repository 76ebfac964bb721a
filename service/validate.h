/*
 * validate: the API's input rules as pure functions, one per request type plus the single
 * rules they are made of. Each takes a protobuf-c request (or a value), returns a gRPC status
 * code (GRPC_STATUS_OK when valid) and fills `st->message` naming the field and the rule, e.g.
 * "peer_asn: 23456 is AS_TRANS (RFC 6793) and cannot be a peer's ASN".
 *
 * Nothing here looks at the router's state (existence, duplicates, quotas): that is the
 * handlers' job. Safe from any thread; fuzzed by tests/fuzz.
 */
#ifndef VBR_SERVICE_VALIDATE_H
#define VBR_SERVICE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <grpc/status.h>

#include "vbr/v1/vbr.pb-c.h"

struct vbr_status {
	grpc_status_code code;
	char message[320];
};

/* Sets st and returns code; printf-style message. */
grpc_status_code vbr_status_set(struct vbr_status *st, grpc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The one place where the BGP core's negative errno codes become gRPC status codes (see the
 * README's architecture section): -ENOENT NOT_FOUND, -EEXIST ALREADY_EXISTS, -EINVAL
 * INVALID_ARGUMENT, -ENOSPC / -ENOMEM RESOURCE_EXHAUSTED, -ENOTCONN / -EAGAIN / -EOPNOTSUPP
 * FAILED_PRECONDITION, -ESHUTDOWN UNAVAILABLE, anything else INTERNAL. The message is the
 * caller's, then ": " and the errno's text unless the caller's says it all (`with_errno`).
 */
grpc_status_code vbr_status_from_errno(struct vbr_status *st, int err, bool with_errno,
				       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Single rules. `field` is the name used in the message. */
grpc_status_code vbr_check_name(const char *field, const char *name, struct vbr_status *st);
grpc_status_code vbr_check_description(const char *field, const char *text, struct vbr_status *st);
/* A group's local_asn: 0 (the router's) or any ASN but AS_TRANS, as --local-asn. */
grpc_status_code vbr_check_local_asn(const char *field, uint32_t asn, struct vbr_status *st);
grpc_status_code vbr_check_peer_asn(const char *field, uint32_t asn, uint32_t local_asn,
				    struct vbr_status *st);
grpc_status_code vbr_check_auth_key(const char *field, const char *key, struct vbr_status *st);
grpc_status_code vbr_check_route_limit(const char *field, uint32_t limit, struct vbr_status *st);
grpc_status_code vbr_check_route_limit_action(const char *field, int action, struct vbr_status *st);
/* BFD timers: interval 50..10000 ms (below 50 ms a shared machine flaps), multiplier 2..255. */
grpc_status_code vbr_check_bfd_interval(const char *field, uint32_t ms, struct vbr_status *st);
grpc_status_code vbr_check_bfd_multiplier(const char *field, uint32_t mult, struct vbr_status *st);
/* Graceful restart time: 1..4095 s (the capability's 12 bits; 0 would tell the peer to keep
 * nothing). */
grpc_status_code vbr_check_restart_time(const char *field, uint32_t seconds,
					struct vbr_status *st);
/* hold_time 0 or 3..65535; keepalive_time < hold_time (0 when hold_time is 0). */
grpc_status_code vbr_check_timers(uint32_t hold_time, uint32_t keepalive_time,
				  struct vbr_status *st);
grpc_status_code vbr_check_request_id(const char *request_id, struct vbr_status *st);
/* A dotted-quad IPv4 unicast address; *ip in host byte order. */
grpc_status_code vbr_check_peer_ip(const char *field, const char *text, uint32_t *ip,
				   struct vbr_status *st);
/* "a.b.c.d/len" with host bits zero. */
grpc_status_code vbr_check_cidr(const char *field, const char *text, uint32_t *prefix, uint8_t *len,
				struct vbr_status *st);
/* "bgpg-" / "bgpp-" + 8 lowercase hex. */
grpc_status_code vbr_check_id(const char *field, const char *id, const char *prefix,
			      struct vbr_status *st);
/* Up to 255 octets of UTF-8 (RFC 9003). */
grpc_status_code vbr_check_shutdown_message(const char *field, const char *text,
					    struct vbr_status *st);

/* The values a CreateBgpGroup request stands for, defaults applied. */
struct vbr_group_values {
	uint32_t route_limit;
	uint32_t hold_time;
	uint32_t keepalive_time;
	uint32_t bfd_min_interval_ms;
	uint32_t bfd_detect_multiplier;
	bool graceful_restart;
	uint32_t restart_time;
};

/* Field masks: which fields an update names (missing/empty mask: every non-default field). */
enum {
	VBR_GROUP_NAME = 1 << 0,
	VBR_GROUP_PEER_ASN = 1 << 1,
	VBR_GROUP_AUTH_KEY = 1 << 2,
	VBR_GROUP_DESCRIPTION = 1 << 3,
	VBR_GROUP_ROUTE_LIMIT = 1 << 4,
	VBR_GROUP_HOLD_TIME = 1 << 5,
	VBR_GROUP_KEEPALIVE_TIME = 1 << 6,
	VBR_GROUP_ROUTE_LIMIT_ACTION = 1 << 7,
	VBR_GROUP_LOCAL_ASN = 1 << 8,
	VBR_GROUP_BFD_MIN_INTERVAL = 1 << 9,
	VBR_GROUP_BFD_MULTIPLIER = 1 << 10,
	VBR_GROUP_GRACEFUL_RESTART = 1 << 11,
	VBR_GROUP_RESTART_TIME = 1 << 12,
	VBR_PEER_GROUP_ID = 1 << 0,
	VBR_PEER_DESCRIPTION = 1 << 1,
	VBR_PEER_ADMIN_DOWN = 1 << 2,
	VBR_PEER_ENABLE_BFD = 1 << 3,
};

grpc_status_code vbr_validate_create_group(const Vbr__V1__CreateBgpGroupRequest *req,
					   uint32_t local_asn, struct vbr_group_values *out,
					   struct vbr_status *st);
/* Checks the id, the mask and each masked field alone; *mask gets VBR_GROUP_* bits. The
 * timers, and peer_asn against the group's local ASN (its own or the router's), are checked
 * by the handler once merged with the stored values. */
grpc_status_code vbr_validate_update_group(const Vbr__V1__UpdateBgpGroupRequest *req,
					   unsigned *mask,
					   struct vbr_status *st);
grpc_status_code vbr_validate_create_peer(const Vbr__V1__CreateBgpPeerRequest *req, uint32_t *ip,
					  struct vbr_status *st);
grpc_status_code vbr_validate_update_peer(const Vbr__V1__UpdateBgpPeerRequest *req, unsigned *mask,
					  struct vbr_status *st);
grpc_status_code vbr_validate_reset_peer(const Vbr__V1__ResetBgpPeerRequest *req,
					 struct vbr_status *st);
/* A static route entry: destination_cidr (IPv4, host bits zero), next_hop (IPv4 unicast: not
 * 0.0.0.0/8, loopback, multicast, reserved or broadcast), description, request_id. */
grpc_status_code vbr_validate_create_route_entry(const Vbr__V1__CreateRouteEntryRequest *req,
						 uint32_t *prefix, uint8_t *len,
						 uint32_t *next_hop, struct vbr_status *st);
grpc_status_code vbr_validate_list_route_entries(const Vbr__V1__ListRouteEntriesRequest *req,
						 struct vbr_status *st);
grpc_status_code vbr_validate_add_network(const Vbr__V1__AddBgpNetworkRequest *req,
					  uint32_t *prefix, uint8_t *len, struct vbr_status *st);
grpc_status_code vbr_validate_list_routes(const Vbr__V1__ListRoutesRequest *req,
					  struct vbr_status *st);
/* sources: STATIC, BGP or CONNECTED (empty: all); after_sequence not with a snapshot. */
grpc_status_code vbr_validate_watch_routes(const Vbr__V1__WatchRouteEventsRequest *req,
					   struct vbr_status *st);
grpc_status_code vbr_validate_watch(const Vbr__V1__WatchPeerEventsRequest *req,
				    struct vbr_status *st);

#endif
