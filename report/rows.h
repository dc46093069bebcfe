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

/* The window and its totals. */
struct report_head {
	int64_t since_us, until_us;      /* until is exclusive */
	struct watch watch;              /* as it stood at the window's last instant */
	unsigned watch_days;
	int64_t connections, dns_queries, findings, events_lost;
	/* from sources outside vm_subnet: counted apart, not in the totals above */
	int64_t other_connections, other_dns_queries;
};

/* One destination: connections in the window to (domain, ip, port, proto). */
struct report_dest {
	const char *domain;              /* NULL = not attributed */
	const char *ip;
	int port;                        /* 0 when the protocol has none */
	int proto;                       /* IP protocol number */
	int64_t connections;
	bool expected;
	int64_t first_us, last_us;
};

/* One name the VM asked for, and how often in the window. */
struct report_name {
	const char *name;
	int64_t queries;
	bool expected;
	int64_t first_us, last_us;
};

/* One finding seen in the window. Strings are NULL when the finding has none. */
struct report_finding {
	const char *kind, *domain, *ip, *proto, *detail;
	int port;                        /* -1 = none */
	int64_t count, first_us, last_us;
	int64_t acked_us;                /* 0 = open */
};

/* One stretch of the window when no collector was running. */
struct report_gap {
	int64_t from_us, to_us;
	bool unclean;                    /* the run before it was killed or crashed */
	int64_t run_started_us;          /* when that run started */
};

/* The lists, in the order a report gives them. */
enum report_part { RP_LOSSES, RP_GAPS, RP_DESTS, RP_NAMES, RP_FINDINGS, RP_END };

/* A writer. Each callback returns 0, or -1 to stop the report (a write error). Only the
 * lists whose row callback is set are queried; part is called before each of them, and
 * with RP_END once after the last. The strings of a row are valid during the call. */
struct report_sink {
	void *arg;
	int (*head)(void *arg, const struct report_head *h);
	int (*part)(void *arg, enum report_part p);
	int (*loss)(void *arg, const char *source, int64_t count);  /* only if any was lost */
	int (*gap)(void *arg, const struct report_gap *g);
	int (*dest)(void *arg, const struct report_dest *d);
	int (*name)(void *arg, const struct report_name *n);
	int (*finding)(void *arg, const struct report_finding *f);
};

/* Run the report over o on db (read-only is fine) into sink. Destinations come
 * expected first, then by connections; names likewise; findings by kind, then first
 * seen. Returns 0, or -1 with a reason in err (a database error, or the sink's). */
int report_rows_run(sqlite3 *db, const struct report_opts *o, const struct report_sink *s,
                    char *err, size_t errlen);

#endif
