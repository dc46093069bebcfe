/* storeint: what the store's files (store.c, storedns.c, storecap.c, storerec.c) share
 * and nothing else includes: the store's state, its statements' numbers and the helpers
 * every insert runs. The statements' text is in store.c, in one table. */
#ifndef OCA_STOREINT_H
#define OCA_STOREINT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/chain.h"
#include "rollup.h"

#define HOURS_PENDING 8
#define EVENT_ROWS_MAX 8   /* new rows an event inserts before it needs its savepoint */

struct hour_pending {
	int64_t hour, conns, dns, findings, lost, other_conns, other_dns, hellos, bytes_up,
	        bytes_down;
};

/* What hour_count counts. */
enum hour_what { H_CONN, H_DNS, H_FINDING, H_LOST, H_OTHER_CONN, H_OTHER_DNS, H_HELLO, H_BYTES_UP,
                 H_BYTES_DOWN };

enum {
	S_INS_CONN, S_DEST_GET, S_HOURLY_ADD, S_INS_QUERY, S_INS_ANSWER, S_NAME_INS, S_NAME_GET,
	S_IP_INS, S_IP_GET, S_FIND_INS, S_FIND_GET, S_OUTBOX, S_INS_LOSS, S_COUNTER_ADD, S_META,
	S_ACK, S_ALERT_DONE, S_ALERT_RETRY, S_INS_SENSOR, S_INS_OTHER, S_SP_BEGIN, S_SP_RELEASE,
	S_SP_UNDO, S_INS_HELLO, S_INS_BYTES, S_FIND_CONN, S_DEST_NAME, S__COUNT
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[S__COUNT];
	struct rollup *dest, *name, *ip, *finding;
	struct hour_pending hours[HOURS_PENDING];
	int n_hours;
	/* The id of the next row of each chained table. The store assigns them, so an id is
	 * never reused even when retention empties a table (chain.h: batches are id
	 * ranges); a rolled back insert leaves a gap, which is harmless. */
	int64_t next_id[CHAIN__TABLES];
	int64_t last_dest;          /* the destination of the last store_conn */
	bool foreign_rows;          /* told once */
	/* the event being stored (store_event_begin/end): the hours' totals before it; its
	 * savepoint, opened at its first write that is not a new row's INSERT (sp); the
	 * new rows it inserted before that, undone by their ids (and the statements that
	 * delete them, prepared at the first use); the connection's count of changed rows
	 * at its start, and whether rows changed before its savepoint that it did not note
	 * (stray: a write not stepped by store_step, which makes its undo fail) */
	struct hour_pending hours_was[HOURS_PENDING];
	int n_hours_was;
	bool in_event, sp, stray;
	int n_rows;
	int64_t changes_was;
	struct event_row { enum chain_table t; int64_t id; } rows[EVENT_ROWS_MAX];
	sqlite3_stmt *del[CHAIN__TABLES];
};

/* Step st: every statement the store (and its rollups) runs is stepped here, never by
 * sqlite3_step. Inside an event, one that writes opens the event's savepoint first, so
 * that the event is undone whole (store_event_end). The step's result. */
int store_step(struct store *s, sqlite3_stmt *st);

/* Run a bound statement that returns no rows; reset it either way. 0 or -1. */
int store_step_done(struct store *s, sqlite3_stmt *st);

/* Step st, an INSERT of a row of chained table t whose id is parameter param, with the
 * table's next id (past any row another writer left). The step's result; st is not
 * reset. */
int store_step_new_row(struct store *s, sqlite3_stmt *st, enum chain_table t, int param);

/* A plain INSERT of a new row of chained table t (its id parameter param): the new id,
 * or -1. st is reset either way. */
int64_t store_insert_row(struct store *s, sqlite3_stmt *st, enum chain_table t, int param);

/* Run a bound statement returning one integer (an id); 0 = no row, -1 = error. */
int64_t store_step_id(struct store *s, sqlite3_stmt *st);

/* Bind v to parameter i, or NULL when v is NULL or empty. */
void store_bind_null(sqlite3_stmt *st, int i, const char *v);

/* Count n into the totals of ts_us's hour (written by store_flush). 0 or -1. */
int store_hour_count(struct store *s, int64_t ts_us, enum hour_what what, int64_t n);

/* The destinations row of (domain, ip, port, proto) with expected, made if new; its
 * rollup key into key (keylen bytes). Returns the id, or -1. */
int64_t store_dest_get(struct store *s, int64_t ts_us, const char *domain, const char *ip,
                       int port, int proto, bool expected, char *key, size_t keylen);

#endif
