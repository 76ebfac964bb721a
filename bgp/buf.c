/*
 * buf: the write side of buf.h (the read cursor is all inline there). Growth doubles the
 * allocation up to `max`; a fixed buffer never grows.
 */
#include "buf.h"

#include <stdlib.h>

int bgp_wbuf_init(struct bgp_wbuf *w, size_t max)
{
	w->data = NULL;
	w->len = 0;
	w->cap = 0;
	w->max = max ? max : SIZE_MAX;
	w->fixed = 0;
	return 0;
}

void bgp_wbuf_init_fixed(struct bgp_wbuf *w, uint8_t *storage, size_t size)
{
	w->data = storage;
	w->len = 0;
	w->cap = size;
	w->max = size;
	w->fixed = 1;
}

void bgp_wbuf_free(struct bgp_wbuf *w)
{
	if (!w->fixed)
		free(w->data);
	w->data = NULL;
	w->len = 0;
	w->cap = 0;
}

void bgp_wbuf_consume(struct bgp_wbuf *w, size_t n)
{
	if (n >= w->len) {
		w->len = 0;
		return;
	}
	memmove(w->data, w->data + n, w->len - n);
	w->len -= n;
}

int bgp_wbuf_ensure(struct bgp_wbuf *w, size_t n)
{
	if (n > w->max - w->len)
		return -1;
	size_t need = w->len + n;
	if (need <= w->cap)
		return 0;
	if (w->fixed)
		return -1;
	size_t cap = w->cap ? w->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (cap > w->max)
		cap = w->max;
	uint8_t *data = realloc(w->data, cap);
	if (!data)
		return -1;
	w->data = data;
	w->cap = cap;
	return 0;
}

int bgp_wbuf_add_u8(struct bgp_wbuf *w, uint8_t v)
{
	if (bgp_wbuf_ensure(w, 1))
		return -1;
	w->data[w->len++] = v;
	return 0;
}

int bgp_wbuf_add_u16(struct bgp_wbuf *w, uint16_t v)
{
	if (bgp_wbuf_ensure(w, 2))
		return -1;
	bgp_store_u16(w->data + w->len, v);
	w->len += 2;
	return 0;
}

int bgp_wbuf_add_u32(struct bgp_wbuf *w, uint32_t v)
{
	if (bgp_wbuf_ensure(w, 4))
		return -1;
	bgp_store_u32(w->data + w->len, v);
	w->len += 4;
	return 0;
}

int bgp_wbuf_add_bytes(struct bgp_wbuf *w, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (bgp_wbuf_ensure(w, n))
		return -1;
	memcpy(w->data + w->len, p, n);
	w->len += n;
	return 0;
}

int bgp_wbuf_add_fill(struct bgp_wbuf *w, uint8_t byte, size_t n)
{
	if (n == 0)
		return 0;
	if (bgp_wbuf_ensure(w, n))
		return -1;
	memset(w->data + w->len, byte, n);
	w->len += n;
	return 0;
}

int bgp_wbuf_reserve(struct bgp_wbuf *w, size_t n, size_t *off)
{
	if (bgp_wbuf_ensure(w, n))
		return -1;
	*off = w->len;
	memset(w->data + w->len, 0, n);
	w->len += n;
	return 0;
}

void bgp_wbuf_set_u8(struct bgp_wbuf *w, size_t off, uint8_t v)
{
	if (off < w->len)
		w->data[off] = v;
}

void bgp_wbuf_set_u16(struct bgp_wbuf *w, size_t off, uint16_t v)
{
	if (off + 2 <= w->len)
		bgp_store_u16(w->data + off, v);
}

void bgp_wbuf_truncate(struct bgp_wbuf *w, size_t len)
{
	if (len < w->len)
		w->len = len;
}
