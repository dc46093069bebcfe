/* webapi: SQL shared by the JSON API and the HTML pages, so both show the same rows.
 * Private to web/. */
#ifndef OCA_WEBAPI_H
#define OCA_WEBAPI_H

#include <stdint.h>

#include <sqlite3.h>

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

#endif
