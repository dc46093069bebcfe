/* seal: the writer's half of the hash chain (common/chain.h). Inside each transaction
 * the writer commits, seal_batch adds the batch row that covers the rows the store wrote
 * in it; the writer tells it whether the commit went through. At start, seal_backlog
 * covers rows no batch does (a database from before the chain, or rows written while no
 * collector ran) in batches of about an hour of events each, so that retention can
 * still prune them by the hour. Retention itself (seal_prune) deletes raw rows batch by
 * batch, keeping each batch's row and digests, so the chain still verifies. The run's
 * heartbeat (runs.beat_us) is written with the batches, at least every minute. */
#ifndef OCA_SEAL_H
#define OCA_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/chain.h"
#include "store.h"

/* A batch is written at least this often, rows or not: a heartbeat. */
#define SEAL_HEARTBEAT_US INT64_C(60000000)

struct seal;

/* Continue the chain in db (the writer's handle) for run run_id; s assigns the row ids
 * and must outlive the seal. Raises s's next ids past the chain's last batch. Returns
 * NULL with a reason in err. */
struct seal *seal_new(sqlite3 *db, struct store *s, int64_t run_id, char *err,
                      size_t errlen);
void seal_free(struct seal *k);

/* In the writer's open transaction, at now (the wall clock, stored; mono: the monotonic
 * clock, queue_mono_us, which the heartbeats run on): add the batch of the rows stored
 * since the last one, if there are any, or if force, or if SEAL_HEARTBEAT_US passed
 * since the last batch (the run's beat_us is written every 30 s of them). Returns 1 if a batch was added, 0 if none was due, -1 on a database error (the
 * caller rolls back). Call seal_committed after the COMMIT or ROLLBACK. */
int seal_batch(struct seal *k, int64_t now, int64_t mono, bool force);

/* The transaction that seal_batch added to committed (ok) or rolled back. */
void seal_committed(struct seal *k, bool ok);

/* Outside any transaction: cover every row no batch covers, in transactions of its own.
 * Returns how many rows were sealed (0: none was left out), or -1 with err. */
int64_t seal_backlog(struct seal *k, int64_t now, int64_t mono, char *err, size_t errlen);

/* Outside any transaction: delete the raw rows of batches whose newest event is older
 * than cutoff_us, about max_rows rows per transaction, at most rounds transactions.
 * Returns the rows deleted, or -1 on a database error. */
int64_t seal_prune(struct seal *k, int64_t cutoff_us, int64_t now, int max_rows, int rounds);

/* The last committed batch (id 0 before the first). */
const struct chain_batch *seal_head(const struct seal *k);

#endif
