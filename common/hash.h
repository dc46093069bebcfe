/* hash: FNV-1a, the one hash of the in-memory tables (the attribution map, the rollup
 * caches, the tunnel detector, the resolver's cache and rate limiter). Each of those
 * tables is bounded and probes a bounded number of slots, so keys a hostile VM picks to
 * collide cost it its own entries, never unbounded work. Pure, header only: the loops
 * are short and inlined into the hot paths. */
#ifndef OCA_HASH_H
#define OCA_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH32_INIT UINT32_C(2166136261)
#define HASH64_INIT UINT64_C(1469598103934665603)

/* Continue hash h (start from HASH32_INIT / HASH64_INIT) over n bytes at p. */
static inline uint32_t
hash32_add(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT32_C(16777619);
	return h;
}

static inline uint64_t
hash64_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(1099511628211);
	return h;
}

/* The same over ASCII letters folded to lower case: DNS names compare that way. */
static inline uint32_t
hash32_add_lower(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * UINT32_C(16777619);
	}
	return h;
}

/* Spread a 64-bit hash's high bits into its low ones (FNV's low bits depend on the low
 * bits of its input only), for a table indexed by the low bits. A table whose keys the
 * VM chooses starts its hash from HASH64_INIT ^ a random seed and mixes the result:
 * then colliding keys cannot be computed in advance. */
static inline uint64_t
hash64_mix(uint64_t h)
{
	h ^= h >> 31;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 29);
}

/* A NUL-terminated string. */
static inline uint32_t
hash32_str(const char *s)
{
	uint32_t h = HASH32_INIT;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * UINT32_C(16777619);
	return h;
}

static inline uint64_t
hash64_str(const char *s)
{
	uint64_t h = HASH64_INIT;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h;
}

#endif
