/* /metrics: a snapshot of the counters, the queue, each sensor's coverage and the
 * findings by kind, rendered as Prometheus text. Counters are families with the outcome
 * as a label (stats.c's table), so a monitoring rule reads one name: rate of
 * oc_audit_dns_queries_total{result="refused"}, oc_audit_sensor_up == 0, a finding kind
 * that grows. Losses are also one family by reason, whose sum is every event lost. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/queue.h"
#include "common/timefmt.h"
#include "metrics.h"
#include "report/coverage.h"
#include "webint.h"

static void
head(struct wbuf *b, const char *name, const char *type, const char *help)
{
	wbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
seconds(struct wbuf *b, const char *name, const char *labels, int64_t us)
{
	wbuf_printf(b, "%s%s %lld.%06lld\n", name, labels, (long long)(us / US_PER_SEC),
	            (long long)(us % US_PER_SEC));
}

static void
render_counters(const struct metrics_snapshot *s, struct wbuf *b)
{
	for (const struct stats_family *f = stats_families(); f->name; f++) {
		char name[96];

		snprintf(name, sizeof(name), "oc_audit_%s_total", f->name);
		head(b, name, "counter", f->help);
		for (int i = 0; i < STAT__COUNT; i++) {
			const char *label, *m = stats_metric((enum stat_id)i, &label);

			if (m && strcmp(m, f->name) == 0)
				wbuf_printf(b, "%s%s%s%s %llu\n", name, label ? "{" : "",
				            label ? label : "", label ? "}" : "",
				            (unsigned long long)s->stat[i]);
		}
	}
	head(b, "oc_audit_events_lost_total", "counter", "events the collector knows it did "
	     "not store, by reason (the sum is every event lost since start)");
	for (int i = 0; i < STAT__COUNT; i++)
		if (stats_is_loss((enum stat_id)i))
			wbuf_printf(b, "oc_audit_events_lost_total{reason=\"%s\"} %llu\n",
			            stats_name((enum stat_id)i), (unsigned long long)s->stat[i]);
}

static void
render_sensors(const struct metrics_snapshot *s, struct wbuf *b)
{
	head(b, "oc_audit_sensor_configured", "gauge", "1 when the sensor is configured");
	for (int i = 0; i < s->n_sensors; i++)
		wbuf_printf(b, "oc_audit_sensor_configured{source=\"%s\"} %d\n",
		            s->sensor[i].name, s->sensor[i].configured);
	head(b, "oc_audit_sensor_up", "gauge", "1 when the sensor is configured and sees "
	     "everything now; 0 when it is blind (not configured, its rule missing, silent, "
	     "losing events: the report's coverage says why)");
	for (int i = 0; i < s->n_sensors; i++)
		wbuf_printf(b, "oc_audit_sensor_up{source=\"%s\"} %d\n", s->sensor[i].name,
		            s->sensor[i].configured && s->sensor[i].up);
	head(b, "oc_audit_last_event_timestamp_seconds", "gauge", "time of the newest event "
	     "stored from the sensor (absent: none yet)");
	for (int i = 0; i < s->n_sensors; i++) {
		char label[64];

		snprintf(label, sizeof(label), "{source=\"%s\"}", s->sensor[i].name);
		if (s->sensor[i].last_event_us > 0)
			seconds(b, "oc_audit_last_event_timestamp_seconds", label,
			        s->sensor[i].last_event_us);
	}
}

static void
render_findings(const struct metrics_snapshot *s, struct wbuf *b)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} fam[] = {
		{ "oc_audit_findings", "gauge", "findings in the database by kind (one per kind "
		  "and domain or address)", offsetof(struct metrics_snapshot, findings) },
		{ "oc_audit_findings_open", "gauge", "findings not acknowledged, by kind",
		  offsetof(struct metrics_snapshot, findings_open) },
		{ "oc_audit_finding_events_total", "counter", "events that made or grew a "
		  "finding, by kind", offsetof(struct metrics_snapshot, finding_events) },
	};

	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		const int64_t *v = (const int64_t *)(const void *)((const char *)s + fam[f].off);

		head(b, fam[f].name, fam[f].type, fam[f].help);
		for (int k = 1; k < FK__COUNT; k++)
			wbuf_printf(b, "%s{kind=\"%s\"} %lld\n", fam[f].name,
			            findkind_name((enum findkind)k), (long long)v[k]);
	}
	head(b, "oc_audit_alerts_pending", "gauge", "alerts waiting for delivery");
	wbuf_printf(b, "oc_audit_alerts_pending %lld\n", (long long)s->alerts_pending);
}

void
metrics_render(const struct metrics_snapshot *s, struct wbuf *b)
{
	head(b, "oc_audit_build_info", "gauge", "the oc-audit that runs: its version and "
	     "the schema version it writes (value 1)");
	wbuf_printf(b, "oc_audit_build_info{version=\"%s\",schema=\"%d\"} 1\n",
	            PACKAGE_VERSION, db_schema_version());
	head(b, "process_start_time_seconds", "gauge", "start time of the collector process "
	     "since the Unix epoch, in seconds");
	seconds(b, "process_start_time_seconds", "", s->start_us);
	render_counters(s, b);
	head(b, "oc_audit_queue_depth", "gauge", "events waiting for the database writer");
	wbuf_printf(b, "oc_audit_queue_depth %llu\n", (unsigned long long)s->queue_depth);
	head(b, "oc_audit_queue_high_water", "gauge", "the most events that ever waited for "
	     "the database writer at once");
	wbuf_printf(b, "oc_audit_queue_high_water %llu\n",
	            (unsigned long long)s->queue_high_water);
	head(b, "oc_audit_database_up", "gauge", "1 when the database answered this scrape "
	     "(the sensor and finding metrics below come from it)");
	wbuf_printf(b, "oc_audit_database_up %d\n", s->db_ok);
	if (!s->db_ok)
		return;
	render_sensors(s, b);
	render_findings(s, b);
}

/* Snapshot callbacks of coverage_sensor: what the sensor is, not its blind stretches. */
static int
snap_sensor(void *arg, const struct report_sensor *rs)
{
	struct metrics_sensor *m = arg;

	m->configured = rs->configured;
	m->up = rs->up;
	m->last_event_us = rs->last_event_us;
	return 0;
}

static int
snap_blind(void *arg, const struct report_blind *b)
{
	(void)arg;
	(void)b;
	return 0;
}

static int
snap_db(sqlite3 *db, int64_t now, struct metrics_snapshot *s)
{
	char err[256];
	sqlite3_stmt *st;
	int rc;

	for (int i = 0; i < coverage_sensors() && i < METRICS_MAX_SENSORS; i++) {
		struct metrics_sensor *m = &s->sensor[s->n_sensors++];

		m->name = coverage_sensor_name(i);
		/* "now": the last second, so a blind stretch going on now makes it down */
		if (coverage_sensor(db, i, now - US_PER_SEC, now + 1, now, snap_sensor, snap_blind,
		                    m, err, sizeof(err)) != 0)
			return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT kind, count(*), count(*) FILTER (WHERE "
	                       DB_ACKED_SQL " IS NULL), sum(count) FROM findings GROUP BY kind", -1, &st,
	                       NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		enum findkind k = kind ? findkind_from_name(kind) : FK_NONE;

		if (k == FK_NONE)
			continue;
		s->findings[k] = sqlite3_column_int64(st, 1);
		s->findings_open[k] = sqlite3_column_int64(st, 2);
		s->finding_events[k] = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	s->alerts_pending = db_int(db, "SELECT count(*) FROM alert_outbox WHERE delivered_us "
	                           "IS NULL", -1);
	return s->alerts_pending < 0 ? -1 : 0;
}

void
api_metrics(struct web *w, sqlite3 *db, struct web_reply *r)
{
	struct metrics_snapshot s = { .start_us = w->start_us };
	int64_t now = timefmt_now_us();

	for (int i = 0; i < STAT__COUNT; i++)
		s.stat[i] = stats_get(w->st, (enum stat_id)i);
	s.queue_depth = queue_depth(w->q);
	s.queue_high_water = queue_high_water(w->q);
	/* a read transaction: every number of the database from one moment */
	s.db_ok = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
	          snap_db(db, now, &s) == 0;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	r->status = 200;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(&s, &r->body);
}
