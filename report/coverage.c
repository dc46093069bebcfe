/* Coverage: the queries of coverage.h, one set per sensor. Each blind stretch is one
 * row of one query, clipped to the window and ordered by time, so a week of crash loops
 * or of loss bursts streams to the writer a row at a time. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/stats.h"
#include "coverage.h"

/* How recent the latest run's heartbeat must be for it to count as running now: it
 * beats at least once a minute (collector/seal.h). */
#define ALIVE_US "90000000"

static const struct sensor {
	const char *name;
	/* over a runs row: did that run have the sensor? (config is JSON since schema 4;
	 * before, only NFLOG and the resolver existed, and both were on by default) */
	const char *enabled;
	/* the newest of its events before ?1, or NULL when it stores none yet */
	const char *last;
	int on_by_default;     /* when no run says */
} sensors[] = {
	{ "nflog", "1",
	  "SELECT coalesce((SELECT max(ts_us) FROM connections WHERE ts_us < ?1),"
	  " (SELECT max(last_us) FROM dest_hourly WHERE hour < ?1 / 3600000000))", 1 },
	/* CASE, not OR/AND: SQLite may evaluate ->> on text that is not JSON, and fail */
	{ "dns", "CASE WHEN json_valid(config) THEN coalesce(config ->> 'dns', '') <> '' ELSE 1 END",
	  "SELECT coalesce((SELECT max(ts_us) FROM dns_queries WHERE ts_us < ?1),"
	  " (SELECT max(last_us) FROM name_hourly WHERE hour < ?1 / 3600000000))", 1 },
	/* a hello's time; a byte record's last packet, read in the newest slot begun before
	 * ?1 only (through the slot index, not a scan of the week), where a flow still going
	 * at ?1 counts by its first packet */
	{ "capture",
	  "CASE WHEN json_valid(config) THEN coalesce(config ->> 'capture', '') <> '' ELSE 0 END",
	  "SELECT max(coalesce((SELECT max(ts_us) FROM hellos WHERE ts_us < ?1), 0),"
	  " coalesce((SELECT max(CASE WHEN last_us < ?1 THEN last_us WHEN first_us < ?1"
	  "  THEN first_us END) FROM flow_bytes WHERE slot_us = (SELECT max(slot_us)"
	  "  FROM flow_bytes WHERE slot_us < ?1)), 0))", 0 },
	/* enforce mode: blind (the VM not enforced) while the collector found its table
	 * missing; its last event, the last check that found the table whole */
	{ "enforce",
	  "CASE WHEN json_valid(config) THEN coalesce(config ->> 'enforce', 0) ELSE 0 END",
	  "SELECT max(ts_us) FROM sensor_events WHERE source = 'enforce' AND state = 'up'"
	  " AND ts_us < ?1", 0 },
};

int
coverage_sensors(void)
{
	return (int)(sizeof(sensors) / sizeof(sensors[0]));
}

const char *
coverage_sensor_name(int i)
{
	return i >= 0 && i < coverage_sensors() ? sensors[i].name : "";
}

/* Parameters: ?1 since, ?2 until, ?3 now, ?4 the sensor's name, ?5 its loss counters
 * (a JSON array), ?6 whether it is on when no run says. The sensor's enabled expression
 * goes between RUNS_HEAD and RUNS_TAIL. */
#define RUNS_HEAD \
	"WITH r AS (SELECT id, started_us AS s," \
	"   CASE WHEN stopped_us IS NOT NULL THEN stopped_us" \
	"        WHEN id = (SELECT max(id) FROM runs)" \
	"         AND coalesce(beat_us, started_us) >= ?3 - " ALIVE_US " THEN max(?2, ?3)" \
	/* killed, crashed or cut: it ran until its last heartbeat or batch, whichever is later */ \
	"        WHEN beat_us IS NOT NULL THEN max(beat_us, coalesce((SELECT max(b.committed_us)" \
	"          FROM batches b WHERE b.run_id = runs.id), 0))" \
	/* a run from before heartbeats: its last event, as far as it can be told */ \
	"        ELSE max(started_us, coalesce((SELECT max(c.ts_us) FROM connections c" \
	"          WHERE c.ts_us >= runs.started_us AND c.ts_us < coalesce((SELECT" \
	"          min(n.started_us) FROM runs n WHERE n.started_us > runs.started_us), ?3)), 0))" \
	"   END AS e, stopped_us IS NULL AS unclean, ("
#define RUNS_TAIL ") AS enabled FROM runs)"

static const char info_sql[] =
	" SELECT coalesce((SELECT max(enabled) FROM r WHERE s < ?2 AND e > ?1),"
	"   (SELECT enabled FROM r WHERE s < ?2 ORDER BY s DESC LIMIT 1), ?6)";

static const char gaps_sql[] =
	","
	" o AS (SELECT s, e, lag(e) OVER w AS pe, lag(unclean) OVER w AS pu, lag(s) OVER w AS ps"
	"       FROM r WINDOW w AS (ORDER BY s, id)),"
	" l AS (SELECT id, ts_us, source, count, sum(brk) OVER (ORDER BY ts_us, id) AS grp FROM ("
	"       SELECT id, ts_us, source, count, CASE WHEN ts_us - lag(ts_us) OVER (ORDER BY"
	"       ts_us, id) <= 60000000 THEN 0 ELSE 1 END AS brk FROM losses"
	"       WHERE ts_us >= ?1 AND ts_us < ?2 + 1000000"
	"       AND source IN (SELECT value FROM json_each(?5)))),"
	" lb AS (SELECT grp, source, sum(count) AS n, min(ts_us) AS f, max(ts_us) AS t FROM l"
	"        GROUP BY grp, source ORDER BY grp, n DESC),"
	" g(f, t, reason, detail, lost) AS ("
	/* no collector ran: before each run, since the one before it ended */
	"  SELECT coalesce(pe, ?1), s, 'not-running',"
	"   CASE WHEN pe IS NULL THEN 'no collector ran before ' || " DB_ISO("s")
	"        WHEN pu THEN 'the run started ' || " DB_ISO("ps") " || ' ended without a clean"
	" stop (killed, crashed or power lost) and was last seen alive at ' || " DB_ISO("pe")
	"         || '; the next started ' || " DB_ISO("s")
	"        ELSE 'the collector was stopped at ' || " DB_ISO("pe") " || ' and started again"
	" at ' || " DB_ISO("s") " END, 0"
	"  FROM o WHERE coalesce(pe, ?1) < s"
	/* ... and after the last one */
	"  UNION ALL"
	"  SELECT coalesce(l.e, ?1), ?2, 'not-running',"
	"   CASE WHEN l.s IS NULL THEN 'no collector has run'"
	"        WHEN l.unclean THEN 'the run started ' || " DB_ISO("l.s") " || ' ended without a"
	" clean stop (killed, crashed or power lost) and was last seen alive at ' || "
	DB_ISO("l.e") " || ', and none has run since'"
	"        ELSE 'the collector was stopped at ' || " DB_ISO("l.e") " || ' and has not run"
	" since' END, 0"
	"  FROM (SELECT 1) LEFT JOIN (SELECT * FROM r ORDER BY s DESC, id DESC LIMIT 1) l"
	"  WHERE coalesce(l.e, ?1) < ?2"
	/* a run without the sensor */
	"  UNION ALL"
	"  SELECT s, e, 'not-configured', 'the run started ' || " DB_ISO("s") " || ' did not"
	" have it configured', 0 FROM r WHERE NOT enabled"
	/* what the collector found while it ran */
	"  UNION ALL"
	"  SELECT f, t, state, detail, 0 FROM (SELECT v.ts_us AS f, v.state, v.detail,"
	"   min(coalesce(lead(v.ts_us) OVER (ORDER BY v.ts_us, v.id), r.e), r.e) AS t"
	"   FROM sensor_events v JOIN r ON r.id = v.run_id WHERE v.source = ?4)"
	"  WHERE state <> 'up'"
	/* lost events */
	"  UNION ALL"
	"  SELECT min(f) - 1000000, max(t), 'loss', sum(n) || ' events lost (' ||"
	"   group_concat(source || ' ' || n, ', ') || ')', sum(n) FROM lb GROUP BY grp)"
	" SELECT max(f, ?1), min(t, ?2), reason, detail, lost FROM g"
	" WHERE min(t, ?2) > max(f, ?1) ORDER BY 1, 2";

/* The loss counters that count sensor's events: its own and the ones of any sensor. */
static void
loss_sources(const char *sensor, char *out, size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(out + n, len - n, "[");
	for (int i = 0; i < STAT__COUNT && n < len; i++) {
		const char *s = stats_loss_sensor((enum stat_id)i);

		if (stats_is_loss((enum stat_id)i) && (!s || strcmp(s, sensor) == 0))
			n += (size_t)snprintf(out + n, len - n, "%s\"%s\"", n > 1 ? "," : "",
			                      stats_name((enum stat_id)i));
	}
	if (n < len)
		snprintf(out + n, len - n, "]");
}

/* Prepare RUNS_HEAD enabled RUNS_TAIL rest with the window bound, or sql alone. */
static sqlite3_stmt *
prepare(sqlite3 *db, const char *enabled, const char *rest, char *err, size_t errlen)
{
	static const char head[] = RUNS_HEAD, tail[] = RUNS_TAIL;
	char sql[sizeof(head) + sizeof(tail) + sizeof(gaps_sql) + 256];
	sqlite3_stmt *st;

	if (enabled)
		snprintf(sql, sizeof(sql), "%s%s%s%s", head, enabled, tail, rest);
	else
		snprintf(sql, sizeof(sql), "%s", rest);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "coverage query: %s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

static void
bind_window(sqlite3_stmt *st, int64_t since, int64_t until, int64_t now)
{
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int64(st, 3, now);
}

int
coverage_sensor(sqlite3 *db, int i, int64_t since, int64_t until, int64_t now,
                int (*sensor)(void *arg, const struct report_sensor *s),
                int (*blind)(void *arg, const struct report_blind *b), void *arg,
                char *err, size_t errlen)
{
	const struct sensor *sn = &sensors[i];
	char losses[512];
	struct report_sensor in = { .name = sn->name }, *info = &in;
	sqlite3_stmt *st;
	int rc = 0, s;

	/* configured: in a run of the window, else the last run before it, else the default */
	if (!(st = prepare(db, sn->enabled, info_sql, err, errlen)))
		return -1;
	bind_window(st, since, until, now);
	sqlite3_bind_int(st, 6, sn->on_by_default);
	if (sqlite3_step(st) == SQLITE_ROW)
		info->configured = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (sn->last) {
		if (!(st = prepare(db, NULL, sn->last, err, errlen)))
			return -1;
		sqlite3_bind_int64(st, 1, until);
		if (sqlite3_step(st) == SQLITE_ROW)
			info->last_event_us = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (!info->configured)
		return sensor(arg, info);

	loss_sources(sn->name, losses, sizeof(losses));
	if (!(st = prepare(db, sn->enabled, gaps_sql, err, errlen)))
		return -1;
	bind_window(st, since, until, now);
	sqlite3_bind_text(st, 4, sn->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, losses, -1, SQLITE_TRANSIENT);
	/* up at the window's end: no stretch reaches it (read first: the writer wants it
	 * before the stretches) */
	info->up = true;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_int64(st, 1) >= until)
			info->up = false;
	if (s != SQLITE_DONE)
		goto dberr;
	sqlite3_reset(st);
	if ((rc = sensor(arg, info)) != 0) {
		sqlite3_finalize(st);
		return rc;
	}
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_blind b = {
			.sensor = sn->name,
			.from_us = sqlite3_column_int64(st, 0), .to_us = sqlite3_column_int64(st, 1),
			.reason = (const char *)sqlite3_column_text(st, 2),
			.detail = (const char *)sqlite3_column_text(st, 3),
			.lost = sqlite3_column_int64(st, 4),
		};

		if (!b.reason)
			b.reason = "";
		if (!b.detail)
			b.detail = "";
		rc = blind(arg, &b);
	}
	if (rc == 0 && s != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	return rc;
dberr:
	snprintf(err, errlen, "coverage query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}
