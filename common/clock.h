/* clock: the daemon's three readings of the time.
 *
 * What is stored and shown is the wall clock (CLOCK_REALTIME, UTC). What is scheduled in
 * memory (alert retries and backoff, rate limits, loss alerts, the tunnel detector's hour,
 * pruning, heartbeats, checks) runs on CLOCK_MONOTONIC, which nobody can step. Between
 * the two, for the few decisions that compare a stored wall time with now over days (has
 * the watch week ended, what has left the retention), the steady time: the wall clock as
 * it read at the first reading of this process, carried on by CLOCK_BOOTTIME (monotonic,
 * and counting a suspend). A wall clock stepped forward or back by a day while the
 * collector runs (a bad time server, an operator's typo) then neither ends the watch a
 * day early, nor prunes a day of events inside the retention, nor holds an alert back for
 * a day; the step is followed at the next start. A wall clock that was plainly unset at
 * the first reading (before CLOCK_SANE_US: a host without a battery-backed clock, before
 * NTP) is not taken as the start: the steady time follows the wall clock until it is set. */
#ifndef OCA_CLOCK_H
#define OCA_CLOCK_H

#include <stdint.h>

/* 2025-01-01T00:00:00Z: a wall clock before it has never been set on a host running this. */
#define CLOCK_SANE_US INT64_C(1735689600000000)

struct clock_now {
	int64_t wall_us;     /* CLOCK_REALTIME: stored and shown */
	int64_t mono_us;     /* CLOCK_MONOTONIC (queue_mono_us's): schedules */
	int64_t steady_us;   /* wall-like, steps ignored: see above */
};

/* Read the three now. Thread-safe. */
void clock_read(struct clock_now *now);

/* The steady time alone, in microseconds since the epoch. Thread-safe. */
int64_t clock_steady_us(void);

/* The wall time of a monotonic time `mono_us` (a schedule), as of now: for storing it. */
int64_t clock_wall_of(const struct clock_now *now, int64_t mono_us);

#endif
