#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "db.h"
#include "escape.h"
#include "report.h"
#include "timefmt.h"

/* ISO-8601 from a microsecond column. */
#define ISO(x) "strftime('%Y-%m-%dT%H:%M:%SZ', (" x ") / 1000000, 'unixepoch')"
#define PROTO(x) "CASE " x " WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' " \
	"WHEN 58 THEN 'icmpv6' WHEN 132 THEN 'sctp' WHEN 136 THEN 'udplite' " \
	"WHEN 33 THEN 'dccp' ELSE CAST(" x " AS TEXT) END"

/* ?1 since, ?2 until (exclusive), ?3 watch start, ?4 watch days, ?5 watch day. */
static const char report_sql[] =
	"SELECT json_object("
	" 'since', " ISO("?1") ", 'until', " ISO("?2") ","
	" 'watch', json_object('start', CASE WHEN ?3 > 0 THEN " ISO("?3") " END,"
	"   'days', ?4, 'day', ?5),"
	" 'totals', json_object("
	"   'connections', (SELECT count(*) FROM connections WHERE ts_us >= ?1 AND ts_us < ?2),"
	"   'dns_queries', (SELECT count(*) FROM dns_queries WHERE ts_us >= ?1 AND ts_us < ?2),"
	"   'findings', (SELECT count(*) FROM findings WHERE last_us >= ?1 AND first_us < ?2),"
	"   'events_lost', (SELECT coalesce(sum(count), 0) FROM losses"
	"                   WHERE ts_us >= ?1 AND ts_us < ?2)),"
	" 'destinations', (SELECT json_group_array(json_object("
	"     'domain', nullif(d.domain, ''), 'ip', d.ip, 'port', d.port,"
	"     'proto', " PROTO("d.proto") ", 'connections', c.n,"
	"     'expected', json(CASE WHEN d.expected THEN 'true' ELSE 'false' END),"
	"     'first_seen', " ISO("c.first") ", 'last_seen', " ISO("c.last") "))"
	"   FROM (SELECT dest_id, count(*) AS n, min(ts_us) AS first, max(ts_us) AS last"
	"         FROM connections WHERE ts_us >= ?1 AND ts_us < ?2 GROUP BY dest_id) c"
	"   JOIN destinations d ON d.id = c.dest_id"
	"   ORDER BY d.expected DESC, c.n DESC, d.domain, d.ip, d.port),"
	" 'findings', (SELECT json_group_array(json_object("
	"     'kind', kind, 'domain', domain, 'ip', ip, 'port', port, 'proto', proto,"
	"     'count', count, 'first_seen', " ISO("first_us") ", 'last_seen', " ISO("last_us") ","
	"     'detail', detail))"
	"   FROM (SELECT * FROM findings WHERE last_us >= ?1 AND first_us < ?2"
	"         ORDER BY kind, first_us)))";

/* The watch start: configured, else stored by the collector, else the first event. */
static int64_t
watch_start(sqlite3 *db, int64_t configured)
{
	long long v;

	if (configured > 0)
		return configured;
	v = db_int(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'watch_start_us'", 0);
	if (v > 0)
		return v;
	return db_int(db, "SELECT min(t) FROM (SELECT min(ts_us) AS t FROM connections "
	              "UNION ALL SELECT min(ts_us) FROM dns_queries)", 0);
}

char *
report_json(sqlite3 *db, const struct report_opts *o, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t start = watch_start(db, o->watch_start_us), day = 0;
	char *out = NULL;

	if (start > 0 && o->until_us > start)
		day = (o->until_us - 1 - start) / (86400 * US_PER_SEC) + 1;
	if (sqlite3_prepare_v2(db, report_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "report query: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, o->since_us);
	sqlite3_bind_int64(st, 2, o->until_us);
	sqlite3_bind_int64(st, 3, start);
	sqlite3_bind_int(st, 4, (int)o->watch_days);
	sqlite3_bind_int64(st, 5, day);
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

	if (*domain)
		fprintf(out, "%s ", escape_term(domain, e, sizeof(e)));
	fprintf(out, "%s%s", *domain ? "(" : "", escape_term(ip, e, sizeof(e)));
	if (*port && strcmp(port, "0") != 0)
		fprintf(out, ":%s", port);
	fprintf(out, "/%s%s", escape_term(proto, e, sizeof(e)), *domain ? ")" : "");
}

int
report_text(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen)
{
	char since[40], until[40], start[40];
	long long conns = field(db, json, "$.totals.connections");
	long long lost = field(db, json, "$.totals.events_lost");
	long long nfind = field(db, json, "$.totals.findings");
	long long day = field(db, json, "$.watch.day"), days = field(db, json, "$.watch.days");
	sqlite3_stmt *st;
	int n = 0;
	char e[1200];

	fprintf(out, "oc-audit report\n");
	fprintf(out, "  window        %s .. %s\n", field_text(db, json, "$.since", since, 40),
	        field_text(db, json, "$.until", until, 40));
	field_text(db, json, "$.watch.start", start, 40);
	if (*start)
		fprintf(out, "  watch         started %s, day %lld of %lld%s\n", start, day, days,
		        day > days ? " (the watch week is over)" : "");
	else
		fprintf(out, "  watch         not started (no events yet)\n");
	fprintf(out, "  connections   %lld\n", conns);
	fprintf(out, "  dns queries   %lld\n", field(db, json, "$.totals.dns_queries"));
	fprintf(out, "  findings      %lld\n", nfind);
	fprintf(out, "  events lost   %lld%s\n", lost,
	        lost ? "  <-- the record is incomplete: see the losses table" : "");

	for (int pass = 0; pass < 2; pass++) {
		if (!(st = walk(db, json, "$.destinations", DEST_FIELDS, err, errlen)))
			return -1;
		n = 0;
		fprintf(out, "\n%s destinations\n", pass == 0 ? "Expected" : "Other");
		while (sqlite3_step(st) == SQLITE_ROW) {
			if ((strcmp(col(st, 5), "1") == 0) != (pass == 0))
				continue;
			fprintf(out, "  %8s  ", col(st, 4));
			print_dest(out, col(st, 0), col(st, 1), col(st, 2), col(st, 3));
			fprintf(out, "  %s .. %s\n", col(st, 6), col(st, 7));
			n++;
		}
		sqlite3_finalize(st);
		if (n == 0)
			fprintf(out, "  (none)\n");
	}

	if (!(st = walk(db, json, "$.findings", FIND_FIELDS, err, errlen)))
		return -1;
	fprintf(out, "\nFindings\n");
	n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(out, "  %-22s ", escape_term(col(st, 0), e, sizeof(e)));
		print_dest(out, col(st, 1), *col(st, 2) ? col(st, 2) : "-", col(st, 3),
		           *col(st, 4) ? col(st, 4) : "-");
		fprintf(out, "\n      %s times, %s .. %s\n      %s\n", col(st, 5), col(st, 6),
		        col(st, 7), escape_term(col(st, 8), e, sizeof(e)));
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0)
		fprintf(out, "  (none)\n");

	fprintf(out, "\nVerdict: ");
	if (nfind == 0 && lost == 0)
		fprintf(out, "clean: every connection went to the expected set, nothing was lost.\n");
	else if (nfind == 0)
		fprintf(out, "no findings, but %lld events were lost: the record is incomplete.\n",
		        lost);
	else
		fprintf(out, "%lld finding%s%s.\n", nfind, nfind == 1 ? "" : "s",
		        lost ? " and events were lost" : "");
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
