#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/chain.h"
#include "common/db.h"
#include "common/domain.h"
#include "common/findkind.h"
#include "common/timefmt.h"
#include "coverage.h"
#include "rows.h"

/* Parameters of every query: ?1 since, ?2 until (exclusive), ?3 .. ?4 the whole hours
 * inside the window (read from the rollups), and the raw rows of the partial hours at
 * its edges: [?1, ?5) and [?6, ?2). */
#define EDGES(t) "((" t " >= ?1 AND " t " < ?5) OR (" t " >= ?6 AND " t " < ?2))"

/* the states of the 'disk' sensor (collector/writer.c) that warn */
#define DISK_BAD "state IN ('low', 'wal-pinned')"

static const char head_sql[] =
	"SELECT (SELECT coalesce(sum(connections), 0) FROM hourly WHERE hour >= ?3 AND hour < ?4)"
	"     + (SELECT count(*) FROM connections WHERE " EDGES("ts_us") "),"
	" (SELECT coalesce(sum(dns_queries), 0) FROM hourly WHERE hour >= ?3 AND hour < ?4)"
	"     + (SELECT count(*) FROM dns_queries WHERE " EDGES("ts_us") "),"
	" (SELECT count(*) FROM findings WHERE last_us >= ?1 AND first_us < ?2),"
	" (SELECT coalesce(sum(count), 0) FROM losses WHERE ts_us >= ?1 AND ts_us < ?2),"
	" (SELECT coalesce(sum(other_connections), 0) FROM hourly WHERE hour >= ?3 AND hour < ?4)"
	"     + (SELECT count(*) FROM other_events WHERE kind = 'connection' AND "
	EDGES("ts_us") "),"
	" (SELECT coalesce(sum(other_dns_queries), 0) FROM hourly WHERE hour >= ?3 AND hour < ?4)"
	"     + (SELECT count(*) FROM other_events WHERE kind = 'dns' AND " EDGES("ts_us") "),"
	" (SELECT count(*) FROM sensor_events WHERE source = 'disk' AND " DISK_BAD
	"   AND ts_us >= ?1 AND ts_us < ?2),"
	" (SELECT detail FROM sensor_events WHERE source = 'disk' AND " DISK_BAD
	"   AND ts_us >= ?1 AND ts_us < ?2 ORDER BY id DESC LIMIT 1)";

static const char loss_sql[] =
	"SELECT source, sum(count) FROM losses WHERE ts_us >= ?1 AND ts_us < ?2"
	" GROUP BY source ORDER BY 2 DESC";

/* The edges are grouped by "+dest_id" / "+name_id": the unary plus keeps SQLite from
 * scanning the whole (dest_id, ts_us) index to avoid a sort, so the edge query seeks
 * the two partial hours on the time index instead (bench/README.md, report).
 *
 * Each list's first ?7 rows, and how many it holds: a scan leaves one destination per
 * address:port, and sorting them all to print the first hundred was most of a report's
 * time. The window's destinations are added up once (c, with their list: the expected
 * ones are few, found on the partial index destinations_expected, so no destination
 * row is read for it), and each list keeps its first rows in a bounded sort, which
 * reads the destination (its domain, up to a kilobyte) only of the rows with as many
 * connections as its ?7th row or more; the counts come from c. */
#define DEST_TOP(cond) \
	"SELECT * FROM (SELECT d.domain, d.ip, d.port, d.proto, c.n, c.expected, c.first," \
	" c.last, c.up, c.down FROM c JOIN destinations d ON d.id = c.dest_id WHERE " cond \
	" AND c.n >= coalesce((SELECT n FROM c WHERE " cond " ORDER BY n DESC" \
	" LIMIT 1 OFFSET ?7 - 1), 0)" \
	" ORDER BY c.n DESC, d.domain, d.ip, d.port LIMIT ?7)"
static const char dest_sql[] =
	"WITH a AS (SELECT dest_id, sum(n) AS n, min(first) AS first, max(last) AS last,"
	"         sum(up) AS up, sum(down) AS down FROM ("
	"         SELECT dest_id, connections AS n, first_us AS first, last_us AS last,"
	"         bytes_up AS up, bytes_down AS down"
	"         FROM dest_hourly WHERE hour >= ?3 AND hour < ?4"
	"         UNION ALL"
	"         SELECT dest_id, count(*), min(ts_us), max(ts_us), 0, 0 FROM connections"
	"         WHERE " EDGES("ts_us") " GROUP BY +dest_id"
	"         UNION ALL"   /* as the rollup counts them: at the slot's start */
	"         SELECT dest_id, 0, min(slot_us), max(slot_us), sum(bytes_up), sum(bytes_down)"
	"         FROM flow_bytes WHERE " EDGES("slot_us") " GROUP BY +dest_id)"
	"       GROUP BY dest_id),"
	" c AS MATERIALIZED (SELECT a.*, a.dest_id IN (SELECT id FROM destinations"
	"       WHERE expected) AS expected FROM a),"
	" top AS (" DEST_TOP("c.expected") " UNION ALL " DEST_TOP("NOT c.expected") ")"
	" SELECT nullif(domain, ''), ip, port, proto, n, expected, first, last, up, down,"
	" CASE WHEN expected THEN (SELECT count(*) FROM c WHERE expected)"
	"  ELSE (SELECT count(*) FROM c WHERE NOT expected) END"
	" FROM top ORDER BY expected DESC, n DESC, domain, ip, port";

/* The names, folded as the findings fold them (common/domain.h): the names of one
 * registered domain, expected apart from the rest, are listed one by one up to
 * DOMAIN_FOLD_NAMES, and past it as one "*.domain" row with how many names it holds
 * and its most asked few. The window's queries are added up per name id (c), and each
 * name's registered domain is stored with it (dns_names.base, schema 018): nm walks
 * dns_names on dns_names_base, the fold's order, and looks each name up in c, so the
 * groups are counted and added up as they come, and no sort ever holds the window's
 * names (a flood leaves one per query, each up to a kilobyte). CROSS JOIN keeps that
 * order of the loops. */
#define STR_(x) #x
#define STR(x) STR_(x)
static const char name_sql[] =
	"WITH c AS MATERIALIZED (SELECT name_id, sum(n) AS n, min(first) AS first,"
	"         max(last) AS last FROM ("
	"         SELECT name_id, queries AS n, first_us AS first, last_us AS last"
	"         FROM name_hourly WHERE hour >= ?3 AND hour < ?4"
	"         UNION ALL"
	"         SELECT name_id, count(*), min(ts_us), max(ts_us) FROM dns_queries"
	"         WHERE " EDGES("ts_us") " AND name_id IS NOT NULL GROUP BY +name_id)"
	"       GROUP BY name_id),"
	" nm AS MATERIALIZED (SELECT d.id AS id, d.base AS base, d.expected AS expected,"
	"       c.n AS n, c.first AS first, c.last AS last, count(*) OVER w AS names,"
	"       sum(c.n) OVER w AS gn, min(c.first) OVER w AS gfirst,"
	"       max(c.last) OVER w AS glast, row_number() OVER w AS k"
	"       FROM dns_names d CROSS JOIN c ON c.name_id = d.id"
	"       WINDOW w AS (PARTITION BY d.base, d.expected)),"
	" rows AS MATERIALIZED ("
	"   SELECT d.name AS name, nm.n AS n, nm.expected AS expected, nm.first AS first,"
	"   nm.last AS last, 1 AS names, NULL AS ex FROM nm JOIN dns_names d ON d.id = nm.id"
	"   WHERE nm.names <= " STR(DOMAIN_FOLD_NAMES)
	"   UNION ALL"
	/* a folded domain's most asked names: its names again, on the same index, into a
	 * sort that keeps REPORT_NAME_EXAMPLES rows */
	"   SELECT '*.' || base, gn, expected, gfirst, glast, names,"
	"   (SELECT json_group_array(name) FROM (SELECT e.name AS name, x.n AS n"
	"     FROM dns_names e CROSS JOIN c x ON x.name_id = e.id"
	"     WHERE e.base = nm.base AND e.expected = nm.expected"
	"     ORDER BY n DESC, e.name LIMIT " STR(REPORT_NAME_EXAMPLES) "))"
	"   FROM nm WHERE names > " STR(DOMAIN_FOLD_NAMES) " AND k = 1),"
	/* the first ?7 rows in a bounded sort; the rest added up into one "*" row ("names"
	 * tells a name from a fold row of the same text: a VM may ask for "*.x") */
	" top AS (SELECT * FROM rows ORDER BY expected DESC, n DESC, name LIMIT ?7)"
	" SELECT name, n, expected, first, last, names, ex,"
	" (SELECT group_concat(value, ', ') FROM json_each(ex)) FROM ("
	"   SELECT 0 AS part, * FROM top"
	"   UNION ALL"
	"   SELECT 1, '*', sum(n), 0, min(first), max(last), sum(names), NULL FROM rows"
	"   WHERE (name, expected, names) NOT IN (SELECT name, expected, names FROM top)"
	"   HAVING count(*) > 0)"
	" ORDER BY part, expected DESC, n DESC, name";

/* The most serious kinds first. "+kind": seek the window on the last_us index and sort
 * what it holds, rather than walk every finding ever raised in kind order (findings are
 * never pruned). No LIMIT, unlike the other lists: every finding of the window is
 * written, text, CSV and JSON alike (the contract's "findings" has no "total" to tell
 * of a cut, and the verdict judges them all). The list is bounded by the collector's
 * fold (collector/fold.h: at most FOLD_KIND_MAX + 1 = 513 findings a kind, ever), not by
 * the window, so a VM that scans or floods grows it only up to that. */
static const char finding_sql[] =
	"SELECT kind, domain, ip, proto, detail, coalesce(port, -1), count, first_us, last_us,"
	" coalesce(" DB_ACKED_SQL ", 0), blocked, ack_note, ack_by, coalesce(ack_until_us, 0),"
	" coalesce(acked_us, 0) FROM findings WHERE last_us >= ?1 AND first_us < ?2"
	" ORDER BY " FINDKIND_SEV_SQL("kind") " DESC, +kind, first_us";

struct run {
	sqlite3 *db;
	const struct report_opts *o;
	const struct report_sink *s;
	int64_t hs, he, e1, e2;
	struct report_end end;
	struct suggest *sg;              /* with o->suggest */
	char *err;
	size_t errlen;
};

static const char *
text_or_null(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static const char *
text(sqlite3_stmt *st, int i)
{
	const char *t = text_or_null(st, i);
	return t ? t : "";
}

/* Prepare sql with the window's parameters bound. */
static sqlite3_stmt *
prepare(struct run *r, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(r->err, r->errlen, "report query: %s", sqlite3_errmsg(r->db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, r->o->since_us);
	sqlite3_bind_int64(st, 2, r->o->until_us);
	if (sqlite3_bind_parameter_count(st) >= 3) {
		sqlite3_bind_int64(st, 3, r->hs);
		sqlite3_bind_int64(st, 4, r->he);
	}
	if (sqlite3_bind_parameter_count(st) >= 5) {
		sqlite3_bind_int64(st, 5, r->e1);
		sqlite3_bind_int64(st, 6, r->e2);
	}
	return st;
}

/* The same, and ?7 the number of rows a list gives. */
static sqlite3_stmt *
prepare_limit(struct run *r, const char *sql, int limit)
{
	sqlite3_stmt *st = prepare(r, sql);

	if (st)
		sqlite3_bind_int(st, 7, limit);
	return st;
}

/* Step st to its end, handing each row to one(); finalizes st. */
static int
each(struct run *r, sqlite3_stmt *st, int (*one)(sqlite3_stmt *, struct run *))
{
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (one(st, r) < 0) {
			sqlite3_finalize(st);
			snprintf(r->err, r->errlen, "report: cannot write the output");
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(r->err, r->errlen, "report query: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}

static int
one_loss(sqlite3_stmt *st, struct run *r)
{
	const struct report_sink *s = r->s;

	return s->loss(s->arg, text(st, 0), sqlite3_column_int64(st, 1));
}

/* A blind stretch: counted for the verdict (its reason kept once), then written. */
static int
one_blind(void *arg, const struct report_blind *b)
{
	struct run *r = arg;
	char *rs = r->end.reasons;
	size_t n = strlen(rs), rl = strlen(b->reason);
	bool seen = false;

	r->end.blind_spots++;
	for (const char *p = rs; (p = strstr(p, b->reason)); p += rl)
		if ((p == rs || p[-2] == ',') && (p[rl] == '\0' || p[rl] == ','))
			seen = true;
	if (!seen && n + rl + 3 < sizeof(r->end.reasons))
		snprintf(rs + n, sizeof(r->end.reasons) - n, "%s%s", n ? ", " : "", b->reason);
	if (r->s->blind && r->s->blind(r->s->arg, b) < 0) {
		snprintf(r->err, r->errlen, "report: cannot write the output");
		return -1;
	}
	return 0;
}

static int
one_sensor(void *arg, const struct report_sensor *info)
{
	struct run *r = arg;

	if (r->s->sensor && r->s->sensor(r->s->arg, info) < 0) {
		snprintf(r->err, r->errlen, "report: cannot write the output");
		return -1;
	}
	return 0;
}

/* Every sensor's coverage of the window, blind stretches after each. */
static int
coverage(struct run *r)
{
	int64_t now = r->o->now_us ? r->o->now_us : r->o->until_us;

	for (int i = 0; i < coverage_sensors(); i++)
		if (coverage_sensor(r->db, i, r->o->since_us, r->o->until_us, now, one_sensor,
		                    one_blind, r, r->err, r->errlen) != 0)
			return -1;
	return 0;
}

static int
one_dest(sqlite3_stmt *st, struct run *r)
{
	const struct report_sink *s = r->s;
	struct report_dest d = {
		.domain = text_or_null(st, 0), .ip = text(st, 1), .port = sqlite3_column_int(st, 2),
		.proto = sqlite3_column_int(st, 3), .connections = sqlite3_column_int64(st, 4),
		.expected = sqlite3_column_int(st, 5) != 0, .first_us = sqlite3_column_int64(st, 6),
		.last_us = sqlite3_column_int64(st, 7), .bytes_up = sqlite3_column_int64(st, 8),
		.bytes_down = sqlite3_column_int64(st, 9), .listed = sqlite3_column_int64(st, 10),
	};

	return s->dest(s->arg, &d);
}

/* A row of the names list: the first REPORT_MAX_NAME_ROWS, then the rest as one "*"
 * row, so the list is bounded whatever the VM asked for. */
static int
one_name(sqlite3_stmt *st, struct run *r)
{
	const struct report_sink *s = r->s;
	struct report_name n = {
		.name = text(st, 0), .queries = sqlite3_column_int64(st, 1),
		.expected = sqlite3_column_int(st, 2) != 0, .first_us = sqlite3_column_int64(st, 3),
		.last_us = sqlite3_column_int64(st, 4), .names = sqlite3_column_int64(st, 5),
		.examples = text_or_null(st, 6), .examples_text = text_or_null(st, 7),
	};

	return s->name(s->arg, &n);
}

/* The finding at st, and whether the rules now expect what it is about. */
static void
read_finding(struct run *r, sqlite3_stmt *st, struct report_finding *out)
{
	struct report_finding f = {
		.kind = text(st, 0), .domain = text_or_null(st, 1), .ip = text_or_null(st, 2),
		.proto = text_or_null(st, 3), .detail = text(st, 4),
		.port = sqlite3_column_int(st, 5), .count = sqlite3_column_int64(st, 6),
		.first_us = sqlite3_column_int64(st, 7), .last_us = sqlite3_column_int64(st, 8),
		.acked_us = sqlite3_column_int64(st, 9), .blocked = sqlite3_column_int(st, 10) != 0,
		.ack_note = text_or_null(st, 11), .ack_by = text_or_null(st, 12),
		.ack_until_us = sqlite3_column_int64(st, 13), .ack_given_us = sqlite3_column_int64(st, 14),
	};
	struct suggest_finding sf = { .kind = f.kind, .domain = f.domain, .ip = f.ip,
	                              .proto = f.proto, .detail = f.detail, .port = f.port };

	f.covered = suggest_covers(r->o->rules, &sf);
	*out = f;
}

bool
report_finding_counts(const char *kind, bool covered)
{
	return !covered && strcmp(kind, "sensor") != 0;
}

/* Judge one finding of the window for the verdict: counted (report_finding_counts) or
 * expected by the rules now; with o->suggest, gathered. 0, or -1 (out of memory). */
static int
judge(struct run *r, const struct report_finding *f)
{
	r->end.covered += f->covered;
	if (report_finding_counts(f->kind, f->covered)) {
		r->end.findings++;
		r->end.open += f->acked_us == 0;
	}
	if (r->sg) {
		struct suggest_finding sf = { .kind = f->kind, .domain = f->domain, .ip = f->ip,
		                              .proto = f->proto, .detail = f->detail,
		                              .port = f->port };

		return suggest_add(r->sg, &sf);
	}
	return 0;
}

/* A finding of the list: judged, then given to the sink. */
static int
one_finding(sqlite3_stmt *st, struct run *r)
{
	struct report_finding f;

	read_finding(r, st, &f);
	return judge(r, &f) < 0 ? -1 : r->s->finding(r->s->arg, &f);
}

/* A finding judged only, when the sink lists none. */
static int
judge_one(sqlite3_stmt *st, struct run *r)
{
	struct report_finding f;

	read_finding(r, st, &f);
	return judge(r, &f);
}

static int
head(struct run *r, const struct report_sink *s, struct report_head *h)
{
	struct watch_in wi = { .configured_us = r->o->watch_start_us, .days = r->o->watch_days,
	                       .now_us = r->o->until_us - 1 };
	sqlite3_stmt *st = prepare(r, head_sql);
	int rc;

	if (!st)
		return -1;
	*h = (struct report_head){ .since_us = r->o->since_us, .until_us = r->o->until_us,
	                           .watch_days = r->o->watch_days };
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h->connections = sqlite3_column_int64(st, 0);
		h->dns_queries = sqlite3_column_int64(st, 1);
		h->findings = sqlite3_column_int64(st, 2);
		h->events_lost = sqlite3_column_int64(st, 3);
		h->other_connections = sqlite3_column_int64(st, 4);
		h->other_dns_queries = sqlite3_column_int64(st, 5);
		h->disk_warnings = sqlite3_column_int64(st, 6);
		if (sqlite3_column_text(st, 7))
			snprintf(h->disk_last, sizeof(h->disk_last), "%s",
			         (const char *)sqlite3_column_text(st, 7));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		snprintf(r->err, r->errlen, "report query: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	if (watch_read(r->db, &wi) < 0) {
		snprintf(r->err, r->errlen, "report query: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	watch_decide(&wi, &h->watch);
	if (s->head && s->head(s->arg, h) < 0) {
		snprintf(r->err, r->errlen, "report: cannot write the output");
		return -1;
	}
	return 0;
}

static int
part(struct run *r, const struct report_sink *s, enum report_part p)
{
	if (s->part && s->part(s->arg, p) < 0) {
		snprintf(r->err, r->errlen, "report: cannot write the output");
		return -1;
	}
	return 0;
}

/* The verdict, and the chain's head at the window's end, to the sink's end. */
static int
conclude(struct run *r, const struct report_head *h)
{
	struct chain_batch b;

	/* the findings judged, if the list did not: a few thousand at most (the fold) */
	if (!r->s->finding && each(r, prepare(r, finding_sql), judge_one) < 0)
		return -1;
	if (r->sg && suggest_finish(r->sg) < 0) {
		snprintf(r->err, r->errlen, "report: out of memory");
		return -1;
	}
	r->end.verdict = report_verdict_decide(r->end.findings, h->events_lost,
	                                       r->end.blind_spots);
	if (chain_head(r->db, r->o->until_us, &b) == 1) {
		r->end.chain_batch = b.id;
		r->end.chain_committed_us = b.committed_us;
		chain_hex(b.hash, r->end.chain_head);
	}
	if (r->sg && r->s->suggest && r->s->suggest(r->s->arg, r->sg) < 0) {
		snprintf(r->err, r->errlen, "report: cannot write the output");
		return -1;
	}
	if (r->s->end && r->s->end(r->s->arg, &r->end) < 0) {
		snprintf(r->err, r->errlen, "report: cannot write the output");
		return -1;
	}
	return 0;
}

static int
lists(struct run *r, const struct report_sink *s, const struct report_head *h)
{
	if (s->loss && h->events_lost &&
	    (part(r, s, RP_LOSSES) < 0 || each(r, prepare(r, loss_sql), one_loss) < 0))
		return -1;
	if (part(r, s, RP_COVERAGE) < 0 || coverage(r) < 0)
		return -1;
	if (s->dest && (part(r, s, RP_DESTS) < 0 ||
	                each(r, prepare_limit(r, dest_sql, s->max_dests > 0 &&
	                                      s->max_dests < REPORT_MAX_DEST_ROWS ?
	                                      s->max_dests : REPORT_MAX_DEST_ROWS),
	                     one_dest) < 0))
		return -1;
	if (s->name && (part(r, s, RP_NAMES) < 0 ||
	                each(r, prepare_limit(r, name_sql, REPORT_MAX_NAME_ROWS),
	                     one_name) < 0))
		return -1;
	if (s->finding && (part(r, s, RP_FINDINGS) < 0 ||
	                   each(r, prepare(r, finding_sql), one_finding) < 0))
		return -1;
	return part(r, s, RP_END) < 0 ? -1 : conclude(r, h);
}

/* Whether a row the hourly rollups count (hourly, dest_hourly, name_hourly) was stored
 * in [?1, ?2). */
static const char rows_between_sql[] =
	"SELECT EXISTS(SELECT 1 FROM connections WHERE ts_us >= ?1 AND ts_us < ?2)"
	" OR EXISTS(SELECT 1 FROM dns_queries WHERE ts_us >= ?1 AND ts_us < ?2)"
	" OR EXISTS(SELECT 1 FROM flow_bytes WHERE slot_us >= ?1 AND slot_us < ?2)"
	" OR EXISTS(SELECT 1 FROM other_events WHERE ts_us >= ?1 AND ts_us < ?2)";

/* 1 when some row lies in [from, to), 0 when none, -1 on error. */
static int
rows_between(sqlite3 *db, int64_t from, int64_t to)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, rows_between_sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return v;
}

static int64_t
hour_floor(int64_t us)
{
	return us / HOUR_US - (us % HOUR_US < 0);
}

static int64_t
hour_ceil(int64_t us)
{
	return us / HOUR_US + (us % HOUR_US > 0);
}

/* The whole hours the rollups answer for, [hs, he), and the raw rows of the partial
 * hours at the window's edges; without a whole hour, the raw rows cover all of it.
 *
 * The rollups of the hour the window ends in are written in the same transaction as
 * its rows, so when no row of that hour lies at or after the window's end (a report
 * "until now", the usual one), that hour's rollup is exact and its raw rows are not
 * read: they are what grows without bound under a flood (every connection of the last
 * hour), where the rollup has one row per destination or name. Only the end: the
 * hour the window starts in may have lost rows to retention that its rollup still
 * counts. */
static void
window_hours(struct run *r)
{
	int64_t since = r->o->since_us, until = r->o->until_us, lh;

	r->hs = hour_ceil(since);
	r->he = hour_floor(until);
	r->e1 = r->e2 = until;
	lh = hour_ceil(until);
	if (lh > r->he && lh < INT64_MAX / HOUR_US && r->hs < lh &&
	    rows_between(r->db, until, lh * HOUR_US) == 0) {
		r->he = lh;
		r->e2 = until;      /* no raw rows at the end */
		r->e1 = r->hs * HOUR_US;
		return;
	}
	if (r->hs < r->he) {
		r->e1 = r->hs * HOUR_US;
		r->e2 = r->he * HOUR_US;
	}
}

int
report_rows_run(sqlite3 *db, const struct report_opts *o, const struct report_sink *s,
                char *err, size_t errlen)
{
	struct run r = { .db = db, .o = o, .s = s, .err = err, .errlen = errlen };
	struct report_head h;
	bool txn = sqlite3_get_autocommit(db) != 0;
	int rc;

	/* one snapshot for every query, so the lists add up to the totals */
	if (txn && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "report: %s", sqlite3_errmsg(db));
		return -1;
	}
	window_hours(&r);
	if (o->suggest && !(r.sg = suggest_new(o->rules))) {
		snprintf(err, errlen, "report: out of memory");
		rc = -1;
	} else {
		rc = head(&r, s, &h) < 0 ? -1 : lists(&r, s, &h);
	}
	suggest_free(r.sg);
	if (txn)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
