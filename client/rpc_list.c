/* rpc_list.c: a List RPC paged to the end, generically: the request's page_size and
 * page_token and the response's items and next_page_token are found by name in the
 * protobuf-c descriptors. */
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

int rpc_list_all(struct vbrctl *cli, const struct rpc_method *method, ProtobufCMessage *request,
		 const char *items_field, struct rpc_listing *out)
{
	memset(out, 0, sizeof(*out));
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
	const char *previous = NULL;
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
		ProtobufCMessage **pages = realloc(out->pages, (out->n_pages + 1) * sizeof(*pages));
		if (!pages) {
			protobuf_c_message_free_unpacked(resp, NULL);
			rc = EXIT_SERVER;
			break;
		}
		out->pages = pages;
		out->pages[out->n_pages++] = resp;
		size_t n = *(size_t *)((char *)resp + items_f->quantifier_offset);
		ProtobufCMessage **items = *(ProtobufCMessage ***)((char *)resp + items_f->offset);
		if (n > 0) {
			ProtobufCMessage **all =
			    realloc(out->items, (out->n_items + n) * sizeof(*all));
			if (!all) {
				rc = EXIT_SERVER;
				break;
			}
			memcpy(all + out->n_items, items, n * sizeof(*all));
			out->items = all;
			out->n_items += n;
		}
		char *next = *(char **)((char *)resp + next_f->offset);
		if (!next || !*next)
			break;
		if (previous && strcmp(previous, next) == 0) {
			fprintf(stderr, "vbrctl: INTERNAL: %s returned the same page token twice\n",
				method->path);
			rc = EXIT_SERVER;
			break;
		}
		previous = next;
		*token = next;
	}
	*token = original_token;
	if (rc != EXIT_OK)
		rpc_listing_free(out);
	return rc;
}

void rpc_listing_free(struct rpc_listing *listing)
{
	for (size_t i = 0; i < listing->n_pages; i++)
		protobuf_c_message_free_unpacked(listing->pages[i], NULL);
	free(listing->pages);
	free(listing->items);
	memset(listing, 0, sizeof(*listing));
}
