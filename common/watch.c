#include "config.h"

#include "timefmt.h"
#include "watch.h"

void
watch_decide(const struct watch_in *in, struct watch *out)
{
	int64_t start = in->configured_us > 0 ? in->configured_us :
	                in->stored_us > 0 ? in->stored_us :
	                in->first_event_us > 0 ? in->first_event_us : 0;

	*out = (struct watch){ .start_us = start };
	if (start <= 0)
		return;
	out->end_us = start + (int64_t)in->days * DAY_US;
	out->day = in->now_us >= start ? (in->now_us - start) / DAY_US + 1 : 0;
	out->ended = in->now_us >= out->end_us;
}

/* One integer from sql; 0 for no row or NULL; -1 on an error. */
static int
read_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	*v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
watch_read(sqlite3 *db, struct watch_in *in)
{
	in->stored_us = in->first_event_us = 0;
	if (in->configured_us > 0)
		return 0;
	if (read_int(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'watch_start_us'",
	             &in->stored_us) < 0)
		return -1;
	if (in->stored_us > 0)
		return 0;
	/* each min() is one step down the time index */
	return read_int(db, "SELECT min(t) FROM (SELECT min(ts_us) AS t FROM connections "
	                "UNION ALL SELECT min(ts_us) FROM dns_queries)", &in->first_event_us);
}
