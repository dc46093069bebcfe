/* verify: recompute the hash chain (common/chain.h) from the rows as they are now, and
 * say whether it is the chain the collector sealed. */
#ifndef OCA_VERIFY_H
#define OCA_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/chain.h"

/* The exit status of `oc-audit verify` when the record does not verify. */
#define VERIFY_EXIT_MISMATCH 5

struct verify_result {
	int64_t batches, pruned, rows;   /* batches checked, of them pruned; rows read */
	int64_t bad;                     /* batches that did not match */
	int64_t first_bad;               /* the first of them (0 = none) */
	char why[512];                   /* what was wrong with it, one line */
	int64_t unsealed;                /* rows after the last batch, in none */
	struct chain_batch head;         /* the last batch (id 0: none) */
	bool head_found;                 /* the --head asked about is in the chain */
	int64_t head_batch;              /* ... as this batch */
};

/* Check every batch of db (read-only is fine) in order; with want_head (may be NULL),
 * also look for a batch with that hash. Returns 0 when the walk finished (out says
 * whether everything matched), -1 on a database error (err). */
int verify_chain(sqlite3 *db, const uint8_t *want_head, struct verify_result *out,
                 char *err, size_t errlen);

/* The `oc-audit verify` command. Returns the exit status: 0 intact, 1 unreadable, 2 usage,
 * VERIFY_EXIT_MISMATCH when the record does not match its chain. */
int verify_main(int argc, char **argv);

#endif
