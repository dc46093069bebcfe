/* The counts behind fold.h: one open-addressing table of (kind, level, group) hashes,
 * each with how many findings the group holds. A group's count goes one past
 * FOLD_PER_GROUP once its own folded finding exists, so that finding keeps its events
 * even after the kind is full. Collisions of the keyed 64-bit hash only fold a group
 * early; they never let one grow. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain.h"
#include "common/hash.h"
#include "fold.h"
#include "policy.h"

#define SLOTS 16384                 /* power of two */
#define SLOTS_USED (SLOTS * 3 / 4)  /* past it a new group folds further */
#define NET4_BITS 24
#define NET6_BITS 48

enum shape { SHAPE_NONE, SHAPE_NAMES, SHAPE_ADDRS, SHAPE_PORTS };

struct slot {
	uint64_t h;                     /* 0 = empty */
	uint32_t n;
};

struct fold {
	uint64_t seed;
	size_t used;
	unsigned kind_n[FK__COUNT];
	struct slot slots[SLOTS];
};

static enum shape
shape_of(enum findkind k)
{
	switch (k) {
	case FK_UNEXPECTED_DOMAIN:
		return SHAPE_NAMES;
	case FK_DIRECT_IP:
	case FK_UNEXPECTED_DESTINATION:
	case FK_DNS_BYPASS:
		return SHAPE_ADDRS;
	case FK_UNEXPECTED_PORT:
		return SHAPE_PORTS;
	default:
		return SHAPE_NONE;
	}
}

struct fold *
fold_new(uint64_t seed)
{
	struct fold *f = calloc(1, sizeof(*f));

	if (f)
		f->seed = seed;
	return f;
}

void
fold_free(struct fold *f)
{
	free(f);
}

void
fold_reset(struct fold *f)
{
	uint64_t seed = f->seed;

	memset(f, 0, sizeof(*f));
	f->seed = seed;
}

unsigned
fold_kind_count(const struct fold *f, enum findkind kind)
{
	return kind > FK_NONE && kind < FK__COUNT ? f->kind_n[kind] : 0;
}

/* ------------------------------------------------------------------ groups */

static uint64_t
group_hash(const struct fold *f, enum findkind kind, enum fold_level level, const void *p,
           size_t n)
{
	uint8_t tag[2] = { (uint8_t)kind, (uint8_t)level };
	uint64_t h = hash64_add(HASH64_INIT ^ f->seed, tag, sizeof(tag));

	h = hash64_mix(hash64_add(h, p, n));
	return h ? h : 1;
}

/* The index of h's slot, or of the empty slot where it would go; SLOTS if neither. */
static size_t
slot_find(const struct fold *f, uint64_t h)
{
	size_t i = (size_t)h & (SLOTS - 1);

	for (size_t probes = 0; probes < SLOTS; probes++, i = (i + 1) & (SLOTS - 1))
		if (f->slots[i].h == h || f->slots[i].h == 0)
			return i;
	return SLOTS;
}

/* How many findings a group holds; a group the table has no room for counts as one
 * past full, so what would go into it folds further. */
static uint32_t
group_n(const struct fold *f, uint64_t h)
{
	size_t i = slot_find(f, h);

	if (i < SLOTS && f->slots[i].h == h)
		return f->slots[i].n;
	return f->used >= SLOTS_USED ? FOLD_PER_GROUP + 1 : 0;
}

/* One more finding in group h, and at least at_least. */
static void
group_add(struct fold *f, uint64_t h, uint32_t at_least)
{
	size_t i = slot_find(f, h);
	struct slot *s;

	if (i == SLOTS)
		return;
	s = &f->slots[i];
	if (s->h == 0) {
		if (f->used >= SLOTS_USED)
			return;
		s->h = h;
		f->used++;
	}
	if (++s->n < at_least)
		s->n = at_least;
}

/* The bytes naming an address's group and its network's. */
static size_t
addr_bytes(const struct netaddr *a, uint8_t out[17])
{
	out[0] = a->family;
	memcpy(out + 1, a->a, 16);
	return 17;
}

static struct netaddr
net_of(const struct netaddr *a, int *bits)
{
	struct netaddr n = *a;

	*bits = a->family == 4 ? NET4_BITS : NET6_BITS;
	memset(n.a + *bits / 8, 0, 16 - (size_t)*bits / 8);
	return n;
}

/* The hashes of in's group (and, for addresses, its network). */
static void
groups(const struct fold *f, const struct fold_in *in, enum shape sh, uint64_t *g,
       uint64_t *net)
{
	uint8_t b[17];
	char base[256];
	int bits;

	*g = *net = 0;
	if (sh == SHAPE_NAMES && in->name) {
		domain_base(in->name, base, sizeof(base));
		*g = group_hash(f, in->kind, FOLD_GROUP, base, strlen(base));
	} else if (sh == SHAPE_PORTS && in->name) {
		*g = group_hash(f, in->kind, FOLD_GROUP, in->name, strlen(in->name));
	} else if (sh == SHAPE_ADDRS && in->addr && in->addr->family) {
		struct netaddr n = net_of(in->addr, &bits);

		*g = group_hash(f, in->kind, FOLD_GROUP, b, addr_bytes(in->addr, b));
		*net = group_hash(f, in->kind, FOLD_NET, b, addr_bytes(&n, b));
	}
}

/* ------------------------------------------------------------------ deciding */

static void
group_key(const struct fold_in *in, enum shape sh, struct fold_out *out)
{
	char base[256];

	switch (sh) {
	case SHAPE_NAMES:
		domain_base(in->name, base, sizeof(base));
		snprintf(out->key, sizeof(out->key), "*.%s", base);
		out->domain = out->key;
		out->why = "many names under this registered domain: past the first 8, which "
		           "have findings of their own, every one is counted here";
		break;
	case SHAPE_PORTS:
		snprintf(out->key, sizeof(out->key), "%s *", in->name);
		out->domain = in->name;
		out->why = "many ports of this name: past the first 8, which have findings of "
		           "their own, every one is counted here";
		break;
	default:
		netaddr_format(in->addr, out->addr, sizeof(out->addr));
		snprintf(out->key, sizeof(out->key), in->addr->family == 6 ? "[%s]:*" : "%s:*",
		         out->addr);
		out->ip = out->addr;
		out->why = "many ports of this address: past the first 8, which have findings "
		           "of their own, every one is counted here";
		break;
	}
}

static void
net_key(const struct fold_in *in, struct fold_out *out)
{
	char a[NETADDR_STRLEN];
	int bits;
	struct netaddr n = net_of(in->addr, &bits);

	netaddr_format(&n, a, sizeof(a));
	snprintf(out->addr, sizeof(out->addr), "%s/%d", a, bits);
	snprintf(out->key, sizeof(out->key), n.family == 6 ? "[%s]:*" : "%s:*", out->addr);
	out->ip = out->addr;
	out->why = "many addresses of this network: past the first 8, which have findings "
	           "of their own, every one is counted here";
}

void
fold_decide(const struct fold *f, const struct fold_in *in, struct fold_out *out)
{
	enum shape sh = shape_of(in->kind);
	bool full = fold_kind_count(f, in->kind) >= FOLD_KIND_MAX;
	uint64_t g, net;
	uint32_t n = 0;

	memset(out, 0, sizeof(*out));
	out->level = FOLD_EXACT;
	out->why = "";
	groups(f, in, sh, &g, &net);
	if (g && (n = group_n(f, g)) >= FOLD_PER_GROUP) {
		/* past the group's own: its folded finding, unless that is new and the kind
		 * is full */
		if (n == FOLD_PER_GROUP && full)
			goto kind;
		out->level = FOLD_GROUP;
		group_key(in, sh, out);
		return;
	}
	if (net && n == 0 && (n = group_n(f, net)) >= FOLD_PER_GROUP) {
		/* a new address of a network that has enough of its own */
		if (n == FOLD_PER_GROUP && full)
			goto kind;
		out->level = FOLD_NET;
		net_key(in, out);
		return;
	}
	if (!full) {
		snprintf(out->key, sizeof(out->key), "%s", in->key);
		return;
	}
kind:
	out->level = FOLD_KIND;
	snprintf(out->key, sizeof(out->key), "*");
	out->why = "more than 512 findings of this kind: every new one is counted here";
}

void
fold_note(struct fold *f, const struct fold_in *in, const struct fold_out *out)
{
	enum shape sh = shape_of(in->kind);
	uint64_t g, net;

	if (in->kind <= FK_NONE || in->kind >= FK__COUNT)
		return;
	f->kind_n[in->kind]++;
	groups(f, in, sh, &g, &net);
	switch (out->level) {
	case FOLD_EXACT:
		if (g) {
			/* an address's first finding counts it in its network */
			if (net && group_n(f, g) == 0)
				group_add(f, net, 0);
			group_add(f, g, 0);
		}
		break;
	case FOLD_GROUP:
		if (g)
			group_add(f, g, FOLD_PER_GROUP + 1);
		break;
	case FOLD_NET:
		if (net)
			group_add(f, net, FOLD_PER_GROUP + 1);
		break;
	case FOLD_KIND:
		break;
	}
}

/* ------------------------------------------------------------------ seeding */

static bool
ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), e = strlen(end);

	return n >= e && strcmp(s + n - e, end) == 0;
}

void
fold_seed(struct fold *f, const char *kind, const char *key, const char *ip,
          const char *domain)
{
	struct fold_in in = { .kind = findkind_from_name(kind), .key = key };
	struct fold_out out = { .level = FOLD_EXACT };
	enum shape sh = shape_of(in.kind);
	struct netaddr a;
	struct cidr c;
	char err[8];

	if (in.kind == FK_NONE || !key)
		return;
	if (strcmp(key, "*") == 0) {
		out.level = FOLD_KIND;
	} else if (sh == SHAPE_NAMES) {
		out.level = strncmp(key, "*.", 2) == 0 ? FOLD_GROUP : FOLD_EXACT;
		in.name = out.level == FOLD_GROUP ? key + 2 : key;
	} else if (sh == SHAPE_PORTS) {
		if (!domain)
			return;
		out.level = ends_with(key, " *") ? FOLD_GROUP : FOLD_EXACT;
		in.name = domain;
	} else if (sh == SHAPE_ADDRS) {
		if (!ip)
			return;
		if (strchr(ip, '/')) {
			if (cidr_parse(ip, &c, err, sizeof(err)) < 0)
				return;
			a = c.net;
			out.level = FOLD_NET;
		} else {
			if (netaddr_parse(ip, &a) < 0)
				return;
			out.level = ends_with(key, ":*") ? FOLD_GROUP : FOLD_EXACT;
		}
		in.addr = &a;
	}
	fold_note(f, &in, &out);
}
