/* rows: the report's queries, and the rows they give as plain structs handed one by one
 * to a sink (a writer: text, JSON or CSV, writers.h). Nothing is gathered in memory:
 * each row is passed on as it is stepped, so a report of any window holds one row at a
 * time however many names a tunnel left. Every query reads the per-hour rollups for the
 * whole hours of the window and raw rows only for its two partial hours, all inside one
 * read transaction so that totals and lists agree. */
#ifndef OCA_REPORT_ROWS_H
#define OCA_REPORT_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/watch.h"
#include "report.h"
#include "suggest.h"

/* The window and its totals. */
struct report_head {
	int64_t since_us, until_us;      /* until is exclusive */
	struct watch watch;              /* as it stood at the window's last instant */
	unsigned watch_days;
	int64_t connections, dns_queries, events_lost;
	int64_t findings;                /* every kind (the verdict counts: report_end) */
	/* from sources outside vm_subnet: counted apart, not in the totals above */
	int64_t other_connections, other_dns_queries;
	/* the database's disk: warnings stored in the window (free space low, WAL pinned)
	 * and the last one's detail ("" = none) */
	int64_t disk_warnings;
	char disk_last[512];
};

/* One destination: connections in the window to (domain, ip, port, proto), and the
 * bytes its flows carried in it (capture, by minute slot: 0 without capture). A flow
 * that goes on lists its destination even in a window without a new connection.
 * Each list (expected, other) gives its first rows only (report_sink.max_dests); every
 * row says how many its list holds in the window, so what was left out is exact. */
#define REPORT_MAX_DEST_ROWS 1000  /* per list, whatever the sink asks */
struct report_dest {
	const char *domain;              /* NULL = not attributed */
	const char *ip;
	int port;                        /* 0 when the protocol has none */
	int proto;                       /* IP protocol number */
	int64_t connections;
	bool expected;
	int64_t first_us, last_us;
	int64_t bytes_up, bytes_down;    /* IP lengths on the wire; up = from the VM */
	int64_t listed;                  /* destinations in its list in the window */
};

/* One name the VM asked for, and how often in the window; or the names of one
 * registered domain folded into "*.domain" (common/domain.h: more than
 * DOMAIN_FOLD_NAMES of them, expected apart from the others); or, past
 * REPORT_MAX_NAME_ROWS rows, all the rest as one row named "*". */
#define REPORT_MAX_NAME_ROWS 1000
#define REPORT_NAME_EXAMPLES 3     /* a folded row's most asked names */
struct report_name {
	const char *name;
	int64_t queries;
	bool expected;
	int64_t first_us, last_us;
	int64_t names;                   /* names in the row: 1 for a name */
	const char *examples;            /* folded "*.domain": a JSON array of its first
	                                    REPORT_NAME_EXAMPLES names, most asked first;
	                                    else NULL */
	const char *examples_text;       /* the same, ", " between them, for people */
};

/* One finding seen in the window. Strings are NULL when the finding has none. */
struct report_finding {
	const char *kind, *domain, *ip, *proto, *detail;
	int port;                        /* -1 = none */
	int64_t count, first_us, last_us;
	int64_t acked_us;                /* 0 = open (never acknowledged, or the ack expired) */
	bool blocked;                    /* enforce mode dropped these attempts */
	bool covered;                    /* the rules configured now expect what it is about
	                                    (suggest_covers): it leaves the verdict */
	int64_t ack_given_us;            /* the last acknowledgement, expired or not; 0 = none */
	int64_t ack_until_us;            /* when it expires (or expired); 0 = never */
	const char *ack_note, *ack_by;   /* the operator's note and who acknowledged; or NULL */
};

/* What one sensor (coverage.h) saw of the window. */
struct report_sensor {
	const char *name;                /* "nflog", "dns", "capture" */
	bool configured;                 /* in a run of the window (else the last before it) */
	bool up;                         /* configured, and no blind stretch at the window's end */
	int64_t last_event_us;           /* its newest event before the window's end; 0 = none */
};

/* A stretch of the window in which a configured sensor could not see everything. */
struct report_blind {
	const char *sensor;
	int64_t from_us, to_us;
	const char *reason;              /* "not-running", "not-configured", "loss", or the
	                                    state the collector found ("rule-missing"...) */
	const char *detail;              /* one line for people */
	int64_t lost;                    /* events counted lost in it (a loss), else 0 */
};

/* What the report concludes, after its lists. */
struct report_end {
	enum report_verdict verdict;
	int64_t blind_spots;             /* stretches, all sensors together */
	char reasons[128];               /* the distinct reasons, "not-running, loss" */
	int64_t chain_batch;             /* the chain's last batch before the window's end */
	int64_t chain_committed_us;      /* ... when it committed; 0 = no batch */
	char chain_head[65];             /* ... its hash, hex */
	int64_t covered;                 /* findings the rules now expect (out of the verdict) */
	int64_t findings, open;          /* the findings the verdict counts, and how many of
	                                    them are not acknowledged (report_finding_counts) */
};

/* The one rule of what the verdict counts: a finding of the window about the VM (not the
 * "sensor" kind: that one is the audit's own blind spot, which makes the verdict
 * INCOMPLETE through its blind stretch) that the rules configured now do not expect
 * (covered). Its "N FINDINGS" counts these, its "(M unacknowledged)" those of them that
 * are open; the dashboard's card and --fail-on-findings too. Pure. */
bool report_finding_counts(const char *kind, bool covered);

/* The lists, in the order a report gives them. */
enum report_part { RP_LOSSES, RP_COVERAGE, RP_DESTS, RP_NAMES, RP_FINDINGS, RP_END };

/* A writer. Each callback returns 0, or -1 to stop the report (a write error). Only the
 * lists whose row callback is set are queried (coverage always is: the verdict needs
 * it); part is called before each of them, and with RP_END once after the last, then
 * end. The strings of a row are valid during the call. */
struct report_sink {
	void *arg;
	int max_dests;                   /* rows per destinations list: 0 or more than
	                                    REPORT_MAX_DEST_ROWS = REPORT_MAX_DEST_ROWS */
	int (*head)(void *arg, const struct report_head *h);
	int (*part)(void *arg, enum report_part p);
	int (*loss)(void *arg, const char *source, int64_t count);  /* only if any was lost */
	int (*sensor)(void *arg, const struct report_sensor *s);    /* each sensor, then ... */
	int (*blind)(void *arg, const struct report_blind *b);      /* ... its blind stretches */
	int (*dest)(void *arg, const struct report_dest *d);
	int (*name)(void *arg, const struct report_name *n);
	int (*finding)(void *arg, const struct report_finding *f);
	/* with report_opts.suggest, after part(RP_END) and before end: the rules that would
	 * make the window clean (report/suggest.h), valid during the call */
	int (*suggest)(void *arg, const struct suggest *sg);
	int (*end)(void *arg, const struct report_end *e);  /* after part(RP_END) */
};

/* Run the report over o on db (read-only is fine) into sink. Destinations come
 * expected first, then by connections, the first max_dests of each list; names likewise;
 * findings by kind, then first seen. Returns 0, or -1 with a reason in err (a database error, or the sink's). */
int report_rows_run(sqlite3 *db, const struct report_opts *o, const struct report_sink *s,
                    char *err, size_t errlen);

#endif
