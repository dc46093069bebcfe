/* webapi: SQL shared by the JSON API and the HTML pages, so both show the same rows.
 * Private to web/. */
#ifndef OCA_WEBAPI_H
#define OCA_WEBAPI_H

#include <stdint.h>

#include <sqlite3.h>

#include "params.h"

struct web;

#define WEB_ISO(x) "strftime('%Y-%m-%dT%H:%M:%SZ', (" x ") / 1000000, 'unixepoch')"
#define WEB_PROTO(x) "CASE " x " WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' " \
	"WHEN 58 THEN 'icmpv6' WHEN 132 THEN 'sctp' WHEN 136 THEN 'udplite' " \
	"WHEN 33 THEN 'dccp' ELSE CAST(" x " AS TEXT) END"

/* One page of DNS queries / connections as {"items": [...], "next_before": id|null}. */
extern const char web_dns_sql[], web_dns_name_sql[], web_dns_ip_sql[];
extern const char web_conn_sql[], web_conn_dest_sql[];

/* Prepare the page's statement with the filters bound (connections pick their plan
 * from the filters). NULL on error. */
sqlite3_stmt *web_dns_stmt(sqlite3 *db, const struct web_query *q);
sqlite3_stmt *web_conn_stmt(sqlite3 *db, const struct web_query *q);

/* The watch start as report.c decides it; 0 = not started. */
int64_t web_watch_start(const struct web *w, sqlite3 *db);

#endif
