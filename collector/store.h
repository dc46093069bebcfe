/* store: the core thread's prepared statements and rollups. Called only by the writer,
 * always inside a transaction it opened, each event undone on its own if it fails
 * (store_event_begin/end); store_flush writes the per-batch rollups and must run before
 * that transaction commits. */
#ifndef OCA_STORE_H
#define OCA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/chain.h"
#include "common/event.h"

struct store;

#define STORE_MAX_NAMES 8      /* candidate names stored per connection */

/* What attribution decided about a connection (all zero = not attributed). */
struct conn_attr {
	int state;                  /* 0 none, 1 valid answer, 2 stale answer */
	const char *domain;         /* the name the VM asked for, or NULL */
	const char *names[STORE_MAX_NAMES];  /* every candidate, stored as a JSON array */
	int n_names;
	int64_t query_id;           /* the dns_queries row that gave the answer, or 0 */
	bool expected;              /* destination is in the expected set */
};

/* A finding as the policy raised it, for one event. */
struct finding_in {
	const char *kind;           /* a stable finding kind, "direct-ip" ... */
	const char *key;            /* one finding per (kind, key) */
	const char *domain;         /* or NULL */
	const char *ip;             /* or NULL */
	int port;                   /* -1 = none */
	const char *proto;          /* or NULL */
	int64_t ts_us;
	int watch_day;
	const char *detail;         /* what it means, for people */
	const char *example;        /* the event that raised it */
	int64_t conn_id, query_id;  /* 0 = none */
	bool blocked;               /* enforce mode dropped the attempts (key says so too) */
	bool no_alert;              /* the caller raises its own alert (a sensor's) */
};

/* Prepare every statement on db (a read-write handle the caller keeps open, from
 * db_open_rw: the statements call its SQL functions, db_functions in common/db.h).
 * Returns NULL with a reason in err. */
struct store *store_new(sqlite3 *db, char *err, size_t errlen);
void store_free(struct store *s);

/* Insert one connection and count it in the rollups. Returns the new row id, or -1 on
 * a database error (nothing of it is stored then). */
int64_t store_conn(struct store *s, const struct conn_event *ev, const struct conn_attr *a);

/* The destinations row the last store_conn counted its connection in. */
int64_t store_conn_dest(const struct store *s);

/* The destinations row of (domain or NULL, ip, port (0 = none), proto) with expected,
 * made if it is new. Returns its id, or -1. */
int64_t store_dest(struct store *s, int64_t ts_us, const char *domain, const struct netaddr *ip,
                   int port, int proto, bool expected);

/* Insert one hello of the capture, linked to its connection (conn_id, 0 = none) and
 * counted under destination dest_id. Returns the row id, or -1. */
int64_t store_hello(struct store *s, const struct hello_event *h, int64_t conn_id,
                    int64_t dest_id);

/* Insert one byte record of the capture (conn_id 0 = no connection row) and add its
 * bytes to destination dest_id's rollups and the hour's totals. Returns the row id, or
 * -1. */
int64_t store_bytes(struct store *s, const struct bytes_event *b, int64_t conn_id,
                    int64_t dest_id);

/* The newest connection of the 5-tuple stored between from_us and to_us: 1 found (its
 * id, its destination and its time into the outputs), 0 none, -1 on a database error. */
int store_find_conn(struct store *s, const struct netaddr *client, const struct netaddr *server,
                    int proto, int cport, int sport, int64_t from_us, int64_t to_us,
                    int64_t *conn_id, int64_t *dest_id, int64_t *ts_us);

/* The name a destination row stands for: its domain, or its address when it has none.
 * Returns 1, 0 if there is no such row, -1 on a database error. */
int store_dest_name(struct store *s, int64_t dest_id, char *name, size_t namelen);

/* Insert one DNS query with its answers and count its name. Returns the query row id,
 * or -1. */
int64_t store_dns(struct store *s, const struct dns_event *ev, bool expected);

/* Raise a finding: the first time for its (kind, key) a row and an alert_outbox entry are
 * inserted (*is_new = true); after that its count and last_seen grow at the next flush.
 * Returns the finding's id, or -1. */
int64_t store_finding(struct store *s, const struct finding_in *f, bool *is_new);

/* The cheap half of store_finding, for a caller that would otherwise format a finding's
 * detail and example for nothing: if this run already knows (kind, key), count the event
 * at ts_us and return the finding's id. Returns 0 if it does not (then call
 * store_finding), or -1 on a database error. */
int64_t store_finding_seen(struct store *s, const char *kind, const char *key,
                           int64_t ts_us);

/* Record count events lost for source (a stats counter name) at ts_us, add it to the
 * hourly rollup and the cumulative counter. Returns 0, or -1. */
int store_loss(struct store *s, int64_t ts_us, const char *source, uint64_t count);

/* Record a change of state of a sensor (sensor_events). Returns 0, or -1. */
int store_sensor_event(struct store *s, int64_t ts_us, int64_t run_id, const char *source,
                       const char *state, const char *detail);

/* Queue the alert for a sensor's change of state (outbox kind 'sensor'): source is now
 * in state (blind, or "up" again) since since_us, detail says why. Returns 0, or -1. */
int store_sensor_alert(struct store *s, int64_t ts_us, const char *source, const char *state,
                       int64_t since_us, const char *detail);
/* Add an alert the collector raises on its own about itself (kind 'disk': the database's
 * disk is short of room or its WAL pinned) to the outbox at ts_us, its body
 * {"kind": kind, "detail": detail}. Returns 0, or -1. */
int store_alert(struct store *s, int64_t ts_us, const char *kind, const char *detail);

/* The ids of the chained tables (chain.h): make the next id of each table at least
 * last[t] + 1 (the chain's last batch may name rows retention has deleted since), and
 * read the last id assigned so far (or found at store_new). */
void store_ids_after(struct store *s, const int64_t last[CHAIN__TABLES]);
void store_last_ids(const struct store *s, int64_t last[CHAIN__TABLES]);

/* Record a connection (dns false) or DNS query (dns true) from src, a source outside
 * vm_subnet, at ts_us: counted apart, never judged. Returns 0, or -1. */
int store_other(struct store *s, int64_t ts_us, bool dns, const struct netaddr *src);

/* Add delta to a cumulative counter (one that is not a loss). Returns 0, or -1. */
int store_counter_add(struct store *s, const char *name, uint64_t delta);

/* Set a meta key. Returns 0, or -1. */
int store_meta(struct store *s, const char *key, const char *value);

/* Apply a command from another thread (acknowledge a finding, alert delivered or to be
 * retried). Returns 0, or -1 on a database error. */
int store_cmd(struct store *s, const struct cmd_event *cmd);

/* Write the rollups gathered since the last flush. Returns 0, or -1 (the caller rolls
 * back; store_discard then forgets them). */
int store_flush(struct store *s);

/* Forget rollups gathered since the last flush (after a rollback). */
void store_discard(struct store *s);

/* One event stored whole or not at all: begin before its first row (returns 0, or -1
 * and the event must not be stored), end after its last. Its savepoint is opened at its
 * first write that is not the INSERT of a new row of its own: an event that only
 * inserts such rows (a connection, a hello, a byte record: one statement each, atomic
 * already) has none, and its rows are deleted by their ids if it is undone. End with ok
 * false undoes its rows and its rollup counts; it returns 0, or -1 when they cannot be
 * told from the earlier events' (the event touched too many keys, or a cache was
 * flushed meanwhile), a row cannot be deleted, or rows changed before its savepoint
 * that the store did not step (a write on db round the store): the caller must then
 * roll back the whole transaction. With ok true it returns 0, or -1 (then as for a failed commit). */
int store_event_begin(struct store *s);
int store_event_end(struct store *s, bool ok);

#endif
