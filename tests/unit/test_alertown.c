/* The alerts the delivery thread raises itself: a loss alert waits for its burst to end,
 * so it tells the whole count, and comes at most once per 10 minutes; the watch-end
 * alert carries the report's verdict over the week. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts/alertjson.h"
#include "alerts/alertown.h"
#include "common/db.h"
#include "common/timefmt.h"
#include "tap.h"

static const int64_t T0 = INT64_C(1795910400) * US_PER_SEC;   /* 2026-11-29T00:00:00Z */
/* the three clocks at t */
#define AT(t) (&(struct clock_now){ (t), (t), (t) })

static void
loss(sqlite3 *js)
{
	struct alertown o;
	struct stats st = { 0 };
	char *body;

	alertown_init(&o, 0, 7);
	ok(alertown_loss(&o, &st, js, AT(T0)) == NULL, "nothing lost: no alert");
	stats_add(&st, STAT_QUEUE_FULL, 100);
	ok(alertown_loss(&o, &st, js, AT(T0 + US_PER_SEC)) == NULL, "a burst begins: not yet");
	stats_add(&st, STAT_QUEUE_FULL, 50);
	stats_add(&st, STAT_NFLOG_GAP, 7);
	ok(alertown_loss(&o, &st, js, AT(T0 + 2 * US_PER_SEC)) == NULL, "it goes on: not yet");
	body = alertown_loss(&o, &st, js, AT(T0 + 4 * US_PER_SEC + 1));
	ok(body != NULL, "over for 2 s: the alert");
	is_int(alertjson_int(js, body, "$.count", -1), 157, "with the burst's whole count");
	free(body);
	stats_add(&st, STAT_DB_ERROR, 3);
	ok(alertown_loss(&o, &st, js, AT(T0 + 60 * US_PER_SEC)) == NULL &&
	   alertown_loss(&o, &st, js, AT(T0 + 300 * US_PER_SEC)) == NULL,
	   "more, within 10 minutes: held back");
	body = alertown_loss(&o, &st, js, AT(T0 + 605 * US_PER_SEC));
	is_int(body ? alertjson_int(js, body, "$.count", -1) : -1, 3, "then told: only the new ones");
	free(body);
	/* a loss that never stops is told after 30 s */
	for (int i = 1; i <= 40 && !(body = alertown_loss(&o, &st, js, AT(T0 + 2000 * US_PER_SEC + i *
	                                                   US_PER_SEC))); i++)
		stats_add(&st, STAT_QUEUE_FULL, 1);
	ok(body != NULL && alertjson_int(js, body, "$.count", -1) >= 29,
	   "a loss that goes on: told after 30 s");
	free(body);
}

static void
watch_end(sqlite3 *js, const char *dir)
{
	struct alertown o;
	char path[256], err[256], *body, *verdict;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/own.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	alertown_init(&o, T0 - 8 * DAY_US, 7);
	ok(alertown_watch_end(&o, db, js, NULL, AT(T0 - 2 * DAY_US)) == NULL, "the week goes on: nothing");
	o.watch_next_check = 0;
	body = alertown_watch_end(&o, db, js, NULL, AT(T0));
	ok(body != NULL, "the week is over: the alert");
	verdict = body ? alertjson_text(js, "SELECT ?1 ->> '$.verdict'", body, NULL, NULL, 0)
	               : NULL;
	is_str(verdict, "INCOMPLETE", "no collector ever ran: INCOMPLETE, never clean");
	free(verdict);
	ok(alertjson_int(js, body, "$.blind", -1) >= 1 && alertjson_int(js, body, "$.count", -1) == 0,
	   "its blind spots and findings counted");
	free(body);
	ok(alertown_watch_end(&o, db, js, NULL, AT(T0 + DAY_US)) == NULL, "once");
	sqlite3_close(db);
}

/* The week's verdict judges with the collector's rules, as `oc-audit report -c` does: a
 * finding the rules now expect is not open. */
static void
watch_end_rules(sqlite3 *js, const char *dir)
{
	struct alertown o;
	struct rules *rs = rules_new();
	char path[256], err[256], sql[256], *body;
	sqlite3 *db;
	long long t = (long long)(T0 - 3 * DAY_US);

	snprintf(path, sizeof(path), "%s/rules.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	snprintf(sql, sizeof(sql), "INSERT INTO findings(kind, key, domain, first_us, last_us, "
	         "detail) VALUES ('unexpected-domain', 'evil.example', 'evil.example', %lld, %lld, "
	         "'d')", t, t);
	ok(db && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "a finding inside the week");
	alertown_init(&o, T0 - 8 * DAY_US, 7);
	body = alertown_watch_end(&o, db, js, NULL, AT(T0));
	is_int(body ? alertjson_int(js, body, "$.open", -1) : -1, 1, "no rules: it is open");
	free(body);
	ok(rs && rules_parse_list(rs, "evil.example", err, sizeof(err)) == 0, "a rule expects it");
	alertown_init(&o, T0 - 8 * DAY_US, 7);
	body = alertown_watch_end(&o, db, js, rs, AT(T0));
	is_int(body ? alertjson_int(js, body, "$.open", -1) : -1, 0,
	       "the rules expect it: not open, as report -c says");
	is_int(body ? alertjson_int(js, body, "$.count", -1) : -1, 1, "... and still counted");
	free(body);
	rules_free(rs);
	sqlite3_close(db);
}

/* A wall clock stepped back or forward a day: the loss alert's waits run on the monotonic
 * clock, the week's end on the steady time. */
static void
stepped(sqlite3 *js, const char *dir)
{
	struct alertown o;
	struct stats st = { 0 };
	char path[256], err[256], *body;
	sqlite3 *db;

	alertown_init(&o, 0, 7);
	stats_add(&st, STAT_QUEUE_FULL, 5);
	alertown_loss(&o, &st, js, AT(T0));
	body = alertown_loss(&o, &st, js, AT(T0 + 3 * US_PER_SEC));
	ok(body != NULL, "a loss told");
	free(body);
	stats_add(&st, STAT_QUEUE_FULL, 5);
	alertown_loss(&o, &st, js, (&(struct clock_now){ T0 - DAY_US, T0 + 700 * US_PER_SEC, 0 }));
	body = alertown_loss(&o, &st, js, (&(struct clock_now){ T0 - DAY_US, T0 + 703 * US_PER_SEC,
	                                                         0 }));
	ok(body != NULL, "clock back a day: the next loss is told 10 minutes on all the same");
	free(body);

	snprintf(path, sizeof(path), "%s/stepped.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	alertown_init(&o, T0 - 7 * DAY_US + 3600 * US_PER_SEC, 7);
	ok(alertown_watch_end(&o, db, js, NULL, (&(struct clock_now){ T0 + DAY_US, T0, T0 })) == NULL,
	   "clock forward a day: the week an hour from its end goes on");
	o.watch_next_check = 0;
	body = alertown_watch_end(&o, db, js, NULL, (&(struct clock_now){ T0 - DAY_US, T0 + 3600 *
	                                       US_PER_SEC, T0 + 3600 * US_PER_SEC }));
	ok(body != NULL, "clock back a day: the week ends when an hour has passed all the same");
	free(body);
	sqlite3_close(db);
}

int
main(void)
{
	char dir[] = "/tmp/oca-own.XXXXXX", cmd[64];
	sqlite3 *js;

	if (!mkdtemp(dir) || sqlite3_open(":memory:", &js) != SQLITE_OK)
		return 1;
	loss(js);
	watch_end(js, dir);
	watch_end_rules(js, dir);
	stepped(js, dir);
	sqlite3_close(js);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
