/* The JSON API. Every document is built by SQLite's JSON functions (one encoder for
 * every string the VM sent), with the filters of params.c bound as parameters. Lists
 * are newest first and paged by a keyset cursor ("before" = the last id seen), which
 * walks the time index backwards and stops after a page however big the week is. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/findkind.h"
#include "common/log.h"
#include "report/report.h"
#include "common/timefmt.h"
#include "webapi.h"
#include "webint.h"

void
api_error(struct web_reply *r, unsigned status, const char *reason)
{
	wbuf_free(&r->body);
	r->status = status;
	r->ctype = "application/json";
	/* reasons are fixed strings of ours: no quote or backslash in any */
	wbuf_printf(&r->body, "{\"error\": \"%s\"}\n", reason);
}

static void
json_reply(struct web_reply *r, const char *text)
{
	r->status = 200;
	r->ctype = "application/json";
	wbuf_puts(&r->body, text);
	wbuf_puts(&r->body, "\n");
}

/* Run a statement that returns one JSON text and answer with it. */
static void
reply_stmt(sqlite3 *db, sqlite3_stmt *st, struct web_reply *r)
{
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		json_reply(r, (const char *)sqlite3_column_text(st, 0));
	else
		api_error(r, 500, "database query failed");
	(void)db;
	sqlite3_finalize(st);
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql, struct web_reply *r)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		api_error(r, 500, "database query failed");
		return NULL;
	}
	return st;
}

void
web_watch(const struct web *w, sqlite3 *db, int64_t now_us, struct watch *out)
{
	struct watch_in in = { .configured_us = w->conf->watch_start_us,
	                       .days = w->conf->watch_days, .now_us = now_us };

	watch_read(db, &in);
	watch_decide(&in, out);
}

/* An unlinked file in the database's directory (the daemon's own, writable for the
 * WAL), or -1. */
static int
report_file(const char *database)
{
	char dir[4200], tmpl[4300];
	const char *slash = strrchr(database, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == database ? 1 : (int)(slash - database),
		         database);
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	/* a file system without O_TMPFILE: a named file, unlinked at once */
	snprintf(tmpl, sizeof(tmpl), "%s/.oc-audit-report.XXXXXX", dir);
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) >= 0)
		unlink(tmpl);
	return fd;
}

/* The report is written to an unlinked file and sent from there, not built in memory:
 * its size grows with what the VM did in the window (tens of megabytes of JSON after a
 * few minutes of a flood of long names), and a buffer that size, with the copies made
 * while it grows, is what the daemon's memory would peak at. Written whole before the
 * answer starts, so its read transaction ends at once whatever the client's pace, and
 * a failure is still a 500. At most WEB_REPORT_FILES are held at a time. */
void
api_report(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	struct report_opts o = { 0 };
	struct web_rules *rules;
	char err[512] = "";
	FILE *f = NULL;
	int fd = -1, rc = -1;
	off_t len;

	if (atomic_fetch_add(&w->report_files, 1) >= WEB_REPORT_FILES) {
		atomic_fetch_sub(&w->report_files, 1);
		api_error(r, 503, "reports are being sent: try again shortly");
		r->retry_after = 2;
		return;
	}
	o.since_us = q->since_us;
	o.until_us = q->until_us;
	o.watch_start_us = w->conf->watch_start_us;
	o.watch_days = w->conf->watch_days;
	o.now_us = timefmt_now_us();
	/* the daemon's rules, as `oc-audit report -c` reads them from the same file */
	rules = web_rules_hold(w);
	o.rules = rules->rs;
	if ((fd = report_file(w->conf->database)) >= 0) {
		int wfd = dup(fd);

		if (wfd >= 0 && !(f = fdopen(wfd, "w")))
			close(wfd);
	}
	if (f) {
		rc = report_write(db, &o, REPORT_JSON, f, err, sizeof(err));
		if (rc == 0 && fputc('\n', f) == EOF)
			rc = -1;
		if (fclose(f) != 0)
			rc = -1;
	} else {
		snprintf(err, sizeof(err), "cannot create a file for it: %s", strerror(errno));
	}
	web_rules_put(rules);
	if (rc < 0 || (len = lseek(fd, 0, SEEK_END)) < 0) {
		log_warn("web: report: %s", err[0] ? err : strerror(errno));
		if (fd >= 0)
			close(fd);
		atomic_fetch_sub(&w->report_files, 1);
		api_error(r, 500, "report failed");
		return;
	}
	r->status = 200;
	r->ctype = "application/json";
	r->file_web = w;
	r->file_fd = fd;
	r->file_len = (uint64_t)len;
}

/* The ts of a row, for the keyset cursor; INT64_MAX when there is no cursor. */
static int64_t
cursor_ts(sqlite3 *db, const char *table, int64_t before_id)
{
	char sql[128];
	sqlite3_stmt *st;
	int64_t ts = INT64_MAX;

	if (before_id <= 0)
		return ts;
	snprintf(sql, sizeof(sql), "SELECT ts_us FROM %s WHERE id = ?", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return ts;
	sqlite3_bind_int64(st, 1, before_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		ts = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ts;
}

/* ?1 since ?2 until ?3 name ?4 ip ?5 qtype ?6 kind ?7 cursor ts ?8 cursor id ?9 limit */
/* The conditions on one query row t (without the name). */
#define DNS_ROW(t) \
	" " t ".ts_us >= ?1 AND " t ".ts_us < ?2 AND " t ".ts_us <= ?7" \
	" AND NOT (" t ".ts_us = ?7 AND " t ".id >= ?8)" \
	" AND (?4 IS NULL OR EXISTS (SELECT 1 FROM dns_answers a WHERE a.query_id = " t ".id" \
	"  AND a.data = ?4))" \
	" AND (?5 < 0 OR " t ".qtype = ?5)" \
	" AND CASE ?6 WHEN 1 THEN " t ".rcode = 0 WHEN 2 THEN " t ".rcode = 3" \
	"  WHEN 3 THEN " t ".rcode = 2 WHEN 4 THEN " t ".rcode = 5" \
	"  WHEN 5 THEN " t ".rcode IS NULL ELSE 1 END"

#define DNS_PAGE(where) \
	"SELECT json_object('items', json_group_array(json(item)), 'next_before'," \
	" CASE WHEN count(*) = ?9 THEN min(id) END) FROM (" \
	" SELECT id, json_object('id', id, 'ts', " DB_ISO("ts_us") ", 'client', client," \
	"  'qname', qname, 'qtype', qtype, 'rrtype', oca_rrtype(qtype), 'rcode', rcode," \
	"  'latency_us', latency_us," \
	"  'transport', transport, 'answers', (SELECT json_group_array(json_object(" \
	"   'name', a.name, 'type', a.rtype, 'rrtype', oca_rrtype(a.rtype), 'ttl', a.ttl," \
	"   'data', a.data))" \
	"   FROM dns_answers a WHERE a.query_id = q.id)) AS item" \
	" FROM dns_queries q WHERE " where \
	" ORDER BY ts_us DESC, id DESC LIMIT ?9)"

/* Without a name or address: the time index backwards. With a name: the names rollup
 * (dns_names) gives the matching names, and each contributes its latest rows by
 * (name_id, ts_us). With an address: the same for each name it was given for (dns_ips),
 * so a rare address is as quick to find as api.telegram.org's. */
#define DNS_NAMED(names) \
	"q.id IN (SELECT y.id FROM (" names ") n, dns_queries y" \
	" WHERE y.id IN (SELECT z.id FROM dns_queries z WHERE z.name_id = n.id AND" \
	DNS_ROW("z") " ORDER BY z.ts_us DESC, z.id DESC LIMIT ?9))"
#define NAME_LIKE(col) "instr(lower(" col "), lower(?3)) > 0"

const char web_dns_sql[] = DNS_PAGE(DNS_ROW("q"));
const char web_dns_name_sql[] = DNS_PAGE(DNS_NAMED(
	"SELECT id FROM dns_names WHERE " NAME_LIKE("name")));
const char web_dns_ip_sql[] = DNS_PAGE(DNS_NAMED(
	"SELECT i.name_id AS id FROM dns_ips i JOIN dns_names m ON m.id = i.name_id"
	" WHERE i.ip = ?4 AND (?3 = '' OR " NAME_LIKE("m.name") ")"));

/* ?1 since ?2 until ?3 name ?4 ip ?5 port ?6 proto ?7 kind ?8 cursor ts ?9 cursor id
 * ?10 limit. Two plans for one page: with no filter on the destination, walk the time
 * index backwards; with one (name, address, port, proto, expected or not), take the
 * latest rows of each matching destination by the (dest_id, ts_us) index, so a rare
 * name is as quick to find as a common one, and never scan five million rows. */
#define CONN_PAGE(where) \
	"SELECT json_object('items', json_group_array(json(item)), 'next_before'," \
	" CASE WHEN count(*) = ?10 THEN min(id) END) FROM (" \
	" SELECT c.id AS id, json_object('id', c.id, 'ts', " DB_ISO("c.ts_us") "," \
	"  'src', c.src, 'sport', c.sport, 'dst', c.dst, 'dport', c.dport," \
	"  'proto', " PROTO_SQL("c.proto") ", 'domain', c.domain," \
	"  'domains', CASE WHEN json_valid(c.domains) THEN json(c.domains) END," \
	"  'attribution', CASE c.attr WHEN 1 THEN 'answer' WHEN 2 THEN 'stale answer'" \
	"   ELSE 'none' END," \
	"  'expected', json(CASE WHEN d.expected THEN 'true' ELSE 'false' END)," \
	"  'why', CASE WHEN q.id IS NOT NULL THEN json_object('query_id', q.id," \
	"   'qname', q.qname, 'answered', " DB_ISO("q.ts_us") "," \
	"   'ttl', (SELECT min(a.ttl) FROM dns_answers a WHERE a.query_id = q.id" \
	"           AND a.data = c.dst)," \
	"   'age_s', (c.ts_us - q.ts_us) / 1000000) END) AS item" \
	" FROM connections c JOIN destinations d ON d.id = c.dest_id" \
	" LEFT JOIN dns_queries q ON q.id = c.query_id" \
	" WHERE " where \
	" ORDER BY c.ts_us DESC, c.id DESC LIMIT ?10)"

#define CONN_TIME(t) \
	t ".ts_us >= ?1 AND " t ".ts_us < ?2 AND " t ".ts_us <= ?8" \
	" AND NOT (" t ".ts_us = ?8 AND " t ".id >= ?9) AND (?7 <> 3 OR " t ".attr = 2)"

const char web_conn_sql[] = CONN_PAGE(CONN_TIME("c")
	" AND CASE ?7 WHEN 1 THEN d.expected = 1 WHEN 2 THEN d.expected = 0"
	"  WHEN 4 THEN c.attr = 0 ELSE 1 END");

const char web_conn_dest_sql[] = CONN_PAGE(
	"c.id IN (SELECT x.id FROM destinations dd, connections x"
	" WHERE (?3 = '' OR instr(lower(dd.domain), lower(?3)) > 0)"
	" AND (?4 IS NULL OR dd.ip = ?4) AND (?5 < 0 OR dd.port = ?5)"
	" AND (?6 < 0 OR dd.proto = ?6)"
	" AND CASE ?7 WHEN 1 THEN dd.expected = 1 WHEN 2 THEN dd.expected = 0"
	"  WHEN 4 THEN dd.domain = '' ELSE 1 END"
	" AND x.id IN (SELECT y.id FROM connections y WHERE y.dest_id = dd.id AND "
	CONN_TIME("y") " ORDER BY y.ts_us DESC, y.id DESC LIMIT ?10))");

sqlite3_stmt *
web_dns_stmt(sqlite3 *db, const struct web_query *q)
{
	const char *sql = q->has_ip ? web_dns_ip_sql : q->name[0] ? web_dns_name_sql
	                                                          : web_dns_sql;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, q->since_us);
	sqlite3_bind_int64(st, 2, q->until_us);
	sqlite3_bind_text(st, 3, q->name, -1, SQLITE_STATIC);
	if (q->has_ip)
		sqlite3_bind_text(st, 4, q->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, q->qtype);
	sqlite3_bind_int(st, 6, q->kind);
	sqlite3_bind_int64(st, 7, cursor_ts(db, "dns_queries", q->before_id));
	sqlite3_bind_int64(st, 8, q->before_id > 0 ? q->before_id : INT64_MAX);
	sqlite3_bind_int(st, 9, (int)q->limit);
	return st;
}

sqlite3_stmt *
web_conn_stmt(sqlite3 *db, const struct web_query *q)
{
	const char *sql = q->name[0] || q->has_ip || q->port >= 0 || q->proto >= 0 ||
	                  (q->kind != WK_ANY && q->kind != WK_STALE) ? web_conn_dest_sql
	                                                             : web_conn_sql;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, q->since_us);
	sqlite3_bind_int64(st, 2, q->until_us);
	sqlite3_bind_text(st, 3, q->name, -1, SQLITE_STATIC);
	if (q->has_ip)
		sqlite3_bind_text(st, 4, q->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, q->port);
	sqlite3_bind_int(st, 6, q->proto);
	sqlite3_bind_int(st, 7, q->kind);
	sqlite3_bind_int64(st, 8, cursor_ts(db, "connections", q->before_id));
	sqlite3_bind_int64(st, 9, q->before_id > 0 ? q->before_id : INT64_MAX);
	sqlite3_bind_int(st, 10, (int)q->limit);
	return st;
}

void
api_dns(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	sqlite3_stmt *st = web_dns_stmt(db, q);

	(void)w;
	if (!st) {
		api_error(r, 500, "database query failed");
		return;
	}
	reply_stmt(db, st, r);
}

void
api_connections(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	sqlite3_stmt *st = web_conn_stmt(db, q);

	(void)w;
	if (!st) {
		api_error(r, 500, "database query failed");
		return;
	}
	reply_stmt(db, st, r);
}

void
api_timeline(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	struct watch wk;
	sqlite3_stmt *st = prepare(db,
		"SELECT json_object('since', " DB_ISO("?1") ", 'until', " DB_ISO("?2") ","
		" 'watch', json_object('start', CASE WHEN ?3 > 0 THEN " DB_ISO("?3") " END,"
		"   'days', ?4),"
		" 'hours', (SELECT json_group_array(json_array(hour * 3600, connections,"
		"   dns_queries, findings, events_lost, bytes_up, bytes_down))"
		"   FROM (SELECT * FROM hourly"
		"   WHERE hour >= ?1 / 3600000000 AND hour <= (?2 - 1) / 3600000000"
		"   ORDER BY hour)),"
		" 'findings', (SELECT json_group_array(json_object('id', id, 'kind', kind,"
		"   'domain', domain, 'ip', ip, 'first_seen', " DB_ISO("first_us") "))"
		"   FROM (SELECT * FROM findings WHERE first_us >= ?1 AND first_us < ?2"
		"   ORDER BY first_us LIMIT 1000)),"
		/* the report's coverage of the window, to draw its blind stretches: the same
		 * rows as the report's, not a second reckoning */
		" 'coverage', json(json(?5) -> '$.coverage'))",
		r);
	struct report_opts o = { .since_us = q->since_us, .until_us = q->until_us,
	                         .watch_start_us = w->conf->watch_start_us,
	                         .watch_days = w->conf->watch_days, .now_us = timefmt_now_us() };
	char err[512];
	char *cov;

	if (!st)
		return;
	if (!(cov = report_coverage_json(db, &o, err, sizeof(err)))) {
		sqlite3_finalize(st);
		api_error(r, 500, "report failed");
		return;
	}
	sqlite3_bind_int64(st, 1, q->since_us);
	sqlite3_bind_int64(st, 2, q->until_us);
	web_watch(w, db, o.now_us, &wk);
	sqlite3_bind_int64(st, 3, wk.start_us);
	sqlite3_bind_int(st, 4, (int)w->conf->watch_days);
	sqlite3_bind_text(st, 5, cov, -1, free);
	reply_stmt(db, st, r);
}

void
api_findings(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	sqlite3_stmt *st = prepare(db,
		"SELECT json_object('items', json_group_array(json(item)), 'last_id',"
		" (SELECT max(id) FROM findings)) FROM ("
		" SELECT json_object('id', id, 'kind', kind,"
		"  'severity', " FINDKIND_SEVNAME_SQL("kind") ", 'domain', domain, 'ip', ip,"
		"  'port', port, 'proto', proto, 'count', count,"
		"  'first_seen', " DB_ISO("first_us") ", 'last_seen', " DB_ISO("last_us") ","
		"  'watch_day', watch_day, 'detail', detail,"
		"  'acked', json(CASE WHEN " DB_ACKED_SQL " IS NULL THEN 'false' ELSE 'true' END),"
		"  'blocked', json(CASE WHEN blocked THEN 'true' ELSE 'false' END),"
		"  'ack_note', ack_note, 'ack_by', ack_by, 'acked_at', " DB_ISO("acked_us") ","
		"  'ack_until', " DB_ISO("ack_until_us") ") AS item"
		" FROM findings WHERE id > ?3 AND last_us >= ?1 AND first_us < ?2"
		" ORDER BY id DESC LIMIT ?4)", r);

	(void)w;
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, q->since_us);
	sqlite3_bind_int64(st, 2, q->until_us);
	sqlite3_bind_int64(st, 3, q->after_id);
	sqlite3_bind_int(st, 4, (int)q->limit);
	reply_stmt(db, st, r);
}

_Static_assert(ACK_NOTE_MAX < sizeof(((struct cmd_event *)0)->text), "a note fits a command");
_Static_assert(ACK_BY_MAX <= sizeof(((struct cmd_event *)0)->by), "who fits a command");

/* who: printable ASCII, as the CLI sends "cli (USER)"; self-declared, so only shown */
static bool
by_ok(const char *by)
{
	for (; *by; by++)
		if (*by < 0x20 || *by > 0x7e)
			return false;
	return true;
}

void
api_ack(struct web *w, sqlite3 *db, int64_t id, const struct web_ack *a,
        struct web_reply *r)
{
	struct cmd_event c = { 0 };
	sqlite3_stmt *st;
	int64_t now = timefmt_now_us(), until_us = 0;
	bool remove = strcmp(a->remove, "1") == 0;
	int state = -1;
	char why[128];

	if (!remove && a->remove[0] && strcmp(a->remove, "0") != 0) {
		api_error(r, 400, "bad remove: 1 or 0");
		return;
	}
	if (remove && (a->note[0] || a->until[0])) {
		api_error(r, 400, "remove takes no note and no until");
		return;
	}
	if (ack_note_check(a->note, why, sizeof(why)) < 0 ||
	    (*a->until && ack_until_parse(a->until, now, &until_us, why, sizeof(why)) < 0)) {
		api_error(r, 400, why[0] == 'n' ? "bad note: at most 150 bytes of UTF-8 text, "
		          "no control characters" : "bad until: a duration ahead (7d, 12h) or an "
		          "ISO-8601 time to come");
		return;
	}
	if (!by_ok(a->by)) {
		api_error(r, 400, "bad by: printable ASCII");
		return;
	}
	if (sqlite3_prepare_v2(db, "SELECT 0 FROM findings WHERE id = ?", -1,
	                       &st, NULL) != SQLITE_OK) {
		api_error(r, 500, "database query failed");
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		state = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (state < 0) {
		api_error(r, 404, "no such finding");
		return;
	}
	r->ctype = "application/json";
	/* the web thread never writes: the core thread applies it with the next batch (a
	 * second acknowledgement replaces the first: a new note, another expiry) */
	c.kind = remove ? CMD_UNACK_FINDING : CMD_ACK_FINDING;
	c.id = id;
	c.ts_us = now;
	c.arg = until_us;
	snprintf(c.text, sizeof(c.text), "%s", a->note);
	snprintf(c.by, sizeof(c.by), "%s", *a->by ? a->by : "dashboard");
	if (queue_push_cmd(w->q, &c) < 0) {
		api_error(r, 503, "the collector is busy: try again");
		return;
	}
	r->status = 202;
	if (remove)
		wbuf_printf(&r->body, "{\"id\": %lld, \"removed\": true, \"queued\": true}\n",
		            (long long)id);
	else
		wbuf_printf(&r->body, "{\"id\": %lld, \"acked\": false, \"queued\": true}\n",
		            (long long)id);
}
