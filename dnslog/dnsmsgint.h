/* dnsmsgint: the wire helpers dnsmsg.c and dnsreply.c share; nothing else includes it. */
#ifndef OCA_DNSMSGINT_H
#define OCA_DNSMSGINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDR 12
#define F_QR 0x8000u
#define F_OPCODE_SHIFT 11
#define F_RD 0x0100u
#define F_RA 0x0080u
#define F_CD 0x0010u
#define F_AD 0x0020u

#define T_OPT 41
#define C_IN 1

/* The big-endian 16-bit value at p (two readable bytes). */
uint16_t dnsmsg_get16(const uint8_t *p);

/* ASCII case-insensitive equality of two wire names (label lengths are < 'A'). */
bool dnsmsg_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Skip a possibly compressed name at pos of pkt (len bytes; a pointer is never
 * followed: it ends the name). Returns the offset after it, or 0 if it runs off the end
 * or uses a label type other than a length or a pointer. *root is set if the name is
 * the root. */
size_t dnsmsg_skip_name(const uint8_t *pkt, size_t len, size_t pos, bool *root);

#endif
