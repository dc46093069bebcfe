/* The canonical form of chain.h, and the reads and hashes it needs. Nothing else in
 * the project encodes a chained row. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "chain.h"

static const struct {
	const char *name;
	const char *last_col;
	const char *cols;      /* the canonical column order, form 1 */
	int ts_col;            /* the column holding the event time, or -1 */
	const char *cols2;     /* form 2's, where it differs */
	int raw;               /* pruned by retention */
	const char *cols4;     /* form 4's, where it differs */
} tables[CHAIN__TABLES] = {
	[CHAIN_CONNECTIONS] = { "connections", "conn_last",
		"id, ts_us, family, proto, src, sport, dst, dport, icmp_type, icmp_code, iif, oif, "
		"prefix, pkt_len, attr, domain, domains, query_id, dest_id", 1, NULL, 1, NULL },
	[CHAIN_DNS_QUERIES] = { "dns_queries", "query_last",
		"id, ts_us, client, cport, qid, qname, qname_wire, qtype, qclass, rcode, "
		"latency_us, transport, name_id", 1,
		"id, ts_us, client, cport, qid, qname, qname_wire, qtype, qclass, rcode, "
		"latency_us, transport, name_id, truncated", 1, NULL },
	[CHAIN_DNS_ANSWERS] = { "dns_answers", "answer_last",
		"id, query_id, name, rtype, ttl, data", -1, NULL, 1, NULL },
	/* as first stored: count, last_us and the acknowledgement (acked_us, ack_note, ack_by,
	 * ack_until_us: the operator's, not evidence) change later */
	[CHAIN_FINDINGS] = { "findings", "finding_last",
		"id, kind, key, domain, ip, port, proto, first_us, watch_day, detail, example, "
		"conn_id, query_id", -1, NULL, 0, NULL },
	[CHAIN_LOSSES] = { "losses", "loss_last", "id, ts_us, source, count", -1, NULL, 0, NULL },
	[CHAIN_SENSOR_EVENTS] = { "sensor_events", "sensor_last",
		"id, ts_us, run_id, source, state, detail", -1, NULL, 0, NULL },
	[CHAIN_HELLOS] = { "hellos", "hello_last",
		"id, ts_us, kind, family, proto, client, cport, server, sport, name, name_wire, "
		"name_cut, alpn, version, quic_version, ech, conn_id, dest_id", 1, NULL, 1, NULL },
	[CHAIN_FLOW_BYTES] = { "flow_bytes", "bytes_last",
		"id, slot_us, first_us, last_us, family, proto, client, cport, server, sport, "
		"bytes_up, bytes_down, payload_up, payload_down, pkts_up, pkts_down, ended, "
		"conn_id, dest_id", 3, NULL, 1,
		"id, slot_us, first_us, last_us, family, proto, client, cport, server, sport, "
		"bytes_up, bytes_down, payload_up, payload_down, pkts_up, pkts_down, ended, "
		"conn_id, dest_id, flows" },
};

#define FORM2_TABLES 6   /* forms 1 and 2: the tables before the capture's */

int
chain_form_tables(int form)
{
	return form == 1 || form == 2 ? FORM2_TABLES : form == 3 || form == 4 ? CHAIN__TABLES : 0;
}

int
chain_table_is_raw(enum chain_table t)
{
	return t < CHAIN__TABLES && tables[t].raw;
}

static const char chain_domain[16] = "oc-audit chain ";   /* and the form's digit */

/* A row's encoding is a few bytes per column: gathered here and handed to the digest in
 * blocks, not one EVP call per column. The bytes hashed are the same. */
struct md_buf {
	EVP_MD_CTX *md;
	size_t len;
	int ok;
	uint8_t b[8192];
};

struct chain_reader {
	sqlite3 *db;
	int n;                 /* the tables of its form */
	sqlite3_stmt *st[CHAIN__TABLES];
	EVP_MD_CTX *md;
	struct md_buf buf;     /* chain_digest's, kept to spare a stack page per call */
};

const char *
chain_table_name(enum chain_table t)
{
	return t < CHAIN__TABLES ? tables[t].name : "";
}

const char *
chain_last_column(enum chain_table t)
{
	return t < CHAIN__TABLES ? tables[t].last_col : "";
}

struct chain_reader *
chain_reader_new(sqlite3 *db, int form, char *err, size_t errlen)
{
	struct chain_reader *r = calloc(1, sizeof(*r));
	char sql[512];

	if (form < 1 || form > CHAIN_FORM) {
		snprintf(err, errlen, "chain: no canonical form %d", form);
		free(r);
		return NULL;
	}
	if (!r || !(r->md = EVP_MD_CTX_new())) {
		snprintf(err, errlen, "out of memory");
		chain_reader_free(r);
		return NULL;
	}
	r->db = db;
	r->n = chain_form_tables(form);
	for (int t = 0; t < r->n; t++) {
		snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id > ?1 AND id <= ?2 "
		         "ORDER BY id", form >= 4 && tables[t].cols4 ? tables[t].cols4 :
		         form >= 2 && tables[t].cols2 ? tables[t].cols2 : tables[t].cols,
		         tables[t].name);
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &r->st[t],
		                       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "chain: cannot read %s: %s", tables[t].name,
			         sqlite3_errmsg(db));
			chain_reader_free(r);
			return NULL;
		}
	}
	return r;
}

void
chain_reader_free(struct chain_reader *r)
{
	if (!r)
		return;
	for (int t = 0; t < CHAIN__TABLES; t++)
		sqlite3_finalize(r->st[t]);
	EVP_MD_CTX_free(r->md);
	free(r);
}

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void
chain_encode_row(sqlite3_stmt *st, enum chain_table t, chain_sink sink, void *arg)
{
	uint8_t b[9], tag = (uint8_t)(t + 1);
	int n = sqlite3_column_count(st);

	sink(arg, &tag, 1);
	for (int i = 0; i < n; i++) {
		int type = sqlite3_column_type(st, i);
		double d;
		uint64_t u;

		switch (type) {
		case SQLITE_INTEGER:
			b[0] = 0x01;
			put64(b + 1, (uint64_t)sqlite3_column_int64(st, i));
			sink(arg, b, 9);
			break;
		case SQLITE_FLOAT:
			d = sqlite3_column_double(st, i);
			memcpy(&u, &d, sizeof(u));
			b[0] = 0x02;
			put64(b + 1, u);
			sink(arg, b, 9);
			break;
		case SQLITE_TEXT:
		case SQLITE_BLOB: {
			/* the pointer first, then the length: SQLite's documented order */
			const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, i)
			                                    : sqlite3_column_blob(st, i);
			int len = sqlite3_column_bytes(st, i);

			b[0] = type == SQLITE_TEXT ? 0x03 : 0x04;
			put32(b + 1, (uint32_t)len);
			sink(arg, b, 5);
			if (len > 0)
				sink(arg, p, (size_t)len);
			break;
		}
		default:
			b[0] = 0x00;
			sink(arg, b, 1);
			break;
		}
	}
}


static void
md_flush(struct md_buf *m)
{
	if (m->len && !EVP_DigestUpdate(m->md, m->b, m->len))
		m->ok = 0;
	m->len = 0;
}

static void
md_sink(void *arg, const void *p, size_t n)
{
	struct md_buf *m = arg;

	if (n > sizeof(m->b) - m->len) {
		md_flush(m);
		if (n > sizeof(m->b)) {
			if (!EVP_DigestUpdate(m->md, p, n))
				m->ok = 0;
			return;
		}
	}
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

int
chain_digest(struct chain_reader *r, enum chain_half half, const int64_t after[],
             const int64_t upto[], uint8_t out[CHAIN_HASHLEN], int64_t *max_ts,
             int64_t *rows)
{
	int64_t mx = 0, nrows = 0;
	int rc = 0;
	struct md_buf *m = &r->buf;

	if (!EVP_DigestInit_ex(r->md, EVP_sha256(), NULL))
		return -1;
	m->md = r->md;
	m->len = 0;
	m->ok = 1;
	for (int t = 0; t < r->n && rc == 0; t++) {
		sqlite3_stmt *st = r->st[t];
		int s;

		if (upto[t] <= after[t] || tables[t].raw != (half == CHAIN_RAW))
			continue;
		sqlite3_bind_int64(st, 1, after[t]);
		sqlite3_bind_int64(st, 2, upto[t]);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			chain_encode_row(st, (enum chain_table)t, md_sink, m);
			if (tables[t].ts_col >= 0) {
				int64_t ts = sqlite3_column_int64(st, tables[t].ts_col);

				if (ts > mx)
					mx = ts;
			}
			nrows++;
		}
		if (s != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
	}
	md_flush(m);
	if (!m->ok)
		rc = -1;
	if (!EVP_DigestFinal_ex(r->md, out, NULL))
		rc = -1;
	if (max_ts)
		*max_ts = mx;
	if (rows)
		*rows = nrows;
	return rc;
}

void
chain_link(const uint8_t prev[CHAIN_HASHLEN], struct chain_batch *b)
{
	uint8_t buf[sizeof(chain_domain) + CHAIN_HASHLEN + 8 * (4 + CHAIN__TABLES) +
	            2 * CHAIN_HASHLEN], *p = buf;
	unsigned int len = 0;
	int n = chain_form_tables(b->form);

	memcpy(p, chain_domain, sizeof(chain_domain));
	p[sizeof(chain_domain) - 1] = (uint8_t)('0' + b->form % 10);
	p += sizeof(chain_domain);
	memcpy(p, prev, CHAIN_HASHLEN);
	p += CHAIN_HASHLEN;
	put64(p, (uint64_t)b->id);
	put64(p + 8, (uint64_t)b->run_id);
	put64(p + 16, (uint64_t)b->committed_us);
	put64(p + 24, (uint64_t)b->max_ts_us);
	p += 32;
	for (int t = 0; t < (n ? n : CHAIN__TABLES); t++, p += 8)
		put64(p, (uint64_t)b->last[t]);
	memcpy(p, b->raw, CHAIN_HASHLEN);
	memcpy(p + CHAIN_HASHLEN, b->kept, CHAIN_HASHLEN);
	p += 2 * CHAIN_HASHLEN;
	EVP_Digest(buf, (size_t)(p - buf), b->hash, &len, EVP_sha256(), NULL);
}

char *
chain_hex(const uint8_t h[CHAIN_HASHLEN], char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < CHAIN_HASHLEN; i++) {
		out[2 * i] = hx[h[i] >> 4];
		out[2 * i + 1] = hx[h[i] & 15];
	}
	out[2 * CHAIN_HASHLEN] = '\0';
	return out;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
chain_unhex(const char *s, uint8_t out[CHAIN_HASHLEN])
{
	if (strlen(s) != 2 * CHAIN_HASHLEN)
		return -1;
	for (int i = 0; i < CHAIN_HASHLEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

#define BATCH_COLS "id, run_id, committed_us, coalesce(max_ts_us, 0), conn_last, query_last, " \
	"answer_last, finding_last, loss_last, sensor_last, hello_last, bytes_last, raw, hash, form"

static void
batch_from_row(sqlite3_stmt *st, struct chain_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(st, 0);
	b->run_id = sqlite3_column_int64(st, 1);
	b->committed_us = sqlite3_column_int64(st, 2);
	b->max_ts_us = sqlite3_column_int64(st, 3);
	for (int t = 0; t < CHAIN__TABLES; t++)
		b->last[t] = sqlite3_column_int64(st, 4 + t);
	if (sqlite3_column_bytes(st, 4 + CHAIN__TABLES) == CHAIN_HASHLEN)
		memcpy(b->raw, sqlite3_column_blob(st, 4 + CHAIN__TABLES), CHAIN_HASHLEN);
	if (sqlite3_column_bytes(st, 5 + CHAIN__TABLES) == CHAIN_HASHLEN)
		memcpy(b->hash, sqlite3_column_blob(st, 5 + CHAIN__TABLES), CHAIN_HASHLEN);
	b->form = sqlite3_column_int(st, 6 + CHAIN__TABLES);
}

static int
read_one(sqlite3 *db, const char *sql, int64_t arg, struct chain_batch *b)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		batch_from_row(st, b);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
chain_read_batch(sqlite3 *db, int64_t id, struct chain_batch *b)
{
	return read_one(db, "SELECT " BATCH_COLS " FROM batches WHERE id = ?1", id, b);
}

int
chain_head(sqlite3 *db, int64_t until_us, struct chain_batch *b)
{
	return read_one(db, "SELECT " BATCH_COLS " FROM batches WHERE committed_us < ?1 "
	                "ORDER BY id DESC LIMIT 1", until_us, b);
}
