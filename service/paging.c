/* paging: token = hex("v1|" scope "|" key); opaque to clients, checked on the way back. */
#include "paging.h"

#include <stdio.h>
#include <string.h>

size_t page_size(uint32_t requested)
{
	if (requested == 0)
		return VBR_PAGE_DEFAULT;
	return requested > VBR_PAGE_MAX ? VBR_PAGE_MAX : requested;
}

void page_token_make(const char *scope, const char *key, char *out, size_t out_len)
{
	char plain[VBR_TOKEN_MAX / 2];
	int n = snprintf(plain, sizeof(plain), "v1|%s|%s", scope, key);
	size_t len = n < 0 ? 0 : (size_t)n;
	if (len >= sizeof(plain))
		len = sizeof(plain) - 1;
	size_t o = 0;
	for (size_t i = 0; i < len && o + 3 <= out_len; i++, o += 2)
		snprintf(out + o, 3, "%02x", (unsigned char)plain[i]);
	if (out_len)
		out[o < out_len ? o : out_len - 1] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

grpc_status_code page_token_parse(const char *token, const char *scope, char *key, size_t key_len,
				  struct vbr_status *st)
{
	char plain[VBR_TOKEN_MAX / 2 + 1];
	size_t len = strlen(token);
	key[0] = '\0';
	st->code = GRPC_STATUS_OK;
	st->message[0] = '\0';
	if (len == 0)
		return GRPC_STATUS_OK;
	if (len % 2 || len / 2 >= sizeof(plain))
		goto bad;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(token[2 * i]), lo = hexval(token[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		plain[i] = (char)(hi << 4 | lo);
	}
	plain[len / 2] = '\0';
	size_t slen = strlen(scope);
	if (strncmp(plain, "v1|", 3) != 0 || strncmp(plain + 3, scope, slen) != 0 ||
	    plain[3 + slen] != '|' || strlen(plain + 4 + slen) >= key_len)
		goto bad;
	strcpy(key, plain + 4 + slen);
	return GRPC_STATUS_OK;
bad:
	return vbr_status_set(st, GRPC_STATUS_INVALID_ARGUMENT,
			      "page_token: not a token this list returned (or its filter changed)");
}
