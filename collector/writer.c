/* The core thread. Events are stored in batches, each one transaction: the first event
 * opens it, and it commits at WRITER_BATCH_MAX events or WRITER_BATCH_US after it opened.
 * Loss counters are read at each commit and their growth is stored in the same
 * transaction, so a crash never loses the record of a loss that the database already
 * holds the events around. A failed commit rolls back, and its events are counted as
 * lost (db_error) in the next transaction that succeeds. Each event is stored in a
 * savepoint of its own: one that fails is undone whole (rows and rollup counts) and
 * counted lost, and the rest of the batch commits. Commands (acknowledgements the web
 * answered 202 to, alert delivery marks) are kept until a transaction holding them
 * commits: a failed BEGIN or COMMIT retries them in the next. Each transaction that stored
 * rows, and one a minute in any case, ends with its batch of the hash chain (seal.h).
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

#define CHECKPOINT_EVERY_US INT64_C(2000000)
#define WAL_TARGET_BYTES (16 << 20)
#define PRUNE_EVERY_US INT64_C(60000000)
#define PRUNE_BATCH 2000
#define OUTBOX_KEEP_US (7 * DAY_US)   /* delivered alerts kept for looking back */
#define IDLE_FLUSH_US INT64_C(1000000)
#define CMDS_KEPT 1024                /* commands awaiting a commit; more are lost */
#define FILE_CHECK_US INT64_C(1000000)
#define REOPEN_EVERY_US INT64_C(3000000)  /* while the path cannot be opened */

struct writer {
	sqlite3 *db;
	struct store *store;
	struct seal *seal;
	struct core *core;
	struct sensorwatch sw;            /* whether NFLOG sees: its changes go in commits */
	struct enforcewatch ew;           /* whether enforce mode's table is there (its mode) */
	struct queue *q;
	struct stats *st;
	pthread_mutex_t conf_mu;          /* the two below: a reload's hand-over */
	const struct conf *pending_conf;  /* a reload, not yet taken */
	const struct conf *conf;          /* the one events are judged by */
	unsigned retention_days;
	pthread_t thread;
	bool started;
	uint64_t stored[STAT__COUNT];   /* counter values already in the database */
	uint64_t untracked;              /* core_untracked already in the counters */
	size_t held;                     /* events of the open batch the core holds for later */
	int64_t run_id;
	int64_t last_checkpoint, last_prune, last_counters;
	bool db_failing;                 /* logged once per failing stretch */
	bool other_logged;               /* an event from outside vm_subnet was logged */
	char wal_path[4200];
	char db_path[4096];
	struct diskwatch disk;           /* what was told about the disk */
	size_t tx_lost, tx_cmds;         /* events of the open transaction counted lost;
	                                    commands in it (kept, never lost) */
	bool tx_broken;                  /* an event could not be undone alone */
	size_t n_cmds;                   /* commands not yet committed */
	struct cmd_event cmds[CMDS_KEPT];
	struct dbfault_files files;      /* what db opened, to see it go */
	int64_t last_file_check, reopen_tried;
	uint64_t stored_at_check;        /* events stored when the file was last in place */
	uint64_t stored_snap[STAT__COUNT]; /* stored[] then */
	uint64_t fault_lost;             /* lost to files that went, not told yet */
	int64_t fault_since;             /* a fault not told yet: when it was found, or 0 */
	char fault_state[16];
	char fault_detail[1400];
	struct event batch[WRITER_BATCH_MAX];
};

static int
exec(struct writer *w, const char *sql)
{
	if (!w->db)
		return -1;
	return sqlite3_exec(w->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void
note_db_error(struct writer *w, const char *what)
{
	if (!w->db_failing)
		log_err("database: %s: %s (events are counted as lost until it recovers)",
		        what, sqlite3_errmsg(w->db));
	w->db_failing = true;
}

/* Keep cmd until a transaction holding it commits. */
static void
keep_cmd(struct writer *w, const struct cmd_event *cmd)
{
	if (w->n_cmds == CMDS_KEPT) {
		stats_add(w->st, STAT_DB_ERROR, 1);
		return;
	}
	w->cmds[w->n_cmds++] = *cmd;
}

/* A transaction just began: apply the commands an earlier one did not commit. */
static void
replay_cmds(struct writer *w)
{
	for (size_t i = 0; i < w->n_cmds; i++)
		if (store_cmd(w->store, &w->cmds[i]) < 0)
			note_db_error(w, "command failed");
}

static int
begin(struct writer *w)
{
	if (exec(w, "BEGIN IMMEDIATE") < 0)
		return -1;
	w->tx_lost = w->tx_cmds = 0;
	w->tx_broken = false;
	replay_cmds(w);
	return 0;
}

/* Open the database at the path and start a run in it: the statements, the runs row,
 * and the run's first batch of the chain. Returns 0, or -1 with err. */
static int
open_db(struct writer *w, const struct conf *c, int64_t now, char *err, size_t errlen)
{
	sqlite3_stmt *ins;
	char dns[NETADDR_STRLEN + 8] = "";

	if (!(w->db = db_open_rw(w->db_path, err, errlen)) ||
	    !(w->store = store_new(w->db, err, errlen)))
		return -1;
	if (w->core)
		core_set_db(w->core, w->db);    /* a reopen: what the VM was told stays known */
	else if (!(w->core = core_new(c, w->db, now, err, errlen)))
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
	if (exec(w, "BEGIN IMMEDIATE") < 0)
		goto dberr;
	if (seal_batch(w->seal, now, queue_mono_us(), true) < 0 || exec(w, "COMMIT") < 0) {
		exec(w, "ROLLBACK");
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
static void
close_db(struct writer *w, bool moved)
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

static void commit(struct writer *w, size_t n, bool seal_now);

/* Tell a fault of the file in the database the writer now has open: a state of the
 * 'database' source and its alert, in a transaction that also stores the loss. */
static void
fault_tell(struct writer *w)
{
	if (!w->fault_since || begin(w) < 0)
		return;
	if (store_sensor_event(w->store, w->fault_since, w->run_id, "database", w->fault_state,
	                       w->fault_detail) < 0 ||
	    store_sensor_alert(w->store, timefmt_now_us(), "database", w->fault_state,
	                       w->fault_since, w->fault_detail) < 0) {
		note_db_error(w, "database fault not stored");
		w->tx_broken = true;
	}
	commit(w, 0, false);
	if (!w->db_failing)
		w->fault_since = 0;
}

struct writer *
writer_new(const struct conf *c, struct queue *q, struct stats *st, char *err,
           size_t errlen)
{
	struct writer *w = calloc(1, sizeof(*w));
	char aside[4200], why[512];
	int64_t now = timefmt_now_us();
	int r;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->q = q;
	w->st = st;
	pthread_mutex_init(&w->conf_mu, NULL);
	w->conf = c;
	w->retention_days = c->retention_days;
	sensorwatch_init(&w->sw, c->nflog_group, (int64_t)c->nflog_silence * US_PER_SEC);
	snprintf(w->wal_path, sizeof(w->wal_path), "%s-wal", c->database);
	snprintf(w->db_path, sizeof(w->db_path), "%s", c->database);
	/* a damaged file is set aside, never overwritten, and a new one started */
	if ((r = dbfault_set_aside(w->db_path, now, aside, sizeof(aside), why,
	                           sizeof(why))) < 0) {
		snprintf(err, errlen, "database %s: %s", w->db_path, why);
		goto fail;
	}
	if (r == 1) {
		log_err("database %s: %s: set aside as %s; starting a new one", w->db_path, why,
		        aside);
		w->fault_since = now;
		snprintf(w->fault_state, sizeof(w->fault_state), "damaged");
		snprintf(w->fault_detail, sizeof(w->fault_detail), "%.400s failed its check at "
		         "start (%.300s): set aside as %.500s, kept for examination; a new "
		         "database was started", w->db_path, why, aside);
	}
	if (open_db(w, c, now, err, errlen) < 0)
		goto fail;
	fault_tell(w);
	return w;
fail:
	writer_free(w);
	return NULL;
}

/* Is the file still the one at the path? If not (deleted, moved or replaced),
 * everything committed to it since the last check that found it in place is counted
 * lost, and the path is opened again. Returns whether a database is open. */
static bool
check_file(struct writer *w, bool batch)
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
		close_db(w, true);
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
	    open_db(w, w->conf, now, err, sizeof(err)) < 0) {
		if (!w->db_failing)
			log_err("database %s: cannot open it again: %s (events are counted as "
			        "lost until it opens)", w->db_path, r < 0 ? why : err);
		w->db_failing = true;
		close_db(w, false);
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
	fault_tell(w);
	if (!w->fault_since)
		w->fault_lost = 0;
	return w->db != NULL;
}

/* Store the growth of every counter since the last successful commit. Inside the
 * caller's transaction; snap receives the values to remember if it commits. */
static int
store_counters(struct writer *w, int64_t now, uint64_t snap[STAT__COUNT])
{
	uint64_t untracked = core_untracked(w->core);

	/* the core's own losses, counted in this thread: into the shared counters first */
	if (untracked > w->untracked) {
		stats_add(w->st, STAT_VOLUME_UNTRACKED, untracked - w->untracked);
		w->untracked = untracked;
	}
	for (int i = 0; i < STAT__COUNT; i++) {
		uint64_t v = stats_get(w->st, (enum stat_id)i), d = v - w->stored[i];

		snap[i] = v;
		if (d == 0)
			continue;
		if (stats_is_loss((enum stat_id)i)) {
			if (store_loss(w->store, now, stats_name((enum stat_id)i), d) < 0)
				return -1;
		} else if (store_counter_add(w->store, stats_name((enum stat_id)i), d) < 0) {
			return -1;
		}
	}
	return 0;
}

/* An event from outside vm_subnet: counted, and said once per run in the log, since
 * a source other than the VM on its bridge (or the VM using an address not its own)
 * deserves a look. */
static void
other(struct writer *w, enum stat_id id, const struct netaddr *src)
{
	char a[NETADDR_STRLEN];

	stats_add(w->st, id, 1);
	if (!w->other_logged)
		log_warn("%s from %s, outside vm_subnet: counted apart, not judged as the VM's "
		         "(reported as other sources)", id == STAT_OTHER_DNS ? "a DNS query" :
		         "a connection", netaddr_format(src, a, sizeof(a)));
	w->other_logged = true;
}

/* The addresses a DNS answer gave (what the VM would connect to). */
static unsigned
addresses(const struct dns_event *ev)
{
	unsigned n = 0;

	for (size_t i = 0; i < ev->n_answers; i++)
		n += ev->answers[i].rtype == 1 || ev->answers[i].rtype == 28;
	return n;
}

static void
handle(struct writer *w, struct event *ev)
{
	int64_t rc = 0;

	if (ev->type == EV_CMD) {
		keep_cmd(w, &ev->u.cmd);
		w->tx_cmds++;
	}
	if (w->tx_broken || store_event_begin(w->store) < 0) {
		event_free(ev);
		if (ev->type != EV_CMD) {
			stats_add(w->st, STAT_DB_ERROR, 1);
			w->tx_lost++;
		}
		note_db_error(w, "savepoint failed");
		return;
	}
	switch (ev->type) {
	case EV_CONN:
		sensorwatch_conn(&w->sw, ev->u.conn.ts_us, queue_mono_us());   /* NFLOG delivers, whoever sent */
		if ((rc = core_conn(w->core, w->store, &ev->u.conn)) == 1)
			other(w, STAT_OTHER_CONNECTIONS, &ev->u.conn.src);
		break;
	case EV_DNS: {
		uint64_t evicted = core_attrib_evictions(w->core);

		if ((rc = core_dns(w->core, w->store, ev->u.dns)) == 1)
			other(w, STAT_OTHER_DNS, &ev->u.dns->client);
		else if (rc == 0)
			sensorwatch_dns(&w->sw, ev->u.dns->ts_us, queue_mono_us(),
			                addresses(ev->u.dns));
		dns_event_free(ev->u.dns);
		ev->u.dns = NULL;
		stats_add(w->st, STAT_ATTRIB_EVICTED, core_attrib_evictions(w->core) - evicted);
		break;
	}
	case EV_CMD:
		if (ev->u.cmd.kind == CMD_SENSOR_CHECK)
			sensorwatch_rule(&w->sw, (enum sensorwatch_rule)ev->u.cmd.arg,
			                 ev->u.cmd.text, ev->u.cmd.ts_us);
		else if (ev->u.cmd.kind == CMD_ENFORCE_CHECK)
			enforcewatch_rule(&w->ew, (enum sensorwatch_rule)ev->u.cmd.arg,
			                  ev->u.cmd.text, ev->u.cmd.ts_us);
		else
			rc = store_cmd(w->store, &ev->u.cmd);
		break;
	case EV_HELLO:
		if ((rc = core_hello(w->core, w->store, ev->u.hello, queue_mono_us())) == 1) {
			w->held++;    /* held by the core for its connection: its now */
			rc = 0;
		} else {
			hello_event_free(ev->u.hello);
		}
		ev->u.hello = NULL;
		break;
	case EV_BYTES:
		rc = core_bytes(w->core, w->store, &ev->u.bytes);
		break;
	case EV_SENSOR: {
		struct sensor_event *se = &ev->u.sensor;

		se->source[sizeof(se->source) - 1] = se->state[sizeof(se->state) - 1] = '\0';
		se->detail[sizeof(se->detail) - 1] = '\0';
		rc = store_sensor_event(w->store, se->ts_us, w->run_id, se->source, se->state,
		                        se->detail);
		break;
	}
	}
	if (rc < 0 && ev->type != EV_CMD) {
		/* whole or not at all: its rows and counts are undone, it is counted lost */
		stats_add(w->st, STAT_DB_ERROR, 1);
		w->tx_lost++;
		note_db_error(w, "insert failed");
	}
	if (store_event_end(w->store, rc >= 0 || ev->type == EV_CMD) < 0) {
		w->tx_broken = true;      /* the transaction rolls back at commit */
		note_db_error(w, "savepoint undo failed");
	} else if (rc < 0 && ev->type != EV_CMD) {
		core_event_undone(w->core);
	}
}

/* A change of NFLOG's state (or enforce mode's table), in the open transaction: stored
 * for the report's coverage; a blind one raises a sensor finding, and going blind or
 * seeing again an alert of its own (a finding alerts once, a rule can go and come back
 * many times). */
static int
store_change(struct writer *w, int64_t now, const struct sensorwatch_change *ch)
{
	char key[64], iso[TIMEFMT_ISOLEN];
	bool is_new;

	if (ch->blind)
		log_warn("sensor %s: %s since %s: %s", ch->source, ch->state,
		         timefmt_iso(ch->since_us, iso, sizeof(iso)), ch->detail);
	else
		log_info("sensor %s: %s: %s", ch->source, ch->state, ch->detail);
	if (store_sensor_event(w->store, ch->since_us, w->run_id, ch->source, ch->state,
	                       ch->detail) < 0)
		return -1;
	if ((ch->blind || ch->was_blind) &&
	    store_sensor_alert(w->store, now, ch->source, ch->state, ch->since_us, ch->detail) < 0)
		return -1;
	if (!ch->blind)
		return 0;
	snprintf(key, sizeof(key), "%s %s", ch->source, ch->state);
	struct finding_in f = {
		.kind = findkind_name(FK_SENSOR), .key = key, .port = -1, .ts_us = ch->since_us,
		.watch_day = core_watch_day(w->core, ch->since_us), .detail = ch->detail,
		.no_alert = true,
	};
	return store_finding(w->store, &f, &is_new) < 0 ? -1 : 0;
}

static int
sensor_change(struct writer *w, int64_t now, int64_t mono)
{
	struct sensorwatch_change ch;

	if (sensorwatch_poll(&w->sw, now, mono, &ch) && store_change(w, now, &ch) < 0)
		return -1;
	if (enforcewatch_poll(&w->ew, now, &ch) && store_change(w, now, &ch) < 0)
		return -1;
	return 0;
}

/* Commit the open transaction, with the held hellos whose time is up (all of them when
 * seal_now: the end). On failure roll back and count n events as lost, but those the
 * core holds still (they come in a later transaction). */
static void
commit(struct writer *w, size_t n, bool seal_now)
{
	uint64_t snap[STAT__COUNT];
	int64_t now = timefmt_now_us(), mono = queue_mono_us();
	int released = core_release(w->core, w->store, mono, seal_now);

	n = n - w->held + (released > 0 ? (size_t)released : 0);
	w->held = 0;
	if (w->tx_broken || released < 0 || sensor_change(w, now, mono) < 0 ||
	    store_counters(w, now, snap) < 0 || store_flush(w->store) < 0 ||
	    seal_batch(w->seal, now, mono, seal_now) < 0 || exec(w, "COMMIT") < 0) {
		note_db_error(w, "commit failed");
		exec(w, "ROLLBACK");
		sensorwatch_stored(&w->sw, false);
		enforcewatch_stored(&w->ew, false);
		seal_committed(w->seal, false);
		store_discard(w->store);
		core_rollback(w->core);
		/* the commands stay kept, for the next transaction */
		stats_add(w->st, STAT_DB_ERROR, n - w->tx_lost - w->tx_cmds);
		return;
	}
	w->n_cmds = 0;
	seal_committed(w->seal, true);
	sensorwatch_stored(&w->sw, true);
	enforcewatch_stored(&w->ew, true);
	memcpy(w->stored, snap, sizeof(snap));
	if (w->db_failing)
		log_info("database: writes succeed again");
	w->db_failing = false;
	stats_add(w->st, STAT_DB_BATCHES, 1);
	stats_add(w->st, STAT_EVENTS_STORED, n - w->tx_lost);
}

/* SQLite's automatic PASSIVE checkpoints keep the WAL's content short, and a WAL reset
 * truncates the file to journal_size_limit; but while a reader holds an old snapshot the
 * file grows. Once it is past WAL_TARGET_BYTES, try a TRUNCATE checkpoint without
 * waiting for readers: it empties the file as soon as none is in the way. */
static void
checkpoint(struct writer *w, bool force)
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
	if (begin(w) < 0) {
		note_db_error(w, "begin failed");
		return;
	}
	if (store_sensor_event(w->store, now, w->run_id, "disk", diskwatch_state(c), detail) < 0 ||
	    (bad && store_alert(w->store, now, "disk", detail) < 0)) {
		note_db_error(w, "disk state not stored");
		w->tx_broken = true;   /* the transaction rolls back at commit */
	}
	commit(w, 0, false);
}

/* How much room the database has left and how long its WAL is, every few seconds. */
static void
disk_check(struct writer *w, int64_t now)
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
static void
prune(struct writer *w)
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

static void
periodic(struct writer *w, bool force)
{
	int64_t mono = queue_mono_us();

	service_watchdog_feed(mono);   /* the loop turned: the writer is not stuck */
	if (!check_file(w, false))
		return;
	if (w->fault_since)
		fault_tell(w);   /* its first try failed */
	if (force || mono - w->last_counters >= IDLE_FLUSH_US) {
		w->last_counters = mono;
		if (begin(w) == 0)
			commit(w, 0, force);
		else
			note_db_error(w, "begin failed");
	}
	if (force || mono - w->last_checkpoint >= CHECKPOINT_EVERY_US) {
		w->last_checkpoint = mono;
		checkpoint(w, force);
		disk_check(w, timefmt_now_us());
	}
	if (mono - w->last_prune >= PRUNE_EVERY_US) {
		w->last_prune = mono;
		prune(w);
	}
}

static void *
run(void *arg)
{
	struct writer *w = arg;

	pthread_setname_np(pthread_self(), "oca-writer");

	w->last_checkpoint = w->last_counters = queue_mono_us();
	w->last_prune = 0;
	for (;;) {
		const struct conf *nc;
		int64_t deadline;
		size_t n, total = 0;

		/* between two batches: no event is judged half by one policy, half by another */
		pthread_mutex_lock(&w->conf_mu);
		if ((nc = w->pending_conf))
			w->conf = nc;
		w->pending_conf = NULL;
		pthread_mutex_unlock(&w->conf_mu);
		if (nc)
			core_set_conf(w->core, nc);
		n = queue_pop(w->q, w->batch, WRITER_BATCH_MAX, queue_mono_us() + WRITER_BATCH_US);

		if (n == 0) {
			if (queue_is_closed(w->q) && queue_depth(w->q) == 0)
				break;
			periodic(w, false);
			continue;
		}
		deadline = queue_mono_us() + WRITER_BATCH_US;
		if (!check_file(w, true) || begin(w) < 0) {
			size_t lost = 0;

			note_db_error(w, "begin failed");
			for (size_t i = 0; i < n; i++) {
				event_free(&w->batch[i]);
				if (w->batch[i].type == EV_CMD)
					keep_cmd(w, &w->batch[i].u.cmd);   /* answered already */
				else
					lost++;
			}
			stats_add(w->st, STAT_DB_ERROR, lost);
			continue;
		}
		for (;;) {
			for (size_t i = 0; i < n; i++)
				handle(w, &w->batch[i]);
			total += n;
			if (total >= WRITER_BATCH_MAX || queue_mono_us() >= deadline)
				break;
			n = queue_pop(w->q, w->batch, WRITER_BATCH_MAX - total, deadline);
			if (n == 0)
				break;
		}
		commit(w, total, false);
		check_file(w, true);   /* the batch went where it should: not counted lost */
		periodic(w, false);
	}
	periodic(w, true);
	return NULL;
}

void
writer_set_conf(struct writer *w, const struct conf *c)
{
	pthread_mutex_lock(&w->conf_mu);
	w->pending_conf = c;
	pthread_mutex_unlock(&w->conf_mu);
}

bool
writer_conf_held(struct writer *w, const struct conf *c)
{
	bool held;

	pthread_mutex_lock(&w->conf_mu);
	held = w->conf == c || w->pending_conf == c;
	pthread_mutex_unlock(&w->conf_mu);
	return held;
}

bool
writer_conf_taken(struct writer *w, const struct conf *c)
{
	bool taken;

	pthread_mutex_lock(&w->conf_mu);
	taken = w->conf == c;
	pthread_mutex_unlock(&w->conf_mu);
	return taken;
}

int
writer_start(struct writer *w)
{
	int rc = pthread_create(&w->thread, NULL, run, w);

	if (rc) {
		errno = rc;
		return -1;
	}
	w->started = true;
	return 0;
}

void
writer_join(struct writer *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
}

void
writer_free(struct writer *w)
{
	if (!w)
		return;
	close_db(w, false);
	core_free(w->core);
	pthread_mutex_destroy(&w->conf_mu);
	free(w);
}
