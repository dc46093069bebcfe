/* metrics: the Prometheus text page of /metrics. What it shows is read into a plain
 * snapshot first (counters, queue, sensors, findings by kind), then rendered by a pure
 * function, so the page's shape is tested without a running collector. Every metric has
 * HELP and TYPE; outcomes are labels of one family (stats.c names them); every label
 * value is one of our own fixed strings, never a byte the VM sent. Private to web/. */
#ifndef OCA_WEB_METRICS_H
#define OCA_WEB_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/findkind.h"
#include "common/stats.h"
#include "wbuf.h"

#define METRICS_MAX_SENSORS 8

struct metrics_sensor {
	const char *name;            /* "nflog", "dns", "capture" (static) */
	bool configured;             /* in the collector's configuration */
	bool up;                     /* configured and seeing everything now (coverage.h) */
	int64_t last_event_us;       /* its newest stored event; 0 = none yet */
};

struct metrics_snapshot {
	uint64_t stat[STAT__COUNT];
	uint64_t queue_depth, queue_high_water;
	int64_t start_us;                        /* when this process started */
	bool db_ok;                              /* the database answered (what follows) */
	int n_sensors;
	struct metrics_sensor sensor[METRICS_MAX_SENSORS];
	int64_t findings[FK__COUNT];             /* rows (distinct kind and key) per kind */
	int64_t findings_open[FK__COUNT];        /* ... not acknowledged */
	int64_t finding_events[FK__COUNT];       /* occurrences: the sum of their counts */
	int64_t alerts_pending;
};

/* Render s as the text exposition format (version 0.0.4) into b. Pure. */
void metrics_render(const struct metrics_snapshot *s, struct wbuf *b);

#endif
