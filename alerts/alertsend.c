/* Sending: the two channels and a delivery round over the outbox's due rows.
 *
 * Each channel has its own failure count and "not before" time: Telegram (sendMessage,
 * rate limited by a token bucket; a burst larger than the tokens left goes out as one
 * "and N more" message, the most serious alert told in full) and a webhook (one JSON
 * POST per alert). A row is delivered once every configured channel took it; a channel
 * that took it is recorded in the row's last_error ("[telegram sent] ...") so a retry
 * after a restart does not repeat it. 429 waits retry_after; 5xx, timeouts and
 * connection errors back off exponentially to a cap. Every wait runs on the monotonic
 * clock (common/clock.h): a wall clock stepped back never holds a retry for a day; the
 * outbox's next_us stores its wall time.
 *
 * Delivery is at least once, never zero: an outcome this thread cannot know (a transfer
 * abandoned at shutdown, or one that timed out after the API took it) leaves the alert
 * pending, so it may arrive twice; an alert the API confirmed never does.
 *
 * The token is in the URL buffer of a request in flight and nowhere else here: every
 * text that leaves this file (log lines, last_error, alert-test's answer) is scrubbed. */
#include "config.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertjson.h"
#include "alertsint.h"
#include "common/findkind.h"
#include "common/log.h"
#include "common/timefmt.h"

/* snprintf for error texts, which are cut to fit their buffers on purpose. */
static void __attribute__((format(printf, 3, 4)))
errf(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ channels */

static void
describe(struct alerts *a, const char *chan, long status, const char *desc,
         struct alertsend_outcome *o)
{
	char clean[256];

	alertmsg_clean(desc && *desc ? desc : alerthttp_body(a->http), clean, sizeof(clean));
	errf(o->err, sizeof(o->err), "%s: HTTP %ld%s%s", chan, status, *clean ? ": " : "",
	         clean);
	alertmsg_scrub(o->err, sizeof(o->err), a->token);
}

/* The transfer on channel chan failed, or was stopped: o->err (the transport's error)
 * gets the channel's name and is scrubbed. */
static void
transport_failed(struct alerts *a, const char *chan, bool stopped,
                 struct alertsend_outcome *o)
{
	char e[160];

	o->stopped = stopped;
	errf(e, sizeof(e), "%s: %s", chan, o->err);
	alertmsg_scrub(e, sizeof(e), a->token);
	memcpy(o->err, e, sizeof(e));
}

/* The API answered: keep what it said for alert-test. */
static void
answered(struct alerts *a, long status, struct alertsend_outcome *o)
{
	o->status = status;
	alertmsg_clean(alerthttp_body(a->http), o->answer, sizeof(o->answer));
	alertmsg_scrub(o->answer, sizeof(o->answer), a->token);
}

void
alertsend_telegram(struct alerts *a, const char *text, struct alertsend_outcome *o)
{
	const char *body;
	char url[1536];
	char *json, *desc;
	long status, ra;
	int rc;

	memset(o, 0, sizeof(*o));
	o->retry_after_s = -1;
	json = alertjson_text(a->js, "SELECT json_object('chat_id', ?1, 'text', ?2)",
	                      a->chat_id, text, NULL, 0);
	if (!json) {
		snprintf(o->err, sizeof(o->err), "telegram: cannot build the request");
		return;
	}
	snprintf(url, sizeof(url), "%s/bot%s/sendMessage", a->api_base, a->token);
	rc = alerthttp_post(a->http, url, json, &status, &ra, o->err, sizeof(o->err));
	explicit_bzero(url, sizeof(url));
	free(json);
	if (rc < 0) {
		transport_failed(a, "telegram", rc == -2, o);
		return;
	}
	answered(a, status, o);
	body = alerthttp_body(a->http);
	if (status == 200 && alertjson_int(a->js, body, "$.ok", 0) == 1) {
		o->ok = true;
		return;
	}
	o->retry_after_s = alertjson_int(a->js, body, "$.parameters.retry_after", ra);
	desc = alertjson_text(a->js, "SELECT json_extract(?1, '$.description') "
	                      "WHERE json_valid(?1)", body, NULL, NULL, 0);
	describe(a, "telegram", status, desc, o);
	free(desc);
}

void
alertsend_webhook(struct alerts *a, const char *json, struct alertsend_outcome *o)
{
	long status, ra;

	memset(o, 0, sizeof(*o));
	o->retry_after_s = -1;
	if (alerthttp_post(a->http, a->webhook, json, &status, &ra, o->err, sizeof(o->err)) < 0) {
		transport_failed(a, "webhook", atomic_load(&a->stop), o);
		return;
	}
	answered(a, status, o);
	if (status >= 200 && status < 300) {
		o->ok = true;
		return;
	}
	o->retry_after_s = status == 429 ? ra : -1;
	describe(a, "webhook", status, NULL, o);
}

/* A failure on channel c at now (monotonic): when to try it again (monotonic). */
static int64_t
chan_failed(struct alerts *a, struct chan *c, const struct alertsend_outcome *o,
            int64_t now)
{
	int64_t wait;

	if (a->st)
		stats_add(a->st, STAT_ALERT_FAILED, 1);
	c->fails++;
	if (o->status == 429 && o->retry_after_s >= 0)
		wait = (o->retry_after_s < 3600 ? o->retry_after_s : 3600) * US_PER_SEC;
	else
		wait = alertmsg_backoff_us(c->fails);
	c->not_before = now + wait;
	if (c->fails == 1 || c->fails % 10 == 0)
		log_warn("alerts: %s (try %u; next in %lld s)", o->err, c->fails,
		         (long long)(wait / US_PER_SEC));
	return c->not_before;
}

static void
chan_ok(struct chan *c)
{
	if (c->fails)
		log_info("alerts: %s delivers again after %u failures", c->name, c->fails);
	c->fails = 0;
	c->not_before = 0;
}

/* ------------------------------------------------------------------ a round */

static char *
webhook_json(struct alerts *a, const struct alertoutbox_row *r, const char *text)
{
	return alertjson_text(a->js, "SELECT json_patch(?1, json_object('alert_id', ?4, "
	                      "'alert_kind', ?2, 'text', ?3))", r->body, r->s[0], text, r->id);
}

/* now: monotonic, as in every round below */
static void
round_webhook(struct alerts *a, struct alertoutbox_row *rows, size_t n, int64_t now,
              char *text)
{
	struct alertsend_outcome o;

	for (size_t i = 0; i < n && now >= a->wh.not_before; i++) {
		struct alertoutbox_row *r = &rows[i];
		char *json;

		if (r->dup || (r->m->done & CH_WH))
			continue;
		alertmsg_format(&r->f, text, ALERTMSG_BUFSIZE);
		if (!(json = webhook_json(a, r, text)))
			continue;
		alertsend_webhook(a, json, &o);
		free(json);
		if (o.stopped)
			return;
		r->tried = true;
		if (o.ok) {
			chan_ok(&a->wh);
			r->m->done |= CH_WH;
			continue;
		}
		r->retry_at = chan_failed(a, &a->wh, &o, now);
		snprintf(r->err, sizeof(r->err), "%s", o.err);
		return;
	}
}

/* How serious an alert's finding is (0 for the alerts that are no finding). */
static int
severity(const struct alertoutbox_row *r)
{
	return (int)findkind_severity(findkind_from_name(r->f.kind));
}

static void
round_telegram(struct alerts *a, struct alertoutbox_row *rows, size_t n, int64_t now,
               char *text)
{
	struct alertmsg_fields *rest;
	struct alertoutbox_row **todo;
	struct alertsend_outcome o;
	size_t k = 0;
	unsigned tokens;

	if (now < a->tg.not_before || !(todo = calloc(n, sizeof(*todo))))
		return;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].dup && !(rows[i].m->done & CH_TG))
			todo[k++] = &rows[i];
	/* most serious first: within the rate limit a canary goes out before the rest, in
	 * a burst it is the one told in full (stable: otherwise oldest first) */
	for (size_t i = 1; i < k; i++) {
		struct alertoutbox_row *t = todo[i];
		size_t j = i;

		while (j > 0 && severity(todo[j - 1]) < severity(t)) {
			todo[j] = todo[j - 1];
			j--;
		}
		todo[j] = t;
	}
	tokens = k ? alertmsg_bucket_fill(&a->bucket, now) : 0;
	if (k > 0 && tokens > 0 && k <= tokens) {
		/* within the rate limit: one message each */
		for (size_t i = 0; i < k; i++) {
			alertmsg_format(&todo[i]->f, text, ALERTMSG_BUFSIZE);
			alertsend_telegram(a, text, &o);
			if (o.stopped)
				break;
			todo[i]->tried = true;
			if (!o.ok) {
				todo[i]->retry_at = chan_failed(a, &a->tg, &o, now);
				snprintf(todo[i]->err, sizeof(todo[i]->err), "%s", o.err);
				break;
			}
			alertmsg_bucket_take(&a->bucket);
			chan_ok(&a->tg);
			todo[i]->m->done |= CH_TG;
		}
	} else if (k > 0 && tokens > 0 && (rest = calloc(k, sizeof(*rest)))) {
		/* a burst: one message for all of them */
		for (size_t i = 1; i < k; i++)
			rest[i - 1] = todo[i]->f;
		alertmsg_coalesce(&todo[0]->f, rest, k - 1, text, ALERTMSG_BUFSIZE);
		free(rest);
		alertsend_telegram(a, text, &o);
		if (!o.stopped) {
			if (o.ok) {
				alertmsg_bucket_take(&a->bucket);
				chan_ok(&a->tg);
				log_info("alerts: %zu alerts coalesced into one Telegram message", k);
			}
			for (size_t i = 0; i < k; i++) {
				todo[i]->tried = true;
				if (o.ok) {
					todo[i]->m->done |= CH_TG;
				} else {
					todo[i]->retry_at = i == 0 ? chan_failed(a, &a->tg, &o, now)
					                           : a->tg.not_before;
					snprintf(todo[i]->err, sizeof(todo[i]->err), "%s", o.err);
				}
			}
		}
	}
	free(todo);
}

void
alertsend_round(struct alerts *a, const struct clock_now *now)
{
	struct alertoutbox_row *rows = calloc(ALERTOUTBOX_ROWS_MAX, sizeof(*rows));
	char *text = malloc(ALERTMSG_BUFSIZE);
	size_t n = 0;

	if (!rows || !text)
		goto out;
	n = alertoutbox_read_due(a->ob, rows, now);
	if (n == 0)
		goto out;
	if (a->channels & CH_WH)
		round_webhook(a, rows, n, now->mono_us, text);
	if ((a->channels & CH_TG) && !atomic_load(&a->stop))
		round_telegram(a, rows, n, now->mono_us, text);
	for (size_t i = 0; i < n; i++) {
		struct alertoutbox_row *r = &rows[i];

		if (r->dup || (r->m->done & a->channels) == a->channels) {
			r->m->delivered = true;
			alertoutbox_delivered(a->ob, r->id, timefmt_now_us());
		} else if (r->tried && r->err[0]) {
			r->m->next_us = r->retry_at;
			alertoutbox_retry(a->ob, r->id, now->wall_us, clock_wall_of(now, r->retry_at),
			                  r->m->done, r->err);
		} else if (r->tried) {
			/* one channel took it, the other did not try yet: record that */
			alertoutbox_retry(a->ob, r->id, now->wall_us, now->wall_us, r->m->done,
			                  "partly sent");
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		alertoutbox_row_free(&rows[i]);
	free(rows);
	free(text);
}
