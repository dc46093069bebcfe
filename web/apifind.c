/* The findings as the pages read them (webapi.h): one finding, the overview's list, and
 * what is related to a finding. The pages get plain structs and never see the SQL. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/findkind.h"
#include "webapi.h"

#define RELATED_MAX "200"

#define FINDING_COLS \
	"id, kind, coalesce(domain, ''), coalesce(ip, ''), coalesce(port, -1)," \
	" coalesce(proto, ''), count, first_us, last_us, coalesce(watch_day, -1), detail," \
	" coalesce(example, ''), coalesce(conn_id, 0), coalesce(query_id, 0)," \
	" coalesce(" DB_ACKED_SQL ", 0), blocked, coalesce(ack_note, ''), coalesce(ack_by, ''),"\
	" coalesce(ack_until_us, 0), coalesce(acked_us, 0)"

static void
copy(char *dst, size_t len, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

/* The current row of a FINDING_COLS statement into f. */
static void
finding_row(sqlite3_stmt *st, struct web_finding *f)
{
	f->id = sqlite3_column_int64(st, 0);
	copy(f->kind, sizeof(f->kind), st, 1);
	copy(f->domain, sizeof(f->domain), st, 2);
	copy(f->ip, sizeof(f->ip), st, 3);
	f->port = sqlite3_column_int(st, 4);
	copy(f->proto, sizeof(f->proto), st, 5);
	f->count = sqlite3_column_int64(st, 6);
	f->first_us = sqlite3_column_int64(st, 7);
	f->last_us = sqlite3_column_int64(st, 8);
	f->watch_day = sqlite3_column_int(st, 9);
	copy(f->detail, sizeof(f->detail), st, 10);
	copy(f->example, sizeof(f->example), st, 11);
	f->conn_id = sqlite3_column_int64(st, 12);
	f->query_id = sqlite3_column_int64(st, 13);
	f->acked_us = sqlite3_column_int64(st, 14);
	f->blocked = sqlite3_column_int(st, 15) != 0;
	copy(f->ack_note, sizeof(f->ack_note), st, 16);
	copy(f->ack_by, sizeof(f->ack_by), st, 17);
	f->ack_until_us = sqlite3_column_int64(st, 18);
	f->ack_given_us = sqlite3_column_int64(st, 19);
}

int
web_finding_get(sqlite3 *db, int64_t id, struct web_finding *f)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT " FINDING_COLS " FROM findings WHERE id = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		finding_row(st, f);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
web_findings_each(sqlite3 *db, int limit,
                  void (*row)(void *arg, const struct web_finding *f), void *arg)
{
	struct web_finding f;
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db, "SELECT " FINDING_COLS " FROM findings"
	                       " ORDER BY " DB_ACKED_SQL " IS NOT NULL, " FINDKIND_SEV_SQL("kind")
	                       " DESC, last_us DESC LIMIT ?", -1, &st,
	                       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		finding_row(st, &f);
		row(arg, &f);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int
web_finding_dns_each(sqlite3 *db, const struct web_finding *f,
                     void (*row)(void *arg, const struct web_related_dns *r), void *arg)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db,
	        "SELECT q.ts_us, q.qname, (SELECT group_concat(a.data || ' (' || a.ttl || 's)',"
	        " char(10)) FROM dns_answers a WHERE a.query_id = q.id), q.qtype"
	        " FROM dns_queries q WHERE q.id IN (SELECT ?1"
	        /* the latest of each name, by index: a finding about the expected
	         * service's address must not read a million answers. Its name and the
	         * names under it (dns-tunnel, *.domain), as asked in any case and with
	         * or without the final dot, from the names rollup */
	        " UNION ALL SELECT y.id FROM dns_names n, dns_queries y WHERE ?2 <> ''"
	        "  AND (lower(rtrim(n.name, '.')) = lower(?2) OR"
	        "   substr(lower(rtrim(n.name, '.')), -length(?2) - 1) = '.' || lower(?2))"
	        "  AND y.id IN (SELECT z.id FROM dns_queries z WHERE z.name_id = n.id"
	        "  ORDER BY z.ts_us DESC LIMIT " RELATED_MAX ")"
	        /* per name its address was given for (the dns_ips rollup), the latest
	         * queries whose answer held it */
	        " UNION ALL SELECT y.id FROM dns_ips i, dns_queries y WHERE ?3 <> ''"
	        "  AND i.ip = ?3 AND y.id IN (SELECT z.id FROM dns_queries z"
	        "  WHERE z.name_id = i.name_id AND EXISTS (SELECT 1 FROM dns_answers a"
	        "  WHERE a.query_id = z.id AND a.data = ?3) ORDER BY z.ts_us DESC"
	        "  LIMIT " RELATED_MAX "))"
	        " ORDER BY q.ts_us DESC LIMIT " RELATED_MAX, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, f->query_id);
	/* a "*.base" finding is about the names under base */
	sqlite3_bind_text(st, 2, strncmp(f->domain, "*.", 2) == 0 ? f->domain + 2 : f->domain,
	                  -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->ip, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *q = sqlite3_column_text(st, 1), *a = sqlite3_column_text(st, 2);
		struct web_related_dns r = { sqlite3_column_int64(st, 0),
		                             q ? (const char *)q : "", a ? (const char *)a : "",
		                             sqlite3_column_int(st, 3) };

		row(arg, &r);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int
web_finding_conns_each(sqlite3 *db, const struct web_finding *f,
                       void (*row)(void *arg, const struct web_related_conn *r), void *arg)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	/* connections to every destination matching what the finding names (its name, or
	 * no name for direct-ip; its address, port, proto), the latest of each by the
	 * (dest_id, ts_us) index, and the one that raised it */
	if (sqlite3_prepare_v2(db,
	        "SELECT c.ts_us, c.src, c.dst, coalesce(c.dport, -1), c.proto,"
	        " coalesce(c.domain, '') FROM connections c"
	        " WHERE c.id IN (SELECT ?1 UNION ALL"
	        " SELECT x.id FROM destinations d, connections x"
	        "  WHERE (?2 = '' AND d.domain = '' OR d.domain = ?2) AND (?3 = '' OR d.ip = ?3)"
	        "  AND (?4 < 0 OR d.port = ?4) AND (?5 = '' OR " PROTO_SQL("d.proto") " = ?5)"
	        "  AND x.id IN (SELECT id FROM connections WHERE dest_id = d.id"
	        "   ORDER BY ts_us DESC LIMIT " RELATED_MAX "))"
	        " ORDER BY c.ts_us DESC LIMIT " RELATED_MAX, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, f->conn_id);
	sqlite3_bind_text(st, 2, f->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->port);
	sqlite3_bind_text(st, 5, f->proto, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *src = sqlite3_column_text(st, 1), *dst = sqlite3_column_text(st, 2),
		                    *dom = sqlite3_column_text(st, 5);
		struct web_related_conn r = {
			.ts_us = sqlite3_column_int64(st, 0), .src = src ? (const char *)src : "",
			.dst = dst ? (const char *)dst : "", .dport = sqlite3_column_int(st, 3),
			.proto = sqlite3_column_int(st, 4), .domain = dom ? (const char *)dom : "",
		};

		row(arg, &r);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}
