/* `oc-audit ack`: how the CLI reaches the one writer.
 *
 * While a collector runs, its core thread is the only writer of the database, so the CLI
 * does not write: it POSTs the acknowledgement to the running daemon's dashboard on
 * [web] listen (loopback), as the dashboard's own form does (the same route, the same
 * checks: the bearer token of [web] token_file when one is set, an Origin naming the
 * server otherwise), and the web thread queues it for the core thread like any click.
 * The CLI then waits a few seconds, reading the database read-only, until the
 * acknowledgement is stored, and says whether it saw it.
 *
 * Only when nothing answers on [web] listen (connection refused: no collector runs, as
 * the collector never runs without its dashboard when one is configured) does the CLI
 * open the database read-write itself, for one short transaction. With the dashboard
 * off ([web] listen empty) the runs table decides: a run that has not stopped may be a
 * collector running, and the CLI refuses rather than write beside it.
 *
 * `oc-audit ack --remove ID` takes an acknowledgement back the same two ways: the form
 * field remove=1 on the same route, or the same row written directly.
 *
 * Neither way touches the hash chain: the acknowledgement's columns (acked_us, ack_note,
 * ack_by, ack_until_us) are the operator's, not in the chain's canonical rows
 * (common/chain.c), so `oc-audit verify` stays intact after any number of acks. The
 * expiry is computed here, once, from the CLI's clock (common/ack.h), and sent as an
 * ISO-8601 time. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ack.h"
#include "common/ack.h"
#include "common/conf.h"
#include "common/db.h"
#include "common/escape.h"
#include "common/netaddr.h"
#include "common/timefmt.h"
#include "common/tokenfile.h"

#define ACK_WAIT_S 10          /* how long the CLI looks for the queued ack to be stored */

struct ack_req {
	int64_t id, until_us;      /* until 0 = for good */
	bool remove;               /* take the acknowledgement back */
	const char *note;
	char by[ACK_BY_MAX];
};

/* The reply body, kept for its {"error": ...}: bounded. */
struct body {
	char buf[512];
	size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t k = size * n, room = sizeof(b->buf) - 1 - b->len;

	memcpy(b->buf + b->len, p, k < room ? k : room);
	b->len += k < room ? k : room;
	b->buf[b->len] = '\0';
	return k;
}

/* POST the ack. Returns the HTTP status, 0 when nothing listens (connection refused),
 * or -1 with err. The error of a refusal is left in b. */
static long
post_ack(const struct conf *c, const struct ack_req *a, struct body *b, char *err,
         size_t errlen)
{
	char hostport[NETADDR_STRLEN + 8], url[NETADDR_STRLEN + 64], origin[NETADDR_STRLEN + 32];
	char token[256] = "", auth[320], until[TIMEFMT_ISOLEN] = "", *enote, *eby, *form;
	struct curl_slist *hdr = NULL;
	CURLcode cc;
	long status = -1;
	CURL *h;
	size_t flen;

	hostport_format(&c->web_addr, c->web_port, hostport, sizeof(hostport));
	snprintf(url, sizeof(url), "http://%s/api/findings/%" PRId64 "/ack", hostport, a->id);
	snprintf(origin, sizeof(origin), "Origin: http://%s", hostport);
	if (c->web_token_file[0] && tokenfile_read(c->web_token_file, "web.token_file", token,
	                                           sizeof(token), err, errlen) < 0) {
		if (errno == EACCES)
			snprintf(err, errlen, "web.token_file %.200s: cannot read it (run as root or "
			         "the collector's user)", c->web_token_file);
		return -1;
	}
	if (a->until_us)
		timefmt_iso(a->until_us, until, sizeof(until));
	if (!(h = curl_easy_init())) {
		snprintf(err, errlen, "libcurl: out of memory");
		return -1;
	}
	enote = curl_easy_escape(h, a->note, 0);
	eby = curl_easy_escape(h, a->by, 0);
	flen = (enote ? strlen(enote) : 0) + (eby ? strlen(eby) : 0) + 96;
	if (!enote || !eby || !(form = malloc(flen))) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	if (a->remove)
		snprintf(form, flen, "remove=1&by=%s", eby);
	else
		snprintf(form, flen, "note=%s&until=%s&by=%s", enote, until, eby);
	if (token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdr = curl_slist_append(hdr, auth);
		explicit_bzero(auth, sizeof(auth));
		explicit_bzero(token, sizeof(token));
	} else {
		hdr = curl_slist_append(hdr, origin);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");       /* loopback, never through a proxy */
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(h);
	if (cc == CURLE_COULDNT_CONNECT)
		status = 0;
	else if (cc != CURLE_OK)
		snprintf(err, errlen, "the collector at %s: %s", hostport, curl_easy_strerror(cc));
	else
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	free(form);
out_free:
	curl_free(enote);
	curl_free(eby);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return status;
}

/* as the core thread's (collector/store.c); a removal binds nothing but the id */
static const char upd_sql[] =
	"UPDATE findings SET acked_us = ?2, ack_note = nullif(?3, ''), ack_by = nullif(?4, ''),"
	" ack_until_us = nullif(?5, 0) WHERE id = ?1";

/* No collector answers: write the one row ourselves. Returns an exit status. */
static int
write_direct(const char *path, bool web_off, const struct ack_req *a)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	char err[1024];
	int rc = 1;

	if (!(db = db_open_rw(path, err, sizeof(err)))) {
		fprintf(stderr, "oc-audit ack: %s\n", err);
		return 1;
	}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	if (web_off && db_int(db, "SELECT count(*) FROM runs WHERE id = (SELECT max(id) FROM "
	                      "runs) AND stopped_us IS NULL", 0) > 0) {
		fprintf(stderr, "oc-audit ack: the collector's last run has not stopped and its "
		        "dashboard is off ([web] listen): it may be running, and only it writes "
		        "the database. Stop it, or turn the dashboard on\n");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (sqlite3_prepare_v2(db, upd_sql, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, a->id);
	if (!a->remove) {
		sqlite3_bind_int64(st, 2, timefmt_now_us());
		sqlite3_bind_text(st, 3, a->note, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, a->by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, a->until_us);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	if (sqlite3_changes(db) != 1) {
		fprintf(stderr, "oc-audit ack: no finding %" PRId64 "\n", a->id);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	printf("finding %" PRId64 "%s (no collector running: written directly)\n", a->id,
	       a->remove ? ": acknowledgement removed" : " acknowledged");
	rc = 0;
	goto out;
dberr:
	fprintf(stderr, "oc-audit ack: database: %s\n", sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* Whether the ack queued at or after t0 (or its removal) is stored, looking for
 * ACK_WAIT_S seconds. */
static bool
wait_stored(const char *path, int64_t id, bool remove, int64_t t0)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	char err[256], sql[160];
	sqlite3 *db;
	bool seen = false;

	if (remove)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM findings WHERE id = %" PRId64
		         " AND acked_us IS NULL", id);
	else
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM findings WHERE id = %" PRId64
		         " AND acked_us >= %" PRId64, id, t0);
	for (int i = 0; i < ACK_WAIT_S * 10 && !seen; i++) {
		if ((db = db_open_ro(path, err, sizeof(err)))) {
			seen = db_int(db, sql, 0) > 0;
			sqlite3_close(db);
		}
		if (!seen)
			nanosleep(&tick, NULL);
	}
	return seen;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: oc-audit ack ID [--note TEXT] [--until T] [-c FILE | --db PATH]\n"
	        "       oc-audit ack --remove ID [-c FILE | --db PATH]\n"
	        "  acknowledge finding ID (oc-audit findings lists the ids), with a note of at\n"
	        "  most %d bytes and an expiry T (a duration ahead like 7d or 12h, or an\n"
	        "  ISO-8601 time) after which it is open again; it keeps counting either way.\n"
	        "  A second ack replaces the first. Sent to the running collector's dashboard\n"
	        "  ([web] listen, with [web] token_file's token); written to the database\n"
	        "  directly only when no collector runs. --remove takes the acknowledgement\n"
	        "  back (its note and expiry with it), the same way.\n", ACK_NOTE_MAX);
}

int
ack_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "note", required_argument, NULL, 'n' },
		{ "until", required_argument, NULL, 'u' },
		{ "remove", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ack_req a = { .note = "" };
	const char *cfile = NULL, *dbpath = NULL, *until = NULL;
	struct passwd *pw = getpwuid(getuid());
	struct conf *c = NULL;
	struct body b = { .len = 0 };
	int64_t now = timefmt_now_us();
	char err[1024] = "", e[600], *end;
	int ch, rc = 2;
	long status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfile = optarg; break;
		case 'd': dbpath = optarg; break;
		case 'n': a.note = optarg; break;
		case 'u': until = optarg; break;
		case 'r': a.remove = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	a.id = strtoll(argv[optind], &end, 10);
	if (*end || end == argv[optind] || a.id <= 0) {
		fprintf(stderr, "oc-audit ack: '%s' is not a finding id\n",
		        escape_term(argv[optind], e, sizeof(e)));
		return 2;
	}
	if (a.remove && (a.note[0] || until)) {
		fprintf(stderr, "oc-audit ack: --remove takes no --note and no --until\n");
		return 2;
	}
	if (ack_note_check(a.note, err, sizeof(err)) < 0 ||
	    (until && ack_until_parse(until, now, &a.until_us, err, sizeof(err)) < 0)) {
		fprintf(stderr, "oc-audit ack: %s\n", err);
		return 2;
	}
	snprintf(a.by, sizeof(a.by), "cli (%.20s)", pw ? pw->pw_name : "?");
	c = conf_new();
	if (cfile && conf_load_file(c, cfile) > 0) {
		for (int i = 0; i < conf_error_count(c); i++)
			fprintf(stderr, "oc-audit ack: %s\n", conf_error(c, i));
		goto out;
	}
	if (!dbpath)
		dbpath = c->database;
	rc = 1;
	/* --db names a database, not a daemon: no collector is asked */
	if (c->web_addr.family == 0 || (dbpath != c->database)) {
		rc = write_direct(dbpath, true, &a);
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	now = timefmt_now_us();
	status = post_ack(c, &a, &b, err, sizeof(err));
	curl_global_cleanup();
	if (status < 0) {
		fprintf(stderr, "oc-audit ack: %s\n", err);
	} else if (status == 0) {
		rc = write_direct(dbpath, false, &a);
	} else if (status == 202 || status == 200) {
		if (wait_stored(dbpath, a.id, a.remove, now))
			printf("finding %" PRId64 "%s\n", a.id,
			       a.remove ? ": acknowledgement removed" : " acknowledged");
		else
			printf("finding %" PRId64 ": %s queued; the collector stores it with its "
			       "next batch\n", a.id, a.remove ? "the removal" : "acknowledgement");
		rc = 0;
	} else {
		fprintf(stderr, "oc-audit ack: the collector answered %ld: %s\n", status,
		        escape_term(b.buf, e, sizeof(e)));
		rc = status == 400 ? 2 : 1;
	}
out:
	conf_free(c);
	return rc;
}
