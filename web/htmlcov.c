/* The overview's verdict and coverage, from the report's own rows (report/rows.h), so
 * the dashboard cannot judge a window differently from `oc-audit report`: the banner
 * is the report's verdict sentence (report_verdict_line) over the same window, and the
 * list under the timeline holds the blind stretches the report's Coverage lists, the
 * collector's stops once for every sensor as the text report gives them. The timeline
 * draws the same stretches from /api/timeline's "coverage" (report_coverage_json).
 * Every string is escaped with wbuf_html; the list is bounded (HTMLCOV_MAX_ROWS), the
 * rest is counted and left to the report. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/timefmt.h"
#include "htmlint.h"
#include "report/rows.h"

#define HTMLCOV_MAX_ROWS 200

struct cov {
	struct wbuf sensors, rows;   /* the sensors' lines; the stretches' rows */
	int64_t lost;
	int configured;              /* sensors configured so far */
	int n, more;                 /* stretches listed, and left out */
	struct report_end end;
};

static const char *
sensor_label(const char *name)
{
	return strcmp(name, "nflog") == 0 ? "NFLOG (connections)" :
	       strcmp(name, "dns") == 0 ? "DNS (the resolver)" :
	       strcmp(name, "capture") == 0 ? "Capture (SNI, bytes)" : name;
}

/* The class a stretch is drawn with, here and on the timeline (app.js gapClass). */
static const char *
gap_class(const char *reason)
{
	return strcmp(reason, "not-running") == 0 ? "gap-off" :
	       strcmp(reason, "loss") == 0 ? "gap-loss" : "gap-down";
}

static int
c_head(void *arg, const struct report_head *h)
{
	struct cov *c = arg;

	c->lost = h->events_lost;
	return 0;
}

static int
c_sensor(void *arg, const struct report_sensor *s)
{
	struct cov *c = arg;
	char last[TIMEFMT_ISOLEN];

	c->configured += s->configured;
	wbuf_printf(&c->sensors, "<li class=\"%s\"><b>", !s->configured ? "off" :
	            s->up ? "up" : "blind");
	wbuf_html(&c->sensors, sensor_label(s->name));
	wbuf_puts(&c->sensors, "</b> ");
	if (!s->configured) {
		wbuf_puts(&c->sensors, strcmp(s->name, "capture") == 0 ? "not configured: SNI and "
		          "bytes are not watched</li>" : "not configured</li>");
		return 0;
	}
	wbuf_printf(&c->sensors, "%s at the window's end; last event %s</li>",
	            s->up ? "up" : "BLIND", s->last_event_us ?
	            timefmt_iso(s->last_event_us, last, sizeof(last)) : "none");
	return 0;
}

static int
c_blind(void *arg, const struct report_blind *b)
{
	struct cov *c = arg;
	char from[TIMEFMT_ISOLEN], to[TIMEFMT_ISOLEN];
	bool every = strcmp(b->reason, "not-running") == 0;

	/* the collector's stops are every sensor's: listed under the first one only */
	if (every && c->configured > 1)
		return 0;
	if (c->n >= HTMLCOV_MAX_ROWS) {
		c->more++;
		return 0;
	}
	c->n++;
	wbuf_printf(&c->rows, "<tr class=\"%s\"><td>", gap_class(b->reason));
	wbuf_html(&c->rows, every ? "every sensor" : sensor_label(b->sensor));
	wbuf_puts(&c->rows, "</td>");
	html_td_time(&c->rows, timefmt_iso(b->from_us, from, sizeof(from)));
	html_td_time(&c->rows, timefmt_iso(b->to_us, to, sizeof(to)));
	wbuf_puts(&c->rows, "<td><i class=\"sw\"></i><code>");
	wbuf_html(&c->rows, b->reason);
	wbuf_puts(&c->rows, "</code></td>");
	html_td(&c->rows, "detail", b->detail);
	wbuf_puts(&c->rows, "</tr>\n");
	return 0;
}

static int
c_end(void *arg, const struct report_end *e)
{
	struct cov *c = arg;

	c->end = *e;
	return 0;
}

int
html_coverage(sqlite3 *db, const struct report_opts *o, struct wbuf *verdict,
              struct wbuf *list, struct html_counts *n)
{
	struct cov c = { 0 };
	struct report_sink sink = { .arg = &c, .head = c_head, .sensor = c_sensor,
	                            .blind = c_blind, .end = c_end };
	char err[256], line[sizeof(c.end.reasons) + 160];
	char since[TIMEFMT_ISOLEN], until[TIMEFMT_ISOLEN];
	int rc = report_rows_run(db, o, &sink, err, sizeof(err));

	*n = (struct html_counts){ 0 };

	if (rc < 0) {
		wbuf_puts(verdict, "<p class=\"verdict bad\" id=\"verdict\">Verdict unavailable: "
		          "the report's queries failed (run <code>oc-audit report</code>).</p>");
		wbuf_puts(list, "<p class=\"empty\">Coverage unavailable: the report's queries "
		          "failed.</p>");
		goto out;
	}
	/* the card under the banner counts as the banner does (report_finding_counts) */
	*n = (struct html_counts){ .findings = c.end.findings, .open = c.end.open,
	                           .expected = c.end.covered };
	wbuf_printf(verdict, "<p class=\"verdict %s\" id=\"verdict\">Verdict: ",
	            c.end.verdict == REPORT_CLEAN ? "good" : "bad");
	/* the findings o->rules expect now are out of the verdict's count, as in the text
	 * report's line (it says how many were left out on a line of its own) */
	wbuf_html(verdict, report_verdict_line(c.end.verdict, c.end.findings, c.end.open,
	                                       c.lost != 0, c.end.blind_spots, c.end.reasons,
	                                       line, sizeof(line)));
	wbuf_puts(verdict, "</p>");
	if (c.end.covered)     /* the text report's line under its verdict */
		wbuf_printf(verdict, "<p class=\"same\" id=\"covered\">%lld finding%s left out: "
		            "the rules configured now expect %s.</p>", (long long)c.end.covered,
		            c.end.covered == 1 ? "" : "s", c.end.covered == 1 ? "it" : "them");
	/* the same window as the report's command line: the operator can check */
	wbuf_printf(verdict, "<p class=\"same\">As <code>oc-audit report --since %s "
	            "--until %s</code> says%s.</p>", timefmt_iso(o->since_us, since, sizeof(since)),
	            timefmt_iso(o->until_us, until, sizeof(until)),
	            c.end.blind_spots ? "; the blind spots are drawn on the timeline and "
	            "<a href=\"#coverage\">listed under Coverage</a>" : "");

	wbuf_puts(list, "<section class=\"panel\" id=\"coverage\"><h2>Coverage</h2>"
	          "<ul class=\"sensors\">");
	if (c.sensors.len)
		wbuf_put(list, c.sensors.p, c.sensors.len);
	wbuf_puts(list, "</ul><table class=\"grid gaps\"><caption>Blind stretches: when a "
	          "sensor could not see what the VM did</caption><thead><tr><th>Sensor</th>"
	          "<th>From</th><th>To</th><th>Why</th><th>Detail</th></tr></thead><tbody>");
	if (c.n)
		wbuf_put(list, c.rows.p, c.rows.len);
	else
		wbuf_puts(list, "<tr><td colspan=\"5\" class=\"empty\">none: every configured "
		          "sensor saw the whole window</td></tr>");
	if (c.more)
		wbuf_printf(list, "<tr><td colspan=\"5\" class=\"empty\">... and %d more "
		            "(<code>oc-audit report</code> lists them all)</td></tr>", c.more);
	wbuf_puts(list, "</tbody></table></section>\n");
	if (c.sensors.oom || c.rows.oom)   /* a part short of memory spoils the page */
		list->oom = true;
out:
	wbuf_free(&c.sensors);
	wbuf_free(&c.rows);
	return rc;
}
