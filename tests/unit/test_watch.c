/* The watch week: where it starts, which day an instant falls in, when it ends; and
 * reading what the database holds for it. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "common/db.h"
#include "common/timefmt.h"
#include "common/watch.h"
#include "tap.h"

static const int64_t T0 = INT64_C(1796000000) * US_PER_SEC;

static struct watch
at(int64_t configured, int64_t stored, int64_t first, unsigned days, int64_t now)
{
	struct watch w;

	watch_decide(&(struct watch_in){ configured, stored, first, days, now }, &w);
	return w;
}

int
main(void)
{
	struct watch w;

	w = at(0, 0, 0, 7, T0);
	ok(w.start_us == 0 && w.end_us == 0 && w.day == 0 && !w.ended,
	   "nothing configured, stored or seen: not started");
	is_int(at(0, 0, T0, 7, T0).start_us, T0, "auto: the first event starts it");
	is_int(at(0, T0 - 5, T0, 7, T0).start_us, T0 - 5, "a stored start wins over the first event");
	is_int(at(T0 - 9, T0 - 5, T0, 7, T0).start_us, T0 - 9, "a configured start wins over both");

	is_int(at(0, 0, T0, 7, T0).day, 1, "day 1 at the start");
	is_int(at(0, 0, T0, 7, T0 + DAY_US - 1).day, 1, "still day 1 a microsecond before 24 h");
	is_int(at(0, 0, T0, 7, T0 + DAY_US).day, 2, "day 2 at 24 h");
	is_int(at(T0, 0, 0, 7, T0 - 1).day, 0, "day 0 before a configured start");

	w = at(0, 0, T0, 7, T0 + 7 * DAY_US - 1);
	ok(w.day == 7 && !w.ended, "the last microsecond of day 7: not ended");
	is_int(w.end_us, T0 + 7 * DAY_US, "the end is start + days");
	w = at(0, 0, T0, 7, T0 + 7 * DAY_US);
	ok(w.day == 8 && w.ended, "at the end: ended, and the day goes on counting");
	w = at(0, 0, T0, 1, T0 + 3 * DAY_US);
	ok(w.ended && w.day == 4, "a one-day watch three days on");

	/* what the database holds */
	{
		char dir[] = "/tmp/oca-test-watch-XXXXXX", path[256], err[256];
		struct watch_in in = { .days = 7, .now_us = T0 };
		sqlite3 *db;

		ok(mkdtemp(dir) != NULL, "temp dir");
		snprintf(path, sizeof(path), "%s/audit.db", dir);
		db = db_open_rw(path, err, sizeof(err));
		ok(db != NULL, "open: %s", db ? "" : err);
		is_int(watch_read(db, &in), 0, "read an empty database");
		ok(in.stored_us == 0 && in.first_event_us == 0, "nothing in it");
		is_int(sqlite3_exec(db, "INSERT INTO dns_queries(ts_us, client, qname, qname_wire, "
		                    "qtype, qclass, transport) VALUES(1796000005000000, "
		                    "'192.168.83.2', 'a.example', x'00', 1, 1, 'udp');"
		                    "INSERT INTO connections(ts_us, family, proto, src, dst, dest_id) "
		                    "VALUES(1796000003000000, 4, 6, '192.168.83.2', '198.51.100.2', 1)",
		                    NULL, NULL, NULL), SQLITE_OK, "two events");
		watch_read(db, &in);
		is_int(in.first_event_us, INT64_C(1796000003000000), "the earliest of both tables");
		sqlite3_exec(db, "INSERT INTO meta(key, value) VALUES('watch_start_us', "
		             "'1796000001000000')", NULL, NULL, NULL);
		watch_read(db, &in);
		ok(in.stored_us == INT64_C(1796000001000000) && in.first_event_us == 0,
		   "a stored start is read, and then the first event is not looked up");
		in.configured_us = T0;
		watch_read(db, &in);
		ok(in.stored_us == 0 && in.first_event_us == 0, "a configured start reads nothing");
		sqlite3_close(db);
		snprintf(path, sizeof(path), "rm -rf %s", dir);
		if (system(path) != 0)
			printf("# cleanup failed\n");
	}
	return done_testing();
}
