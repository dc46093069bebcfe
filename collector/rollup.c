#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/timefmt.h"
#include "rollup.h"

/* The keys a cache holds, in bytes, whatever its cap in keys: the VM chooses the names
 * that become keys, up to a kilobyte each. */
#define ROLLUP_KEY_BYTES (2u << 20)
#define JOURNAL 16          /* keys one event may touch and still be undone */

struct item {
	char *key;
	int64_t id;
	int64_t hour, count, first, last;   /* pending since the last flush */
	int64_t sum1, sum2;
	int64_t tag;                         /* rollup_seen's, 0 = none */
	bool pending;                        /* something to add at the next flush */
	bool on_dirty;
	struct item *next_dirty;
};

/* A key's state before the marked event first touched it. */
struct saved {
	struct item *it;
	struct item was;             /* was.key unused; a key the event added: id 0 */
};

struct rollup {
	rollup_step_fn *step;
	void *ctx;
	sqlite3_stmt *add, *hourly;
	bool add_sums, hourly_sums;          /* the statements take the two sums */
	struct item **slots;         /* open addressing, at least twice the cap */
	size_t n, cap, mask, key_bytes;
	struct item *dirty;
	bool marked, broken;         /* journaling an event; it cannot be undone */
	size_t n_saved;
	struct saved saved[JOURNAL];
};

/* Before the marked event changes it, remember it (once per event). */
static void
journal(struct rollup *r, struct item *it, bool added)
{
	if (!r->marked || r->broken)
		return;
	for (size_t i = 0; i < r->n_saved; i++)
		if (r->saved[i].it == it)
			return;
	if (r->n_saved == JOURNAL) {
		r->broken = true;
		return;
	}
	r->saved[r->n_saved].it = it;
	r->saved[r->n_saved].was = added ? (struct item){ .id = 0 } : *it;
	r->n_saved++;
}

void
rollup_mark(struct rollup *r)
{
	r->marked = true;
	r->broken = false;
	r->n_saved = 0;
}

void
rollup_unmark(struct rollup *r)
{
	r->marked = false;
	r->n_saved = 0;
}

int
rollup_undo(struct rollup *r)
{
	bool broken = r->broken;

	/* newest first, though each key is journaled once */
	for (size_t i = r->n_saved; !broken && i-- > 0;) {
		struct item *it = r->saved[i].it;
		const struct item *was = &r->saved[i].was;

		/* a key the event added stays, as unknown (id 0: found again in the table);
		 * the dirty list is left as it is: an item not pending writes nothing */
		it->id = was->id;
		it->hour = was->hour;
		it->count = was->count;
		it->sum1 = was->sum1;
		it->sum2 = was->sum2;
		it->pending = was->pending;
		it->first = was->first;
		it->last = was->last;
		it->tag = was->tag;
	}
	rollup_unmark(r);
	return broken ? -1 : 0;
}

struct rollup *
rollup_new(sqlite3 *db, rollup_step_fn *step, void *ctx, const char *add_sql,
           const char *hourly_sql, size_t cap, char *err, size_t errlen)
{
	struct rollup *r = calloc(1, sizeof(*r));
	size_t slots = 2;

	while (slots < 2 * cap)
		slots *= 2;
	if (r) {
		r->step = step;
		r->ctx = ctx;
		r->cap = cap;
		r->mask = slots - 1;
	}
	if (!r || !(r->slots = calloc(slots, sizeof(*r->slots)))) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_prepare_v3(db, add_sql, -1, SQLITE_PREPARE_PERSISTENT, &r->add, NULL) ||
	    (hourly_sql && sqlite3_prepare_v3(db, hourly_sql, -1, SQLITE_PREPARE_PERSISTENT,
	                                      &r->hourly, NULL))) {
		snprintf(err, errlen, "cannot prepare rollup statement: %s", sqlite3_errmsg(db));
		rollup_free(r);
		return NULL;
	}
	r->add_sums = sqlite3_bind_parameter_count(r->add) >= 6;
	r->hourly_sums = r->hourly && sqlite3_bind_parameter_count(r->hourly) >= 7;
	return r;
}

void
rollup_clear(struct rollup *r)
{
	for (size_t i = 0; i <= r->mask; i++) {
		if (r->slots[i]) {
			free(r->slots[i]->key);
			free(r->slots[i]);
			r->slots[i] = NULL;
		}
	}
	r->n = 0;
	r->key_bytes = 0;
	r->dirty = NULL;
	if (r->marked)
		r->broken = true;     /* counts of earlier events went with it */
}

void
rollup_free(struct rollup *r)
{
	if (!r)
		return;
	if (r->slots)
		rollup_clear(r);
	free(r->slots);
	sqlite3_finalize(r->add);
	sqlite3_finalize(r->hourly);
	free(r);
}

static size_t
slot_of(const struct rollup *r, const char *key)
{
	return (size_t)hash64_str(key) & r->mask;
}

static struct item *
lookup(struct rollup *r, const char *key, size_t *slot)
{
	size_t i = slot_of(r, key);
	struct item *it;

	while ((it = r->slots[i])) {
		if (strcmp(it->key, key) == 0)
			break;
		i = (i + 1) & r->mask;
	}
	if (slot)
		*slot = i;
	return it;
}

int64_t
rollup_find(struct rollup *r, const char *key)
{
	struct item *it = lookup(r, key, NULL);

	return it ? it->id : 0;
}

static int
step_done(struct rollup *r, sqlite3_stmt *st)
{
	int rc = r->step(r->ctx, st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
flush_one(struct rollup *r, struct item *it)
{
	if (!it->pending)
		return 0;
	sqlite3_bind_int64(r->add, 1, it->id);
	sqlite3_bind_int64(r->add, 2, it->count);
	sqlite3_bind_int64(r->add, 3, it->first);
	sqlite3_bind_int64(r->add, 4, it->last);
	if (r->add_sums) {
		sqlite3_bind_int64(r->add, 5, it->sum1);
		sqlite3_bind_int64(r->add, 6, it->sum2);
	}
	if (step_done(r, r->add) < 0)
		return -1;
	if (r->hourly) {
		sqlite3_bind_int64(r->hourly, 1, it->hour);
		sqlite3_bind_int64(r->hourly, 2, it->id);
		sqlite3_bind_int64(r->hourly, 3, it->count);
		sqlite3_bind_int64(r->hourly, 4, it->first);
		sqlite3_bind_int64(r->hourly, 5, it->last);
		if (r->hourly_sums) {
			sqlite3_bind_int64(r->hourly, 6, it->sum1);
			sqlite3_bind_int64(r->hourly, 7, it->sum2);
		}
		if (step_done(r, r->hourly) < 0)
			return -1;
	}
	it->count = it->sum1 = it->sum2 = 0;
	it->pending = false;
	return 0;
}

int
rollup_flush(struct rollup *r)
{
	while (r->dirty) {
		struct item *it = r->dirty;

		if (flush_one(r, it) < 0)
			return -1;
		it->on_dirty = false;
		r->dirty = it->next_dirty;
	}
	return 0;
}

int
rollup_remember(struct rollup *r, const char *key, int64_t id)
{
	size_t slot;
	struct item *it = lookup(r, key, &slot);

	if (it) {
		journal(r, it, false);
		it->id = id;
		return 0;
	}
	if (r->n >= r->cap || r->key_bytes + strlen(key) > ROLLUP_KEY_BYTES) {
		if (rollup_flush(r) < 0)
			return -1;
		rollup_clear(r);
		lookup(r, key, &slot);
	}
	if (!(it = calloc(1, sizeof(*it))) || !(it->key = strdup(key))) {
		free(it);
		return -1;
	}
	it->id = id;
	r->slots[slot] = it;
	journal(r, it, true);
	r->n++;
	r->key_bytes += strlen(key);
	return 0;
}

bool
rollup_seen(struct rollup *r, const char *key, int64_t tag)
{
	struct item *it = lookup(r, key, NULL);
	bool seen = it && it->tag == tag;

	if (it) {
		journal(r, it, false);
		it->tag = tag;
	}
	return seen;
}

int
rollup_count(struct rollup *r, const char *key, int64_t ts_us)
{
	return rollup_add(r, key, ts_us, ts_us, ts_us, 1, 0, 0);
}

int
rollup_add(struct rollup *r, const char *key, int64_t ts_us, int64_t first_us,
           int64_t last_us, int64_t n, int64_t sum1, int64_t sum2)
{
	struct item *it = lookup(r, key, NULL);

	if (!it)
		return -1;
	journal(r, it, false);    /* a flush_one below is undone with the savepoint */
	if (it->pending && it->hour != ts_us / HOUR_US && flush_one(r, it) < 0)
		return -1;
	if (!it->pending) {
		it->pending = true;
		it->hour = ts_us / HOUR_US;
		it->first = first_us;
		it->last = last_us;
		if (!it->on_dirty) {
			it->on_dirty = true;
			it->next_dirty = r->dirty;
			r->dirty = it;
		}
	}
	it->count += n;
	it->sum1 += sum1;
	it->sum2 += sum2;
	if (first_us < it->first)
		it->first = first_us;
	if (last_us > it->last)
		it->last = last_us;
	return 0;
}
