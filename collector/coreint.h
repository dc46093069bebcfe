/* coreint: what core.c and corecap.c share of the core thread's state. Not for other
 * modules: they use core.h. */
#ifndef OCA_COREINT_H
#define OCA_COREINT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "attrib.h"
#include "common/conf.h"
#include "common/event.h"
#include "policy.h"
#include "store.h"

struct corecap;
struct fold;
struct fold_in;

struct core {
	const struct conf *c;
	struct attrib *map;
	struct tunnel *tunnel;
	struct corecap *cap;           /* capture on: its flows, held hellos, budget */
	int64_t watch_stored_us;       /* the start the database holds (watch.h) */
	int64_t first_us;              /* the first event of this run */
	bool watch_start_stored;       /* in the database, or pending in this transaction */
	bool watch_start_in_batch;
	struct fold *fold;             /* findings per kind and group (fold.h) */
	sqlite3 *db;                   /* the writer's: the fold is read again after a rollback */
};

/* The watch day of an event at ts_us (stores the watch's start with the first event).
 * Returns it, or -1 on a database error. */
int core_watch(struct core *k, struct store *s, int64_t ts_us);

/* Fill in what only a finding that may be new needs (its detail, example, address),
 * from arg: formatted for the few events that make or may make a row, not for each one
 * counted in a finding that exists. */
typedef void core_describe_fn(void *arg, struct finding_in *f);

/* Store finding f, raised as fi, under the key the fold gives it (fold.h). A key this
 * run knows already, its own or the folded one, is only counted; else describe (if not
 * NULL) is called with arg to complete f first. Returns 0, or -1 on a database error. */
int core_raise(struct core *k, struct store *s, struct finding_in *f,
               const struct fold_in *fi, core_describe_fn *describe, void *arg);

/* The capture's part of the core (corecap.c), for c: NULL on out of memory. Reads today's
 * uploads per name from db when c has an upload budget. */
struct corecap *corecap_new(const struct conf *c, sqlite3 *db, int64_t now_us,
                            uint64_t seed);
void corecap_free(struct corecap *cc);

/* NFLOG's connection ev was stored as row conn_id in destination dest_id: remember its
 * flow, and store a hello of that flow held until now. Returns 0, or -1 on a database
 * error. */
int corecap_conn(struct core *k, struct store *s, const struct conn_event *ev,
                 int64_t conn_id, int64_t dest_id);

/* The transaction rolled back. */
void corecap_rollback(struct corecap *cc);

#endif
