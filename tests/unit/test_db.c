#include "config.h"

#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/embed.h"
#include "report/report.h"
#include "report/rows.h"
#include "collector/store.h"
#include "tap.h"

/* The addresses rollup past its cache's cap: 1 500 names asked twice, each answered with
 * its own address and the first time with it twice over; every pair is one row
 * counting its two queries, whether its second query found it in the cache or not. */
static void
ip_rollup(const char *dir)
{
	char path[256], err[512], name[32], addr[32];
	sqlite3 *db;
	struct store *s;
	int fails = 0;

	snprintf(path, sizeof(path), "%s/ips.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	s = db ? store_new(db, err, sizeof(err)) : NULL;
	ok(s != NULL, "a store for the addresses rollup");
	if (!s)
		return;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < 3000; i++) {
		struct dns_answer a[2];
		struct dns_event ev = { .ts_us = 1000 + i, .qtype = 1, .qclass = 1,
		                        .qname = name, .answers = a, .n_answers = i < 1500 ? 2 : 1 };

		snprintf(name, sizeof(name), "n%d.example", i % 1500);
		ev.qname_wire = (const uint8_t *)name;   /* any bytes: not what is tested */
		ev.qname_len = (uint8_t)strlen(name);
		snprintf(addr, sizeof(addr), "198.51.%d.%d", i % 1500 / 250, i % 250);
		a[0] = a[1] = (struct dns_answer){ .name = name, .rtype = 1, .ttl = 60, .data = addr };
		netaddr_parse("192.168.83.2", &ev.client);
		fails += store_dns(s, &ev, false) <= 0;
	}
	/* each on its own: a failed insert (+1) and a failed flush (-1) would add up to 0 */
	is_int(fails, 0, "3 000 queries stored");
	is_int(store_flush(s), 0, "and their rollups flushed");
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	is_int(db_int(db, "SELECT count(*) * 10000 + sum(answers) FROM dns_ips", 0),
	       1500 * 10000 + 3000, "1 500 pairs, 3 000 answers");
	is_int(db_int(db, "SELECT count(*) FROM dns_ips WHERE answers <> 2 OR last_us - first_us "
	              "<> 1500", -1), 0, "each pair: both queries, first and last");
	is_int(db_int(db, "SELECT count(*) FROM dns_names n JOIN name_hourly h ON h.name_id = n.id "
	              "WHERE n.queries = 2 AND h.queries = 2 AND n.last_us - n.first_us = 1500 "
	              "AND h.first_us = n.first_us AND h.last_us = n.last_us", -1), 1500,
	       "each name: both queries, in its total and its hour");
	store_free(s);
	sqlite3_close(db);
}

/* A database of schema version 7 keeps its hourly totals, and gains the counts of
 * events from outside vm_subnet at zero. */
static void
migrate_from_7(const char *dir)
{
	char path[256], err[512];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/v7.db", dir);
	ok(sqlite3_open(path, &db) == SQLITE_OK, "a version 7 database");
	for (int v = 0; v < 7; v++)
		sqlite3_exec(db, (const char *)schema_files[v].data, NULL, NULL, NULL);
	is_int(sqlite3_exec(db, "PRAGMA user_version = 7; INSERT INTO hourly(hour, connections,"
	       " dns_queries, findings, events_lost) VALUES (500000, 11, 22, 3, 4)", NULL, NULL,
	       NULL), SQLITE_OK, "with an hour in it");
	sqlite3_close(db);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "migrated%s%s", db ? "" : ": ", db ? "" : err);
	is_int(db_int(db, "SELECT connections * 1000 + dns_queries * 10 + other_connections * 100"
	              " + other_dns_queries FROM hourly WHERE hour = 500000", -1), 11220,
	       "its totals kept, other sources at zero");
	is_int(db_int(db, "SELECT count(*) FROM other_events", -1), 0, "other_events exists");
	sqlite3_close(db);
}

/* A database of schema version 2 with DNS rows in it (one from before version 2, without
 * a name id) comes out of version 3 with its rows found by name id and by address. */
static void
migrate_from_2(const char *dir)
{
	char path[256], err[512];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/v2.db", dir);
	ok(sqlite3_open(path, &db) == SQLITE_OK, "a version 2 database");
	for (int v = 0; v < 2; v++)
		sqlite3_exec(db, (const char *)schema_files[v].data, NULL, NULL, NULL);
	is_int(sqlite3_exec(db, "PRAGMA user_version = 2;"
	       "INSERT INTO dns_names(id, name, queries, first_us, last_us) VALUES"
	       " (7, 'a.example', 2, 10, 20), (8, 'b.example', 1, 30, 30);"
	       "INSERT INTO dns_queries(id, ts_us, client, qname, qname_wire, qtype, qclass,"
	       " transport, name_id) VALUES (1, 10, '192.168.83.2', 'a.example', x'00', 1, 1,"
	       " 'udp', NULL), (2, 20, '192.168.83.2', 'a.example', x'00', 1, 1, 'udp', 7),"
	       " (3, 30, '192.168.83.2', 'b.example', x'00', 28, 1, 'udp', 8);"
	       "INSERT INTO dns_answers(query_id, name, rtype, ttl, data) VALUES"
	       " (1, 'a.example', 1, 60, '198.51.100.1'), (2, 'a.example', 1, 60, '198.51.100.1'),"
	       " (2, 'a.example', 1, 60, '198.51.100.2'), (3, 'b.example', 5, 60, 'c.example'),"
	       " (3, 'c.example', 28, 60, '2001:db8::1');", NULL, NULL, NULL), SQLITE_OK,
	       "with rows in it");
	sqlite3_close(db);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "migrated%s%s", db ? "" : ": ", db ? "" : err);
	is_int(db_int(db, "PRAGMA user_version", -1), db_schema_version(), "to the latest");
	is_int(db_int(db, "SELECT name_id FROM dns_queries WHERE id = 1", 0), 7,
	       "a row without a name id gets its name's");
	is_int(db_int(db, "SELECT count(*) FROM pragma_index_info('dns_queries_name') "
	              "WHERE name = 'name_id' AND seqno = 0", 0), 1, "names looked up by id");
	is_int(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'dns_answers_data'", -1),
	       0, "no index on answer text");
	is_int(db_int(db, "SELECT answers * 100 + first_us FROM dns_ips WHERE ip = '198.51.100.1' "
	              "AND name_id = 7", 0), 210, "an address given twice for a name");
	is_int(db_int(db, "SELECT answers FROM dns_ips WHERE ip = '198.51.100.2'", 0), 1,
	       "another of its addresses");
	is_int(db_int(db, "SELECT name_id FROM dns_ips WHERE ip = '2001:db8::1'", 0), 8,
	       "an address at the end of a CNAME chain, under the name asked");
	is_int(db_int(db, "SELECT count(*) FROM dns_ips", 0), 3, "and nothing else");
	sqlite3_close(db);
}

/* All of what f gives, or NULL; the caller frees it. */
static char *
slurp(FILE *f)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[8192];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *b = realloc(buf, len + n + 1);

		if (!b) {
			free(buf);
			return NULL;
		}
		buf = b;
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	return buf ? buf : strdup("");
}

/* A version 16 database, before dns_names.base (schema 018): the names of
 * tests/data/db/names-v16.sql get their registered domain, and `oc-audit report` on the
 * upgraded database writes, byte for byte, what version 16's wrote on the same data
 * (tests/data/db/make-names-v16.sh): every fold, its examples and the rest row alike. */
static void
migrate_from_16(const char *dir)
{
	static const char *const runs[][2] = {
		{ "--since 2026-11-20T00:10:00Z --until 2026-11-20T03:50:00Z", "names-v16-report.txt" },
		{ "--since 2026-11-20T00:10:00Z --until 2026-11-20T03:50:00Z --format json",
		  "names-v16-report.json" },
		{ "--since 2026-11-19T00:00:00Z --until 2026-11-20T03:00:00Z", "names-v16-report2.txt" },
	};
	const char *src = getenv("OCA_SRCDIR"), *bin = getenv("OCA_BIN");
	char path[256], err[512], file[1024], cmd[2048];
	char *sql;
	sqlite3 *db;

	if (!src)
		src = "..";
	if (!bin)
		bin = "./oc-audit";
	snprintf(path, sizeof(path), "%s/v16.db", dir);
	snprintf(file, sizeof(file), "%s/tests/data/db/names-v16.sql", src);
	sql = slurp(fopen(file, "r"));
	ok(sql != NULL, "the names of version 16 (%s)", file);
	if (!sql)
		return;
	ok(sqlite3_open(path, &db) == SQLITE_OK, "a version 16 database");
	for (int v = 0; v < 16; v++)
		sqlite3_exec(db, (const char *)schema_files[v].data, NULL, NULL, NULL);
	is_int(sqlite3_exec(db, "PRAGMA user_version = 16", NULL, NULL, NULL), SQLITE_OK,
	       "at version 16");
	is_int(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "with its names");
	free(sql);
	sqlite3_close(db);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "migrated%s%s", db ? "" : ": ", db ? "" : err);
	is_int(db_int(db, "SELECT count(*) FROM dns_names WHERE base IS NULL", -1), 0,
	       "every name has its registered domain");
	is_int(db_int(db, "SELECT count(*) FROM dns_names WHERE name = 'N1.News.co.uk' AND "
	              "base = 'news.co.uk'", -1), 1, "one under co.uk, in lower case");
	sqlite3_close(db);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char *want, *got;

		snprintf(file, sizeof(file), "%s/tests/data/db/%s", src, runs[i][1]);
		want = slurp(fopen(file, "r"));
		snprintf(cmd, sizeof(cmd), "%s report --db %s %s", bin, path, runs[i][0]);
		{
			FILE *p = popen(cmd, "r");

			got = slurp(p);
			if (p)
				pclose(p);
		}
		ok(want && got && strcmp(want, got) == 0, "report %s: as version 16's, byte for "
		   "byte", runs[i][0]);
		free(want);
		free(got);
	}
}

/* A version 3 database with a query and an outbox row upgrades in place: its queries
 * are not truncated, and the outbox is indexed by finding. */
static void
migrate_from_3(const char *dir)
{
	char path[256], err[512];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/v3.db", dir);
	ok(sqlite3_open(path, &db) == SQLITE_OK, "a version 3 database");
	for (int v = 0; v < 3; v++)
		sqlite3_exec(db, (const char *)schema_files[v].data, NULL, NULL, NULL);
	is_int(sqlite3_exec(db, "PRAGMA user_version = 3;"
	       "INSERT INTO dns_queries(id, ts_us, client, qname, qname_wire, qtype, qclass,"
	       " transport, name_id) VALUES (1, 10, '192.168.83.2', 'a.example', x'00', 1, 1,"
	       " 'udp', 7);"
	       "INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us)"
	       " VALUES ('finding', 3, 10, '{}', 10);", NULL, NULL, NULL), SQLITE_OK,
	       "with rows in it");
	sqlite3_close(db);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "migrated%s%s", db ? "" : ": ", db ? "" : err);
	is_int(db_int(db, "PRAGMA user_version", -1), db_schema_version(), "to the latest");
	is_int(db_int(db, "SELECT truncated FROM dns_queries WHERE id = 1", -1), 0,
	       "an old query is not truncated");
	is_int(db_int(db, "SELECT count(*) FROM alert_outbox WHERE finding_id = 3", -1), 1,
	       "the outbox row is there");
	is_int(db_int(db, "SELECT count(*) FROM pragma_index_info('alert_outbox_finding')", 0),
	       1, "the outbox is indexed by finding");
	sqlite3_close(db);
}

/* Files of SQLite's temporary storage this process has open ("etilqs_" files, unlinked
 * at once). */
static int
temp_files_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char p[300], target[512];
		ssize_t len;

		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		if ((len = readlink(p, target, sizeof(target) - 1)) > 0) {
			target[len] = '\0';
			n += strstr(target, "etilqs_") != NULL;
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* The writer's temporary storage is bounded like a reader's (db_cache_kib): its caches
 * held to DB_WRITER_CACHE_KIB, and a sort larger than that spilled to a file instead of
 * kept whole in memory (temp_store=MEMORY never spilled). */
static void
writer_temp(const char *dir)
{
	char path[256], err[512];
	sqlite3_stmt *st = NULL;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/temp.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "a writer's handle");
	is_int(db_int(db, "PRAGMA temp_store", -1), 1, "its temporary storage a file");
	is_int(db_int(db, "PRAGMA cache_size", 0), -DB_WRITER_CACHE_KIB, "its page cache");
	is_int(db_int(db, "PRAGMA temp.cache_size", 0), -DB_WRITER_CACHE_KIB,
	       "and its temporary database's");
	/* 20 MB to sort: the first row comes once every row is sorted */
	sqlite3_prepare_v2(db, "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i "
	                   "WHERE n < 100000) SELECT randomblob(200) AS b FROM i ORDER BY b",
	                   -1, &st, NULL);
	is_int(sqlite3_step(st), SQLITE_ROW, "a sort of 20 MB");
	ok(temp_files_open() > 0, "spilled to a temporary file");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int
main(void)
{
	char dir[] = "/tmp/oca-test-db-XXXXXX", path[256], err[512];
	sqlite3 *db, *ro;
	struct store *s;
	struct conn_event ev = { 0 };
	struct report_opts o = { 0 };
	char *json;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	ok(db_open_ro(path, err, sizeof(err)) == NULL, "read-only open of a missing file fails");
	ok(strstr(err, "No such file") != NULL, "and says why: %s", err);

	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "create and migrate");
	is_int(db_int(db, "PRAGMA user_version", -1), db_schema_version(), "latest version");
	ok(db_schema_version() >= 1, "at least one migration");
	is_str(sqlite3_db_filename(db, NULL) ? "wal" : "", "wal", "opened");
	ok(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'findings'", 0) == 1,
	   "findings table exists");
	is_int(db_migrate(db, err, sizeof(err)), 0, "migrating again is a no-op");
	/* schema 16: connections_dst went; the flow lookup, the one query by dst, seeks
	 * connections_flow */
	is_int(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'connections_dst'", -1),
	       0, "connections_dst is gone");
	is_int(db_int(db, "SELECT count(*) FROM pragma_index_info('connections_flow')", 0), 3,
	       "connections_flow is there");
	/* schema 17: no reader looks a hello or a byte record up by its connection */
	is_int(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('hellos_conn', "
	              "'flow_bytes_conn')", -1), 0, "hellos_conn and flow_bytes_conn are gone");

	s = store_new(db, err, sizeof(err));
	ok(s != NULL, "statements prepare");
	is_int(sqlite3_memory_used(), 0, "SQLite keeps no global memory statistics (each "
	       "allocation would take a process-wide mutex)");
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < 5; i++) {
		netaddr_parse("192.168.83.2", &ev.src);
		netaddr_parse(i < 3 ? "198.51.100.2" : "198.51.100.3", &ev.dst);
		ev.proto = IPPROTO_TCP;
		ev.has_ports = 1;
		ev.sport = (uint16_t)(40000 + i);
		ev.dport = 443;
		ev.ts_us = 1000000LL * (100 + i);
		ok(store_conn(s, &ev, NULL) > 0, "store connection %d", i);
	}
	ok(store_loss(s, 1000000LL * 101, "queue_full", 7) == 0, "store a loss");
	ok(store_flush(s) == 0, "flush rollups");
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	is_int(db_int(db, "SELECT count(*) FROM connections", 0), 5, "5 rows");
	is_int(db_int(db, "SELECT count(*) FROM destinations", 0), 2, "2 destinations");
	is_int(db_int(db, "SELECT connections FROM destinations WHERE ip = '198.51.100.2'", 0), 3,
	       "rollup counts");
	is_int(db_int(db, "SELECT sum(connections) FROM dest_hourly", 0), 5, "hourly rollup");
	is_int(db_int(db, "SELECT sum(connections) FROM hourly", 0), 5, "totals rollup");
	is_int(db_int(db, "SELECT sum(events_lost) FROM hourly", 0), 7, "loss in rollup");

	ro = db_open_ro(path, err, sizeof(err));
	ok(ro != NULL, "read-only open while the writer has it open");
	o.since_us = 0;
	o.until_us = 1000000LL * 1000;
	o.watch_days = 7;
	json = report_json(ro, &o, err, sizeof(err));
	ok(json != NULL, "report json");
	is_int(db_int(ro, "SELECT 1", 0), 1, "ro usable");
	{
		sqlite3_stmt *st;
		sqlite3_prepare_v2(ro, "SELECT json_extract(?1, '$.totals.connections'), "
		                   "json_extract(?1, '$.totals.events_lost'), "
		                   "json_array_length(?1, '$.destinations'), "
		                   "json_extract(?1, '$.destinations[0].connections'), "
		                   "json_type(?1, '$.destinations[0].domain'), "
		                   "json_extract(?1, '$.destinations[0].proto'), "
		                   "json_extract(?1, '$.watch.day'), "
		                   "json_extract(?1, '$.since')", -1, &st, NULL);
		sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
		sqlite3_step(st);
		is_int(sqlite3_column_int(st, 0), 5, "report: connections");
		is_int(sqlite3_column_int(st, 1), 7, "report: events_lost");
		is_int(sqlite3_column_int(st, 2), 2, "report: destinations");
		is_int(sqlite3_column_int(st, 3), 3, "report: biggest first");
		is_str((const char *)sqlite3_column_text(st, 4), "null", "report: domain null");
		is_str((const char *)sqlite3_column_text(st, 5), "tcp", "report: proto name");
		is_int(sqlite3_column_int(st, 6), 1, "report: watch day 1");
		is_str((const char *)sqlite3_column_text(st, 7), "1970-01-01T00:00:00Z", "report: since");
		sqlite3_finalize(st);
	}
	o.since_us = 1000000LL * 102;
	free(json);
	json = report_json(ro, &o, err, sizeof(err));
	ok(json && strstr(json, "\"connections\":3,") != NULL, "window cuts the count: %s",
	   json ? json : err);
	free(json);
	sqlite3_close(ro);
	store_free(s);

	/* rollups + raw edges give exactly what counting raw rows gives, for any window */
	s = store_new(db, err, sizeof(err));
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < 3000; i++) {
		ev.ts_us = 1000000LL * 7200 + (int64_t)i * 12345678;  /* about 10 hours */
		ev.sport = (uint16_t)i;
		netaddr_parse(i % 3 ? "198.51.100.2" : "198.51.100.9", &ev.dst);
		store_conn(s, &ev, NULL);
	}
	store_flush(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	store_free(s);
	ro = db_open_ro(path, err, sizeof(err));
	{
		static const int64_t win[][2] = { { 0, 100000 }, { 7200, 18000 }, { 9000, 9001 },
		                                  { 10799, 25201 }, { 3600 * 3, 3600 * 6 },
		                                  { 8000, 40000 } };
		for (size_t w = 0; w < sizeof(win) / sizeof(win[0]); w++) {
			sqlite3_stmt *st;
			char q[256];
			long long want, got = -1, dsum = -1;

			o.since_us = win[w][0] * 1000000LL;
			o.until_us = win[w][1] * 1000000LL;
			snprintf(q, sizeof(q), "SELECT count(*) FROM connections WHERE ts_us >= %lld "
			         "AND ts_us < %lld", (long long)o.since_us, (long long)o.until_us);
			want = db_int(ro, q, -2);
			json = report_json(ro, &o, err, sizeof(err));
			sqlite3_prepare_v2(ro, "SELECT json_extract(?1, '$.totals.connections'), "
			                   "(SELECT sum(value->>'connections') FROM "
			                   "json_each(?1, '$.destinations'))", -1, &st, NULL);
			sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				got = sqlite3_column_int64(st, 0);
				dsum = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 :
				       sqlite3_column_int64(st, 1);
			}
			sqlite3_finalize(st);
			is_int(got, want, "window %lld..%lld: total = raw count", (long long)win[w][0],
			       (long long)win[w][1]);
			is_int(dsum, want, "window %lld..%lld: destinations add up",
			       (long long)win[w][0], (long long)win[w][1]);
			free(json);
		}
	}
	sqlite3_close(ro);

	/* a scan: each list gives its first rows only, and how many it holds (rows.h) */
	s = store_new(db, err, sizeof(err));
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	netaddr_parse("198.51.100.7", &ev.dst);
	for (int i = 0; i < REPORT_MAX_DEST_ROWS + 150; i++) {
		ev.ts_us = 1000000LL * 50000 + i;
		ev.sport = (uint16_t)i;
		ev.dport = (uint16_t)(1 + (i < 3 ? 0 : i));   /* port 1 three times: the first */
		store_conn(s, &ev, NULL);
	}
	store_flush(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	store_free(s);
	ro = db_open_ro(path, err, sizeof(err));
	o.since_us = 1000000LL * 49000;
	o.until_us = 1000000LL * 60000;
	json = report_json(ro, &o, err, sizeof(err));
	{
		sqlite3_stmt *st;
		char *txt = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&txt, &len);

		sqlite3_prepare_v2(ro, "SELECT json_array_length(?1, '$.destinations'), "
		                   "json_extract(?1, '$.destinations_total.other'), "
		                   "json_extract(?1, '$.destinations_total.expected'), "
		                   "json_extract(?1, '$.destinations[0].port'), "
		                   "json_extract(?1, '$.destinations[0].connections'), "
		                   "json_extract(?1, '$.destinations[1].port')", -1, &st, NULL);
		sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
		sqlite3_step(st);
		is_int(sqlite3_column_int(st, 0), REPORT_MAX_DEST_ROWS, "a scan: JSON lists %d",
		       REPORT_MAX_DEST_ROWS);
		is_int(sqlite3_column_int(st, 1), REPORT_MAX_DEST_ROWS + 148,
		       "and counts them all");
		is_int(sqlite3_column_int(st, 2), 0, "none expected");
		is_int(sqlite3_column_int(st, 3), 1, "the most connected first");
		is_int(sqlite3_column_int(st, 4), 3, "with its count");
		is_int(sqlite3_column_int(st, 5), 4, "then by port");
		sqlite3_finalize(st);
		is_int(report_write(ro, &o, REPORT_TEXT, f, err, sizeof(err)), 0, "text report");
		fclose(f);
		ok(txt && strstr(txt, "\n  ... and 1048 more destinations (") != NULL,
		   "text: the first 100, the rest counted");
		free(txt);
	}
	free(json);
	sqlite3_close(ro);

	/* names past REPORT_MAX_NAME_ROWS: the most asked first, the rest one "*" row */
	sqlite3_exec(db, "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i "
	             "WHERE n < 1003) INSERT INTO dns_names(name, base, expected, queries, "
	             "first_us, last_us) SELECT 'n' || n || '.example', oca_base('n' || n || "
	             "'.example'), 0, n, 51000000000 + n, 51000000000 + n FROM i; "
	             "INSERT INTO name_hourly(hour, name_id, queries, "
	             "first_us, last_us) SELECT 14, id, queries, first_us, last_us FROM dns_names "
	             "WHERE name GLOB 'n*.example'", NULL, NULL, NULL);
	ro = db_open_ro(path, err, sizeof(err));
	json = report_json(ro, &o, err, sizeof(err));
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(ro, "SELECT json_array_length(?1, '$.dns'), "
		                   "json_extract(?1, '$.dns[0].name'), "
		                   "json_extract(?1, '$.dns[1000].name'), "
		                   "json_extract(?1, '$.dns[1000].names'), "
		                   "json_extract(?1, '$.dns[1000].queries'), "
		                   "json_extract(?1, '$.dns[1000].first_seen'), "
		                   "json_extract(?1, '$.dns[1000].last_seen')", -1, &st, NULL);
		sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
		sqlite3_step(st);
		is_int(sqlite3_column_int(st, 0), REPORT_MAX_NAME_ROWS + 1, "names: %d and the rest",
		       REPORT_MAX_NAME_ROWS);
		is_str((const char *)sqlite3_column_text(st, 1), "n1003.example", "most asked first");
		is_str((const char *)sqlite3_column_text(st, 2), "*", "the rest: one row");
		is_int(sqlite3_column_int(st, 3), 3, "of the 3 least asked names");
		is_int(sqlite3_column_int(st, 4), 6, "their queries added up");
		is_str((const char *)sqlite3_column_text(st, 5), "1970-01-01T14:10:00Z",
		       "their first seen");
		is_str((const char *)sqlite3_column_text(st, 6), "1970-01-01T14:10:00Z",
		       "their last seen");
		sqlite3_finalize(st);
	}
	free(json);
	sqlite3_close(ro);

	sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
	ok(db_open_ro(path, err, sizeof(err)) == NULL, "unknown version refused");
	ok(strstr(err, "schema version 999") != NULL, "with the versions named: %s", err);
	sqlite3_close(db);
	ok(db_open_rw(path, err, sizeof(err)) == NULL, "writer refuses a newer schema too");

	snprintf(path, sizeof(path), "%s/junk.db", dir);
	{
		FILE *f = fopen(path, "w");
		fputs("this is not a database, not even a little bit, but long enough", f);
		fclose(f);
	}
	ok(db_open_ro(path, err, sizeof(err)) == NULL, "junk refused: %s", err);
	migrate_from_2(dir);
	migrate_from_3(dir);
	migrate_from_7(dir);
	migrate_from_16(dir);
	ip_rollup(dir);
	writer_temp(dir);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# cleanup failed\n");
	}
	return done_testing();
}
