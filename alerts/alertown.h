/* alertown: the alerts the delivery thread raises on its own, from what it sees rather
 * than from a finding: events were lost (the loss counters grew), and the watch week is
 * over (with its verdict). Each check returns the alert's JSON body, which the caller
 * hands to the core thread (CMD_ALERT_ENQUEUE) to be added to the outbox. */
#ifndef OCA_ALERTOWN_H
#define OCA_ALERTOWN_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/clock.h"
#include "common/rules.h"
#include "common/stats.h"

/* What has been told already; the fields are this module's. */
struct alertown {
	int64_t watch_start_conf;  /* from the config; 0 = auto */
	unsigned watch_days;
	uint64_t loss_alerted;     /* loss total already told about */
	int64_t loss_last_us;      /* monotonic, as the two below */
	uint64_t loss_seen;        /* ... and last seen, since when it grew, and when the */
	int64_t loss_grew_us, loss_first_us;   /* burst not told yet began */
	bool watch_end_done;
	int64_t watch_next_check;  /* monotonic */
};

/* Start with nothing told, for a watch of watch_days from watch_start_us (0 = the start
 * recorded in the database, else its first event). */
void alertown_init(struct alertown *o, int64_t watch_start_us, unsigned watch_days);

/* At now: if events were lost since the last loss alert (at most one per 10 minutes),
 * once the burst is over (no loss for 2 s, or 30 s after it began), the loss alert's
 * body with the burst's whole count (the caller frees), else NULL. js is a connection
 * for alertjson. The waits run on now->mono_us; the alert shows now->wall_us. */
char *alertown_loss(struct alertown *o, struct stats *st, sqlite3 *js,
                    const struct clock_now *now);

/* At now: once the watch week is over by now->steady_us (a wall clock stepped forward
 * does not end it early) and no earlier run told about it, the watch-end
 * alert's body (the caller frees) with the report's verdict over the week from db
 * (read-only; NULL = not open yet, try later): its findings, open ones, blind spots
 * and verdict, judged with rules (the collector's [policy] rules now, as `oc-audit
 * report -c` judges; NULL = none; borrowed for the call); the core thread adds the
 * chain's head as it stores it. Else NULL. Looks at db every 10 s at most. */
char *alertown_watch_end(struct alertown *o, sqlite3 *db, sqlite3 *js,
                         const struct rules *rules, const struct clock_now *now);

#endif
