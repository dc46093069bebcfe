/* The list pages: the DNS log and the connections, each with a filter form and keyset
 * paging. Their rows come from the same SQL as the JSON API (webapi.h), walked with
 * json_each, so the page and /api/dns or /api/connections never disagree. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "common/dnstype.h"
#include "htmlint.h"
#include "common/timefmt.h"
#include "webapi.h"
#include "webint.h"

/* The filter form, holding the values given (escaped: they came from the request). */
static void
filter_form(struct wbuf *b, const char *action, const struct web_query *q, bool conn)
{
	const char *const *kinds;
	int nk = web_kind_names(conn ? WQ_CONN : WQ_DNS, &kinds);
	char since[TIMEFMT_ISOLEN], pb[PROTO_NAMELEN];

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
			wbuf_html(b, proto_name(q->proto, pb));
		wbuf_puts(b, "\"></label>");
	} else {
		wbuf_puts(b, "<label>Type <input name=\"qtype\" size=\"6\" value=\"");
		if (q->qtype >= 0) {
			char tb[DNSTYPE_NAMELEN];

			wbuf_puts(b, dnstype_name((uint16_t)q->qtype, tb));
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

	html_head(b, w, "DNS log", "dns");
	wbuf_puts(b, "<section class=\"panel\"><h1>DNS log</h1>");
	filter_form(b, "/dns", q, false);
	wbuf_puts(b, "<table class=\"grid\"><thead><tr><th>Time</th><th>Name asked</th>"
	          "<th>Type</th><th>Result</th><th>Answers (TTL)</th></tr></thead><tbody>");
	st = json ? walk(db, json, "value->>'ts', value->>'qname', value->>'qtype', "
	            "oca_rcode(coalesce(value->>'rcode', -1)), "
	            "(SELECT group_concat(a.value->>'data' || ' (' || (a.value->>'ttl') || 's)', "
	            "char(10)) FROM json_each(it.value, '$.answers') a), value->>'transport'")
	         : NULL;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		char tb[DNSTYPE_NAMELEN];

		wbuf_puts(b, "<tr>");
		html_td_time(b, html_col(st, 0));
		html_td(b, "name", html_col(st, 1));
		html_td(b, NULL, dnstype_name((uint16_t)sqlite3_column_int(st, 2), tb));
		html_td(b, strcmp(html_col(st, 3), "NOERROR") ? "warn" : NULL, html_col(st, 3));
		html_td(b, "ans", html_col(st, 4));
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
	html_tail(b, r);
}

void
html_connections(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r)
{
	struct wbuf *b = &r->body;
	char *json = list_json(web_conn_stmt(db, q));
	sqlite3_stmt *st;
	long long next;
	int n = 0;

	html_head(b, w, "Connections", "connections");
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
		bool expected = strcmp(html_col(st, 6), "1") == 0;

		wbuf_printf(b, "<tr%s>", expected ? "" : " class=\"unexp\"");
		html_td_time(b, html_col(st, 0));
		wbuf_puts(b, "<td>");
		html_dest(b, "", html_col(st, 1), html_col(st, 2), html_col(st, 3));
		wbuf_puts(b, "</td>");
		html_td(b, "name", *html_col(st, 4) ? html_col(st, 4) : "-");
		wbuf_puts(b, "<td class=\"why\">");
		if (*html_col(st, 7)) {
			wbuf_puts(b, "answer to <span class=\"name\">");
			wbuf_html(b, html_col(st, 7));
			wbuf_puts(b, "</span> at ");
			wbuf_html(b, html_col(st, 8));
			wbuf_puts(b, ", TTL ");
			wbuf_html(b, *html_col(st, 9) ? html_col(st, 9) : "?");
			wbuf_puts(b, "s, used ");
			wbuf_html(b, html_col(st, 10));
			wbuf_puts(b, "s later");
			if (strcmp(html_col(st, 5), "stale answer") == 0)
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
	html_tail(b, r);
}
