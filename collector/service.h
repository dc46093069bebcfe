/* service: what the collector tells its service manager (systemd's sd_notify protocol).
 * READY=1 once NFLOG, the sockets and the database are open and the threads run, so
 * units ordered after oc-audit (the VM) start only then; STOPPING=1 and RELOADING=1
 * around a stop and a SIGHUP; WATCHDOG=1 from the core (writer) thread's loop, so a
 * writer stuck on the database stops the pings and systemd restarts the daemon. Without
 * NOTIFY_SOCKET every call does nothing. */
#ifndef OCA_SERVICE_H
#define OCA_SERVICE_H

#include <stdint.h>

/* Read the watchdog interval systemd asks for (WATCHDOG_USEC, for this pid). Call once in
 * the main thread before threads start. Returns the interval in microseconds, 0 = off. */
uint64_t service_watchdog_init(void);

/* Ping the watchdog if a third of its interval has passed since the last ping; now_us
 * is a monotonic time. Call from the core loop (at least every 100 ms). Thread-safe for
 * one caller. */
void service_watchdog_feed(int64_t now_us);

/* READY=1 with a one-line status; STOPPING=1; RELOADING=1 (ended by service_ready).
 * Errors are ignored: the daemon runs the same with or without a manager. */
void service_ready(const char *status);
void service_stopping(void);
void service_reloading(void);

#endif
