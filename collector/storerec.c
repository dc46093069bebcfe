/* Findings (one row per kind and key, counted in the rollup after the first), losses,
 * other sources' events, sensor records, alerts and the commands of the other threads
 * (acknowledgements, alert delivery marks). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/chain.h"
#include "common/db.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/findkind.h"
#include "common/timefmt.h"
#include "rollup.h"
#include "store.h"
#include "storeint.h"

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
	if (store_hour_count(s, ts_us, H_FINDING, 1) < 0 || rollup_count(s->finding, k, ts_us) < 0)
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
	if (store_hour_count(s, f->ts_us, H_FINDING, 1) < 0)
		return -1;

	sqlite3_stmt *st = s->st[S_FIND_INS];
	sqlite3_bind_text(st, 1, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
	store_bind_null(st, 3, f->domain);
	store_bind_null(st, 4, f->ip);
	if (f->port >= 0)
		sqlite3_bind_int(st, 5, f->port);
	store_bind_null(st, 6, f->proto);
	sqlite3_bind_int64(st, 7, f->ts_us);
	sqlite3_bind_int(st, 8, f->watch_day);
	sqlite3_bind_text(st, 9, f->detail, -1, SQLITE_STATIC);
	store_bind_null(st, 10, f->example);
	if (f->conn_id)
		sqlite3_bind_int64(st, 11, f->conn_id);
	if (f->query_id)
		sqlite3_bind_int64(st, 12, f->query_id);
	sqlite3_bind_int(st, 14, f->blocked);
	{
		int rc = store_step_new_row(s, st, CHAIN_FINDINGS, 13);

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
		if (!f->no_alert && store_step_done(s, ob) < 0)
			return -1;
		sqlite3_clear_bindings(ob);
		*is_new = true;
		return rollup_remember(s->finding, key, id) < 0 ? -1 : id;
	}
	/* it exists from an earlier run: count this event */
	sqlite3_stmt *g = s->st[S_FIND_GET];
	sqlite3_bind_text(g, 1, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(g, 2, f->key, -1, SQLITE_STATIC);
	if ((id = store_step_id(s, g)) <= 0 || rollup_remember(s->finding, key, id) < 0 ||
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
	if (store_insert_row(s, st, CHAIN_LOSSES, 4) < 0 || store_counter_add(s, source, count) < 0)
		return -1;
	return store_hour_count(s, ts_us, H_LOST, (int64_t)count);
}

int
store_other(struct store *s, int64_t ts_us, bool dns, const struct netaddr *src)
{
	sqlite3_stmt *st = s->st[S_INS_OTHER];
	char a[NETADDR_STRLEN];

	sqlite3_bind_int64(st, 1, ts_us);
	sqlite3_bind_text(st, 2, dns ? "dns" : "connection", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, netaddr_format(src, a, sizeof(a)), -1, SQLITE_TRANSIENT);
	if (store_step_done(s, st) < 0)
		return -1;
	return store_hour_count(s, ts_us, dns ? H_OTHER_DNS : H_OTHER_CONN, 1);
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
	return store_insert_row(s, st, CHAIN_SENSOR_EVENTS, 6) < 0 ? -1 : 0;
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
	rc = store_step(s, st) == SQLITE_DONE ? 0 : -1;
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
	rc = store_step(s, st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int
store_cmd(struct store *s, const struct cmd_event *cmd)
{
	sqlite3_stmt *st;

	switch (cmd->kind) {
	case CMD_ACK_FINDING:
		st = s->st[S_ACK];
		sqlite3_bind_int64(st, 2, cmd->ts_us);
		sqlite3_bind_text(st, 3, cmd->text, (int)strnlen(cmd->text, sizeof(cmd->text)),
		                  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, cmd->by, (int)strnlen(cmd->by, sizeof(cmd->by)),
		                  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, cmd->arg);
		break;
	case CMD_UNACK_FINDING:
		/* the ack's statement with nothing bound: every ack column back to NULL */
		st = s->st[S_ACK];
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
		rc = store_step(s, st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
		return rc;
	}
	default:
		return 0;
	}
	sqlite3_bind_int64(st, 1, cmd->id);
	return store_step_done(s, st);
}
