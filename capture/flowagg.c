/* The table behind flowagg.h: the aggregates in an array, in the order they were made,
 * found through open addressing (linear probing) over twice as many buckets, which
 * hold an aggregate's index + 1. Draining walks the array and clears the buckets, once
 * a slot. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flowagg.h"
#include "flowhash.h"

struct flowagg {
	uint64_t seed;
	size_t max, n;
	uint32_t mask;
	uint32_t *buckets;             /* index + 1; 0 = empty */
	struct capture_bytes *aggs;
};

static uint64_t
hash(const struct flowagg *a, const struct capture_bytes *b)
{
	uint64_t w[FLOWHASH_WORDS];

	memcpy(w, b->key.client.a, 16);
	memcpy(w + 2, b->key.server.a, 16);
	w[4] = (uint64_t)b->key.sport << 16 ^ (uint64_t)b->key.proto << 8 ^ b->key.client.family ^
	       (uint64_t)b->slot_us << 24;
	return flowhash_mix(a->seed, w);
}

static bool
same(const struct capture_bytes *x, const struct capture_bytes *y)
{
	return x->slot_us == y->slot_us && x->key.sport == y->key.sport &&
	       x->key.proto == y->key.proto && netaddr_equal(&x->key.client, &y->key.client) &&
	       netaddr_equal(&x->key.server, &y->key.server);
}

struct flowagg *
flowagg_new(size_t max, uint64_t seed)
{
	struct flowagg *a;
	size_t nb = 1;

	if (max < 1 || max > 1u << 20 || !(a = calloc(1, sizeof(*a))))
		return NULL;
	while (nb < 2 * max)
		nb <<= 1;
	a->seed = seed;
	a->max = max;
	a->mask = (uint32_t)nb - 1;
	if (!(a->buckets = calloc(nb, sizeof(*a->buckets))) ||
	    !(a->aggs = calloc(max, sizeof(*a->aggs)))) {
		flowagg_free(a);
		return NULL;
	}
	return a;
}

void
flowagg_free(struct flowagg *a)
{
	if (!a)
		return;
	free(a->buckets);
	free(a->aggs);
	free(a);
}

bool
flowagg_add(struct flowagg *a, const struct capture_bytes *b)
{
	uint32_t i = (uint32_t)hash(a, b) & a->mask;
	struct capture_bytes *g;

	for (; a->buckets[i]; i = (i + 1) & a->mask) {
		g = &a->aggs[a->buckets[i] - 1];
		if (same(g, b)) {
			if (b->first_us < g->first_us)
				g->first_us = b->first_us;
			if (b->first_mono_us < g->first_mono_us)
				g->first_mono_us = b->first_mono_us;
			if (b->last_us > g->last_us)
				g->last_us = b->last_us;
			g->bytes_up += b->bytes_up;
			g->bytes_down += b->bytes_down;
			g->payload_up += b->payload_up;
			g->payload_down += b->payload_down;
			g->pkts_up += b->pkts_up;
			g->pkts_down += b->pkts_down;
			g->flows++;
			return true;
		}
	}
	if (a->n == a->max)
		return false;
	g = &a->aggs[a->n];
	*g = *b;
	g->key.cport = 0;
	g->why = CAPTURE_FOLDED;
	g->flows = 1;
	a->buckets[i] = (uint32_t)++a->n;
	return true;
}

void
flowagg_drain(struct flowagg *a, void (*emit)(void *arg, const struct capture_bytes *b),
              void *arg)
{
	if (!a->n)
		return;
	for (size_t i = 0; i < a->n; i++)
		emit(arg, &a->aggs[i]);
	a->n = 0;
	memset(a->buckets, 0, ((size_t)a->mask + 1) * sizeof(*a->buckets));
}

size_t
flowagg_count(const struct flowagg *a)
{
	return a->n;
}
