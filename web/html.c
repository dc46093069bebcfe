/* The server-rendered pages. They hold every core table, so the dashboard works with
 * scripts off; app.js only adds the timeline, live findings and one-click acknowledge.
 * Each VM-controlled string reaches the page through wbuf_html (escape_html) and
 * nothing else; links carry only numbers or percent-encoded filter values. Lists come
 * from the same SQL as the JSON API (webapi.h), walked with json_each. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "webapi.h"
#include "webint.h"

#define DAY_US (INT64_C(86400) * US_PER_SEC)

static void
page_head(struct wbuf *b, const char *title, const char *page)
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
	wbuf_puts(b, "<a href=\"/api/report?since=7d\">Report JSON</a></nav>"
	          "<span class=\"vm\">VM 192.168.83.2 · egress audit</span></header>\n<main>\n");
}

static void
page_tail(struct wbuf *b, struct web_reply *r)
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
	page_head(&r->body, "Error", "error");
	wbuf_printf(&r->body, "<section class=\"panel\"><h1>%u</h1><p>", status);
	wbuf_html(&r->body, reason);
	wbuf_puts(&r->body, "</p><p><a href=\"/\">Back to the overview</a></p></section>");
	r->status = status;
	page_tail(&r->body, r);
}

void
html_login(struct web *w, const char *problem, struct web_reply *r)
{
	(void)w;
	page_head(&r->body, "Sign in", "login");
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
	page_tail(&r->body, r);
}

/* Percent-encode for a query string value: everything but unreserved bytes. */
static void
wbuf_url(struct wbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			wbuf_put(b, (const char *)p, 1);
		} else {
			e[0] = '%';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 15];
			wbuf_put(b, e, 3);
		}
	}
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static void
td(struct wbuf *b, const char *cls, const char *text)
{
	if (cls)
		wbuf_printf(b, "<td class=\"%s\">", cls);
	else
		wbuf_puts(b, "<td>");
	wbuf_html(b, text);
	wbuf_puts(b, "</td>");
}

/* "2026-11-29T03:28:42Z" as "11-29 03:28:42" in a <time>. */
static void
td_time(struct wbuf *b, const char *iso)
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

static void
dest_text(struct wbuf *b, const char *domain, const char *ip, const char *port,
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

/* The findings table rows (shared by the overview; app.js adds rows the same way). */
static void
findings_rows(struct wbuf *b, sqlite3 *db, int *n)
{
	sqlite3_stmt *st;

	*n = 0;
	if (sqlite3_prepare_v2(db,
	        "SELECT id, kind, coalesce(domain, ''), coalesce(ip, ''), coalesce(port, ''),"
	        " coalesce(proto, ''), count, " WEB_ISO("first_us") ", " WEB_ISO("last_us") ","
	        " detail, acked_us IS NOT NULL FROM findings"
	        " ORDER BY acked_us IS NOT NULL, last_us DESC LIMIT 500", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		int acked = sqlite3_column_int(st, 10);

		wbuf_printf(b, "<tr id=\"finding-%lld\" data-id=\"%lld\"%s>", id, id,
		            acked ? " class=\"acked\"" : "");
		wbuf_puts(b, "<td><span class=\"kind\">");
		wbuf_html(b, col(st, 1));
		wbuf_printf(b, "</span></td><td><a href=\"/findings/%lld\">", id);
		dest_text(b, col(st, 2), col(st, 3), col(st, 4), col(st, 5));
		wbuf_puts(b, "</a><div class=\"detail\">");
		wbuf_html(b, col(st, 9));
		wbuf_puts(b, "</div></td>");
		td(b, "n", col(st, 6));
		td_time(b, col(st, 7));
		td_time(b, col(st, 8));
		if (acked)
			wbuf_puts(b, "<td class=\"st\">acknowledged</td>");
		else
			wbuf_printf(b, "<td class=\"st\"><form method=\"post\" class=\"ack\" "
			            "action=\"/api/findings/%lld/ack?from=overview\"><button>"
			            "Acknowledge</button></form></td>", id);
		wbuf_puts(b, "</tr>\n");
		(*n)++;
	}
	sqlite3_finalize(st);
}

static void
destinations_table(struct wbuf *b, sqlite3 *db, int expected, const char *title)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db,
	        "SELECT domain, ip, port, " WEB_PROTO("proto") ", connections, "
	        WEB_ISO("first_us") ", " WEB_ISO("last_us") " FROM destinations"
	        " WHERE expected = ?1 AND connections > 0 ORDER BY connections DESC LIMIT 50",
	        -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int(st, 1, expected);
	wbuf_printf(b, "<section class=\"panel\"><h2>%s</h2><table class=\"grid\"><thead><tr>"
	            "<th>Destination</th><th class=\"n\">Connections</th><th>First seen</th>"
	            "<th>Last seen</th></tr></thead><tbody>", title);
	while (sqlite3_step(st) == SQLITE_ROW) {
		wbuf_puts(b, "<tr><td>");
		dest_text(b, col(st, 0), col(st, 1), col(st, 2), col(st, 3));
		wbuf_puts(b, "</td>");
		td(b, "n", col(st, 4));
		td_time(b, col(st, 5));
		td_time(b, col(st, 6));
		wbuf_puts(b, "</tr>\n");
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0)
		wbuf_puts(b, "<tr><td colspan=\"4\" class=\"empty\">none yet</td></tr>");
	wbuf_puts(b, "</tbody></table></section>\n");
}

void
html_overview(struct web *w, sqlite3 *db, struct web_reply *r)
{
	struct wbuf *b = &r->body;
	int64_t now = timefmt_now_us(), start = web_watch_start(w, db);
	long long days = w->conf->watch_days, day = 0, conns, dnsq, nfind, nopen, lost;
	char iso[TIMEFMT_ISOLEN], n1[32], n2[32], n3[32];
	int n;

	if (start > 0 && now > start)
		day = (now - 1 - start) / DAY_US + 1;
	/* totals over the watch from the hourly rollup: cheap however long the week */
	conns = one_int(db, "SELECT coalesce(sum(connections), 0) FROM hourly "
	                "WHERE hour >= ?1 / 3600000000", start, 0);
	dnsq = one_int(db, "SELECT coalesce(sum(dns_queries), 0) FROM hourly "
	               "WHERE hour >= ?1 / 3600000000", start, 0);
	lost = one_int(db, "SELECT coalesce(sum(count), 0) FROM losses WHERE ts_us >= ?1",
	               start, 0);
	nfind = one_int(db, "SELECT count(*) FROM findings", 0, 0);
	nopen = one_int(db, "SELECT count(*) FROM findings WHERE acked_us IS NULL", 0, 0);

	page_head(b, "Overview", "overview");
	if (lost > 0)
		wbuf_printf(b, "<div class=\"banner bad\" role=\"alert\"><strong>%lld event%s "
		            "lost.</strong> The collector knows it did not store them (see "
		            "<code>/metrics</code> and the losses table): the record of this watch "
		            "is incomplete.</div>\n", lost, lost == 1 ? " was" : "s were");

	wbuf_puts(b, "<section class=\"panel watch\">");
	if (start <= 0) {
		wbuf_puts(b, "<h1>Watch not started</h1><p>No event has been seen yet.</p>");
	} else if (day <= days) {
		wbuf_printf(b, "<h1>Day %lld of %lld</h1><progress max=\"%lld\" value=\"%lld\">"
		            "</progress><p>Watching since %s.", day, days, days, day,
		            timefmt_iso(start, iso, sizeof(iso)));
		wbuf_printf(b, " So far: %s.</p>", nfind == 0 ? "nothing unexpected"
		            : nfind == 1 ? "1 finding" : "findings below");
	} else {
		wbuf_printf(b, "<h1>The %lld-day watch is over</h1><p class=\"verdict %s\">",
		            days, nfind == 0 && lost == 0 ? "good" : "bad");
		if (nfind == 0 && lost == 0)
			wbuf_puts(b, "Verdict: clean. Every connection went to the expected set and "
			          "nothing was lost.");
		else if (nfind == 0)
			wbuf_printf(b, "Verdict: no findings, but %lld events were lost.", lost);
		else
			wbuf_printf(b, "Verdict: %lld finding%s.", nfind, nfind == 1 ? "" : "s");
		wbuf_printf(b, "</p><p>Watched from %s; monitoring goes on.</p>",
		            timefmt_iso(start, iso, sizeof(iso)));
	}
	wbuf_puts(b, "</section>\n");

	wbuf_printf(b, "<section class=\"cards\">"
	            "<div class=\"card\"><span>Connections</span><b>%s</b></div>"
	            "<div class=\"card\"><span>DNS queries</span><b>%s</b></div>"
	            "<div class=\"card%s\"><span>Findings open</span><b id=\"open-count\">%lld"
	            "</b><small>of %lld</small></div>"
	            "<div class=\"card%s\"><span>Events lost</span><b>%s</b></div></section>\n",
	            thousands(conns, n1), thousands(dnsq, n2), nopen ? " bad" : " good", nopen,
	            nfind, lost ? " bad" : " good", thousands(lost, n3));

	wbuf_puts(b, "<section class=\"panel\"><h2>Last 7 days</h2><div id=\"timeline\" "
	          "class=\"chart\" data-src=\"/api/timeline?since=7d\"><noscript>The timeline "
	          "is drawn by the page's script; the tables below hold everything.</noscript>"
	          "</div></section>\n");

	wbuf_puts(b, "<section class=\"panel\"><h2>Findings <span class=\"live\" id=\"live\">"
	          "</span></h2><table class=\"grid\" id=\"findings\"><thead><tr><th>Kind</th>"
	          "<th>Destination</th><th class=\"n\">Count</th><th>First seen</th>"
	          "<th>Last seen</th><th></th></tr></thead><tbody>");
	findings_rows(b, db, &n);
	wbuf_printf(b, "</tbody></table><p class=\"empty\" id=\"no-findings\"%s>No findings: "
	            "the VM talked only to the expected set.</p></section>\n",
	            n ? " hidden" : "");
	wbuf_printf(b, "<span hidden id=\"last-finding\" data-id=\"%lld\"></span>",
	            one_int(db, "SELECT coalesce(max(id), 0) FROM findings", 0, 0));

	destinations_table(b, db, 1, "Expected destinations");
	destinations_table(b, db, 0, "Other destinations");
	page_tail(b, r);
}

/* The filter form, holding the values given (escaped: they came from the request). */
static void
filter_form(struct wbuf *b, const char *action, const struct web_query *q, bool conn)
{
	static const char *const conn_kinds[] = { "", "expected", "unexpected", "stale",
		"unattributed" };
	static const char *const dns_kinds[] = { "", "answered", "nxdomain", "servfail",
		"refused", "unanswered" };
	const char *const *kinds = conn ? conn_kinds : dns_kinds;
	int nk = conn ? 5 : 6;
	char since[TIMEFMT_ISOLEN];

	wbuf_printf(b, "<form class=\"filters\" method=\"get\" action=\"%s\">", action);
	wbuf_puts(b, "<label>Name <input name=\"name\" value=\"");
	wbuf_html(b, q->name);
	wbuf_puts(b, "\" placeholder=\"part of a name\"></label><label>IP <input name=\"ip\" "
	          "value=\"");
	wbuf_html(b, q->has_ip ? q->ip : "");
	wbuf_puts(b, "\" placeholder=\"198.51.100.2\"></label>");
	if (conn) {
		wbuf_puts(b, "<label>Port <input name=\"port\" size=\"5\" value=\"");
		if (q->port >= 0)
			wbuf_printf(b, "%d", q->port);
		wbuf_puts(b, "\"></label><label>Proto <input name=\"proto\" size=\"5\" value=\"");
		if (q->proto >= 0)
			wbuf_html(b, web_proto_name(q->proto) ? web_proto_name(q->proto) : "");
		wbuf_puts(b, "\"></label>");
	} else {
		wbuf_puts(b, "<label>Type <input name=\"qtype\" size=\"6\" value=\"");
		if (q->qtype >= 0) {
			if (web_qtype_name(q->qtype))
				wbuf_puts(b, web_qtype_name(q->qtype));
			else
				wbuf_printf(b, "%d", q->qtype);
		}
		wbuf_puts(b, "\"></label>");
	}
	wbuf_puts(b, "<label>Kind <select name=\"kind\">");
	for (int i = 0; i < nk; i++)
		wbuf_printf(b, "<option value=\"%s\"%s>%s</option>", kinds[i],
		            q->kind == i ? " selected" : "", i ? kinds[i] : "any");
	wbuf_printf(b, "</select></label><label>Since <input name=\"since\" size=\"20\" "
	            "value=\"%s\"></label><button>Filter</button></form>\n",
	            timefmt_iso(q->since_us, since, sizeof(since)));
}

/* The link to the next (older) page, with the same filters. */
static void
older_link(struct wbuf *b, const char *action, const struct web_query *q, long long next)
{
	char since[TIMEFMT_ISOLEN];

	wbuf_printf(b, "<p class=\"pager\"><a href=\"%s?before=%lld&amp;since=", action, next);
	wbuf_url(b, timefmt_iso(q->since_us, since, sizeof(since)));
	if (q->name[0]) {
		struct wbuf u = { 0 };

		wbuf_url(&u, q->name);
		wbuf_puts(b, "&amp;name=");
		wbuf_html(b, u.p ? u.p : "");
		wbuf_free(&u);
	}
	if (q->has_ip) {
		wbuf_puts(b, "&amp;ip=");
		wbuf_url(b, q->ip);
	}
	if (q->port >= 0)
		wbuf_printf(b, "&amp;port=%d", q->port);
	if (q->proto >= 0)
		wbuf_printf(b, "&amp;proto=%d", q->proto);
	if (q->qtype >= 0)
		wbuf_printf(b, "&amp;qtype=%d", q->qtype);
	if (q->kind > 0) {
		static const char *const ck[] = { "", "expected", "unexpected", "stale",
			"unattributed" };
		static const char *const dk[] = { "", "answered", "nxdomain", "servfail", "refused",
			"unanswered" };

		wbuf_printf(b, "&amp;kind=%s", q->for_kind == WQ_CONN ? ck[q->kind] : dk[q->kind]);
	}
	wbuf_printf(b, "&amp;limit=%u\">Older &rarr;</a></p>\n", q->limit);
}

/* Run a list statement; returns its JSON (caller frees) or NULL. */
static char *
list_json(sqlite3_stmt *st)
{
	char *json = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		json = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return json;
}

static sqlite3_stmt *
walk(sqlite3 *db, const char *json, const char *fields)
{
	char sql[2048];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT %s FROM json_each(?1, '$.items') AS it", fields);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	return st;
}

static long long
next_before(sqlite3 *db, const char *json)
{
	sqlite3_stmt *st;
	long long v = 0;

	if (!json || sqlite3_prepare_v2(db, "SELECT coalesce(json_extract(?1, '$.next_before'),"
	                                " 0)", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

void
html_dns(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	struct wbuf *b = &r->body;
	char *json = list_json(web_dns_stmt(db, q));
	sqlite3_stmt *st;
	long long next;
	int n = 0;

	(void)w;
	page_head(b, "DNS log", "dns");
	wbuf_puts(b, "<section class=\"panel\"><h1>DNS log</h1>");
	filter_form(b, "/dns", q, false);
	wbuf_puts(b, "<table class=\"grid\"><thead><tr><th>Time</th><th>Name asked</th>"
	          "<th>Type</th><th>Result</th><th>Answers (TTL)</th></tr></thead><tbody>");
	st = json ? walk(db, json, "value->>'ts', value->>'qname', value->>'qtype', "
	            "CASE value->>'rcode' WHEN 0 THEN 'NOERROR' WHEN 2 THEN 'SERVFAIL' "
	            "WHEN 3 THEN 'NXDOMAIN' WHEN 5 THEN 'REFUSED' WHEN 1 THEN 'FORMERR' "
	            "ELSE coalesce(value->>'rcode', 'no answer') END, "
	            "(SELECT group_concat(a.value->>'data' || ' (' || (a.value->>'ttl') || 's)', "
	            "char(10)) FROM json_each(it.value, '$.answers') a), value->>'transport'")
	         : NULL;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int qt = sqlite3_column_int(st, 2);
		const char *tn = web_qtype_name(qt);

		wbuf_puts(b, "<tr>");
		td_time(b, col(st, 0));
		td(b, "name", col(st, 1));
		if (tn)
			td(b, NULL, tn);
		else
			wbuf_printf(b, "<td>TYPE%d</td>", qt);
		td(b, strcmp(col(st, 3), "NOERROR") ? "warn" : NULL, col(st, 3));
		td(b, "ans", col(st, 4));
		wbuf_puts(b, "</tr>\n");
		n++;
	}
	sqlite3_finalize(st);
	if (!json)
		wbuf_puts(b, "<tr><td colspan=\"5\" class=\"empty\">the query failed</td></tr>");
	else if (n == 0)
		wbuf_puts(b, "<tr><td colspan=\"5\" class=\"empty\">no queries match</td></tr>");
	wbuf_puts(b, "</tbody></table>");
	if ((next = next_before(db, json)) > 0)
		older_link(b, "/dns", q, next);
	wbuf_puts(b, "</section>\n");
	free(json);
	page_tail(b, r);
}

void
html_connections(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	struct wbuf *b = &r->body;
	char *json = list_json(web_conn_stmt(db, q));
	sqlite3_stmt *st;
	long long next;
	int n = 0;

	(void)w;
	page_head(b, "Connections", "connections");
	wbuf_puts(b, "<section class=\"panel\"><h1>Connections</h1>");
	filter_form(b, "/connections", q, true);
	wbuf_puts(b, "<table class=\"grid\"><thead><tr><th>Time</th><th>Destination</th>"
	          "<th>Name</th><th>Why this name</th><th></th></tr></thead><tbody>");
	st = json ? walk(db, json, "value->>'ts', value->>'dst', coalesce(value->>'dport', ''), "
	            "value->>'proto', coalesce(value->>'domain', ''), value->>'attribution', "
	            "value->>'expected', value->'why'->>'qname', value->'why'->>'answered', "
	            "value->'why'->>'ttl', value->'why'->>'age_s', value->>'domains'")
	         : NULL;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		bool expected = strcmp(col(st, 6), "1") == 0;

		wbuf_printf(b, "<tr%s>", expected ? "" : " class=\"unexp\"");
		td_time(b, col(st, 0));
		wbuf_puts(b, "<td>");
		dest_text(b, "", col(st, 1), col(st, 2), col(st, 3));
		wbuf_puts(b, "</td>");
		td(b, "name", *col(st, 4) ? col(st, 4) : "-");
		wbuf_puts(b, "<td class=\"why\">");
		if (*col(st, 7)) {
			wbuf_puts(b, "answer to <span class=\"name\">");
			wbuf_html(b, col(st, 7));
			wbuf_puts(b, "</span> at ");
			wbuf_html(b, col(st, 8));
			wbuf_puts(b, ", TTL ");
			wbuf_html(b, *col(st, 9) ? col(st, 9) : "?");
			wbuf_puts(b, "s, used ");
			wbuf_html(b, col(st, 10));
			wbuf_puts(b, "s later");
			if (strcmp(col(st, 5), "stale answer") == 0)
				wbuf_puts(b, " <b class=\"warn\">(after the TTL ran out)</b>");
		} else {
			wbuf_puts(b, "no DNS answer gave the VM this address");
		}
		wbuf_printf(b, "</td><td>%s</td></tr>\n", expected ? "<span class=\"ok\">expected"
		            "</span>" : "<span class=\"kind\">unexpected</span>");
		n++;
	}
	sqlite3_finalize(st);
	if (!json)
		wbuf_puts(b, "<tr><td colspan=\"5\" class=\"empty\">the query failed</td></tr>");
	else if (n == 0)
		wbuf_puts(b, "<tr><td colspan=\"5\" class=\"empty\">no connections match</td></tr>");
	wbuf_puts(b, "</tbody></table>");
	if ((next = next_before(db, json)) > 0)
		older_link(b, "/connections", q, next);
	wbuf_puts(b, "</section>\n");
	free(json);
	page_tail(b, r);
}

void
html_finding(struct web *w, sqlite3 *db, int64_t id, struct web_reply *r)
{
	struct wbuf *b = &r->body;
	sqlite3_stmt *st;
	char domain[1100] = "", ip[NETADDR_STRLEN] = "", proto[16] = "";
	long long conn_id = 0, query_id = 0, port = -1;
	int n = 0;

	(void)w;
	if (sqlite3_prepare_v2(db,
	        "SELECT kind, coalesce(domain, ''), coalesce(ip, ''), coalesce(port, ''),"
	        " coalesce(proto, ''), count, " WEB_ISO("first_us") ", " WEB_ISO("last_us") ","
	        " coalesce(watch_day, ''), detail, coalesce(example, ''),"
	        " coalesce(conn_id, 0), coalesce(query_id, 0), acked_us IS NOT NULL,"
	        " CASE WHEN acked_us THEN " WEB_ISO("acked_us") " ELSE '' END,"
	        " coalesce(port, -1) FROM findings WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		html_error(r, 500, "database query failed");
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		html_error(r, 404, "no such finding");
		return;
	}
	page_head(b, "Finding", "finding");
	wbuf_puts(b, "<section class=\"panel\"><h1><span class=\"kind\">");
	wbuf_html(b, col(st, 0));
	wbuf_puts(b, "</span> ");
	dest_text(b, col(st, 1), col(st, 2), col(st, 3), col(st, 4));
	wbuf_puts(b, "</h1><p class=\"detail big\">");
	wbuf_html(b, col(st, 9));
	wbuf_puts(b, "</p><dl class=\"facts\"><dt>Seen</dt><dd>");
	wbuf_html(b, col(st, 5));
	wbuf_puts(b, " times</dd><dt>First</dt><dd>");
	wbuf_html(b, col(st, 6));
	wbuf_puts(b, "</dd><dt>Last</dt><dd>");
	wbuf_html(b, col(st, 7));
	wbuf_puts(b, "</dd><dt>Watch day</dt><dd>");
	wbuf_html(b, col(st, 8));
	wbuf_puts(b, "</dd><dt>Example</dt><dd class=\"name\">");
	wbuf_html(b, col(st, 10));
	wbuf_puts(b, "</dd><dt>Status</dt><dd>");
	if (sqlite3_column_int(st, 13)) {
		wbuf_puts(b, "acknowledged ");
		wbuf_html(b, col(st, 14));
	} else {
		wbuf_printf(b, "open <form method=\"post\" class=\"ack\" action=\"/api/findings/"
		            "%lld/ack?from=finding\"><button>Acknowledge</button></form>",
		            (long long)id);
	}
	wbuf_puts(b, "</dd></dl></section>\n");
	snprintf(domain, sizeof(domain), "%s", col(st, 1));
	snprintf(ip, sizeof(ip), "%s", col(st, 2));
	snprintf(proto, sizeof(proto), "%s", col(st, 4));
	conn_id = sqlite3_column_int64(st, 11);
	query_id = sqlite3_column_int64(st, 12);
	port = sqlite3_column_int64(st, 15);
	sqlite3_finalize(st);

	/* every DNS answer about it: queries for its name, answers that gave its address */
	wbuf_puts(b, "<section class=\"panel\"><h2>Related DNS answers</h2><table class=\"grid\">"
	          "<thead><tr><th>Time</th><th>Name asked</th><th>Answers (TTL)</th></tr></thead>"
	          "<tbody>");
	if (sqlite3_prepare_v2(db,
	        "SELECT " WEB_ISO("q.ts_us") ", q.qname, (SELECT group_concat(a.data || ' (' ||"
	        " a.ttl || 's)', char(10)) FROM dns_answers a WHERE a.query_id = q.id)"
	        " FROM dns_queries q WHERE q.id IN (SELECT ?1"
	        /* the latest of each kind, by index: a finding about the expected
	         * service's address must not read a million answers */
	        " UNION ALL SELECT id FROM (SELECT id FROM dns_queries WHERE ?2 <> ''"
	        "  AND qname = ?2 ORDER BY ts_us DESC LIMIT 200)"
	        " UNION ALL SELECT query_id FROM (SELECT query_id FROM dns_answers"
	        "  WHERE ?3 <> '' AND data = ?3 ORDER BY id DESC LIMIT 200)"
	        /* names under it (dns-tunnel, *.domain), from the names rollup */
	        " UNION ALL SELECT id FROM (SELECT id FROM dns_queries WHERE qname IN"
	        "  (SELECT name FROM dns_names WHERE ?2 <> '' AND"
	        "   substr(name, -length(?2) - 1) = '.' || ?2) ORDER BY ts_us DESC LIMIT 200))"
	        " ORDER BY q.ts_us DESC LIMIT 200", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, query_id);
		sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ip, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			wbuf_puts(b, "<tr>");
			td_time(b, col(st, 0));
			td(b, "name", col(st, 1));
			td(b, "ans", col(st, 2));
			wbuf_puts(b, "</tr>\n");
			n++;
		}
		sqlite3_finalize(st);
	}
	if (n == 0)
		wbuf_puts(b, "<tr><td colspan=\"3\" class=\"empty\">none</td></tr>");
	wbuf_puts(b, "</tbody></table></section>\n");

	/* connections to every destination matching what the finding names (its name, or
	 * no name for direct-ip; its address, port, proto), the latest 200 of each by the
	 * (dest_id, ts_us) index, and the one that raised it */
	n = 0;
	wbuf_puts(b, "<section class=\"panel\"><h2>Related connections</h2><table class=\"grid\">"
	          "<thead><tr><th>Time</th><th>Source</th><th>Destination</th><th>Name</th></tr>"
	          "</thead><tbody>");
	if (sqlite3_prepare_v2(db,
	        "SELECT " WEB_ISO("c.ts_us") ", c.src, c.dst, coalesce(c.dport, ''), "
	        WEB_PROTO("c.proto") ", coalesce(c.domain, '') FROM connections c"
	        " WHERE c.id IN (SELECT ?1 UNION ALL"
	        " SELECT x.id FROM destinations d, connections x"
	        "  WHERE (?2 = '' AND d.domain = '' OR d.domain = ?2) AND (?3 = '' OR d.ip = ?3)"
	        "  AND (?4 < 0 OR d.port = ?4) AND (?5 = '' OR " WEB_PROTO("d.proto") " = ?5)"
	        "  AND x.id IN (SELECT id FROM connections WHERE dest_id = d.id"
	        "   ORDER BY ts_us DESC LIMIT 200))"
	        " ORDER BY c.ts_us DESC LIMIT 200", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, conn_id);
		sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ip, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, port);
		sqlite3_bind_text(st, 5, proto, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			wbuf_puts(b, "<tr>");
			td_time(b, col(st, 0));
			td(b, "addr", col(st, 1));
			wbuf_puts(b, "<td>");
			dest_text(b, "", col(st, 2), col(st, 3), col(st, 4));
			wbuf_puts(b, "</td>");
			td(b, "name", *col(st, 5) ? col(st, 5) : "-");
			wbuf_puts(b, "</tr>\n");
			n++;
		}
		sqlite3_finalize(st);
	}
	if (n == 0)
		wbuf_puts(b, "<tr><td colspan=\"4\" class=\"empty\">none</td></tr>");
	wbuf_puts(b, "</tbody></table></section>\n");
	page_tail(b, r);
}
