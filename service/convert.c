/* convert: every protobuf-c <-> plain struct mapping of the service. */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ipv4_to_string(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
}

void timestamp_from_ms(int64_t ms, Google__Protobuf__Timestamp *ts)
{
	google__protobuf__timestamp__init(ts);
	int64_t sec = ms / 1000, rem = ms % 1000;
	if (rem < 0) {
		sec--;
		rem += 1000;
	}
	ts->seconds = sec;
	ts->nanos = (int32_t)(rem * 1000000);
}

void convert_router(const struct router_info *r, const char *version, struct pb_router *out)
{
	vbr__v1__router__init(&out->msg);
	ipv4_to_string(r->router_id, out->router_id);
	out->msg.router_id = out->router_id;
	out->msg.local_asn = r->local_asn;
	out->msg.bgp_listen = (char *)r->bgp_listen;
	out->msg.max_peers = r->max_peers;
	out->msg.max_networks = r->max_networks;
	out->msg.max_route_entries = r->max_route_entries;
	out->msg.fib_enabled = r->fib_enabled;
	out->msg.fib_table = r->fib_table;
	out->msg.default_route_limit = VBR_DEFAULT_ROUTE_LIMIT;
	out->msg.version = (char *)version;
	timestamp_from_ms(r->start_time_ms, &out->start_time);
	out->msg.start_time = &out->start_time;
}

void convert_group(const struct vbr_group *g, bool has_auth_key, uint32_t peer_count,
		   struct pb_group *out)
{
	vbr__v1__bgp_group__init(&out->msg);
	out->msg.id = (char *)g->id;
	out->msg.name = (char *)g->name;
	out->msg.peer_asn = g->peer_asn;
	out->msg.has_auth_key = has_auth_key;
	out->msg.description = (char *)g->description;
	out->msg.route_limit = g->route_limit;
	out->msg.hold_time = g->hold_time;
	out->msg.keepalive_time = g->keepalive_time;
	out->msg.peer_count = peer_count;
	out->msg.local_asn = g->local_asn;
	out->msg.bfd_min_interval_ms = g->bfd_min_interval_ms;
	out->msg.bfd_detect_multiplier = g->bfd_detect_multiplier;
	out->msg.graceful_restart = g->graceful_restart;
	out->msg.restart_time = g->restart_time;
	out->msg.route_limit_action =
	    (Vbr__V1__RouteLimitAction)(g->route_limit_action
					    ? g->route_limit_action
					    : VBR__V1__ROUTE_LIMIT_ACTION__ROUTE_LIMIT_ACTION_DROP);
	timestamp_from_ms(g->create_time_ms, &out->create_time);
	out->msg.create_time = &out->create_time;
}

Vbr__V1__BfdState convert_bfd_state(enum bgp_bfd_state s)
{
	switch (s) {
	case BGP_BFD_DISABLED:
		return VBR__V1__BFD_STATE__BFD_STATE_DISABLED;
	case BGP_BFD_ADMIN_DOWN:
		return VBR__V1__BFD_STATE__BFD_STATE_ADMIN_DOWN;
	case BGP_BFD_DOWN:
		return VBR__V1__BFD_STATE__BFD_STATE_DOWN;
	case BGP_BFD_INIT:
		return VBR__V1__BFD_STATE__BFD_STATE_INIT;
	case BGP_BFD_UP:
		return VBR__V1__BFD_STATE__BFD_STATE_UP;
	}
	return VBR__V1__BFD_STATE__BFD_STATE_UNSPECIFIED;
}

void convert_peer(const struct vbr_peer *p, uint32_t peer_asn, const struct bgp_peer_status *st,
		  struct pb_peer *out)
{
	vbr__v1__bgp_peer__init(&out->msg);
	out->msg.id = (char *)p->id;
	out->msg.group_id = (char *)p->group_id;
	ipv4_to_string(p->ip, out->peer_ip);
	out->msg.peer_ip = out->peer_ip;
	out->msg.peer_asn = peer_asn;
	out->msg.description = (char *)p->description;
	out->msg.admin_down = p->admin_down;
	out->msg.enable_bfd = p->enable_bfd;
	out->msg.bfd_state = convert_bfd_state(st->bfd_state);
	/* enum bgp_state values equal vbr.v1.SessionState's (bgp/state.h). */
	out->msg.session_state = (Vbr__V1__SessionState)st->state;
	bool up = st->state == BGP_STATE_ESTABLISHED;
	out->msg.bgp_status = up ? VBR__V1__BGP_STATUS__BGP_STATUS_ESTABLISHED
				 : VBR__V1__BGP_STATUS__BGP_STATUS_UNESTABLISHED;
	if (up && st->established_since_ms) {
		timestamp_from_ms(st->established_since_ms, &out->established_time);
		out->msg.established_time = &out->established_time;
	}
	out->msg.received_route_count = st->received_routes;
	out->msg.accepted_route_count = st->accepted_routes;
	out->msg.advertised_route_count = st->advertised_routes;
	out->msg.negotiated_hold_time = st->negotiated_hold_time;
	out->msg.graceful_restart_negotiated = st->graceful_restart_negotiated;
	out->msg.stale_route_count = st->stale_routes;
	if (st->remote_router_id) {
		ipv4_to_string(st->remote_router_id, out->remote_router_id);
		out->msg.remote_router_id = out->remote_router_id;
	}
	out->msg.last_error = (char *)st->last_error;
	timestamp_from_ms(p->create_time_ms, &out->create_time);
	out->msg.create_time = &out->create_time;
}

void convert_network(const struct vbr_network *n, struct pb_network *out)
{
	char ip[16];
	vbr__v1__bgp_network__init(&out->msg);
	ipv4_to_string(n->prefix, ip);
	snprintf(out->cidr, sizeof(out->cidr), "%s/%u", ip, n->len);
	out->msg.cidr = out->cidr;
	timestamp_from_ms(n->create_time_ms, &out->create_time);
	out->msg.create_time = &out->create_time;
}

void convert_event(const struct vbr_event *e, struct pb_event *out)
{
	vbr__v1__peer_event__init(&out->msg);
	out->msg.sequence = e->sequence;
	timestamp_from_ms(e->time_ms, &out->time);
	out->msg.time = &out->time;
	out->msg.kind = (Vbr__V1__PeerEventKind)e->kind;
	out->msg.peer_id = (char *)e->peer_id;
	if (e->peer_ip) {
		ipv4_to_string(e->peer_ip, out->peer_ip);
		out->msg.peer_ip = out->peer_ip;
	}
	out->msg.old_state = (Vbr__V1__SessionState)e->old_state;
	out->msg.new_state = (Vbr__V1__SessionState)e->new_state;
	out->msg.old_bfd_state = (Vbr__V1__BfdState)e->old_bfd_state;
	out->msg.new_bfd_state = (Vbr__V1__BfdState)e->new_bfd_state;
	out->msg.reason = (char *)e->reason;
}

void convert_peer_config(const struct vbr_peer *p, const struct vbr_group *g,
			 struct bgp_peer_config *out)
{
	memset(out, 0, sizeof(*out));
	out->id = p->num;
	out->peer_ip = p->ip;
	out->peer_asn = g->peer_asn;
	out->local_asn = g->local_asn;
	snprintf(out->auth_key, sizeof(out->auth_key), "%s", g->auth_key);
	out->hold_time = (uint16_t)g->hold_time;
	out->keepalive_time = (uint16_t)g->keepalive_time;
	out->route_limit = g->route_limit;
	out->route_limit_action =
	    g->route_limit_action == VBR__V1__ROUTE_LIMIT_ACTION__ROUTE_LIMIT_ACTION_TEARDOWN
		? BGP_ROUTE_LIMIT_TEARDOWN
		: BGP_ROUTE_LIMIT_DROP;
	out->admin_down = p->admin_down;
	out->enable_bfd = p->enable_bfd;
	out->bfd_min_interval_ms = g->bfd_min_interval_ms;
	out->bfd_detect_multiplier = (uint8_t)g->bfd_detect_multiplier;
	out->graceful_restart = g->graceful_restart;
	out->restart_time = (uint16_t)g->restart_time;
}

static char *format_community(uint32_t a, uint32_t b)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%u:%u", a, b);
	return strdup(buf);
}

static char *format_large_community(const uint32_t t[3])
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%u:%u:%u", t[0], t[1], t[2]);
	return strdup(buf);
}

/*
 * "65001 65002 {65003,65004}": sequences space-separated, sets in braces comma-separated,
 * confederation sequences in parentheses, confederation sets in brackets (FRR, BIRD).
 * Returns a heap string, NULL on no memory.
 */
static char *as_path_text(const struct bgp_route_view *r)
{
	size_t cap = r->as_path_len * 11 + r->as_path_segment_count * 3 + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t used = 0, k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < r->as_path_segment_count; i++) {
		uint8_t type = (uint8_t)(r->as_path_segments[i] >> 16);
		size_t count = r->as_path_segments[i] & 0xffff;
		static const char open[] = "?{ ([", close[] = "?} )]";
		bool set = type == 1 || type == 4;
		bool brackets = type != 2 && type <= 4;
		if (i)
			out[used++] = ' ';
		if (brackets)
			out[used++] = open[type];
		for (size_t j = 0; j < count && k < r->as_path_len; j++, k++)
			used += (size_t)snprintf(out + used, cap - used, "%s%u",
						 j ? (set ? "," : " ") : "", r->as_path[k]);
		if (brackets)
			out[used++] = close[type];
		out[used] = '\0';
	}
	return out;
}

/* The segments, each with its own ASNs; false on no memory (m keeps what was made). */
static bool as_path_segments(Vbr__V1__Route *m, const struct bgp_route_view *r)
{
	m->as_path_segments = calloc(r->as_path_segment_count + 1, sizeof(*m->as_path_segments));
	if (!m->as_path_segments)
		return false;
	size_t k = 0;
	for (size_t i = 0; i < r->as_path_segment_count; i++) {
		size_t count = r->as_path_segments[i] & 0xffff;
		if (count > r->as_path_len - k)
			count = r->as_path_len - k;
		Vbr__V1__AsPathSegment *seg = malloc(sizeof(*seg));
		if (!seg)
			return false;
		vbr__v1__as_path_segment__init(seg);
		m->as_path_segments[m->n_as_path_segments++] = seg;
		seg->type = (Vbr__V1__AsPathSegmentType)(r->as_path_segments[i] >> 16);
		seg->asns = malloc((count + 1) * sizeof(uint32_t));
		if (!seg->asns)
			return false;
		memcpy(seg->asns, r->as_path + k, count * sizeof(uint32_t));
		seg->n_asns = count;
		k += count;
	}
	return true;
}

Vbr__V1__Route *convert_route(const struct bgp_route_view *r, const char *peer_id)
{
	Vbr__V1__Route *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	vbr__v1__route__init(m);
	char ip[16];
	ipv4_to_string(r->prefix, ip);
	char buf[24];
	snprintf(buf, sizeof(buf), "%s/%u", ip, r->prefix_len);
	m->prefix = strdup(buf);
	ipv4_to_string(r->next_hop, ip);
	m->next_hop = strdup(ip);
	m->peer_id = strdup(peer_id);
	m->as_path = calloc(r->as_path_len + 1, sizeof(uint32_t));
	m->as_path_text = as_path_text(r);
	m->not_accepted_reason = strdup(r->accepted ? "" : r->not_accepted_reason);
	m->stale = r->stale;
	m->communities = calloc(r->communities_len + 1, sizeof(char *));
	m->large_communities = calloc(r->large_communities_len + 1, sizeof(char *));
	if (!m->prefix || !m->next_hop || !m->peer_id || !m->as_path || !m->communities ||
	    !m->large_communities || !m->as_path_text || !m->not_accepted_reason ||
	    !as_path_segments(m, r)) {
		convert_route_free(m);
		return NULL;
	}
	if (r->as_path_len)
		memcpy(m->as_path, r->as_path, r->as_path_len * sizeof(uint32_t));
	m->n_as_path = r->as_path_len;
	m->origin = (Vbr__V1__Origin)(r->origin + 1);
	if (r->has_med) {
		m->med_present_case = VBR__V1__ROUTE__MED_PRESENT_MED;
		m->med = r->med;
	}
	if (r->has_local_pref) {
		m->local_pref_present_case = VBR__V1__ROUTE__LOCAL_PREF_PRESENT_LOCAL_PREF;
		m->local_pref = r->local_pref;
	}
	for (size_t i = 0; i < r->communities_len; i++) {
		uint32_t c = r->communities[i];
		if (!(m->communities[m->n_communities] = format_community(c >> 16, c & 0xffff)))
			break;
		m->n_communities++;
	}
	for (size_t i = 0; i < r->large_communities_len; i++) {
		const uint32_t *t = &r->large_communities[3 * i];
		if (!(m->large_communities[m->n_large_communities] = format_large_community(t)))
			break;
		m->n_large_communities++;
	}
	m->accepted = r->accepted;
	return m;
}

void convert_route_free(Vbr__V1__Route *m)
{
	if (!m)
		return;
	free(m->prefix);
	free(m->next_hop);
	free(m->peer_id);
	free(m->as_path);
	free(m->as_path_text);
	free(m->not_accepted_reason);
	for (size_t i = 0; i < m->n_as_path_segments; i++) {
		free(m->as_path_segments[i]->asns);
		free(m->as_path_segments[i]);
	}
	free(m->as_path_segments);
	for (size_t i = 0; i < m->n_communities; i++)
		free(m->communities[i]);
	free(m->communities);
	for (size_t i = 0; i < m->n_large_communities; i++)
		free(m->large_communities[i]);
	free(m->large_communities);
	free(m);
}

Vbr__V1__RouteSource convert_route_source(enum bgp_route_source s)
{
	switch (s) {
	case BGP_ROUTE_SOURCE_STATIC:
		return VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_STATIC;
	case BGP_ROUTE_SOURCE_BGP:
		return VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_BGP;
	case BGP_ROUTE_SOURCE_CONNECTED:
		return VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_CONNECTED;
	case BGP_ROUTE_SOURCE_ANY:
		break;
	}
	return VBR__V1__ROUTE_SOURCE__ROUTE_SOURCE_UNSPECIFIED;
}

void route_entry_names_of(const struct vbr_model *m, const struct bgp_route_entry_view *v,
			  char id[VBR_ID_LEN + 1], struct route_entry_names *names)
{
	memset(names, 0, sizeof(*names));
	id[0] = '\0';
	names->id = id;
	if (v->source == BGP_ROUTE_SOURCE_STATIC) {
		const struct vbr_route_entry *e = model_route_entry_by_num(m, v->static_id);
		model_id_format(id, VBR_ID_LEN + 1, "rte-", v->static_id);
		if (e) {
			names->description = e->description;
			names->create_time_ms = e->create_time_ms;
		}
	}
	if (v->source == BGP_ROUTE_SOURCE_BGP) {
		const struct vbr_peer *p = model_peer_by_num(m, v->peer_id);
		names->peer_id = p ? p->id : "";
	}
}

void convert_route_entry(const struct bgp_route_entry_view *v,
			 const struct route_entry_names *names, struct pb_route_entry *out)
{
	vbr__v1__route_entry__init(&out->msg);
	char prefix[16];
	ipv4_to_string(v->prefix, prefix);
	snprintf(out->cidr, sizeof(out->cidr), "%s/%u", prefix, v->prefix_len);
	out->next_hop[0] = '\0';
	if (v->next_hop)
		ipv4_to_string(v->next_hop, out->next_hop);
	snprintf(out->interface, sizeof(out->interface), "%s", v->interface);
	out->msg.id = (char *)(names->id ? names->id : "");
	out->msg.destination_cidr = out->cidr;
	out->msg.next_hop = out->next_hop;
	out->msg.source = convert_route_source(v->source);
	out->msg.peer_id = (char *)(names->peer_id ? names->peer_id : "");
	out->msg.installed = v->installed;
	out->msg.status_reason = (char *)v->status_reason;
	out->msg.description = (char *)(names->description ? names->description : "");
	if (names->create_time_ms) {
		timestamp_from_ms(names->create_time_ms, &out->create_time);
		out->msg.create_time = &out->create_time;
	}
	out->msg.interface = out->interface;
	out->msg.stale = v->stale;
}
