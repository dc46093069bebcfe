/* The server-rendered pages. They hold every core table, so the dashboard works with
 * scripts off; app.js only adds the timeline, live findings and one-click acknowledge.
 * Each VM-controlled string reaches the page through wbuf_html (escape_html) and
 * nothing else; links carry only numbers or percent-encoded filter values. This file
 * holds the page frame and the table cells every page uses (htmlint.h), the error and
 * login pages, the overview and the finding page; the DNS log and the connections list
 * are in htmllist.c. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/dnstype.h"
#include "common/findkind.h"
#include "htmlint.h"
#include "common/timefmt.h"
#include "common/units.h"
#include "report/rows.h"
#include "report/suggest.h"
#include "webapi.h"
#include "webint.h"

#define VM_SHOWN 3      /* prefixes named in the header; the rest are counted */

/* Who is watched, as [collector] vm_subnet says: a one-address prefix as the address. */
static void
vm_label(struct wbuf *b, const struct conf *c)
{
	char a[NETADDR_STRLEN], s[NETADDR_STRLEN + 8];

	for (int i = 0; i < c->n_vm_subnet && i < VM_SHOWN; i++) {
		const struct cidr *p = &c->vm_subnet[i];

		netaddr_format(&p->net, a, sizeof(a));
		if (p->bits == (p->net.family == 4 ? 32 : 128))
			snprintf(s, sizeof(s), "%s", a);
		else
			snprintf(s, sizeof(s), "%s/%u", a, (unsigned)p->bits);
		wbuf_puts(b, i ? ", " : "VM ");
		wbuf_html(b, s);
	}
	if (c->n_vm_subnet > VM_SHOWN)
		wbuf_printf(b, " and %d more", c->n_vm_subnet - VM_SHOWN);
	if (c->n_vm_subnet > 0)
		wbuf_puts(b, " · ");
}

void
html_head(struct wbuf *b, const struct web *w, const char *title, const char *page)
{
	static const struct { const char *id, *href, *label; } nav[] = {
		{ "overview", "/", "Overview" }, { "dns", "/dns", "DNS log" },
		{ "connections", "/connections", "Connections" },
	};

	wbuf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	          "<title>");
	wbuf_html(b, title);
	wbuf_puts(b, " · oc-audit</title><link rel=\"icon\" href=\"/assets/icon.svg\">"
	          "<link rel=\"stylesheet\" href=\"/assets/style.css\">"
	          "<script src=\"/assets/app.js\" defer></script></head>\n");
	wbuf_printf(b, "<body data-page=\"%s\"><header class=\"top\"><a class=\"brand\" "
	            "href=\"/\"><img src=\"/assets/icon.svg\" alt=\"\" width=\"22\" "
	            "height=\"22\">oc-audit</a><nav>", page);
	for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++)
		wbuf_printf(b, "<a href=\"%s\"%s>%s</a>", nav[i].href,
		            strcmp(page, nav[i].id) == 0 ? " class=\"on\"" : "", nav[i].label);
	wbuf_puts(b, "<a href=\"/api/report?since=7d\">Report JSON</a></nav><span class=\"vm\">");
	if (w)
		vm_label(b, w->conf);
	wbuf_puts(b, "egress audit</span>");
	/* what the operator must know before reading a finding: were its attempts dropped */
	if (w && w->conf->enforce)
		wbuf_puts(b, "<span class=\"mode enforce\" id=\"mode\" title=\"[enforce] mode = "
		          "enforce: the VM's new connections outside the expected set are "
		          "dropped\">"
		          "enforce mode</span>");
	else if (w)
		wbuf_puts(b, "<span class=\"mode audit\" id=\"mode\" title=\"[enforce] mode = "
		          "audit: everything is recorded, nothing is dropped\">audit mode</span>");
	wbuf_puts(b, "</header>\n<main>\n");
}

void
html_tail(struct wbuf *b, struct web_reply *r)
{
	char now[TIMEFMT_ISOLEN];

	wbuf_printf(b, "</main>\n<footer>Rendered %s · every name on this page came from the "
	            "VM and is shown as text</footer></body></html>\n",
	            timefmt_iso(timefmt_now_us(), now, sizeof(now)));
	r->status = r->status ? r->status : 200;
	r->ctype = "text/html; charset=utf-8";
}

void
html_error(struct web_reply *r, unsigned status, const char *reason)
{
	wbuf_free(&r->body);
	html_head(&r->body, NULL, "Error", "error");
	wbuf_printf(&r->body, "<section class=\"panel\"><h1>%u</h1><p>", status);
	wbuf_html(&r->body, reason);
	wbuf_puts(&r->body, "</p><p><a href=\"/\">Back to the overview</a></p></section>");
	r->status = status;
	html_tail(&r->body, r);
}

void
html_login(struct web *w, const char *problem, struct web_reply *r)
{
	html_head(&r->body, w, "Sign in", "login");
	wbuf_puts(&r->body, "<section class=\"panel narrow\"><h1>Token required</h1>");
	if (problem) {
		wbuf_puts(&r->body, "<p class=\"banner bad\">");
		wbuf_html(&r->body, problem);
		wbuf_puts(&r->body, "</p>");
	}
	wbuf_puts(&r->body, "<p>This dashboard is protected by the token in "
	          "<code>[web] token_file</code>.</p><form method=\"post\" action=\"/login\">"
	          "<label>Token <input type=\"password\" name=\"token\" autocomplete="
	          "\"current-password\" required></label> <button>Sign in</button></form>"
	          "</section>");
	html_tail(&r->body, r);
}

const char *
html_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

void
html_td(struct wbuf *b, const char *cls, const char *text)
{
	if (cls)
		wbuf_printf(b, "<td class=\"%s\">", cls);
	else
		wbuf_puts(b, "<td>");
	wbuf_html(b, text);
	wbuf_puts(b, "</td>");
}

/* "2026-11-29T03:28:42Z" as "11-29 03:28:42" in a <time>. */
void
html_td_time(struct wbuf *b, const char *iso)
{
	wbuf_puts(b, "<td class=\"t\"><time datetime=\"");
	wbuf_html(b, iso);
	wbuf_puts(b, "\">");
	if (strlen(iso) == 20)
		wbuf_printf(b, "%.5s %.8s", iso + 5, iso + 11);
	else
		wbuf_html(b, iso);
	wbuf_puts(b, "</time></td>");
}

/* 5000000 as "5,000,000" into buf (32 bytes). */
static const char *
thousands(long long v, char *buf)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v), o = 0;

	if (v < 0)
		buf[o++] = '-';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

static long long
one_int(sqlite3 *db, const char *sql, int64_t a1, int64_t a2)
{
	sqlite3_stmt *st;
	long long v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, a1);
	sqlite3_bind_int64(st, 2, a2);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

void
html_dest(struct wbuf *b, const char *domain, const char *ip, const char *port,
          const char *proto)
{
	if (*domain) {
		wbuf_puts(b, "<span class=\"name\">");
		wbuf_html(b, domain);
		wbuf_puts(b, "</span> ");
	}
	if (*domain && !*ip)
		return;
	wbuf_puts(b, "<span class=\"addr\">");
	wbuf_html(b, *ip ? ip : "-");
	if (*port && strcmp(port, "0") != 0) {
		wbuf_puts(b, ":");
		wbuf_html(b, port);
	}
	if (*proto) {
		wbuf_puts(b, "/");
		wbuf_html(b, proto);
	}
	wbuf_puts(b, "</span>");
}

/* A finding's port as the cells show it: "" for none. */
static const char *
port_text(int port, char *buf, size_t len)
{
	if (port < 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, "%d", port);
	return buf;
}

/* On a finding whose attempts enforce mode dropped (app.js writes the same). */
#define BLOCKED_BADGE " <span class=\"badge blocked\" title=\"enforce mode dropped these " \
	"attempts: they were seen, not carried\">blocked</span>"

/* One row of the findings table (the overview's; app.js adds rows the same way). */
/* The overview's findings table: the card's window and rules, to mark the rows it counts */
struct rows {
	struct wbuf *b;
	const struct report_opts *o;
};

static void
finding_row(void *arg, const struct web_finding *f)
{
	struct rows *rw = arg;
	struct wbuf *b = rw->b;
	struct suggest_finding sf = { .kind = f->kind, .domain = f->domain, .ip = f->ip,
	                              .proto = f->proto, .detail = f->detail, .port = f->port };
	/* as the verdict counts it (report/rows.h): in the window, open, and counted */
	bool counted = !f->acked_us && f->last_us >= rw->o->since_us &&
	               f->first_us < rw->o->until_us &&
	               report_finding_counts(f->kind, suggest_covers(rw->o->rules, &sf));
	char port[16], count[24], first[TIMEFMT_ISOLEN], last[TIMEFMT_ISOLEN];
	long long id = f->id;
	bool critical = findkind_severity(findkind_from_name(f->kind)) == FK_SEV_CRITICAL;
	const char *cls = f->acked_us ? (critical ? "acked critical" : "acked") :
	                  critical ? "critical" : NULL;

	wbuf_printf(b, "<tr id=\"finding-%lld\" data-id=\"%lld\"%s%s%s%s>", id, id,
	            counted ? " data-open=\"1\"" : "",
	            cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	wbuf_puts(b, "<td><span class=\"kind\">");
	wbuf_html(b, f->kind);
	wbuf_printf(b, "</span>%s%s</td><td><a href=\"/findings/%lld\">",
	            f->blocked ? BLOCKED_BADGE : "",
	            critical ? "<div class=\"sev\">most serious: bait was used</div>" : "", id);
	html_dest(b, f->domain, f->ip, port_text(f->port, port, sizeof(port)), f->proto);
	wbuf_puts(b, "</a><div class=\"detail\">");
	wbuf_html(b, f->detail);
	wbuf_puts(b, "</div></td>");
	snprintf(count, sizeof(count), "%lld", (long long)f->count);
	html_td(b, "n", count);
	html_td_time(b, timefmt_iso(f->first_us, first, sizeof(first)));
	html_td_time(b, timefmt_iso(f->last_us, last, sizeof(last)));
	if (f->acked_us)
		wbuf_puts(b, "<td class=\"st\">acknowledged</td>");
	else
		wbuf_printf(b, "<td class=\"st\"><form method=\"post\" class=\"ack\" "
		            "action=\"/api/findings/%lld/ack?from=overview\"><button>"
		            "Acknowledge</button></form></td>", id);
	wbuf_puts(b, "</tr>\n");
}

/* bytes: capture ran at some time, so a destination's bytes were watched (else "-": not
 * known, rather than a 0 that would read as nothing sent) */
static void
destinations_table(struct wbuf *b, sqlite3 *db, int expected, bool bytes, const char *title)
{
	sqlite3_stmt *st;
	char up[UNITS_BYTESLEN], down[UNITS_BYTESLEN];
	int n = 0;

	if (sqlite3_prepare_v2(db,
	        "SELECT domain, ip, port, " PROTO_SQL("proto") ", connections, "
	        DB_ISO("first_us") ", " DB_ISO("last_us") ", bytes_up, bytes_down"
	        " FROM destinations WHERE expected = ?1 AND (connections > 0 OR bytes_up > 0 OR"
	        " bytes_down > 0) ORDER BY connections DESC LIMIT 50",
	        -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int(st, 1, expected);
	wbuf_printf(b, "<section class=\"panel\"><h2>%s</h2><table class=\"grid\"><thead><tr>"
	            "<th>Destination</th><th class=\"n\">Connections</th><th class=\"n\">Sent"
	            "</th><th class=\"n\">Received</th><th>First seen</th><th>Last seen</th>"
	            "</tr></thead><tbody>", title);
	while (sqlite3_step(st) == SQLITE_ROW) {
		bool known = bytes || sqlite3_column_int64(st, 7) || sqlite3_column_int64(st, 8);

		wbuf_puts(b, "<tr><td>");
		html_dest(b, html_col(st, 0), html_col(st, 1), html_col(st, 2), html_col(st, 3));
		wbuf_puts(b, "</td>");
		html_td(b, "n", html_col(st, 4));
		html_td(b, "n", known ? units_format_bytes((uint64_t)sqlite3_column_int64(st, 7),
		                                           up, sizeof(up)) : "-");
		html_td(b, "n", known ? units_format_bytes((uint64_t)sqlite3_column_int64(st, 8),
		                                           down, sizeof(down)) : "-");
		html_td_time(b, html_col(st, 5));
		html_td_time(b, html_col(st, 6));
		wbuf_puts(b, "</tr>\n");
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0)
		wbuf_puts(b, "<tr><td colspan=\"6\" class=\"empty\">none yet</td></tr>");
	if (!bytes && expected)     /* said once, above both tables' dashes */
		wbuf_puts(b, "<tr><td colspan=\"6\" class=\"empty\">capture not configured: SNI "
		          "and bytes are not watched</td></tr>");
	wbuf_puts(b, "</tbody></table></section>\n");
}

/* Every counter the collector keeps, as stored (cumulative over the database's life):
 * losses first, then the resolver's and the rest. */
static void
counters_table(struct wbuf *b, sqlite3 *db)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT value FROM counters WHERE name = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return;
	wbuf_puts(b, "<section class=\"panel\"><h2>Collector counters</h2><table class=\"grid\">"
	          "<thead><tr><th>Counter</th><th class=\"n\">Since the database began</th>"
	          "<th>Counts</th></tr></thead><tbody>");
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < STAT__COUNT; i++) {
			enum stat_id id = (enum stat_id)i;
			long long v = 0;
			char n[32];

			if (stats_is_loss(id) != (pass == 0))
				continue;
			sqlite3_bind_text(st, 1, stats_name(id), -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				v = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
			wbuf_printf(b, "<tr%s><td><code>",
			            stats_is_loss(id) && v ? " class=\"bad\"" : "");
			wbuf_html(b, stats_name(id));
			wbuf_puts(b, "</code></td>");
			html_td(b, "n", thousands(v, n));
			wbuf_puts(b, "<td>");
			wbuf_html(b, stats_help(id));
			wbuf_puts(b, stats_is_loss(id) ? " (a loss)</td></tr>\n" : "</td></tr>\n");
		}
	}
	sqlite3_finalize(st);
	wbuf_puts(b, "</tbody></table></section>\n");
}

/* Append what part holds (out of memory in it spoils b too). */
static void
put_buf(struct wbuf *b, const struct wbuf *part)
{
	if (part->len)
		wbuf_put(b, part->p, part->len);
	if (part->oom)
		b->oom = true;
}

void
html_overview(struct web *w, sqlite3 *db, struct web_reply *r)
{
	struct wbuf *b = &r->body;
	struct watch wk;
	long long days = w->conf->watch_days, day, conns, dnsq, lost;
	long long oconns, odns;
	bool bytes, watching;
	int64_t start;
	struct report_opts o = { 0 };
	struct web_rules *rules;
	struct wbuf verdict = { 0 }, cov = { 0 };
	struct html_counts fc;
	struct rows rw = { .b = b, .o = &o };
	int64_t now = timefmt_now_us();
	char iso[TIMEFMT_ISOLEN], iso2[TIMEFMT_ISOLEN];
	char n1[32], n2[32], n3[32], n4[32], n5[32], n6[32], n7[32];
	int n;

	web_watch(w, db, now, &wk);
	start = wk.start_us;
	day = wk.day;
	/* the window judged, drawn and listed: the watch so far (or whole), else 7 days; in
	 * whole seconds, the start's second on to the end of the current one, so that the
	 * `report --since --until` the page prints is the window it judged, to the microsecond,
	 * and a finding stored this second is on it */
	watching = start > 0 && start <= now;
	o.since_us = watching ? start : now - 7 * DAY_US;
	o.since_us -= o.since_us % US_PER_SEC;
	o.until_us = wk.ended ? wk.end_us : now + 1;
	o.until_us += (US_PER_SEC - o.until_us % US_PER_SEC) % US_PER_SEC;
	o.watch_start_us = w->conf->watch_start_us;
	o.watch_days = w->conf->watch_days;
	o.now_us = now;
	/* judged with the daemon's rules, as `oc-audit report -c` judges */
	rules = web_rules_hold(w);
	o.rules = rules->rs;
	html_coverage(db, &o, &verdict, &cov, &fc);
	/* totals over the watch from the hourly rollup: cheap however long the week */
	conns = one_int(db, "SELECT coalesce(sum(connections), 0) FROM hourly "
	                "WHERE hour >= ?1 / 3600000000", start, 0);
	dnsq = one_int(db, "SELECT coalesce(sum(dns_queries), 0) FROM hourly "
	               "WHERE hour >= ?1 / 3600000000", start, 0);
	lost = one_int(db, "SELECT coalesce(sum(count), 0) FROM losses WHERE ts_us >= ?1",
	               start, 0);
	oconns = one_int(db, "SELECT coalesce(sum(other_connections), 0) FROM hourly "
	                 "WHERE hour >= ?1 / 3600000000", start, 0);
	odns = one_int(db, "SELECT coalesce(sum(other_dns_queries), 0) FROM hourly "
	               "WHERE hour >= ?1 / 3600000000", start, 0);

	html_head(b, w, "Overview", "overview");
	if (lost > 0)
		wbuf_printf(b, "<div class=\"banner bad\" role=\"alert\"><strong>%lld event%s "
		            "lost.</strong> The collector knows it did not store them (see "
		            "<code>/metrics</code> and the losses table): the record of this watch "
		            "is incomplete.</div>\n", lost, lost == 1 ? " was" : "s were");

	wbuf_puts(b, "<section class=\"panel watch\">");
	if (start <= 0) {
		wbuf_puts(b, "<h1>Watch not started</h1><p>No event has been seen yet.</p>");
	} else if (!wk.ended) {
		wbuf_printf(b, "<h1>Day %lld of %lld</h1><progress max=\"%lld\" value=\"%lld\">"
		            "</progress><p>Watching since %s; so far:</p>", day, days, days, day,
		            timefmt_iso(start, iso, sizeof(iso)));
	} else {
		wbuf_printf(b, "<h1>The %lld-day watch is over</h1><p>Watched from %s; monitoring "
		            "goes on. The watch:</p>", days, timefmt_iso(start, iso, sizeof(iso)));
	}
	/* the report's verdict over the watch (else the last 7 days), in its words */
	put_buf(b, &verdict);
	wbuf_puts(b, "</section>\n");

	wbuf_printf(b, "<section class=\"cards\">"
	            "<div class=\"card\"><span>Connections</span><b>%s</b></div>"
	            "<div class=\"card\"><span>DNS queries</span><b>%s</b></div>"
	            "<div class=\"card%s\" title=\"findings of the window above, as its "
	            "verdict counts them\"><span>Findings open</span><b id=\"open-count\" "
	            "data-live=\"%d\">%lld</b><small>of %lld</small>%s%s%s</div>"
	            "<div class=\"card%s\"><span>Events lost</span><b>%s</b></div>"
	            "<div class=\"card%s\" id=\"other-sources\" title=\"connections and DNS "
	            "queries from sources outside vm_subnet: counted apart, not judged as the "
	            "VM's\"><span>Not the VM</span><b>%s</b><small>%s conns, %s DNS</small></div>"
	            "</section>\n",
	            thousands(conns, n1), thousands(dnsq, n2), fc.open ? " bad" : " good",
	            !wk.ended, (long long)fc.open, (long long)fc.findings,
	            fc.expected ? "<small class=\"also\" id=\"expected-count\">" : "",
	            fc.expected ? thousands(fc.expected, n7) : "",
	            fc.expected ? " expected by the rules now</small>" : "",
	            lost ? " bad" : " good", thousands(lost, n3),
	            oconns + odns ? " bad" : "", thousands(oconns + odns, n4),
	            thousands(oconns, n5), thousands(odns, n6));

	wbuf_printf(b, "<section class=\"panel\"><h2>%s</h2><div id=\"timeline\" "
	            "class=\"chart\" data-src=\"/api/timeline?since=%s&amp;until=%s\"><noscript>"
	            "The timeline is drawn by the page's script; the tables below hold "
	            "everything.</noscript></div></section>\n", watching ?
	            "The watch" : "Last 7 days", timefmt_iso(o.since_us, iso, sizeof(iso)),
	            timefmt_iso(o.until_us, iso2, sizeof(iso2)));
	put_buf(b, &cov);
	wbuf_free(&cov);
	wbuf_free(&verdict);

	wbuf_puts(b, "<section class=\"panel\"><h2>Findings <span class=\"live\" id=\"live\">"
	          "</span></h2><table class=\"grid\" id=\"findings\"><thead><tr><th>Kind</th>"
	          "<th>Destination</th><th class=\"n\">Count</th><th>First seen</th>"
	          "<th>Last seen</th><th></th></tr></thead><tbody>");
	n = web_findings_each(db, 500, finding_row, &rw);
	web_rules_put(rules);
	wbuf_printf(b, "</tbody></table><p class=\"empty\" id=\"no-findings\"%s>No findings: "
	            "the VM talked only to the expected set.</p></section>\n",
	            n ? " hidden" : "");
	wbuf_printf(b, "<span hidden id=\"last-finding\" data-id=\"%lld\"></span>",
	            one_int(db, "SELECT coalesce(max(id), 0) FROM findings", 0, 0));

	bytes = one_int(db, "SELECT EXISTS(SELECT 1 FROM runs WHERE CASE WHEN json_valid(config) "
	                "THEN coalesce(config ->> 'capture', '') <> '' ELSE 0 END)", 0, 0) != 0;
	destinations_table(b, db, 1, bytes, "Expected destinations");
	destinations_table(b, db, 0, bytes, "Other destinations");
	counters_table(b, db);
	html_tail(b, r);
}

static void
related_dns_row(void *arg, const struct web_related_dns *r)
{
	struct wbuf *b = arg;
	char ts[TIMEFMT_ISOLEN], tb[DNSTYPE_NAMELEN];

	wbuf_puts(b, "<tr>");
	html_td_time(b, timefmt_iso(r->ts_us, ts, sizeof(ts)));
	html_td(b, "name", r->qname);
	html_td(b, NULL, dnstype_name((uint16_t)r->qtype, tb));
	html_td(b, "ans", r->answers);
	wbuf_puts(b, "</tr>\n");
}

static void
related_conn_row(void *arg, const struct web_related_conn *r)
{
	struct wbuf *b = arg;
	char ts[TIMEFMT_ISOLEN], port[16], pb[PROTO_NAMELEN];

	wbuf_puts(b, "<tr>");
	html_td_time(b, timefmt_iso(r->ts_us, ts, sizeof(ts)));
	html_td(b, "addr", r->src);
	wbuf_puts(b, "<td>");
	html_dest(b, "", r->dst, port_text(r->dport, port, sizeof(port)), proto_name(r->proto, pb));
	wbuf_puts(b, "</td>");
	html_td(b, "name", *r->domain ? r->domain : "-");
	wbuf_puts(b, "</tr>\n");
}

void
html_finding(struct web *w, sqlite3 *db, int64_t id, struct web_reply *r)
{
	struct wbuf *b = &r->body;
	struct web_finding f;
	char port[16], iso[TIMEFMT_ISOLEN];
	int n;

	if ((n = web_finding_get(db, id, &f)) <= 0) {
		if (n < 0)
			html_error(r, 500, "database query failed");
		else
			html_error(r, 404, "no such finding");
		return;
	}
	html_head(b, w, "Finding", "finding");
	wbuf_puts(b, "<section class=\"panel\"><h1><span class=\"kind\">");
	wbuf_html(b, f.kind);
	wbuf_printf(b, "</span>%s ", f.blocked ? BLOCKED_BADGE : "");
	html_dest(b, f.domain, f.ip, port_text(f.port, port, sizeof(port)), f.proto);
	wbuf_puts(b, "</h1><p class=\"detail big\">");
	wbuf_html(b, f.detail);
	wbuf_printf(b, "</p><dl class=\"facts\"><dt>Seen</dt><dd>%lld %s", (long long)f.count,
	            f.count == 1 ? "time" : "times");
	wbuf_puts(b, "</dd><dt>First</dt><dd>");
	wbuf_html(b, timefmt_iso(f.first_us, iso, sizeof(iso)));
	wbuf_puts(b, "</dd><dt>Last</dt><dd>");
	wbuf_html(b, timefmt_iso(f.last_us, iso, sizeof(iso)));
	wbuf_puts(b, "</dd><dt>Watch day</dt><dd>");
	if (f.watch_day >= 0)
		wbuf_printf(b, "%d", f.watch_day);
	wbuf_puts(b, "</dd><dt>Example</dt><dd class=\"name\">");
	wbuf_html(b, f.example);
	wbuf_puts(b, "</dd>");
	if (f.blocked)
		wbuf_puts(b, "<dt>Enforce</dt><dd>blocked: enforce mode dropped these attempts "
		          "(seen, not carried)</dd>");
	html_finding_actions(w, &f, b);
	wbuf_puts(b, "</section>\n");

	wbuf_puts(b, "<section class=\"panel\"><h2>Related DNS answers</h2><table class=\"grid\">"
	          "<thead><tr><th>Time</th><th>Name asked</th><th>Type</th>"
	          "<th>Answers (TTL)</th></tr>"
	          "</thead>"
	          "<tbody>");
	if (web_finding_dns_each(db, &f, related_dns_row, b) <= 0)
		wbuf_puts(b, "<tr><td colspan=\"3\" class=\"empty\">none</td></tr>");
	wbuf_puts(b, "</tbody></table></section>\n");

	wbuf_puts(b, "<section class=\"panel\"><h2>Related connections</h2><table class=\"grid\">"
	          "<thead><tr><th>Time</th><th>Source</th><th>Destination</th><th>Name</th></tr>"
	          "</thead><tbody>");
	if (web_finding_conns_each(db, &f, related_conn_row, b) <= 0)
		wbuf_puts(b, "<tr><td colspan=\"4\" class=\"empty\">none</td></tr>");
	wbuf_puts(b, "</tbody></table></section>\n");
	html_tail(b, r);
}
