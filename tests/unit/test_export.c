/* export over a planted week: every event once, for a window and after a batch; rows
 * not sealed in a batch are left out; hostile names stay exact in JSON lines and are
 * escaped in text and CSV; kind lists parse. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/timefmt.h"
#include "report/export.h"
#include "tap.h"

/* 2026-11-29T00:00:00Z */
static const int64_t T0 = INT64_C(1795910400) * US_PER_SEC;
#define H HOUR_US
#define HOURS (7 * 24)

static void __attribute__((format(printf, 2, 3)))
run_sql(sqlite3 *db, const char *fmt, ...)
{
	char sql[2048], *e = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK)
		printf("# %s: %s\n", sql, e);
	sqlite3_free(e);
}

/* Export o into a string (caller frees); *n the rows, *cursor the batch reached. */
static char *
run(sqlite3 *db, const struct export_opts *o, int64_t *n, int64_t *cursor)
{
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	export_header(o, f);
	*n = export_run(db, o, f, cursor, err, sizeof(err));
	fclose(f);
	if (*n < 0)
		printf("# %s\n", err);
	return buf;
}

static int
lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every line is a JSON object (SQLite's json_valid), and they hold qname exactly once. */
static int
all_valid(sqlite3 *db, const char *text, const char *qname, int *found)
{
	sqlite3_stmt *st;
	int bad = 0;

	*found = 0;
	sqlite3_prepare_v2(db, "SELECT json_valid(?1) AND json_type(?1) = 'object', "
	                   "coalesce(?1 ->> '$.query' = ?2, 0)", -1, &st, NULL);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');

		if (!nl)
			return bad + 1;
		sqlite3_bind_text(st, 1, p, (int)(nl - p), SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, qname, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			bad += !sqlite3_column_int(st, 0);
			*found += sqlite3_column_int(st, 1);
		}
		sqlite3_reset(st);
		p = nl + 1;
	}
	sqlite3_finalize(st);
	return bad;
}

int
main(void)
{
	char dir[] = "/tmp/oca-export.XXXXXX", path[128], err[256];
	/* a quote, a backslash, an escape sequence, a bidi override, a newline */
	static const char hostile[] = "a\"b\\c\x1b[31m\xe2\x80\xae\nx.evil.example";
	struct export_opts o = { .format = EXPORT_JSONL, .since_us = T0 - 7 * 24 * H,
	                         .until_us = T0 };
	int64_t n, cursor;
	unsigned kinds;
	sqlite3 *db;
	char *out;
	int found;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/export.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "a database");
	if (!db)
		return done_testing();

	/* a week: each hour a DNS query with its answer and a connection, sealed in a batch
	 * of its own; one finding on the first day */
	run_sql(db, "BEGIN");
	for (int h = 0; h < HOURS; h++) {
		int64_t ts = T0 - 7 * 24 * H + h * H + 5 * US_PER_SEC;

		run_sql(db, "INSERT INTO dns_queries(id, ts_us, client, cport, qid, qname, qname_wire, "
		        "qtype, qclass, rcode, latency_us, transport) VALUES(%d, %lld, '192.168.83.2', "
		        "5353, 7, 'api.telegram.org', x'00', 1, 1, 0, 900, 'udp')", h + 1,
		        (long long)ts);
		run_sql(db, "INSERT INTO dns_answers(id, query_id, name, rtype, ttl, data) VALUES"
		        "(%d, %d, 'api.telegram.org', 1, 300, '198.51.100.3')", h + 1, h + 1);
		run_sql(db, "INSERT INTO connections(id, ts_us, family, proto, src, sport, dst, "
		        "dport, attr, domain, dest_id) VALUES(%d, %lld, 4, 6, '192.168.83.2', 40000, "
		        "'198.51.100.3', 443, 1, 'api.telegram.org', 1)", h + 1,
		        (long long)ts + US_PER_SEC);
		run_sql(db, "INSERT INTO batches(id, run_id, committed_us, form, conn_last, "
		        "query_last, answer_last, finding_last, loss_last, sensor_last, raw, hash) "
		        "VALUES(%d, 1, %lld, 2, %d, %d, %d, %d, 0, 0, x'', x'')", h + 1,
		        (long long)ts + 2 * US_PER_SEC, h + 1, h + 1, h + 1, h >= 3);
		if (h == 3)
			run_sql(db, "INSERT INTO findings(id, kind, key, domain, first_us, last_us, "
			        "detail) VALUES(1, 'unexpected-domain', 'k', 'x.evil.example', %lld, "
			        "%lld, 'line one\nline two')", (long long)ts, (long long)ts);
	}
	/* a row no batch sealed (written outside the collector, or not committed yet) */
	run_sql(db, "INSERT INTO connections(id, ts_us, family, proto, src, dst, dest_id) "
	        "VALUES(%d, %lld, 4, 6, '192.168.83.2', '198.51.100.9', 1)", HOURS + 1,
	        (long long)(T0 - H));
	run_sql(db, "COMMIT");

	out = run(db, &o, &n, &cursor);
	is_int(n, 2 * HOURS + 1, "the week: every sealed event once");
	is_int(lines(out), n, "a line each");
	is_int(cursor, HOURS, "the cursor: the last batch");
	ok(strstr(out, "198.51.100.9") == NULL, "a row in no batch is not exported");
	is_int(all_valid(db, out, "", &found), 0, "every line a JSON object");
	ok(strncmp(out, "{\"ts\":\"2026-11-22T00:00:05.000000Z\",\"event_type\":\"dns\",\"id\":1,"
	           "\"src_ip\":\"192.168.83.2\",\"src_port\":5353,\"proto\":\"udp\","
	           "\"query\":\"api.telegram.org\",\"qtype\":\"A\",\"rcode\":\"NOERROR\","
	           "\"trans_id\":7,\"latency_us\":900,\"answers\":[{\"rrname\":"
	           "\"api.telegram.org\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"198.51.100.3\"}],"
	           "\"answers_truncated\":false}\n", 300) == 0, "the first line, field by field");
	free(out);

	o.since_us = T0 - 3 * 24 * H;
	o.until_us = T0 - 1 * 24 * H;
	free(run(db, &o, &n, &cursor));
	is_int(n, 2 * 48, "two days of the week");

	o.kinds = 0;
	ok(export_kind_parse("conn", &o.kinds, err, sizeof(err)) == 0, "--kind conn");
	free(run(db, &o, &n, &cursor));
	is_int(n, 48, "... the connections only");
	o.kinds = 0;

	o.by_batch = true;
	o.after_batch = 100;
	free(run(db, &o, &n, &cursor));
	is_int(n, 2 * (HOURS - 100), "after batch 100: the later batches' events");
	o.after_batch = HOURS;
	free(run(db, &o, &n, &cursor));
	ok(n == 0 && cursor == HOURS, "after the last batch: nothing, the cursor stays");
	o.after_batch = 0;
	free(run(db, &o, &n, &cursor));
	is_int(n, 2 * HOURS + 1, "after batch 0: everything sealed");

	/* hostile bytes: exact in JSON, escaped for a terminal and for a spreadsheet */
	run_sql(db, "BEGIN");
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "INSERT INTO dns_queries(id, ts_us, client, qname, qname_wire, "
		                   "qtype, qclass, transport) VALUES(?1, ?2, '192.168.83.2', ?3, x'00',"
		                   " 16, 1, 'tcp')", -1, &st, NULL);
		sqlite3_bind_int(st, 1, HOURS + 1);
		sqlite3_bind_int64(st, 2, T0 - H);
		sqlite3_bind_text(st, 3, hostile, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	run_sql(db, "INSERT INTO batches(id, run_id, committed_us, form, conn_last, query_last, "
	        "answer_last, finding_last, loss_last, sensor_last, raw, hash) VALUES(%d, 1, "
	        "%lld, 2, %d, %d, %d, 1, 0, 0, x'', x'')", HOURS + 1, (long long)(T0 - H),
	        HOURS + 1, HOURS + 1, HOURS);
	run_sql(db, "COMMIT");
	o.after_batch = HOURS;
	out = run(db, &o, &n, &cursor);
	is_int(n, 2, "the new batch: the hostile query and the row it sealed");
	is_int(all_valid(db, out, hostile, &found), 0, "hostile: valid JSON lines");
	is_int(found, 1, "hostile: the name exactly as stored");
	ok(strstr(out, "\"rcode\":\"no answer\"") != NULL, "no answer sent: said so");
	free(out);
	o.format = EXPORT_TEXT;
	out = run(db, &o, &n, &cursor);
	ok(!strchr(out, '\x1b') && !strstr(out, "\xe2\x80\xae") && lines(out) == 2,
	   "text: no escape byte, no bidi override, no line break from the VM");
	ok(strstr(out, "query=a\"b\\c\\x1b[31m\\xe2\\x80\\xae\\x0ax.evil.example") != NULL,
	   "text: the name escaped for a terminal");
	free(out);
	o.format = EXPORT_CSV;
	out = run(db, &o, &n, &cursor);
	ok(strncmp(out, "ts,event_type,id,src_ip,", 24) == 0, "csv: the header first");
	ok(strstr(out, ",\"a\"\"b\\c\\x1b[31m") != NULL, "csv: quotes doubled, control bytes "
	   "escaped");
	free(out);

	/* a ClientHello the capture stored, sealed in a batch of form 3: exported once */
	run_sql(db, "BEGIN");
	run_sql(db, "INSERT INTO hellos(id, ts_us, kind, family, proto, client, cport, server, "
	        "sport, name, alpn, version, ech, dest_id) VALUES(1, %lld, 'tls', 4, 6, "
	        "'192.168.83.2', 40001, '198.51.100.3', 443, 'api.telegram.org', 'h2,http/1.1', "
	        "772, 0, 1)", (long long)(T0 - H / 2));
	run_sql(db, "INSERT INTO batches(id, run_id, committed_us, form, conn_last, query_last, "
	        "answer_last, finding_last, loss_last, sensor_last, hello_last, raw, hash) "
	        "VALUES(%d, 1, %lld, 3, %d, %d, %d, 1, 0, 0, 1, x'', x'')", HOURS + 2,
	        (long long)(T0 - H / 2), HOURS + 1, HOURS + 1, HOURS);
	run_sql(db, "COMMIT");
	o.format = EXPORT_JSONL;
	o.after_batch = HOURS + 1;
	out = run(db, &o, &n, &cursor);
	ok(n == 1 && cursor == HOURS + 2, "the hello's batch: the hello alone");
	ok(out && strcmp(out, "{\"ts\":\"2026-11-28T23:30:00.000000Z\",\"event_type\":\"tls\","
	   "\"id\":1,\"src_ip\":\"192.168.83.2\",\"src_port\":40001,\"dest_ip\":"
	   "\"198.51.100.3\",\"dest_port\":443,\"proto\":\"tcp\",\"app_proto\":\"tls\","
	   "\"sni\":\"api.telegram.org\",\"alpn\":\"h2,http/1.1\",\"tls_version\":"
	   "\"TLS 1.3\",\"ech\":false}\n") == 0, "the hello, field by field");
	free(out);
	o.by_batch = false;
	o.since_us = T0 - 7 * 24 * H;
	o.until_us = T0;
	ok(export_kind_parse("tls", &o.kinds, err, sizeof(err)) == 0, "--kind tls");
	free(run(db, &o, &n, &cursor));
	is_int(n, 1, "the week's hellos: one, once");
	o.kinds = 0;
	free(run(db, &o, &n, &cursor));
	is_int(n, 2 * HOURS + 1 + 2 + 1, "the week: every sealed event once, the hello too");

	ok(export_kind_parse("dns,conn,finding,loss,sensor,tls", &kinds, err, sizeof(err)) == 0 &&
	   kinds == 0x3f, "every kind");
	ok(export_kind_parse("dns,tunnel", &kinds, err, sizeof(err)) < 0 &&
	   strstr(err, "'tunnel'"), "an unknown kind is named");
	is_str(export_kind_names(), "conn,dns,finding,loss,sensor,tls", "the kinds");

	sqlite3_close(db);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
