#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/db.h"
#include "common/escape.h"
#include "common/proto.h"
#include "report.h"
#include "common/timefmt.h"
#include "common/watch.h"

#define TEXT_MAX_NAMES 30  /* names listed in the text report; JSON has them all */


/* Parameters: ?1 since, ?2 until (exclusive), ?3 watch start, ?4 watch days, ?5 watch day,
 * ?6 .. ?7 the whole hours inside the window (read from the rollups), and the raw rows
 * of the partial hours at its edges: [?1, ?8) and [?9, ?2). */
#define EDGES(t) "((" t " >= ?1 AND " t " < ?8) OR (" t " >= ?9 AND " t " < ?2))"
/* The edges are grouped by "+dest_id" / "+name_id": the unary plus keeps SQLite from
 * scanning the whole (dest_id, ts_us) index to avoid a sort, so the edge query seeks
 * the two partial hours on the time index instead (9 ms against 155 ms on a week of
 * 5 million connections, bench/README.md). */
static const char report_sql[] =
	"SELECT json_object("
	" 'since', " DB_ISO("?1") ", 'until', " DB_ISO("?2") ","
	" 'watch', json_object('start', CASE WHEN ?3 > 0 THEN " DB_ISO("?3") " END,"
	"   'days', ?4, 'day', ?5),"
	" 'totals', json_object("
	"   'connections', (SELECT coalesce(sum(connections), 0) FROM hourly"
	"                   WHERE hour >= ?6 AND hour < ?7)"
	"                + (SELECT count(*) FROM connections WHERE " EDGES("ts_us") "),"
	"   'dns_queries', (SELECT coalesce(sum(dns_queries), 0) FROM hourly"
	"                   WHERE hour >= ?6 AND hour < ?7)"
	"                + (SELECT count(*) FROM dns_queries WHERE " EDGES("ts_us") "),"
	"   'findings', (SELECT count(*) FROM findings WHERE last_us >= ?1 AND first_us < ?2),"
	"   'events_lost', (SELECT coalesce(sum(count), 0) FROM losses"
	"                   WHERE ts_us >= ?1 AND ts_us < ?2)),"
	" 'destinations', (SELECT json_group_array(json(o)) FROM (SELECT json_object("
	"     'domain', nullif(d.domain, ''), 'ip', d.ip, 'port', d.port,"
	"     'proto', " PROTO_SQL("d.proto") ", 'connections', c.n,"
	"     'expected', json(CASE WHEN d.expected THEN 'true' ELSE 'false' END),"
	"     'first_seen', " DB_ISO("c.first") ", 'last_seen', " DB_ISO("c.last") ") AS o"
	"   FROM (SELECT dest_id, sum(n) AS n, min(first) AS first, max(last) AS last FROM ("
	"           SELECT dest_id, connections AS n, first_us AS first, last_us AS last"
	"           FROM dest_hourly WHERE hour >= ?6 AND hour < ?7"
	"           UNION ALL"
	"           SELECT dest_id, count(*), min(ts_us), max(ts_us) FROM connections"
	"           WHERE " EDGES("ts_us") " GROUP BY +dest_id)"
	"         GROUP BY dest_id) c"
	"   JOIN destinations d ON d.id = c.dest_id"
	"   ORDER BY d.expected DESC, c.n DESC, d.domain, d.ip, d.port)),"
	" 'dns', (SELECT json_group_array(json(o)) FROM (SELECT json_object("
	"     'name', d.name, 'queries', c.n,"
	"     'expected', json(CASE WHEN d.expected THEN 'true' ELSE 'false' END),"
	"     'first_seen', " DB_ISO("c.first") ", 'last_seen', " DB_ISO("c.last") ") AS o"
	"   FROM (SELECT name_id, sum(n) AS n, min(first) AS first, max(last) AS last FROM ("
	"           SELECT name_id, queries AS n, first_us AS first, last_us AS last"
	"           FROM name_hourly WHERE hour >= ?6 AND hour < ?7"
	"           UNION ALL"
	"           SELECT name_id, count(*), min(ts_us), max(ts_us) FROM dns_queries"
	"           WHERE " EDGES("ts_us") " AND name_id IS NOT NULL GROUP BY +name_id)"
	"         GROUP BY name_id) c"
	"   JOIN dns_names d ON d.id = c.name_id"
	"   ORDER BY d.expected DESC, c.n DESC, d.name)),"
	" 'findings', (SELECT json_group_array(json(o)) FROM (SELECT json_object("
	"     'kind', kind, 'domain', domain, 'ip', ip, 'port', port, 'proto', proto,"
	"     'count', count, 'first_seen', " DB_ISO("first_us") ", 'last_seen', " DB_ISO("last_us") ","
	"     'detail', detail) AS o"
	"   FROM findings WHERE last_us >= ?1 AND first_us < ?2 ORDER BY kind, first_us)))";

char *
report_json(sqlite3 *db, const struct report_opts *o, char *err, size_t errlen)
{
	/* the watch as it stood at the window's last instant */
	struct watch_in wi = { .configured_us = o->watch_start_us, .days = o->watch_days,
	                       .now_us = o->until_us - 1 };
	struct watch wk;
	sqlite3_stmt *st;
	char *out = NULL;

	watch_read(db, &wi);
	watch_decide(&wi, &wk);
	if (sqlite3_prepare_v2(db, report_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "report query: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, o->since_us);
	sqlite3_bind_int64(st, 2, o->until_us);
	sqlite3_bind_int64(st, 3, wk.start_us);
	sqlite3_bind_int(st, 4, (int)o->watch_days);
	sqlite3_bind_int64(st, 5, wk.day);
	{
		const int64_t H = HOUR_US;
		int64_t hs = o->since_us >= 0 ? (o->since_us + H - 1) / H : o->since_us / H;
		int64_t he = o->until_us >= 0 ? o->until_us / H : (o->until_us - H + 1) / H;
		int64_t e1 = o->until_us, e2 = o->until_us;

		if (hs < he) {
			e1 = hs * H;
			e2 = he * H;
		}
		sqlite3_bind_int64(st, 6, hs);
		sqlite3_bind_int64(st, 7, he);
		sqlite3_bind_int64(st, 8, e1);
		sqlite3_bind_int64(st, 9, e2);
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	else
		snprintf(err, errlen, "report query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (!out && !*err)
		snprintf(err, errlen, "out of memory");
	return out;
}

long long
report_open_findings(sqlite3 *db, const struct report_opts *o)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM findings WHERE last_us >= ? AND "
	                       "first_us < ? AND acked_us IS NULL", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, o->since_us);
	sqlite3_bind_int64(st, 2, o->until_us);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Walk one array of the document: each row's columns are the named fields as text. */
static sqlite3_stmt *
walk(sqlite3 *db, const char *json, const char *path, const char *fields, char *err,
     size_t errlen)
{
	char sql[1024];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT %s FROM json_each(?1, '%s')", fields, path);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "report: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	return st;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static long long
field(sqlite3 *db, const char *json, const char *path)
{
	sqlite3_stmt *st;
	long long v = 0;

	if (sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *
field_text(sqlite3 *db, const char *json, const char *path, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return buf;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

#define DEST_FIELDS "value->>'domain', value->>'ip', value->>'port', value->>'proto', " \
	"value->>'connections', value->>'expected', value->>'first_seen', value->>'last_seen'"
#define FIND_FIELDS "value->>'kind', value->>'domain', value->>'ip', value->>'port', " \
	"value->>'proto', value->>'count', value->>'first_seen', value->>'last_seen', " \
	"value->>'detail'"

/* "domain (ip:port/proto)" or "ip:port/proto", escaped for a terminal. */
static void
print_dest(FILE *out, const char *domain, const char *ip, const char *port, const char *proto)
{
	char e[1200];

	if (*domain && (!*ip || strcmp(ip, "-") == 0)) {  /* a name-only finding */
		fputs(escape_term(domain, e, sizeof(e)), out);
		return;
	}
	if (*domain)
		fprintf(out, "%s ", escape_term(domain, e, sizeof(e)));
	bool v6 = strchr(ip, ':') != NULL, has_port = *port && strcmp(port, "0") != 0;

	fprintf(out, "%s%s%s%s", *domain ? "(" : "", v6 && has_port ? "[" : "",
	        escape_term(ip, e, sizeof(e)), v6 && has_port ? "]" : "");
	if (has_port)
		fprintf(out, ":%s", port);
	fprintf(out, "/%s%s", escape_term(proto, e, sizeof(e)), *domain ? ")" : "");
}

/* When the finding was acknowledged (ISO into buf), or "" if it is open. */
static const char *
acked(sqlite3 *db, sqlite3_stmt *row, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT " DB_ISO("acked_us") " FROM findings WHERE kind = ?1 "
	                       "AND domain IS ?2 AND ip IS ?3 AND port IS ?4 AND "
	                       "acked_us IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		return buf;
	for (int i = 0; i < 4; i++) {
		if (sqlite3_column_type(row, i) == SQLITE_NULL)
			sqlite3_bind_null(st, i + 1);
		else if (i == 3)
			sqlite3_bind_int64(st, 4, sqlite3_column_int64(row, 3));
		else
			sqlite3_bind_text(st, i + 1, col(row, i), -1, SQLITE_TRANSIENT);
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static int
text_destinations(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen)
{
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_stmt *st = walk(db, json, "$.destinations", DEST_FIELDS, err, errlen);
		int n = 0;

		if (!st)
			return -1;
		fprintf(out, "\n%s\n", pass == 0 ? "Expected destinations" :
		        "Other destinations (not expected: see findings)");
		while (sqlite3_step(st) == SQLITE_ROW) {
			if ((strcmp(col(st, 5), "1") == 0) != (pass == 0))
				continue;
			if (n++ == 0)
				fprintf(out, "  %9s  %-20s  %-20s  %s\n", "conns", "first seen",
				        "last seen", "destination");
			fprintf(out, "  %9s  %-20s  %-20s  ", col(st, 4), col(st, 6), col(st, 7));
			print_dest(out, col(st, 0), col(st, 1), col(st, 2), col(st, 3));
			fputc('\n', out);
		}
		sqlite3_finalize(st);
		if (n == 0)
			fprintf(out, "  (none)\n");
	}
	return 0;
}

static int
text_dns(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = walk(db, json, "$.dns", "value->>'name', value->>'queries', "
	                        "value->>'expected', value->>'first_seen', value->>'last_seen'",
	                        err, errlen);
	char e[1200];
	int n = 0, more = 0;

	if (!st)
		return -1;
	fprintf(out, "\nNames the VM resolved\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n >= TEXT_MAX_NAMES) {
			more++;
			continue;
		}
		if (n++ == 0)
			fprintf(out, "  %9s  %-20s  %-20s  %s\n", "queries", "first seen", "last seen",
			        "name");
		fprintf(out, "  %9s  %-20s  %-20s  %s%s\n", col(st, 1), col(st, 3), col(st, 4),
		        escape_term(col(st, 0), e, sizeof(e)),
		        strcmp(col(st, 2), "1") == 0 ? "" : "   <- not expected");
	}
	sqlite3_finalize(st);
	if (n == 0)
		fprintf(out, "  (none)\n");
	if (more)
		fprintf(out, "  ... and %d more names (all of them: --format json, or the "
		        "dashboard's DNS log)\n", more);
	return 0;
}

/* Findings grouped by kind; returns how many are unacknowledged, or -1. */
static int
text_findings(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = walk(db, json, "$.findings", FIND_FIELDS, err, errlen);
	char e[1200], kind[64] = "", ack[40];
	int n = 0, open = 0;

	if (!st)
		return -1;
	fprintf(out, "\nFindings\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp(kind, col(st, 0)) != 0) {
			snprintf(kind, sizeof(kind), "%s", col(st, 0));
			fprintf(out, "  %s\n", escape_term(kind, e, sizeof(e)));
		}
		fprintf(out, "    ");
		print_dest(out, col(st, 1), *col(st, 2) ? col(st, 2) : "-", col(st, 3),
		           *col(st, 4) ? col(st, 4) : "-");
		fprintf(out, "\n      %s time%s, %s .. %s", col(st, 5),
		        strcmp(col(st, 5), "1") == 0 ? "" : "s", col(st, 6), col(st, 7));
		if (*acked(db, st, ack, sizeof(ack)))
			fprintf(out, ", acknowledged %s", ack);
		else
			open++;
		fprintf(out, "\n      %s\n", escape_term(col(st, 8), e, sizeof(e)));
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0)
		fprintf(out, "  (none)\n");
	return open;
}

static void
text_losses(sqlite3 *db, const char *json, FILE *out)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT source, sum(count) FROM losses WHERE ts_us >= "
	                       "unixepoch(json_extract(?1, '$.since')) * 1000000 AND ts_us < "
	                       "unixepoch(json_extract(?1, '$.until')) * 1000000 + 1000000 "
	                       "GROUP BY source ORDER BY 2 DESC", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "    %-18s %lld\n", col(st, 0), (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
}

/* Times in the window when no collector was running: nothing was recorded then. */
static void
text_coverage(sqlite3 *db, const char *json, FILE *out)
{
	static const char sql[] =
		"WITH w AS (SELECT unixepoch(json_extract(?1, '$.since')) * 1000000 AS s, "
		"                  unixepoch(json_extract(?1, '$.until')) * 1000000 AS u), "
		"r AS (SELECT started_us, stopped_us, lead(started_us) OVER (ORDER BY started_us) "
		"      AS next_us FROM runs) "
		"SELECT " DB_ISO("max(r.stopped_us, w.s)") ", " DB_ISO("coalesce(min(r.next_us, w.u), w.u)")
		", r.stopped_us IS NULL, " DB_ISO("r.started_us") " FROM r, w "
		"WHERE (r.stopped_us IS NULL AND r.next_us IS NOT NULL AND r.next_us > w.s "
		"       AND r.started_us < w.u) "
		"   OR (r.stopped_us IS NOT NULL AND r.stopped_us < w.u "
		"       AND coalesce(r.next_us, w.u) > w.s "
		"       AND coalesce(r.next_us, w.u) - r.stopped_us > 1000000) "
		"ORDER BY r.started_us";
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0)
			fprintf(out, "\n  !! The collector was not running the whole time: nothing "
			        "was recorded in these gaps.\n");
		if (sqlite3_column_int(st, 2))
			fprintf(out, "    a run started %s ended without a clean stop (killed or "
			        "crashed); it ran again from %s\n", col(st, 3), col(st, 1));
		else
			fprintf(out, "    stopped %s .. %s\n", col(st, 0), col(st, 1));
	}
	sqlite3_finalize(st);
}

int
report_text(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen)
{
	char since[40], until[40], start[40];
	long long lost = field(db, json, "$.totals.events_lost");
	long long nfind = field(db, json, "$.totals.findings");
	long long day = field(db, json, "$.watch.day"), days = field(db, json, "$.watch.days");
	int open;

	fprintf(out, "oc-audit report  %s .. %s\n", field_text(db, json, "$.since", since, 40),
	        field_text(db, json, "$.until", until, 40));
	field_text(db, json, "$.watch.start", start, 40);
	if (!*start)
		fprintf(out, "Watch:  not started (no events yet)\n");
	else if (day > days)
		fprintf(out, "Watch:  started %s; the %lld-day watch is over (day %lld), monitoring "
		        "goes on\n", start, days, day);
	else
		fprintf(out, "Watch:  started %s, day %lld of %lld\n", start, day, days);
	fprintf(out, "Totals: %lld connections, %lld DNS queries, %lld findings, %lld events "
	        "lost\n", field(db, json, "$.totals.connections"),
	        field(db, json, "$.totals.dns_queries"), nfind, lost);
	if (lost) {
		fprintf(out, "\n  !! %lld events were lost: the record is incomplete. By cause:\n",
		        lost);
		text_losses(db, json, out);
	}
	text_coverage(db, json, out);
	if (text_destinations(db, json, out, err, errlen) < 0 ||
	    text_dns(db, json, out, err, errlen) < 0 ||
	    (open = text_findings(db, json, out, err, errlen)) < 0)
		return -1;

	fprintf(out, "\nVerdict: ");
	if (nfind == 0 && lost == 0)
		fprintf(out, "CLEAN: the VM talked only to the expected set, and nothing was lost.\n");
	else if (nfind == 0)
		fprintf(out, "NO FINDINGS, but %lld events were lost: the record is incomplete.\n",
		        lost);
	else
		fprintf(out, "%lld FINDING%s (%d unacknowledged)%s.\n", nfind, nfind == 1 ? "" : "S",
		        open, lost ? ", and events were lost" : "");
	return 0;
}

int
report_csv(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = walk(db, json, "$.findings", FIND_FIELDS, err, errlen);
	char e[2600];

	if (!st)
		return -1;
	fprintf(out, "kind,domain,ip,port,proto,count,first_seen,last_seen,detail\r\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < 9; i++)
			fprintf(out, "%s%s", i ? "," : "", escape_csv(col(st, i), e, sizeof(e)));
		fprintf(out, "\r\n");
	}
	sqlite3_finalize(st);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: oc-audit report [--since 7d] [--until T] [--format text|json|csv]\n"
	           "                       [-c FILE | --db PATH] [--fail-on-findings]\n"
	           "  times: 30m, 12h, 7d (back from now) or ISO-8601 (2026-11-28T00:00:00Z)\n");
}

int
report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "fail-on-findings", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = "7d", *until = NULL, *format = "text", *cfile = NULL, *dbpath = NULL;
	struct report_opts o = { 0 };
	struct conf *c = NULL;
	sqlite3 *db = NULL;
	char err[1024] = "", *json = NULL;
	int ch, rc = 1, fail_on = 0;
	int64_t now = timefmt_now_us();

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'f': format = optarg; break;
		case 'c': cfile = optarg; break;
		case 'd': dbpath = optarg; break;
		case 'F': fail_on = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oc-audit report: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "csv")) {
		fprintf(stderr, "oc-audit report: --format must be text, json or csv, not '%s'\n",
		        format);
		return 2;
	}
	if (timefmt_parse_when(since, now, &o.since_us) < 0) {
		fprintf(stderr, "oc-audit report: bad --since '%s': use 30m, 12h, 7d or an "
		        "ISO-8601 time\n", since);
		return 2;
	}
	o.until_us = now + 1;
	if (until && timefmt_parse_when(until, now, &o.until_us) < 0) {
		fprintf(stderr, "oc-audit report: bad --until '%s': use 30m, 12h, 7d or an "
		        "ISO-8601 time\n", until);
		return 2;
	}
	if (o.until_us <= o.since_us) {
		fprintf(stderr, "oc-audit report: --until must be after --since\n");
		return 2;
	}
	c = conf_new();
	if (cfile && conf_load_file(c, cfile) > 0) {
		for (int i = 0; i < conf_error_count(c); i++)
			fprintf(stderr, "oc-audit report: %s\n", conf_error(c, i));
		rc = 2;
		goto out;
	}
	o.watch_start_us = c->watch_start_us;
	o.watch_days = c->watch_days;
	if (!(db = db_open_ro(dbpath ? dbpath : c->database, err, sizeof(err))) ||
	    !(json = report_json(db, &o, err, sizeof(err)))) {
		fprintf(stderr, "oc-audit report: %s\n", err);
		goto out;
	}
	if (strcmp(format, "json") == 0)
		printf("%s\n", json);
	else if ((strcmp(format, "csv") == 0 ? report_csv(db, json, stdout, err, sizeof(err))
	                                     : report_text(db, json, stdout, err, sizeof(err))) < 0) {
		fprintf(stderr, "oc-audit report: %s\n", err);
		goto out;
	}
	rc = 0;
	if (fail_on && report_open_findings(db, &o) != 0)
		rc = 3;
out:
	free(json);
	sqlite3_close(db);
	conf_free(c);
	return rc;
}
