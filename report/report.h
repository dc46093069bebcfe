/* report: the audit report over a time window, as one JSON document (the contract of
 * DESIGN.md), built entirely by SQLite's JSON functions so that every string is escaped
 * by one well-tested encoder. Text and CSV are rendered from that same document, so the
 * three formats cannot disagree. The dashboard's /api/report uses report_json too. */
#ifndef OCA_REPORT_H
#define OCA_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

struct report_opts {
	int64_t since_us, until_us;
	int64_t watch_start_us;      /* 0 = from the database (first event) */
	unsigned watch_days;
};

/* The report as JSON. Returns a string the caller frees with free(), or NULL with a
 * reason in err. db may be read-only. */
char *report_json(sqlite3 *db, const struct report_opts *o, char *err, size_t errlen);

/* Render a report JSON document as text for people, or as CSV of its findings, on out.
 * db is any handle (used only for its JSON functions). Returns 0, or -1 with err. */
int report_text(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen);
int report_csv(sqlite3 *db, const char *json, FILE *out, char *err, size_t errlen);

/* Unacknowledged findings seen in the window (for --fail-on-findings). -1 on error. */
long long report_open_findings(sqlite3 *db, const struct report_opts *o);

/* The `oc-audit report` command. Returns the process exit status. */
int report_main(int argc, char **argv);

#endif
