/* The JSON report: the document of DESIGN.md, written as its rows come. Every value,
 * and every object around a row, is made by SQLite's JSON functions (one encoder for
 * every string the VM sent); this file only puts the objects in their arrays. The
 * dashboard's /api/report serves the same bytes. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/findkind.h"
#include "common/proto.h"
#include "writers.h"

enum { E_HEAD, E_DEST, E_NAME, E_FINDING, E_SENSOR, E_BLIND, E_END, E_RULE, E_NOTE,
       E_DESTS_TOTAL };

static const char *const enc_sql[] = {
	[E_HEAD] =
	"SELECT json_object('since', " DB_ISO("?1") ", 'until', " DB_ISO("?2") ","
	" 'watch', json_object('start', CASE WHEN ?3 > 0 THEN " DB_ISO("?3") " END,"
	"   'days', ?4, 'day', ?5),"
	" 'totals', json_object('connections', ?6, 'dns_queries', ?7, 'findings', ?8,"
	"   'events_lost', ?9),"
	" 'other_sources', json_object('connections', ?10, 'dns_queries', ?11),"
	" 'disk', json_object('warnings', ?12, 'last', nullif(?13, '')))",
	[E_DEST] =
	"SELECT json_object('domain', ?1, 'ip', ?2, 'port', ?3, 'proto', " PROTO_SQL("?4") ","
	" 'connections', ?5, 'expected', json(CASE WHEN ?6 THEN 'true' ELSE 'false' END),"
	" 'first_seen', " DB_ISO("?7") ", 'last_seen', " DB_ISO("?8") ","
	" 'bytes_up', ?9, 'bytes_down', ?10)",
	[E_NAME] =
	/* a folded row ("*.domain", or "*" for the list's rest) adds "names" and
	 * "examples" */
	"SELECT json_patch(json_object('name', ?1, 'queries', ?2,"
	" 'expected', json(CASE WHEN ?3 THEN 'true' ELSE 'false' END),"
	" 'first_seen', " DB_ISO("?4") ", 'last_seen', " DB_ISO("?5") "),"
	" CASE WHEN ?6 > 1 THEN json_object('names', ?6, 'examples', json(coalesce(?7, '[]')))"
	" ELSE '{}' END)",
	[E_FINDING] =
	/* "blocked": true only on a finding enforce mode's drops raised */
	/* "expected_now": true on one the rules configured now expect (out of the verdict) */
	/* "acked": acknowledged now; "ack": the last acknowledgement, expired or not (its
	 * until passed: the finding is open again), with the operator's note */
	"SELECT json_patch(json_patch(json_patch(json_object('kind', ?1, 'severity', "
	FINDKIND_SEVNAME_SQL("?1") ", 'domain', ?2, 'ip', ?3, 'port', ?4,"
	" 'proto', ?5, 'count', ?6, 'first_seen', " DB_ISO("?7") ", 'last_seen', "
	DB_ISO("?8") ", 'detail', ?9, 'acked', json(CASE WHEN ?16 THEN 'true' ELSE 'false' END)),"
	" CASE WHEN ?10 THEN '{\"blocked\":true}' ELSE '{}' END),"
	" CASE WHEN ?11 THEN '{\"expected_now\":true}' ELSE '{}' END),"
	" CASE WHEN ?12 > 0 THEN json_object('ack', json_object('at', " DB_ISO("?12") ","
	" 'by', ?13, 'note', ?14, 'until', CASE WHEN ?15 > 0 THEN " DB_ISO("?15") " END,"
	" 'expired', json(CASE WHEN ?16 THEN 'false' ELSE 'true' END))) ELSE '{}' END)",
	/* "name":{...,"gaps":[ : the key, and the object open for its gaps */
	[E_SENSOR] =
	"SELECT json_quote(?1) || ':' || json_object('configured', json(CASE WHEN ?2 THEN 'true'"
	" ELSE 'false' END), 'up', json(CASE WHEN ?3 THEN 'true' ELSE 'false' END),"
	" 'last_event', CASE WHEN ?4 > 0 THEN " DB_ISO("?4") " END)",
	[E_BLIND] =
	"SELECT json_object('from', " DB_ISO("?1") ", 'to', " DB_ISO("?2") ", 'reason', ?3,"
	" 'detail', ?4, 'lost', ?5)",
	[E_END] =
	/* "findings_expected_now": only when the rules now expect some (report.h) */
	"SELECT json_patch(json_object('verdict', ?1, 'blind_spots', ?2, 'chain', CASE WHEN"
	" ?3 > 0 THEN json_object('batch', ?3, 'head', ?4, 'committed', " DB_ISO("?5") ") END),"
	" CASE WHEN ?6 > 0 THEN json_object('findings_expected_now', ?6) ELSE '{}' END)",
	/* a suggested rule; "warning": why it is only to be read, not used as it is */
	[E_RULE] = "SELECT json_object('rule', ?1, 'warning', nullif(?2, ''))",
	[E_NOTE] = "SELECT json_quote(?1)",
	/* after "destinations": how many each list holds in the window (the array has the
	 * first REPORT_MAX_DEST_ROWS of each) */
	[E_DESTS_TOTAL] =
	"SELECT ',\"destinations_total\":' || json_object('expected', ?1, 'other', ?2)",
};

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Step a bound encoder, write the JSON it gives, less its first skip and last cut
 * bytes (an object's braces, where more members go after it or before). */
static int
emit_part(struct report_json *j, sqlite3_stmt *st, size_t skip, size_t cut)
{
	int rc = -1;

	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const unsigned char *p = sqlite3_column_text(st, 0);

		if (n >= skip + cut && fwrite(p + skip, 1, n - skip - cut, j->out) == n - skip - cut)
			rc = 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int
emit(struct report_json *j, sqlite3_stmt *st, size_t cut)
{
	return emit_part(j, st, 0, cut);
}

/* A comma before every row but a list's first. */
static int
row_start(struct report_json *j)
{
	return j->n++ && fputc(',', j->out) == EOF ? -1 : 0;
}

static int
head(void *arg, const struct report_head *h)
{
	struct report_json *j = arg;
	sqlite3_stmt *st = j->enc[E_HEAD];

	sqlite3_bind_int64(st, 1, h->since_us);
	sqlite3_bind_int64(st, 2, h->until_us);
	sqlite3_bind_int64(st, 3, h->watch.start_us);
	sqlite3_bind_int(st, 4, (int)h->watch_days);
	sqlite3_bind_int64(st, 5, h->watch.day);
	sqlite3_bind_int64(st, 6, h->connections);
	sqlite3_bind_int64(st, 7, h->dns_queries);
	sqlite3_bind_int64(st, 8, h->findings);
	sqlite3_bind_int64(st, 9, h->events_lost);
	sqlite3_bind_int64(st, 10, h->other_connections);
	sqlite3_bind_int64(st, 11, h->other_dns_queries);
	sqlite3_bind_int64(st, 12, h->disk_warnings);
	sqlite3_bind_text(st, 13, h->disk_last, -1, SQLITE_STATIC);
	return emit(j, st, 1);
}

static int
part(void *arg, enum report_part p)
{
	static const char *const open[] = { [RP_DESTS] = "\"destinations\":[",
		[RP_NAMES] = "\"dns\":[", [RP_FINDINGS] = "\"findings\":[" };
	struct report_json *j = arg;
	bool in_list = j->n >= 0;

	j->n = 0;
	if (j->dests) {              /* leaving the destinations: what each list holds */
		sqlite3_bind_int64(j->enc[E_DESTS_TOTAL], 1, j->dests_listed[1]);
		sqlite3_bind_int64(j->enc[E_DESTS_TOTAL], 2, j->dests_listed[0]);
		if (fputc(']', j->out) == EOF || emit(j, j->enc[E_DESTS_TOTAL], 0) < 0)
			return -1;
		j->dests = false;
		in_list = false;
	}
	if (p == RP_DESTS) {
		j->dests = true;
		j->dests_listed[0] = j->dests_listed[1] = 0;
	}
	if (j->sensors >= 0) {       /* leaving the coverage: its last sensor, and itself */
		if (fputs(j->sensors ? "]}}" : "}", j->out) == EOF)
			return -1;
		j->sensors = -1;
		in_list = false;
	}
	if (p == RP_COVERAGE) {
		j->sensors = 0;
		j->n = -1;
		return fprintf(j->out, "%s,\"coverage\":{", in_list ? "]" : "") < 0 ? -1 : 0;
	}
	if (p == RP_END)
		return in_list && fputc(']', j->out) == EOF ? -1 : 0;
	if (p < RP_DESTS || !open[p])
		return 0;
	return fprintf(j->out, "%s,%s", in_list ? "]" : "", open[p]) < 0 ? -1 : 0;
}

static int
sensor(void *arg, const struct report_sensor *s)
{
	struct report_json *j = arg;
	sqlite3_stmt *st = j->enc[E_SENSOR];

	if (j->sensors++ > 0 && fputs("]},", j->out) == EOF)
		return -1;
	j->n = 0;
	bind_text(st, 1, s->name);
	sqlite3_bind_int(st, 2, s->configured);
	sqlite3_bind_int(st, 3, s->up);
	sqlite3_bind_int64(st, 4, s->last_event_us);
	if (emit(j, st, 1) < 0)
		return -1;
	return fputs(",\"gaps\":[", j->out) == EOF ? -1 : 0;
}

static int
blind(void *arg, const struct report_blind *b)
{
	struct report_json *j = arg;
	sqlite3_stmt *st = j->enc[E_BLIND];

	sqlite3_bind_int64(st, 1, b->from_us);
	sqlite3_bind_int64(st, 2, b->to_us);
	bind_text(st, 3, b->reason);
	bind_text(st, 4, b->detail);
	sqlite3_bind_int64(st, 5, b->lost);
	return row_start(j) < 0 ? -1 : emit(j, st, 0);
}

/* After the lists: the verdict and the chain's head close the document. */
static int
end(void *arg, const struct report_end *e)
{
	struct report_json *j = arg;
	sqlite3_stmt *st = j->enc[E_END];

	bind_text(st, 1, report_verdict_name(e->verdict));
	sqlite3_bind_int64(st, 2, e->blind_spots);
	sqlite3_bind_int64(st, 3, e->chain_batch);
	bind_text(st, 4, e->chain_head);
	sqlite3_bind_int64(st, 5, e->chain_committed_us);
	sqlite3_bind_int64(st, 6, e->covered);
	if (fputc(',', j->out) == EOF || emit_part(j, st, 1, 0) < 0)
		return -1;
	return 0;
}

static int
dest(void *arg, const struct report_dest *d)
{
	struct report_json *j = arg;
	sqlite3_stmt *st = j->enc[E_DEST];

	bind_text(st, 1, d->domain);
	bind_text(st, 2, d->ip);
	sqlite3_bind_int(st, 3, d->port);
	sqlite3_bind_int(st, 4, d->proto);
	sqlite3_bind_int64(st, 5, d->connections);
	sqlite3_bind_int(st, 6, d->expected);
	sqlite3_bind_int64(st, 7, d->first_us);
	sqlite3_bind_int64(st, 8, d->last_us);
	sqlite3_bind_int64(st, 9, d->bytes_up);
	sqlite3_bind_int64(st, 10, d->bytes_down);
	j->dests_listed[d->expected] = d->listed;
	return row_start(j) < 0 ? -1 : emit(j, st, 0);
}

static int
name(void *arg, const struct report_name *n)
{
	struct report_json *j = arg;
	sqlite3_stmt *st = j->enc[E_NAME];

	bind_text(st, 1, n->name);
	sqlite3_bind_int64(st, 2, n->queries);
	sqlite3_bind_int(st, 3, n->expected);
	sqlite3_bind_int64(st, 4, n->first_us);
	sqlite3_bind_int64(st, 5, n->last_us);
	sqlite3_bind_int64(st, 6, n->names);
	bind_text(st, 7, n->examples);
	return row_start(j) < 0 ? -1 : emit(j, st, 0);
}

static int
finding(void *arg, const struct report_finding *f)
{
	struct report_json *j = arg;
	sqlite3_stmt *st = j->enc[E_FINDING];

	bind_text(st, 1, f->kind);
	bind_text(st, 2, f->domain);
	bind_text(st, 3, f->ip);
	if (f->port >= 0)
		sqlite3_bind_int(st, 4, f->port);
	bind_text(st, 5, f->proto);
	sqlite3_bind_int64(st, 6, f->count);
	sqlite3_bind_int64(st, 7, f->first_us);
	sqlite3_bind_int64(st, 8, f->last_us);
	bind_text(st, 9, f->detail);
	sqlite3_bind_int(st, 10, f->blocked);
	sqlite3_bind_int(st, 11, f->covered);
	sqlite3_bind_int64(st, 12, f->ack_given_us ? f->ack_given_us : f->acked_us);
	bind_text(st, 13, f->ack_by);
	bind_text(st, 14, f->ack_note);
	sqlite3_bind_int64(st, 15, f->ack_until_us);
	sqlite3_bind_int(st, 16, f->acked_us != 0);
	return row_start(j) < 0 ? -1 : emit(j, st, 0);
}

/* "suggested_rules":[{"rule":...,"warning":...}],"suggestion_notes":[...] */
static int
suggest(void *arg, const struct suggest *sg)
{
	struct report_json *j = arg;
	char line[RULES_LINELEN];

	if (fputs(",\"suggested_rules\":[", j->out) == EOF)
		return -1;
	for (int i = 0; i < suggest_rule_count(sg); i++) {
		bind_text(j->enc[E_RULE], 1, suggest_rule_text(sg, i, line));
		bind_text(j->enc[E_RULE], 2, suggest_rule_warning(sg, i));
		if ((i && fputc(',', j->out) == EOF) || emit(j, j->enc[E_RULE], 0) < 0)
			return -1;
	}
	if (fputs("],\"suggestion_notes\":[", j->out) == EOF)
		return -1;
	for (int i = 0; i < suggest_note_count(sg); i++) {
		bind_text(j->enc[E_NOTE], 1, suggest_note(sg, i));
		if ((i && fputc(',', j->out) == EOF) || emit(j, j->enc[E_NOTE], 0) < 0)
			return -1;
	}
	return fputc(']', j->out) == EOF ? -1 : 0;
}

int
report_json_sink(struct report_json *j, sqlite3 *db, FILE *out, struct report_sink *s)
{
	*j = (struct report_json){ .out = out, .db = db, .n = -1, .sensors = -1 };
	*s = (struct report_sink){ .arg = j, .head = head, .part = part, .sensor = sensor,
	                           .blind = blind, .dest = dest, .name = name,
	                           .finding = finding, .suggest = suggest, .end = end };
	for (size_t i = 0; i < sizeof(enc_sql) / sizeof(enc_sql[0]); i++)
		if (sqlite3_prepare_v2(db, enc_sql[i], -1, &j->enc[i], NULL) != SQLITE_OK)
			return -1;
	return 0;
}

void
report_json_done(struct report_json *j)
{
	for (size_t i = 0; i < sizeof(j->enc) / sizeof(j->enc[0]); i++)
		sqlite3_finalize(j->enc[i]);
	memset(j->enc, 0, sizeof(j->enc));
}
