/* rpc_list.c: a List RPC paged to the end, generically: the request's page_size and
 * page_token and the response's items and next_page_token are found by name in the
 * protobuf-c descriptors. Either every page is kept (rpc_list_all: small lists that are
 * looked through) or each page is handed over and freed (rpc_list_each: a full RIB, whose
 * memory stays one page). */
#include "rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST_PAGES 100000

static const ProtobufCFieldDescriptor *field(const ProtobufCMessageDescriptor *desc,
					     const char *name, ProtobufCType type)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(desc, name);
	return f && f->type == type ? f : NULL;
}

/* Calls on_page for every page in order; on_page owns the page (the response message). */
typedef int (*page_fn)(void *arg, ProtobufCMessage *page, ProtobufCMessage **items, size_t n);

static int list_pages(struct vbrctl *cli, const struct rpc_method *method,
		      ProtobufCMessage *request, const char *items_field, page_fn on_page,
		      void *arg)
{
	const ProtobufCFieldDescriptor *token_f =
	    field(request->descriptor, "page_token", PROTOBUF_C_TYPE_STRING);
	const ProtobufCFieldDescriptor *next_f =
	    field(method->response, "next_page_token", PROTOBUF_C_TYPE_STRING);
	const ProtobufCFieldDescriptor *items_f =
	    field(method->response, items_field, PROTOBUF_C_TYPE_MESSAGE);
	if (!token_f || !next_f || !items_f || items_f->label != PROTOBUF_C_LABEL_REPEATED) {
		fprintf(stderr, "vbrctl: INTERNAL: %s is not a paged list\n", method->path);
		return EXIT_SERVER;
	}
	/* Big pages by default (the server caps them): fewer round trips for a full RIB. */
	const ProtobufCFieldDescriptor *size_f =
	    field(request->descriptor, "page_size", PROTOBUF_C_TYPE_UINT32);
	if (size_f && *(uint32_t *)((char *)request + size_f->offset) == 0)
		*(uint32_t *)((char *)request + size_f->offset) = cli->page_size;
	char **token = (char **)((char *)request + token_f->offset);
	char *original_token = *token;
	char *previous = NULL; /* the token we sent, copied: its page is gone by now */
	int rc = EXIT_OK;
	for (size_t page = 0;; page++) {
		if (page == MAX_LIST_PAGES) {
			fprintf(stderr, "vbrctl: INTERNAL: %s: more than %d pages\n", method->path,
				MAX_LIST_PAGES);
			rc = EXIT_SERVER;
			break;
		}
		ProtobufCMessage *resp;
		rc = rpc_unary(cli, method, request, &resp);
		if (rc != EXIT_OK)
			break;
		const char *next = *(char **)((char *)resp + next_f->offset);
		char *next_copy = next && *next ? strdup(next) : NULL;
		size_t n = *(size_t *)((char *)resp + items_f->quantifier_offset);
		ProtobufCMessage **items = *(ProtobufCMessage ***)((char *)resp + items_f->offset);
		rc = on_page(arg, resp, items, n);
		if (rc != EXIT_OK || !next_copy) {
			free(next_copy);
			break;
		}
		if (previous && strcmp(previous, next_copy) == 0) {
			fprintf(stderr, "vbrctl: INTERNAL: %s returned the same page token twice\n",
				method->path);
			free(next_copy);
			rc = EXIT_SERVER;
			break;
		}
		free(previous);
		previous = next_copy;
		*token = next_copy;
	}
	free(previous);
	*token = original_token;
	return rc;
}

static int keep_page(void *arg, ProtobufCMessage *page, ProtobufCMessage **items, size_t n)
{
	struct rpc_listing *out = arg;
	ProtobufCMessage **pages = realloc(out->pages, (out->n_pages + 1) * sizeof(*pages));
	if (!pages) {
		protobuf_c_message_free_unpacked(page, NULL);
		fprintf(stderr, "vbrctl: out of memory\n");
		return EXIT_SERVER;
	}
	out->pages = pages;
	out->pages[out->n_pages++] = page;
	if (n > 0) {
		ProtobufCMessage **all = realloc(out->items, (out->n_items + n) * sizeof(*all));
		if (!all) {
			fprintf(stderr, "vbrctl: out of memory\n");
			return EXIT_SERVER;
		}
		memcpy(all + out->n_items, items, n * sizeof(*all));
		out->items = all;
		out->n_items += n;
	}
	return EXIT_OK;
}

int rpc_list_all(struct vbrctl *cli, const struct rpc_method *method, ProtobufCMessage *request,
		 const char *items_field, struct rpc_listing *out)
{
	memset(out, 0, sizeof(*out));
	int rc = list_pages(cli, method, request, items_field, keep_page, out);
	if (rc != EXIT_OK)
		rpc_listing_free(out);
	return rc;
}

struct each {
	rpc_item_fn fn;
	void *arg;
};

static int each_page(void *arg, ProtobufCMessage *page, ProtobufCMessage **items, size_t n)
{
	struct each *e = arg;
	for (size_t i = 0; i < n; i++)
		e->fn(e->arg, items[i]);
	protobuf_c_message_free_unpacked(page, NULL);
	return EXIT_OK;
}

int rpc_list_each(struct vbrctl *cli, const struct rpc_method *method, ProtobufCMessage *request,
		  const char *items_field, rpc_item_fn fn, void *arg)
{
	struct each e = {fn, arg};
	return list_pages(cli, method, request, items_field, each_page, &e);
}

void rpc_listing_free(struct rpc_listing *listing)
{
	for (size_t i = 0; i < listing->n_pages; i++)
		protobuf_c_message_free_unpacked(listing->pages[i], NULL);
	free(listing->pages);
	free(listing->items);
	memset(listing, 0, sizeof(*listing));
}
