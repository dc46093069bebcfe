/* dbsql: run the SQL read from stdin on the database DB, as the sqlite3 shell would, with
 * the project's SQL functions defined (common/db.h: oca_base), so that a lab test plants
 * rows the way the daemon writes them (dns_names.base = oca_base(name)) rather than with
 * a copy of its rules. Waits up to 5 s for the collector's lock, as the daemon's readers do.
 *
 *   dbsql DB < FILE.sql
 *
 * Exit 0, or 1 with SQLite's message on stderr. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "common/db.h"

int
main(int argc, char **argv)
{
	size_t len = 0, cap = 0, n;
	char *sql = NULL, *msg = NULL;
	sqlite3 *db = NULL;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: dbsql DB < FILE.sql\n");
		return 2;
	}
	do {
		if (len + 4096 + 1 > cap) {
			char *p = realloc(sql, cap = 2 * cap + 4096 + 1);

			if (!p) {
				fprintf(stderr, "dbsql: out of memory\n");
				free(sql);
				return 1;
			}
			sql = p;
		}
		n = fread(sql + len, 1, 4096, stdin);
		len += n;
	} while (n > 0);
	sql[len] = '\0';
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    db_functions(db) < 0) {
		fprintf(stderr, "dbsql: %s: %s\n", argv[1], db ? sqlite3_errmsg(db) : "out of memory");
	} else {
		sqlite3_busy_timeout(db, 5000);
		if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
			fprintf(stderr, "dbsql: %s\n", msg ? msg : sqlite3_errmsg(db));
		else
			rc = 0;
		sqlite3_free(msg);
	}
	sqlite3_close(db);
	free(sql);
	return rc;
}
