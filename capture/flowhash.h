/* flowhash: the one hash of the capture's flow tables (capture.c's flows, flowagg.c's
 * aggregates). A key is packed by its table into five 64-bit words (the two addresses,
 * then ports, protocol and family, and whatever else that table keys on), and the words
 * are mixed in from a seed the VM does not know, so it cannot compute keys that collide.
 * Capture-private, pure, header only: it is inlined into the per-packet lookups. */
#ifndef OCA_FLOWHASH_H
#define OCA_FLOWHASH_H

#include <stdint.h>

#define FLOWHASH_WORDS 5

/* The hash of w[0 .. FLOWHASH_WORDS) under seed. */
static inline uint64_t
flowhash_mix(uint64_t seed, const uint64_t w[FLOWHASH_WORDS])
{
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < FLOWHASH_WORDS; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	return h;
}

#endif
