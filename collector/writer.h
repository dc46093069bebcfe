/* writer: the core thread, the only one that writes the database. It takes events off
 * the queue and stores them in batched transactions (a batch closes at 1000 events or
 * 100 ms after it opened, whichever comes first), stores every change of the loss
 * counters in the same transactions, keeps the WAL bounded and prunes old raw events. */
#ifndef OCA_WRITER_H
#define OCA_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/conf.h"
#include "common/queue.h"
#include "common/stats.h"

struct writer;

/* Open the database read-write (creating and migrating it) in the calling thread, so a
 * bad path is a startup error. q and st stay owned by the caller and must outlive the
 * writer. c must outlive it too. Returns NULL with a reason in err. */
struct writer *writer_new(const struct conf *c, struct queue *q, struct stats *st,
                          char *err, size_t errlen);

/* Hand the core thread a new configuration (a SIGHUP): it takes it at the next batch
 * boundary, never in the middle of a batch or an event. c must stay valid while
 * writer_conf_held says so. */
void writer_set_conf(struct writer *w, const struct conf *c);

/* Has the core thread taken c (it judges events by it now)? */
bool writer_conf_taken(struct writer *w, const struct conf *c);

/* Is c in use or waiting to be taken? When not, it may be freed. */
bool writer_conf_held(struct writer *w, const struct conf *c);

/* Start the core thread. Returns 0, or -1 with errno. */
int writer_start(struct writer *w);

/* Wait for the thread to finish: it ends once the queue is closed (queue_close) and
 * every event in it is committed. */
void writer_join(struct writer *w);

/* Close the database and free. Call after writer_join (or if never started). */
void writer_free(struct writer *w);

/* Batch limits (exposed for tests): events taken from the queue at once, events and
 * time per transaction. A transaction's fixed cost (its commit, the pages every batch
 * rewrites) is spread over up to WRITER_TX_MAX events; WRITER_BATCH_US bounds how late an
 * event is visible to readers whatever the rate. */
#define WRITER_BATCH_MAX 1000
#define WRITER_TX_MAX 4000
#define WRITER_BATCH_US 100000

#endif
