/* report: the audit report over a time window, as text for people, CSV of the findings,
 * or the JSON document of DESIGN.md. One set of queries (rows.c) gives plain rows that
 * each writer (writers.h) renders as they come, so the three formats cannot disagree
 * and no window needs more memory than a row. The dashboard's /api/report is the same
 * JSON. */
#ifndef OCA_REPORT_H
#define OCA_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

struct rules;

struct report_opts {
	int64_t since_us, until_us;
	int64_t watch_start_us;      /* 0 = from the database (first event) */
	unsigned watch_days;
	int64_t now_us;              /* the time it is (a run beating now is running); 0 = until */
	/* the rules configured now, or NULL: a finding they would have kept from being
	 * raised (report/suggest.h) is shown as such and leaves the verdict, so a window
	 * whose suggested rules were applied reads CLEAN */
	const struct rules *rules;
	bool suggest;                /* also the rules that would make the window clean */
};

/* The report's last word. CLEAN only when there was no finding, every configured
 * sensor saw the whole window (no blind spot: coverage.h) and nothing was lost;
 * FINDINGS when there was a finding (blind spots or not); INCOMPLETE otherwise. */
enum report_verdict { REPORT_CLEAN, REPORT_FINDINGS, REPORT_INCOMPLETE };

/* Decide the verdict from the findings about the VM (the "sensor" kind is the audit's
 * own blind spot: it goes with a blind stretch), the events lost and the blind spots.
 * Pure. */
enum report_verdict report_verdict_decide(int64_t findings, int64_t events_lost,
                                          int64_t blind_spots);

/* Its stable name: "CLEAN", "FINDINGS", "INCOMPLETE". */
const char *report_verdict_name(enum report_verdict v);

/* The verdict in words, as the text report's last line gives it after "Verdict: "
 * (without the newline), into buf: the dashboard shows the same sentence. findings and
 * unacked are report_end's (rows.h: report_finding_counts, one rule for both),
 * reasons the blind spots' distinct reasons ("not-running, loss"). Pure. Returns buf. */
char *report_verdict_line(enum report_verdict v, int64_t findings, int64_t unacked,
                          bool lost, int64_t blind_spots, const char *reasons, char *buf,
                          size_t len);

/* The exit status of report --fail-on-findings when no finding is open but the verdict
 * is INCOMPLETE (an open finding gives 3). */
#define REPORT_EXIT_INCOMPLETE 4

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV };

/* Write the report over o from db (read-only is fine) on out, row by row as the queries
 * give them (rows.h), so memory stays bounded for any window. JSON is the document
 * alone, without a final newline. Returns 0, or -1 with a reason in err (what was
 * written before the failure stays written). */
int report_write(sqlite3 *db, const struct report_opts *o, enum report_format format,
                 FILE *out, char *err, size_t errlen);

/* The JSON document in memory, for the dashboard's /api/report. Returns a string the
 * caller frees with free(), or NULL with a reason in err. */
char *report_json(sqlite3 *db, const struct report_opts *o, char *err, size_t errlen);

/* The same document less its destinations, names and findings lists: the totals and
 * the coverage, for the dashboard's timeline. Freed like report_json's. */
char *report_coverage_json(sqlite3 *db, const struct report_opts *o, char *err,
                           size_t errlen);

/* The report's conclusion without its lists, for the watch-end alert and the dashboard. */
struct report_summary {
	enum report_verdict verdict;
	int64_t findings, events_lost, blind_spots;  /* findings: every kind */
	int64_t open_findings;       /* the verdict's unacknowledged (report_finding_counts) */
	char blind[256];             /* the first blind spots, "nflog not-running 2026-..Z"... */
	int64_t chain_batch;         /* the chain's head at the window's end; 0 = none */
	char chain_head[65];         /* its hash, hex */
};

/* Summarise the report over o. Returns 0, or -1 with a reason in err. */
int report_summary(sqlite3 *db, const struct report_opts *o, struct report_summary *out,
                   char *err, size_t errlen);

/* The `oc-audit report` command. Returns the process exit status. */
int report_main(int argc, char **argv);

#endif
