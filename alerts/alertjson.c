/* JSON through SQLite: see alertjson.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alertjson.h"

char *
alertjson_text(sqlite3 *js, const char *sql, const char *p1, const char *p2, const char *p3,
               int64_t n)
{
	sqlite3_stmt *s;
	char *res = NULL;

	if (sqlite3_prepare_v2(js, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, p1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p2, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p3, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, n);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		res = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return res;
}

long long
alertjson_int(sqlite3 *js, const char *json, const char *path, long long dflt)
{
	sqlite3_stmt *s;
	long long v = dflt;

	if (sqlite3_prepare_v2(js, "SELECT json_extract(?1, ?2) WHERE json_valid(?1)", -1, &s,
	                       NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}
