#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "common/hash.h"
#include "common/timefmt.h"

#define PROBE 16      /* slots looked at for a name, and for a victim */

struct slot {
	char name[BUDGET_NAMELEN];    /* "" = free */
	int64_t day;
	uint64_t up;
	bool crossed;
};

struct budget {
	uint64_t limit;
	size_t n;
	struct slot s[BUDGET_NAMES];
};

struct budget *
budget_new(uint64_t limit)
{
	struct budget *b = calloc(1, sizeof(*b));

	if (b)
		b->limit = limit;
	return b;
}

void
budget_free(struct budget *b)
{
	free(b);
}

size_t
budget_size(const struct budget *b)
{
	return b->n;
}

static int64_t
day_of(int64_t ts_us)
{
	return ts_us >= 0 ? ts_us / DAY_US : (ts_us - DAY_US + 1) / DAY_US;
}

char *
budget_day(int64_t ts_us, char *buf, size_t len)
{
	time_t t = (time_t)(day_of(ts_us) * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return buf;
}

/* The slot of name on day: found, or taken for it (a free one, one of an earlier day,
 * else the least uploaded today in the probe window; *evicted if that one had bytes). */
static struct slot *
slot_for(struct budget *b, const char *name, int64_t day, bool *evicted)
{
	size_t h = (size_t)hash64_str(name) % BUDGET_NAMES;
	struct slot *victim = NULL;

	for (size_t i = 0; i < PROBE; i++) {
		struct slot *s = &b->s[(h + i) % BUDGET_NAMES];

		if (s->name[0] && strcmp(s->name, name) == 0) {
			if (s->day != day) {
				s->day = day;
				s->up = 0;
				s->crossed = false;
			}
			return s;
		}
		if (!s->name[0]) {
			if (!victim || victim->name[0])
				victim = s;
		} else if (!victim || (victim->name[0] && (s->day < day ? 0 : s->up) <
		                       (victim->day < day ? 0 : victim->up))) {
			victim = s;
		}
	}
	if (!victim->name[0])
		b->n++;
	else if (victim->day == day && victim->up > 0 && evicted)
		*evicted = true;
	snprintf(victim->name, sizeof(victim->name), "%s", name);
	victim->day = day;
	victim->up = 0;
	victim->crossed = false;
	return victim;
}

enum budget_result
budget_add(struct budget *b, const char *name, int64_t ts_us, uint64_t up, uint64_t *total,
           bool *evicted)
{
	struct slot *s;

	if (evicted)
		*evicted = false;
	if (total)
		*total = 0;
	if (b->limit == 0)
		return BUDGET_UNDER;
	s = slot_for(b, name, day_of(ts_us), evicted);
	s->up = up > UINT64_MAX - s->up ? UINT64_MAX : s->up + up;
	if (total)
		*total = s->up;
	if (s->up <= b->limit)
		return BUDGET_UNDER;
	if (s->crossed)
		return BUDGET_OVER;
	s->crossed = true;
	return BUDGET_CROSSED;
}

void
budget_seed(struct budget *b, const char *name, int64_t ts_us, uint64_t up)
{
	struct slot *s;

	if (b->limit == 0)
		return;
	s = slot_for(b, name, day_of(ts_us), NULL);
	s->up = up > UINT64_MAX - s->up ? UINT64_MAX : s->up + up;
	s->crossed = s->up > b->limit;
}

void
budget_unflag(struct budget *b)
{
	for (size_t i = 0; i < BUDGET_NAMES; i++)
		b->s[i].crossed = false;
}
