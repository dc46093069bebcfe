/* log: one line per message on stderr, prefixed with the UTC time and level.
 * The daemon runs under systemd, which keeps stderr in the journal. */
#ifndef OCA_LOG_H
#define OCA_LOG_H

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped. Default LOG_INFO. */
void log_set_level(enum log_level level);

/* Print one line. Thread-safe (one write(2) per line). */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
