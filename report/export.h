/* export: every raw event, one per line, for a SIEM or a fleet's log pipeline. Field
 * names are close to what Suricata EVE and Zeek users know (ts, event_type, src_ip,
 * dest_ip, dest_port, proto, query, answers, ...); a field without a value is left out
 * of a JSON line. Each kind is one row of a table in export.c (its table, its time
 * column, its fields), so a new sensor's events are one row there.
 *
 * Rows are read from the record the collector sealed (common/chain.h): only rows of a
 * committed batch, so a window is exact and a follower resumes exactly. The cursor is
 * a batch id: everything after batch N is every row sealed later, once. Memory is
 * constant for any window: one prepared statement per kind, each read in the order of
 * an index (a window: time; after a cursor: commit order), merged by event time. */
#ifndef OCA_EXPORT_H
#define OCA_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

enum export_format { EXPORT_JSONL, EXPORT_CSV, EXPORT_TEXT };

struct export_opts {
	enum export_format format;
	unsigned kinds;              /* bit i: kind i (export_kind_parse); 0 = all */
	bool by_batch;               /* after_batch, not the window, selects the rows */
	int64_t since_us, until_us;  /* the window: event times in [since, until) */
	int64_t after_batch;         /* by_batch: rows of batches after this one */
};

/* Parse a comma-separated list of kind names ("dns,conn") into a bit set. Returns 0,
 * or -1 with the first unknown name in err. */
int export_kind_parse(const char *list, unsigned *kinds, char *err, size_t errlen);

/* The kinds' names, comma-separated ("conn,dns,finding,loss,sensor,tls"), static. */
const char *export_kind_names(void);

/* Write the CSV header line (only for EXPORT_CSV; nothing otherwise). */
int export_header(const struct export_opts *o, FILE *out);

/* Write the events o selects from db (read-only is fine) to out, up to the newest batch
 * sealed now, and that batch's id in *cursor (o->after_batch if none is newer; 0 when
 * there are no batches). Returns the rows written, or -1 with a reason in err (what was
 * written before stays written). */
int64_t export_run(sqlite3 *db, const struct export_opts *o, FILE *out, int64_t *cursor,
                   char *err, size_t errlen);

/* The `oc-audit export` command. Returns the process exit status. */
int export_main(int argc, char **argv);

#endif
