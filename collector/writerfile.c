/* The database file under the core thread (writer.c): its run, its faults, its WAL, the
 * disk it is on and the retention.
 *
 * The WAL: SQLite's automatic PASSIVE checkpoint keeps it short while no reader holds an
 * old snapshot, and journal_size_limit caps the file at each reset. A long reader makes
 * it grow; every two seconds the writer then tries a TRUNCATE checkpoint with no busy
 * wait: it empties the WAL once the reader is gone, and never stalls ingest.
 *
 * The disk: at the same pace the writer measures the room left on the database's
 * filesystem and the WAL's size (diskwatch.h decides), and says when either goes wrong
 * (disk_min_free_mb; a WAL a reader pins past 64 MiB) while there is still room to store
 * it: a state of the 'disk' sensor in the chain, and an alert.
 *
 * The file: before each batch and at least once a second the writer asks whether the file
 * it writes to is still the one at the configured path (dbfault.h). When it was deleted,
 * moved or replaced, everything stored since the last check that found it in place went
 * to a file nobody will read at that path: those events are counted lost (db_error),
 * and the loss counters' growth since then is stored again. The writer closes it, sets
 * aside what the old file left at the path, opens the path again (a new database with
 * the schema, or a damaged one set aside first) and goes on there. The fault is told in
 * the log at once; its record and alert cannot go in the file that is gone, so they are
 * kept in memory until the new database exists and committed in its first transaction,
 * with the loss: the alert thread and the dashboard's readers see the move too
 * (db_moved) and read the new file. While the path cannot be opened, every event is
 * counted lost and the writer tries again every few seconds. A database that fails
 * quick_check at start is set aside (renamed, never deleted) and told the same way. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core.h"
#include "dbfault.h"
#include "common/clock.h"
#include "common/db.h"
#include "common/diskwatch.h"
#include "common/findkind.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "seal.h"
#include "sensorwatch.h"
#include "service.h"
#include "store.h"
#include "common/timefmt.h"
#include "writer.h"
#include "writerint.h"

#define WAL_TARGET_BYTES (16 << 20)
#define PRUNE_BATCH 2000
#define OUTBOX_KEEP_US (7 * DAY_US)   /* delivered alerts kept for looking back */
#define FILE_CHECK_US INT64_C(1000000)
#define REOPEN_EVERY_US INT64_C(3000000)  /* while the path cannot be opened */

/* Open the database at the path and start a run in it: the statements, the runs row,
 * and the run's first batch of the chain. Returns 0, or -1 with err. */
int
wfile_open(struct writer *w, const struct conf *c, int64_t now, char *err, size_t errlen)
{
	sqlite3_stmt *ins;
	char dns[NETADDR_STRLEN + 8] = "";

	if (!(w->db = db_open_rw(w->db_path, err, errlen)) ||
	    !(w->store = store_new(w->db, err, errlen)))
		return -1;
	if (w->core)
		core_set_db(w->core, w->db);    /* a reopen: what the VM was told stays known */
	else if (!(w->core = core_new(c, w->db, now, queue_mono_us(), err, errlen)))
		return -1;
	/* the sensors this run has, for the report's coverage (empty = off) */
	if (sqlite3_prepare_v2(w->db, "INSERT INTO runs(started_us, version, config, beat_us) "
	                       "VALUES(?1, ?2, json_object('nflog_group', ?3, 'dns', ?4, "
	                       "'capture', ?5, 'enforce', ?6), ?1)", -1, &ins, NULL) != SQLITE_OK)
		goto dberr;
	if (c->dns_addr.family)
		hostport_format(&c->dns_addr, c->dns_port, dns, sizeof(dns));
	sqlite3_bind_int64(ins, 1, now);
	sqlite3_bind_text(ins, 2, PACKAGE_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 3, (int)c->nflog_group);
	sqlite3_bind_text(ins, 4, dns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 5, c->pcap_interface, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(ins, 6, c->enforce ? 1 : 0);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		sqlite3_finalize(ins);
		goto dberr;
	}
	sqlite3_finalize(ins);
	w->run_id = sqlite3_last_insert_rowid(w->db);
	/* rows no batch covers are sealed first; then the run's first batch marks its start */
	if (!(w->seal = seal_new(w->db, w->store, w->run_id, err, errlen)) ||
	    seal_backlog(w->seal, now, queue_mono_us(), err, errlen) < 0)
		return -1;
	if (writer_exec(w, "BEGIN IMMEDIATE") < 0)
		goto dberr;
	if (seal_batch(w->seal, now, queue_mono_us(), true) < 0 || writer_exec(w, "COMMIT") < 0) {
		writer_exec(w, "ROLLBACK");
		seal_committed(w->seal, false);
		goto dberr;
	}
	seal_committed(w->seal, true);
	dbfault_opened(&w->files, w->db_path);
	db_writer_file(w->db_path);
	w->stored_at_check = stats_get(w->st, STAT_EVENTS_STORED);
	memcpy(w->stored_snap, w->stored, sizeof(w->stored));
	return 0;
dberr:
	snprintf(err, errlen, "database %s: %s", w->db_path, sqlite3_errmsg(w->db));
	return -1;
}

/* End the run in the open database (its stop recorded) and close it; moved: its file is
 * no longer at the path, so closing must not touch the path's WAL. */
void
wfile_close(struct writer *w, bool moved)
{
	if (w->db && w->run_id) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(w->db, "UPDATE runs SET stopped_us = ? WHERE id = ?", -1,
		                       &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, timefmt_now_us());
			sqlite3_bind_int64(st, 2, w->run_id);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	seal_free(w->seal);
	store_free(w->store);
	if (moved)
		db_writer_file(NULL);   /* no reader opens the path until a new file is open */
	if (moved) {
		/* what is in its WAL goes into the old file, which may still be read elsewhere */
		sqlite3_busy_timeout(w->db, 0);
		sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		db_close_moved(w->db);
	} else {
		sqlite3_close(w->db);
	}
	w->seal = NULL;
	w->store = NULL;
	w->db = NULL;
	w->run_id = 0;
}

/* Tell a fault of the file in the database the writer now has open: a state of the
 * 'database' source and its alert, in a transaction that also stores the loss. */
void
wfile_fault_tell(struct writer *w)
{
	if (!w->fault_since || writer_begin(w) < 0)
		return;
	if (store_sensor_event(w->store, w->fault_since, w->run_id, "database", w->fault_state,
	                       w->fault_detail) < 0 ||
	    store_sensor_alert(w->store, timefmt_now_us(), "database", w->fault_state,
	                       w->fault_since, w->fault_detail) < 0) {
		writer_db_error(w, "database fault not stored");
		w->tx_broken = true;
	}
	writer_commit(w, 0, false);
	if (!w->db_failing)
		w->fault_since = 0;
}

/* Is the file still the one at the path? If not (deleted, moved or replaced),
 * everything committed to it since the last check that found it in place is counted
 * lost, and the path is opened again. Returns whether a database is open. */
bool
wfile_check(struct writer *w, bool batch)
{
	char err[512], why[512] = "", aside[4200] = "";
	int64_t mono = queue_mono_us(), now;
	enum dbfault_state fs;
	uint64_t stored, lost;
	int r;

	if (w->db) {
		if (!batch && mono - w->last_file_check < FILE_CHECK_US)
			return true;
		w->last_file_check = mono;
		stored = stats_get(w->st, STAT_EVENTS_STORED);
		if ((fs = dbfault_check(&w->files, w->db, w->db_path)) == DBFAULT_IN_PLACE) {
			w->stored_at_check = stored;
			memcpy(w->stored_snap, w->stored, sizeof(w->stored));
			return true;
		}
		now = timefmt_now_us();
		lost = stored - w->stored_at_check;
		log_err("database %s: the file is %s (deleted, moved or replaced under the "
		        "collector); %llu events stored since it was last seen in place are "
		        "lost; opening the path again", w->db_path,
		        fs == DBFAULT_MISSING ? "gone" : "replaced", (unsigned long long)lost);
		stats_add(w->st, STAT_DB_ERROR, lost);
		/* the new file gets the losses the old one took with it */
		memcpy(w->stored, w->stored_snap, sizeof(w->stored));
		w->fault_lost += lost;
		if (!w->fault_since)
			w->fault_since = now;
		snprintf(w->fault_state, sizeof(w->fault_state), "%s", dbfault_state_name(fs));
		wfile_close(w, true);
		w->n_cmds = 0;   /* they name rows of the old file */
		if (dbfault_clear(&w->files, w->db_path, now, why, sizeof(why)) < 0)
			log_err("database %s: %s", w->db_path, why);
		*why = '\0';
	} else if (mono - w->reopen_tried < REOPEN_EVERY_US) {
		return false;
	}
	w->reopen_tried = mono;
	now = timefmt_now_us();
	if ((r = dbfault_set_aside(w->db_path, now, aside, sizeof(aside), why,
	                           sizeof(why))) < 0 ||
	    wfile_open(w, w->conf, now, err, sizeof(err)) < 0) {
		if (!w->db_failing)
			log_err("database %s: cannot open it again: %s (events are counted as "
			        "lost until it opens)", w->db_path, r < 0 ? why : err);
		w->db_failing = true;
		wfile_close(w, false);
		return false;
	}
	snprintf(w->fault_detail, sizeof(w->fault_detail), "the database file %.400s was %s "
	         "under the running collector; %llu events stored in the old file since it "
	         "was last seen in place are counted as lost; the collector goes on in %s"
	         "%.300s%s%.500s%s", w->db_path, strcmp(w->fault_state, "missing") == 0 ?
	         "deleted or moved away" : "replaced", (unsigned long long)w->fault_lost,
	         r == 1 ? "a new database (the file at the path failed its check: " :
	         "the file at the path", r == 1 ? why : "", r == 1 ? "; set aside as " : "",
	         r == 1 ? aside : "", r == 1 ? ")" : "");
	log_err("database %s: opened again: %s", w->db_path, w->fault_detail);
	w->db_failing = false;
	wfile_fault_tell(w);
	if (!w->fault_since)
		w->fault_lost = 0;
	return w->db != NULL;
}

/* SQLite's automatic PASSIVE checkpoints keep the WAL's content short, and a WAL reset
 * truncates the file to journal_size_limit; but while a reader holds an old snapshot the
 * file grows. Once it is past WAL_TARGET_BYTES, try a TRUNCATE checkpoint without
 * waiting for readers: it empties the file as soon as none is in the way. */
void
wfile_checkpoint(struct writer *w, bool force)
{
	struct stat sb;

	if (!force && (stat(w->wal_path, &sb) < 0 || sb.st_size <= WAL_TARGET_BYTES))
		return;
	sqlite3_busy_timeout(w->db, 0);
	sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(w->db, 5000);
}

/* Tell of change c of the disk: in the log first (it needs no room), then as a state of
 * the 'disk' sensor and, on the way into trouble, an alert, in a transaction of its own.
 * Told while there is still room, so the record of it is not lost with the disk. */
static void
disk_tell(struct writer *w, enum diskwatch_change c, uint64_t avail, uint64_t wal,
          int64_t now)
{
	char detail[4400];
	bool bad = c == DISKWATCH_LOW || c == DISKWATCH_WAL_PINNED;

	if (c == DISKWATCH_LOW || c == DISKWATCH_ROOM)
		snprintf(detail, sizeof(detail), "%llu MiB free on the filesystem of %s (%s %u MiB, "
		         "disk_min_free_mb)%s", (unsigned long long)(avail >> 20), w->db_path,
		         bad ? "below" : "back above", w->conf->disk_min_free_mb,
		         bad ? ": once it is full, events are lost" : "");
	else
		snprintf(detail, sizeof(detail), "the WAL (%s) is %llu MiB%s", w->wal_path,
		         (unsigned long long)(wal >> 20), bad ? ": a reader holds an old snapshot, "
		         "so checkpoints cannot shorten it" : ", the reader is gone");
	if (bad)
		log_warn("disk: %s", detail);
	else
		log_info("disk: %s", detail);
	if (writer_begin(w) < 0) {
		writer_db_error(w, "begin failed");
		return;
	}
	if (store_sensor_event(w->store, now, w->run_id, "disk", diskwatch_state(c), detail) < 0 ||
	    (bad && store_alert(w->store, now, "disk", detail) < 0)) {
		writer_db_error(w, "disk state not stored");
		w->tx_broken = true;   /* the transaction rolls back at commit */
	}
	writer_commit(w, 0, false);
}

/* How much room the database has left and how long its WAL is, every few seconds. */
void
wfile_disk_check(struct writer *w, int64_t now)
{
	struct statvfs vs;
	struct stat sb;
	uint64_t wal = 0, avail;
	enum diskwatch_change c;

	if (statvfs(w->db_path, &vs) < 0)
		return;
	avail = (uint64_t)vs.f_bavail * vs.f_frsize;   /* what the collector's user may use */
	if (stat(w->wal_path, &sb) == 0)
		wal = (uint64_t)sb.st_size;
	while ((c = diskwatch_judge(&w->disk, avail, wal,
	                            (uint64_t)w->conf->disk_min_free_mb << 20)) != DISKWATCH_NONE)
		disk_tell(w, c, avail, wal, now);
}

/* Run sql (a DELETE of at most ?2 rows older than ?1) until it deletes fewer, ten
 * rounds at most, each its own small transaction. */
static void
prune_rows(struct writer *w, const char *sql, int64_t cutoff)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	for (int round = 0; round < 10; round++) {
		int rc;

		sqlite3_bind_int64(st, 1, cutoff);
		sqlite3_bind_int(st, 2, PRUNE_BATCH);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE || sqlite3_changes(w->db) < PRUNE_BATCH)
			break;
	}
	sqlite3_finalize(st);
}

/* Delete raw events older than the retention, batch by batch (a batch goes once its
 * newest event is older): a few small transactions per call, so ingest never waits
 * long. Each batch keeps its row and digests, so the chain still verifies. The
 * retention counts from the earlier of the wall clock and the steady time
 * (common/clock.h): a wall clock stepped forward a day deletes nothing a day early. */
void
wfile_prune(struct writer *w)
{
	struct clock_now c;
	int64_t now, cutoff;

	clock_read(&c);
	now = c.wall_us < c.steady_us ? c.wall_us : c.steady_us;
	cutoff = now - (int64_t)w->retention_days * DAY_US;

	if (seal_prune(w->seal, cutoff, c.wall_us, PRUNE_BATCH, 10) < 0)
		log_warn("database: retention pruning failed: %s", sqlite3_errmsg(w->db));
	/* the events from outside vm_subnet: raw events too, but not chained */
	prune_rows(w, "DELETE FROM other_events WHERE id IN (SELECT id FROM other_events "
	           "WHERE ts_us < ?1 ORDER BY ts_us LIMIT ?2)", cutoff);
	/* alerts delivered more than a week ago: a scan makes one per finding, and the
	 * report and dashboard only count what is pending (and look for the watch-end) */
	prune_rows(w, "DELETE FROM alert_outbox WHERE id IN (SELECT id FROM alert_outbox "
	           "WHERE delivered_us < ?1 AND kind <> 'watch-end' LIMIT ?2)",
	           now - OUTBOX_KEEP_US);
}
