/* webapi: SQL shared by the JSON API and the HTML pages, so both show the same rows.
 * Private to web/. */
#ifndef OCA_WEBAPI_H
#define OCA_WEBAPI_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/ack.h"
#include "common/db.h"
#include "common/proto.h"
#include "common/watch.h"
#include "params.h"

struct web;

/* One page of DNS queries / connections as {"items": [...], "next_before": id|null}. */
extern const char web_dns_sql[], web_dns_name_sql[], web_dns_ip_sql[];
extern const char web_conn_sql[], web_conn_dest_sql[];

/* Prepare the page's statement with the filters bound (connections pick their plan
 * from the filters). NULL on error. */
sqlite3_stmt *web_dns_stmt(sqlite3 *db, const struct web_query *q);
sqlite3_stmt *web_conn_stmt(sqlite3 *db, const struct web_query *q);

/* The watch week at now, for the configured start and days and what db holds. */
void web_watch(const struct web *w, sqlite3 *db, int64_t now_us, struct watch *out);

/* One finding as stored (apifind.c). Text fields are "" when the finding has none; they
 * came from the VM, so every page escapes them. */
struct web_finding {
	int64_t id;
	char kind[64];
	char domain[1100];
	char ip[NETADDR_STRLEN];
	int port;                   /* -1 = none */
	char proto[16];
	int64_t count, first_us, last_us;
	int watch_day;              /* -1 = none */
	char detail[512];
	char example[1400];         /* the event that raised it */
	int64_t conn_id, query_id;  /* 0 = none */
	int64_t acked_us;           /* 0 = open (never acknowledged, or the ack expired) */
	bool blocked;               /* enforce mode dropped these attempts */
	int64_t ack_given_us;       /* the last acknowledgement, expired or not; 0 = none */
	int64_t ack_until_us;       /* when it expires (or expired); 0 = never */
	char ack_note[ACK_NOTE_MAX + 1];  /* the operator's note; "" = none */
	char ack_by[ACK_BY_MAX];     /* "dashboard", "cli (root)"; "" = unknown */
};

/* The rule "expect this" adds for f, as [policy] expect writes it ("evil.example
 * tcp/443"), into out (RULES_LINELEN suffices). Returns 0, or -1 with a reason in err when
 * no rule fits the finding (ack_rule_for). */
int web_expect_rule(const struct web_finding *f, char *out, size_t outlen, char *err,
                    size_t errlen);

/* The finding with id into f. Returns 1, 0 if there is none, or -1 on a database error. */
int web_finding_get(sqlite3 *db, int64_t id, struct web_finding *f);

/* The latest findings (open ones first, the most serious kinds first, then by last
 * seen), at most limit, each handed
 * to row. Returns how many, or -1 on a database error. */
int web_findings_each(sqlite3 *db, int limit,
                      void (*row)(void *arg, const struct web_finding *f), void *arg);

/* A DNS query about a finding: its name (and the names under it), or an answer that
 * held its address. Strings valid during the call. */
struct web_related_dns {
	int64_t ts_us;
	const char *qname;
	const char *answers;        /* "addr (ttl s)" lines */
	int qtype;                  /* shown through dnstype_name */
};

/* A connection about a finding: to a destination that matches what it names. */
struct web_related_conn {
	int64_t ts_us;
	const char *src, *dst;
	int dport;                  /* -1 = none */
	int proto;
	const char *domain;         /* "" = not attributed */
};

/* The latest (at most 200) of each, newest first, handed to row. Each related list
 * takes the latest rows of each matching name or destination by index, so a finding
 * about an address millions of rows use is as quick as any. Returns how many, or -1. */
int web_finding_dns_each(sqlite3 *db, const struct web_finding *f,
                         void (*row)(void *arg, const struct web_related_dns *r), void *arg);
int web_finding_conns_each(sqlite3 *db, const struct web_finding *f,
                           void (*row)(void *arg, const struct web_related_conn *r),
                           void *arg);

#endif
