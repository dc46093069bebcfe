#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "flowmap.h"

struct entry {
	struct flowkey k;              /* a free slot's has no address: k.client.family 0 */
	int64_t seen_us;
	struct flowinfo info;
};

/* the README's memory table counts 80 bytes an entry */
_Static_assert(sizeof(struct entry) <= 80, "a flow map entry grew");

static bool
used(const struct entry *e)
{
	return e->k.client.family != 0;
}

struct flowmap {
	uint64_t seed;
	size_t n;
	struct entry e[FLOWMAP_SLOTS];
};

struct flowmap *
flowmap_new(uint64_t seed)
{
	struct flowmap *m = calloc(1, sizeof(*m));

	if (m)
		m->seed = seed;
	return m;
}

void
flowmap_free(struct flowmap *m)
{
	free(m);
}

size_t
flowmap_size(const struct flowmap *m)
{
	return m->n;
}

static bool
key_eq(const struct flowkey *a, const struct flowkey *b)
{
	return a->proto == b->proto && a->cport == b->cport && a->sport == b->sport &&
	       netaddr_equal(&a->client, &b->client) && netaddr_equal(&a->server, &b->server);
}

static size_t
home(const struct flowmap *m, const struct flowkey *k)
{
	uint64_t h = hash64_add(HASH64_INIT ^ m->seed, &k->client, sizeof(k->client));

	h = hash64_add(h, &k->server, sizeof(k->server));
	h = hash64_add(h, &k->cport, sizeof(k->cport));
	h = hash64_add(h, &k->sport, sizeof(k->sport));
	h = hash64_add(h, &k->proto, sizeof(k->proto));
	return (size_t)(h % FLOWMAP_SLOTS);
}

static struct entry *
find(struct flowmap *m, const struct flowkey *k)
{
	size_t h = home(m, k);

	for (size_t i = 0; i < FLOWMAP_PROBE; i++) {
		struct entry *e = &m->e[(h + i) % FLOWMAP_SLOTS];

		if (used(e) && key_eq(&e->k, k))
			return e;
	}
	return NULL;
}

struct flowinfo *
flowmap_get(struct flowmap *m, const struct flowkey *k, int64_t now_us)
{
	struct entry *e = find(m, k);

	if (!e)
		return NULL;
	e->seen_us = now_us;
	return &e->info;
}

struct flowinfo *
flowmap_put(struct flowmap *m, const struct flowkey *k, int64_t now_us)
{
	struct entry *e = find(m, k), *victim = NULL;
	size_t h;

	if (e) {
		e->seen_us = now_us;
		return &e->info;
	}
	h = home(m, k);
	for (size_t i = 0; i < FLOWMAP_PROBE; i++) {
		struct entry *c = &m->e[(h + i) % FLOWMAP_SLOTS];

		if (!used(c)) {
			victim = c;
			break;
		}
		if (!victim || c->seen_us < victim->seen_us)
			victim = c;
	}
	if (!used(victim))
		m->n++;
	memset(victim, 0, sizeof(*victim));
	/* the key is copied whole, padding included, so key_eq's fields are all it reads */
	victim->k = *k;
	victim->seen_us = now_us;
	return &victim->info;
}

void
flowmap_del(struct flowmap *m, const struct flowkey *k)
{
	struct entry *e = find(m, k);

	if (e) {
		memset(e, 0, sizeof(*e));
		m->n--;
	}
}

void
flowmap_clear(struct flowmap *m)
{
	memset(m->e, 0, sizeof(m->e));
	m->n = 0;
}
