/* chain: the tamper-evident record, defined in one place. Every transaction the writer
 * commits with rows in it (and at least one a minute, as a heartbeat) is a batch: a row
 * of table batches holding the last row id of each chained table and a SHA-256 hash that
 * covers the batch's rows and the hash of the batch before it. The writer computes it
 * from the rows as stored, inside the transaction that stores them; `oc-audit verify`
 * recomputes it from the same rows with the same functions, so the two cannot disagree
 * on a byte.
 *
 * Canonical form (form 1). A batch's rows in a table are those whose id is after the
 * previous batch's last id of that table, up to its own (ids are never reused: the
 * store assigns them). A row is encoded as one tag byte (its table's index below, plus
 * 1) followed by its columns in the order of chain.c's column lists, each as:
 *     NULL     0x00
 *     INTEGER  0x01, 8 bytes big-endian two's complement
 *     REAL     0x02, the 8 bytes of the IEEE 754 double, big-endian
 *     TEXT     0x03, 4-byte big-endian length, the bytes (no terminator)
 *     BLOB     0x04, 4-byte big-endian length, the bytes
 * by the storage class SQLite reports for the stored value. Rows go table by table in
 * the order of the enum below, each table's by ascending id.
 *     raw  = SHA-256(the rows of the raw tables: connections, dns_queries, dns_answers,
 *            and from form 3 hellos, flow_bytes)
 *     kept = SHA-256(the rows of findings, losses, sensor_events)
 *     hash = SHA-256("oc-audit chain F" (16 bytes, F the form's digit) || prev (32
 *            bytes; zeros before the first batch) || id || run_id || committed_us ||
 *            max_ts_us (0 = none) || last id of each table of the form in the order
 *            below (each 8 bytes big-endian; 6 tables in forms 1 and 2, 8 from form 3) ||
 *            raw || kept)
 * Raw rows are pruned after retention_days; a pruned batch keeps its raw digest (stored
 * at commit), so its hash, and every hash after it, still verifies. Findings are chained
 * as first stored (their count, last_seen and acknowledgement change later and are not).
 *
 * Forms: 1 (schema 4); 2 adds dns_queries.truncated (schema 5); 3 adds the capture's
 * tables hellos and flow_bytes (schema 12); 4 adds flow_bytes.flows, the flows a byte
 * record counts (schema 15: small flows folded per destination), at the end of its
 * columns, with the same tables as form 3. Each batch records its form, and keeps
 * hashing by it: a batch of form 1 or 2 holds no row of the tables form 3 added (their
 * last ids stay those of the batch before). A new column or table (a new enum value at
 * the end and its column list, and a column of its last id in batches) is a new form;
 * the columns of every form stay listed in chain.c. */
#ifndef OCA_CHAIN_H
#define OCA_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define CHAIN_HASHLEN 32
#define CHAIN_HEXLEN (2 * CHAIN_HASHLEN + 1)
#define CHAIN_FORM 4          /* the form new batches are sealed in */

enum chain_table {
	CHAIN_CONNECTIONS,
	CHAIN_DNS_QUERIES,
	CHAIN_DNS_ANSWERS,
	CHAIN_FINDINGS,
	CHAIN_LOSSES,
	CHAIN_SENSOR_EVENTS,
	CHAIN_HELLOS,                    /* from form 3 */
	CHAIN_FLOW_BYTES,                /* from form 3 */
	CHAIN__TABLES
};

/* How many tables (the first ones of the enum) a batch of this form covers: 6 for forms
 * 1 and 2, CHAIN__TABLES for forms 3 and 4; 0 for a form this oc-audit does not know. */
int chain_form_tables(int form);

/* Is t a raw table, whose rows retention prunes (connections, DNS rows, hellos, bytes)? */
int chain_table_is_raw(enum chain_table t);

/* Which half of a batch's rows a digest covers. */
enum chain_half { CHAIN_RAW, CHAIN_KEPT };

struct chain_batch {
	int form;                        /* the canonical form it was sealed in */
	int64_t id;                      /* consecutive from 1 */
	int64_t run_id;
	int64_t committed_us;
	int64_t max_ts_us;               /* the newest event time among its raw rows; 0 none */
	int64_t last[CHAIN__TABLES];     /* last row id of each table, cumulative */
	uint8_t raw[CHAIN_HASHLEN];
	uint8_t kept[CHAIN_HASHLEN];
	uint8_t hash[CHAIN_HASHLEN];
};

/* The table's name ("connections") and the batches column of its last id
 * ("conn_last"). */
const char *chain_table_name(enum chain_table t);
const char *chain_last_column(enum chain_table t);

struct chain_reader;

/* Prepared reads of the chained tables' columns of form (1 .. CHAIN_FORM) on db (any
 * handle; it must outlive the reader). Returns NULL with a reason in err. */
struct chain_reader *chain_reader_new(sqlite3 *db, int form, char *err, size_t errlen);
void chain_reader_free(struct chain_reader *r);

/* Digest the rows of one half of the tables of the reader's form with ids in
 * (after[t], upto[t]] into out. *max_ts (may be NULL) gets the newest event time among
 * them (0 if none has one), *rows (may be NULL) how many rows there were. Returns 0, or
 * -1 on a database error (with the message in sqlite3_errmsg of the reader's db). */
int chain_digest(struct chain_reader *r, enum chain_half half, const int64_t after[],
                 const int64_t upto[], uint8_t out[CHAIN_HASHLEN], int64_t *max_ts,
                 int64_t *rows);

/* The hash of b (its form, header fields, raw and kept) after prev, into b->hash. Pure. */
void chain_link(const uint8_t prev[CHAIN_HASHLEN], struct chain_batch *b);

/* The encoding of one row as the canonical form defines it: the row st is on (its
 * columns as the table's column list), appended to buf through the callback. Exposed for
 * the unit tests, which pin the bytes. Pure but for the statement's reads. */
typedef void (*chain_sink)(void *arg, const void *p, size_t n);
void chain_encode_row(sqlite3_stmt *st, enum chain_table t, chain_sink sink, void *arg);

/* Lower-case hex of a hash into out (CHAIN_HEXLEN). Returns out. */
char *chain_hex(const uint8_t h[CHAIN_HASHLEN], char *out);

/* Parse 64 hex digits. Returns 0, or -1. */
int chain_unhex(const char *s, uint8_t out[CHAIN_HASHLEN]);

/* Read batch id from db into b (raw and hash from the row; kept is not stored and is
 * left zero). Returns 1 found, 0 no such batch, -1 on a database error. */
int chain_read_batch(sqlite3 *db, int64_t id, struct chain_batch *b);

/* The newest batch committed before until_us (INT64_MAX: the newest), into b. Returns 1,
 * 0 if there is none, -1 on error. */
int chain_head(sqlite3 *db, int64_t until_us, struct chain_batch *b);

#endif
