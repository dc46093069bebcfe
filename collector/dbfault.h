/* dbfault: the database file itself going wrong under the collector. SQLite keeps
 * writing to a file that was deleted, moved or replaced at its path (the open file
 * descriptor still works), so everything stored after that would vanish at exit; and a
 * damaged file would fail every batch. Both are found here and told to the caller, which
 * sets the damaged file aside and reopens the path (writer.c). Nothing is ever deleted:
 * a damaged file is renamed beside itself with its WAL, and the WAL and shared-memory
 * index a vanished database left at the path are renamed aside before a new database
 * takes the path (a new file must not replay the old one's WAL, nor share its index
 * with the readers still on the old file). */
#ifndef OCA_DBFAULT_H
#define OCA_DBFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

/* The files one connection of the writer has open, as found right after it opened. */
struct dbfault_files {
	dev_t dev;
	ino_t db, wal, shm;        /* 0: did not exist */
};

/* What became of the files since dbfault_opened. */
enum dbfault_state {
	DBFAULT_IN_PLACE,
	DBFAULT_MISSING,           /* no file at the path: deleted, or moved away */
	DBFAULT_REPLACED,          /* another file at the path */
};

/* Does path hold a database that passes PRAGMA quick_check? If it does, or there is no
 * file yet, return 0. If not (not a database, damaged), rename it (and its -wal and -shm)
 * to "PATH.bad-YYYYMMDDTHHMMSSZ" (the time of now), put that name in aside and the reason
 * in why, and return 1. Returns -1 with the reason in why when the rename fails. */
int dbfault_set_aside(const char *path, int64_t now, char *aside, size_t asidelen,
                      char *why, size_t whylen);

/* Record in f the files at path (and its -wal, -shm), which db has just opened. */
void dbfault_opened(struct dbfault_files *f, const char *path);

/* Are the files db (opened at path, recorded in f) still the ones at the path? Asks
 * SQLite (SQLITE_FCNTL_HAS_MOVED) and compares the inode at the path. A few stat
 * calls. */
enum dbfault_state dbfault_check(const struct dbfault_files *f, sqlite3 *db,
                                 const char *path);

/* The state's name, as stored for the 'database' source ("missing", "replaced"). */
const char *dbfault_state_name(enum dbfault_state s);

/* After the connection that recorded f is closed: rename its -wal and -shm still at the
 * path (same inodes) to "PATH.gone-YYYYMMDDTHHMMSSZ-wal" / "-shm", so that a database
 * opened at the path starts clean. Returns how many were renamed, or -1 with why. */
int dbfault_clear(const struct dbfault_files *f, const char *path, int64_t now,
                  char *why, size_t whylen);

#endif
