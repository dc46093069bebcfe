/* writers: the report's three renderings, each a sink (rows.h) that writes rows to a
 * stream as they come. Text is for people (every string escaped for a terminal), CSV
 * lists the findings (escaped for spreadsheets), and JSON is the document of DESIGN.md,
 * every value encoded by SQLite's JSON functions. The state structs are the writers'
 * own: callers only allocate them. */
#ifndef OCA_REPORT_WRITERS_H
#define OCA_REPORT_WRITERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "rows.h"

#define REPORT_TEXT_MAX_NAMES 30   /* names listed in the text report; JSON has them all */
#define REPORT_TEXT_MAX_DESTS 100  /* destinations per list (expected, other): a scan
                                      leaves one per address:port */

struct report_text {
	FILE *out;
	int64_t lost;                  /* from the head, for the verdict */
	enum report_part part;
	int n, more;
	int64_t listed;                /* destinations: rows in the list being written */
	bool other;                    /* destinations: past the expected ones */
	char kind[64];
	int sensors;                   /* configured sensors so far (coverage) */
	bool capture;                  /* the capture sensor is configured: bytes are known */
};

struct report_json {
	FILE *out;
	sqlite3 *db;
	sqlite3_stmt *enc[10];
	int n;
	bool dests;                    /* in the destinations list */
	int64_t dests_listed[2];       /* ... how many each holds: [0] other, [1] expected */
	int sensors;                   /* coverage: sensors opened so far */
};

struct report_csv {
	FILE *out;
};

/* Make t (or c) write to out and point s at it. Nothing to free. */
void report_text_sink(struct report_text *t, FILE *out, struct report_sink *s);
void report_csv_sink(struct report_csv *c, FILE *out, struct report_sink *s);

/* The same for JSON, encoding with db (any handle). Returns 0, or -1 if db cannot
 * prepare its statements; free with report_json_done either way. */
int report_json_sink(struct report_json *j, sqlite3 *db, FILE *out, struct report_sink *s);
void report_json_done(struct report_json *j);

#endif
