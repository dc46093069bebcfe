/* htmlint: the page frame and table cells shared by the HTML pages (html.c, htmllist.c).
 * Every string they are given is escaped with wbuf_html. Private to web/. */
#ifndef OCA_WEB_HTMLINT_H
#define OCA_WEB_HTMLINT_H

#include <sqlite3.h>

#include "report/report.h"
#include "wbuf.h"

struct web;
struct web_reply;

/* Open a page: doctype, head with the assets, the top bar with page's nav entry marked
 * and, when w is not NULL (error pages have none), the mode: audit or enforce. */
void html_head(struct wbuf *b, const struct web *w, const char *title, const char *page);
/* Close the page and set r's content type, and its status to 200 unless already set. */
void html_tail(struct wbuf *b, struct web_reply *r);
/* Column i of the current row as text; "" for NULL. Valid until the next step. */
const char *html_col(sqlite3_stmt *st, int i);
/* A <td> (with class cls unless NULL) holding text. */
void html_td(struct wbuf *b, const char *cls, const char *text);
/* A <td> holding an ISO time, shown as "MM-DD hh:mm:ss". */
void html_td_time(struct wbuf *b, const char *iso);
/* A destination as name, and address:port/proto when there is an address. */
void html_dest(struct wbuf *b, const char *domain, const char *ip, const char *port,
               const char *proto);

/* The verdict's counts of the findings of the window, for the overview's card. */
struct html_counts {
	int64_t findings;    /* the verdict's "N FINDINGS" (report_finding_counts) */
	int64_t open;        /* of those, unacknowledged: the verdict's "unacknowledged" */
	int64_t expected;    /* in the window and expected by the rules now (out of both) */
};

/* The report over o on db, as the overview shows it (htmlcov.c): its verdict sentence,
 * and the window's command line, into verdict; the Coverage panel (each sensor, its
 * blind stretches) into list; the verdict's counts into *n. Returns 0, or -1 when the
 * report's queries failed (both then say so, and *n is zero). */
int html_coverage(sqlite3 *db, const struct report_opts *o, struct wbuf *verdict,
                  struct wbuf *list, struct html_counts *n);

#endif
