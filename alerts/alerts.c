/* Alert delivery. The outbox table is the truth about what is owed: the core thread
 * inserts a row in the transaction that creates a finding, and this thread, which only
 * reads the database, sends what is pending (alertsend.c: the channels, their waits and
 * a round) and hands each outcome back to the core thread through the queue
 * (alertoutbox.c: the reading, the memory of what this run sent, the outcomes kept while
 * the queue is full). It also raises alerts of its own (alertown.c).
 *
 * This file is the thread: its loop, the settings a reload hands it between two rounds,
 * its lifecycle, and alert-test. Transfers run on a curl multi handle that alerts_stop
 * can wake (alerthttp.c), so a hanging API never holds up shutdown, and nothing here
 * ever blocks ingest.
 *
 * The Telegram token exists in two places only: the struct (from the token file) and the
 * URL buffer of a request in flight. Every text that leaves these files (log lines, the
 * last_error column, alert-test output) goes through alertmsg_scrub first. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "alertjson.h"
#include "alertsint.h"
#include "common/log.h"
#include "common/timefmt.h"

#define POLL_US INT64_C(1000000)
#define STOP_FLUSH_US INT64_C(2000000)

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
	if ((body = alertown_watch_end(&a->own, alertoutbox_db(a->ob), a->js, a->rules,
	                               now))) {
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
		if (atomic_exchange(&a->has_pending_rules, false)) {
			pthread_mutex_lock(&a->pending_mu);
			if (a->pending_rules) {   /* NULL: a later set's, taken already */
				rules_free(a->rules);
				a->rules = a->pending_rules;
				a->pending_rules = NULL;
			}
			pthread_mutex_unlock(&a->pending_mu);
		}
		if (alertoutbox_flush(a->ob) > 0) {
			nap(a, 20000);     /* queue full: the outcome is pushed again shortly */
			continue;
		}
		check_own(a, &now);
		alertsend_round(a, &now);
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

int
alerts_set_rules(struct alerts *a, const struct rules *rs)
{
	struct rules *copy;

	if (!a)
		return 0;
	if (!(copy = rs ? rules_dup(rs) : rules_new()))
		return -1;
	pthread_mutex_lock(&a->pending_mu);
	rules_free(a->pending_rules);      /* an earlier reload's, never taken */
	a->pending_rules = copy;
	atomic_store(&a->has_pending_rules, true);
	pthread_mutex_unlock(&a->pending_mu);
	return 0;
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
	atomic_init(&a->has_pending_rules, false);
	if (!(a->rules = c->rules ? rules_dup(c->rules) : rules_new())) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
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
	rules_free(a->pending_rules);
	rules_free(a->rules);
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
	struct alertsend_outcome o;
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
		alertsend_telegram(a, text, &o);
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
			alertsend_webhook(a, json, &o);
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
