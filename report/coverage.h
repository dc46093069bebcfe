/* coverage: what each sensor could not see in a window, from what the collector
 * recorded about itself. A sensor is blind
 *   - while no collector ran: between a run's end and the next run's start. A run ends
 *     at its recorded stop; one killed, crashed or cut by a power loss has none, and
 *     ends at its last heartbeat (runs.beat_us) or its last batch of the hash chain,
 *     whichever is later (a batch is committed at least once a minute);
 *   - during a run that did not have it configured (runs.config);
 *   - while the collector found it not working (sensor_events: a state other than "up",
 *     until the next state of that sensor or the end of the run): a missing nftables
 *     rule, an NFLOG silent while DNS answers reached the VM, ...;
 *   - around each burst of lost events it counts (losses: rows less than a minute apart
 *     are one burst; a loss is stored at the commit after it, at most a second later).
 * One table below holds the sensors: a new sensor (capture's, when it stores its
 * events) is one row, and its loss counters name it in common/stats.c. */
#ifndef OCA_COVERAGE_H
#define OCA_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "rows.h"

/* How many sensors there are, and sensor i's name ("nflog", "dns", "capture",
 * "enforce": enforce mode's table, a "sensor" of whether the VM is enforced). */
int coverage_sensors(void);
const char *coverage_sensor_name(int i);

/* Sensor i over [since, until) on db, as of now (a run whose heartbeat is recent is
 * running now): hand what it saw to sensor(arg, s), then each of its blind stretches,
 * clipped to the window, to blind(arg, b) in time order (none when it was not
 * configured). Returns 0, -1 with a reason in err on a database error, or the first
 * non-zero value a callback returned (the callback says why). */
int coverage_sensor(sqlite3 *db, int i, int64_t since, int64_t until, int64_t now,
                    int (*sensor)(void *arg, const struct report_sensor *s),
                    int (*blind)(void *arg, const struct report_blind *b), void *arg,
                    char *err, size_t errlen);

#endif
