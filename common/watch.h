/* watch: the watch week, decided in one place. The week starts at watch_start when it
 * is configured, else at the start the collector stored when it saw its first event,
 * else (nothing stored yet) at the first event itself; it lasts watch_days days, and
 * day 1 is its first 24 hours. The collector, the report, the dashboard and the
 * watch-end alert all ask watch_decide. */
#ifndef OCA_WATCH_H
#define OCA_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct watch_in {
	int64_t configured_us;   /* [policy] watch_start; 0 = auto */
	int64_t stored_us;       /* the start the collector stored; 0 = none */
	int64_t first_event_us;  /* the earliest event stored (or being stored); 0 = none */
	unsigned days;           /* [policy] watch_days */
	int64_t now_us;          /* the instant asked about */
};

struct watch {
	int64_t start_us;        /* 0 = not started: nothing configured, no event yet */
	int64_t end_us;          /* start + days (exclusive); 0 when not started */
	int64_t day;             /* the day now falls in, from 1; past days once it ended;
	                            0 before the start or when not started */
	bool ended;              /* now is at or past the end */
};

/* Decide the week for in. Pure. */
void watch_decide(const struct watch_in *in, struct watch *out);

/* Fill in's stored_us and first_event_us from db (any handle, read-only is fine), as
 * far as they are needed: nothing when a start is configured, the first event only
 * when no start is stored. Returns 0, or -1 on a database error (both left 0). */
int watch_read(sqlite3 *db, struct watch_in *in);

#endif
