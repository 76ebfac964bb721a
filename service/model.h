/*
 * model: the router's configuration as plain C values — BGP groups, BGP peers, advertised
 * networks — and the replies already given to creates that carried a request_id.
 *
 * Owned by the loop thread. A mutation works on a copy (model_clone), is written to disk, and
 * only then replaces the live model, so a failed write leaves memory and disk as they were.
 * Arrays stay sorted: groups and peers by id, networks by (prefix, length).
 */
#ifndef VBR_SERVICE_MODEL_H
#define VBR_SERVICE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VBR_ID_LEN		   13 /* "bgpg-" + 8 hex */
#define VBR_NAME_MAX		   128
#define VBR_DESCRIPTION_MAX	   256
#define VBR_AUTH_KEY_MAX	   80
#define VBR_REQUEST_ID_MAX	   128
#define VBR_MAX_GROUPS		   1000
#define VBR_MAX_REQUESTS	   1024 /* request_id replies kept, oldest dropped first */
#define VBR_DEFAULT_ROUTE_LIMIT	   100
#define VBR_DEFAULT_HOLD_TIME	   30
#define VBR_DEFAULT_KEEPALIVE_TIME 10
#define VBR_DEFAULT_BFD_INTERVAL_MS 300
#define VBR_DEFAULT_BFD_MULTIPLIER 3
#define VBR_DEFAULT_RESTART_TIME   120

struct vbr_group {
	char id[VBR_ID_LEN + 1];
	char name[VBR_NAME_MAX + 1];
	uint32_t peer_asn;
	char auth_key[VBR_AUTH_KEY_MAX + 1];
	char description[VBR_DESCRIPTION_MAX + 1];
	uint32_t route_limit;
	uint32_t hold_time;
	uint32_t keepalive_time;
	uint32_t route_limit_action; /* vbr.v1.RouteLimitAction */
	uint32_t local_asn;          /* our AS on its sessions; 0 = the router's */
	uint32_t bfd_min_interval_ms; /* 50..10000 */
	uint32_t bfd_detect_multiplier; /* 2..255 */
	bool graceful_restart;          /* RFC 4724 offered on its sessions */
	uint32_t restart_time;          /* seconds, 1..4095 */
	int64_t create_time_ms;
};

struct vbr_peer {
	char id[VBR_ID_LEN + 1];
	uint32_t num; /* the speaker's peer ID: the id's hex part */
	char group_id[VBR_ID_LEN + 1];
	uint32_t ip; /* host byte order */
	char description[VBR_DESCRIPTION_MAX + 1];
	bool admin_down;
	bool enable_bfd;
	int64_t create_time_ms;
};

struct vbr_network {
	uint32_t prefix; /* host byte order */
	uint8_t len;
	int64_t create_time_ms;
};

/* A static route entry ("rte-" + 8 hex: the hex is the core's static_id). */
struct vbr_route_entry {
	char id[VBR_ID_LEN + 1];
	uint32_t num;
	uint32_t prefix; /* host byte order */
	uint8_t len;
	uint32_t next_hop;
	char description[VBR_DESCRIPTION_MAX + 1];
	int64_t create_time_ms;
};

struct vbr_request {
	char method[32];
	char request_id[VBR_REQUEST_ID_MAX + 1];
	uint8_t *response;
	size_t response_len;
};

struct vbr_model {
	struct vbr_group *groups;
	size_t n_groups;
	struct vbr_peer *peers;
	size_t n_peers;
	struct vbr_network *networks;
	size_t n_networks;
	struct vbr_route_entry *route_entries; /* sorted by (prefix, len): one per prefix */
	size_t n_route_entries;
	/* Not copied by model_clone: appended to only after a successful write. */
	struct vbr_request *requests;
	size_t n_requests;
};

void model_init(struct vbr_model *m);
void model_free(struct vbr_model *m);
/* Copies groups, peers and networks (not requests). Returns 0 or -ENOMEM. */
int model_clone(const struct vbr_model *src, struct vbr_model *dst);
/* Frees only what model_clone copied. */
void model_free_clone(struct vbr_model *m);
/* A batch's model goes live: live's configuration is freed and replaced by next's (live keeps
 * its request_id replies); next is left empty. */
void model_commit(struct vbr_model *live, struct vbr_model *next);

/* Ids whose hex part is the BGP core's numeric handle ("bgpp-1a2b3c4d"): made and read here
 * only. model_id_num returns 0 for a string that is not prefix + 8 lowercase hex digits. */
void model_id_format(char *out, size_t out_len, const char *prefix, uint32_t num);
/* A fresh random number for a new id (never 0). */
uint32_t model_random_num(void);
uint32_t model_id_num(const char *id, const char *prefix);

struct vbr_group *model_group(const struct vbr_model *m, const char *id);
struct vbr_group *model_group_by_name(const struct vbr_model *m, const char *name);
struct vbr_peer *model_peer(const struct vbr_model *m, const char *id);
struct vbr_peer *model_peer_by_num(const struct vbr_model *m, uint32_t num);
struct vbr_peer *model_peer_by_ip(const struct vbr_model *m, uint32_t ip);
struct vbr_network *model_network(const struct vbr_model *m, uint32_t prefix, uint8_t len);
size_t model_group_peer_count(const struct vbr_model *m, const char *group_id);

/* Insert keeping the order; -EEXIST on a duplicate key, -ENOMEM. */
int model_add_group(struct vbr_model *m, const struct vbr_group *g);
int model_add_peer(struct vbr_model *m, const struct vbr_peer *p);
int model_add_network(struct vbr_model *m, const struct vbr_network *n);
int model_remove_group(struct vbr_model *m, const char *id);
int model_remove_peer(struct vbr_model *m, const char *id);
int model_remove_network(struct vbr_model *m, uint32_t prefix, uint8_t len);
struct vbr_route_entry *model_route_entry(const struct vbr_model *m, const char *id);
struct vbr_route_entry *model_route_entry_by_num(const struct vbr_model *m, uint32_t num);
struct vbr_route_entry *model_route_entry_at(const struct vbr_model *m, uint32_t prefix,
					     uint8_t len);
int model_add_route_entry(struct vbr_model *m, const struct vbr_route_entry *e);
int model_remove_route_entry(struct vbr_model *m, const char *id);

/* request_id replies. find returns NULL when unknown. add copies response and drops the
 * oldest entry past VBR_MAX_REQUESTS. */
const struct vbr_request *model_request(const struct vbr_model *m, const char *method,
					const char *request_id);
int model_add_request(struct vbr_model *m, const char *method, const char *request_id,
		      const uint8_t *response, size_t response_len);

#endif
