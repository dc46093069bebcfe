/* sandbox: the system call allow-lists (libseccomp), installed after the privilege drop.
 *
 * One list for the daemon's every thread (readers, resolver with libunbound and
 * libevent, writer with SQLite, dashboard with libmicrohttpd, alerts with libcurl and
 * its name resolution) and one, much shorter, for the netadm helper. Anything else kills
 * the whole process (SCMP_ACT_KILL_PROCESS), for the reasons in sandbox.c. */
#ifndef OCA_SANDBOX_H
#define OCA_SANDBOX_H

#include <stddef.h>

/* Install the daemon's filter on every thread (TSYNC); no_new_privs must be set.
 * Returns 0, or -1 with one line in err. */
int sandbox_daemon(char *err, size_t errlen);

/* Install the helper's filter. Returns 0, or -1 with one line in err. */
int sandbox_netadm(char *err, size_t errlen);

#endif
