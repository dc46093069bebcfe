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
#include "report/report.h"

#define LOSS_EVERY_US INT64_C(600000000)     /* one loss alert per 10 minutes at most */
/* A burst is told once it is over (no loss for LOSS_SETTLE_US), so that the alert
 * carries its whole count; a loss that goes on is told after LOSS_SETTLE_MAX_US. */
#define LOSS_SETTLE_US INT64_C(2000000)
#define LOSS_SETTLE_MAX_US INT64_C(30000000)
#define WATCH_CHECK_US INT64_C(10000000)

void
alertown_init(struct alertown *o, int64_t watch_start_us, unsigned watch_days)
{
	memset(o, 0, sizeof(*o));
	o->watch_start_conf = watch_start_us;
	o->watch_days = watch_days;
}

char *
alertown_loss(struct alertown *o, struct stats *st, sqlite3 *js,
              const struct clock_now *clk)
{
	int64_t now = clk->mono_us;
	uint64_t total = 0, by[STAT__COUNT];
	char detail[64] = "", iso[TIMEFMT_ISOLEN], *body;   /* the body fits a cmd_event */
	size_t len = 0;

	for (int i = 0; i < STAT__COUNT; i++) {
		by[i] = stats_is_loss((enum stat_id)i) ? stats_get(st, (enum stat_id)i) : 0;
		total += by[i];
	}
	if (total != o->loss_seen) {
		if (o->loss_seen == o->loss_alerted)
			o->loss_first_us = now;      /* a new burst */
		o->loss_seen = total;
		o->loss_grew_us = now;
	}
	if (total <= o->loss_alerted ||
	    (o->loss_last_us && now - o->loss_last_us < LOSS_EVERY_US) ||
	    (now - o->loss_grew_us < LOSS_SETTLE_US &&
	     now - o->loss_first_us < LOSS_SETTLE_MAX_US))
		return NULL;
	for (int i = 0; i < STAT__COUNT && len < sizeof(detail); i++) {
		if (by[i])
			len += (size_t)snprintf(detail + len, sizeof(detail) - len, "%s%s %llu",
			                        len ? ", " : "", stats_name((enum stat_id)i),
			                        (unsigned long long)by[i]);
	}
	body = alertjson_text(js, "SELECT json_object('kind', 'loss', 'count', ?4, "
	                      "'last_seen', ?1, 'detail', ?2)",
	                      timefmt_iso(clk->wall_us, iso, sizeof(iso)), detail, NULL,
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
alertown_watch_end(struct alertown *o, sqlite3 *db, sqlite3 *js,
                   const struct rules *rules, const struct clock_now *now)
{
	char s_iso[TIMEFMT_ISOLEN], e_iso[TIMEFMT_ISOLEN], err[256], counts[128], *body;
	struct watch_in in = { .configured_us = o->watch_start_conf, .days = o->watch_days,
	                       .now_us = now->steady_us };
	struct watch wk;
	struct report_summary sum;
	struct report_opts ro = { .watch_start_us = o->watch_start_conf,
	                          .watch_days = o->watch_days, .now_us = now->wall_us,
	                          .rules = rules };

	if (o->watch_end_done || now->mono_us < o->watch_next_check || !db)
		return NULL;
	o->watch_next_check = now->mono_us + WATCH_CHECK_US;
	watch_read(db, &in);
	watch_decide(&in, &wk);
	if (!wk.start_us || !wk.ended)
		return NULL;
	if (db_int(db, "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end'", -1) != 0) {
		o->watch_end_done = true;   /* told in an earlier run (or the DB is unreadable) */
		return NULL;
	}
	/* the report's verdict over the week; the core thread adds the chain's head */
	ro.since_us = wk.start_us;
	ro.until_us = wk.end_us;
	if (report_summary(db, &ro, &sum, err, sizeof(err)) < 0) {
		log_warn("alerts: the watch week's verdict: %s (trying again)", err);
		return NULL;
	}
	timefmt_iso(wk.start_us, s_iso, sizeof(s_iso));
	timefmt_iso(wk.end_us, e_iso, sizeof(e_iso));
	/* numbers and a verdict name only: nothing here came from the VM */
	snprintf(counts, sizeof(counts), "{\"count\":%lld,\"open\":%lld,\"blind\":%lld,"
	         "\"verdict\":\"%s\"}", (long long)sum.findings, (long long)sum.open_findings,
	         (long long)sum.blind_spots, report_verdict_name(sum.verdict));
	body = alertjson_text(js, "SELECT json_patch(json_object('kind', 'watch-end', "
	                      "'first_seen', ?1, 'last_seen', ?2), ?3)", s_iso, e_iso, counts, 0);
	if (!body)
		return NULL;
	log_info("alerts: the watch week ended at %s: %s, %lld findings (%lld open), %lld "
	         "blind spots%s%s", e_iso, report_verdict_name(sum.verdict),
	         (long long)sum.findings, (long long)sum.open_findings,
	         (long long)sum.blind_spots, sum.blind_spots ? ": " : "", sum.blind);
	o->watch_end_done = true;
	return body;
}
