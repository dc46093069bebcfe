/* Database file faults: see dbfault.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "dbfault.h"

static void
stamp_of(int64_t now, char *stamp, size_t len)
{
	time_t t = (time_t)(now / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, len, "%Y%m%dT%H%M%SZ", &tm);
}

/* The first problem quick_check names, or why the file cannot be read as a database;
 * "" when it is fine. */
static void
quick_check(const char *path, char *why, size_t whylen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	*why = '\0';
	db_library_init();    /* the collector's first open: SQLite set up as its others */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (!r || strcmp(r, "ok") != 0)
			snprintf(why, whylen, "quick_check: %s", r ? r : "(no answer)");
	} else if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		snprintf(why, whylen, "%s", sqlite3_errstr(rc));
	}
	/* anything else (busy, permissions) is not the file's fault: opening tells */
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int
dbfault_set_aside(const char *path, int64_t now, char *aside, size_t asidelen, char *why,
                  size_t whylen)
{
	static const char *const sfx[] = { "-wal", "-shm", "" };   /* the file last */
	char stamp[32];
	struct stat sb;
	int fd;

	if (stat(path, &sb) < 0)
		return 0;
	quick_check(path, why, whylen);
	if (!*why)
		return 0;
	stamp_of(now, stamp, sizeof(stamp));
	snprintf(aside, asidelen, "%s.bad-%s", path, stamp);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		char from[4200], to[4200];

		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s%s", aside, sfx[i]);
		if (rename(from, to) < 0 && errno != ENOENT) {
			size_t n = strlen(why);

			snprintf(why + n, whylen - n, "; cannot set it aside: rename %s: %s", from,
			         strerror(errno));
			return -1;
		}
	}
	/* the new file is its owner's, as the old one was (the collector may open it before
	 * it drops to its user) */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	               sb.st_mode & 0600)) >= 0) {
		if (fchown(fd, sb.st_uid, sb.st_gid) < 0) {
			/* not root: the file is the collector's own already */
		}
		close(fd);
	}
	return 1;
}

static ino_t
ino_of(const char *path, const char *sfx, dev_t *dev)
{
	char p[4200];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, sfx);
	if (stat(p, &sb) < 0)
		return 0;
	if (dev)
		*dev = sb.st_dev;
	return sb.st_ino;
}

void
dbfault_opened(struct dbfault_files *f, const char *path)
{
	f->db = ino_of(path, "", &f->dev);
	f->wal = ino_of(path, "-wal", NULL);
	f->shm = ino_of(path, "-shm", NULL);
}

enum dbfault_state
dbfault_check(const struct dbfault_files *f, sqlite3 *db, const char *path)
{
	int moved = 0;
	dev_t dev = 0;
	ino_t ino;

	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK)
		moved = 0;
	ino = ino_of(path, "", &dev);
	if (!ino)
		return DBFAULT_MISSING;
	return moved || ino != f->db || dev != f->dev ? DBFAULT_REPLACED : DBFAULT_IN_PLACE;
}

const char *
dbfault_state_name(enum dbfault_state s)
{
	switch (s) {
	case DBFAULT_IN_PLACE: return "in-place";
	case DBFAULT_MISSING: return "missing";
	case DBFAULT_REPLACED: return "replaced";
	}
	return "unknown";
}

int
dbfault_clear(const struct dbfault_files *f, const char *path, int64_t now, char *why,
              size_t whylen)
{
	const char *sfx[] = { "-wal", "-shm" };
	const ino_t ino[] = { f->wal, f->shm };
	char stamp[32];
	int n = 0;

	stamp_of(now, stamp, sizeof(stamp));
	for (size_t i = 0; i < 2; i++) {
		char from[4200], to[4200];
		dev_t dev = 0;

		if (!ino[i] || ino_of(path, sfx[i], &dev) != ino[i] || dev != f->dev)
			continue;   /* gone with the database, or a new file's own */
		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s.gone-%s%s", path, stamp, sfx[i]);
		/* two faults in one second: the second's names are numbered, none replaced */
		for (int k = 1; access(to, F_OK) == 0 && k < 100; k++)
			snprintf(to, sizeof(to), "%s.gone-%s.%d%s", path, stamp, k, sfx[i]);
		if (rename(from, to) < 0) {
			snprintf(why, whylen, "rename %s: %s", from, strerror(errno));
			return -1;
		}
		n++;
	}
	return n;
}
