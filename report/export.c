/* `oc-audit export`: the kinds, their fields as SQL over their tables, and a merge of
 * one statement per kind by event time. JSON lines are built by SQLite's JSON functions
 * (json_patch over '{}' drops the fields that are NULL); CSV and text get every field as
 * a column and escape each for its context (escape.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/chain.h"
#include "common/conf.h"
#include "common/db.h"
#include "common/dnstype.h"
#include "common/escape.h"
#include "common/proto.h"
#include "common/timefmt.h"
#include "export.h"

/* Every field any kind has, in the order of the CSV columns. */
enum col {
	C_SRC_IP, C_SRC_PORT, C_DEST_IP, C_DEST_PORT, C_PROTO,
	C_DOMAIN, C_DOMAINS, C_ATTRIBUTION, C_ICMP_TYPE, C_ICMP_CODE, C_IN_IFACE, C_OUT_IFACE,
	C_QUERY, C_QTYPE, C_RCODE, C_TRANS_ID, C_LATENCY_US, C_ANSWERS, C_ANSWERS_TRUNCATED,
	C_DNSSEC_BOGUS,
	C_FINDING, C_COUNT, C_FIRST_SEEN, C_LAST_SEEN, C_WATCH_DAY, C_DETAIL, C_ACKED,
	C_REASON, C_LOST, C_SOURCE, C_STATE,
	C_APP_PROTO, C_SNI, C_ALPN, C_TLS_VERSION, C_ECH,
	C__COUNT
};
static const char *const col_name[C__COUNT] = {
	[C_SRC_IP] = "src_ip",
	[C_SRC_PORT] = "src_port",
	[C_DEST_IP] = "dest_ip",
	[C_DEST_PORT] = "dest_port",
	[C_PROTO] = "proto",
	[C_DOMAIN] = "domain",
	[C_DOMAINS] = "domains",
	[C_ATTRIBUTION] = "attribution",
	[C_ICMP_TYPE] = "icmp_type",
	[C_ICMP_CODE] = "icmp_code",
	[C_IN_IFACE] = "in_iface",
	[C_OUT_IFACE] = "out_iface",
	[C_QUERY] = "query",
	[C_QTYPE] = "qtype",
	[C_RCODE] = "rcode",
	[C_TRANS_ID] = "trans_id",
	[C_LATENCY_US] = "latency_us",
	[C_ANSWERS] = "answers",
	[C_ANSWERS_TRUNCATED] = "answers_truncated",
	[C_DNSSEC_BOGUS] = "dnssec_bogus",
	[C_FINDING] = "finding",
	[C_COUNT] = "count",
	[C_FIRST_SEEN] = "first_seen",
	[C_LAST_SEEN] = "last_seen",
	[C_WATCH_DAY] = "watch_day",
	[C_DETAIL] = "detail",
	[C_ACKED] = "acked",
	[C_REASON] = "reason",
	[C_LOST] = "lost",
	[C_SOURCE] = "source",
	[C_STATE] = "state",
	[C_APP_PROTO] = "app_proto",
	[C_SNI] = "sni",
	[C_ALPN] = "alpn",
	[C_TLS_VERSION] = "tls_version",
	[C_ECH] = "ech",
};

/* A column whose SQL value is a JSON text (an array, true or false). */
static bool
col_json(enum col c)
{
	return c == C_DOMAINS || c == C_ANSWERS || c == C_ANSWERS_TRUNCATED || c == C_ACKED ||
	       c == C_ECH;
}

#define BOOL_SQL(x) "CASE WHEN " x " THEN 'true' ELSE 'false' END"

struct field {
	enum col c;
	const char *expr;            /* NULL ends the list */
};

/* The kinds: name (event_type), the chained table whose batch ids select its rows, its
 * time column, and its fields. A finding is exported once, when it is first stored
 * (its time is its first_seen; count and last_seen are as they are at export). */
static const struct kind {
	const char *name;
	enum chain_table table;
	const char *ts;
	struct field f[16];
} kinds[] = {
	{ "conn", CHAIN_CONNECTIONS, "ts_us", {
		{ C_SRC_IP, "src" }, { C_SRC_PORT, "sport" }, { C_DEST_IP, "dst" },
		{ C_DEST_PORT, "dport" }, { C_PROTO, PROTO_SQL("proto") },
		{ C_DOMAIN, "domain" }, { C_DOMAINS, "domains" },
		{ C_ATTRIBUTION, "CASE attr WHEN 1 THEN 'answer' WHEN 2 THEN 'stale' "
		  "ELSE 'none' END" },
		{ C_ICMP_TYPE, "icmp_type" }, { C_ICMP_CODE, "icmp_code" },
		{ C_IN_IFACE, "iif" }, { C_OUT_IFACE, "oif" }, { 0, NULL } } },
	{ "dns", CHAIN_DNS_QUERIES, "ts_us", {
		{ C_SRC_IP, "client" }, { C_SRC_PORT, "cport" }, { C_PROTO, "transport" },
		{ C_QUERY, "qname" }, { C_QTYPE, "oca_rrtype(qtype)" },
		{ C_RCODE, "oca_rcode(coalesce(rcode, -1))" }, { C_TRANS_ID, "qid" },
		{ C_LATENCY_US, "latency_us" },
		{ C_ANSWERS, "(SELECT json_group_array(json_object('rrname', name, 'rrtype', "
		  "oca_rrtype(rtype), 'ttl', ttl, 'rdata', data)) FROM (SELECT * FROM dns_answers "
		  "a WHERE a.query_id = dns_queries.id ORDER BY a.id))" },
		{ C_ANSWERS_TRUNCATED, BOOL_SQL("truncated") }, { C_DNSSEC_BOGUS, "why_bogus" },
		{ 0, NULL } } },
	{ "finding", CHAIN_FINDINGS, "first_us", {
		{ C_FINDING, "kind" }, { C_DOMAIN, "domain" }, { C_DEST_IP, "ip" },
		{ C_DEST_PORT, "port" }, { C_PROTO, "proto" }, { C_COUNT, "count" },
		{ C_FIRST_SEEN, DB_ISO("first_us") }, { C_LAST_SEEN, DB_ISO("last_us") },
		{ C_WATCH_DAY, "watch_day" }, { C_DETAIL, "detail" },
		{ C_ACKED, BOOL_SQL(DB_ACKED_SQL " IS NOT NULL") }, { 0, NULL } } },
	{ "loss", CHAIN_LOSSES, "ts_us", {
		{ C_REASON, "source" }, { C_LOST, "count" }, { 0, NULL } } },
	{ "sensor", CHAIN_SENSOR_EVENTS, "ts_us", {
		{ C_SOURCE, "source" }, { C_STATE, "state" }, { C_DETAIL, "detail" },
		{ 0, NULL } } },
	/* the capture's hellos: a TLS or QUIC ClientHello, or an HTTP request's Host (its
	 * app_proto says which); the version as Suricata's EVE names it */
	{ "tls", CHAIN_HELLOS, "ts_us", {
		{ C_SRC_IP, "client" }, { C_SRC_PORT, "cport" }, { C_DEST_IP, "server" },
		{ C_DEST_PORT, "sport" }, { C_PROTO, PROTO_SQL("proto") },
		{ C_APP_PROTO, "kind" }, { C_SNI, "name" }, { C_ALPN, "alpn" },
		{ C_TLS_VERSION, "CASE version WHEN 772 THEN 'TLS 1.3' WHEN 771 THEN 'TLS 1.2' "
		  "WHEN 770 THEN 'TLS 1.1' WHEN 769 THEN 'TLS 1.0' WHEN 768 THEN 'SSL 3.0' "
		  "ELSE CASE WHEN version IS NOT NULL THEN printf('0x%04x', version) END END" },
		{ C_ECH, BOOL_SQL("ech") }, { 0, NULL } } },
};
#define N_KINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

/* The SQL of the event time in column ts with its microseconds, into buf:
 * "2026-11-29T03:28:42.123456Z". */
static const char *
iso_us(const char *ts, char *buf, size_t len)
{
	snprintf(buf, len, "strftime('%%Y-%%m-%%dT%%H:%%M:%%S', %s / 1000000, 'unixepoch') || "
	         "printf('.%%06dZ', %s %% 1000000)", ts, ts);
	return buf;
}

int
export_kind_parse(const char *list, unsigned *out, char *err, size_t errlen)
{
	const char *p = list;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int k;

		for (k = 0; k < N_KINDS; k++)
			if (strlen(kinds[k].name) == n && strncmp(kinds[k].name, p, n) == 0)
				break;
		if (k == N_KINDS) {
			snprintf(err, errlen, "unknown kind '%.*s' (kinds: %s)", (int)(n > 64 ? 64 : n),
			         p, export_kind_names());
			return -1;
		}
		*out |= 1u << k;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

const char *
export_kind_names(void)
{
	static char names[128];

	if (!names[0])
		for (int k = 0; k < N_KINDS; k++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			         k ? "," : "", kinds[k].name);
	return names;
}

int
export_header(const struct export_opts *o, FILE *out)
{
	if (o->format != EXPORT_CSV)
		return 0;
	fputs("ts,event_type,id", out);
	for (int c = 0; c < C__COUNT; c++)
		fprintf(out, ",%s", col_name[c]);
	fputs("\r\n", out);
	return ferror(out) ? -1 : 0;
}

/* The statement of kind k in o's format: columns ts_us, id, ts (text), then the JSON
 * line or every field of col_name[]. Parameters ?1 ?2: the window (or ids after, up to);
 * ?3 the last sealed id (window). */
static sqlite3_stmt *
kind_stmt(sqlite3 *db, const struct kind *k, const struct export_opts *o)
{
	char sql[8192], iso[256];
	const char *ts = k->ts;
	size_t n;
	sqlite3_stmt *st = NULL;
	const char *expr[C__COUNT] = { NULL };

	for (const struct field *f = k->f; f->expr; f++)
		expr[f->c] = f->expr;
	n = (size_t)snprintf(sql, sizeof(sql), "SELECT %s, id, %s", ts,
	                     iso_us(ts, iso, sizeof(iso)));
	if (o->format == EXPORT_JSONL) {
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", json_patch('{}', json_object("
		                      "'ts', %s, 'event_type', '%s', 'id', id", iso, k->name);
		for (const struct field *f = k->f; f->expr && n < sizeof(sql); f++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", '%s', %s%s%s",
			                      col_name[f->c], col_json(f->c) ? "json(" : "",
			                      f->expr, col_json(f->c) ? ")" : "");
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "))");
	} else {
		for (int c = 0; c < C__COUNT && n < sizeof(sql); c++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", %s",
			                      expr[c] ? expr[c] : "NULL");
	}
	if (n < sizeof(sql) && o->by_batch)
		/* in commit order: the primary key's, no sort however far back the cursor */
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " FROM %s WHERE id > ?1 AND "
		                      "id <= ?2 ORDER BY id", chain_table_name(k->table));
	else if (n < sizeof(sql))
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " FROM %s WHERE %s >= ?1 AND "
		                      "%s < ?2 AND id <= ?3 ORDER BY %s, id",
		                      chain_table_name(k->table), ts, ts, ts);
	if (n >= sizeof(sql))
		return NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/* A growing buffer for one escaped field. */
struct ebuf {
	char *p;
	size_t cap;
};

static const char *
esc(struct ebuf *b, char *(*fn)(const char *, char *, size_t), const char *s)
{
	size_t need = 4 * strlen(s) + 8;

	if (need > b->cap) {
		char *p = realloc(b->p, need);

		if (!p)
			return "";
		b->p = p;
		b->cap = need;
	}
	return fn(s, b->p, b->cap);
}

static const char *
text_col(sqlite3_stmt *st, int c)
{
	return (const char *)sqlite3_column_text(st, 3 + c);
}

/* One event as a line for people: time, kind, who to whom, then the other fields as
 * key=value, every value escaped for a terminal. */
static void
write_text(FILE *out, const struct kind *k, sqlite3_stmt *st, struct ebuf *b)
{
	const char *src = text_col(st, C_SRC_IP), *dst = text_col(st, C_DEST_IP);

	fprintf(out, "%s %-7s", (const char *)sqlite3_column_text(st, 2), k->name);
	if (src)
		fprintf(out, " %s%s%s", esc(b, escape_term, src), text_col(st, C_SRC_PORT) ? ":" :
		        "", text_col(st, C_SRC_PORT) ? text_col(st, C_SRC_PORT) : "");
	if (src && dst)
		fputs(" ->", out);
	if (dst)
		fprintf(out, " %s%s%s", esc(b, escape_term, dst), text_col(st, C_DEST_PORT) ? ":" :
		        "", text_col(st, C_DEST_PORT) ? text_col(st, C_DEST_PORT) : "");
	for (int c = 0; c < C__COUNT; c++) {
		const char *v = text_col(st, c);

		if (v && c != C_SRC_IP && c != C_SRC_PORT && c != C_DEST_IP && c != C_DEST_PORT)
			fprintf(out, " %s=%s", col_name[c], esc(b, escape_term, v));
	}
	fputc('\n', out);
}

static void
write_csv(FILE *out, const struct kind *k, sqlite3_stmt *st, struct ebuf *b)
{
	fprintf(out, "%s,%s,%lld", (const char *)sqlite3_column_text(st, 2), k->name,
	        (long long)sqlite3_column_int64(st, 1));
	for (int c = 0; c < C__COUNT; c++) {
		const char *v = text_col(st, c);

		fprintf(out, ",%s", v ? esc(b, escape_csv, v) : "");
	}
	fputs("\r\n", out);
}

int64_t
export_run(sqlite3 *db, const struct export_opts *o, FILE *out, int64_t *cursor, char *err,
           size_t errlen)
{
	sqlite3_stmt *st[N_KINDS] = { NULL };
	bool live[N_KINDS] = { false };
	struct chain_batch head = { 0 }, prev = { 0 };
	struct ebuf b = { NULL, 0 };
	int64_t rows = -1;
	int s;

	*cursor = o->by_batch ? o->after_batch : 0;
	if (dnstype_sql_register(db) < 0 ||
	    (s = chain_head(db, INT64_MAX, &head)) < 0 ||
	    (o->by_batch && o->after_batch > 0 && head.id > o->after_batch &&
	     chain_read_batch(db, o->after_batch, &prev) != 1))
		goto dberr;
	if (head.id == 0 || (o->by_batch && head.id <= o->after_batch))
		return 0;                 /* nothing sealed (after the cursor) */
	for (int k = 0; k < N_KINDS; k++) {
		enum chain_table t = kinds[k].table;

		if (o->kinds && !(o->kinds & (1u << k)))
			continue;
		if (!(st[k] = kind_stmt(db, &kinds[k], o)))
			goto dberr;
		if (o->by_batch) {
			sqlite3_bind_int64(st[k], 1, prev.last[t]);
			sqlite3_bind_int64(st[k], 2, head.last[t]);
		} else {
			sqlite3_bind_int64(st[k], 1, o->since_us);
			sqlite3_bind_int64(st[k], 2, o->until_us);
			sqlite3_bind_int64(st[k], 3, head.last[t]);
		}
		if ((s = sqlite3_step(st[k])) == SQLITE_ROW)
			live[k] = true;
		else if (s != SQLITE_DONE)
			goto dberr;
	}
	/* the merge: the earliest event of the kinds' next rows, kinds in table order */
	for (rows = 0;; rows++) {
		int m = -1;

		for (int k = 0; k < N_KINDS; k++)
			if (live[k] && (m < 0 || sqlite3_column_int64(st[k], 0) <
			                         sqlite3_column_int64(st[m], 0)))
				m = k;
		if (m < 0)
			break;
		if (o->format == EXPORT_JSONL)
			fprintf(out, "%s\n", (const char *)sqlite3_column_text(st[m], 3));
		else if (o->format == EXPORT_CSV)
			write_csv(out, &kinds[m], st[m], &b);
		else
			write_text(out, &kinds[m], st[m], &b);
		if (ferror(out)) {
			snprintf(err, errlen, "cannot write the output: %s", strerror(errno));
			rows = -1;
			goto out;
		}
		if ((s = sqlite3_step(st[m])) != SQLITE_ROW) {
			live[m] = false;
			if (s != SQLITE_DONE)
				goto dberr;
		}
	}
	*cursor = head.id;
	goto out;
dberr:
	snprintf(err, errlen, "export: %s", sqlite3_errmsg(db));
	rows = -1;
out:
	for (int k = 0; k < N_KINDS; k++)
		sqlite3_finalize(st[k]);
	free(b.p);
	return rows;
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The cursor a file holds (0 when it does not exist yet), or -1 if it holds junk. */
static int64_t
cursor_read(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = 0;
	int n;

	if (!f)
		return errno == ENOENT ? 0 : -1;
	n = fscanf(f, "%lld", &v);
	fclose(f);
	return n == 1 && v >= 0 ? v : -1;
}

/* Replace the file's cursor at once (a reader sees the old one or the new one). */
static int
cursor_write(const char *path, int64_t v)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    !(f = fopen(tmp, "w")))
		return -1;
	fprintf(f, "%lld\n", (long long)v);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -1;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: oc-audit export [--since 7d] [--until T] [--kind KIND,...]\n"
	           "                       [--format jsonl|csv|text] [--follow]\n"
	           "                       [--after BATCH] [--cursor-file FILE]\n"
	           "                       [-c FILE | --db PATH]\n"
	           "  every raw event, one per line; kinds: %s (default: all)\n"
	           "  --follow: then every event as it is committed, until SIGINT or SIGTERM\n"
	           "  --after BATCH: the events sealed after that batch (instead of a window)\n"
	           "  --cursor-file FILE: resume after the batch FILE holds, and keep it there\n"
	           "  the cursor reached is printed on standard error at the end\n",
	        export_kind_names());
}

int
export_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "follow", no_argument, NULL, 'F' },
		{ "after", required_argument, NULL, 'a' },
		{ "cursor-file", required_argument, NULL, 'C' },
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = "7d", *until = NULL, *format = "jsonl", *cfile = NULL, *dbpath = NULL;
	const char *after = NULL, *cfpath = NULL;
	struct export_opts o = { .format = EXPORT_JSONL };
	struct conf *c = NULL;
	sqlite3 *db = NULL;
	char err[1024] = "";
	int ch, rc = 1;
	bool follow = false;
	int64_t now = timefmt_now_us(), cursor = 0;
	struct sigaction sa = { .sa_handler = on_signal };

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'k':
			if (export_kind_parse(optarg, &o.kinds, err, sizeof(err)) < 0) {
				fprintf(stderr, "oc-audit export: --kind: %s\n", err);
				return 2;
			}
			break;
		case 'f': format = optarg; break;
		case 'F': follow = true; break;
		case 'a': after = optarg; break;
		case 'C': cfpath = optarg; break;
		case 'c': cfile = optarg; break;
		case 'd': dbpath = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oc-audit export: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (strcmp(format, "csv") == 0)
		o.format = EXPORT_CSV;
	else if (strcmp(format, "text") == 0)
		o.format = EXPORT_TEXT;
	else if (strcmp(format, "jsonl") != 0) {
		fprintf(stderr, "oc-audit export: --format must be jsonl, csv or text, not '%s'\n",
		        format);
		return 2;
	}
	if (timefmt_parse_when(since, now, &o.since_us) < 0 ||
	    (until && timefmt_parse_when(until, now, &o.until_us) < 0)) {
		fprintf(stderr, "oc-audit export: bad --since or --until: use 30m, 12h, 7d or an "
		        "ISO-8601 time\n");
		return 2;
	}
	if (!until)
		o.until_us = INT64_MAX;
	if (o.until_us <= o.since_us) {
		fprintf(stderr, "oc-audit export: --until must be after --since\n");
		return 2;
	}
	if (follow && until) {
		fprintf(stderr, "oc-audit export: --follow goes on from now: no --until\n");
		return 2;
	}
	if (after) {
		char *end;
		long long v = strtoll(after, &end, 10);

		if (*after == '\0' || *end || v < 0) {
			fprintf(stderr, "oc-audit export: --after wants a batch number (the cursor "
			        "an export printed)\n");
			return 2;
		}
		o.by_batch = true;
		o.after_batch = v;
	}
	if (cfpath && !after) {
		int64_t v = cursor_read(cfpath);

		if (v < 0) {
			fprintf(stderr, "oc-audit export: %s holds no cursor\n", cfpath);
			return 2;
		}
		if (v > 0) {       /* a cursor file from before: go on from it */
			o.by_batch = true;
			o.after_batch = v;
		}
	}
	c = conf_new();
	if (cfile && conf_load_file(c, cfile) > 0) {
		for (int i = 0; i < conf_error_count(c); i++)
			fprintf(stderr, "oc-audit export: %s\n", conf_error(c, i));
		rc = 2;
		goto out;
	}
	if (!(db = db_open_ro(dbpath ? dbpath : c->database, err, sizeof(err))))
		goto fail;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (export_header(&o, stdout) < 0)
		goto fail;
	for (;;) {
		if (export_run(db, &o, stdout, &cursor, err, sizeof(err)) < 0 ||
		    fflush(stdout) != 0)
			goto fail;
		if (cfpath && cursor > 0 && cursor_write(cfpath, cursor) < 0) {
			snprintf(err, sizeof(err), "cannot write the cursor to %s: %s", cfpath,
			         strerror(errno));
			goto fail;
		}
		if (!follow || stop)
			break;
		/* from now on, whatever is sealed after what was written */
		o.by_batch = true;
		o.after_batch = cursor;
		nanosleep(&(struct timespec){ .tv_nsec = 250000000 }, NULL);
		if (stop)
			break;
	}
	rc = 0;
	fprintf(stderr, "oc-audit export: cursor %lld (go on with --after %lld)\n",
	        (long long)cursor, (long long)cursor);
	goto out;
fail:
	fprintf(stderr, "oc-audit export: %s\n", *err ? err : "cannot write the output");
out:
	sqlite3_close(db);
	conf_free(c);
	return rc;
}
