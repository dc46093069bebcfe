/* Every statement the core thread runs, and the store's frame: its statements, the
 * undo of each event, the per-batch rollups and hour totals, and NFLOG's
 * connections. A connection costs one INSERT, a DNS query one per row it leaves: their
 * destination, DNS name, answered address and finding rollups are counted in memory
 * (rollup.h) and written once per batch by store_flush, together with the per-hour
 * totals. The resolver's rows are stored by storedns.c, the capture's by storecap.c,
 * findings, losses, sensor records, alerts and commands by storerec.c. */
#include "config.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/chain.h"
#include "common/db.h"
#include "common/log.h"
#include "common/findkind.h"
#include "common/proto.h"
#include "common/timefmt.h"
#include "rollup.h"
#include "store.h"
#include "storeint.h"

_Static_assert(STORE_MAX_NAMES == 8, "S_INS_CONN's CASE builds arrays of up to 8 names");

#define ROLLUP_CAP 16384    /* keys each rollup's cache holds before it is emptied */
/* A bot resolves a few names to a few addresses each; a flood of new names brings new
 * pairs that are seen once, and would hold 2 MiB for nothing at the cap above. */
#define IP_ROLLUP_CAP 1024

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
	 * and every cache miss of the resolver is a new name); a known one: S_NAME_GET. Its
	 * registered domain is stored with it, once (oca_base: common/db.h) */
	[S_NAME_INS] =
	"INSERT INTO dns_names(name, base, expected, queries, first_us, last_us) "
	"VALUES(?1,oca_base(?1),?2,0,?3,?3) ON CONFLICT(name) DO NOTHING",
	[S_NAME_GET] =
	"INSERT INTO dns_names(name, base, expected, queries, first_us, last_us) "
	"VALUES(?1,oca_base(?1),?2,0,?3,?3) "
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
	"ended, conn_id, dest_id, id, flows) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	/* the newest connection of a 5-tuple within a window: seeks connections_flow (dst, sport, ts_us) backwards */
	[S_FIND_CONN] =
	"SELECT c.id, c.dest_id, c.ts_us FROM connections c "
	"WHERE c.dst = ?1 AND c.ts_us >= ?2 AND c.ts_us <= ?3 "
	"AND c.src = ?4 AND c.proto = ?5 AND c.sport IS ?6 AND c.dport IS ?7 "
	"ORDER BY c.ts_us DESC LIMIT 1",
	[S_DEST_NAME] = "SELECT domain, ip FROM destinations WHERE id = ?1",
	[S_COUNTER_ADD] =
	"INSERT INTO counters(name, value) VALUES(?,?) ON CONFLICT(name) DO UPDATE SET "
	"value = value + excluded.value",
	[S_META] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)",
	/* a second acknowledgement replaces the first: a new note, a longer expiry */
	[S_ACK] = "UPDATE findings SET acked_us = ?2, ack_note = nullif(?3, ''), "
	          "ack_by = nullif(?4, ''), ack_until_us = nullif(?5, 0) WHERE id = ?1",
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

static int
rollup_step(void *ctx, sqlite3_stmt *st)
{
	return store_step(ctx, st);
}

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
	s->dest = rollup_new(db, rollup_step, s,
		"UPDATE destinations SET connections = connections + ?2, first_us = "
		"min(first_us, ?3), last_us = max(last_us, ?4), bytes_up = bytes_up + ?5, "
		"bytes_down = bytes_down + ?6 WHERE id = ?1",
		"INSERT INTO dest_hourly(hour, dest_id, connections, first_us, last_us, bytes_up, "
		"bytes_down) VALUES(?,?,?,?,?,?,?) ON CONFLICT(hour, dest_id) DO UPDATE SET "
		"connections = connections + excluded.connections, first_us = min(first_us, "
		"excluded.first_us), last_us = max(last_us, excluded.last_us), bytes_up = bytes_up "
		"+ excluded.bytes_up, bytes_down = bytes_down + excluded.bytes_down",
		ROLLUP_CAP, err, errlen);
	s->name = s->dest ? rollup_new(db, rollup_step, s,
		"UPDATE dns_names SET queries = queries + ?2, first_us = min(first_us, ?3), "
		"last_us = max(last_us, ?4) WHERE id = ?1",
		"INSERT INTO name_hourly(hour, name_id, queries, first_us, last_us) "
		"VALUES(?,?,?,?,?) ON CONFLICT(hour, name_id) DO UPDATE SET queries = queries + "
		"excluded.queries, first_us = min(first_us, excluded.first_us), last_us = "
		"max(last_us, excluded.last_us)", ROLLUP_CAP, err, errlen) : NULL;
	s->ip = s->name ? rollup_new(db, rollup_step, s,
		"UPDATE dns_ips SET answers = answers + ?2, first_us = min(first_us, ?3), "
		"last_us = max(last_us, ?4) WHERE id = ?1", NULL, IP_ROLLUP_CAP, err, errlen) : NULL;
	/* a finding's first event is counted by its INSERT; the cache adds the rest */
	s->finding = s->ip ? rollup_new(db, rollup_step, s,
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
	for (int t = 0; t < CHAIN__TABLES; t++)
		sqlite3_finalize(s->del[t]);
	free(s);
}

/* Whether the connection changed rows since the event began that are not the new rows
 * it noted: a write that was not stepped by step() below, which its undo cannot see. */
static bool
stray_writes(const struct store *s)
{
	return sqlite3_total_changes64(s->db) - s->changes_was != s->n_rows;
}

/* Open the event's savepoint. 0, or -1. */
static int
savepoint(struct store *s)
{
	int rc;

	s->stray = stray_writes(s);
	rc = sqlite3_step(s->st[S_SP_BEGIN]);
	sqlite3_reset(s->st[S_SP_BEGIN]);
	if (rc != SQLITE_DONE)
		return -1;
	s->sp = true;
	return 0;
}

/* The one place a statement of the store (the rollups' too) is stepped, so that the
 * rule of an event's undo is this function's and no write path's: inside an event, a
 * statement that writes opens the event's savepoint first, but for own, the INSERT of
 * a new row of the event's own (store_insert_row), noted to be deleted by its id. */
static int
step(struct store *s, sqlite3_stmt *st, bool own)
{
	if (s->in_event && !s->sp && !own && !sqlite3_stmt_readonly(st) && savepoint(s) < 0)
		return SQLITE_ERROR;
	return sqlite3_step(st);
}

int
store_step(struct store *s, sqlite3_stmt *st)
{
	return step(s, st, false);
}

/* Run a bound statement that returns no rows; reset it either way. */
int
store_step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = store_step(s, st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step st, an INSERT of a row of chained table t whose id is parameter param, with the
 * table's next id. If that id is taken (a row written by something else while the
 * collector runs: there must be one writer), skip past the table's largest id, say so
 * once, and try again. Returns the step's result; st is not reset. */
static int
new_row(struct store *s, sqlite3_stmt *st, enum chain_table t, int param, bool own)
{
	char sql[96];
	int rc;

	sqlite3_bind_int64(st, param, s->next_id[t]);
	if ((rc = step(s, st, own)) != SQLITE_CONSTRAINT_PRIMARYKEY)
		return rc;
	sqlite3_reset(st);
	snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", chain_table_name(t));
	if (!s->foreign_rows)
		log_warn("database: %s has rows this collector did not write (another writer "
		         "while it runs?): its ids go on after them", chain_table_name(t));
	s->foreign_rows = true;
	s->next_id[t] = db_int(s->db, sql, s->next_id[t]) + 1;
	sqlite3_bind_int64(st, param, s->next_id[t]);
	return step(s, st, own);
}

int
store_step_new_row(struct store *s, sqlite3_stmt *st, enum chain_table t, int param)
{
	return new_row(s, st, t, param, false);
}

/* A plain INSERT of a new row of chained table t (its id parameter param): the new id,
 * or -1. st is reset either way. In an event with no savepoint yet, the row is noted
 * instead, to be deleted by its id if the event is undone: an event that only inserts
 * its own rows (a connection, a hello, a byte record) needs no savepoint. */
int64_t
store_insert_row(struct store *s, sqlite3_stmt *st, enum chain_table t, int param)
{
	bool note = s->in_event && !s->sp && s->n_rows < EVENT_ROWS_MAX;
	int rc;

	rc = new_row(s, st, t, param, note);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (note)
		s->rows[s->n_rows++] = (struct event_row){ t, s->next_id[t] };
	return s->next_id[t]++;
}

/* Run a bound statement returning one integer (an id); 0 = no row, -1 = error. */
int64_t
store_step_id(struct store *s, sqlite3_stmt *st)
{
	int rc = store_step(s, st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return id;
}

void
store_bind_null(sqlite3_stmt *st, int i, const char *v)
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
		if (store_step_done(s, st) < 0)
			return -1;
	}
	s->n_hours = 0;
	return 0;
}

/* Count n into the totals of ts_us's hour. */
int
store_hour_count(struct store *s, int64_t ts_us, enum hour_what what, int64_t n)
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
	s->in_event = true;
	s->sp = s->stray = false;
	s->n_rows = 0;
	s->changes_was = sqlite3_total_changes64(s->db);
	memcpy(s->hours_was, s->hours, sizeof(s->hours));
	s->n_hours_was = s->n_hours;
	rollup_mark(s->dest);
	rollup_mark(s->name);
	rollup_mark(s->ip);
	rollup_mark(s->finding);
	return 0;
}

/* Delete the new rows the event inserted before its savepoint. 0, or -1. */
static int
rows_undo(struct store *s)
{
	/* a failed statement may have ended the transaction: a DELETE now would be one of
	 * its own, and the rows went with the rest; a write step() did not see, before the
	 * savepoint, cannot be undone here */
	if ((s->n_rows > 0 && sqlite3_get_autocommit(s->db)) || s->stray)
		return -1;
	for (int i = s->n_rows - 1; i >= 0; i--) {
		enum chain_table t = s->rows[i].t;

		if (!s->del[t]) {
			char sql[96];

			snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?", chain_table_name(t));
			if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->del[t],
			                       NULL) != SQLITE_OK)
				return -1;
		}
		sqlite3_bind_int64(s->del[t], 1, s->rows[i].id);
		if (store_step_done(s, s->del[t]) < 0 || sqlite3_changes(s->db) != 1)
			return -1;
	}
	return 0;
}

int
store_event_end(struct store *s, bool ok)
{
	bool sp = s->sp;
	int rc = 0;

	s->in_event = s->sp = false;
	if (ok) {
		rollup_unmark(s->dest);
		rollup_unmark(s->name);
		rollup_unmark(s->ip);
		rollup_unmark(s->finding);
		return sp ? store_step_done(s, s->st[S_SP_RELEASE]) : 0;
	}
	if (!sp)
		s->stray = stray_writes(s);
	/* every undo runs, whatever the first said */
	rc |= rollup_undo(s->dest);
	rc |= rollup_undo(s->name);
	rc |= rollup_undo(s->ip);
	rc |= rollup_undo(s->finding);
	/* a flush of the hours inside the event was undone with its savepoint */
	memcpy(s->hours, s->hours_was, sizeof(s->hours));
	s->n_hours = s->n_hours_was;
	if (sp && (store_step_done(s, s->st[S_SP_UNDO]) < 0 ||
	           store_step_done(s, s->st[S_SP_RELEASE]) < 0))
		rc = -1;
	if (rows_undo(s) < 0)
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
int64_t
store_dest_get(struct store *s, int64_t ts_us, const char *domain, const char *ip, int port,
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
		if ((dest_id = store_step_id(s, g)) <= 0 || rollup_remember(s->dest, key, dest_id) < 0)
			return -1;
	}
	return dest_id;
}

int64_t
store_dest(struct store *s, int64_t ts_us, const char *domain, const struct netaddr *ip,
           int port, int proto, bool expected)
{
	char key[1400], dst[NETADDR_STRLEN];

	return store_dest_get(s, ts_us, domain ? domain : "", netaddr_format(ip, dst, sizeof(dst)),
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
	if ((dest_id = store_dest_get(s, ev->ts_us, a->domain ? a->domain : "", dst, port, ev->proto,
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
	store_bind_null(st, 10, ev->iif);
	store_bind_null(st, 11, ev->oif);
	store_bind_null(st, 12, prefix);
	sqlite3_bind_int(st, 13, ev->pkt_len);
	sqlite3_bind_int(st, 14, a->state);
	store_bind_null(st, 15, a->domain);
	sqlite3_bind_int(st, 16, a->n_names);
	for (int i = 0; i < a->n_names && i < STORE_MAX_NAMES; i++)
		sqlite3_bind_text(st, 19 + i, a->names[i], -1, SQLITE_STATIC);
	if (a->query_id)
		sqlite3_bind_int64(st, 17, a->query_id);
	sqlite3_bind_int64(st, 18, dest_id);
	if ((id = store_insert_row(s, st, CHAIN_CONNECTIONS, 27)) < 0)
		return -1;
	if (rollup_count(s->dest, key, ev->ts_us) < 0 || store_hour_count(s, ev->ts_us, H_CONN, 1) < 0)
		return -1;
	return id;
}

int64_t
store_conn_dest(const struct store *s)
{
	return s->last_dest;
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
	return store_step_done(s, st);
}

int
store_meta(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = s->st[S_META];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	return store_step_done(s, st);
}
