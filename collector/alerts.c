/* Alert delivery. The outbox table is the truth about what is owed: the core thread
 * inserts a row in the transaction that creates a finding, and this thread, which only
 * reads the database, sends what is pending and hands each outcome back to the core
 * thread through the queue. What was sent but is not yet marked in the database is
 * remembered here, so nothing is sent twice in one run; the mark itself is what keeps a
 * restart from sending it again. An outcome the queue refuses (full) is kept and pushed
 * again shortly: a lost "delivered" would be a duplicate after a restart.
 *
 * Two channels, each with its own failure count and "not before" time: Telegram
 * (sendMessage, rate limited by a token bucket; a burst larger than the tokens left goes
 * out as one "and N more" message) and a webhook (one JSON POST per alert). A row is
 * delivered once every configured channel took it; a channel that took it is recorded in
 * the row's last_error ("[telegram sent] ...") so a retry after a restart does not repeat
 * it. 429 waits retry_after; 5xx, timeouts and connection errors back off exponentially
 * to a cap. Transfers run on a curl multi handle that alerts_stop can wake, so a hanging
 * API never holds up shutdown, and nothing here ever blocks ingest.
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

#include <curl/curl.h>
#include <sqlite3.h>

#include "alertmsg.h"
#include "alerts.h"
#include "db.h"
#include "log.h"
#include "timefmt.h"

#define CH_TG 1u
#define CH_WH 2u
#define POLL_US INT64_C(1000000)
#define ROWS_MAX 500
#define MEM_MAX 4096
#define RESP_MAX 65536
#define LOSS_EVERY_US INT64_C(600000000)     /* one loss alert per 10 minutes at most */
#define WATCH_CHECK_US INT64_C(10000000)
#define STOP_FLUSH_US INT64_C(2000000)
#define DAY_US INT64_C(86400000000)
#define TG_MARK "[telegram sent] "
#define WH_MARK "[webhook sent] "

struct chan {
	const char *name;
	unsigned fails;          /* consecutive */
	int64_t not_before;      /* wall clock, us */
};

/* A row this run has acted on. */
struct mem {
	int64_t id;
	unsigned done;           /* channels that took it */
	bool delivered;          /* every channel took it; DELIVERED is (being) pushed */
	int64_t next_us;         /* not before (ours; the DB may not show it yet) */
	bool seen;
};

/* A pending row as read this round. */
struct row {
	int64_t id;
	bool dup;                /* an earlier row already told about the same finding */
	struct mem *m;
	char *s[10];             /* owned strings behind f */
	struct alertmsg_fields f;
	char *body;
	bool tried;
	char err[160];
	int64_t retry_at;
};

struct alerts {
	char db_path[4096];
	char token[256];
	char chat_id[128];
	char api_base[1024];
	char webhook[1024];
	unsigned channels;
	int64_t watch_start_conf;
	unsigned watch_days;
	struct queue *q;
	struct stats *st;

	pthread_t thread;
	bool started;
	atomic_bool stop;
	CURLM *multi;

	sqlite3 *db;             /* read-only, opened by the thread */
	sqlite3 *js;             /* :memory:, for SQLite's JSON functions */
	bool db_failing;

	struct chan tg, wh;
	struct alertmsg_bucket bucket;
	struct mem *mem;
	size_t n_mem;
	struct cmd_event *out;   /* outcomes the queue has not taken yet */
	size_t n_out, cap_out;

	uint64_t loss_alerted;   /* loss total already told about */
	int64_t loss_last_us;
	bool watch_end_done;
	int64_t watch_next_check;
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

/* ------------------------------------------------------------------ HTTP */

struct resp {
	char buf[RESP_MAX + 1];
	size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = size * n, room = RESP_MAX - r->len;

	memcpy(r->buf + r->len, p, len < room ? len : room);
	r->len += len < room ? len : room;
	r->buf[r->len] = '\0';
	return len;
}

/* POST json to url and wait for the answer, or for alerts_stop. Returns 0 with *status
 * (HTTP) and the body in r; -1 with a transport error in err; -2 if stopped. */
static int
http_post(struct alerts *a, const char *url, const char *json, long *status, struct resp *r,
          long *retry_after, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *e = curl_easy_init();
	CURLMsg *msg;
	CURLcode res = CURLE_OK;
	bool done = false;
	int left, rc = -1;
	curl_off_t ra = -1;

	*status = 0;
	*retry_after = -1;
	r->len = 0;
	r->buf[0] = '\0';
	if (!e || !hdr) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ALERTS_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ALERTS_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "oc-audit/" PACKAGE_VERSION);
	if (curl_multi_add_handle(a->multi, e) != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle failed");
		goto out;
	}
	while (!done) {
		int running = 0;

		if (atomic_load(&a->stop)) {
			rc = -2;
			snprintf(err, errlen, "stopped");
			break;
		}
		curl_multi_perform(a->multi, &running);
		while ((msg = curl_multi_info_read(a->multi, &left))) {
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
				res = msg->data.result;
				done = true;
			}
		}
		if (!done)
			curl_multi_poll(a->multi, NULL, 0, 1000, NULL);
	}
	curl_multi_remove_handle(a->multi, e);
	if (!done)
		goto out;
	if (res != CURLE_OK) {
		snprintf(err, errlen, "%s", *ebuf ? ebuf : curl_easy_strerror(res));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra >= 0)
		*retry_after = (long)ra;
	rc = 0;
out:
	curl_easy_cleanup(e);
	curl_slist_free_all(hdr);
	return rc;
}

/* ------------------------------------------------------------------ JSON via SQLite */

/* One text result of sql with up to three text parameters and one integer; NULL on any
 * error. The caller frees. */
static char *
js_text(sqlite3 *js, const char *sql, const char *p1, const char *p2, const char *p3,
        int64_t n)
{
	sqlite3_stmt *s;
	char *res = NULL;

	if (sqlite3_prepare_v2(js, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, p1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p2, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p3, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, n);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		res = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return res;
}

static long long
js_int(sqlite3 *js, const char *json, const char *path, long long dflt)
{
	sqlite3_stmt *s;
	long long v = dflt;

	if (sqlite3_prepare_v2(js, "SELECT json_extract(?1, ?2) WHERE json_valid(?1)", -1, &s,
	                       NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
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
describe(struct alerts *a, const char *chan, long status, const struct resp *r,
         const char *desc, struct outcome *o)
{
	char clean[256];

	alertmsg_clean(desc && *desc ? desc : r->buf, clean, sizeof(clean));
	errf(o->err, sizeof(o->err), "%s: HTTP %ld%s%s", chan, status, *clean ? ": " : "",
	         clean);
	alertmsg_scrub(o->err, sizeof(o->err), a->token);
}

static void
send_telegram(struct alerts *a, const char *text, struct outcome *o)
{
	static struct resp r;   /* one thread sends at a time (the delivery thread, or test) */
	char url[1536];
	char *json, *desc;
	long status, ra;
	int rc;

	memset(o, 0, sizeof(*o));
	o->retry_after_s = -1;
	json = js_text(a->js, "SELECT json_object('chat_id', ?1, 'text', ?2)", a->chat_id, text,
	               NULL, 0);
	if (!json) {
		snprintf(o->err, sizeof(o->err), "telegram: cannot build the request");
		return;
	}
	snprintf(url, sizeof(url), "%s/bot%s/sendMessage", a->api_base, a->token);
	rc = http_post(a, url, json, &status, &r, &ra, o->err, sizeof(o->err));
	explicit_bzero(url, sizeof(url));
	free(json);
	if (rc < 0) {
		char e[160];

		o->stopped = rc == -2;
		errf(e, sizeof(e), "telegram: %s", o->err);
		alertmsg_scrub(e, sizeof(e), a->token);
		memcpy(o->err, e, sizeof(e));
		return;
	}
	o->status = status;
	alertmsg_clean(r.buf, o->answer, sizeof(o->answer));
	alertmsg_scrub(o->answer, sizeof(o->answer), a->token);
	if (status == 200 && js_int(a->js, r.buf, "$.ok", 0) == 1) {
		o->ok = true;
		return;
	}
	o->retry_after_s = js_int(a->js, r.buf, "$.parameters.retry_after", ra);
	desc = js_text(a->js, "SELECT json_extract(?1, '$.description') WHERE json_valid(?1)",
	               r.buf, NULL, NULL, 0);
	describe(a, "telegram", status, &r, desc, o);
	free(desc);
}

static void
send_webhook(struct alerts *a, const char *json, struct outcome *o)
{
	static struct resp r;
	long status, ra;

	memset(o, 0, sizeof(*o));
	o->retry_after_s = -1;
	if (http_post(a, a->webhook, json, &status, &r, &ra, o->err, sizeof(o->err)) < 0) {
		char e[160];

		o->stopped = atomic_load(&a->stop);
		errf(e, sizeof(e), "webhook: %s", o->err);
		alertmsg_scrub(e, sizeof(e), a->token);
		memcpy(o->err, e, sizeof(e));
		return;
	}
	o->status = status;
	alertmsg_clean(r.buf, o->answer, sizeof(o->answer));
	alertmsg_scrub(o->answer, sizeof(o->answer), a->token);
	if (status >= 200 && status < 300) {
		o->ok = true;
		return;
	}
	o->retry_after_s = status == 429 ? ra : -1;
	describe(a, "webhook", status, &r, NULL, o);
}

/* A failure on channel c at now: when to try it again. */
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

/* ------------------------------------------------------------------ outcomes */

static void
push_cmd(struct alerts *a, const struct cmd_event *cmd)
{
	if (a->n_out == a->cap_out) {
		size_t cap = a->cap_out ? a->cap_out * 2 : 64;
		struct cmd_event *n = realloc(a->out, cap * sizeof(*n));

		if (!n) {
			log_err("alerts: out of memory; an alert outcome is lost");
			return;
		}
		a->out = n;
		a->cap_out = cap;
	}
	a->out[a->n_out++] = *cmd;
}

/* Hand kept outcomes to the core thread, in order. Returns how many are still kept. */
static size_t
flush_out(struct alerts *a)
{
	size_t i = 0;

	if (a->n_out == 0)
		return 0;
	while (i < a->n_out) {
		struct event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = EV_CMD;
		ev.u.cmd = a->out[i];
		if (queue_push(a->q, &ev) < 0)
			break;
		i++;
	}
	memmove(a->out, a->out + i, (a->n_out - i) * sizeof(*a->out));
	a->n_out -= i;
	return a->n_out;
}

static void
outcome_delivered(struct alerts *a, int64_t id, int64_t now)
{
	struct cmd_event c;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_ALERT_DELIVERED;
	c.id = id;
	c.ts_us = now;
	push_cmd(a, &c);
}

static void
outcome_retry(struct alerts *a, int64_t id, int64_t now, int64_t at, unsigned done,
              const char *err)
{
	struct cmd_event c;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_ALERT_RETRY;
	c.id = id;
	c.ts_us = now;
	c.arg = at;
	snprintf(c.text, sizeof(c.text), "%s%s%s", done & CH_TG ? TG_MARK : "",
	         done & CH_WH ? WH_MARK : "", err);
	alertmsg_scrub(c.text, sizeof(c.text), a->token);
	push_cmd(a, &c);
}

/* Ask the core thread to add an alert of our own; body is its JSON (kind inside). */
static void
enqueue_alert(struct alerts *a, const char *body, int64_t now)
{
	struct cmd_event c;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_ALERT_ENQUEUE;
	c.ts_us = now;
	if (strlen(body) >= sizeof(c.text)) {
		log_err("alerts: alert body too long for the queue (%zu bytes); not raised",
		        strlen(body));
		return;
	}
	snprintf(c.text, sizeof(c.text), "%s", body);
	push_cmd(a, &c);
}

/* ------------------------------------------------------------------ memory of rows */

static struct mem *
mem_get(struct alerts *a, int64_t id)
{
	for (size_t i = 0; i < a->n_mem; i++)
		if (a->mem[i].id == id)
			return &a->mem[i];
	if (a->n_mem == MEM_MAX)
		return NULL;
	a->mem[a->n_mem] = (struct mem){ .id = id };
	return &a->mem[a->n_mem++];
}

/* Forget rows the database no longer lists as pending (their mark has landed). */
static void
mem_prune(struct alerts *a, bool truncated, int64_t max_id)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n_mem; i++) {
		struct mem *m = &a->mem[i];
		bool keep = m->seen || (truncated && m->id > max_id);

		m->seen = false;
		if (keep)
			a->mem[j++] = *m;
	}
	a->n_mem = j;
}

/* ------------------------------------------------------------------ a round */

static const char sql_pending[] =
	"SELECT o.id, o.kind, o.next_us, o.last_error, "
	" o.finding_id IS NOT NULL AND EXISTS (SELECT 1 FROM alert_outbox p "
	"  WHERE p.finding_id = o.finding_id AND p.id < o.id), "
	" CASE WHEN json_valid(o.body) THEN o.body ELSE '{}' END "
	"FROM alert_outbox o WHERE o.delivered_us IS NULL ORDER BY o.id LIMIT ?";

static const char *const body_keys[] = {
	"$.kind", "$.domain", "$.ip", "$.proto", "$.first_seen", "$.last_seen", "$.detail",
};

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

static void
row_free(struct row *r)
{
	for (size_t i = 0; i < sizeof(r->s) / sizeof(r->s[0]); i++)
		free(r->s[i]);
	free(r->body);
}

/* Fill r's fields from its body (and its outbox kind, already in r->s[0]). */
static void
row_fields(struct alerts *a, struct row *r)
{
	for (size_t i = 0; i < sizeof(body_keys) / sizeof(body_keys[0]); i++) {
		r->s[i + 1] = js_text(a->js, "SELECT json_extract(?1, ?2)", r->body, body_keys[i],
		                      NULL, 0);
	}
	r->f.outbox_kind = r->s[0];
	r->f.kind = r->s[1] ? r->s[1] : r->s[0];
	r->f.domain = r->s[2];
	r->f.ip = r->s[3];
	r->f.proto = r->s[4];
	r->f.first_seen = r->s[5];
	r->f.last_seen = r->s[6];
	r->f.detail = r->s[7];
	r->f.port = js_int(a->js, r->body, "$.port", -1);
	r->f.count = js_int(a->js, r->body, "$.count", -1);
	r->f.watch_day = js_int(a->js, r->body, "$.watch_day", -1);
}

static bool
open_db(struct alerts *a)
{
	char err[512];

	if (a->db)
		return true;
	if (!(a->db = db_open_ro(a->db_path, err, sizeof(err)))) {
		if (!a->db_failing)
			log_err("alerts: %s (retrying)", err);
		a->db_failing = true;
		return false;
	}
	sqlite3_busy_timeout(a->db, 1000);
	a->db_failing = false;
	return true;
}

/* Read the pending rows; returns how many are due now (in rows[0..]). */
static size_t
read_due(struct alerts *a, struct row *rows, int64_t now)
{
	sqlite3_stmt *s;
	size_t n = 0, total = 0;
	int64_t max_id = 0;

	if (sqlite3_prepare_v2(a->db, sql_pending, -1, &s, NULL) != SQLITE_OK) {
		if (!a->db_failing)
			log_err("alerts: cannot read the outbox: %s", sqlite3_errmsg(a->db));
		a->db_failing = true;
		return 0;
	}
	sqlite3_bind_int(s, 1, ROWS_MAX);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), next = sqlite3_column_int64(s, 2);
		const char *lerr = (const char *)sqlite3_column_text(s, 3);
		struct mem *m = mem_get(a, id);
		struct row *r;

		total++;
		max_id = id;
		if (!m)
			continue;    /* more than MEM_MAX in flight: the next round gets it */
		m->seen = true;
		if (lerr && strstr(lerr, TG_MARK))
			m->done |= CH_TG;
		if (lerr && strstr(lerr, WH_MARK))
			m->done |= CH_WH;
		if (m->delivered || (next > now) || m->next_us > now)
			continue;
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->id = id;
		r->m = m;
		r->dup = sqlite3_column_int(s, 4) != 0;
		r->s[0] = col_dup(s, 1);
		r->body = col_dup(s, 5);
		if (!r->s[0] || !r->body) {
			row_free(r);
			memset(r, 0, sizeof(*r));
			n--;
			continue;
		}
		row_fields(a, r);
	}
	sqlite3_finalize(s);     /* ends the read transaction: never pins the WAL */
	a->db_failing = false;
	mem_prune(a, total == ROWS_MAX, max_id);
	return n;
}

static char *
webhook_json(struct alerts *a, const struct row *r, const char *text)
{
	return js_text(a->js, "SELECT json_patch(?1, json_object('alert_id', ?4, "
	               "'alert_kind', ?2, 'text', ?3))", r->body, r->s[0], text, r->id);
}

static void
round_webhook(struct alerts *a, struct row *rows, size_t n, int64_t now, char *text)
{
	struct outcome o;

	for (size_t i = 0; i < n && now >= a->wh.not_before; i++) {
		struct row *r = &rows[i];
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

static void
round_telegram(struct alerts *a, struct row *rows, size_t n, int64_t now, char *text)
{
	struct alertmsg_fields *rest;
	struct row **todo;
	struct outcome o;
	size_t k = 0;
	unsigned tokens;

	if (now < a->tg.not_before || !(todo = calloc(n, sizeof(*todo))))
		return;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].dup && !(rows[i].m->done & CH_TG))
			todo[k++] = &rows[i];
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
deliver_round(struct alerts *a, int64_t now)
{
	struct row *rows;
	char *text;
	size_t n;

	if (!open_db(a))
		return;
	rows = calloc(ROWS_MAX, sizeof(*rows));
	text = malloc(ALERTMSG_BUFSIZE);
	if (!rows || !text)
		goto out;
	n = read_due(a, rows, now);
	if (n == 0)
		goto out;
	if (a->channels & CH_WH)
		round_webhook(a, rows, n, now, text);
	if ((a->channels & CH_TG) && !atomic_load(&a->stop))
		round_telegram(a, rows, n, now, text);
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];

		if (r->dup || (r->m->done & a->channels) == a->channels) {
			r->m->delivered = true;
			outcome_delivered(a, r->id, timefmt_now_us());
		} else if (r->tried && r->err[0]) {
			r->m->next_us = r->retry_at;
			outcome_retry(a, r->id, now, r->retry_at, r->m->done, r->err);
		} else if (r->tried) {
			/* one channel took it, the other did not try yet: record that */
			outcome_retry(a, r->id, now, now, r->m->done, "partly sent");
		}
	}
out:
	if (rows)
		for (size_t i = 0; i < ROWS_MAX && rows[i].id; i++)
			row_free(&rows[i]);
	free(rows);
	free(text);
}

/* ------------------------------------------------------------------ own alerts */

static void
check_losses(struct alerts *a, int64_t now)
{
	uint64_t total = 0, by[STAT__COUNT];
	char detail[64] = "", iso[TIMEFMT_ISOLEN], *body;   /* the body fits a cmd_event */
	size_t len = 0;

	for (int i = 0; i < STAT__COUNT; i++) {
		by[i] = stats_is_loss((enum stat_id)i) ? stats_get(a->st, (enum stat_id)i) : 0;
		total += by[i];
	}
	if (total <= a->loss_alerted ||
	    (a->loss_last_us && now - a->loss_last_us < LOSS_EVERY_US))
		return;
	for (int i = 0; i < STAT__COUNT && len < sizeof(detail); i++) {
		if (by[i])
			len += (size_t)snprintf(detail + len, sizeof(detail) - len, "%s%s %llu",
			                        len ? ", " : "", stats_name((enum stat_id)i),
			                        (unsigned long long)by[i]);
	}
	body = js_text(a->js, "SELECT json_object('kind', 'loss', 'count', ?4, 'last_seen', ?1, "
	               "'detail', ?2)", timefmt_iso(now, iso, sizeof(iso)), detail, NULL,
	               (int64_t)(total - a->loss_alerted));
	if (!body)
		return;
	log_warn("alerts: %llu events lost (%s): raising an alert",
	         (unsigned long long)(total - a->loss_alerted), detail);
	enqueue_alert(a, body, now);
	free(body);
	a->loss_alerted = total;
	a->loss_last_us = now;
}

static void
check_watch_end(struct alerts *a, int64_t now)
{
	char s_iso[TIMEFMT_ISOLEN], e_iso[TIMEFMT_ISOLEN], verdict[64], *body;
	long long start, findings, unacked;
	int64_t end;

	if (a->watch_end_done || now < a->watch_next_check || !a->db)
		return;
	a->watch_next_check = now + WATCH_CHECK_US;
	start = a->watch_start_conf;
	if (start <= 0)
		start = db_int(a->db, "SELECT CAST(value AS INTEGER) FROM meta "
		               "WHERE key = 'watch_start_us'", 0);
	if (start <= 0)
		start = db_int(a->db, "SELECT min(t) FROM (SELECT min(ts_us) AS t FROM connections "
		               "UNION ALL SELECT min(ts_us) FROM dns_queries)", 0);
	if (start <= 0)
		return;
	end = start + (int64_t)a->watch_days * DAY_US;
	if (now < end)
		return;
	if (db_int(a->db, "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end'", -1) != 0) {
		a->watch_end_done = true;   /* told in an earlier run (or the DB is unreadable) */
		return;
	}
	findings = db_int(a->db, "SELECT count(*) FROM findings", 0);
	unacked = db_int(a->db, "SELECT count(*) FROM findings WHERE acked_us IS NULL", 0);
	if (findings == 0)
		snprintf(verdict, sizeof(verdict), "clean: no findings");
	else
		snprintf(verdict, sizeof(verdict), "%lld finding%s, %lld not acknowledged",
		         findings, findings == 1 ? "" : "s", unacked);
	timefmt_iso(start, s_iso, sizeof(s_iso));
	timefmt_iso(end, e_iso, sizeof(e_iso));
	body = js_text(a->js, "SELECT json_object('kind', 'watch-end', 'first_seen', ?1, "
	               "'last_seen', ?2, 'count', ?4, 'detail', ?3)", s_iso, e_iso, verdict,
	               findings);
	if (body && strlen(body) >= sizeof(((struct cmd_event *)0)->text)) {
		/* too long for a command: the count alone (the message then points to the report) */
		free(body);
		body = js_text(a->js, "SELECT json_object('kind', 'watch-end', 'first_seen', ?1, "
		               "'last_seen', ?2, 'count', ?4)", s_iso, e_iso, NULL, findings);
	}
	if (!body)
		return;
	log_info("alerts: the watch week ended at %s: %s", e_iso, verdict);
	enqueue_alert(a, body, now);
	free(body);
	a->watch_end_done = true;
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

static void *
run(void *arg)
{
	struct alerts *a = arg;
	int64_t until;

	while (!atomic_load(&a->stop)) {
		int64_t now = timefmt_now_us();

		if (flush_out(a) > 0) {
			nap(a, 20000);     /* queue full: the outcome is pushed again shortly */
			continue;
		}
		check_losses(a, now);
		check_watch_end(a, now);
		deliver_round(a, now);
		if (flush_out(a) == 0)
			nap(a, POLL_US);
	}
	/* every outcome reaches the core thread before the queue closes, if it can */
	until = queue_mono_us() + STOP_FLUSH_US;
	while (flush_out(a) > 0 && queue_mono_us() < until) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (a->n_out)
		log_err("alerts: %zu alert outcomes not recorded (queue full at shutdown)",
		        a->n_out);
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

struct alerts *
alerts_open(const struct conf *c, struct queue *q, struct stats *st, char *err,
            size_t errlen)
{
	struct alerts *a;
	size_t bl;

	if (errlen)
		err[0] = '\0';
	if (!*c->telegram_token_file && !*c->webhook_url) {
		if (*c->telegram_chat_id)
			snprintf(err, errlen, "alerts.telegram_chat_id is set but "
			         "alerts.telegram_token_file is empty");
		return NULL;
	}
	if (*c->telegram_token_file && !*c->telegram_chat_id) {
		snprintf(err, errlen, "alerts.telegram_token_file is set but "
		         "alerts.telegram_chat_id is empty");
		return NULL;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (*c->telegram_token_file) {
		if (read_token(c->telegram_token_file, a->token, sizeof(a->token), err, errlen) < 0)
			goto fail;
		a->channels |= CH_TG;
	}
	if (*c->webhook_url)
		a->channels |= CH_WH;
	snprintf(a->db_path, sizeof(a->db_path), "%s", c->database);
	snprintf(a->chat_id, sizeof(a->chat_id), "%s", c->telegram_chat_id);
	snprintf(a->api_base, sizeof(a->api_base), "%s", c->telegram_api_base);
	bl = strlen(a->api_base);
	while (bl > 0 && a->api_base[bl - 1] == '/')
		a->api_base[--bl] = '\0';
	snprintf(a->webhook, sizeof(a->webhook), "%s", c->webhook_url);
	a->watch_start_conf = c->watch_start_us;
	a->watch_days = c->watch_days;
	a->q = q;
	a->st = st;
	a->tg.name = "telegram";
	a->wh.name = "webhook";
	atomic_init(&a->stop, false);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(a->multi = curl_multi_init())) {
		snprintf(err, errlen, "cannot initialise libcurl");
		goto fail;
	}
	if (sqlite3_open(":memory:", &a->js) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open an in-memory SQLite database");
		goto fail;
	}
	if (!(a->mem = calloc(MEM_MAX, sizeof(*a->mem)))) {
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
	curl_multi_wakeup(a->multi);
	pthread_join(a->thread, NULL);
	a->started = false;
}

void
alerts_close(struct alerts *a)
{
	if (!a)
		return;
	alerts_stop(a);
	if (a->multi) {
		curl_multi_cleanup(a->multi);
		curl_global_cleanup();
	}
	sqlite3_close(a->db);
	sqlite3_close(a->js);
	explicit_bzero(a->token, sizeof(a->token));
	free(a->mem);
	free(a->out);
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
		json = js_text(a->js, "SELECT json_object('alert_id', 0, 'alert_kind', 'test', "
		               "'kind', 'test', 'detail', ?1, 'text', ?2)", detail, text, NULL, 0);
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
