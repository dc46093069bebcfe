/* Protocol names: one table for C and SQL. */
#include "config.h"

#include <sqlite3.h>

#include "common/proto.h"
#include "tap.h"

int
main(void)
{
	char buf[PROTO_NAMELEN], sql[512];
	sqlite3 *db;

	is_str(proto_name(6, buf), "tcp", "6 is tcp");
	is_str(proto_name(58, buf), "icmpv6", "58 is icmpv6");
	is_str(proto_name(47, buf), "47", "an unnamed protocol as its number");
	is_str(proto_name(255, buf), "255", "255");
	is_int(proto_number("udp"), 17, "udp is 17");
	is_int(proto_number("UDPLite"), 136, "any case");
	is_int(proto_number("gre"), -1, "a name not in the table");
	is_int(proto_number(""), -1, "empty");

	/* the SQL expression says the same for every number */
	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "sqlite");
	snprintf(sql, sizeof(sql), "SELECT " PROTO_SQL("?1"));
	for (int p = 0; p < 256; p++) {
		sqlite3_stmt *st;
		const char *got = NULL;
		int same;

		sqlite3_prepare_v2(db, sql, -1, &st, NULL);
		sqlite3_bind_int(st, 1, p);
		if (sqlite3_step(st) == SQLITE_ROW)
			got = (const char *)sqlite3_column_text(st, 0);
		same = got && strcmp(got, proto_name(p, buf)) == 0;
		if (!same || p == 6 || p == 200)
			ok(same, "SQL names %d as C does (%s)", p, got ? got : "NULL");
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return done_testing();
}
