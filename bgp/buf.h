/*
 * buf: a bounded read cursor over bytes from the wire, and a growable write buffer for the
 * messages we build (the idea of OpenBGPD's ibuf).
 *
 * Read side: every getter checks the bytes left first and returns -1 on a short read without
 * moving the cursor, so a parser chains reads and jumps to one "bad length" label. Values come
 * out in host byte order. bgp_rbuf_sub() cuts a bounded view for nested data (an attribute, a
 * capability) so an inner parser cannot read past its own length field.
 *
 * Write side: adders return 0 or -1 (allocation failure, or the buffer's maximum reached);
 * builders add up the results and check once (`errs += bgp_wbuf_add_u16(...)`). A failed add
 * leaves the buffer as it was before that add.
 */
#ifndef VBR_BGP_BUF_H
#define VBR_BGP_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct bgp_rbuf {
	const uint8_t *p;
	size_t left;
};

static inline void bgp_rbuf_init(struct bgp_rbuf *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->left = len;
}

static inline size_t bgp_rbuf_left(const struct bgp_rbuf *r)
{
	return r->left;
}

static inline int bgp_rbuf_u8(struct bgp_rbuf *r, uint8_t *v)
{
	if (r->left < 1)
		return -1;
	*v = r->p[0];
	r->p += 1;
	r->left -= 1;
	return 0;
}

static inline int bgp_rbuf_u16(struct bgp_rbuf *r, uint16_t *v)
{
	if (r->left < 2)
		return -1;
	*v = (uint16_t)((uint16_t)r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

static inline int bgp_rbuf_u32(struct bgp_rbuf *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

/* Points *out at the next n bytes (inside the original input) and moves past them. */
static inline int bgp_rbuf_bytes(struct bgp_rbuf *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return -1;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static inline int bgp_rbuf_skip(struct bgp_rbuf *r, size_t n)
{
	if (r->left < n)
		return -1;
	r->p += n;
	r->left -= n;
	return 0;
}

/* Cuts the next n bytes into *sub (a view bounded to them) and moves past them. */
static inline int bgp_rbuf_sub(struct bgp_rbuf *r, size_t n, struct bgp_rbuf *sub)
{
	if (r->left < n)
		return -1;
	sub->p = r->p;
	sub->left = n;
	r->p += n;
	r->left -= n;
	return 0;
}

/* Big-endian loads for code that has already checked the length (hot loops). */
static inline uint16_t bgp_load_u16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t bgp_load_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void bgp_store_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void bgp_store_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Growable write buffer. `max` caps its size (0 = no cap beyond SIZE_MAX). A buffer made with
 * bgp_wbuf_init_fixed() writes into caller storage and never grows or frees it.
 */
struct bgp_wbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;
	int fixed;
};

/* Starts empty; allocates on the first add. Always returns 0 (kept int for symmetry). */
int bgp_wbuf_init(struct bgp_wbuf *w, size_t max);
void bgp_wbuf_init_fixed(struct bgp_wbuf *w, uint8_t *storage, size_t size);
void bgp_wbuf_free(struct bgp_wbuf *w);
/* Forgets the contents, keeps the allocation. */
static inline void bgp_wbuf_reset(struct bgp_wbuf *w)
{
	w->len = 0;
}
/* Drops the first n bytes (already written to a socket), moving the rest to the front. */
void bgp_wbuf_consume(struct bgp_wbuf *w, size_t n);

/* Makes room for n more bytes; 0 or -1. */
int bgp_wbuf_ensure(struct bgp_wbuf *w, size_t n);
int bgp_wbuf_add_u8(struct bgp_wbuf *w, uint8_t v);
int bgp_wbuf_add_u16(struct bgp_wbuf *w, uint16_t v);
int bgp_wbuf_add_u32(struct bgp_wbuf *w, uint32_t v);
int bgp_wbuf_add_bytes(struct bgp_wbuf *w, const void *p, size_t n);
int bgp_wbuf_add_fill(struct bgp_wbuf *w, uint8_t byte, size_t n);
/* Appends n bytes to fill in later with bgp_wbuf_set_*; their offset goes to *off. */
int bgp_wbuf_reserve(struct bgp_wbuf *w, size_t n, size_t *off);
/* Overwrite at an offset already inside the buffer (no bounds growth). */
void bgp_wbuf_set_u8(struct bgp_wbuf *w, size_t off, uint8_t v);
void bgp_wbuf_set_u16(struct bgp_wbuf *w, size_t off, uint16_t v);
/* Cuts the buffer back to len bytes (len <= current length): undoes a partial message. */
void bgp_wbuf_truncate(struct bgp_wbuf *w, size_t len);

#endif
