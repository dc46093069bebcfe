/* Rollups without a statement per event: a connection costs one INSERT. Its destination
 * (domain, ip, port, proto) is looked up in a small in-memory cache that holds the row id
 * and the counts gathered during the current batch; store_flush adds those counts to
 * destinations, dest_hourly and hourly once per batch. The cache is only a cache: after a
 * rollback (or when it grows past its cap) it is emptied and rows are found again with
 * INSERT ... ON CONFLICT ... RETURNING. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define HOUR_US INT64_C(3600000000)
#define DEST_CAP 16384          /* entries before the cache is emptied */
#define DEST_SLOTS 32768        /* open addressing, power of two, 2x the cap */
#define HOURS_PENDING 8

struct dest {
	char *key;                  /* "domain\0ip\0port/proto" flattened to one string */
	int64_t id;
	int64_t hour;               /* hour the pending counts belong to */
	int64_t count, first, last; /* pending since the last flush */
	bool expected;
	bool on_dirty;
	struct dest *next_dirty;
};

struct hour_pending {
	int64_t hour, conns, dns, lost;
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *ins_conn, *dest_get, *dest_add, *dh_add, *hourly_add;
	sqlite3_stmt *ins_query, *ins_answer, *ins_loss, *counter_add;
	sqlite3_stmt *ack, *alert_done, *alert_retry;
	struct dest *slots[DEST_SLOTS];
	size_t n_dest;
	struct dest *dirty;
	struct hour_pending hours[HOURS_PENDING];
	int n_hours;
};

static const char *const sql_text[] = {
	"INSERT INTO connections(ts_us, family, proto, src, sport, dst, dport, icmp_type, "
	"icmp_code, iif, oif, prefix, pkt_len, attr, domain, domains, query_id, dest_id) "
	"VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO destinations(domain, ip, port, proto, expected, connections, first_us, "
	"last_us) VALUES(?,?,?,?,?,0,?,?) ON CONFLICT(domain, ip, port, proto) DO UPDATE SET "
	"expected = excluded.expected RETURNING id",
	"UPDATE destinations SET connections = connections + ?2, first_us = min(first_us, ?3), "
	"last_us = max(last_us, ?4) WHERE id = ?1",
	"INSERT INTO dest_hourly(hour, dest_id, connections, first_us, last_us) "
	"VALUES(?,?,?,?,?) ON CONFLICT(hour, dest_id) DO UPDATE SET connections = connections "
	"+ excluded.connections, first_us = min(first_us, excluded.first_us), last_us = "
	"max(last_us, excluded.last_us)",
	"INSERT INTO hourly(hour, connections, dns_queries, events_lost) VALUES(?,?,?,?) "
	"ON CONFLICT(hour) DO UPDATE SET connections = connections + excluded.connections, "
	"dns_queries = dns_queries + excluded.dns_queries, events_lost = events_lost + "
	"excluded.events_lost",
	"INSERT INTO dns_queries(ts_us, client, cport, qid, qname, qname_wire, qtype, qclass, "
	"rcode, latency_us, transport) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO dns_answers(query_id, name, rtype, ttl, data) VALUES(?,?,?,?,?)",
	"INSERT INTO losses(ts_us, source, count) VALUES(?,?,?)",
	"INSERT INTO counters(name, value) VALUES(?,?) ON CONFLICT(name) DO UPDATE SET "
	"value = value + excluded.value",
	"UPDATE findings SET acked_us = ?2 WHERE id = ?1 AND acked_us IS NULL",
	"UPDATE alert_outbox SET delivered_us = ?2, attempts = attempts + 1, last_error = NULL "
	"WHERE id = ?1 AND delivered_us IS NULL",
	"UPDATE alert_outbox SET attempts = attempts + 1, next_us = ?2, last_error = ?3 "
	"WHERE id = ?1 AND delivered_us IS NULL",
};

struct store *
store_new(sqlite3 *db, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	sqlite3_stmt **st[12];

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->db = db;
	st[0] = &s->ins_conn; st[1] = &s->dest_get; st[2] = &s->dest_add; st[3] = &s->dh_add;
	st[4] = &s->hourly_add; st[5] = &s->ins_query; st[6] = &s->ins_answer;
	st[7] = &s->ins_loss; st[8] = &s->counter_add;
	st[9] = &s->ack; st[10] = &s->alert_done; st[11] = &s->alert_retry;
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		if (sqlite3_prepare_v3(db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, st[i],
		                       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "cannot prepare statement: %s", sqlite3_errmsg(db));
			store_free(s);
			return NULL;
		}
	}
	return s;
}

static void
dest_clear(struct store *s)
{
	for (size_t i = 0; i < DEST_SLOTS; i++) {
		if (s->slots[i]) {
			free(s->slots[i]->key);
			free(s->slots[i]);
			s->slots[i] = NULL;
		}
	}
	s->n_dest = 0;
	s->dirty = NULL;
}

void
store_free(struct store *s)
{
	if (!s)
		return;
	dest_clear(s);
	sqlite3_finalize(s->ins_conn);
	sqlite3_finalize(s->dest_get);
	sqlite3_finalize(s->dest_add);
	sqlite3_finalize(s->dh_add);
	sqlite3_finalize(s->hourly_add);
	sqlite3_finalize(s->ins_query);
	sqlite3_finalize(s->ins_answer);
	sqlite3_finalize(s->ins_loss);
	sqlite3_finalize(s->counter_add);
	sqlite3_finalize(s->ack);
	sqlite3_finalize(s->alert_done);
	sqlite3_finalize(s->alert_retry);
	free(s);
}

const char *
store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
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

static struct hour_pending *
hour_slot(struct store *s, int64_t ts_us)
{
	int64_t hour = ts_us / HOUR_US;

	for (int i = 0; i < s->n_hours; i++)
		if (s->hours[i].hour == hour)
			return &s->hours[i];
	if (s->n_hours == HOURS_PENDING)
		return NULL;
	s->hours[s->n_hours] = (struct hour_pending){ .hour = hour };
	return &s->hours[s->n_hours++];
}

static int
hours_flush(struct store *s)
{
	for (int i = 0; i < s->n_hours; i++) {
		struct hour_pending *h = &s->hours[i];

		sqlite3_bind_int64(s->hourly_add, 1, h->hour);
		sqlite3_bind_int64(s->hourly_add, 2, h->conns);
		sqlite3_bind_int64(s->hourly_add, 3, h->dns);
		sqlite3_bind_int64(s->hourly_add, 4, h->lost);
		if (step_done(s->hourly_add) < 0)
			return -1;
	}
	s->n_hours = 0;
	return 0;
}

/* Count one event of the given kind in its hour. */
static int
hour_count(struct store *s, int64_t ts_us, int64_t conns, int64_t dns, int64_t lost)
{
	struct hour_pending *h = hour_slot(s, ts_us);

	if (!h) {
		if (hours_flush(s) < 0)
			return -1;
		h = hour_slot(s, ts_us);
	}
	h->conns += conns;
	h->dns += dns;
	h->lost += lost;
	return 0;
}

static int
dest_flush_one(struct store *s, struct dest *d)
{
	if (d->count == 0)
		return 0;
	sqlite3_bind_int64(s->dest_add, 1, d->id);
	sqlite3_bind_int64(s->dest_add, 2, d->count);
	sqlite3_bind_int64(s->dest_add, 3, d->first);
	sqlite3_bind_int64(s->dest_add, 4, d->last);
	if (step_done(s->dest_add) < 0)
		return -1;
	sqlite3_bind_int64(s->dh_add, 1, d->hour);
	sqlite3_bind_int64(s->dh_add, 2, d->id);
	sqlite3_bind_int64(s->dh_add, 3, d->count);
	sqlite3_bind_int64(s->dh_add, 4, d->first);
	sqlite3_bind_int64(s->dh_add, 5, d->last);
	if (step_done(s->dh_add) < 0)
		return -1;
	d->count = 0;
	return 0;
}

int
store_flush(struct store *s)
{
	while (s->dirty) {
		struct dest *d = s->dirty;

		if (dest_flush_one(s, d) < 0)
			return -1;
		d->on_dirty = false;
		s->dirty = d->next_dirty;
	}
	if (hours_flush(s) < 0)
		return -1;
	if (s->n_dest >= DEST_CAP)
		dest_clear(s);
	return 0;
}

void
store_discard(struct store *s)
{
	dest_clear(s);
	s->n_hours = 0;
}

static uint64_t
hash_key(const char *k, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Find or create the destination row for this connection. NULL on a database error. */
static struct dest *
dest_lookup(struct store *s, const char *domain, const char *ip, int port, int proto,
            bool expected, int64_t ts_us)
{
	char key[1300];
	int klen = snprintf(key, sizeof(key), "%s|%s|%d|%d", domain, ip, port, proto);
	size_t i;
	struct dest *d;

	if (klen < 0 || klen >= (int)sizeof(key))
		klen = (int)sizeof(key) - 1;
	i = (size_t)hash_key(key, (size_t)klen) & (DEST_SLOTS - 1);
	while ((d = s->slots[i])) {
		if (strcmp(d->key, key) == 0 && d->expected == expected)
			return d;
		if (strcmp(d->key, key) == 0)
			break;
		i = (i + 1) & (DEST_SLOTS - 1);
	}
	if (!d && s->n_dest >= DEST_CAP) {
		/* full mid-batch: write out what is pending and start over */
		if (store_flush(s) < 0)
			return NULL;
		if (s->n_dest)
			dest_clear(s);
		return dest_lookup(s, domain, ip, port, proto, expected, ts_us);
	}
	sqlite3_bind_text(s->dest_get, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->dest_get, 2, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->dest_get, 3, port);
	sqlite3_bind_int(s->dest_get, 4, proto);
	sqlite3_bind_int(s->dest_get, 5, expected);
	sqlite3_bind_int64(s->dest_get, 6, ts_us);
	sqlite3_bind_int64(s->dest_get, 7, ts_us);
	if (sqlite3_step(s->dest_get) != SQLITE_ROW) {
		sqlite3_reset(s->dest_get);
		return NULL;
	}
	if (!d) {
		if (!(d = calloc(1, sizeof(*d))) || !(d->key = strdup(key))) {
			free(d);
			sqlite3_reset(s->dest_get);
			return NULL;
		}
		s->slots[i] = d;
		s->n_dest++;
	}
	d->id = sqlite3_column_int64(s->dest_get, 0);
	d->expected = expected;
	sqlite3_reset(s->dest_get);
	sqlite3_clear_bindings(s->dest_get);
	return d;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int64_t
store_conn(struct store *s, const struct conn_event *ev, const struct conn_attr *a)
{
	static const struct conn_attr none;
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN], prefix[EVENT_PREFIXLEN + 1];
	int port = ev->has_ports ? ev->dport : 0;
	struct dest *d;
	sqlite3_stmt *st = s->ins_conn;
	int64_t id;

	if (!a)
		a = &none;
	netaddr_format(&ev->src, src, sizeof(src));
	netaddr_format(&ev->dst, dst, sizeof(dst));
	memcpy(prefix, ev->prefix, EVENT_PREFIXLEN);
	prefix[EVENT_PREFIXLEN] = '\0';
	d = dest_lookup(s, a->domain ? a->domain : "", dst, port, ev->proto, a->expected,
	                ev->ts_us);
	if (!d)
		return -1;
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
	bind_text_or_null(st, 16, a->domains_json);
	if (a->query_id)
		sqlite3_bind_int64(st, 17, a->query_id);
	sqlite3_bind_int64(st, 18, d->id);
	if (step_done(st) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(s->db);

	if (d->count && d->hour != ev->ts_us / HOUR_US && dest_flush_one(s, d) < 0)
		return -1;
	if (d->count == 0) {
		d->hour = ev->ts_us / HOUR_US;
		d->first = d->last = ev->ts_us;
		if (!d->on_dirty) {
			d->on_dirty = true;
			d->next_dirty = s->dirty;
			s->dirty = d;
		}
	}
	d->count++;
	if (ev->ts_us < d->first)
		d->first = ev->ts_us;
	if (ev->ts_us > d->last)
		d->last = ev->ts_us;
	if (hour_count(s, ev->ts_us, 1, 0, 0) < 0)
		return -1;
	return id;
}

int64_t
store_dns(struct store *s, const struct dns_event *ev)
{
	char client[NETADDR_STRLEN];
	sqlite3_stmt *st = s->ins_query;
	int64_t qid;

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
	if (step_done(st) < 0)
		return -1;
	qid = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < ev->n_answers; i++) {
		const struct dns_answer *an = &ev->answers[i];

		sqlite3_bind_int64(s->ins_answer, 1, qid);
		sqlite3_bind_text(s->ins_answer, 2, an->name ? an->name : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(s->ins_answer, 3, an->rtype);
		sqlite3_bind_int64(s->ins_answer, 4, an->ttl);
		sqlite3_bind_text(s->ins_answer, 5, an->data ? an->data : "", -1, SQLITE_STATIC);
		if (step_done(s->ins_answer) < 0)
			return -1;
	}
	if (hour_count(s, ev->ts_us, 0, 1, 0) < 0)
		return -1;
	return qid;
}

int
store_loss(struct store *s, int64_t ts_us, const char *source, uint64_t count)
{
	sqlite3_bind_int64(s->ins_loss, 1, ts_us);
	sqlite3_bind_text(s->ins_loss, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->ins_loss, 3, (int64_t)count);
	if (step_done(s->ins_loss) < 0)
		return -1;
	sqlite3_bind_text(s->counter_add, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->counter_add, 2, (int64_t)count);
	if (step_done(s->counter_add) < 0)
		return -1;
	return hour_count(s, ts_us, 0, 0, (int64_t)count);
}

int
store_counter_add(struct store *s, const char *name, uint64_t delta)
{
	sqlite3_bind_text(s->counter_add, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->counter_add, 2, (int64_t)delta);
	return step_done(s->counter_add);
}

int
store_cmd(struct store *s, const struct cmd_event *cmd)
{
	sqlite3_stmt *st;

	switch (cmd->kind) {
	case CMD_ACK_FINDING:
		st = s->ack;
		sqlite3_bind_int64(st, 2, cmd->ts_us);
		break;
	case CMD_ALERT_DELIVERED:
		st = s->alert_done;
		sqlite3_bind_int64(st, 2, cmd->ts_us);
		break;
	case CMD_ALERT_RETRY:
		st = s->alert_retry;
		sqlite3_bind_int64(st, 2, cmd->arg);
		sqlite3_bind_text(st, 3, cmd->text, (int)strnlen(cmd->text, sizeof(cmd->text)),
		                  SQLITE_TRANSIENT);
		break;
	default:
		return 0;
	}
	sqlite3_bind_int64(st, 1, cmd->id);
	return step_done(st);
}
