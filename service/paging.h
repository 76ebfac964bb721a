/*
 * paging: page sizes and opaque page tokens. A token names the last key of the previous page
 * (lists are sorted by a unique key), so the next page starts strictly after it: stable under
 * inserts and deletes. It also names the list it belongs to, so a token from another list or
 * another filter is INVALID_ARGUMENT rather than a silently wrong page.
 */
#ifndef VBR_SERVICE_PAGING_H
#define VBR_SERVICE_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "validate.h"

#define VBR_PAGE_DEFAULT 100
#define VBR_PAGE_MAX	 1000
#define VBR_TOKEN_MAX	 256

/* 0 -> default; over the maximum -> the maximum. */
size_t page_size(uint32_t requested);

/* scope: which list and filter ("groups", "peers:bgpg-..", "routes:bgpp-..:1"). */
void page_token_make(const char *scope, const char *key, char *out, size_t out_len);
/* "" -> *key = "" (first page). */
grpc_status_code page_token_parse(const char *token, const char *scope, char *key, size_t key_len,
				  struct vbr_status *st);

#endif
