/* privdrop: from the privileged start to the unprivileged run.
 *
 * Started as root, collect resolves [collector] user at once (a missing user is a
 * startup error), prepares the database's directory for it, opens everything that needs
 * privilege, then switches to that user with no capability left (libcap-ng), sets
 * no_new_privs, and checks that the database is still writable. Started as another user
 * (systemd's DynamicUser with AmbientCapabilities), it keeps that user and only drops the
 * capabilities. The system call filter follows (sandbox.h). */
#ifndef OCA_PRIVDROP_H
#define OCA_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct privdrop_id {
	bool switch_user;     /* started as root: switch to uid/gid */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Decide who the daemon runs as: as root, the user named (looked up now); as anyone
 * else, itself. Returns 0, or -1 with one line in err that says how to create the user. */
int privdrop_resolve(const char *user, struct privdrop_id *id, char *err, size_t errlen);

/* Before the database is opened: create its directory (0700, owned by the user) if it
 * does not exist, and as root the database file (0600, owned by the user) if it does not
 * exist, so SQLite's -wal and -shm, made by root, take the same owner. An existing
 * directory or file is never changed.
 * Returns 0, or -1 with one line in err. */
int privdrop_prepare_db(const struct privdrop_id *id, const char *db_path, char *err,
                        size_t errlen);

/* Become the user (groups: its own only) with no capability in any set, and set
 * no_new_privs. Call with no thread running. Returns 0, or -1 with one line in err. */
int privdrop_apply(const struct privdrop_id *id, char *err, size_t errlen);

/* Keep only CAP_NET_ADMIN (effective and permitted) as the user, with no_new_privs: the
 * helper's drop (netadm.h). Returns 0, or -1 with one line in err. */
int privdrop_apply_keep_netadmin(const struct privdrop_id *id, char *err, size_t errlen);

/* After the drop: can this process still write the database and create files next to
 * it (SQLite's -wal and -shm, a replaced database)? Returns 0, or -1 with one line in
 * err naming the path and what to change. */
int privdrop_check_db(const struct privdrop_id *id, const char *db_path, char *err,
                      size_t errlen);

#endif
