/* The allow-lists. The default action is to kill the process, not to fail the call with
 * an errno: the filter goes on once the daemon reads bytes from the VM, so a call outside
 * the list is either a path the lab suite never took or code that is not ours. An errno
 * would let an attacker's code probe on and let a library quietly take a fallback that
 * loses events; a killed daemon is seen at once (systemd restarts it, the kernel's audit
 * log names the call, the report shows the gap in coverage). The whole process, not the
 * thread: a daemon with its writer or resolver gone would look alive and see nothing.
 *
 * The lists are what the daemon's threads were seen to call across the lab suite (which
 * runs every test with the drop on), grouped by who needs them. socket() is allowed for
 * the families the daemon uses only, and ioctl() for the requests it makes; the rest
 * take no argument filter (their arguments are pointers or the calls are harmless
 * without privilege).
 *
 * When the daemon dies of SIGSYS, the kernel log names the call: "audit: type=1326 ...
 * comm="oca-writer" ... syscall=N" (ausyscall N, or scmp_sys_resolver N, gives its name).
 * To list every call a new piece of code makes, build with SCMP_ACT_LOG as the default
 * action and run the lab suite: each call outside the list is logged the same way and
 * allowed. New code that runs after the drop adds its calls here, in the group of its
 * caller, with the reason. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>

#include <seccomp.h>

#include "sandbox.h"

/* Every thread of a C program: memory, time, futexes, signals, threads, exit. */
static const char *const base_calls[] = {
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex", "futex_waitv",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getppid", "getrandom",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "tgkill", "exit", "exit_group",
	"restart_syscall", "read", "write", "close", "fstat", "newfstatat",
};

/* Threads, and the I/O every library of the daemon does. */
static const char *const thread_calls[] = {
	"rt_sigtimedwait", "sigaltstack", "sched_yield", "sched_getaffinity",
	"set_robust_list", "get_robust_list", "rseq", "set_tid_address", "prlimit64",
	"clone", "clone3", "membarrier", "getrlimit", "uname", "sysinfo",
	"readv", "writev", "pread64", "pwrite64", "dup", "dup2", "dup3", "fcntl", "lseek",
	"statx", "fstatfs", "statfs", "pipe2", "eventfd2",
};

/* The daemon's own work: files (SQLite's database, -wal, -shm; the CA certificates and
 * name service files libcurl reads), sockets and their event loops, and the watchdog. */
static const char *const daemon_calls[] = {
	"openat", "open", "stat", "lstat", "access", "faccessat", "faccessat2", "readlink",
	"unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "ftruncate",
	"fallocate", "fsync", "fdatasync", "fchmod", "fchown", "getcwd", "getdents64",
	"flock", "umask",
	"poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "timerfd_create", "timerfd_settime",
	"bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername",
	"getsockopt", "setsockopt", "shutdown", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg", "socketpair", "wait4",
};

static int
add_all(scmp_filter_ctx ctx, const char *const *names, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int rc;

		if (nr == __NR_SCMP_ERROR)
			continue;   /* not on this architecture (e.g. open on arm64) */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0) {
			snprintf(err, errlen, "seccomp: cannot allow %s: %s", names[i],
			         strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* socket() for these families only. */
static int
allow_socket(scmp_filter_ctx ctx, const int *families, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct scmp_arg_cmp cmp = { .arg = 0, .op = SCMP_CMP_EQ,
		                            .datum_a = (scmp_datum_t)families[i], .datum_b = 0 };

		if (seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &cmp) < 0)
			return -1;
	}
	return 0;
}

/* prctl() for naming a thread only (pthread_setname_np). */
static int
allow_prctl_name(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp cmp = { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = PR_SET_NAME,
	                            .datum_b = 0 };

	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, &cmp);
}

/* ioctl() with these requests only. */
static int
allow_ioctl(scmp_filter_ctx ctx, const unsigned long *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct scmp_arg_cmp cmp = { .arg = 1, .op = SCMP_CMP_MASKED_EQ,
		                            .datum_a = 0xffffffffu, .datum_b = reqs[i] };

		if (seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, &cmp) < 0)
			return -1;
	}
	return 0;
}

static int
load(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int rc = seccomp_load(ctx);

	if (rc < 0)
		snprintf(err, errlen, "seccomp: cannot install the filter: %s", strerror(-rc));
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int
sandbox_daemon(char *err, size_t errlen)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	/* FIONREAD: libevent, libcurl; SIOCGIFNAME/INDEX: interface names of NFLOG and
	 * the resolver; FIONBIO: libcurl; TCGETS: stdio asking whether stderr is a tty */
	static const unsigned long ioctls[] = { FIONREAD, FIONBIO, SIOCGIFNAME, SIOCGIFINDEX,
	                                        TCGETS };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);

	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot create a filter");
		return -1;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0 ||
	    add_all(ctx, base_calls, N(base_calls), err, errlen) < 0 ||
	    add_all(ctx, thread_calls, N(thread_calls), err, errlen) < 0 ||
	    add_all(ctx, daemon_calls, N(daemon_calls), err, errlen) < 0 ||
	    allow_socket(ctx, families, N(families)) < 0 || allow_prctl_name(ctx) < 0 ||
	    allow_ioctl(ctx, ioctls, N(ioctls)) < 0) {
		if (!*err)
			snprintf(err, errlen, "seccomp: cannot build the filter");
		seccomp_release(ctx);
		return -1;
	}
	return load(ctx, err, errlen);
}

int
sandbox_netadm(char *err, size_t errlen)
{
	/* libnftables reads the ruleset over netlink, formats it as JSON (jansson), and the
	 * check runs SQLite's JSON functions in memory; answers go back on the socket pair.
	 * Adding set elements (enforce mode) sends a libnftnl batch on a netlink socket opened
	 * before the filter, and polls for the kernel's answers (nftset.c). */
	static const char *const calls[] = {
		"bind", "getsockname", "setsockopt", "getsockopt", "sendto", "recvfrom",
		"sendmsg", "recvmsg", "openat", "open", "poll", "pselect6", "select",
	};
	static const int families[] = { AF_NETLINK };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);

	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot create a filter");
		return -1;
	}
	if (add_all(ctx, base_calls, N(base_calls), err, errlen) < 0 ||
	    add_all(ctx, calls, N(calls), err, errlen) < 0 ||
	    allow_socket(ctx, families, N(families)) < 0) {
		if (!*err)
			snprintf(err, errlen, "seccomp: cannot build the filter");
		seccomp_release(ctx);
		return -1;
	}
	return load(ctx, err, errlen);
}
