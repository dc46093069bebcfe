/* alertjson: JSON for alert delivery, made and read with SQLite's JSON functions on a
 * connection the caller opened (":memory:" will do), so that no JSON is ever built or
 * parsed by hand: every text the VM chose is escaped by json_object. */
#ifndef OCA_ALERTJSON_H
#define OCA_ALERTJSON_H

#include <stdint.h>

#include <sqlite3.h>

/* The one text result of sql, with text parameters ?1..?3 (NULL binds NULL) and the
 * integer ?4. Returns it (the caller frees), or NULL on any error or a NULL result. */
char *alertjson_text(sqlite3 *js, const char *sql, const char *p1, const char *p2,
                     const char *p3, int64_t n);

/* The integer at path ("$.ok") in json; dflt if json is not valid JSON, the path is
 * absent or null, or on any error. */
long long alertjson_int(sqlite3 *js, const char *json, const char *path, long long dflt);

#endif
