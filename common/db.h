/* db: opening the SQLite database and bringing its schema up to date.
 * The schema is a ladder of numbered migrations embedded in the binary (schema/NNN_*.sql);
 * PRAGMA user_version holds how many have been applied. Only the collector's core thread
 * opens read-write (and migrates); report and web open read-only and refuse a database
 * whose version they do not know. */
#ifndef OCA_DB_H
#define OCA_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/* An SQL expression: the ISO-8601 UTC text ("2026-11-29T03:28:42Z") of the microsecond
 * time that SQL expression x gives, as timefmt_iso writes it in C. */
#define DB_ISO(x) "strftime('%Y-%m-%dT%H:%M:%SZ', (" x ") / 1000000, 'unixepoch')"

/* SQL expressions: the wall clock now, in microseconds (SQLite's 'now', fixed for one
 * statement); and a finding's acknowledgement time when it is acknowledged now, NULL when
 * it is open: never acknowledged, or its ack_until_us has passed (schema 014). Every
 * reader that says "open" or "acknowledged" uses this one rule. */
#define DB_NOW_US "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
#define DB_ACKED_SQL "(CASE WHEN ack_until_us IS NULL OR ack_until_us > " DB_NOW_US \
	" THEN acked_us END)"

/* Set SQLite up for this process (no global memory statistics: they would take a
 * process-wide mutex on every allocation). Call it before any other SQLite call, which
 * initialises the library and makes it too late; db_open_rw and db_open_ro call it too.
 * Idempotent and thread-safe. */
void db_library_init(void);

/* The schema version this binary writes. */
int db_schema_version(void);

/* Open or create path for the one writer: WAL, synchronous=NORMAL, busy timeout, and
 * every pending migration applied in one transaction each. Returns the handle (close
 * with sqlite3_close), or NULL with a one-line reason in err. */
sqlite3 *db_open_rw(const char *path, char *err, size_t errlen);

/* Open an existing database read-only and check its schema version. Returns the
 * handle, or NULL with a one-line reason in err (missing file, not a database, a
 * version this binary does not know). */
sqlite3 *db_open_ro(const char *path, char *err, size_t errlen);

/* The page cache of each read-only connection the collector holds (the dashboard's
 * pool, the outbox reader, a report being served), and that of its temporary database
 * (a GROUP BY's b-tree): the daemon's memory budget counts them (README, "Memory"). A
 * sort in such a connection also keeps at most this much, or SQLite's 250 pages, in
 * memory before it spills to a temporary file. */
#define DB_READER_CACHE_KIB 512

/* The same for the writer's connection (db_open_rw): its page cache (the writer appends
 * to the right edges of its b-trees and a few rollup tables, which fit: bench/weekgen
 * writes a week as fast with 1 MiB as with 2), and its temporary storage (a statement's
 * sort or b-tree, retention's deletes), which spills to a file past it. */
#define DB_WRITER_CACHE_KIB 1024

/* The one rule of a connection's memory in SQLite: its page caches, main and temporary,
 * held to kib KiB each, and its temporary storage on a file (temp_store=FILE: an
 * unlinked file in SQLite's temporary directory, the unit's private /var/tmp, 0600 under
 * the daemon's umask), so that a sort or temporary b-tree spills past that instead of
 * growing in memory. Returns 0, or -1 (SQLite refused). */
int db_cache_kib(sqlite3 *db, int kib);

/* Has the file db opened been deleted, moved or replaced at its path since
 * (SQLITE_FCNTL_HAS_MOVED)? The collector then opens a new database at the path, and
 * every reader should follow it: close db with db_close_moved and open the path again. */
bool db_moved(sqlite3 *db);

/* Close db, whose file has moved, without the checkpoint SQLite makes at the last close:
 * that would delete the WAL by its path, which may be the new database's by now. NULL is
 * a no-op. */
void db_close_moved(sqlite3 *db);

/* In the collector, the file its writer has open at path, once the writer has opened it
 * (NULL while it has none: closed, or opening a new one). From the first call on,
 * db_open_ro in this process opens the path only when that file is there: a reader that
 * opened a file put at the path before the writer set aside what the old one left there
 * (its WAL) would pair the two, and SQLite would read, and replay, the wrong WAL. */
void db_writer_file(const char *path);

/* Define the project's SQL functions on db: oca_base(name), the registered domain of a
 * name (common/domain.h's domain_base; NULL for NULL). Migrations and the writer's
 * statements use it (dns_names.base, schema 018), so the rule lives in C alone.
 * Returns 0, or -1 (SQLite refused). */
int db_functions(sqlite3 *db);

/* Apply pending migrations to an open read-write handle, after db_functions (which it
 * calls: the handle keeps them). Returns 0, or -1 with err. */
int db_migrate(sqlite3 *db, char *err, size_t errlen);

/* Run one statement that returns a single integer; returns it, or dflt on any error. */
long long db_int(sqlite3 *db, const char *sql, long long dflt);

#endif
