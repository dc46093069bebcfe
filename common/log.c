#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "timefmt.h"

static enum log_level max_level = LOG_INFO;
static bool journal;

void
log_set_level(enum log_level level)
{
	max_level = level;
}

bool
log_stream_matches(const char *journal_stream, unsigned long long dev,
                   unsigned long long ino)
{
	unsigned long long d, i;
	char *end;

	if (!journal_stream || !*journal_stream)
		return false;
	d = strtoull(journal_stream, &end, 10);
	if (end == journal_stream || *end != ':')
		return false;
	journal_stream = end + 1;
	i = strtoull(journal_stream, &end, 10);
	if (end == journal_stream || *end)
		return false;
	return d == dev && i == ino;
}

bool
log_init(const char *journal_stream)
{
	struct stat sb;

	journal = fstat(STDERR_FILENO, &sb) == 0 &&
	          log_stream_matches(journal_stream, (unsigned long long)sb.st_dev,
	                             (unsigned long long)sb.st_ino);
	return journal;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	static const char *prio[] = { "<3>", "<4>", "<6>", "<7>" };
	char line[1024], when[TIMEFMT_ISOLEN];
	struct timespec ts;
	va_list ap;
	int n, m;

	if (level > max_level)
		return;
	if (journal) {
		n = snprintf(line, sizeof(line), "%s%s: ", prio[level], names[level]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		timefmt_iso((int64_t)ts.tv_sec * US_PER_SEC, when, sizeof(when));
		n = snprintf(line, sizeof(line), "%s oc-audit %s: ", when, names[level]);
	}
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
