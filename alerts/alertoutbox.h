/* alertoutbox: the alert outbox as the delivery thread sees it. It reads the pending
 * rows through its own read-only connection, remembers what this run did with each row
 * (so nothing is sent twice before the core thread's mark lands), and hands outcomes and
 * new alerts to the core thread, the one writer, as queue commands. */
#ifndef OCA_ALERTOUTBOX_H
#define OCA_ALERTOUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "alertmsg.h"
#include "common/clock.h"
#include "common/queue.h"

/* The channels, as bits of a row's done set. */
#define ALERTOUTBOX_TG 1u
#define ALERTOUTBOX_WH 2u
/* The most rows one read returns. */
#define ALERTOUTBOX_ROWS_MAX 500
/* The longest a run ever waits before trying a row again (a 429's retry_after, capped at
 * an hour; the backoff's cap is less): a stored next_us further ahead than this was
 * written before the wall clock was stepped back, and is due. */
#define ALERTOUTBOX_WAIT_MAX_US INT64_C(3600000000)

/* What this run did with a row; the module keeps it until the row is no longer pending. */
struct alertoutbox_mem {
	int64_t id;
	unsigned done;           /* channels that took it */
	bool delivered;          /* every channel took it; DELIVERED is (being) pushed */
	int64_t next_us;         /* not before, monotonic; 0 = not tried by this run (then the
	                            row's stored next_us, a wall time, says) */
	bool seen;
};

/* A pending row as read this round. */
struct alertoutbox_row {
	int64_t id;
	bool dup;                /* an earlier row already told about the same finding */
	struct alertoutbox_mem *m;
	char *s[12];             /* owned strings behind f */
	struct alertmsg_fields f;
	char *body;
	bool tried;              /* the rest is the caller's, for its round */
	char err[160];
	int64_t retry_at;        /* monotonic */
};

struct alertoutbox;

/* An outbox in the database at db_path (opened read-only on first use). js is a
 * connection for alertjson, q the queue to the core thread (NULL if nothing is ever
 * flushed), token a secret scrubbed from every text pushed; all three stay the caller's
 * and must outlive the outbox. Returns NULL on out of memory; free with
 * alertoutbox_close. */
struct alertoutbox *alertoutbox_open(const char *db_path, sqlite3 *js, struct queue *q,
                                     const char *token);

/* Free, closing the connection. Outcomes not flushed are lost. NULL is fine. */
void alertoutbox_close(struct alertoutbox *ob);

/* Read the rows due at now (pending, not delivered by this run, their time has come:
 * by the monotonic clock for a row this run tried, else by its stored wall time unless
 * that is more than ALERTOUTBOX_WAIT_MAX_US ahead)
 * into rows (room for ALERTOUTBOX_ROWS_MAX), with a channel's mark in a row's
 * last_error already in m->done. Returns how many; 0 also when the database cannot be
 * read (logged once until it can again). The caller frees each with
 * alertoutbox_row_free. */
size_t alertoutbox_read_due(struct alertoutbox *ob, struct alertoutbox_row *rows,
                            const struct clock_now *now);

/* Free a row's strings. */
void alertoutbox_row_free(struct alertoutbox_row *r);

/* The read-only connection for other queries of this thread; NULL until a read opened
 * it. Owned by ob. */
sqlite3 *alertoutbox_db(struct alertoutbox *ob);

/* Keep the outcome "row id delivered at now" for the core thread. */
void alertoutbox_delivered(struct alertoutbox *ob, int64_t id, int64_t now);

/* Keep the outcome "row id failed at now: try again at at" (wall times), with the channels in done
 * marked in its last_error before err (so a restart does not repeat them). */
void alertoutbox_retry(struct alertoutbox *ob, int64_t id, int64_t now, int64_t at,
                       unsigned done, const char *err);

/* Keep a request to add an alert of our own; body is its JSON (kind inside). A body too
 * long for a command is logged and dropped. */
void alertoutbox_enqueue(struct alertoutbox *ob, const char *body, int64_t now);

/* Hand kept outcomes and requests to the core thread, in order, until the queue refuses
 * one. Returns how many are still kept (push them again shortly). */
size_t alertoutbox_flush(struct alertoutbox *ob);

#endif
