/* Chained hash table of (client, ip) entries, each holding up to ATTRIB_MAX_NAMES
 * candidate names. When a pair gets a ninth name, the one that expires first goes. When
 * the table passes its capacity, the older half of the entries (by their newest answer)
 * is dropped in one sweep, so the cost is amortised and memory stays bounded however many
 * names the VM resolves. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "common/hash.h"

struct entry {
	struct entry *next;
	struct netaddr client, ip;
	int64_t newest_us;
	int n;
	struct attrib_cand c[ATTRIB_MAX_NAMES];
};

struct attrib {
	struct entry **slots;
	size_t nslots, n, cap;
};

struct attrib *
attrib_new(size_t cap)
{
	struct attrib *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cap = cap ? cap : 1;
	a->nslots = 1024;
	while (a->nslots < a->cap)
		a->nslots <<= 1;
	if (!(a->slots = calloc(a->nslots, sizeof(*a->slots)))) {
		free(a);
		return NULL;
	}
	return a;
}

static void
entry_free(struct entry *e)
{
	for (int i = 0; i < e->n; i++)
		free((char *)(uintptr_t)e->c[i].name);
	free(e);
}

void
attrib_free(struct attrib *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nslots; i++) {
		struct entry *e = a->slots[i], *next;
		for (; e; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(a->slots);
	free(a);
}

size_t
attrib_size(const struct attrib *a)
{
	return a->n;
}

static size_t
slot_of(const struct attrib *a, const struct netaddr *client, const struct netaddr *ip)
{
	uint64_t h = HASH64_INIT;
	const struct netaddr *both[2] = { client, ip };

	for (int k = 0; k < 2; k++) {
		h = hash64_add(h, &both[k]->family, 1);
		h = hash64_add(h, both[k]->a, both[k]->family == 4 ? 4 : 16);
	}
	return (size_t)h & (a->nslots - 1);
}

static struct entry *
find(const struct attrib *a, const struct netaddr *client, const struct netaddr *ip)
{
	for (struct entry *e = a->slots[slot_of(a, client, ip)]; e; e = e->next)
		if (netaddr_equal(&e->client, client) && netaddr_equal(&e->ip, ip))
			return e;
	return NULL;
}

/* Drop the entries whose newest answer is in the older half of the time span. */
static void
sweep(struct attrib *a)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN, cut;

	for (size_t i = 0; i < a->nslots; i++)
		for (struct entry *e = a->slots[i]; e; e = e->next) {
			if (e->newest_us < lo)
				lo = e->newest_us;
			if (e->newest_us > hi)
				hi = e->newest_us;
		}
	cut = lo + (hi - lo) / 2;
	for (size_t i = 0; i < a->nslots; i++) {
		struct entry **pp = &a->slots[i];
		while (*pp) {
			struct entry *e = *pp;
			/* <= so that a span of one instant still frees something */
			if (e->newest_us <= cut) {
				*pp = e->next;
				entry_free(e);
				a->n--;
			} else {
				pp = &e->next;
			}
		}
	}
}

int
attrib_add(struct attrib *a, const struct netaddr *client, const struct netaddr *ip,
           const char *name, int64_t query_id, int64_t answered_us, uint32_t ttl)
{
	struct entry *e = find(a, client, ip);
	struct attrib_cand *c = NULL;
	char *dup;

	if (!e) {
		if (a->n >= a->cap)
			sweep(a);
		if (!(e = calloc(1, sizeof(*e))))
			return -1;
		e->client = *client;
		e->ip = *ip;
		size_t s = slot_of(a, client, ip);
		e->next = a->slots[s];
		a->slots[s] = e;
		a->n++;
	}
	for (int i = 0; i < e->n && !c; i++)
		if (strcmp(e->c[i].name, name) == 0)
			c = &e->c[i];
	if (!c) {
		if (!(dup = strdup(name)))
			return -1;
		if (e->n < ATTRIB_MAX_NAMES) {
			c = &e->c[e->n++];
		} else {
			/* replace the candidate that expires first */
			c = &e->c[0];
			for (int i = 1; i < e->n; i++)
				if (e->c[i].answered_us + (int64_t)e->c[i].ttl * 1000000 <
				    c->answered_us + (int64_t)c->ttl * 1000000)
					c = &e->c[i];
			free((char *)(uintptr_t)c->name);
		}
		c->name = dup;
	}
	c->query_id = query_id;
	c->answered_us = answered_us;
	c->ttl = ttl;
	if (answered_us > e->newest_us)
		e->newest_us = answered_us;
	return 0;
}

void
attrib_lookup(const struct attrib *a, const struct netaddr *client,
              const struct netaddr *ip, int64_t ts_us, int64_t grace_us,
              struct attrib_result *out)
{
	const struct entry *e = find(a, client, ip);
	int nvalid = 0;

	memset(out, 0, sizeof(*out));
	if (!e || e->n == 0)
		return;
	for (int i = 0; i < e->n; i++) {
		const struct attrib_cand *c = &e->c[i];
		bool valid = ts_us >= c->answered_us - grace_us &&
		             ts_us <= c->answered_us + (int64_t)c->ttl * 1000000 + grace_us;
		if (valid)
			nvalid++;
	}
	out->state = nvalid ? ATTRIB_VALID : ATTRIB_STALE;
	for (int i = 0; i < e->n; i++) {
		struct attrib_cand c = e->c[i];

		c.valid = ts_us >= c.answered_us - grace_us &&
		          ts_us <= c.answered_us + (int64_t)c.ttl * 1000000 + grace_us;
		if (nvalid && !c.valid)
			continue;
		out->c[out->n++] = c;
	}
	/* newest answer first: the name most likely behind this connection */
	for (int i = 1; i < out->n; i++)
		for (int j = i; j > 0 && out->c[j].answered_us > out->c[j - 1].answered_us; j--) {
			struct attrib_cand t = out->c[j];
			out->c[j] = out->c[j - 1];
			out->c[j - 1] = t;
		}
}
