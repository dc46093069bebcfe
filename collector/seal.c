/* The chain as the writer extends it: see seal.h, and chain.h for what is hashed. A
 * batch's digests are computed from its rows as SQLite stored them (read back in the
 * same transaction, from pages still in the cache), never from the values the store
 * bound: that way the writer and `oc-audit verify` read the same bytes through the
 * same code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "seal.h"

#define BEAT_EVERY_US INT64_C(30000000)
#define BACKLOG_SPAN_US HOUR_US       /* events per backlog batch: about an hour */
#define BACKLOG_ROWS 20000            /* ... and at most this many of one table */

struct seal {
	sqlite3 *db;
	struct store *store;
	struct chain_reader *rd;
	sqlite3_stmt *ins, *beat;
	int64_t run_id;
	/* monotonic (a wall clock stepped back must not stop the heartbeats for a day):
	 * the last beat written, the last batch committed, and the open transaction's */
	int64_t last_beat_mono, pending_beat_mono, head_mono, pending_mono;
	struct chain_batch head;       /* the last committed batch */
	struct chain_batch pending;    /* added in the open transaction */
	bool has_pending;
};

struct seal *
seal_new(sqlite3 *db, struct store *s, int64_t run_id, char *err, size_t errlen)
{
	struct seal *k = calloc(1, sizeof(*k));

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->db = db;
	k->store = s;
	k->run_id = run_id;
	if (!(k->rd = chain_reader_new(db, CHAIN_FORM, err, errlen)))
		goto fail;
	if (sqlite3_prepare_v2(db, "INSERT INTO batches(id, run_id, committed_us, form, "
	                       "max_ts_us, conn_last, query_last, answer_last, finding_last, "
	                       "loss_last, sensor_last, hello_last, bytes_last, raw, hash) "
	                       "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                       -1, &k->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE runs SET beat_us = ?2 WHERE id = ?1", -1, &k->beat,
	                       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "chain: %s", sqlite3_errmsg(db));
		goto fail;
	}
	if (chain_head(db, INT64_MAX, &k->head) < 0) {
		snprintf(err, errlen, "chain: cannot read the last batch: %s", sqlite3_errmsg(db));
		goto fail;
	}
	store_ids_after(s, k->head.last);
	return k;
fail:
	seal_free(k);
	return NULL;
}

void
seal_free(struct seal *k)
{
	if (!k)
		return;
	chain_reader_free(k->rd);
	sqlite3_finalize(k->ins);
	sqlite3_finalize(k->beat);
	free(k);
}

const struct chain_batch *
seal_head(const struct seal *k)
{
	return &k->head;
}

/* Add the batch of rows (head.last, upto] at now (wall; mono: the monotonic clock), in
 * the open transaction. */
static int
seal_range(struct seal *k, int64_t now, int64_t mono, const int64_t upto[CHAIN__TABLES])
{
	struct chain_batch *b = &k->pending;
	int64_t max_ts = 0, rows = 0;
	sqlite3_stmt *st = k->ins;
	int rc;

	memset(b, 0, sizeof(*b));
	b->form = CHAIN_FORM;
	b->id = k->head.id + 1;
	b->run_id = k->run_id;
	/* commit times never go back along the chain, whatever the wall clock does */
	b->committed_us = now > k->head.committed_us ? now : k->head.committed_us;
	memcpy(b->last, upto, sizeof(b->last));
	if (chain_digest(k->rd, CHAIN_RAW, k->head.last, upto, b->raw, &max_ts,
	                 &rows) < 0 ||
	    chain_digest(k->rd, CHAIN_KEPT, k->head.last, upto, b->kept, NULL,
	                 NULL) < 0)
		return -1;
	b->max_ts_us = max_ts;
	chain_link(k->head.hash, b);

	sqlite3_bind_int64(st, 1, b->id);
	sqlite3_bind_int64(st, 2, b->run_id);
	sqlite3_bind_int64(st, 3, b->committed_us);
	sqlite3_bind_int(st, 4, CHAIN_FORM);
	if (rows > 0)
		sqlite3_bind_int64(st, 5, b->max_ts_us);
	else
		sqlite3_bind_null(st, 5);
	for (int t = 0; t < CHAIN__TABLES; t++)
		sqlite3_bind_int64(st, 6 + t, b->last[t]);
	sqlite3_bind_blob(st, 6 + CHAIN__TABLES, b->raw, CHAIN_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7 + CHAIN__TABLES, b->hash, CHAIN_HASHLEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	k->pending_beat_mono = 0;
	k->pending_mono = mono;
	if (!k->last_beat_mono || mono - k->last_beat_mono >= BEAT_EVERY_US) {
		sqlite3_bind_int64(k->beat, 1, k->run_id);
		sqlite3_bind_int64(k->beat, 2, now);
		rc = sqlite3_step(k->beat);
		sqlite3_reset(k->beat);
		if (rc != SQLITE_DONE)
			return -1;
		k->pending_beat_mono = mono;
	}
	k->has_pending = true;
	return 1;
}

int
seal_batch(struct seal *k, int64_t now, int64_t mono, bool force)
{
	int64_t upto[CHAIN__TABLES];

	k->has_pending = false;
	store_last_ids(k->store, upto);
	if (!force && memcmp(upto, k->head.last, sizeof(upto)) == 0 &&
	    k->head_mono && mono - k->head_mono < SEAL_HEARTBEAT_US)
		return 0;
	return seal_range(k, now, mono, upto);
}

void
seal_committed(struct seal *k, bool ok)
{
	if (ok && k->has_pending) {
		k->head = k->pending;
		k->head_mono = k->pending_mono;
		if (k->pending_beat_mono)
			k->last_beat_mono = k->pending_beat_mono;
	}
	k->has_pending = false;
}

/* Step table t's rows after `after` in id order, up to `end`, while their event time
 * is before `until` (or their query is at most `query_upto`, for answers), at most
 * BACKLOG_ROWS of them. Returns the last id taken (after, if none), or -1. */
static int64_t
backlog_upto(sqlite3 *db, enum chain_table t, int64_t after, int64_t end, int64_t until,
             int64_t query_upto)
{
	char sql[160];
	sqlite3_stmt *st;
	int64_t last = after, n = 0;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT id, %s FROM %s WHERE id > ?1 AND id <= ?2 ORDER BY id",
	         t == CHAIN_DNS_ANSWERS ? "query_id" : t == CHAIN_FLOW_BYTES ? "slot_us" : "ts_us",
	         chain_table_name(t));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, end);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < BACKLOG_ROWS) {
		int64_t v = sqlite3_column_int64(st, 1);

		if (t == CHAIN_DNS_ANSWERS ? v > query_upto : v >= until)
			break;
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? last : -1;
}

/* The earliest event time after `after` in the raw tables, or INT64_MAX. */
static int64_t
backlog_start(sqlite3 *db, const int64_t after[CHAIN__TABLES])
{
	int64_t t0 = INT64_MAX;
	static const enum chain_table ts_tables[] = { CHAIN_CONNECTIONS, CHAIN_DNS_QUERIES,
	                                              CHAIN_HELLOS, CHAIN_FLOW_BYTES };

	for (size_t i = 0; i < sizeof(ts_tables) / sizeof(ts_tables[0]); i++) {
		char sql[128];
		sqlite3_stmt *st;

		snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id > ?1 ORDER BY id LIMIT 1",
		         ts_tables[i] == CHAIN_FLOW_BYTES ? "slot_us" : "ts_us",
		         chain_table_name(ts_tables[i]));
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_int64(st, 1, after[ts_tables[i]]);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) < t0)
			t0 = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return t0;
}

int64_t
seal_backlog(struct seal *k, int64_t now, int64_t mono, char *err, size_t errlen)
{
	int64_t end[CHAIN__TABLES], total = 0;

	store_last_ids(k->store, end);
	for (int t = 0; t < CHAIN__TABLES; t++)
		if (end[t] > k->head.last[t])
			total += end[t] - k->head.last[t];
	if (total == 0)
		return 0;
	log_warn("chain: %lld row ids are in no batch (%s): sealing them now", (long long)total,
	         k->head.id ? "written while no collector ran, or not by it"
	                    : "the database is older than the chain");
	while (memcmp(end, k->head.last, sizeof(end)) != 0) {
		const int64_t *after = k->head.last;
		int64_t upto[CHAIN__TABLES], t0 = backlog_start(k->db, after);
		int64_t until = t0 == INT64_MAX ? INT64_MAX : t0 + BACKLOG_SPAN_US;
		bool progress = false;
		int rc;

		memcpy(upto, end, sizeof(upto));   /* the kept tables go in the first batch */
		upto[CHAIN_CONNECTIONS] = backlog_upto(k->db, CHAIN_CONNECTIONS,
		                                       after[CHAIN_CONNECTIONS],
		                                       end[CHAIN_CONNECTIONS], until, 0);
		upto[CHAIN_DNS_QUERIES] = backlog_upto(k->db, CHAIN_DNS_QUERIES,
		                                       after[CHAIN_DNS_QUERIES],
		                                       end[CHAIN_DNS_QUERIES], until, 0);
		upto[CHAIN_DNS_ANSWERS] = upto[CHAIN_DNS_QUERIES] == end[CHAIN_DNS_QUERIES] ?
			end[CHAIN_DNS_ANSWERS] :
			backlog_upto(k->db, CHAIN_DNS_ANSWERS, after[CHAIN_DNS_ANSWERS],
			             end[CHAIN_DNS_ANSWERS], 0, upto[CHAIN_DNS_QUERIES]);
		upto[CHAIN_HELLOS] = backlog_upto(k->db, CHAIN_HELLOS, after[CHAIN_HELLOS],
		                                  end[CHAIN_HELLOS], until, 0);
		upto[CHAIN_FLOW_BYTES] = backlog_upto(k->db, CHAIN_FLOW_BYTES,
		                                      after[CHAIN_FLOW_BYTES],
		                                      end[CHAIN_FLOW_BYTES], until, 0);
		for (int t = 0; t < CHAIN__TABLES; t++) {
			if (upto[t] < 0)
				goto dberr;
			progress |= upto[t] > after[t];
		}
		if (!progress)   /* ids with no row behind them: one batch takes the rest */
			memcpy(upto, end, sizeof(upto));
		if (sqlite3_exec(k->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto dberr;
		rc = seal_range(k, now, mono, upto);
		if (rc < 0 || sqlite3_exec(k->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "chain: cannot seal: %s", sqlite3_errmsg(k->db));
			sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
			seal_committed(k, false);
			return -1;
		}
		seal_committed(k, true);
	}
	log_info("chain: sealed up to batch %lld", (long long)k->head.id);
	return total;
dberr:
	snprintf(err, errlen, "chain: cannot read the rows to seal: %s", sqlite3_errmsg(k->db));
	return -1;
}

int64_t
seal_prune(struct seal *k, int64_t cutoff_us, int64_t now, int max_rows, int rounds)
{
	static const char pick[] =
		"SELECT b.id, coalesce(p.conn_last, 0), b.conn_last, coalesce(p.query_last, 0), "
		"b.query_last, coalesce(p.answer_last, 0), b.answer_last, "
		"coalesce(p.hello_last, 0), b.hello_last, coalesce(p.bytes_last, 0), b.bytes_last "
		"FROM batches b LEFT JOIN batches p ON p.id = b.id - 1 "
		"WHERE b.pruned_us IS NULL AND b.max_ts_us < ?1 ORDER BY b.max_ts_us LIMIT 64";
	/* the raw tables, in the order of pick's columns */
	static const char *const del[] = {
		"DELETE FROM connections WHERE id > ?1 AND id <= ?2",
		"DELETE FROM dns_queries WHERE id > ?1 AND id <= ?2",
		"DELETE FROM dns_answers WHERE id > ?1 AND id <= ?2",
		"DELETE FROM hellos WHERE id > ?1 AND id <= ?2",
		"DELETE FROM flow_bytes WHERE id > ?1 AND id <= ?2",
	};
	enum { NDEL = sizeof(del) / sizeof(del[0]) };
	int64_t total = 0;

	for (int round = 0; round < rounds; round++) {
		sqlite3_stmt *st = NULL, *d[NDEL] = { 0 }, *mark = NULL;
		int64_t changed = 0, batches = 0;
		bool ok = true;

		if (sqlite3_exec(k->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return -1;
		ok = sqlite3_prepare_v2(k->db, pick, -1, &st, NULL) == SQLITE_OK &&
		     sqlite3_prepare_v2(k->db, "UPDATE batches SET pruned_us = ?2 WHERE id = ?1",
		                        -1, &mark, NULL) == SQLITE_OK;
		for (int t = 0; ok && t < NDEL; t++)
			ok = sqlite3_prepare_v2(k->db, del[t], -1, &d[t], NULL) == SQLITE_OK;
		if (ok)
			sqlite3_bind_int64(st, 1, cutoff_us);
		while (ok && changed < max_rows && sqlite3_step(st) == SQLITE_ROW) {
			/* a query's answers are in its batch: they go in the same transaction */
			for (int t = 0; ok && t < NDEL; t++) {
				sqlite3_bind_int64(d[t], 1, sqlite3_column_int64(st, 1 + 2 * t));
				sqlite3_bind_int64(d[t], 2, sqlite3_column_int64(st, 2 + 2 * t));
				ok = sqlite3_step(d[t]) == SQLITE_DONE;
				changed += sqlite3_changes(k->db);
				sqlite3_reset(d[t]);
			}
			sqlite3_bind_int64(mark, 1, sqlite3_column_int64(st, 0));
			sqlite3_bind_int64(mark, 2, now);
			ok = ok && sqlite3_step(mark) == SQLITE_DONE;
			sqlite3_reset(mark);
			batches++;
		}
		sqlite3_finalize(st);
		sqlite3_finalize(mark);
		for (int t = 0; t < NDEL; t++)
			sqlite3_finalize(d[t]);
		if (!ok || sqlite3_exec(k->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		total += changed;
		if (changed < max_rows && batches < 64)
			break;
	}
	return total;
}
