/* timefmt: times are int64 microseconds since the Unix epoch, UTC, everywhere inside.
 * People and JSON see ISO-8601 UTC. Pure functions except timefmt_now_us. */
#ifndef OCA_TIMEFMT_H
#define OCA_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_ISOLEN 32
#define US_PER_SEC INT64_C(1000000)
#define HOUR_US (INT64_C(3600) * US_PER_SEC)   /* the rollups' unit: hour = ts_us / HOUR_US */
#define DAY_US (INT64_C(86400) * US_PER_SEC)

/* The wall clock, in microseconds. */
int64_t timefmt_now_us(void);

/* "2026-11-29T03:28:42Z" into buf (TIMEFMT_ISOLEN). Returns buf. */
char *timefmt_iso(int64_t us, char *buf, size_t len);

/* Parse ISO-8601: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.frac]]" with "Z", "+HH:MM",
 * "-HH:MM" or nothing (= UTC). Returns 0, or -1 if s is not such a time. */
int timefmt_parse_iso(const char *s, int64_t *us);

/* Parse a duration "90s", "30m", "12h", "7d", "2w" (positive integer + unit).
 * Returns 0, or -1. */
int timefmt_parse_duration(const char *s, int64_t *us);

/* A point in time given either as a duration back from now or as ISO-8601.
 * Returns 0, or -1 (also for a duration reaching back past INT64_MIN). */
int timefmt_parse_when(const char *s, int64_t now_us, int64_t *us);

#endif
