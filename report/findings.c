/* `oc-audit findings`: one query (most serious first, then the latest), rendered as a
 * table for people or as JSON built by SQLite's JSON functions. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/db.h"
#include "common/escape.h"
#include "common/findkind.h"
#include "common/timefmt.h"
#include "findings.h"

#define WHERE_OPEN " WHERE (?1 = 0 OR " DB_ACKED_SQL " IS NULL)"
#define ORDER " ORDER BY " FINDKIND_SEV_SQL("kind") " DESC, last_us DESC, id"

static const char text_sql[] =
	"SELECT id, kind, domain, ip, coalesce(port, -1), proto, count, last_us,"
	" " DB_ACKED_SQL " IS NOT NULL, blocked, ack_note FROM findings" WHERE_OPEN ORDER;

static const char json_sql[] =
	"SELECT count(*), json_group_array(json(item)) FROM (SELECT json_object('id', id,"
	" 'kind', kind, 'severity', " FINDKIND_SEVNAME_SQL("kind") ", 'domain', domain,"
	" 'ip', ip, 'port', port, 'proto', proto, 'count', count,"
	" 'first_seen', " DB_ISO("first_us") ", 'last_seen', " DB_ISO("last_us") ","
	" 'acked', json(CASE WHEN " DB_ACKED_SQL " IS NULL THEN 'false' ELSE 'true' END),"
	" 'blocked', json(CASE WHEN blocked THEN 'true' ELSE 'false' END),"
	" 'detail', detail, 'acked_at', " DB_ISO("acked_us") ", 'ack_by', ack_by,"
	" 'ack_note', ack_note, 'ack_until', " DB_ISO("ack_until_us") ") AS item FROM findings" WHERE_OPEN ORDER ")";

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

/* "name", "ip:port/proto", "[v6]:port/proto", or what of it the finding has. */
static void
destination(sqlite3_stmt *st, char *out, size_t outlen)
{
	const char *domain = col(st, 2), *ip = col(st, 3), *proto = col(st, 5);
	int port = sqlite3_column_int(st, 4);
	char e1[1100], e2[200], e3[64];

	escape_term(domain, e1, sizeof(e1));
	escape_term(ip, e2, sizeof(e2));
	escape_term(proto, e3, sizeof(e3));
	if (!*ip)
		snprintf(out, outlen, "%s", *domain ? e1 : "-");
	else if (port < 0)
		snprintf(out, outlen, "%s%s%s", *domain ? e1 : "", *domain ? " " : "", e2);
	else
		snprintf(out, outlen, "%s%s%s%s%s:%d/%s", *domain ? e1 : "", *domain ? " " : "",
		         strchr(ip, ':') ? "[" : "", e2, strchr(ip, ':') ? "]" : "", port, e3);
}

long long
findings_list(sqlite3 *db, const struct findings_opts *o, FILE *out, char *err,
              size_t errlen)
{
	sqlite3_stmt *st = NULL;
	long long n = 0;
	int rc;

	if (sqlite3_prepare_v2(db, o->json ? json_sql : text_sql, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int(st, 1, o->open_only);
	if (o->json) {
		if (sqlite3_step(st) != SQLITE_ROW)
			goto dberr;
		n = sqlite3_column_int64(st, 0);
		fprintf(out, "%s\n", col(st, 1));
	} else {
		fprintf(out, "%-6s %-8s %-22s %7s  %-20s %-5s %s\n", "ID", "SEVERITY", "KIND",
		        "COUNT", "LAST SEEN", "STATE", "DESTINATION");
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char kind[100], dest[1500], last[TIMEFMT_ISOLEN], note[700];
			const char *sev = findkind_severity_name(findkind_severity(
			                  findkind_from_name(col(st, 1))));

			destination(st, dest, sizeof(dest));
			escape_term(col(st, 10), note, sizeof(note));
			fprintf(out, "%-6" PRId64 " %-8s %-22s %7" PRId64 "  %-20s %-5s %s%s%s%s\n",
			        (int64_t)sqlite3_column_int64(st, 0), *sev ? sev : "-",
			        escape_term(col(st, 1), kind, sizeof(kind)),
			        (int64_t)sqlite3_column_int64(st, 6),
			        timefmt_iso(sqlite3_column_int64(st, 7), last, sizeof(last)),
			        sqlite3_column_int(st, 8) ? "acked" : "open", dest,
			        sqlite3_column_int(st, 9) ? " (blocked)" : "",
			        sqlite3_column_int(st, 8) && *note ? "  -- " : "",
			        sqlite3_column_int(st, 8) ? note : "");
			n++;
		}
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	sqlite3_finalize(st);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "write error");
		return -1;
	}
	return n;
dberr:
	snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: oc-audit findings [--open] [--format text|json] [-c FILE | --db PATH]\n"
	        "  every finding, the most serious first, with the id to acknowledge it by;\n"
	        "  --open: only those not acknowledged\n");
}

int
findings_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "open", no_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct findings_opts o = { 0 };
	const char *cfile = NULL, *dbpath = NULL;
	struct conf *c = NULL;
	sqlite3 *db = NULL;
	char err[1024] = "";
	int ch, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfile = optarg; break;
		case 'd': dbpath = optarg; break;
		case 'o': o.open_only = true; break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "oc-audit findings: --format is text or json\n");
				return 2;
			}
			o.json = optarg[0] == 'j';
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oc-audit findings: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	c = conf_new();
	if (cfile && conf_load_file(c, cfile) > 0) {
		for (int i = 0; i < conf_error_count(c); i++)
			fprintf(stderr, "oc-audit findings: %s\n", conf_error(c, i));
		rc = 2;
		goto out;
	}
	if (!(db = db_open_ro(dbpath ? dbpath : c->database, err, sizeof(err))) ||
	    findings_list(db, &o, stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "oc-audit findings: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(db);
	conf_free(c);
	return rc;
}
