/* Switching identity and dropping capabilities, with libcap-ng doing the capability
 * sets: capng_change_id sets the groups, gid and uid and keeps exactly the capabilities
 * given to capng_update (none, for the daemon), clearing the bounding and ambient sets
 * while it still may. Started without root (the unit's dynamic user) there is nothing to
 * switch and no CAP_SETPCAP to shrink the bounding set (systemd already did), so only
 * the effective, permitted, inheritable and ambient sets are cleared. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>

#include "privdrop.h"

int
privdrop_resolve(const char *user, struct privdrop_id *id, char *err, size_t errlen)
{
	struct passwd *pw;

	memset(id, 0, sizeof(*id));
	if (geteuid() != 0) {
		id->uid = geteuid();
		id->gid = getegid();
		pw = getpwuid(id->uid);
		snprintf(id->name, sizeof(id->name), "%s", pw ? pw->pw_name : "(dynamic)");
		return 0;
	}
	errno = 0;
	if (!(pw = getpwnam(user))) {
		snprintf(err, errlen, "collector.user: there is no user '%s' on this host to "
		         "run as after start; create it (useradd --system --no-create-home "
		         "--shell /usr/sbin/nologin %s) or name another in [collector] user",
		         user, user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "collector.user: '%s' is root; name an unprivileged user",
		         user);
		return -1;
	}
	id->switch_user = true;
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	snprintf(id->name, sizeof(id->name), "%s", user);
	return 0;
}

/* The directory part of path (".": none), in buf. */
static const char *
dir_of(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", path);
	return dirname(buf);
}

int
privdrop_prepare_db(const struct privdrop_id *id, const char *db_path, char *err,
                    size_t errlen)
{
	char buf[4096];
	const char *dir = dir_of(db_path, buf, sizeof(buf));
	struct stat sb;
	int fd;

	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || mkdir(dir, 0700) < 0 ||
		    (id->switch_user && chown(dir, id->uid, id->gid) < 0)) {
			snprintf(err, errlen, "collector.database: cannot create the directory %s "
			         "for user %s: %s", dir, id->name, strerror(errno));
			return -1;
		}
	}
	if (!id->switch_user)
		return 0;
	fd = open(db_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		if (fchown(fd, id->uid, id->gid) < 0) {
			snprintf(err, errlen, "collector.database: cannot give %s to user %s: %s",
			         db_path, id->name, strerror(errno));
			close(fd);
			unlink(db_path);
			return -1;
		}
		close(fd);
	}
	return 0;   /* EEXIST and the rest: the writer's open says what is wrong */
}

/* Every capability set empty but, when keep >= 0, that one effective and permitted;
 * then no_new_privs. */
static int
drop(const struct privdrop_id *id, int keep, char *err, size_t errlen)
{
	int rc;

	capng_clear(CAPNG_SELECT_ALL);
	if (keep >= 0)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, (unsigned)keep);
	if (id->switch_user)
		rc = capng_change_id((int)id->uid, (int)id->gid, CAPNG_DROP_SUPP_GRP |
		                     CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT);
	else
		rc = capng_apply(CAPNG_SELECT_CAPS) < 0 ? -1 :
		     prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (rc != 0) {
		snprintf(err, errlen, "cannot drop privileges to user %s (uid %u): libcap-ng "
		         "error %d: %s", id->name, (unsigned)id->uid, rc, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	if (id->switch_user && (setuid(0) == 0 || getuid() != id->uid || geteuid() != id->uid)) {
		snprintf(err, errlen, "privileges not dropped: still able to become root");
		return -1;
	}
	return 0;
}

int
privdrop_apply(const struct privdrop_id *id, char *err, size_t errlen)
{
	return drop(id, -1, err, errlen);
}

int
privdrop_apply_keep_netadmin(const struct privdrop_id *id, char *err, size_t errlen)
{
	return drop(id, CAP_NET_ADMIN, err, errlen);
}

int
privdrop_check_db(const struct privdrop_id *id, const char *db_path, char *err,
                  size_t errlen)
{
	char buf[4096];
	const char *dir = dir_of(db_path, buf, sizeof(buf));

	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "collector.database: user %s cannot create files in %s "
		         "(SQLite's -wal and -shm): %s; give the directory to it (chown %s %s) "
		         "or put the database in a directory it owns", id->name, dir,
		         strerror(errno), id->name, dir);
		return -1;
	}
	if (access(db_path, R_OK | W_OK) < 0) {
		snprintf(err, errlen, "collector.database: user %s cannot write %s: %s; "
		         "chown %s %s", id->name, db_path, strerror(errno), id->name, db_path);
		return -1;
	}
	return 0;
}
