/* webint: what the dashboard's files share: the server state, the output buffer (wbuf.h),
 * and the handlers that server.c routes to. Private to web/. */
#ifndef OCA_WEBINT_H
#define OCA_WEBINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/conf.h"
#include "params.h"
#include "common/queue.h"
#include "common/stats.h"
#include "wbuf.h"

#define WEB_DB_POOL 4
/* Report files being sent at once (api.c): the disk a burst of /api/report can hold is
 * this many reports; one more is answered 503. */
#define WEB_REPORT_FILES 2

/* The policy the daemon loaded, as the requests read it: the effective rules (the report
 * leaves the findings they expect out of the verdict, as `oc-audit report -c` does) and
 * the rules_file "expect this" appends to. Immutable once published: a reload or an
 * append builds a new one and swaps it in (web_set_rules, expect.c), and a request holds
 * the one it started with (web_rules_hold) until it lets go (web_rules_put); the last
 * holder frees it. */
struct web_rules {
	_Atomic int refs;
	struct rules *rs;               /* owned */
	char file[4096];                /* [policy] rules_file; "" = none */
};

struct web {
	const struct conf *conf;
	struct queue *q;
	struct stats *st;
	int64_t start_us;               /* when the process started (/metrics) */
	struct MHD_Daemon *mhd;
	int listen_fd;                  /* bound by web_open, handed to MHD by web_start */
	char where[NETADDR_STRLEN + 8];
	pthread_mutex_t token_mu;       /* token changes on SIGHUP: read it with web_token_copy */
	char token[256];                /* "" = no token configured */
	unsigned char session_key[32];  /* signs login sessions; random, this run's only */
	pthread_mutex_t login_mu;       /* the /login attempts bucket (guard.c) */
	unsigned login_tokens;
	int64_t login_refill_us;
	_Atomic int expensive;          /* expensive requests being answered (guard.c) */
	_Atomic int report_files;       /* report files being sent (api.c, server.c) */
	pthread_mutex_t pool_mu;
	sqlite3 *pool[WEB_DB_POOL];     /* idle read-only connections */
	int n_pool;
	pthread_mutex_t rules_mu;       /* guards the pointer only; the set is immutable */
	struct web_rules *rules;        /* one reference is the server's own; never NULL */
};

/* A new published policy: rs is taken (freed on failure too), file copied. One
 * reference, the caller's. NULL on out of memory. */
struct web_rules *web_rules_new(struct rules *rs, const char *file);

/* The policy now, with a reference the caller gives back with web_rules_put. Never NULL
 * once web_open succeeded. */
struct web_rules *web_rules_hold(struct web *w);

/* Let go of a reference; the last one frees it. NULL is fine. */
void web_rules_put(struct web_rules *wr);

/* Publish wr (its reference passes to the server) in place of the policy now, whose
 * server reference is let go. */
void web_rules_swap(struct web *w, struct web_rules *wr);

/* The token now ("" = none), copied into out (256 bytes). */
void web_token_copy(struct web *w, char out[256]);

/* A read-only connection from the pool (opened when none is idle), or NULL. */
sqlite3 *web_db_get(struct web *w);
void web_db_put(struct web *w, sqlite3 *db);

/* What a handler answers: status, content type and body (owned by the response). */
struct web_reply {
	unsigned status;
	const char *ctype;
	struct wbuf body;
	/* Or the body is a file's first file_len bytes (api_report): set file_web, and
	 * send_reply owns file_fd and gives back the report_files slot it took. */
	struct web *file_web;
	int file_fd;
	uint64_t file_len;
	char location[128];             /* for 303 redirects */
	unsigned retry_after;           /* seconds, for 429 and 503; 0 = none */
};

/* JSON API handlers (api.c). Each fills r; on a bad query a 400 with a fixed reason. */
void api_report(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r);
void api_dns(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r);
void api_connections(struct web *w, sqlite3 *db, const struct web_query *q,
                     struct web_reply *r);
void api_timeline(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r);
void api_findings(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r);
/* The Prometheus page (metrics.c). */
void api_metrics(struct web *w, sqlite3 *db, struct web_reply *r);
/* An acknowledgement's form, as sent: every field a string, "" when absent. */
struct web_ack {
	const char *note;   /* checked by ack_note_check */
	const char *until;  /* "" = for good; else ack_until_parse's forms */
	const char *by;     /* "" = "dashboard" */
	const char *remove; /* "1": take the acknowledgement back (no note, no until); "" or "0":
	                       acknowledge */
};
/* Queue the acknowledgement of a finding (or its removal) for the core thread: 202, or
 * 400 for a bad field, 404 for no such finding, 503 when the queue is full. */
void api_ack(struct web *w, sqlite3 *db, int64_t id, const struct web_ack *a,
             struct web_reply *r);
/* "Expect this": append the rule the finding calls for (ack_rule_for) to [policy]
 * rules_file, which the daemon rereads when it changes. 200 with the rule, 404 for no such
 * finding, 409 when no rule fits it, 412 when no rules_file is configured, 500 when the
 * file cannot be written. page: answer a form of the finding's page with a page saying
 * what was added, not JSON. */
void api_expect(struct web *w, sqlite3 *db, int64_t id, bool page, struct web_reply *r);

/* HTML pages (html.c). */
void html_overview(struct web *w, sqlite3 *db, struct web_reply *r);
void html_dns(struct web *w, sqlite3 *db, const struct web_query *q, struct web_reply *r);
void html_connections(struct web *w, sqlite3 *db, const struct web_query *q,
                      struct web_reply *r);
void html_finding(struct web *w, sqlite3 *db, int64_t id, struct web_reply *r);
/* The finding page's status, note, acknowledgement form and "expect this" (expect.c):
 * the rest of its facts list, closed here. */
struct web_finding;
void html_finding_actions(struct web *w, const struct web_finding *f, struct wbuf *b);
void html_login(struct web *w, const char *problem, struct web_reply *r);
/* A small page for an error status; reason is a fixed string, never request data. */
void html_error(struct web_reply *r, unsigned status, const char *reason);
/* The same for the API, as {"error": reason}. */
void api_error(struct web_reply *r, unsigned status, const char *reason);

#endif
