/* The delivery thread's own alerts: see alertown.h. A body must fit a queue command
 * (struct cmd_event's text), since the core thread, the one writer, adds it to the
 * outbox. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertjson.h"
#include "alertown.h"
#include "common/db.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/watch.h"

#define LOSS_EVERY_US INT64_C(600000000)     /* one loss alert per 10 minutes at most */
#define WATCH_CHECK_US INT64_C(10000000)

void
alertown_init(struct alertown *o, int64_t watch_start_us, unsigned watch_days)
{
	memset(o, 0, sizeof(*o));
	o->watch_start_conf = watch_start_us;
	o->watch_days = watch_days;
}

char *
alertown_loss(struct alertown *o, struct stats *st, sqlite3 *js, int64_t now)
{
	uint64_t total = 0, by[STAT__COUNT];
	char detail[64] = "", iso[TIMEFMT_ISOLEN], *body;   /* the body fits a cmd_event */
	size_t len = 0;

	for (int i = 0; i < STAT__COUNT; i++) {
		by[i] = stats_is_loss((enum stat_id)i) ? stats_get(st, (enum stat_id)i) : 0;
		total += by[i];
	}
	if (total <= o->loss_alerted ||
	    (o->loss_last_us && now - o->loss_last_us < LOSS_EVERY_US))
		return NULL;
	for (int i = 0; i < STAT__COUNT && len < sizeof(detail); i++) {
		if (by[i])
			len += (size_t)snprintf(detail + len, sizeof(detail) - len, "%s%s %llu",
			                        len ? ", " : "", stats_name((enum stat_id)i),
			                        (unsigned long long)by[i]);
	}
	body = alertjson_text(js, "SELECT json_object('kind', 'loss', 'count', ?4, "
	                      "'last_seen', ?1, 'detail', ?2)",
	                      timefmt_iso(now, iso, sizeof(iso)), detail, NULL,
	                      (int64_t)(total - o->loss_alerted));
	if (!body)
		return NULL;
	log_warn("alerts: %llu events lost (%s): raising an alert",
	         (unsigned long long)(total - o->loss_alerted), detail);
	o->loss_alerted = total;
	o->loss_last_us = now;
	return body;
}

char *
alertown_watch_end(struct alertown *o, sqlite3 *db, sqlite3 *js, int64_t now)
{
	char s_iso[TIMEFMT_ISOLEN], e_iso[TIMEFMT_ISOLEN], verdict[64], *body;
	struct watch_in in = { .configured_us = o->watch_start_conf, .days = o->watch_days,
	                       .now_us = now };
	struct watch wk;
	long long findings, unacked;

	if (o->watch_end_done || now < o->watch_next_check || !db)
		return NULL;
	o->watch_next_check = now + WATCH_CHECK_US;
	watch_read(db, &in);
	watch_decide(&in, &wk);
	if (!wk.start_us || !wk.ended)
		return NULL;
	if (db_int(db, "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end'", -1) != 0) {
		o->watch_end_done = true;   /* told in an earlier run (or the DB is unreadable) */
		return NULL;
	}
	findings = db_int(db, "SELECT count(*) FROM findings", 0);
	unacked = db_int(db, "SELECT count(*) FROM findings WHERE acked_us IS NULL", 0);
	if (findings == 0)
		snprintf(verdict, sizeof(verdict), "clean: no findings");
	else
		snprintf(verdict, sizeof(verdict), "%lld finding%s, %lld not acknowledged",
		         findings, findings == 1 ? "" : "s", unacked);
	timefmt_iso(wk.start_us, s_iso, sizeof(s_iso));
	timefmt_iso(wk.end_us, e_iso, sizeof(e_iso));
	body = alertjson_text(js, "SELECT json_object('kind', 'watch-end', 'first_seen', ?1, "
	                      "'last_seen', ?2, 'count', ?4, 'detail', ?3)", s_iso, e_iso,
	                      verdict, findings);
	if (body && strlen(body) >= sizeof(((struct cmd_event *)0)->text)) {
		/* too long for a command: the count alone (the message then points to the report) */
		free(body);
		body = alertjson_text(js, "SELECT json_object('kind', 'watch-end', 'first_seen', "
		                      "?1, 'last_seen', ?2, 'count', ?4)", s_iso, e_iso, NULL,
		                      findings);
	}
	if (!body)
		return NULL;
	log_info("alerts: the watch week ended at %s: %s", e_iso, verdict);
	o->watch_end_done = true;
	return body;
}
