/* The resolver's rows: a query, its answers, its name and each answered address, the
 * last two counted in the rollups rather than updated per query. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/chain.h"
#include "common/db.h"
#include "common/log.h"
#include "common/proto.h"
#include "rollup.h"
#include "store.h"
#include "storeint.h"

/* Step ins, a plain INSERT that does nothing on a conflict; if it did nothing, get (bound
 * alike) returns the existing row. The new or existing row's id, or -1; *added says
 * which. */
static int64_t
insert_or_get(struct store *s, sqlite3_stmt *ins, sqlite3_stmt *get, bool *added)
{
	*added = false;
	if (store_step_done(s, ins) < 0) {
		sqlite3_clear_bindings(get);
		return -1;
	}
	if (sqlite3_changes(s->db) == 1) {
		sqlite3_clear_bindings(get);
		*added = true;
		return sqlite3_last_insert_rowid(s->db);
	}
	return store_step_id(s, get);
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
	if ((qid = store_insert_row(s, st, CHAIN_DNS_QUERIES, 13)) < 0)
		return -1;
	for (size_t i = 0; i < ev->n_answers; i++) {
		const struct dns_answer *an = &ev->answers[i];
		sqlite3_stmt *ia = s->st[S_INS_ANSWER];

		sqlite3_bind_int64(ia, 1, qid);
		sqlite3_bind_text(ia, 2, an->name ? an->name : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(ia, 3, an->rtype);
		sqlite3_bind_int64(ia, 4, an->ttl);
		sqlite3_bind_text(ia, 5, an->data ? an->data : "", -1, SQLITE_STATIC);
		if (store_insert_row(s, ia, CHAIN_DNS_ANSWERS, 6) < 0 ||
		    count_ip(s, ev, i, name_id, qid) < 0)
			return -1;
	}
	if (rollup_count(s->name, key, ev->ts_us) < 0 || store_hour_count(s, ev->ts_us, H_DNS, 1) < 0)
		return -1;
	return qid;
}
