/* rollup: an in-memory cache in front of a rollup table (destinations, dns_names,
 * findings). It maps a key to the row id and gathers the counts of the current batch,
 * so an event costs no statement for its rollup; rollup_flush adds them once per batch.
 * The cache is only a cache: after a rollback, or past its cap, it is emptied and rows
 * are found again in the table. */
#ifndef OCA_ROLLUP_H
#define OCA_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct rollup;

/* How the rollup's statements are stepped: step(ctx, st), sqlite3_step's result (the
 * store's, which opens an event's savepoint before a write). */
typedef int rollup_step_fn(void *ctx, sqlite3_stmt *st);

/* add_sql takes ?1 id, ?2 count, ?3 first_us, ?4 last_us and, if it has them, ?5 and
 * ?6 the two sums of rollup_add; hourly_sql (may be NULL) takes ?1 hour, ?2 id, ?3
 * count, ?4 first_us, ?5 last_us and, if it has them, ?6 and ?7 the sums. Statements are
 * prepared on db and stepped by step. The cache holds up to cap keys, and at most 2 MiB
 * of them. Returns NULL with a reason in err. */
struct rollup *rollup_new(sqlite3 *db, rollup_step_fn *step, void *ctx, const char *add_sql,
                          const char *hourly_sql, size_t cap, char *err, size_t errlen);
void rollup_free(struct rollup *r);

/* The row id cached for key, or 0. */
int64_t rollup_find(struct rollup *r, const char *key);

/* Remember key -> id. Returns 0, or -1 on out of memory. May flush and empty the
 * cache first when it is full (then returns -1 only if that flush fails). */
int rollup_remember(struct rollup *r, const char *key, int64_t id);

/* Count one event at ts_us for the row cached under key (which must be remembered).
 * Returns 0, or -1 on a database error. */
int rollup_count(struct rollup *r, const char *key, int64_t ts_us);

/* The same for n events (0 is fine) and two sums to add (bytes up and down), counted in
 * the hour of ts_us and seen from first_us to last_us (a flow's packets in a slot of that
 * hour: the row's first and last seen are theirs, not the slot's start). */
int rollup_add(struct rollup *r, const char *key, int64_t ts_us, int64_t first_us,
               int64_t last_us, int64_t n, int64_t sum1, int64_t sum2);

/* Whether key (which must be remembered) was already seen with this tag (e.g. the id
 * of the event it belongs to, to count a key once per event); marks it seen with tag
 * either way. Forgotten with the cache. */
bool rollup_seen(struct rollup *r, const char *key, int64_t tag);

/* Write the gathered counts. Returns 0, or -1. */
int rollup_flush(struct rollup *r);

/* Forget everything (after a rollback). */
void rollup_clear(struct rollup *r);

/* One event's changes, to undo them if the event is rolled back to its savepoint: from
 * rollup_mark on, the cache journals the state each key had before the event touched
 * it. rollup_undo puts it back and returns 0, or -1 when it cannot (the event touched
 * more keys than the journal holds, or the cache was emptied meanwhile): the caller
 * then rolls back the whole transaction and clears the cache. rollup_unmark ends the
 * event, keeping its changes. */
void rollup_mark(struct rollup *r);
int rollup_undo(struct rollup *r);
void rollup_unmark(struct rollup *r);

#endif
