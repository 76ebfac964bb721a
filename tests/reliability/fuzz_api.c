/*
 * fuzz_api: libFuzzer target for the API's request handling up to the state (issue 7):
 * protobuf bytes -> protobuf-c unpack -> the service's validation (service/validate.h), for
 * every request type that carries client input.
 *
 * Input: one selector byte (which request type, modulo the table) followed by the serialized
 * request. Besides "no crash, no leak, no UB" (ASan + UBSan), each run checks what a handler
 * relies on: the status is a valid gRPC code, an error has a message and OK has none, the
 * message is terminated, and values a validator hands back are within the rules it enforced
 * (a CIDR's host bits are zero, timers obey hold 0 or 3..65535 with keepalive below, route
 * limits 1..2,000,000). A request that unpacks is also repacked and unpacked again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"
#include "vbr/v1/vbr.pb-c.h"

#define LOCAL_ASN 45104u

static void check_status(const struct vbr_status *st, grpc_status_code code)
{
	if (code != st->code || (int)code < 0 || (int)code > 16)
		abort(); /* returned code and recorded code disagree, or not a gRPC code */
	if (memchr(st->message, '\0', sizeof(st->message)) == NULL)
		abort(); /* unterminated message */
	if (code != GRPC_STATUS_OK && st->message[0] == '\0')
		abort(); /* an error must say which field and why */
	if (code == GRPC_STATUS_OK && st->message[0] != '\0')
		abort();
}

/* Repack and unpack again under the sanitizers. Not compared: protobuf-c keeps unknown
 * fields, even ones with field number 0 or overlong keys, and repacks them canonically, so
 * bytes legitimately differ; vbrd never echoes a request's unknown fields. */
static void roundtrip(const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return;
	if (protobuf_c_message_pack(msg, buf) != n)
		abort();
	ProtobufCMessage *again = protobuf_c_message_unpack(msg->descriptor, NULL, n, buf);
	if (again)
		protobuf_c_message_free_unpacked(again, NULL);
	free(buf);
}

static void check_cidr(uint32_t prefix, uint8_t len)
{
	if (len > 32)
		abort();
	uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
	if (prefix & ~mask)
		abort();
}

static void fuzz_create_group(const uint8_t *d, size_t n)
{
	Vbr__V1__CreateBgpGroupRequest *req = vbr__v1__create_bgp_group_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	struct vbr_group_values v = {0};
	grpc_status_code c = vbr_validate_create_group(req, LOCAL_ASN, &v, &st);
	check_status(&st, c);
	if (c == GRPC_STATUS_OK) {
		if (v.route_limit < 1 || v.route_limit > 2000000)
			abort();
		if (v.hold_time != 0 && (v.hold_time < 3 || v.hold_time > 65535))
			abort();
		if (v.hold_time != 0 && v.keepalive_time >= v.hold_time)
			abort();
		uint32_t local = req->local_asn ? req->local_asn : LOCAL_ASN;
		if (req->peer_asn == 0 || req->peer_asn == 23456 || req->peer_asn == local ||
		    req->local_asn == 23456)
			abort();
	}
	roundtrip(&req->base);
	vbr__v1__create_bgp_group_request__free_unpacked(req, NULL);
}

static void fuzz_update_group(const uint8_t *d, size_t n)
{
	Vbr__V1__UpdateBgpGroupRequest *req = vbr__v1__update_bgp_group_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	unsigned mask = 0;
	grpc_status_code c = vbr_validate_update_group(req, &mask, &st);
	check_status(&st, c);
	if (c == GRPC_STATUS_OK && mask == 0)
		abort(); /* an accepted update names at least one field */
	roundtrip(&req->base);
	vbr__v1__update_bgp_group_request__free_unpacked(req, NULL);
}

static void fuzz_create_peer(const uint8_t *d, size_t n)
{
	Vbr__V1__CreateBgpPeerRequest *req = vbr__v1__create_bgp_peer_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	uint32_t ip = 0;
	grpc_status_code c = vbr_validate_create_peer(req, &ip, &st);
	check_status(&st, c);
	if (c == GRPC_STATUS_OK && (ip == 0 || ip >= 0xe0000000u))
		abort(); /* unicast only */
	roundtrip(&req->base);
	vbr__v1__create_bgp_peer_request__free_unpacked(req, NULL);
}

static void fuzz_update_peer(const uint8_t *d, size_t n)
{
	Vbr__V1__UpdateBgpPeerRequest *req = vbr__v1__update_bgp_peer_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	unsigned mask = 0;
	grpc_status_code c = vbr_validate_update_peer(req, &mask, &st);
	check_status(&st, c);
	if (c == GRPC_STATUS_OK && mask == 0)
		abort();
	roundtrip(&req->base);
	vbr__v1__update_bgp_peer_request__free_unpacked(req, NULL);
}

static void fuzz_reset_peer(const uint8_t *d, size_t n)
{
	Vbr__V1__ResetBgpPeerRequest *req = vbr__v1__reset_bgp_peer_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	grpc_status_code c = vbr_validate_reset_peer(req, &st);
	check_status(&st, c);
	if (c == GRPC_STATUS_OK && strlen(req->message) > 255)
		abort(); /* RFC 9003: at most 255 octets */
	roundtrip(&req->base);
	vbr__v1__reset_bgp_peer_request__free_unpacked(req, NULL);
}

static void fuzz_add_network(const uint8_t *d, size_t n)
{
	Vbr__V1__AddBgpNetworkRequest *req = vbr__v1__add_bgp_network_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	uint32_t prefix = 0;
	uint8_t len = 0;
	grpc_status_code c = vbr_validate_add_network(req, &prefix, &len, &st);
	check_status(&st, c);
	if (c == GRPC_STATUS_OK)
		check_cidr(prefix, len);
	roundtrip(&req->base);
	vbr__v1__add_bgp_network_request__free_unpacked(req, NULL);
}

static void fuzz_delete_network(const uint8_t *d, size_t n)
{
	Vbr__V1__DeleteBgpNetworkRequest *req =
		vbr__v1__delete_bgp_network_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	uint32_t prefix = 0;
	uint8_t len = 0;
	grpc_status_code c = vbr_check_cidr("cidr", req->cidr, &prefix, &len, &st);
	check_status(&st, c);
	if (c == GRPC_STATUS_OK)
		check_cidr(prefix, len);
	roundtrip(&req->base);
	vbr__v1__delete_bgp_network_request__free_unpacked(req, NULL);
}

static void fuzz_list_routes(const uint8_t *d, size_t n)
{
	Vbr__V1__ListRoutesRequest *req = vbr__v1__list_routes_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	check_status(&st, vbr_validate_list_routes(req, &st));
	roundtrip(&req->base);
	vbr__v1__list_routes_request__free_unpacked(req, NULL);
}

static void fuzz_watch(const uint8_t *d, size_t n)
{
	Vbr__V1__WatchPeerEventsRequest *req =
		vbr__v1__watch_peer_events_request__unpack(NULL, n, d);
	if (!req)
		return;
	struct vbr_status st = {0};
	check_status(&st, vbr_validate_watch(req, &st));
	roundtrip(&req->base);
	vbr__v1__watch_peer_events_request__free_unpacked(req, NULL);
}

/* Get/Delete by id: the id rule the handlers apply before looking anything up. */
static void fuzz_ids(const uint8_t *d, size_t n)
{
	Vbr__V1__GetBgpGroupRequest *g = vbr__v1__get_bgp_group_request__unpack(NULL, n, d);
	if (g) {
		struct vbr_status st = {0};
		grpc_status_code c = vbr_check_id("id", g->id, "bgpg-", &st);
		check_status(&st, c);
		if (c == GRPC_STATUS_OK && strlen(g->id) != 13)
			abort();
		vbr__v1__get_bgp_group_request__free_unpacked(g, NULL);
	}
	Vbr__V1__DeleteBgpPeerRequest *p = vbr__v1__delete_bgp_peer_request__unpack(NULL, n, d);
	if (p) {
		struct vbr_status st = {0};
		check_status(&st, vbr_check_id("id", p->id, "bgpp-", &st));
		vbr__v1__delete_bgp_peer_request__free_unpacked(p, NULL);
	}
	Vbr__V1__ListBgpPeersRequest *l = vbr__v1__list_bgp_peers_request__unpack(NULL, n, d);
	if (l) {
		if (l->group_id[0]) {
			struct vbr_status st = {0};
			check_status(&st, vbr_check_id("group_id", l->group_id, "bgpg-", &st));
		}
		roundtrip(&l->base);
		vbr__v1__list_bgp_peers_request__free_unpacked(l, NULL);
	}
}

typedef void (*fuzz_fn)(const uint8_t *, size_t);

static const fuzz_fn targets[] = {
	fuzz_create_group, fuzz_update_group, fuzz_create_peer,	   fuzz_update_peer,
	fuzz_reset_peer,   fuzz_add_network,  fuzz_delete_network, fuzz_list_routes,
	fuzz_watch,	   fuzz_ids,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	targets[data[0] % (sizeof(targets) / sizeof(targets[0]))](data + 1, size - 1);
	return 0;
}
