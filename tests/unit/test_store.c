/* The store's undo of one event over a real database: every write of an event is stepped
 * by the store (its rollups' too), so none escapes the undo; a write that went round it
 * makes the undo refuse, for the whole transaction. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>

#include "collector/store.h"
#include "common/db.h"
#include "common/timefmt.h"
#include "tap.h"

#define S(x) (T0 + (int64_t)(x) * 1000000)
static const int64_t T0 = INT64_C(1796000000) * 1000000;

static int64_t
conn(struct store *s, int64_t ts)
{
	struct conn_event ev = { .ts_us = ts, .mono_us = ts, .proto = IPPROTO_TCP,
	                         .has_ports = 1, .sport = 40000, .dport = 443 };

	netaddr_parse("192.168.83.2", &ev.src);
	netaddr_parse("203.0.113.7", &ev.dst);
	return store_conn(s, &ev, NULL);
}

int
main(void)
{
	char dir[] = "/tmp/oca-test-store-XXXXXX", path[64], err[512], cmd[100];
	const char *dest = "SELECT connections FROM destinations WHERE ip = '203.0.113.7'";
	const char *hourly = "SELECT coalesce(sum(connections), 0) FROM dest_hourly";
	sqlite3 *db;
	struct store *s;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	s = db ? store_new(db, err, sizeof(err)) : NULL;
	ok(s != NULL, "open: %s", s ? "" : err);
	if (!s)
		return done_testing();

	/* the rollup of a connection's destination holds a count of one hour; the next
	 * event's connection, an hour later, flushes it before it counts its own: that
	 * flush is a write of the event, undone with it, not counted twice */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	store_event_begin(s);
	ok(conn(s, S(0)) > 0, "a connection");
	is_int(store_event_end(s, true), 0, "kept");
	store_event_begin(s);
	ok(conn(s, S(0) + HOUR_US) > 0, "one an hour later");
	is_int(store_event_end(s, false), 0, "undone");
	is_int(store_flush(s), 0, "flush");
	is_int(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK, "commit");
	is_int(db_int(db, dest, -1), 1, "the destination counts the kept connection once");
	is_int(db_int(db, hourly, -1), 1, "and so do its hours");
	is_int(db_int(db, "SELECT count(*) FROM connections", -1), 1, "one row");

	/* a write inside an event that the store did not step: the undo cannot know it,
	 * and says so, whether the event had a savepoint or not */
	for (int sp = 0; sp < 2; sp++) {
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		store_event_begin(s);
		ok(conn(s, S(10)) > 0, "a connection (its destination known after it)");
		store_event_end(s, true);
		store_event_begin(s);
		ok(conn(s, S(11)) > 0, "a connection: its own row, no savepoint");
		sqlite3_exec(db, "UPDATE destinations SET connections = connections + 100", NULL,
		             NULL, NULL);
		if (sp)
			is_int(store_meta(s, "test", "x"), 0, "a write that opens the savepoint");
		is_int(store_event_end(s, false), -1,
		       sp ? "a stray write before the savepoint: the undo refuses"
		          : "a stray write, no savepoint: the undo refuses");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		store_discard(s);
	}
	is_int(db_int(db, dest, -1), 1, "the transaction rolled back: still one");

	store_free(s);
	sqlite3_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
