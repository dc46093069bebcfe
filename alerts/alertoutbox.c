/* The outbox as the delivery thread sees it. The table is the truth about what is owed;
 * this thread only reads it. What was sent but is not yet marked in the database is
 * remembered here, so nothing is sent twice in one run; the mark itself is what keeps a
 * restart from sending it again. A channel that took a row is recorded in the row's
 * last_error ("[telegram sent] ...") so a retry after a restart does not repeat it.
 * An outcome the queue refuses (full) is kept and pushed again shortly: a lost
 * "delivered" would be a duplicate after a restart. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertjson.h"
#include "alertoutbox.h"
#include "common/db.h"
#include "common/log.h"

#define MEM_MAX 4096
#define TG_MARK "[telegram sent] "
#define WH_MARK "[webhook sent] "

struct alertoutbox {
	char db_path[4096];
	sqlite3 *db;             /* read-only, opened by the thread */
	sqlite3 *js;
	bool db_failing;
	struct queue *q;
	const char *token;

	struct alertoutbox_mem *mem;
	size_t n_mem;
	struct cmd_event *out;   /* outcomes the queue has not taken yet */
	size_t n_out, cap_out;
};

struct alertoutbox *
alertoutbox_open(const char *db_path, sqlite3 *js, struct queue *q, const char *token)
{
	struct alertoutbox *ob = calloc(1, sizeof(*ob));

	if (!ob)
		return NULL;
	if (!(ob->mem = calloc(MEM_MAX, sizeof(*ob->mem)))) {
		free(ob);
		return NULL;
	}
	snprintf(ob->db_path, sizeof(ob->db_path), "%s", db_path);
	ob->js = js;
	ob->q = q;
	ob->token = token;
	return ob;
}

void
alertoutbox_close(struct alertoutbox *ob)
{
	if (!ob)
		return;
	sqlite3_close(ob->db);
	free(ob->mem);
	free(ob->out);
	free(ob);
}

sqlite3 *
alertoutbox_db(struct alertoutbox *ob)
{
	return ob->db;
}

/* ------------------------------------------------------------------ outcomes */

static void
push_cmd(struct alertoutbox *ob, const struct cmd_event *cmd)
{
	if (ob->n_out == ob->cap_out) {
		size_t cap = ob->cap_out ? ob->cap_out * 2 : 64;
		struct cmd_event *n = realloc(ob->out, cap * sizeof(*n));

		if (!n) {
			log_err("alerts: out of memory; an alert outcome is lost");
			return;
		}
		ob->out = n;
		ob->cap_out = cap;
	}
	ob->out[ob->n_out++] = *cmd;
}

size_t
alertoutbox_flush(struct alertoutbox *ob)
{
	size_t i = 0;

	if (ob->n_out == 0)
		return 0;
	while (i < ob->n_out && queue_push_cmd(ob->q, &ob->out[i]) == 0)
		i++;
	memmove(ob->out, ob->out + i, (ob->n_out - i) * sizeof(*ob->out));
	ob->n_out -= i;
	return ob->n_out;
}

void
alertoutbox_delivered(struct alertoutbox *ob, int64_t id, int64_t now)
{
	struct cmd_event c;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_ALERT_DELIVERED;
	c.id = id;
	c.ts_us = now;
	push_cmd(ob, &c);
}

void
alertoutbox_retry(struct alertoutbox *ob, int64_t id, int64_t now, int64_t at,
                  unsigned done, const char *err)
{
	struct cmd_event c;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_ALERT_RETRY;
	c.id = id;
	c.ts_us = now;
	c.arg = at;
	snprintf(c.text, sizeof(c.text), "%s%s%s", done & ALERTOUTBOX_TG ? TG_MARK : "",
	         done & ALERTOUTBOX_WH ? WH_MARK : "", err);
	alertmsg_scrub(c.text, sizeof(c.text), ob->token);
	push_cmd(ob, &c);
}

void
alertoutbox_enqueue(struct alertoutbox *ob, const char *body, int64_t now)
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
	push_cmd(ob, &c);
}

/* ------------------------------------------------------------------ memory of rows */

static struct alertoutbox_mem *
mem_get(struct alertoutbox *ob, int64_t id)
{
	for (size_t i = 0; i < ob->n_mem; i++)
		if (ob->mem[i].id == id)
			return &ob->mem[i];
	if (ob->n_mem == MEM_MAX)
		return NULL;
	ob->mem[ob->n_mem] = (struct alertoutbox_mem){ .id = id };
	return &ob->mem[ob->n_mem++];
}

/* Forget rows the database no longer lists as pending (their mark has landed). */
static void
mem_prune(struct alertoutbox *ob, bool truncated, int64_t max_id)
{
	size_t j = 0;

	for (size_t i = 0; i < ob->n_mem; i++) {
		struct alertoutbox_mem *m = &ob->mem[i];
		bool keep = m->seen || (truncated && m->id > max_id);

		m->seen = false;
		if (keep)
			ob->mem[j++] = *m;
	}
	ob->n_mem = j;
}

/* ------------------------------------------------------------------ reading */

static const char sql_pending[] =
	"SELECT o.id, o.kind, o.next_us, o.last_error, "
	" o.finding_id IS NOT NULL AND EXISTS (SELECT 1 FROM alert_outbox p "
	"  WHERE p.finding_id = o.finding_id AND p.id < o.id), "
	" CASE WHEN json_valid(o.body) THEN o.body ELSE '{}' END "
	"FROM alert_outbox o WHERE o.delivered_us IS NULL ORDER BY o.id LIMIT ?";

static const char *const body_keys[] = {
	"$.kind", "$.domain", "$.ip", "$.proto", "$.first_seen", "$.last_seen", "$.detail",
	"$.verdict", "$.head", "$.source", "$.state",
};

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

void
alertoutbox_row_free(struct alertoutbox_row *r)
{
	for (size_t i = 0; i < sizeof(r->s) / sizeof(r->s[0]); i++)
		free(r->s[i]);
	free(r->body);
}

/* Fill r's fields from its body (and its outbox kind, already in r->s[0]). */
static void
row_fields(struct alertoutbox *ob, struct alertoutbox_row *r)
{
	for (size_t i = 0; i < sizeof(body_keys) / sizeof(body_keys[0]); i++) {
		r->s[i + 1] = alertjson_text(ob->js, "SELECT json_extract(?1, ?2)", r->body,
		                             body_keys[i], NULL, 0);
	}
	r->f.outbox_kind = r->s[0];
	r->f.kind = r->s[1] ? r->s[1] : r->s[0];
	r->f.domain = r->s[2];
	r->f.ip = r->s[3];
	r->f.proto = r->s[4];
	r->f.first_seen = r->s[5];
	r->f.last_seen = r->s[6];
	r->f.detail = r->s[7];
	r->f.port = alertjson_int(ob->js, r->body, "$.port", -1);
	r->f.count = alertjson_int(ob->js, r->body, "$.count", -1);
	r->f.watch_day = alertjson_int(ob->js, r->body, "$.watch_day", -1);
	r->f.verdict = r->s[8];
	r->f.head = r->s[9];
	r->f.source = r->s[10];
	r->f.state = r->s[11];
	r->f.open = alertjson_int(ob->js, r->body, "$.open", -1);
	r->f.blind = alertjson_int(ob->js, r->body, "$.blind", -1);
	r->f.batch = alertjson_int(ob->js, r->body, "$.batch", -1);
}

static bool
open_db(struct alertoutbox *ob)
{
	char err[512];

	/* the collector has gone on in a new file at the path: its outbox is the one to
	 * read, and its ids are new */
	if (db_moved(ob->db)) {
		db_close_moved(ob->db);
		ob->db = NULL;
		ob->n_mem = 0;
		ob->n_out = 0;   /* outcomes for the old file's rows */
	}
	if (ob->db)
		return true;
	if (!(ob->db = db_open_ro(ob->db_path, err, sizeof(err)))) {
		if (!ob->db_failing)
			log_err("alerts: %s (retrying)", err);
		ob->db_failing = true;
		return false;
	}
	sqlite3_busy_timeout(ob->db, 1000);
	db_cache_kib(ob->db, DB_READER_CACHE_KIB);   /* a failure leaves SQLite's 2 MB */
	ob->db_failing = false;
	return true;
}

size_t
alertoutbox_read_due(struct alertoutbox *ob, struct alertoutbox_row *rows,
                     const struct clock_now *now)
{
	sqlite3_stmt *s;
	size_t n = 0, total = 0;
	int64_t max_id = 0;

	if (!open_db(ob))
		return 0;
	if (sqlite3_prepare_v2(ob->db, sql_pending, -1, &s, NULL) != SQLITE_OK) {
		if (!ob->db_failing)
			log_err("alerts: cannot read the outbox: %s", sqlite3_errmsg(ob->db));
		ob->db_failing = true;
		return 0;
	}
	sqlite3_bind_int(s, 1, ALERTOUTBOX_ROWS_MAX);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), next = sqlite3_column_int64(s, 2);
		const char *lerr = (const char *)sqlite3_column_text(s, 3);
		struct alertoutbox_mem *m = mem_get(ob, id);
		struct alertoutbox_row *r;

		total++;
		max_id = id;
		if (!m)
			continue;    /* more than MEM_MAX in flight: the next round gets it */
		m->seen = true;
		if (lerr && strstr(lerr, TG_MARK))
			m->done |= ALERTOUTBOX_TG;
		if (lerr && strstr(lerr, WH_MARK))
			m->done |= ALERTOUTBOX_WH;
		if (m->delivered)
			continue;
		if (m->next_us ? m->next_us > now->mono_us :
		    next > now->wall_us && next - now->wall_us <= ALERTOUTBOX_WAIT_MAX_US)
			continue;
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->id = id;
		r->m = m;
		r->dup = sqlite3_column_int(s, 4) != 0;
		r->s[0] = col_dup(s, 1);
		r->body = col_dup(s, 5);
		if (!r->s[0] || !r->body) {
			alertoutbox_row_free(r);
			memset(r, 0, sizeof(*r));
			n--;
			continue;
		}
		row_fields(ob, r);
	}
	sqlite3_finalize(s);     /* ends the read transaction: never pins the WAL */
	ob->db_failing = false;
	mem_prune(ob, total == ALERTOUTBOX_ROWS_MAX, max_id);
	return n;
}
