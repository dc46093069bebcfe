/* log: one line per message on stderr. On a terminal or a file each line carries the UTC
 * time and the level; when stderr is the journal (systemd sets JOURNAL_STREAM to the
 * device:inode of the stream it gave us) each line starts with a syslog priority
 * ("<3>" .. "<7>") instead and carries no time of its own: journald stamps it, and
 * `journalctl -p warning` filters on the priority. */
#ifndef OCA_LOG_H
#define OCA_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped. Default LOG_INFO. */
void log_set_level(enum log_level level);

/* Decide the line format once, before threads start: journal form when the environment
 * value journal_stream ("DEV:INO", NULL when unset) names stderr. Returns whether it
 * does. */
bool log_init(const char *journal_stream);

/* Is "DEV:INO" the device and inode given? Pure (exposed for tests). */
bool log_stream_matches(const char *journal_stream, unsigned long long dev,
                        unsigned long long ino);

/* Print one line. Thread-safe (one write(2) per line). */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
