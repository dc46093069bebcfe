/* Coverage and the verdict over planted runs, sensor states and losses: every kind of
 * blind stretch, clipped to the window and in order; a run killed without a stop ends
 * at its last batch; a sensor off in one run; the verdict CLEAN only with nothing of
 * that, FINDINGS over it, INCOMPLETE otherwise. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/timefmt.h"
#include "report/coverage.h"
#include "report/report.h"
#include "tap.h"

/* 2026-11-29T00:00:00Z */
static const long long T0 = 1795910400LL * 1000000;
#define H (3600 * US_PER_SEC)
#define M (60 * US_PER_SEC)

struct got {
	char lines[4096];
	int sensors;
	struct report_sensor last;
};

static int
on_sensor(void *arg, const struct report_sensor *s)
{
	struct got *g = arg;

	g->sensors++;
	g->last = *s;
	return 0;
}

static int
on_blind(void *arg, const struct report_blind *b)
{
	struct got *g = arg;
	size_t n = strlen(g->lines);

	snprintf(g->lines + n, sizeof(g->lines) - n, "%lld..%lld %s %lld|",
	         (long long)((b->from_us - T0) / M), (long long)((b->to_us - T0) / M), b->reason,
	         (long long)b->lost);
	return 0;
}

static void __attribute__((format(printf, 2, 3)))
run_sql(sqlite3 *db, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
}

static struct got
cover(sqlite3 *db, int sensor)
{
	struct got g = { .sensors = 0 };
	char err[256];

	if (coverage_sensor(db, sensor, T0 - 12 * H, T0, T0, on_sensor, on_blind, &g, err,
	                    sizeof(err)) != 0)
		printf("# %s\n", err);
	return g;
}

int
main(void)
{
	char dir[] = "/tmp/oca-cov.XXXXXX", path[128], err[256], cmd[160];
	struct report_opts o = { .since_us = T0 - 12 * H, .until_us = T0, .watch_days = 7,
	                         .now_us = T0 };
	struct report_summary sum;
	sqlite3 *db;
	struct got g;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/cov.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "a database");
	if (!db)
		return done_testing();
	is_int(coverage_sensors(), 4, "four sensors");
	is_str(coverage_sensor_name(0), "nflog", "NFLOG first");

	/* nothing ran at all: every configured sensor blind for the whole window */
	g = cover(db, 0);
	is_str(g.lines, "-720..0 not-running 0|", "no run: blind throughout");
	ok(g.last.configured && !g.last.up, "NFLOG counts as configured, and not up");
	g = cover(db, 2);
	ok(g.sensors == 1 && !g.last.configured && !*g.lines, "capture: not configured, no gap");

	/* four runs: stopped; killed (its last batch after its last heartbeat); the
	 * resolver off; running now (a heartbeat 10 s ago) */
	run_sql(db, "INSERT INTO runs(id, started_us, stopped_us, version, config) VALUES"
	        "(1, %lld, %lld, 'x', json_object('nflog_group', 7, 'dns', '192.168.83.1:53', "
	        "'capture', ''))", T0 - 10 * H, T0 - 8 * H);
	run_sql(db, "INSERT INTO runs(id, started_us, version, config, beat_us) VALUES"
	        "(2, %lld, 'x', (SELECT config FROM runs WHERE id = 1), %lld)", T0 - 7 * H,
	        T0 - 6 * H);
	run_sql(db, "INSERT INTO batches(id, run_id, committed_us, form, conn_last, query_last, "
	        "answer_last, finding_last, loss_last, sensor_last, raw, hash) VALUES"
	        "(1, 2, %lld, 2, 0, 0, 0, 0, 0, 0, x'', x'')", T0 - 5 * H - 30 * M);
	run_sql(db, "INSERT INTO runs(id, started_us, stopped_us, version, config) VALUES"
	        "(3, %lld, %lld, 'x', json_object('nflog_group', 7, 'dns', '', 'capture', ''))",
	        T0 - 5 * H, T0 - 3 * H);
	run_sql(db, "INSERT INTO runs(id, started_us, version, config, beat_us) VALUES"
	        "(4, %lld, 'x', (SELECT config FROM runs WHERE id = 1), %lld)", T0 - 2 * H,
	        T0 - 10 * US_PER_SEC);
	/* the NFLOG rule missing for half an hour; losses: one burst of two counters half
	 * a minute apart, and the resolver's rate limit later */
	run_sql(db, "INSERT INTO sensor_events(ts_us, run_id, source, state, detail) VALUES"
	        "(%lld, 4, 'nflog', 'rule-missing', 'no rule'), (%lld, 4, 'nflog', 'up', 'ok'),"
	        "(%lld, 4, 'dns', 'up', 'ok')", T0 - 90 * M, T0 - 60 * M, T0 - 100 * M);
	run_sql(db, "INSERT INTO losses(ts_us, source, count) VALUES (%lld, 'queue_full', 5),"
	        "(%lld, 'nflog_gap', 2), (%lld, 'dns_rate_limited', 3)", T0 - 50 * M,
	        T0 - 50 * M + 30 * US_PER_SEC, T0 - 10 * M);

	g = cover(db, 0);
	is_str(g.lines, "-720..-600 not-running 0|-480..-420 not-running 0|"
	       "-330..-300 not-running 0|-180..-120 not-running 0|-90..-60 rule-missing 0|"
	       "-50..-49 loss 7|",
	       "NFLOG: before the first run, a stop, a kill after its last batch, a stop, the "
	       "rule missing, a loss burst");
	ok(g.last.configured && g.last.up, "NFLOG up at the end (the last run beats)");
	g = cover(db, 1);
	is_str(g.lines, "-720..-600 not-running 0|-480..-420 not-running 0|"
	       "-330..-300 not-running 0|-300..-180 not-configured 0|-180..-120 not-running 0|"
	       "-50..-50 loss 5|-10..-10 loss 3|",
	       "DNS: the same stops, the run without it, the queue's loss and its own");
	g = cover(db, 2);
	ok(!g.last.configured && !*g.lines, "capture still not configured");

	/* the verdict */
	is_int(report_summary(db, &o, &sum, err, sizeof(err)), 0, "summary");
	is_str(report_verdict_name(sum.verdict), "INCOMPLETE", "blind spots: INCOMPLETE");
	is_int(sum.blind_spots, 13, "every stretch counted");
	is_int(sum.events_lost, 10, "and the losses");
	ok(strncmp(sum.blind, "nflog not-running 2026-11-28T12:00:00Z..2026-11-28T14:00:00Z; ",
	           62) == 0, "the first blind spots named (%s)", sum.blind);

	/* a window the last run saw whole, with nothing lost: CLEAN, then FINDINGS */
	o.since_us = T0 - 40 * M;
	o.until_us = T0 - 20 * M;
	is_int(report_summary(db, &o, &sum, err, sizeof(err)), 0, "summary of 20 minutes");
	is_str(report_verdict_name(sum.verdict), "CLEAN", "nothing missed: CLEAN");
	run_sql(db, "INSERT INTO findings(kind, key, first_us, last_us, detail) VALUES"
	        "('direct-ip', 'k', %lld, %lld, 'd')", T0 - 30 * M, T0 - 30 * M);
	report_summary(db, &o, &sum, err, sizeof(err));
	is_str(report_verdict_name(sum.verdict), "FINDINGS", "a finding: FINDINGS");
	is_int(sum.open_findings, 1, "open");
	/* a sensor finding is the audit's own blind spot: neither of the verdict's counts
	 * takes it in (report_finding_counts), in the text report as in the summary */
	run_sql(db, "INSERT INTO findings(kind, key, first_us, last_us, detail) VALUES"
	        "('sensor', 'nflog', %lld, %lld, 'd')", T0 - 30 * M, T0 - 30 * M);
	report_summary(db, &o, &sum, err, sizeof(err));
	is_int(sum.open_findings, 1, "a sensor finding too: one open, as the verdict counts");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		is_int(report_write(db, &o, REPORT_TEXT, f, err, sizeof(err)), 0, "text report");
		fclose(f);
		ok(buf && strstr(buf, "\nVerdict: 1 FINDING (1 unacknowledged).\n") != NULL,
		   "its verdict: one finding, one unacknowledged");
		ok(buf && strstr(buf, "Totals: 0 connections, 0 DNS queries, 2 findings") != NULL,
		   "its totals: every finding");
		free(buf);
	}
	o.since_us = T0 - 55 * M;
	report_summary(db, &o, &sum, err, sizeof(err));
	ok(sum.verdict == REPORT_FINDINGS && sum.blind_spots == 2,
	   "FINDINGS with blind spots too (%lld)", (long long)sum.blind_spots);
	/* the last run stopped beating long ago: it is not running now */
	o.now_us = T0 + 2 * H;
	o.since_us = T0 - 20 * M;
	o.until_us = T0 + H;
	report_summary(db, &o, &sum, err, sizeof(err));
	ok(sum.blind_spots >= 1 && strstr(sum.blind, "not-running 2026-11-28T23:59:50Z..") != NULL,
	   "a run whose heartbeat stopped: blind from its last sign (%s)", sum.blind);

	/* the capture's last event: a hello, or a byte record's last packet before the
	 * window's end (a flow still going at the end counts by its first packet) */
	is_int(cover(db, 2).last.last_event_us, 0, "capture: no event yet");
	run_sql(db, "INSERT INTO hellos(ts_us, kind, family, proto, client, cport, server, sport,"
	        " dest_id) VALUES(%lld, 'tls', 4, 6, '192.168.83.2', 40000, '198.51.100.3', 443,"
	        " 1)", (long long)(T0 - 2 * H));
	is_int(cover(db, 2).last.last_event_us, T0 - 2 * H, "capture: the hello");
	run_sql(db, "INSERT INTO flow_bytes(slot_us, first_us, last_us, family, proto, client,"
	        " server, bytes_up, bytes_down, payload_up, payload_down, pkts_up, pkts_down,"
	        " dest_id) VALUES(%lld, %lld, %lld, 4, 6, 'a', 'b', 1, 1, 0, 0, 1, 1, 1),"
	        " (%lld, %lld, %lld, 4, 6, 'a', 'b', 1, 1, 0, 0, 1, 1, 1)",
	        (long long)(T0 - H), (long long)(T0 - H + M), (long long)(T0 - H + 30 * M),
	        (long long)T0, (long long)T0, (long long)(T0 + M));
	is_int(cover(db, 2).last.last_event_us, T0 - H + 30 * M,
	       "capture: the newest byte record's last packet, none after the end");
	run_sql(db, "INSERT INTO flow_bytes(slot_us, first_us, last_us, family, proto, client,"
	        " server, bytes_up, bytes_down, payload_up, payload_down, pkts_up, pkts_down,"
	        " dest_id) VALUES(%lld, %lld, %lld, 4, 6, 'a', 'b', 1, 1, 0, 0, 1, 1, 1)",
	        (long long)(T0 - M), (long long)(T0 - M / 2), (long long)(T0 + M));
	is_int(cover(db, 2).last.last_event_us, T0 - M / 2,
	       "capture: a flow going on at the end, by its first packet");

	/* a run from before schema 4 (its config not JSON) had NFLOG and the resolver on: its
	 * text must not make the JSON functions fail the query */
	run_sql(db, "DELETE FROM runs; DELETE FROM sensor_events; INSERT INTO runs(id, started_us,"
	        " version, config, beat_us) VALUES(9, %lld, 'x', 'an old run', %lld)",
	        (long long)(T0 - 10 * H), (long long)(T0 - 10 * US_PER_SEC));
	ok(cover(db, 1).last.configured, "a pre-JSON run: the resolver configured");
	ok(!cover(db, 2).last.configured, "a pre-JSON run: capture not configured");

	is_int(report_verdict_decide(0, 0, 0), REPORT_CLEAN, "decide: nothing");
	is_int(report_verdict_decide(0, 1, 0), REPORT_INCOMPLETE, "decide: a loss alone");
	is_int(report_verdict_decide(0, 0, 1), REPORT_INCOMPLETE, "decide: a blind spot");
	is_int(report_verdict_decide(2, 1, 1), REPORT_FINDINGS, "decide: findings first");

	sqlite3_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
