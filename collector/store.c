/* Every statement the core thread runs. A connection costs one INSERT, a DNS query one
 * per row it leaves: their destination, DNS name, answered address and finding rollups
 * are counted in memory (rollup.h) and written once per batch by store_flush, together
 * with the per-hour totals. */
#include "config.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/chain.h"
#include "common/db.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/timefmt.h"
#include "rollup.h"
#include "common/findkind.h"
#include "store.h"

_Static_assert(STORE_MAX_NAMES == 8, "S_INS_CONN's CASE builds arrays of up to 8 names");

#define HOURS_PENDING 8
#define ROLLUP_CAP 16384    /* keys each rollup's cache holds before it is emptied */
/* A bot resolves a few names to a few addresses each; a flood of new names brings new
 * pairs that are seen once, and would hold 2 MiB for nothing at the cap above. */
#define IP_ROLLUP_CAP 1024

struct hour_pending {
	int64_t hour, conns, dns, findings, lost, other_conns, other_dns, hellos, bytes_up,
	        bytes_down;
};

/* What hour_count counts. */
enum hour_what { H_CONN, H_DNS, H_FINDING, H_LOST, H_OTHER_CONN, H_OTHER_DNS, H_HELLO, H_BYTES_UP,
                 H_BYTES_DOWN };

enum {
	S_INS_CONN, S_DEST_GET, S_HOURLY_ADD, S_INS_QUERY, S_INS_ANSWER, S_NAME_INS, S_NAME_GET,
	S_IP_INS, S_IP_GET, S_FIND_INS, S_FIND_GET, S_OUTBOX, S_INS_LOSS, S_COUNTER_ADD, S_META,
	S_ACK, S_ALERT_DONE, S_ALERT_RETRY, S_INS_SENSOR, S_INS_OTHER, S_SP_BEGIN, S_SP_RELEASE,
	S_SP_UNDO, S_INS_HELLO, S_INS_BYTES, S_FIND_CONN, S_DEST_NAME, S__COUNT
};

static const char *const sql_text[S__COUNT] = {
	/* ?16 is how many candidate names ?19.. hold: SQLite builds their array (CASE
	 * evaluates only the branch taken, so the rest may stay unbound); ?27 is its id */
	[S_INS_CONN] =
	"INSERT INTO connections(ts_us, family, proto, src, sport, dst, dport, icmp_type, "
	"icmp_code, iif, oif, prefix, pkt_len, attr, domain, domains, query_id, dest_id, id) "
	"VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,CASE ?16 "
	"WHEN 1 THEN json_array(?19) WHEN 2 THEN json_array(?19,?20) "
	"WHEN 3 THEN json_array(?19,?20,?21) WHEN 4 THEN json_array(?19,?20,?21,?22) "
	"WHEN 5 THEN json_array(?19,?20,?21,?22,?23) "
	"WHEN 6 THEN json_array(?19,?20,?21,?22,?23,?24) "
	"WHEN 7 THEN json_array(?19,?20,?21,?22,?23,?24,?25) "
	"WHEN 8 THEN json_array(?19,?20,?21,?22,?23,?24,?25,?26) END,?17,?18,?27)",
	[S_DEST_GET] =
	"INSERT INTO destinations(domain, ip, port, proto, expected, connections, first_us, "
	"last_us) VALUES(?,?,?,?,?,0,?6,?6) ON CONFLICT(domain, ip, port, proto) DO UPDATE SET "
	"expected = excluded.expected RETURNING id",
	[S_HOURLY_ADD] =
	"INSERT INTO hourly(hour, connections, dns_queries, findings, events_lost, "
	"other_connections, other_dns_queries, hellos, bytes_up, bytes_down) "
	"VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(hour) DO "
	"UPDATE SET connections = connections + excluded.connections, dns_queries = "
	"dns_queries + excluded.dns_queries, findings = findings + excluded.findings, "
	"events_lost = events_lost + excluded.events_lost, other_connections = "
	"other_connections + excluded.other_connections, other_dns_queries = "
	"other_dns_queries + excluded.other_dns_queries, hellos = hellos + excluded.hellos, "
	"bytes_up = bytes_up + excluded.bytes_up, bytes_down = bytes_down + excluded.bytes_down",
	[S_INS_OTHER] = "INSERT INTO other_events(ts_us, kind, src) VALUES(?,?,?)",
	[S_INS_QUERY] =
	"INSERT INTO dns_queries(ts_us, client, cport, qid, qname, qname_wire, qtype, qclass, "
	"rcode, latency_us, transport, name_id, id, truncated, why_bogus, ech_stripped) "
	"VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_INS_ANSWER] =
	"INSERT INTO dns_answers(query_id, name, rtype, ttl, data, id) VALUES(?,?,?,?,?,?)",
	/* a name never seen: a plain INSERT (an UPSERT with RETURNING costs twice as much,
	 * and every cache miss of the resolver is a new name); a known one: S_NAME_GET */
	[S_NAME_INS] =
	"INSERT INTO dns_names(name, expected, queries, first_us, last_us) VALUES(?1,?2,0,?3,?3) "
	"ON CONFLICT(name) DO NOTHING",
	[S_NAME_GET] =
	"INSERT INTO dns_names(name, expected, queries, first_us, last_us) VALUES(?1,?2,0,?3,?3) "
	"ON CONFLICT(name) DO UPDATE SET expected = excluded.expected RETURNING id",
	/* the same for an (address, name asked) pair, which most cache misses bring; its
	 * first answer is counted by the INSERT, the cache adds the rest */
	[S_IP_INS] =
	"INSERT INTO dns_ips(ip, name_id, answers, first_us, last_us) VALUES(?1,?2,1,?3,?3) "
	"ON CONFLICT(ip, name_id) DO NOTHING",
	[S_IP_GET] = "SELECT id FROM dns_ips WHERE ip = ?1 AND name_id = ?2",
	[S_FIND_INS] =
	"INSERT INTO findings(kind, key, domain, ip, port, proto, count, first_us, last_us, "
	"watch_day, detail, example, conn_id, query_id, id, blocked) "
	"VALUES(?,?,?,?,?,?,1,?7,?7,?,?,?,?,?,?,?) "
	"ON CONFLICT(kind, key) DO NOTHING RETURNING id",
	[S_FIND_GET] = "SELECT id FROM findings WHERE kind = ? AND key = ?",
	[S_OUTBOX] =
	"INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us) "
	"SELECT 'finding', id, ?2, json_object('kind', kind, "
	"'severity', " FINDKIND_SEVNAME_SQL("kind") ", 'domain', domain, 'ip', ip, "
	"'port', port, 'proto', proto, 'count', count, 'first_seen', " DB_ISO("first_us") ", "
	"'last_seen', " DB_ISO("last_us") ", 'watch_day', watch_day, 'detail', detail, "
	"'blocked', json(CASE WHEN blocked THEN 'true' ELSE 'false' END)), ?2 "
	"FROM findings WHERE id = ?1",
	[S_INS_LOSS] = "INSERT INTO losses(ts_us, source, count, id) VALUES(?,?,?,?)",
	[S_INS_SENSOR] =
	"INSERT INTO sensor_events(ts_us, run_id, source, state, detail, id) VALUES(?,?,?,?,?,?)",
	[S_INS_HELLO] =
	"INSERT INTO hellos(ts_us, kind, family, proto, client, cport, server, sport, name, "
	"name_wire, name_cut, alpn, version, quic_version, ech, conn_id, dest_id, id) "
	"VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_INS_BYTES] =
	"INSERT INTO flow_bytes(slot_us, first_us, last_us, family, proto, client, cport, "
	"server, sport, bytes_up, bytes_down, payload_up, payload_down, pkts_up, pkts_down, "
	"ended, conn_id, dest_id, id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	/* the newest connection of a 5-tuple within a window: seeks (dst, ts_us) backwards */
	[S_FIND_CONN] =
	"SELECT c.id, c.dest_id, d.domain FROM connections c JOIN destinations d "
	"ON d.id = c.dest_id WHERE c.dst = ?1 AND c.ts_us >= ?2 AND c.ts_us <= ?3 "
	"AND c.src = ?4 AND c.proto = ?5 AND c.sport IS ?6 AND c.dport IS ?7 "
	"ORDER BY c.ts_us DESC LIMIT 1",
	[S_DEST_NAME] = "SELECT domain, ip FROM destinations WHERE id = ?1",
	[S_COUNTER_ADD] =
	"INSERT INTO counters(name, value) VALUES(?,?) ON CONFLICT(name) DO UPDATE SET "
	"value = value + excluded.value",
	[S_META] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)",
	[S_ACK] = "UPDATE findings SET acked_us = ?2 WHERE id = ?1 AND acked_us IS NULL",
	[S_ALERT_DONE] =
	"UPDATE alert_outbox SET delivered_us = ?2, attempts = attempts + 1, last_error = NULL "
	"WHERE id = ?1 AND delivered_us IS NULL",
	[S_ALERT_RETRY] =
	"UPDATE alert_outbox SET attempts = attempts + 1, next_us = ?2, last_error = ?3 "
	"WHERE id = ?1 AND delivered_us IS NULL",
	[S_SP_BEGIN] = "SAVEPOINT event",
	[S_SP_RELEASE] = "RELEASE event",
	[S_SP_UNDO] = "ROLLBACK TO event",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[S__COUNT];
	struct rollup *dest, *name, *ip, *finding;
	struct hour_pending hours[HOURS_PENDING];
	int n_hours;
	/* The id of the next row of each chained table. The store assigns them, so an id is
	 * never reused even when retention empties a table (chain.h: batches are id
	 * ranges); a rolled back insert leaves a gap, which is harmless. */
	int64_t next_id[CHAIN__TABLES];
	int64_t last_dest;          /* the destination of the last store_conn */
	bool foreign_rows;          /* told once */
	/* the event in its savepoint: the hours' totals before it */
	struct hour_pending hours_was[HOURS_PENDING];
	int n_hours_was;
};

struct store *
store_new(sqlite3 *db, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->db = db;
	for (int t = 0; t < CHAIN__TABLES; t++) {
		char sql[128];

		snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", chain_table_name(t));
		s->next_id[t] = db_int(db, sql, 0) + 1;
	}
	for (int i = 0; i < S__COUNT; i++) {
		if (sqlite3_prepare_v3(db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
		                       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "cannot prepare statement: %s", sqlite3_errmsg(db));
			store_free(s);
			return NULL;
		}
	}
	/* connections are counted under the destination's key, bytes under "#id" */
	s->dest = rollup_new(db,
		"UPDATE destinations SET connections = connections + ?2, first_us = "
		"min(first_us, ?3), last_us = max(last_us, ?4), bytes_up = bytes_up + ?5, "
		"bytes_down = bytes_down + ?6 WHERE id = ?1",
		"INSERT INTO dest_hourly(hour, dest_id, connections, first_us, last_us, bytes_up, "
		"bytes_down) VALUES(?,?,?,?,?,?,?) ON CONFLICT(hour, dest_id) DO UPDATE SET "
		"connections = connections + excluded.connections, first_us = min(first_us, "
		"excluded.first_us), last_us = max(last_us, excluded.last_us), bytes_up = bytes_up "
		"+ excluded.bytes_up, bytes_down = bytes_down + excluded.bytes_down",
		ROLLUP_CAP, err, errlen);
	s->name = s->dest ? rollup_new(db,
		"UPDATE dns_names SET queries = queries + ?2, first_us = min(first_us, ?3), "
		"last_us = max(last_us, ?4) WHERE id = ?1",
		"INSERT INTO name_hourly(hour, name_id, queries, first_us, last_us) "
		"VALUES(?,?,?,?,?) ON CONFLICT(hour, name_id) DO UPDATE SET queries = queries + "
		"excluded.queries, first_us = min(first_us, excluded.first_us), last_us = "
		"max(last_us, excluded.last_us)", ROLLUP_CAP, err, errlen) : NULL;
	s->ip = s->name ? rollup_new(db,
		"UPDATE dns_ips SET answers = answers + ?2, first_us = min(first_us, ?3), "
		"last_us = max(last_us, ?4) WHERE id = ?1", NULL, IP_ROLLUP_CAP, err, errlen) : NULL;
	/* a finding's first event is counted by its INSERT; the cache adds the rest */
	s->finding = s->ip ? rollup_new(db,
		"UPDATE findings SET count = count + ?2, last_us = max(last_us, ?4) WHERE id = ?1",
		NULL, ROLLUP_CAP, err, errlen) : NULL;
	if (!s->finding) {
		store_free(s);
		return NULL;
	}
	return s;
}

void
store_free(struct store *s)
{
	if (!s)
		return;
	rollup_free(s->dest);
	rollup_free(s->name);
	rollup_free(s->ip);
	rollup_free(s->finding);
	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	free(s);
}

/* Run a bound statement that returns no rows; reset it either way. */
static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step st, an INSERT of a row of chained table t whose id is parameter param, with the
 * table's next id. If that id is taken (a row written by something else while the
 * collector runs: there must be one writer), skip past the table's largest id, say so
 * once, and try again. Returns the step's result; st is not reset. */
static int
step_new_row(struct store *s, sqlite3_stmt *st, enum chain_table t, int param)
{
	char sql[96];
	int rc;

	sqlite3_bind_int64(st, param, s->next_id[t]);
	if ((rc = sqlite3_step(st)) != SQLITE_CONSTRAINT_PRIMARYKEY)
		return rc;
	sqlite3_reset(st);
	snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", chain_table_name(t));
	if (!s->foreign_rows)
		log_warn("database: %s has rows this collector did not write (another writer "
		         "while it runs?): its ids go on after them", chain_table_name(t));
	s->foreign_rows = true;
	s->next_id[t] = db_int(s->db, sql, s->next_id[t]) + 1;
	sqlite3_bind_int64(st, param, s->next_id[t]);
	return sqlite3_step(st);
}

/* A plain INSERT of a new row of chained table t (its id parameter param): the new id,
 * or -1. st is reset either way. */
static int64_t
insert_row(struct store *s, sqlite3_stmt *st, enum chain_table t, int param)
{
	int rc = step_new_row(s, st, t, param);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? s->next_id[t]++ : -1;
}

/* Run a bound statement returning one integer (an id); 0 = no row, -1 = error. */
static int64_t
step_id(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return id;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int
hours_flush(struct store *s)
{
	sqlite3_stmt *st = s->st[S_HOURLY_ADD];

	for (int i = 0; i < s->n_hours; i++) {
		struct hour_pending *h = &s->hours[i];

		sqlite3_bind_int64(st, 1, h->hour);
		sqlite3_bind_int64(st, 2, h->conns);
		sqlite3_bind_int64(st, 3, h->dns);
		sqlite3_bind_int64(st, 4, h->findings);
		sqlite3_bind_int64(st, 5, h->lost);
		sqlite3_bind_int64(st, 6, h->other_conns);
		sqlite3_bind_int64(st, 7, h->other_dns);
		sqlite3_bind_int64(st, 8, h->hellos);
		sqlite3_bind_int64(st, 9, h->bytes_up);
		sqlite3_bind_int64(st, 10, h->bytes_down);
		if (step_done(st) < 0)
			return -1;
	}
	s->n_hours = 0;
	return 0;
}

/* Count n into the totals of ts_us's hour. */
static int
hour_count(struct store *s, int64_t ts_us, enum hour_what what, int64_t n)
{
	int64_t hour = ts_us / HOUR_US;
	struct hour_pending *h = NULL;

	for (int i = 0; i < s->n_hours && !h; i++)
		if (s->hours[i].hour == hour)
			h = &s->hours[i];
	if (!h) {
		/* in an event's savepoint, undone with it (store_event_end) */
		if (s->n_hours == HOURS_PENDING && hours_flush(s) < 0)
			return -1;
		h = &s->hours[s->n_hours++];
		*h = (struct hour_pending){ .hour = hour };
	}
	switch (what) {
	case H_CONN: h->conns += n; break;
	case H_DNS: h->dns += n; break;
	case H_FINDING: h->findings += n; break;
	case H_LOST: h->lost += n; break;
	case H_OTHER_CONN: h->other_conns += n; break;
	case H_OTHER_DNS: h->other_dns += n; break;
	case H_HELLO: h->hellos += n; break;
	case H_BYTES_UP: h->bytes_up += n; break;
	case H_BYTES_DOWN: h->bytes_down += n; break;
	}
	return 0;
}

int
store_flush(struct store *s)
{
	if (rollup_flush(s->dest) < 0 || rollup_flush(s->name) < 0 ||
	    rollup_flush(s->ip) < 0 || rollup_flush(s->finding) < 0)
		return -1;
	return hours_flush(s);
}

int
store_event_begin(struct store *s)
{
	if (step_done(s->st[S_SP_BEGIN]) < 0)
		return -1;
	memcpy(s->hours_was, s->hours, sizeof(s->hours));
	s->n_hours_was = s->n_hours;
	rollup_mark(s->dest);
	rollup_mark(s->name);
	rollup_mark(s->ip);
	rollup_mark(s->finding);
	return 0;
}

int
store_event_end(struct store *s, bool ok)
{
	int rc = 0;

	if (ok) {
		rollup_unmark(s->dest);
		rollup_unmark(s->name);
		rollup_unmark(s->ip);
		rollup_unmark(s->finding);
		return step_done(s->st[S_SP_RELEASE]);
	}
	/* every undo runs, whatever the first said */
	rc |= rollup_undo(s->dest);
	rc |= rollup_undo(s->name);
	rc |= rollup_undo(s->ip);
	rc |= rollup_undo(s->finding);
	/* a flush of the hours inside the event was undone with its savepoint */
	memcpy(s->hours, s->hours_was, sizeof(s->hours));
	s->n_hours = s->n_hours_was;
	if (step_done(s->st[S_SP_UNDO]) < 0 || step_done(s->st[S_SP_RELEASE]) < 0)
		rc = -1;
	return rc < 0 ? -1 : 0;
}

void
store_discard(struct store *s)
{
	rollup_clear(s->dest);
	rollup_clear(s->name);
	rollup_clear(s->ip);
	rollup_clear(s->finding);
	s->n_hours = 0;
}

/* The destinations row of (domain, ip, port, proto) with expected, made if new; its
 * rollup key into key (keylen bytes). Returns the id, or -1. */
static int64_t
dest_get(struct store *s, int64_t ts_us, const char *domain, const char *ip, int port,
         int proto, bool expected, char *key, size_t keylen)
{
	char pb[PROTO_NAMELEN];
	int64_t dest_id;

	snprintf(key, keylen, "%d|%s|%d|%s|%s", expected, ip, port, proto_name(proto, pb),
	         domain);
	if (!(dest_id = rollup_find(s->dest, key))) {
		sqlite3_stmt *g = s->st[S_DEST_GET];

		sqlite3_bind_text(g, 1, domain, -1, SQLITE_STATIC);
		sqlite3_bind_text(g, 2, ip, -1, SQLITE_STATIC);
		sqlite3_bind_int(g, 3, port);
		sqlite3_bind_int(g, 4, proto);
		sqlite3_bind_int(g, 5, expected);
		sqlite3_bind_int64(g, 6, ts_us);
		if ((dest_id = step_id(g)) <= 0 || rollup_remember(s->dest, key, dest_id) < 0)
			return -1;
	}
	return dest_id;
}

int64_t
store_dest(struct store *s, int64_t ts_us, const char *domain, const struct netaddr *ip,
           int port, int proto, bool expected)
{
	char key[1400], dst[NETADDR_STRLEN];

	return dest_get(s, ts_us, domain ? domain : "", netaddr_format(ip, dst, sizeof(dst)),
	                port, proto, expected, key, sizeof(key));
}

int64_t
store_conn(struct store *s, const struct conn_event *ev, const struct conn_attr *a)
{
	static const struct conn_attr none;
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN], prefix[EVENT_PREFIXLEN + 1];
	char key[1400];
	int port = ev->has_ports ? ev->dport : 0;
	sqlite3_stmt *st = s->st[S_INS_CONN];
	int64_t dest_id, id;

	if (!a)
		a = &none;
	netaddr_format(&ev->src, src, sizeof(src));
	netaddr_format(&ev->dst, dst, sizeof(dst));
	if ((dest_id = dest_get(s, ev->ts_us, a->domain ? a->domain : "", dst, port, ev->proto,
	                        a->expected, key, sizeof(key))) < 0)
		return -1;
	s->last_dest = dest_id;
	memcpy(prefix, ev->prefix, EVENT_PREFIXLEN);
	prefix[EVENT_PREFIXLEN] = '\0';
	sqlite3_bind_int64(st, 1, ev->ts_us);
	sqlite3_bind_int(st, 2, ev->src.family);
	sqlite3_bind_int(st, 3, ev->proto);
	sqlite3_bind_text(st, 4, src, -1, SQLITE_TRANSIENT);
	if (ev->has_ports)
		sqlite3_bind_int(st, 5, ev->sport);
	sqlite3_bind_text(st, 6, dst, -1, SQLITE_TRANSIENT);
	if (ev->has_ports)
		sqlite3_bind_int(st, 7, ev->dport);
	if (ev->has_icmp) {
		sqlite3_bind_int(st, 8, ev->icmp_type);
		sqlite3_bind_int(st, 9, ev->icmp_code);
	}
	bind_text_or_null(st, 10, ev->iif);
	bind_text_or_null(st, 11, ev->oif);
	bind_text_or_null(st, 12, prefix);
	sqlite3_bind_int(st, 13, ev->pkt_len);
	sqlite3_bind_int(st, 14, a->state);
	bind_text_or_null(st, 15, a->domain);
	sqlite3_bind_int(st, 16, a->n_names);
	for (int i = 0; i < a->n_names && i < STORE_MAX_NAMES; i++)
		sqlite3_bind_text(st, 19 + i, a->names[i], -1, SQLITE_STATIC);
	if (a->query_id)
		sqlite3_bind_int64(st, 17, a->query_id);
	sqlite3_bind_int64(st, 18, dest_id);
	if ((id = insert_row(s, st, CHAIN_CONNECTIONS, 27)) < 0)
		return -1;
	if (rollup_count(s->dest, key, ev->ts_us) < 0 || hour_count(s, ev->ts_us, H_CONN, 1) < 0)
		return -1;
	return id;
}

int64_t
store_conn_dest(const struct store *s)
{
	return s->last_dest;
}

static const char *const hello_kinds[] = { [HELLO_TLS] = "tls", [HELLO_QUIC] = "quic",
                                           [HELLO_HTTP] = "http" };

int64_t
store_hello(struct store *s, const struct hello_event *h, int64_t conn_id, int64_t dest_id)
{
	char client[NETADDR_STRLEN], server[NETADDR_STRLEN];
	sqlite3_stmt *st = s->st[S_INS_HELLO];
	int64_t id;

	sqlite3_bind_int64(st, 1, h->ts_us);
	sqlite3_bind_text(st, 2, h->kind >= HELLO_TLS && h->kind <= HELLO_HTTP ?
	                  hello_kinds[h->kind] : "tls", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, h->client.family);
	sqlite3_bind_int(st, 4, h->proto);
	sqlite3_bind_text(st, 5, netaddr_format(&h->client, client, sizeof(client)), -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, h->cport);
	sqlite3_bind_text(st, 7, netaddr_format(&h->server, server, sizeof(server)), -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 8, h->sport);
	if (h->has_name && h->name_str && h->name) {
		sqlite3_bind_text(st, 9, h->name_str, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 10, h->name, h->name_len, SQLITE_STATIC);
	}
	sqlite3_bind_int(st, 11, h->name_cut);
	bind_text_or_null(st, 12, h->alpn);   /* NULL-safe */
	if (h->version)
		sqlite3_bind_int(st, 13, h->version);
	if (h->quic_version)
		sqlite3_bind_int64(st, 14, h->quic_version);
	sqlite3_bind_int(st, 15, h->ech);
	if (conn_id > 0)
		sqlite3_bind_int64(st, 16, conn_id);
	sqlite3_bind_int64(st, 17, dest_id);
	if ((id = insert_row(s, st, CHAIN_HELLOS, 18)) < 0 ||
	    hour_count(s, h->ts_us, H_HELLO, 1) < 0)
		return -1;
	return id;
}

static const char *const flow_ends[] = { [FLOW_CLOSED] = "closed", [FLOW_IDLE] = "idle",
                                         [FLOW_EVICTED] = "evicted",
                                         [FLOW_FLUSHED] = "flushed" };

int64_t
store_bytes(struct store *s, const struct bytes_event *b, int64_t conn_id, int64_t dest_id)
{
	char client[NETADDR_STRLEN], server[NETADDR_STRLEN], key[32];
	sqlite3_stmt *st = s->st[S_INS_BYTES];
	bool ports = b->proto == 6 || b->proto == 17;
	int64_t id;

	sqlite3_bind_int64(st, 1, b->slot_us);
	sqlite3_bind_int64(st, 2, b->first_us);
	sqlite3_bind_int64(st, 3, b->last_us);
	sqlite3_bind_int(st, 4, b->client.family);
	sqlite3_bind_int(st, 5, b->proto);
	sqlite3_bind_text(st, 6, netaddr_format(&b->client, client, sizeof(client)), -1,
	                  SQLITE_TRANSIENT);
	if (ports || b->cport)
		sqlite3_bind_int(st, 7, b->cport);
	sqlite3_bind_text(st, 8, netaddr_format(&b->server, server, sizeof(server)), -1,
	                  SQLITE_TRANSIENT);
	if (ports || b->sport)
		sqlite3_bind_int(st, 9, b->sport);
	sqlite3_bind_int64(st, 10, (int64_t)b->bytes_up);
	sqlite3_bind_int64(st, 11, (int64_t)b->bytes_down);
	sqlite3_bind_int64(st, 12, (int64_t)b->payload_up);
	sqlite3_bind_int64(st, 13, (int64_t)b->payload_down);
	sqlite3_bind_int64(st, 14, (int64_t)b->pkts_up);
	sqlite3_bind_int64(st, 15, (int64_t)b->pkts_down);
	if (b->end > FLOW_GOES_ON && b->end <= FLOW_FLUSHED)
		sqlite3_bind_text(st, 16, flow_ends[b->end], -1, SQLITE_STATIC);
	if (conn_id > 0)
		sqlite3_bind_int64(st, 17, conn_id);
	sqlite3_bind_int64(st, 18, dest_id);
	if ((id = insert_row(s, st, CHAIN_FLOW_BYTES, 19)) < 0)
		return -1;
	/* the destination's own rollup item, by id: it flushes into the same row */
	snprintf(key, sizeof(key), "#%lld", (long long)dest_id);
	if ((!rollup_find(s->dest, key) && rollup_remember(s->dest, key, dest_id) < 0) ||
	    rollup_add(s->dest, key, b->slot_us, 0, (int64_t)b->bytes_up,
	               (int64_t)b->bytes_down) < 0 ||
	    hour_count(s, b->slot_us, H_BYTES_UP, (int64_t)b->bytes_up) < 0 ||
	    hour_count(s, b->slot_us, H_BYTES_DOWN, (int64_t)b->bytes_down) < 0)
		return -1;
	return id;
}

int
store_find_conn(struct store *s, const struct netaddr *client, const struct netaddr *server,
                int proto, int cport, int sport, int64_t from_us, int64_t to_us,
                int64_t *conn_id, int64_t *dest_id, char *domain, size_t domainlen)
{
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	sqlite3_stmt *st = s->st[S_FIND_CONN];
	int rc;

	sqlite3_bind_text(st, 1, netaddr_format(server, dst, sizeof(dst)), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	sqlite3_bind_text(st, 4, netaddr_format(client, src, sizeof(src)), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, proto);
	if (proto == 6 || proto == 17) {
		sqlite3_bind_int(st, 6, cport);
		sqlite3_bind_int(st, 7, sport);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 2);

		*conn_id = sqlite3_column_int64(st, 0);
		*dest_id = sqlite3_column_int64(st, 1);
		snprintf(domain, domainlen, "%s", d ? d : "");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_dest_name(struct store *s, int64_t dest_id, char *name, size_t namelen)
{
	sqlite3_stmt *st = s->st[S_DEST_NAME];
	int rc;

	sqlite3_bind_int64(st, 1, dest_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		const char *ip = (const char *)sqlite3_column_text(st, 1);

		snprintf(name, namelen, "%s", d && *d ? d : ip ? ip : "");
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Step ins, a plain INSERT that does nothing on a conflict; if it did nothing, get (bound
 * alike) returns the existing row. The new or existing row's id, or -1; *added says
 * which. */
static int64_t
insert_or_get(struct store *s, sqlite3_stmt *ins, sqlite3_stmt *get, bool *added)
{
	*added = false;
	if (step_done(ins) < 0) {
		sqlite3_clear_bindings(get);
		return -1;
	}
	if (sqlite3_changes(s->db) == 1) {
		sqlite3_clear_bindings(get);
		*added = true;
		return sqlite3_last_insert_rowid(s->db);
	}
	return step_id(get);
}

/* Count answer i of ev, stored as query qid, into dns_ips if it is an address, once per
 * query (as long as the cache keeps the pair: a reply of more than IP_ROLLUP_CAP
 * addresses may count a repeated one twice). */
static int
count_ip(struct store *s, const struct dns_event *ev, size_t i, int64_t name_id, int64_t qid)
{
	const struct dns_answer *an = &ev->answers[i];
	char key[NETADDR_STRLEN + 24];
	bool added = false;
	int64_t id;

	if ((an->rtype != 1 && an->rtype != 28) || !an->data || !*an->data)
		return 0;
	snprintf(key, sizeof(key), "%.*s|%" PRId64, NETADDR_STRLEN, an->data, name_id);
	if (!(id = rollup_find(s->ip, key))) {
		sqlite3_stmt *ins = s->st[S_IP_INS], *g = s->st[S_IP_GET];

		for (int k = 0; k < 2; k++) {
			sqlite3_stmt *t = k ? g : ins;

			sqlite3_bind_text(t, 1, an->data, -1, SQLITE_STATIC);
			sqlite3_bind_int64(t, 2, name_id);
		}
		sqlite3_bind_int64(ins, 3, ev->ts_us);
		if ((id = insert_or_get(s, ins, g, &added)) <= 0 ||
		    rollup_remember(s->ip, key, id) < 0)
			return -1;
	}
	if (rollup_seen(s->ip, key, qid) || added)
		return 0;
	return rollup_count(s->ip, key, ev->ts_us);
}

int64_t
store_dns(struct store *s, const struct dns_event *ev, bool expected)
{
	char client[NETADDR_STRLEN], key[1100];
	sqlite3_stmt *st = s->st[S_INS_QUERY];
	size_t nlen = strnlen(ev->qname, sizeof(key) - 3);
	int64_t qid, name_id;
	bool added;

	key[0] = expected ? '1' : '0';      /* "expected|name", without printf's cost */
	key[1] = '|';
	memcpy(key + 2, ev->qname, nlen);
	key[nlen + 2] = '\0';
	if (!(name_id = rollup_find(s->name, key))) {
		sqlite3_stmt *ins = s->st[S_NAME_INS], *g = s->st[S_NAME_GET];

		for (int i = 0; i < 2; i++) {
			sqlite3_stmt *t = i ? g : ins;

			sqlite3_bind_text(t, 1, ev->qname, -1, SQLITE_STATIC);
			sqlite3_bind_int(t, 2, expected);
			sqlite3_bind_int64(t, 3, ev->ts_us);
		}
		if ((name_id = insert_or_get(s, ins, g, &added)) <= 0 ||
		    rollup_remember(s->name, key, name_id) < 0)
			return -1;
	}
	netaddr_format(&ev->client, client, sizeof(client));
	sqlite3_bind_int64(st, 1, ev->ts_us);
	sqlite3_bind_text(st, 2, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, ev->cport);
	sqlite3_bind_int(st, 4, ev->qid);
	sqlite3_bind_text(st, 5, ev->qname, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, ev->qname_wire, ev->qname_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, ev->qtype);
	sqlite3_bind_int(st, 8, ev->qclass);
	if (ev->rcode >= 0)
		sqlite3_bind_int(st, 9, ev->rcode);
	if (ev->latency_us >= 0)
		sqlite3_bind_int64(st, 10, ev->latency_us);
	sqlite3_bind_text(st, 11, ev->transport == DNS_TCP ? "tcp" : "udp", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, name_id);
	sqlite3_bind_int(st, 14, ev->truncated);
	if (ev->why_bogus)
		sqlite3_bind_text(st, 15, ev->why_bogus, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, ev->ech_stripped);
	if ((qid = insert_row(s, st, CHAIN_DNS_QUERIES, 13)) < 0)
		return -1;
	for (size_t i = 0; i < ev->n_answers; i++) {
		const struct dns_answer *an = &ev->answers[i];
		sqlite3_stmt *ia = s->st[S_INS_ANSWER];

		sqlite3_bind_int64(ia, 1, qid);
		sqlite3_bind_text(ia, 2, an->name ? an->name : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(ia, 3, an->rtype);
		sqlite3_bind_int64(ia, 4, an->ttl);
		sqlite3_bind_text(ia, 5, an->data ? an->data : "", -1, SQLITE_STATIC);
		if (insert_row(s, ia, CHAIN_DNS_ANSWERS, 6) < 0 ||
		    count_ip(s, ev, i, name_id, qid) < 0)
			return -1;
	}
	if (rollup_count(s->name, key, ev->ts_us) < 0 || hour_count(s, ev->ts_us, H_DNS, 1) < 0)
		return -1;
	return qid;
}

/* "kind|key" into out, cut to fit: the key of the findings rollup. */
static void
finding_key(const char *kind, const char *key, char *out, size_t outlen)
{
	size_t kl = strnlen(kind, outlen / 2), n = strnlen(key, outlen - kl - 2);

	memcpy(out, kind, kl);
	out[kl] = '|';
	memcpy(out + kl + 1, key, n);
	out[kl + 1 + n] = '\0';
}

int64_t
store_finding_seen(struct store *s, const char *kind, const char *key, int64_t ts_us)
{
	char k[1400];
	int64_t id;

	finding_key(kind, key, k, sizeof(k));
	if (!(id = rollup_find(s->finding, k)))
		return 0;
	if (hour_count(s, ts_us, H_FINDING, 1) < 0 || rollup_count(s->finding, k, ts_us) < 0)
		return -1;
	return id;
}

int64_t
store_finding(struct store *s, const struct finding_in *f, bool *is_new)
{
	char key[1400];
	int64_t id;

	*is_new = false;
	if ((id = store_finding_seen(s, f->kind, f->key, f->ts_us)) != 0)
		return id;
	finding_key(f->kind, f->key, key, sizeof(key));
	if (hour_count(s, f->ts_us, H_FINDING, 1) < 0)
		return -1;

	sqlite3_stmt *st = s->st[S_FIND_INS];
	sqlite3_bind_text(st, 1, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, f->domain);
	bind_text_or_null(st, 4, f->ip);
	if (f->port >= 0)
		sqlite3_bind_int(st, 5, f->port);
	bind_text_or_null(st, 6, f->proto);
	sqlite3_bind_int64(st, 7, f->ts_us);
	sqlite3_bind_int(st, 8, f->watch_day);
	sqlite3_bind_text(st, 9, f->detail, -1, SQLITE_STATIC);
	bind_text_or_null(st, 10, f->example);
	if (f->conn_id)
		sqlite3_bind_int64(st, 11, f->conn_id);
	if (f->query_id)
		sqlite3_bind_int64(st, 12, f->query_id);
	sqlite3_bind_int(st, 14, f->blocked);
	{
		int rc = step_new_row(s, st, CHAIN_FINDINGS, 13);

		id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	if (id < 0)
		return -1;
	if (id > 0) {
		s->next_id[CHAIN_FINDINGS]++;
		/* new: its alert goes out in this same transaction */
		sqlite3_stmt *ob = s->st[S_OUTBOX];

		sqlite3_bind_int64(ob, 1, id);
		sqlite3_bind_int64(ob, 2, f->ts_us);
		if (!f->no_alert && step_done(ob) < 0)
			return -1;
		sqlite3_clear_bindings(ob);
		*is_new = true;
		return rollup_remember(s->finding, key, id) < 0 ? -1 : id;
	}
	/* it exists from an earlier run: count this event */
	sqlite3_stmt *g = s->st[S_FIND_GET];
	sqlite3_bind_text(g, 1, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(g, 2, f->key, -1, SQLITE_STATIC);
	if ((id = step_id(g)) <= 0 || rollup_remember(s->finding, key, id) < 0 ||
	    rollup_count(s->finding, key, f->ts_us) < 0)
		return -1;
	return id;
}

int
store_loss(struct store *s, int64_t ts_us, const char *source, uint64_t count)
{
	sqlite3_stmt *st = s->st[S_INS_LOSS];

	sqlite3_bind_int64(st, 1, ts_us);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)count);
	if (insert_row(s, st, CHAIN_LOSSES, 4) < 0 || store_counter_add(s, source, count) < 0)
		return -1;
	return hour_count(s, ts_us, H_LOST, (int64_t)count);
}

int
store_other(struct store *s, int64_t ts_us, bool dns, const struct netaddr *src)
{
	sqlite3_stmt *st = s->st[S_INS_OTHER];
	char a[NETADDR_STRLEN];

	sqlite3_bind_int64(st, 1, ts_us);
	sqlite3_bind_text(st, 2, dns ? "dns" : "connection", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, netaddr_format(src, a, sizeof(a)), -1, SQLITE_TRANSIENT);
	if (step_done(st) < 0)
		return -1;
	return hour_count(s, ts_us, dns ? H_OTHER_DNS : H_OTHER_CONN, 1);
}

int
store_sensor_event(struct store *s, int64_t ts_us, int64_t run_id, const char *source,
                   const char *state, const char *detail)
{
	sqlite3_stmt *st = s->st[S_INS_SENSOR];

	sqlite3_bind_int64(st, 1, ts_us);
	sqlite3_bind_int64(st, 2, run_id);
	sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_TRANSIENT);
	return insert_row(s, st, CHAIN_SENSOR_EVENTS, 6) < 0 ? -1 : 0;
}

int
store_sensor_alert(struct store *s, int64_t ts_us, const char *source, const char *state,
                   int64_t since_us, const char *detail)
{
	/* rare (a sensor's state changes): prepared when needed */
	static const char sql[] =
		"INSERT INTO alert_outbox(kind, created_us, body, next_us) VALUES('sensor', ?1, "
		"json_object('kind', 'sensor', 'source', ?2, 'state', ?3, 'first_seen', "
		DB_ISO("?4") ", 'detail', ?5), ?1)";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, ts_us);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, since_us);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int
store_alert(struct store *s, int64_t ts_us, const char *kind, const char *detail)
{
	/* rare (a change of the disk's state): prepared when needed */
	static const char sql[] =
		"INSERT INTO alert_outbox(kind, created_us, body, next_us) "
		"VALUES(?1, ?2, json_object('kind', ?1, 'detail', ?3), ?2)";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ts_us);
	sqlite3_bind_text(st, 3, detail, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

void
store_ids_after(struct store *s, const int64_t last[CHAIN__TABLES])
{
	for (int t = 0; t < CHAIN__TABLES; t++)
		if (s->next_id[t] <= last[t])
			s->next_id[t] = last[t] + 1;
}

void
store_last_ids(const struct store *s, int64_t last[CHAIN__TABLES])
{
	for (int t = 0; t < CHAIN__TABLES; t++)
		last[t] = s->next_id[t] - 1;
}

int
store_counter_add(struct store *s, const char *name, uint64_t delta)
{
	sqlite3_stmt *st = s->st[S_COUNTER_ADD];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)delta);
	return step_done(st);
}

int
store_meta(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = s->st[S_META];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

int
store_cmd(struct store *s, const struct cmd_event *cmd)
{
	sqlite3_stmt *st;

	switch (cmd->kind) {
	case CMD_ACK_FINDING:
		st = s->st[S_ACK];
		sqlite3_bind_int64(st, 2, cmd->ts_us);
		break;
	case CMD_ALERT_DELIVERED:
		st = s->st[S_ALERT_DONE];
		sqlite3_bind_int64(st, 2, cmd->ts_us);
		break;
	case CMD_ALERT_RETRY:
		st = s->st[S_ALERT_RETRY];
		sqlite3_bind_int64(st, 2, cmd->arg);
		sqlite3_bind_text(st, 3, cmd->text, (int)strnlen(cmd->text, sizeof(cmd->text)),
		                  SQLITE_TRANSIENT);
		break;
	case CMD_ALERT_ENQUEUE: {  /* rare (alerts.c): prepared when needed */
		/* the end of the watch carries the chain's head as it stands: a value the
		 * operator keeps off the host, which any later rewrite would contradict */
		static const char sql[] =
			"INSERT INTO alert_outbox(kind, created_us, body, next_us) "
			"SELECT ?1 ->> '$.kind', ?2, CASE WHEN ?1 ->> '$.kind' = 'watch-end' THEN "
			"json_set(?1, '$.batch', b.id, '$.head', lower(hex(b.hash))) ELSE ?1 END, ?2 "
			"FROM (SELECT 1) LEFT JOIN (SELECT id, hash FROM batches ORDER BY id DESC "
			"LIMIT 1) b WHERE json_valid(?1) AND "
			"?1 ->> '$.kind' IN ('loss', 'watch-end', 'test') AND NOT (?1 ->> '$.kind' = "
			"'watch-end' AND EXISTS (SELECT 1 FROM alert_outbox WHERE kind = 'watch-end'))";
		int rc;

		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(st, 1, cmd->text, (int)strnlen(cmd->text, sizeof(cmd->text)),
		                  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, cmd->ts_us);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
		return rc;
	}
	default:
		return 0;
	}
	sqlite3_bind_int64(st, 1, cmd->id);
	return step_done(st);
}
