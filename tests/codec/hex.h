/* hex: test helper turning "ff 00 1a" strings into bytes (spaces ignored). */
#ifndef VBR_TEST_CODEC_HEX_H
#define VBR_TEST_CODEC_HEX_H

#include <stddef.h>
#include <stdint.h>

static inline int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex into out (room for max); returns the byte count, or -1 on a bad string. */
static inline long hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; p && *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '_')
			continue;
		int v = hex_nibble(*p);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

#endif
