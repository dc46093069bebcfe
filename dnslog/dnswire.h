/* dnswire: the header bits and byte helpers the two halves of dnsmsg share (dnsmsg.c,
 * the queries and the ldns path for answers; dnsfast.c, the answers passed on as they
 * are). Internal to dnslog/. */
#ifndef OCA_DNSWIRE_H
#define OCA_DNSWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDR 12
#define F_QR 0x8000u
#define F_OPCODE_SHIFT 11
#define F_AA 0x0400u
#define F_TC 0x0200u
#define F_RD 0x0100u
#define F_RA 0x0080u
#define F_CD 0x0010u

#define T_OPT 41
#define C_IN 1

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ASCII case-insensitive equality of two wire names (label lengths are < 'A'). */
static inline bool
name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

#endif
