#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ratelimit.h"

#define SLOTS 4096                 /* power of two */
#define PROBE 8

struct bucket {
	struct netaddr addr;       /* any value, the all-zero address too (one shared key) */
	bool used;
	int64_t last_us;
	double tokens;
};

struct ratelimit {
	double rate, burst;
	struct bucket b[SLOTS];
};

struct ratelimit *
ratelimit_new(unsigned rate, unsigned burst)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return NULL;
	rl->rate = rate;
	rl->burst = burst ? burst : 1;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

static uint32_t
addr_hash(const struct netaddr *a)
{
	return hash32_add(HASH32_INIT, a->a, a->family == 6 ? 16 : 4) ^ a->family;
}

bool
ratelimit_allow(struct ratelimit *rl, const struct netaddr *a, int64_t now_us)
{
	uint32_t h = addr_hash(a);
	struct bucket *b = NULL, *oldest = NULL;

	if (rl->rate <= 0)
		return true;
	for (int i = 0; i < PROBE; i++) {
		struct bucket *c = &rl->b[(h + (uint32_t)i) & (SLOTS - 1)];

		if (c->used && netaddr_equal(&c->addr, a)) {
			b = c;
			break;
		}
		if (!oldest || !c->used || (oldest->used && c->last_us < oldest->last_us))
			oldest = c;
	}
	if (!b) {
		b = oldest;
		b->used = true;
		b->addr = *a;
		b->last_us = now_us;
		b->tokens = rl->burst;
	}
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) * rl->rate / 1e6;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
	}
	b->last_us = now_us;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}
