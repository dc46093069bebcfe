#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "domain.h"
#include "embed.h"
#include "log.h"

int
db_schema_version(void)
{
	int n = 0;

	while (schema_files[n].name)
		n++;
	return n;
}

long long
db_int(sqlite3 *db, const char *sql, long long dflt)
{
	sqlite3_stmt *st;
	long long v = dflt;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* oca_base(name): domain_base, the registered domain name belongs to. */
static void
base_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	char b[256];
	const char *name = (const char *)sqlite3_value_text(argv[0]);

	(void)argc;
	if (!name) {
		sqlite3_result_null(cx);
		return;
	}
	domain_base(name, b, sizeof(b));
	sqlite3_result_text(cx, b, -1, SQLITE_TRANSIENT);
}

int
db_functions(sqlite3 *db)
{
	return sqlite3_create_function(db, "oca_base", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC |
	                               SQLITE_INNOCUOUS, NULL, base_fn, NULL, NULL) ==
	       SQLITE_OK ? 0 : -1;
}

int
db_migrate(sqlite3 *db, char *err, size_t errlen)
{
	int have = (int)db_int(db, "PRAGMA user_version", -1), want = db_schema_version();
	char *msg = NULL;

	if (db_functions(db) < 0) {
		snprintf(err, errlen, "cannot define SQL functions: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (have < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (have > want) {
		snprintf(err, errlen, "database schema version %d is newer than this oc-audit "
		         "knows (%d); use a newer oc-audit", have, want);
		return -1;
	}
	for (int v = have; v < want; v++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, (const char *)schema_files[v].data, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "migration %s failed: %s", schema_files[v].name,
			         msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

/* Once per process, before SQLite initialises: no global memory statistics, which would
 * take a process-wide mutex on every allocation SQLite makes (nothing here reads them).
 * A savepoint's journal (the writer's per event) spills to a temporary file past
 * SQLite's own 64 KiB: raised to 1 MiB with SQLITE_CONFIG_STMTJRNL_SPILL, the writer
 * failed whole transactions with SQLITE_FULL under the soak (bench/soak.sh, SQLite
 * 3.40: 8 000-16 000 events lost in a minute; none at 64 KiB). */
static void
db_global_config(void)
{
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		log_debug("sqlite: already initialised, its global settings stay as they are");
}

static pthread_once_t db_once = PTHREAD_ONCE_INIT;

void
db_library_init(void)
{
	pthread_once(&db_once, db_global_config);
}

/* The file the collector's writer has open at its path (db_writer_file); readers in the
 * same process open the path only when that file is there. */
static pthread_mutex_t writer_mu = PTHREAD_MUTEX_INITIALIZER;
static bool writer_known;
static dev_t writer_dev;
static ino_t writer_ino;

/* The database holds what the VM did and the operator's acknowledgements: it is the
 * daemon's alone. SQLite gives the WAL and the shared-memory index the mode of the
 * database file, so the file is created 0600 before SQLite opens it (whatever the umask),
 * and one an older version left readable by others is closed up, its companions too. */
static int
db_own_file(const char *path, char *err, size_t errlen)
{
	static const char *const companions[] = { "-wal", "-shm", "-journal" };
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open database %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077)) {
		log_warn("database %s was readable by others (mode %03o): made 0600", path,
		         (unsigned)(sb.st_mode & 0777));
		if (fchmod(fd, 0600) < 0) {
			snprintf(err, errlen, "database %s: chmod 0600: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
			char p[4200];

			snprintf(p, sizeof(p), "%s%s", path, companions[i]);
			if (chmod(p, 0600) < 0 && errno != ENOENT)
				log_warn("database: chmod 0600 %s: %s", p, strerror(errno));
		}
	}
	close(fd);
	return 0;
}

sqlite3 *
db_open_rw(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	db_library_init();
	if (strcmp(path, ":memory:") != 0 && db_own_file(path, err, errlen) < 0)
		return NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		         db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	/* WAL lets report and the dashboard read while the collector writes. NORMAL
	 * synchronous keeps the database consistent on power loss (the last transactions
	 * may be lost, never corrupted); journal_size_limit stops the WAL file from staying
	 * large after a checkpoint. Its caches: DB_WRITER_CACHE_KIB (db.h). */
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                 "PRAGMA journal_size_limit=16777216; PRAGMA foreign_keys=OFF;", NULL,
	                 NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "cannot set up database %s: %s", path, msg);
		sqlite3_free(msg);
		goto fail;
	}
	if (db_cache_kib(db, DB_WRITER_CACHE_KIB) < 0) {
		snprintf(err, errlen, "cannot set up database %s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (db_migrate(db, err, errlen) < 0)
		goto fail;
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

sqlite3 *
db_open_ro(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	struct stat sb;
	int v;

	db_library_init();
	if (stat(path, &sb) < 0) {
		snprintf(err, errlen, "cannot open database %s: %s", path, strerror(errno));
		return NULL;
	}
	pthread_mutex_lock(&writer_mu);
	v = writer_known && (sb.st_dev != writer_dev || sb.st_ino != writer_ino);
	pthread_mutex_unlock(&writer_mu);
	if (v) {
		snprintf(err, errlen, "database %s: the collector has not opened the file now at "
		         "the path yet", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		         db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	v = (int)db_int(db, "PRAGMA user_version", -1);
	if (v < 0) {
		snprintf(err, errlen, "%s is not an oc-audit database: %s", path,
		         sqlite3_errmsg(db));
		goto fail;
	}
	if (v == 0 && db_int(db, "SELECT count(*) FROM sqlite_master", -1) < 0) {
		snprintf(err, errlen, "%s is not an SQLite database", path);
		goto fail;
	}
	if (v != db_schema_version()) {
		snprintf(err, errlen, "%s has schema version %d, this oc-audit reads version %d%s",
		         path, v, db_schema_version(),
		         v < db_schema_version() ? " (start oc-audit collect once to migrate it)" : "");
		goto fail;
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

int
db_cache_kib(sqlite3 *db, int kib)
{
	char sql[128];

	/* in memory, the temporary storage would hold all it is given: a temporary table or
	 * b-tree keeps every page, and a sort never spills (it spills past the main cache's
	 * size); on a file, the temporary database's page cache, of its own (SQLite's default
	 * 2 MB unless set), is held too. temp_store first: changing it resets that cache. */
	snprintf(sql, sizeof(sql), "PRAGMA temp_store=FILE; PRAGMA cache_size=%d; "
	         "PRAGMA temp.cache_size=%d", -kib, -kib);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

bool
db_moved(sqlite3 *db)
{
	int moved = 0;

	return db && sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) ==
	       SQLITE_OK && moved != 0;
}

void
db_close_moved(sqlite3 *db)
{
	if (!db)
		return;
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_close(db);
}

void
db_writer_file(const char *path)
{
	struct stat sb;

	if (path && stat(path, &sb) < 0)
		return;      /* not a file (":memory:"): nothing to guard */
	pthread_mutex_lock(&writer_mu);
	writer_known = true;
	writer_dev = path ? sb.st_dev : 0;
	writer_ino = path ? sb.st_ino : 0;   /* 0: none, no reader opens the path */
	pthread_mutex_unlock(&writer_mu);
}
