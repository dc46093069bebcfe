/* units: byte counts as people write and read them. Pure. */
#ifndef OCA_UNITS_H
#define OCA_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_BYTESLEN 24

/* Parse a size: a whole number of bytes, or with a suffix K, M, G or T (any case,
 * optionally followed by "iB" or "B"), each 1024 times the one before: "50M" is
 * 52 428 800 bytes. Returns 0, or -1 if s is no such size or it overflows. */
int units_parse_bytes(const char *s, uint64_t *out);

/* "812 B", "1.5 KiB", "52.4 MiB", "3.0 GiB" into buf (UNITS_BYTESLEN). Returns buf. */
char *units_format_bytes(uint64_t n, char *buf, size_t len);

#endif
