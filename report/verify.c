/* `oc-audit verify`: walk the batches in order, recompute each one's digests from its
 * rows and its hash from the previous batch's stored hash, and compare. Each batch is
 * checked on its own against its stored predecessor, so the first batch that does not
 * match is named even when later ones were rewritten to follow it. A batch whose raw
 * rows retention deleted is checked with the raw digest it kept. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/db.h"
#include "common/timefmt.h"
#include "verify.h"

/* Batch id does not match: count it, and say why if it is the first. */
static void __attribute__((format(printf, 3, 4)))
bad(struct verify_result *out, int64_t id, const char *fmt, ...)
{
	va_list ap;

	if (out->bad++ == 0) {
		out->first_bad = id;
		va_start(ap, fmt);
		vsnprintf(out->why, sizeof(out->why), fmt, ap);
		va_end(ap);
	}
}

/* How many rows of each chained table come after last[]. */
static int64_t
unsealed_rows(sqlite3 *db, const int64_t last[CHAIN__TABLES])
{
	int64_t n = 0;

	for (int t = 0; t < CHAIN__TABLES; t++) {
		char sql[128];
		sqlite3_stmt *st;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE id > ?1",
		         chain_table_name(t));
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(st, 1, last[t]);
		if (sqlite3_step(st) == SQLITE_ROW)
			n += sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return n;
}

int
verify_chain(sqlite3 *db, const uint8_t *want_head, struct verify_result *out, char *err,
             size_t errlen)
{
	struct chain_reader *rds[CHAIN_FORM + 1] = { NULL }, *rd;
	struct chain_batch prev = { 0 }, b;
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db, "SELECT id, pruned_us IS NOT NULL FROM batches "
	                       "ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), max_ts, rows, nbad = out->bad;
		bool pruned = sqlite3_column_int(st, 1);
		struct chain_batch re;

		if (chain_read_batch(db, id, &b) != 1)
			goto dberr;
		out->batches++;
		out->pruned += pruned;
		if (want_head && memcmp(want_head, b.hash, CHAIN_HASHLEN) == 0) {
			out->head_found = true;
			out->head_batch = id;
		}
		if (id != prev.id + 1)
			bad(out, prev.id + 1, "batch %lld is missing (the next one is %lld)",
			    (long long)(prev.id + 1), (long long)id);
		if (!chain_form_tables(b.form)) {
			bad(out, id, "batch %lld has canonical form %d, which this oc-audit does "
			    "not know", (long long)id, b.form);
			prev = b;
			continue;
		}
		/* a batch holds rows of its form's tables only */
		for (int t = chain_form_tables(b.form); t < CHAIN__TABLES; t++)
			if (b.last[t] != prev.last[t])
				bad(out, id, "batch %lld (form %d) claims rows of %s, which its form "
				    "does not cover", (long long)id, b.form, chain_table_name(t));
		if (!(rd = rds[b.form]) &&
		    !(rd = rds[b.form] = chain_reader_new(db, b.form, err, errlen)))
			goto out;
		re = b;
		if (chain_digest(rd, CHAIN_RAW, prev.last, b.last, re.raw, &max_ts,
		                 &rows) < 0 ||
		    chain_digest(rd, CHAIN_KEPT, prev.last, b.last, re.kept, NULL,
		                 NULL) < 0)
			goto dberr;
		out->rows += rows;
		if (pruned && rows > 0)
			bad(out, id, "batch %lld is marked pruned but still holds %lld raw rows",
			    (long long)id, (long long)rows);
		else if (pruned)
			memcpy(re.raw, b.raw, CHAIN_HASHLEN);   /* what it kept of its deleted rows */
		else if (memcmp(re.raw, b.raw, CHAIN_HASHLEN) != 0)
			bad(out, id, "batch %lld: its connections, DNS, hello or byte rows are not the "
			    "ones sealed (changed, added or deleted)", (long long)id);
		chain_link(prev.hash, &re);
		if (memcmp(re.hash, b.hash, CHAIN_HASHLEN) != 0)
			bad(out, id, "batch %lld: its findings, losses or sensor rows, or its own "
			    "record, are not the ones sealed", (long long)id);
		if (out->bad > nbad + 1)
			out->bad = nbad + 1;   /* one count per batch, whatever was wrong with it */
		prev = b;
	}
	if (s != SQLITE_DONE)
		goto dberr;
	out->head = prev;
	if ((out->unsealed = unsealed_rows(db, prev.last)) < 0)
		goto dberr;
	rc = 0;
	goto out;
dberr:
	snprintf(err, errlen, "verify: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	for (int f = 0; f <= CHAIN_FORM; f++)
		chain_reader_free(rds[f]);
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: oc-audit verify [-c FILE | --db PATH] [--head HASH]\n"
	           "  recompute the database's hash chain; exit 0 intact, %d if it does not "
	           "match\n", VERIFY_EXIT_MISMATCH);
}

int
verify_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "head", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfile = NULL, *dbpath = NULL, *head = NULL;
	uint8_t want[CHAIN_HASHLEN];
	struct verify_result r;
	char err[1024] = "", hex[CHAIN_HEXLEN], iso[TIMEFMT_ISOLEN];
	struct conf *c = NULL;
	sqlite3 *db = NULL;
	int ch, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfile = optarg; break;
		case 'd': dbpath = optarg; break;
		case 'H': head = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oc-audit verify: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (head && chain_unhex(head, want) < 0) {
		fprintf(stderr, "oc-audit verify: --head wants the 64 hex digits of a chain head\n");
		return 2;
	}
	c = conf_new();
	if (cfile && conf_load_file(c, cfile) > 0) {
		for (int i = 0; i < conf_error_count(c); i++)
			fprintf(stderr, "oc-audit verify: %s\n", conf_error(c, i));
		rc = 2;
		goto out;
	}
	if (!(db = db_open_ro(dbpath ? dbpath : c->database, err, sizeof(err))) ||
	    verify_chain(db, head ? want : NULL, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "oc-audit verify: %s\n", err);
		goto out;
	}
	rc = 0;
	if (r.bad) {
		printf("NOT INTACT: %s\n", r.why);
		if (r.bad > 1)
			printf("  and %lld more batch%s do not match\n", (long long)(r.bad - 1),
			       r.bad == 2 ? "" : "es");
		rc = VERIFY_EXIT_MISMATCH;
	}
	if (r.unsealed) {
		printf("NOT INTACT: %lld rows come after the last batch and are in none (written "
		       "outside the collector)\n", (long long)r.unsealed);
		rc = VERIFY_EXIT_MISMATCH;
	}
	if (rc == 0)
		printf("intact: %lld batches, %lld rows checked (%lld batches pruned by retention: "
		       "their digests checked)\n", (long long)r.batches, (long long)r.rows,
		       (long long)r.pruned);
	if (r.head.id)
		printf("head: batch %lld, committed %s, %s\n", (long long)r.head.id,
		       timefmt_iso(r.head.committed_us, iso, sizeof(iso)), chain_hex(r.head.hash, hex));
	else
		printf("head: none (no batch yet)\n");
	if (head && r.head_found) {
		printf("the head given is batch %lld: the record up to it is %s\n",
		       (long long)r.head_batch, r.bad && r.first_bad <= r.head_batch ?
		       "NOT the one it stood for" : "unchanged");
		if (r.bad && r.first_bad <= r.head_batch)
			rc = VERIFY_EXIT_MISMATCH;
	} else if (head) {
		printf("NOT INTACT: the head given is in no batch of this chain\n");
		rc = VERIFY_EXIT_MISMATCH;
	}
out:
	sqlite3_close(db);
	conf_free(c);
	return rc;
}
