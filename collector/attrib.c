/* Two chained hash tables, keyed with a seed the VM does not know: (client, ip) entries,
 * each with up to ATTRIB_MAX_NAMES candidates, and the interned names they point to
 * (reference counted: a flood of one long name over many addresses costs the name once).
 *
 * Every block is counted in bytes (with what malloc adds to it). When an add takes the
 * total past the budget, one sweep brings it down to 7/8 of it: first the entries whose
 * every answer expired, those that expired longest ago first; then, if that was not
 * enough, the entries answered least recently. The sweep costs a few passes over the
 * table and frees an eighth of the budget, so its cost is amortised over the adds that
 * filled that eighth. A chain is never longer than CHAIN_MAX: a full one gives up its
 * entry that expires first, and a name whose chain is full is kept as a private copy, so
 * no lookup walks far even if the VM found colliding keys. Evicted pairs set a bit in a
 * bitmap that is never cleared: a lookup that finds nothing says whether an answer for
 * it may have been evicted (false positives, never false negatives). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "common/hash.h"

#define OVH 16                 /* what malloc adds to each block it hands out */
#define CHAIN_MAX 16
#define BUCKETS 64             /* of the histogram a sweep cuts by */

struct iname {
	struct iname *next;
	uint64_t hash;
	uint32_t refs;
	bool interned;             /* in the names table (else a private copy) */
	size_t len;
	char s[];
};

struct cand {
	struct iname *name;
	int64_t query_id, answered_us;
	uint32_t ttl;
};

struct entry {
	struct entry *next;
	struct cand *c;
	int64_t newest_us;         /* the latest answer */
	int64_t expires_us;        /* when the last of its answers expires (grace included) */
	struct netaddr client, ip;
	uint8_t n, cap;
};

struct attrib {
	struct entry **slots;
	struct iname **names;
	uint8_t *evicted;          /* bitmap of evicted (client, ip) hashes */
	size_t nslots, nnames, nbits;
	size_t n, bytes, budget;
	int64_t grace_us;
	uint64_t seed, evictions;
};

static size_t
pow2_at_least(size_t v, size_t min)
{
	size_t p = min;

	while (p < v)
		p <<= 1;
	return p;
}

struct attrib *
attrib_new(size_t budget, int64_t grace_us, uint64_t seed)
{
	struct attrib *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->budget = budget < ATTRIB_MIN_BUDGET ? ATTRIB_MIN_BUDGET : budget;
	a->grace_us = grace_us;
	a->seed = seed;
	/* about one slot per kilobyte of budget: chains stay short at any fill */
	a->nslots = pow2_at_least(a->budget / 1024, 64);
	a->nnames = a->nslots;
	a->nbits = pow2_at_least(a->budget / 8, 4096);
	a->slots = calloc(a->nslots, sizeof(*a->slots));
	a->names = calloc(a->nnames, sizeof(*a->names));
	a->evicted = calloc(a->nbits / 8, 1);
	if (!a->slots || !a->names || !a->evicted) {
		attrib_free(a);
		return NULL;
	}
	a->bytes = (a->nslots + a->nnames) * sizeof(void *) + a->nbits / 8 + 3 * OVH;
	return a;
}

size_t
attrib_size(const struct attrib *a)
{
	return a->n;
}

size_t
attrib_bytes(const struct attrib *a)
{
	return a->bytes;
}

uint64_t
attrib_evictions(const struct attrib *a)
{
	return a->evictions;
}

/* ------------------------------------------------------------------ hashing */

static uint64_t
mix(uint64_t h)
{
	/* FNV's low bits depend on the low bits of its input only: fold the high ones in */
	h ^= h >> 31;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 29);
}

static uint64_t
pair_hash(const struct attrib *a, const struct netaddr *client, const struct netaddr *ip)
{
	uint64_t h = HASH64_INIT ^ a->seed;
	const struct netaddr *both[2] = { client, ip };

	for (int k = 0; k < 2; k++) {
		h = hash64_add(h, &both[k]->family, 1);
		h = hash64_add(h, both[k]->a, both[k]->family == 4 ? 4 : 16);
	}
	return mix(h);
}

static uint64_t
name_hash(const struct attrib *a, const char *s, size_t len)
{
	return mix(hash64_add(HASH64_INIT ^ a->seed, s, len));
}

static void
mark_evicted(struct attrib *a, uint64_t h)
{
	size_t bit = (size_t)(h >> 20) & (a->nbits - 1);

	a->evicted[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static bool
was_evicted(const struct attrib *a, uint64_t h)
{
	size_t bit = (size_t)(h >> 20) & (a->nbits - 1);

	return a->evicted[bit / 8] & (1u << (bit % 8));
}

/* ------------------------------------------------------------------ names */

static size_t
name_cost(size_t len)
{
	return sizeof(struct iname) + len + 1 + OVH;
}

/* A reference to name: the interned copy, a new one, or a private copy when its chain
 * is full. NULL on out of memory. */
static struct iname *
name_get(struct attrib *a, const char *s)
{
	size_t len = strlen(s), depth = 0;
	uint64_t h = name_hash(a, s, len);
	struct iname **slot = &a->names[h & (a->nnames - 1)], *n;

	for (n = *slot; n; n = n->next, depth++) {
		if (n->hash == h && n->len == len && memcmp(n->s, s, len) == 0) {
			n->refs++;
			return n;
		}
	}
	if (!(n = malloc(sizeof(*n) + len + 1)))
		return NULL;
	n->hash = h;
	n->refs = 1;
	n->len = len;
	memcpy(n->s, s, len + 1);
	n->interned = depth < CHAIN_MAX;
	n->next = NULL;
	if (n->interned) {
		n->next = *slot;
		*slot = n;
	}
	a->bytes += name_cost(len);
	return n;
}

static void
name_put(struct attrib *a, struct iname *n)
{
	if (--n->refs > 0)
		return;
	if (n->interned) {
		struct iname **pp = &a->names[n->hash & (a->nnames - 1)];

		while (*pp != n)
			pp = &(*pp)->next;
		*pp = n->next;
	}
	a->bytes -= name_cost(n->len);
	free(n);
}

/* ------------------------------------------------------------------ entries */

static size_t
entry_cost(const struct entry *e)
{
	return sizeof(*e) + OVH + (e->cap ? e->cap * sizeof(struct cand) + OVH : 0);
}

/* What freeing e would give back: itself and its share of its names. */
static size_t
entry_weight(const struct entry *e)
{
	size_t w = entry_cost(e);

	for (int i = 0; i < e->n; i++)
		w += name_cost(e->c[i].name->len) / e->c[i].name->refs;
	return w;
}

static int64_t
cand_expires(const struct attrib *a, const struct cand *c)
{
	return c->answered_us + (int64_t)c->ttl * 1000000 + a->grace_us;
}

static void
entry_times(const struct attrib *a, struct entry *e)
{
	e->newest_us = INT64_MIN;
	e->expires_us = INT64_MIN;
	for (int i = 0; i < e->n; i++) {
		if (e->c[i].answered_us > e->newest_us)
			e->newest_us = e->c[i].answered_us;
		if (cand_expires(a, &e->c[i]) > e->expires_us)
			e->expires_us = cand_expires(a, &e->c[i]);
	}
}

/* Unlink *pp from its chain and free it, counting an eviction if it is one. */
static void
entry_drop(struct attrib *a, struct entry **pp, bool eviction)
{
	struct entry *e = *pp;

	*pp = e->next;
	if (eviction) {
		mark_evicted(a, pair_hash(a, &e->client, &e->ip));
		a->evictions++;
	}
	for (int i = 0; i < e->n; i++)
		name_put(a, e->c[i].name);
	a->bytes -= entry_cost(e);
	a->n--;
	free(e->c);
	free(e);
}

void
attrib_free(struct attrib *a)
{
	if (!a)
		return;
	for (size_t i = 0; a->slots && i < a->nslots; i++)
		while (a->slots[i])
			entry_drop(a, &a->slots[i], false);
	free(a->slots);
	free(a->names);
	free(a->evicted);
	free(a);
}

/* ------------------------------------------------------------------ the sweep */

/* The key an entry is evicted by in a phase: its expiry among the expired ones (phase
 * 0; INT64_MAX = not expired, not a candidate), its latest answer (phase 1). */
static int64_t
sweep_key(const struct entry *e, int phase, int64_t now)
{
	if (phase == 0)
		return e->expires_us < now ? e->expires_us : INT64_MAX;
	return e->newest_us;
}

/* Evict the candidates of a phase with the smallest keys until the map is down to
 * target (or the phase has none left). keep is never evicted. */
static void
sweep_phase(struct attrib *a, int phase, int64_t now, size_t target, const struct entry *keep)
{
	while (a->bytes > target) {
		int64_t lo = INT64_MAX, hi = INT64_MIN, width, cut;
		size_t hist[BUCKETS] = { 0 }, need = a->bytes - target, sum = 0;
		int b;

		for (size_t i = 0; i < a->nslots; i++)
			for (struct entry *e = a->slots[i]; e; e = e->next) {
				int64_t k = sweep_key(e, phase, now);

				if (e == keep || k == INT64_MAX)
					continue;
				lo = k < lo ? k : lo;
				hi = k > hi ? k : hi;
			}
		if (lo == INT64_MAX)
			return;
		width = (int64_t)(((uint64_t)hi - (uint64_t)lo) / BUCKETS) + 1;
		for (size_t i = 0; i < a->nslots; i++)
			for (struct entry *e = a->slots[i]; e; e = e->next) {
				int64_t k = sweep_key(e, phase, now);

				if (e != keep && k != INT64_MAX)
					hist[(k - lo) / width] += entry_weight(e);
			}
		for (b = 0; b < BUCKETS - 1 && (sum += hist[b]) < need; b++)
			;
		cut = lo + (int64_t)(b + 1) * width;   /* evict keys below cut */
		for (size_t i = 0; i < a->nslots; i++) {
			struct entry **pp = &a->slots[i];

			while (*pp) {
				int64_t k = sweep_key(*pp, phase, now);

				if (*pp != keep && k != INT64_MAX && k - lo < cut - lo)
					entry_drop(a, pp, true);
				else
					pp = &(*pp)->next;
			}
		}
	}
}

static void
sweep(struct attrib *a, int64_t now, const struct entry *keep)
{
	size_t target = a->budget - a->budget / 8;

	sweep_phase(a, 0, now, target, keep);
	sweep_phase(a, 1, now, target, keep);
}

/* ------------------------------------------------------------------ add, lookup */

static struct entry *
find(const struct attrib *a, const struct netaddr *client, const struct netaddr *ip,
     struct entry ***slot_out, size_t *depth)
{
	struct entry **slot = &a->slots[pair_hash(a, client, ip) & (a->nslots - 1)];

	if (slot_out)
		*slot_out = slot;
	if (depth)
		*depth = 0;
	for (struct entry *e = *slot; e; e = e->next) {
		if (netaddr_equal(&e->client, client) && netaddr_equal(&e->ip, ip))
			return e;
		if (depth)
			(*depth)++;
	}
	return NULL;
}

/* A full chain gives up its entry that expires first. */
static void
chain_make_room(struct attrib *a, struct entry **slot)
{
	struct entry **victim = slot;

	for (struct entry **pp = slot; *pp; pp = &(*pp)->next)
		if ((*pp)->expires_us < (*victim)->expires_us)
			victim = pp;
	entry_drop(a, victim, true);
}

int
attrib_add(struct attrib *a, const struct netaddr *client, const struct netaddr *ip,
           const char *name, int64_t query_id, int64_t answered_us, uint32_t ttl)
{
	struct entry **slot, *e;
	struct cand *c = NULL;
	struct iname *nm;
	size_t depth;

	if (!(e = find(a, client, ip, &slot, &depth))) {
		if (depth >= CHAIN_MAX)
			chain_make_room(a, slot);
		if (!(e = calloc(1, sizeof(*e))))
			return -1;
		e->client = *client;
		e->ip = *ip;
		e->next = *slot;
		*slot = e;
		a->n++;
		a->bytes += entry_cost(e);
	}
	for (int i = 0; i < e->n && !c; i++)
		if (strcmp(e->c[i].name->s, name) == 0)
			c = &e->c[i];
	if (!c) {
		if (!(nm = name_get(a, name)))
			goto oom;
		if (e->n < e->cap) {
			c = &e->c[e->n++];
		} else if (e->cap < ATTRIB_MAX_NAMES) {
			uint8_t cap = e->cap ? (uint8_t)(e->cap * 2) : 1;
			struct cand *nc = realloc(e->c, cap * sizeof(*nc));

			if (!nc) {
				name_put(a, nm);
				goto oom;
			}
			a->bytes -= entry_cost(e);
			e->c = nc;
			e->cap = cap;
			a->bytes += entry_cost(e);
			c = &e->c[e->n++];
		} else {
			/* a ninth name: replace the candidate that expires first */
			c = &e->c[0];
			for (int i = 1; i < e->n; i++)
				if (cand_expires(a, &e->c[i]) < cand_expires(a, c))
					c = &e->c[i];
			name_put(a, c->name);
		}
		c->name = nm;
	}
	c->query_id = query_id;
	c->answered_us = answered_us;
	c->ttl = ttl;
	entry_times(a, e);
	if (a->bytes > a->budget)
		sweep(a, answered_us, e);
	return 0;
oom:
	if (e->n == 0)          /* made just now, at the head of its chain */
		entry_drop(a, slot, false);
	return -1;
}

void
attrib_lookup(const struct attrib *a, const struct netaddr *client,
              const struct netaddr *ip, int64_t ts_us, int64_t grace_us,
              struct attrib_result *out)
{
	const struct entry *e = find(a, client, ip, NULL, NULL);
	int nvalid = 0;

	memset(out, 0, sizeof(*out));
	if (!e || e->n == 0) {
		out->evicted = a->evictions > 0 && was_evicted(a, pair_hash(a, client, ip));
		return;
	}
	for (int i = 0; i < e->n; i++) {
		const struct cand *c = &e->c[i];
		struct attrib_cand *o = &out->c[i];

		o->name = c->name->s;
		o->query_id = c->query_id;
		o->answered_us = c->answered_us;
		o->ttl = c->ttl;
		o->valid = ts_us >= c->answered_us - grace_us &&
		           ts_us <= c->answered_us + (int64_t)c->ttl * 1000000 + grace_us;
		nvalid += o->valid;
	}
	out->state = nvalid ? ATTRIB_VALID : ATTRIB_STALE;
	for (int i = 0; i < e->n; i++)
		if (!nvalid || out->c[i].valid)
			out->c[out->n++] = out->c[i];
	/* newest answer first: the name most likely behind this connection */
	for (int i = 1; i < out->n; i++)
		for (int j = i; j > 0 && out->c[j].answered_us > out->c[j - 1].answered_us; j--) {
			struct attrib_cand t = out->c[j];
			out->c[j] = out->c[j - 1];
			out->c[j - 1] = t;
		}
}
