/* Alert delivery. The outbox table is the truth about what is owed: the core thread
 * inserts a row in the transaction that creates a finding, and this thread, which only
 * reads the database, sends what is pending and hands each outcome back to the core
 * thread through the queue (alertoutbox.c: the reading, the memory of what this run
 * sent, the outcomes kept while the queue is full). It also raises alerts of its own
 * (alertown.c).
 *
 * Two channels, each with its own failure count and "not before" time: Telegram
 * (sendMessage, rate limited by a token bucket; a burst larger than the tokens left goes
 * out as one "and N more" message) and a webhook (one JSON POST per alert). A row is
 * delivered once every configured channel took it; a channel that took it is recorded in
 * the row's last_error ("[telegram sent] ...") so a retry after a restart does not repeat
 * it. 429 waits retry_after; 5xx, timeouts and connection errors back off exponentially
 * to a cap. Every wait runs on the monotonic clock (common/clock.h): a wall clock stepped
 * back never holds a retry for a day; the outbox's next_us stores its wall time.
 * Transfers run on a curl multi handle that alerts_stop can wake (alerthttp.c), so a
 * hanging API never holds up shutdown, and nothing here ever blocks ingest.
 *
 * Delivery is at least once, never zero: an outcome this thread cannot know (a transfer
 * abandoned at shutdown, or one that timed out after the API took it) leaves the alert
 * pending, so it may arrive twice; an alert the API confirmed never does.
 *
 * The Telegram token exists in two places only: the struct (from the token file) and the
 * URL buffer of a request in flight. Every text that leaves this file (log lines, the
 * last_error column, alert-test output) goes through alertmsg_scrub first. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "alerthttp.h"
#include "alertjson.h"
#include "alertmsg.h"
#include "alertoutbox.h"
#include "alertown.h"
#include "alerts.h"
#include "common/clock.h"
#include "common/findkind.h"
#include "common/log.h"
#include "common/timefmt.h"

#define CH_TG ALERTOUTBOX_TG
#define CH_WH ALERTOUTBOX_WH
#define POLL_US INT64_C(1000000)
#define STOP_FLUSH_US INT64_C(2000000)

struct chan {
	const char *name;
	unsigned fails;          /* consecutive */
	int64_t not_before;      /* monotonic, us */
};

struct alerts {
	char token[256];
	char chat_id[128];
	char api_base[1024];
	char webhook[1024];
	unsigned channels;
	struct stats *st;

	/* a reload's settings, taken by the thread at the top of its next round */
	pthread_mutex_t pending_mu;
	atomic_bool has_pending;
	struct alerts_settings pending;

	pthread_t thread;
	bool started;
	atomic_bool stop;
	struct alerthttp *http;

	sqlite3 *js;             /* :memory:, for SQLite's JSON functions */
	struct alertoutbox *ob;

	struct chan tg, wh;
	struct alertmsg_bucket bucket;
	struct alertown own;
};

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

struct outcome {
	bool ok;
	long status;
	int64_t retry_after_s;   /* -1 = none given */
	bool stopped;
	char err[160];
	char answer[512];        /* cleaned, scrubbed: what the API said (alert-test) */
};

static void
describe(struct alerts *a, const char *chan, long status, const char *desc,
         struct outcome *o)
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
transport_failed(struct alerts *a, const char *chan, bool stopped, struct outcome *o)
{
	char e[160];

	o->stopped = stopped;
	errf(e, sizeof(e), "%s: %s", chan, o->err);
	alertmsg_scrub(e, sizeof(e), a->token);
	memcpy(o->err, e, sizeof(e));
}

/* The API answered: keep what it said for alert-test. */
static void
answered(struct alerts *a, long status, struct outcome *o)
{
	o->status = status;
	alertmsg_clean(alerthttp_body(a->http), o->answer, sizeof(o->answer));
	alertmsg_scrub(o->answer, sizeof(o->answer), a->token);
}

static void
send_telegram(struct alerts *a, const char *text, struct outcome *o)
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

static void
send_webhook(struct alerts *a, const char *json, struct outcome *o)
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
chan_failed(struct alerts *a, struct chan *c, const struct outcome *o, int64_t now)
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
	struct outcome o;

	for (size_t i = 0; i < n && now >= a->wh.not_before; i++) {
		struct alertoutbox_row *r = &rows[i];
		char *json;

		if (r->dup || (r->m->done & CH_WH))
			continue;
		alertmsg_format(&r->f, text, ALERTMSG_BUFSIZE);
		if (!(json = webhook_json(a, r, text)))
			continue;
		send_webhook(a, json, &o);
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
	struct outcome o;
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
			send_telegram(a, text, &o);
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
		send_telegram(a, text, &o);
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

static void
deliver_round(struct alerts *a, const struct clock_now *now)
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

/* ------------------------------------------------------------------ own alerts */

/* Alerts of our own go to the core thread like outcomes, to be added to the outbox. */
static void
check_own(struct alerts *a, const struct clock_now *now)
{
	char *body;

	if ((body = alertown_loss(&a->own, a->st, a->js, now))) {
		alertoutbox_enqueue(a->ob, body, now->wall_us);
		free(body);
	}
	if ((body = alertown_watch_end(&a->own, alertoutbox_db(a->ob), a->js, now))) {
		alertoutbox_enqueue(a->ob, body, now->wall_us);
		free(body);
	}
}

/* ------------------------------------------------------------------ the thread */

static void
nap(struct alerts *a, int64_t us)
{
	int64_t until = queue_mono_us() + us;

	while (!atomic_load(&a->stop) && queue_mono_us() < until) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

/* Take settings: at open, and in the thread between two rounds. */
static void
apply_settings(struct alerts *a, const struct alerts_settings *s)
{
	memcpy(a->token, s->token, sizeof(a->token));
	memcpy(a->chat_id, s->chat_id, sizeof(a->chat_id));
	memcpy(a->api_base, s->api_base, sizeof(a->api_base));
	memcpy(a->webhook, s->webhook, sizeof(a->webhook));
	a->channels = s->channels;
}

static void *
run(void *arg)
{
	struct alerts *a = arg;
	int64_t until;
	size_t kept;

	pthread_setname_np(pthread_self(), "oca-alerts");
	while (!atomic_load(&a->stop)) {
		struct clock_now now;

		clock_read(&now);
		if (atomic_exchange(&a->has_pending, false)) {
			pthread_mutex_lock(&a->pending_mu);
			apply_settings(a, &a->pending);
			explicit_bzero(&a->pending, sizeof(a->pending));
			pthread_mutex_unlock(&a->pending_mu);
			log_info("alerts: reloaded: delivering to%s%s",
			         a->channels & CH_TG ? " telegram" : "",
			         a->channels & CH_WH ? " webhook" : "");
		}
		if (alertoutbox_flush(a->ob) > 0) {
			nap(a, 20000);     /* queue full: the outcome is pushed again shortly */
			continue;
		}
		check_own(a, &now);
		deliver_round(a, &now);
		if (alertoutbox_flush(a->ob) == 0)
			nap(a, POLL_US);
	}
	/* every outcome reaches the core thread before the queue closes, if it can */
	until = queue_mono_us() + STOP_FLUSH_US;
	while ((kept = alertoutbox_flush(a->ob)) > 0 && queue_mono_us() < until) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (kept)
		log_err("alerts: %zu alert outcomes not recorded (queue full at shutdown)", kept);
	return NULL;
}
/* ------------------------------------------------------------------ lifecycle */

/* Read the token: one line, surrounding whitespace dropped, characters a Bot API token
 * has (so it cannot change the URL). Errors never show the token. */
static int
read_token(const char *path, char *tok, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat sb;
	size_t n, s = 0;

	if (!f) {
		snprintf(err, errlen, "alerts.telegram_token_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
		log_warn("alerts.telegram_token_file %s can be read by other users (mode %03o); "
		         "chmod 600 it", path, (unsigned)(sb.st_mode & 0777));
	n = fread(tok, 1, len - 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "alerts.telegram_token_file %s: read error", path);
		fclose(f);
		explicit_bzero(tok, len);
		return -1;
	}
	fclose(f);
	tok[n] = '\0';
	while (n > 0 && strchr(" \t\r\n", tok[n - 1]))
		tok[--n] = '\0';
	while (tok[s] && strchr(" \t\r\n", tok[s]))
		s++;
	memmove(tok, tok + s, n - s + 1);
	if (!*tok || strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                    "0123456789:_-") != strlen(tok)) {
		snprintf(err, errlen, "alerts.telegram_token_file %s: not a bot token (one line "
		         "of letters, digits, ':', '_' and '-')", path);
		explicit_bzero(tok, len);
		return -1;
	}
	return 0;
}

int
alerts_settings_load(const struct conf *c, struct alerts_settings *s, char *err,
                     size_t errlen)
{
	size_t bl;

	memset(s, 0, sizeof(*s));
	if (errlen)
		err[0] = '\0';
	if (!*c->telegram_token_file && !*c->webhook_url) {
		if (*c->telegram_chat_id)
			snprintf(err, errlen, "alerts.telegram_chat_id is set but "
			         "alerts.telegram_token_file is empty");
		return -1;
	}
	if (*c->telegram_token_file && !*c->telegram_chat_id) {
		snprintf(err, errlen, "alerts.telegram_token_file is set but "
		         "alerts.telegram_chat_id is empty");
		return -1;
	}
	if (*c->telegram_token_file) {
		if (read_token(c->telegram_token_file, s->token, sizeof(s->token), err, errlen) < 0)
			return -1;
		s->channels |= CH_TG;
	}
	if (*c->webhook_url)
		s->channels |= CH_WH;
	snprintf(s->chat_id, sizeof(s->chat_id), "%s", c->telegram_chat_id);
	snprintf(s->api_base, sizeof(s->api_base), "%s", c->telegram_api_base);
	bl = strlen(s->api_base);
	while (bl > 0 && s->api_base[bl - 1] == '/')
		s->api_base[--bl] = '\0';
	snprintf(s->webhook, sizeof(s->webhook), "%s", c->webhook_url);
	return 0;
}

void
alerts_reconfigure(struct alerts *a, const struct alerts_settings *s)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->pending_mu);
	a->pending = *s;
	atomic_store(&a->has_pending, true);
	pthread_mutex_unlock(&a->pending_mu);
	alerthttp_wakeup(a->http);
}

struct alerts *
alerts_open(const struct conf *c, struct queue *q, struct stats *st, char *err,
            size_t errlen)
{
	struct alerts *a;
	struct alerts_settings s;

	if (alerts_settings_load(c, &s, err, errlen) < 0) {
		explicit_bzero(&s, sizeof(s));
		return NULL;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		snprintf(err, errlen, "out of memory");
		explicit_bzero(&s, sizeof(s));
		return NULL;
	}
	pthread_mutex_init(&a->pending_mu, NULL);
	apply_settings(a, &s);
	explicit_bzero(&s, sizeof(s));
	alertown_init(&a->own, c->watch_start_us, c->watch_days);
	a->st = st;
	a->tg.name = "telegram";
	a->wh.name = "webhook";
	atomic_init(&a->stop, false);
	atomic_init(&a->has_pending, false);
	if (!(a->http = alerthttp_open(&a->stop))) {
		snprintf(err, errlen, "cannot initialise libcurl");
		goto fail;
	}
	if (sqlite3_open(":memory:", &a->js) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open an in-memory SQLite database");
		goto fail;
	}
	if (!(a->ob = alertoutbox_open(c->database, a->js, q, a->token))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return a;
fail:
	alerts_close(a);
	return NULL;
}

int
alerts_start(struct alerts *a)
{
	int rc;

	if (!a)
		return 0;
	if ((rc = pthread_create(&a->thread, NULL, run, a)) != 0) {
		errno = rc;
		return -1;
	}
	a->started = true;
	log_info("alerts: delivering to%s%s", a->channels & CH_TG ? " telegram" : "",
	         a->channels & CH_WH ? " webhook" : "");
	return 0;
}

void
alerts_stop(struct alerts *a)
{
	if (!a || !a->started)
		return;
	atomic_store(&a->stop, true);
	alerthttp_wakeup(a->http);
	pthread_join(a->thread, NULL);
	a->started = false;
}

void
alerts_close(struct alerts *a)
{
	if (!a)
		return;
	alerts_stop(a);
	alertoutbox_close(a->ob);
	alerthttp_close(a->http);
	sqlite3_close(a->js);
	explicit_bzero(a->token, sizeof(a->token));
	explicit_bzero(&a->pending, sizeof(a->pending));
	pthread_mutex_destroy(&a->pending_mu);
	free(a);
}

int
alerts_test(const struct conf *c, FILE *out)
{
	char err[1024], host[256] = "", iso[TIMEFMT_ISOLEN], detail[512];
	char *text = malloc(ALERTMSG_BUFSIZE), *json;
	struct alertmsg_fields f = { .outbox_kind = "test", .kind = "test", .port = -1,
	                             .count = -1, .watch_day = -1 };
	struct alerts *a = alerts_open(c, NULL, NULL, err, sizeof(err));
	struct outcome o;
	int rc = 0;

	if (!a || !text) {
		fprintf(out, "alert-test: %s\n", !text ? "out of memory" : *err ? err :
		        "alerts are off: set alerts.telegram_token_file and telegram_chat_id, "
		        "or alerts.webhook_url");
		free(text);
		return 2;
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(detail, sizeof(detail), "Alerts from oc-audit on %s reach this chat (sent by "
	         "oc-audit alert-test at %s).", host, timefmt_iso(timefmt_now_us(), iso,
	                                                          sizeof(iso)));
	f.detail = detail;
	alertmsg_format(&f, text, ALERTMSG_BUFSIZE);
	if (a->channels & CH_TG) {
		send_telegram(a, text, &o);
		if (o.status)
			fprintf(out, "telegram: HTTP %ld: %s\n", o.status, o.answer);
		else
			fprintf(out, "%s\n", o.err);
		if (!o.ok)
			rc = 1;
	}
	if (a->channels & CH_WH) {
		json = alertjson_text(a->js, "SELECT json_object('alert_id', 0, 'alert_kind', "
		                      "'test', 'kind', 'test', 'detail', ?1, 'text', ?2)", detail,
		                      text, NULL, 0);
		if (json) {
			send_webhook(a, json, &o);
			if (o.status)
				fprintf(out, "webhook: HTTP %ld: %s\n", o.status, o.answer);
			else
				fprintf(out, "%s\n", o.err);
			if (!o.ok)
				rc = 1;
			free(json);
		} else {
			rc = 1;
		}
	}
	alerts_close(a);
	free(text);
	return rc;
}
