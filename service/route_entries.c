/*
 * route_entries: ListRouteEntries, on the loop thread (it pages the core's live route table):
 * statics (with the model's id, description and create time), BGP best paths and connected
 * networks in (prefix, length, source) order, a page token naming the last entry given.
 */
#include <stdio.h>
#include <stdlib.h>

#include "convert.h"
#include "daemon.h"
#include "paging.h"
#include "reply.h"
#include "route_entries.h"
#include "validate.h"

/* One entry of a page with what its message points to (packed with the reply). */
struct page_item {
	struct bgp_route_entry_view view;
	char id[VBR_ID_LEN + 1];
	struct route_entry_names names;
	struct pb_route_entry pb;
};

struct entry_page {
	const struct vbr_model *model;
	struct page_item *items;
	Vbr__V1__RouteEntry **ptrs;
	size_t n, max;
	bool more;
	struct bgp_route_entry_view last;
};

static void visit_entry(void *arg, const struct bgp_route_entry_view *v)
{
	struct entry_page *page = arg;
	if (page->n == page->max) {
		page->more = true; /* one extra was asked for, to learn whether a next page exists */
		return;
	}
	struct page_item *it = &page->items[page->n];
	it->view = *v;
	route_entry_names_of(page->model, &it->view, it->id, &it->names);
	convert_route_entry(&it->view, &it->names, &it->pb);
	page->ptrs[page->n] = &it->pb.msg;
	page->n++;
	page->last = *v;
}

/* The cursor in a page token: "%08x/%u/%u" = prefix, length, source. */
static grpc_status_code parse_cursor(const char *after, uint32_t *prefix, uint8_t *len,
				     enum bgp_route_source *source, struct vbr_status *st)
{
	unsigned p = 0, l = 0, s = 0;
	if (sscanf(after, "%8x/%u/%u", &p, &l, &s) != 3 || l > 32 || s > BGP_ROUTE_SOURCE_CONNECTED)
		return vbr_status_set(st, GRPC_STATUS_INVALID_ARGUMENT, "page_token: malformed");
	*prefix = p;
	*len = (uint8_t)l;
	*source = (enum bgp_route_source)s;
	return GRPC_STATUS_OK;
}

static void reply_page(struct rpc_call *call, struct entry_page *page, const char *scope)
{
	char token[VBR_TOKEN_MAX] = "";
	if (page->more) {
		char key[32];
		snprintf(key, sizeof(key), "%08x/%u/%u", page->last.prefix, page->last.prefix_len,
			 (unsigned)page->last.source);
		page_token_make(scope, key, token, sizeof(token));
	}
	Vbr__V1__ListRouteEntriesResponse resp = VBR__V1__LIST_ROUTE_ENTRIES_RESPONSE__INIT;
	resp.n_route_entries = page->n;
	resp.route_entries = page->ptrs;
	resp.next_page_token = token;
	rpc_reply(call, GRPC_STATUS_OK, NULL, &resp.base);
}

void list_route_entries(struct vbrd *d, struct rpc_call *call,
			const Vbr__V1__ListRouteEntriesRequest *req)
{
	struct vbr_status st;
	char scope[32], after[VBR_TOKEN_MAX];
	snprintf(scope, sizeof(scope), "route_entries:%d", (int)req->source);
	uint32_t ap = 0;
	uint8_t al = 0;
	enum bgp_route_source as = BGP_ROUTE_SOURCE_ANY;
	if (vbr_validate_list_route_entries(req, &st) ||
	    page_token_parse(req->page_token, scope, after, sizeof(after), &st) ||
	    (after[0] && parse_cursor(after, &ap, &al, &as, &st))) {
		reply_status(call, &st);
		return;
	}
	struct entry_page page = {.model = &d->model, .max = page_size(req->page_size)};
	page.items = calloc(page.max + 1, sizeof(*page.items));
	page.ptrs = calloc(page.max + 1, sizeof(*page.ptrs));
	if (!page.items || !page.ptrs) {
		reply_out_of_memory(call);
	} else {
		bgp_speaker_route_entries(d->speaker, (enum bgp_route_source)req->source,
					  after[0] == '\0', ap, al, as, page.max + 1, visit_entry,
					  &page);
		reply_page(call, &page, scope);
	}
	free(page.items);
	free(page.ptrs);
}
