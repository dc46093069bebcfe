/* findings: the `oc-audit findings` command. Every finding, or only the open ones (not
 * acknowledged), the most serious kind first, each with the id the dashboard and an
 * acknowledgement name it by. Reads the database read-only, daemon running or not. */
#ifndef OCA_FINDINGS_H
#define OCA_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

struct findings_opts {
	bool open_only;    /* leave out the acknowledged ones */
	bool json;         /* one JSON array instead of a table */
};

/* Write the findings of db to out as o says: a table with a header line (every field the
 * VM chose escaped for a terminal), or one JSON array of objects (id, kind, severity,
 * domain, ip, port, proto, count, first_seen, last_seen, acked, blocked, detail) and a
 * newline. Returns how many were written, or -1 with a one-line reason in err (a database
 * or write error). */
long long findings_list(sqlite3 *db, const struct findings_opts *o, FILE *out, char *err,
                        size_t errlen);

/* The `oc-audit findings [--open] [--format text|json] [-c FILE | --db PATH]` command.
 * Returns the exit status: 0, 1 unreadable database, 2 usage or configuration error. */
int findings_main(int argc, char **argv);

#endif
