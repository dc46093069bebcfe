/* The alert outbox as the delivery thread reads it, over a real database: which rows are
 * due, what each carries, what this run remembers, and the outcomes it hands to the
 * core thread (in order, kept while the queue is full, the token never in them). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts/alertoutbox.h"
#include "common/db.h"
#include "tap.h"

#define NOW INT64_C(1796000000000000)
/* the three clocks at t (here the monotonic clock reads as the wall clock) */
#define AT(t) (&(struct clock_now){ (t), (t), (t) })
#define DAY INT64_C(86400000000)

/* Pop every command the queue holds into out; returns how many. */
static size_t
pop_all(struct queue *q, struct cmd_event *out, size_t max)
{
	struct event ev[16];
	size_t n = 0, got;

	while (n < max && (got = queue_pop(q, ev, 16, 0)) > 0)
		for (size_t i = 0; i < got; i++) {
			if (n < max)
				out[n++] = *ev[i].u.cmd;
			event_free(&ev[i]);
		}
	return n;
}

static struct alertoutbox_row *
find(struct alertoutbox_row *rows, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].id == id)
			return &rows[i];
	return NULL;
}

static void
free_rows(struct alertoutbox_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		alertoutbox_row_free(&rows[i]);
}

int
main(void)
{
	static struct alertoutbox_row rows[ALERTOUTBOX_ROWS_MAX];
	char dir[] = "/tmp/oca-test-outbox-XXXXXX", path[256], err[512], big[400];
	struct cmd_event cmds[8];
	struct alertoutbox_row *r;
	struct alertoutbox *ob;
	struct queue *q = queue_new(2);
	sqlite3 *db, *js;
	size_t n;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	ok(db != NULL, "database");
	/* 1 a finding, 2 a later row about the same finding, 3 not due yet, 4 delivered,
	 * 5 telegram took it in an earlier run, 6 a body that is not JSON, 7 a loss */
	is_int(sqlite3_exec(db,
	       "INSERT INTO alert_outbox(id, kind, finding_id, created_us, body, next_us, "
	       "delivered_us, last_error) VALUES"
	       " (1, 'finding', 10, 1, json_object('kind', 'direct-ip', 'ip', '198.51.100.9',"
	       "  'port', 443, 'proto', 'tcp', 'count', 3, 'watch_day', 2, 'detail', 'no answer',"
	       "  'first_seen', '2026-11-29T03:00:00Z', 'last_seen', '2026-11-29T04:00:00Z'),"
	       "  1, NULL, NULL),"
	       " (2, 'finding', 10, 2, json_object('kind', 'direct-ip'), 2, NULL, NULL),"
	       " (3, 'finding', 11, 3, json_object('kind', 'dns-bypass'), 1796000001000000,"
	       "  NULL, NULL),"
	       " (4, 'finding', 12, 4, json_object('kind', 'dns-tunnel'), 4, 5, NULL),"
	       " (5, 'finding', 13, 5, json_object('kind', 'unexpected-domain', 'domain',"
	       "  'evil.example'), 5, NULL, '[telegram sent] HTTP 502'),"
	       " (6, 'test', NULL, 6, 'not json {', 6, NULL, NULL),"
	       " (7, 'loss', NULL, 7, json_object('kind', 'loss', 'count', 12), 7, NULL, NULL)",
	       NULL, NULL, NULL), SQLITE_OK, "seven outbox rows");

	ok(sqlite3_open(":memory:", &js) == SQLITE_OK, "a connection for JSON");
	ob = alertoutbox_open(path, js, q, "123456:SECRET-token");
	ok(ob != NULL && alertoutbox_db(ob) == NULL, "opened; the database only on first read");

	n = alertoutbox_read_due(ob, rows, AT(NOW));
	is_int(n, 5, "due: the pending rows whose time has come");
	ok(!find(rows, n, 3) && !find(rows, n, 4), "not the one for later, nor the delivered");
	ok(alertoutbox_db(ob) != NULL, "the read opened it");
	r = find(rows, n, 1);
	ok(r && !r->dup && strcmp(r->f.outbox_kind, "finding") == 0 &&
	   strcmp(r->f.kind, "direct-ip") == 0 && strcmp(r->f.ip, "198.51.100.9") == 0 &&
	   strcmp(r->f.proto, "tcp") == 0 && r->f.port == 443 && r->f.count == 3 &&
	   r->f.watch_day == 2 && strcmp(r->f.detail, "no answer") == 0 &&
	   strcmp(r->f.first_seen, "2026-11-29T03:00:00Z") == 0 && r->f.domain == NULL,
	   "a finding's fields, from its body");
	r = find(rows, n, 2);
	ok(r && r->dup, "a later row about the same finding is a duplicate");
	r = find(rows, n, 5);
	ok(r && r->m->done == ALERTOUTBOX_TG, "a channel's mark read from last_error");
	r = find(rows, n, 6);
	ok(r && strcmp(r->f.kind, "test") == 0 && r->f.port == -1 && r->f.count == -1 &&
	   r->f.detail == NULL, "a body that is not JSON: the outbox kind, no fields");
	r = find(rows, n, 7);
	ok(r && strcmp(r->f.kind, "loss") == 0 && r->f.count == 12, "a loss alert");

	/* what this run did is remembered until the database shows it */
	find(rows, n, 1)->m->delivered = true;
	find(rows, n, 2)->m->next_us = NOW + 60000000;
	free_rows(rows, n);
	n = alertoutbox_read_due(ob, rows, AT(NOW + 1));
	ok(n == 3 && !find(rows, n, 1) && !find(rows, n, 2),
	   "delivered or put off by this run: not read again");
	free_rows(rows, n);
	n = alertoutbox_read_due(ob, rows, AT(NOW + 60000000));
	ok(find(rows, n, 2) != NULL && find(rows, n, 3) != NULL && !find(rows, n, 1),
	   "a minute on: the one put off, and the one due then");
	free_rows(rows, n);

	/* the wall clock stepped back a day: what this run put off waits on the monotonic
	 * clock; a stored next_us now far ahead (written before the step) is due */
	n = alertoutbox_read_due(ob, rows, AT(NOW + 60000000));
	find(rows, n, 2)->m->next_us = NOW + 120000000;
	free_rows(rows, n);
	n = alertoutbox_read_due(ob, rows, (&(struct clock_now){ NOW - DAY, NOW + 1, NOW - DAY }));
	ok(!find(rows, n, 2) && find(rows, n, 3) != NULL,
	   "clock back a day: the row put off still waits its 2 minutes; a stored time a day "
	   "ahead is due");
	free_rows(rows, n);
	n = alertoutbox_read_due(ob, rows, (&(struct clock_now){ NOW - DAY, NOW + 120000000,
	                                                          NOW - DAY }));
	ok(find(rows, n, 2) != NULL, "... and is due 2 minutes later by the monotonic clock");
	free_rows(rows, n);
	sqlite3_exec(db, "UPDATE alert_outbox SET next_us = 1796001800000000 WHERE id = 3", NULL,
	             NULL, NULL);
	n = alertoutbox_read_due(ob, rows, AT(NOW));
	ok(!find(rows, n, 3), "a stored time half an hour ahead (a 429's retry_after): waited for");
	free_rows(rows, n);
	n = alertoutbox_read_due(ob, rows, AT(NOW - 3 * DAY));
	ok(find(rows, n, 3) != NULL, "... unless it is over an hour ahead: due");
	free_rows(rows, n);
	sqlite3_exec(db, "UPDATE alert_outbox SET next_us = 1796000001000000 WHERE id = 3", NULL,
	             NULL, NULL);

	/* outcomes, in order, to the core thread */
	alertoutbox_delivered(ob, 1, NOW);
	alertoutbox_retry(ob, 5, NOW, NOW + 2000000, ALERTOUTBOX_TG | ALERTOUTBOX_WH,
	                  "webhook: HTTP 500 for https://api.telegram.org/bot123456:SECRET-token/x");
	alertoutbox_enqueue(ob, "{\"kind\":\"watch-end\",\"count\":0}", NOW);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	alertoutbox_enqueue(ob, big, NOW);
	is_int(alertoutbox_flush(ob), 1, "a queue of 2 takes two; one is kept");
	n = pop_all(q, cmds, 8);
	ok(n == 2 && cmds[0].kind == CMD_ALERT_DELIVERED && cmds[0].id == 1 &&
	   cmds[0].ts_us == NOW, "first the delivery");
	ok(n == 2 && cmds[1].kind == CMD_ALERT_RETRY && cmds[1].id == 5 &&
	   cmds[1].arg == NOW + 2000000, "then the retry, with its time");
	is_str(cmds[1].text, "[telegram sent] [webhook sent] webhook: HTTP 500 for "
	       "https://api.telegram.org/bot<redacted>/x",
	       "the channels that took it marked, the token redacted");
	is_int(alertoutbox_flush(ob), 0, "the kept one goes once there is room");
	n = pop_all(q, cmds, 8);
	ok(n == 1 && cmds[0].kind == CMD_ALERT_ENQUEUE &&
	   strcmp(cmds[0].text, "{\"kind\":\"watch-end\",\"count\":0}") == 0,
	   "the request for an alert of our own; the one too long for a command dropped");
	is_int(alertoutbox_flush(ob), 0, "nothing left");

	/* the database marks the rows: they leave the outbox as read */
	sqlite3_exec(db, "UPDATE alert_outbox SET delivered_us = 9 WHERE id IN (1, 2, 3)", NULL,
	             NULL, NULL);
	n = alertoutbox_read_due(ob, rows, AT(NOW + 60000000));
	ok(n == 3 && !find(rows, n, 1) && !find(rows, n, 2) && !find(rows, n, 3),
	   "rows the database marked delivered are gone");
	free_rows(rows, n);
	alertoutbox_close(ob);

	/* a database that cannot be read: nothing due, no crash */
	snprintf(path, sizeof(path), "%s/missing.db", dir);
	ob = alertoutbox_open(path, js, q, "");
	is_int(alertoutbox_read_due(ob, rows, AT(NOW)), 0, "no database: nothing due");
	alertoutbox_close(ob);
	alertoutbox_close(NULL);

	sqlite3_close(js);
	sqlite3_close(db);
	queue_free(q);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
