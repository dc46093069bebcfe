/* writerint: what writer.c (the batches) and writerfile.c (the file under them) share,
 * and nothing else includes: the writer's state and the steps each calls of the other.
 * Everything here runs on the core thread only. */
#ifndef OCA_WRITERINT_H
#define OCA_WRITERINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core.h"
#include "dbfault.h"
#include "common/diskwatch.h"
#include "seal.h"
#include "sensorwatch.h"
#include "store.h"
#include "writer.h"

#define CMDS_KEPT 1024                /* commands awaiting a commit; more are lost */

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

/* writer.c */

/* Run sql on the open database: 0, or -1 (also when none is open). */
int writer_exec(struct writer *w, const char *sql);

/* Say once per failing stretch that the database fails (what, and SQLite's message). */
void writer_db_error(struct writer *w, const char *what);

/* Open a transaction and apply the commands an earlier one did not commit. 0 or -1. */
int writer_begin(struct writer *w);

/* Commit the open transaction with the counters, the sensor changes and the chain's
 * batch (all held hellos when seal_now); on failure roll back and count n events lost. */
void writer_commit(struct writer *w, size_t n, bool seal_now);

/* writerfile.c */

/* Open the database at w->db_path and start a run in it (statements, runs row, the
 * run's first batch). 0, or -1 with err. */
int wfile_open(struct writer *w, const struct conf *c, int64_t now, char *err, size_t errlen);

/* End the run and close the database; moved: its file is no longer at the path. */
void wfile_close(struct writer *w, bool moved);

/* Store and alert a fault of the file kept since it was found, in the new database. */
void wfile_fault_tell(struct writer *w);

/* Is the file still the one at the path (at once when batch, else once a second)? If
 * not, count what went to it lost and open the path again. Whether a database is open. */
bool wfile_check(struct writer *w, bool batch);

/* A TRUNCATE checkpoint without waiting, when the WAL is long (always when force). */
void wfile_checkpoint(struct writer *w, bool force);

/* Measure the room left and the WAL's size; tell a change (diskwatch.h). */
void wfile_disk_check(struct writer *w, int64_t now);

/* Delete what the retention lets go, a few small transactions at most. */
void wfile_prune(struct writer *w);

#endif
