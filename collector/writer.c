/* The core thread. Events are stored in batches, each one transaction: the first event
 * opens it, and it commits at WRITER_TX_MAX events or WRITER_BATCH_US after it opened.
 * Loss counters are read at each commit and their growth is stored in the same
 * transaction, so a crash never loses the record of a loss that the database already
 * holds the events around. A failed commit rolls back, and its events are counted as
 * lost (db_error) in the next transaction that succeeds. Each event is undone on its
 * own if it fails (a savepoint from its first write that is not a new row of its own:
 * store.h): it is undone whole (rows and rollup counts) and counted lost, and the rest
 * of the batch commits. Commands (acknowledgements the web
 * answered 202 to, alert delivery marks) are kept until a transaction holding them
 * commits: a failed BEGIN or COMMIT retries them in the next. Each transaction that stored
 * rows, and one a minute in any case, ends with its batch of the hash chain (seal.h).

 * The file under the writer (its faults, the WAL, the disk, pruning) is looked after by
 * writerfile.c. */
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

#define CHECKPOINT_EVERY_US INT64_C(2000000)
#define PRUNE_EVERY_US INT64_C(60000000)
#define IDLE_FLUSH_US INT64_C(1000000)

int
writer_exec(struct writer *w, const char *sql)
{
	if (!w->db)
		return -1;
	return sqlite3_exec(w->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

void
writer_db_error(struct writer *w, const char *what)
{
	if (!w->db_failing)
		log_err("database: %s: %s (code %d; events are counted as lost until it "
		        "recovers)", what, sqlite3_errmsg(w->db), sqlite3_extended_errcode(w->db));
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
			writer_db_error(w, "command failed");
}

int
writer_begin(struct writer *w)
{
	if (writer_exec(w, "BEGIN IMMEDIATE") < 0)
		return -1;
	w->tx_lost = w->tx_cmds = 0;
	w->tx_broken = false;
	replay_cmds(w);
	return 0;
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
	if (wfile_open(w, c, now, err, errlen) < 0)
		goto fail;
	wfile_fault_tell(w);
	return w;
fail:
	writer_free(w);
	return NULL;
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
		keep_cmd(w, ev->u.cmd);
		w->tx_cmds++;
	}
	if (w->tx_broken || store_event_begin(w->store) < 0) {
		event_free(ev);
		if (ev->type != EV_CMD) {
			stats_add(w->st, STAT_DB_ERROR, 1);
			w->tx_lost++;
		}
		writer_db_error(w, "savepoint failed");
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
		if (ev->u.cmd->kind == CMD_SENSOR_CHECK)
			sensorwatch_rule(&w->sw, (enum sensorwatch_rule)ev->u.cmd->arg,
			                 ev->u.cmd->text, ev->u.cmd->ts_us);
		else if (ev->u.cmd->kind == CMD_ENFORCE_CHECK)
			enforcewatch_rule(&w->ew, (enum sensorwatch_rule)ev->u.cmd->arg,
			                  ev->u.cmd->text, ev->u.cmd->ts_us);
		else
			rc = store_cmd(w->store, ev->u.cmd);
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
		struct sensor_event *se = ev->u.sensor;

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
		writer_db_error(w, "insert failed");
	}
	if (store_event_end(w->store, rc >= 0 || ev->type == EV_CMD) < 0) {
		w->tx_broken = true;      /* the transaction rolls back at commit */
		writer_db_error(w, "savepoint undo failed");
	} else if (rc < 0 && ev->type != EV_CMD) {
		core_event_undone(w->core);
	}
	event_free(ev);      /* a command's copy is kept (keep_cmd) until it commits */
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
void
writer_commit(struct writer *w, size_t n, bool seal_now)
{
	uint64_t snap[STAT__COUNT];
	int64_t now = timefmt_now_us(), mono = queue_mono_us();
	int released = core_release(w->core, w->store, mono, seal_now);

	n = n - w->held + (released > 0 ? (size_t)released : 0);
	w->held = 0;
	if (w->tx_broken || released < 0 || sensor_change(w, now, mono) < 0 ||
	    store_counters(w, now, snap) < 0 || store_flush(w->store) < 0 ||
	    seal_batch(w->seal, now, mono, seal_now) < 0 || writer_exec(w, "COMMIT") < 0) {
		writer_db_error(w, "commit failed");
		writer_exec(w, "ROLLBACK");
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

static void
periodic(struct writer *w, bool force)
{
	int64_t mono = queue_mono_us();

	service_watchdog_feed(mono);   /* the loop turned: the writer is not stuck */
	if (!wfile_check(w, false))
		return;
	if (w->fault_since)
		wfile_fault_tell(w);   /* its first try failed */
	if (force || mono - w->last_counters >= IDLE_FLUSH_US) {
		w->last_counters = mono;
		if (writer_begin(w) == 0)
			writer_commit(w, 0, force);
		else
			writer_db_error(w, "begin failed");
	}
	if (force || mono - w->last_checkpoint >= CHECKPOINT_EVERY_US) {
		w->last_checkpoint = mono;
		wfile_checkpoint(w, force);
		wfile_disk_check(w, timefmt_now_us());
	}
	if (mono - w->last_prune >= PRUNE_EVERY_US) {
		w->last_prune = mono;
		wfile_prune(w);
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
		if (!wfile_check(w, true) || writer_begin(w) < 0) {
			size_t lost = 0;

			writer_db_error(w, "begin failed");
			for (size_t i = 0; i < n; i++) {
				if (w->batch[i].type == EV_CMD)
					keep_cmd(w, w->batch[i].u.cmd);   /* answered already */
				else
					lost++;
				event_free(&w->batch[i]);
			}
			stats_add(w->st, STAT_DB_ERROR, lost);
			continue;
		}
		for (;;) {
			for (size_t i = 0; i < n; i++)
				handle(w, &w->batch[i]);
			total += n;
			if (total >= WRITER_TX_MAX || queue_mono_us() >= deadline)
				break;
			n = queue_pop(w->q, w->batch, WRITER_TX_MAX - total < WRITER_BATCH_MAX ?
			              WRITER_TX_MAX - total : WRITER_BATCH_MAX, deadline);
			if (n == 0)
				break;
		}
		writer_commit(w, total, false);
		wfile_check(w, true);   /* the batch went where it should: not counted lost */
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
	wfile_close(w, false);
	core_free(w->core);
	pthread_mutex_destroy(&w->conf_mu);
	free(w);
}
