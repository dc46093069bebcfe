#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/db.h"
#include "report.h"
#include "common/timefmt.h"
#include "writers.h"

static int json_doc(sqlite3 *db, const struct report_opts *o, bool lists, FILE *out,
                    char *err, size_t errlen);

/* The JSON document in memory, with its lists or without. */
static char *
json_mem(sqlite3 *db, const struct report_opts *o, bool lists, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = json_doc(db, o, lists, f, err, errlen);
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *
report_json(sqlite3 *db, const struct report_opts *o, char *err, size_t errlen)
{
	return json_mem(db, o, true, err, errlen);
}

char *
report_coverage_json(sqlite3 *db, const struct report_opts *o, char *err, size_t errlen)
{
	return json_mem(db, o, false, err, errlen);
}

static int
json_doc(sqlite3 *db, const struct report_opts *o, bool lists, FILE *out, char *err,
         size_t errlen)
{
	struct report_sink sink;
	struct report_json j;
	int rc;

	*err = '\0';
	if (report_json_sink(&j, db, out, &sink) < 0) {
		snprintf(err, errlen, "report query: %s", sqlite3_errmsg(db));
		rc = -1;
	} else {
		if (!lists)     /* rows.h: a list without its callback is not queried */
			sink.dest = NULL, sink.name = NULL, sink.finding = NULL;
		rc = report_rows_run(db, o, &sink, err, errlen);
	}
	report_json_done(&j);
	return rc;
}

int
report_write(sqlite3 *db, const struct report_opts *o, enum report_format format, FILE *out,
             char *err, size_t errlen)
{
	struct report_sink sink;
	struct report_text t;
	struct report_csv c;

	*err = '\0';
	switch (format) {
	case REPORT_TEXT:
		report_text_sink(&t, out, &sink);
		return report_rows_run(db, o, &sink, err, errlen);
	case REPORT_CSV:
		report_csv_sink(&c, out, &sink);
		return report_rows_run(db, o, &sink, err, errlen);
	case REPORT_JSON:
		return json_doc(db, o, true, out, err, errlen);
	}
	snprintf(err, errlen, "unknown report format");
	return -1;
}

enum report_verdict
report_verdict_decide(int64_t findings, int64_t events_lost, int64_t blind_spots)
{
	if (findings > 0)
		return REPORT_FINDINGS;
	return events_lost > 0 || blind_spots > 0 ? REPORT_INCOMPLETE : REPORT_CLEAN;
}

const char *
report_verdict_name(enum report_verdict v)
{
	switch (v) {
	case REPORT_CLEAN: return "CLEAN";
	case REPORT_FINDINGS: return "FINDINGS";
	case REPORT_INCOMPLETE: return "INCOMPLETE";
	}
	return "INCOMPLETE";
}

char *
report_verdict_line(enum report_verdict v, int64_t findings, int64_t unacked, bool lost,
                    int64_t blind_spots, const char *reasons, char *buf, size_t len)
{
	switch (v) {
	case REPORT_CLEAN:
		snprintf(buf, len, "CLEAN: no finding, every configured sensor saw the whole "
		         "window, and nothing was lost.");
		break;
	case REPORT_INCOMPLETE:
		snprintf(buf, len, "INCOMPLETE: no finding, but the record has blind spots (%s)%s: "
		         "see Coverage.", reasons, lost ? ", and events were lost" : "");
		break;
	case REPORT_FINDINGS:
		snprintf(buf, len, "%lld FINDING%s (%lld unacknowledged)%s%s%s.",
		         (long long)findings, findings == 1 ? "" : "S", (long long)unacked,
		         blind_spots ? ", and the record has blind spots (" : "",
		         blind_spots ? reasons : "", blind_spots ? "): see Coverage" : "");
		break;
	}
	return buf;
}

/* The summary's sink: counts, and the first blind spots in a line. */
static int
sum_head(void *arg, const struct report_head *h)
{
	struct report_summary *s = arg;

	s->findings = h->findings;
	s->events_lost = h->events_lost;
	return 0;
}

static int
sum_blind(void *arg, const struct report_blind *b)
{
	struct report_summary *s = arg;
	size_t n = strlen(s->blind);
	char from[TIMEFMT_ISOLEN], to[TIMEFMT_ISOLEN];

	if (n + 80 < sizeof(s->blind))
		snprintf(s->blind + n, sizeof(s->blind) - n, "%s%s %s %s..%s", n ? "; " : "",
		         b->sensor, b->reason, timefmt_iso(b->from_us, from, sizeof(from)),
		         timefmt_iso(b->to_us, to, sizeof(to)));
	else if (n + 5 < sizeof(s->blind) && strcmp(s->blind + n - 3, "...") != 0)
		snprintf(s->blind + n, sizeof(s->blind) - n, "; ...");
	return 0;
}

static int
sum_end(void *arg, const struct report_end *e)
{
	struct report_summary *s = arg;

	s->verdict = e->verdict;
	s->open_findings = e->open;
	s->blind_spots = e->blind_spots;
	s->chain_batch = e->chain_batch;
	snprintf(s->chain_head, sizeof(s->chain_head), "%s", e->chain_head);
	return 0;
}

int
report_summary(sqlite3 *db, const struct report_opts *o, struct report_summary *out,
               char *err, size_t errlen)
{
	struct report_sink sink = { .arg = out, .head = sum_head, .blind = sum_blind,
	                            .end = sum_end };

	memset(out, 0, sizeof(*out));
	*err = '\0';
	return report_rows_run(db, o, &sink, err, errlen);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: oc-audit report [--since 7d] [--until T] [--format text|json|csv]\n"
	           "                       [-c FILE | --db PATH] [--fail-on-findings]\n"
	           "                       [--suggest-policy]\n"
	           "  times: 30m, 12h, 7d (back from now) or ISO-8601 (2026-11-28T00:00:00Z)\n"
	           "  --fail-on-findings: exit 3 if a finding is open, else %d if the verdict is\n"
	           "  INCOMPLETE (a blind spot: a sensor down, the collector stopped, events lost)\n"
	           "  --suggest-policy: also the [policy] expect rules that would have made the\n"
	           "  window clean, for review (never applied); findings the rules of -c FILE\n"
	           "  expect now are marked so and leave the verdict\n",
	        REPORT_EXIT_INCOMPLETE);
}

int
report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "fail-on-findings", no_argument, NULL, 'F' },
		{ "suggest-policy", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = "7d", *until = NULL, *format = "text", *cfile = NULL, *dbpath = NULL;
	struct report_opts o = { 0 };
	struct report_summary sum;
	struct conf *c = NULL;
	sqlite3 *db = NULL;
	char err[1024] = "";
	int ch, rc = 1, fail_on = 0;
	enum report_format fmt = REPORT_TEXT;
	int64_t now = timefmt_now_us();

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'f': format = optarg; break;
		case 'c': cfile = optarg; break;
		case 'd': dbpath = optarg; break;
		case 'F': fail_on = 1; break;
		case 'S': o.suggest = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oc-audit report: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (strcmp(format, "json") == 0)
		fmt = REPORT_JSON;
	else if (strcmp(format, "csv") == 0)
		fmt = REPORT_CSV;
	else if (strcmp(format, "text") != 0) {
		fprintf(stderr, "oc-audit report: --format must be text, json or csv, not '%s'\n",
		        format);
		return 2;
	}
	if (o.suggest && fmt == REPORT_CSV) {
		fprintf(stderr, "oc-audit report: --suggest-policy goes with --format text or "
		        "json\n");
		return 2;
	}
	if (timefmt_parse_when(since, now, &o.since_us) < 0) {
		fprintf(stderr, "oc-audit report: bad --since '%s': use 30m, 12h, 7d or an "
		        "ISO-8601 time\n", since);
		return 2;
	}
	o.until_us = now + 1;
	if (until && timefmt_parse_when(until, now, &o.until_us) < 0) {
		fprintf(stderr, "oc-audit report: bad --until '%s': use 30m, 12h, 7d or an "
		        "ISO-8601 time\n", until);
		return 2;
	}
	if (o.until_us <= o.since_us) {
		fprintf(stderr, "oc-audit report: --until must be after --since\n");
		return 2;
	}
	c = conf_new();
	if (cfile && conf_load_file(c, cfile) > 0) {
		for (int i = 0; i < conf_error_count(c); i++)
			fprintf(stderr, "oc-audit report: %s\n", conf_error(c, i));
		rc = 2;
		goto out;
	}
	/* for the rules alone (rules_file is read there): the rest of what it checks, secret
	 * files the reader may not open among them, is the daemon's and check-config's */
	if (cfile)
		conf_check(c);
	o.rules = c->rules;
	o.watch_start_us = c->watch_start_us;
	o.watch_days = c->watch_days;
	o.now_us = now;
	/* written as the rows come: a failure part way leaves what was written, then
	 * the reason on stderr and exit status 1 */
	if (!(db = db_open_ro(dbpath ? dbpath : c->database, err, sizeof(err))) ||
	    report_write(db, &o, fmt, stdout, err, sizeof(err)) < 0 ||
	    (fmt == REPORT_JSON && putchar('\n') == EOF) || fflush(stdout) != 0) {
		fprintf(stderr, "oc-audit report: %s\n", *err ? err : "cannot write the output");
		goto out;
	}
	rc = 0;
	if (fail_on && report_summary(db, &o, &sum, err, sizeof(err)) < 0) {
		fprintf(stderr, "oc-audit report: %s\n", err);
		rc = 1;
	} else if (fail_on && sum.open_findings > 0) {
		rc = 3;
	} else if (fail_on && (sum.blind_spots > 0 || sum.events_lost > 0)) {
		rc = REPORT_EXIT_INCOMPLETE;
	}
out:
	sqlite3_close(db);
	conf_free(c);
	return rc;
}
