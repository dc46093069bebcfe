/* The capture's rows: hellos (TLS, QUIC, HTTP names) and byte records, counted under
 * their destination, and the lookups that link them to a stored connection. */
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
	store_bind_null(st, 12, h->alpn);   /* NULL-safe */
	if (h->version)
		sqlite3_bind_int(st, 13, h->version);
	if (h->quic_version)
		sqlite3_bind_int64(st, 14, h->quic_version);
	sqlite3_bind_int(st, 15, h->ech);
	if (conn_id > 0)
		sqlite3_bind_int64(st, 16, conn_id);
	sqlite3_bind_int64(st, 17, dest_id);
	if ((id = store_insert_row(s, st, CHAIN_HELLOS, 18)) < 0 ||
	    store_hour_count(s, h->ts_us, H_HELLO, 1) < 0)
		return -1;
	return id;
}

static const char *const flow_ends[] = { [FLOW_CLOSED] = "closed", [FLOW_IDLE] = "idle",
                                         [FLOW_EVICTED] = "evicted",
                                         [FLOW_FLUSHED] = "flushed",
                                         [FLOW_FOLDED] = "folded" };

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
	if ((ports && b->end != FLOW_FOLDED) || b->cport)   /* an aggregate: many ports */
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
	sqlite3_bind_int64(st, 20, b->flows ? b->flows : 1);
	if (b->end > FLOW_GOES_ON && b->end <= FLOW_FOLDED)
		sqlite3_bind_text(st, 16, flow_ends[b->end], -1, SQLITE_STATIC);
	if (conn_id > 0)
		sqlite3_bind_int64(st, 17, conn_id);
	sqlite3_bind_int64(st, 18, dest_id);
	if ((id = store_insert_row(s, st, CHAIN_FLOW_BYTES, 19)) < 0)
		return -1;
	/* the destination's own rollup item, by id: it flushes into the same row */
	snprintf(key, sizeof(key), "#%lld", (long long)dest_id);
	if ((!rollup_find(s->dest, key) && rollup_remember(s->dest, key, dest_id) < 0) ||
	    rollup_add(s->dest, key, b->slot_us, b->first_us, b->last_us, 0,
	               (int64_t)b->bytes_up, (int64_t)b->bytes_down) < 0 ||
	    store_hour_count(s, b->slot_us, H_BYTES_UP, (int64_t)b->bytes_up) < 0 ||
	    store_hour_count(s, b->slot_us, H_BYTES_DOWN, (int64_t)b->bytes_down) < 0)
		return -1;
	return id;
}

int
store_find_conn(struct store *s, const struct netaddr *client, const struct netaddr *server,
                int proto, int cport, int sport, int64_t from_us, int64_t to_us,
                int64_t *conn_id, int64_t *dest_id, int64_t *ts_us)
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
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		*conn_id = sqlite3_column_int64(st, 0);
		*dest_id = sqlite3_column_int64(st, 1);
		*ts_us = sqlite3_column_int64(st, 2);
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
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		const char *ip = (const char *)sqlite3_column_text(st, 1);

		snprintf(name, namelen, "%s", d && *d ? d : ip ? ip : "");
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
