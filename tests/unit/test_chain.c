/* The hash chain: the canonical form's bytes and hash pinned to values computed apart
 * from this code (with Python's hashlib, from chain.h's description), and the writer's
 * half (seal) against the verifier's (verify) on a real database: intact, a changed
 * row named by its batch, retention that keeps the chain verifiable, ids never reused,
 * and an older database sealed when it is upgraded. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "collector/seal.h"
#include "collector/store.h"
#include "common/chain.h"
#include "common/db.h"
#include "common/embed.h"
#include "common/timefmt.h"
#include "report/verify.h"
#include "tap.h"

#define T_BACKLOG INT64_C(1800000000000000)

struct buf {
	unsigned char b[256];
	size_t n;
};

static void
to_buf(void *arg, const void *p, size_t n)
{
	struct buf *b = arg;

	if (b->n + n <= sizeof(b->b)) {
		memcpy(b->b + b->n, p, n);
		b->n += n;
	}
}

static void
canonical_form(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct buf b = { .n = 0 };
	char hex[CHAIN_HEXLEN], got[2 * sizeof(b.b) + 1];
	struct chain_batch one = { .form = 1, .id = 1, .run_id = 2,
	                           .committed_us = INT64_C(1700000000000000) };
	struct chain_batch two = { .form = 1, .id = 2, .run_id = 2,
	                           .committed_us = INT64_C(1700000001000000),
	                           .max_ts_us = INT64_C(1700000000500000), .last = { 1 } };
	uint8_t zero[CHAIN_HASHLEN] = { 0 }, back[CHAIN_HASHLEN];
	unsigned int len;

	sqlite3_open(":memory:", &db);
	sqlite3_prepare_v2(db, "SELECT 1, NULL, 'ab', x'00ff', -1", -1, &st, NULL);
	sqlite3_step(st);
	chain_encode_row(st, CHAIN_CONNECTIONS, to_buf, &b);
	for (size_t i = 0; i < b.n; i++)
		snprintf(got + 2 * i, 3, "%02x", b.b[i]);
	is_str(got, "010100000000000000010003000000026162040000000200ff01ffffffffffffffff",
	       "a row: its tag, then each column by storage class");

	/* the empty digest, and a batch after nothing */
	EVP_Digest("", 0, one.raw, &len, EVP_sha256(), NULL);
	memcpy(one.kept, one.raw, CHAIN_HASHLEN);
	chain_link(zero, &one);
	is_str(chain_hex(one.hash, hex),
	       "2a2cda3966fda3ad82f8f334495e2b6053821c90c1664beee420d274d30a9703",
	       "the first batch's hash");
	EVP_Digest(b.b, b.n, two.raw, &len, EVP_sha256(), NULL);
	memcpy(two.kept, one.kept, CHAIN_HASHLEN);
	chain_link(one.hash, &two);
	is_str(chain_hex(two.hash, hex),
	       "2dd38bebfefc3d39a21860a2ed1ec476d2d1a17b36918b349a1f5424fce2650a",
	       "the second, with one row, after the first");
	ok(chain_unhex(hex, back) == 0 && memcmp(back, two.hash, CHAIN_HASHLEN) == 0,
	   "hex back to bytes");
	two.form = 2;
	chain_link(one.hash, &two);
	is_str(chain_hex(two.hash, hex),
	       "3d3fc3d1bcd9f68774a93f4068da2f322d4a987709094a3888a5940d54b179d6",
	       "the same in form 2: its digit in the domain");

	/* form 3 hashes the last ids of the capture's tables too; forms 1 and 2 do not */
	{
		struct chain_batch f = { .id = 3, .run_id = 2, .form = 3,
		                         .committed_us = INT64_C(1700000002000000),
		                         .max_ts_us = INT64_C(1700000001500000),
		                         .last = { 1, 2, 3, 4, 5, 6, 7, 8 } };

		memcpy(f.raw, one.raw, CHAIN_HASHLEN);
		memcpy(f.kept, one.raw, CHAIN_HASHLEN);
		chain_link(zero, &f);
		is_str(chain_hex(f.hash, hex),
		       "2ab8f7965ce747c21b2be372640bb8abe6dfd40543b66a2702bb393df9041bcc",
		       "a form 3 batch's hash covers eight tables");
		f.form = 2;
		chain_link(zero, &f);
		is_str(chain_hex(f.hash, hex),
		       "4e1f8975045862f0c9d349bd11c7b0ffd68bd226252a7df835a70833ff943929",
		       "the same batch in form 2: six");
		ok(chain_form_tables(1) == 6 && chain_form_tables(2) == 6 &&
		   chain_form_tables(3) == CHAIN__TABLES && chain_form_tables(4) == CHAIN__TABLES &&
		   chain_form_tables(5) == 0, "tables per form");
		ok(chain_table_is_raw(CHAIN_HELLOS) && chain_table_is_raw(CHAIN_FLOW_BYTES) &&
		   !chain_table_is_raw(CHAIN_FINDINGS), "hellos and bytes are raw: pruned");
	}
	ok(chain_unhex("xyz", back) < 0 && chain_unhex(hex + 1, back) < 0, "bad hex refused");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static struct conn_event
conn(int64_t ts, int i)
{
	struct conn_event ev = { .ts_us = ts, .proto = 6, .has_ports = 1, .sport = 40000,
	                         .dport = (uint16_t)(1000 + i % 50) };

	netaddr_parse("192.168.83.2", &ev.src);
	netaddr_parse("198.51.100.7", &ev.dst);
	return ev;
}

/* One transaction of n connections at ts, and a DNS query, sealed. */
static int
batch(sqlite3 *db, struct store *s, struct seal *k, int64_t ts, int n)
{
	struct dns_answer a = { .name = "x.example", .rtype = 1, .ttl = 60,
	                        .data = "198.51.100.7" };
	struct dns_event q = { .ts_us = ts, .qtype = 1, .qclass = 1, .qname = "x.example",
	                       .qname_wire = (const uint8_t *)"x", .qname_len = 1,
	                       .answers = &a, .n_answers = 1, .rcode = 0 };
	int fails = 0;

	netaddr_parse("192.168.83.2", &q.client);
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (int i = 0; i < n; i++) {
		struct conn_event ev = conn(ts + i, i);

		fails += store_conn(s, &ev, NULL) <= 0;
	}
	fails += store_dns(s, &q, false) <= 0;
	{
		/* what the capture saw of the first connection */
		struct hello_event h = { .ts_us = ts + 1, .sport = 1000, .cport = 40000,
		                         .proto = 6, .kind = HELLO_TLS, .has_name = true,
		                         .name_len = 9, .name = (const uint8_t *)"x.example",
		                         .name_str = "x.example", .version = 0x0304 };
		struct bytes_event by = { .slot_us = ts, .first_us = ts, .last_us = ts + 2,
		                          .sport = 1000, .cport = 40000, .proto = 6,
		                          .bytes_up = 700, .bytes_down = 5000, .pkts_up = 5,
		                          .pkts_down = 6, .end = FLOW_CLOSED };
		int64_t dest;

		netaddr_parse("192.168.83.2", &h.client);
		netaddr_parse("198.51.100.7", &h.server);
		dest = store_dest(s, ts, "x.example", &h.server, 1000, 6, false);
		by.client = h.client;
		by.server = h.server;
		fails += dest <= 0;
		fails += store_hello(s, &h, 0, dest) <= 0;
		fails += store_bytes(s, &by, 0, dest) <= 0;
	}
	fails += store_loss(s, ts, "queue_full", 1) < 0;
	fails += store_flush(s) < 0;
	fails += seal_batch(k, ts + n, ts + n, false) != 1;
	fails += sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK;
	seal_committed(k, true);
	return fails;
}

static void
check(sqlite3 *db, int64_t want_bad, const char *what)
{
	struct verify_result r;
	char err[256];

	is_int(verify_chain(db, NULL, &r, err, sizeof(err)), 0, "%s: verify runs", what);
	is_int(r.first_bad, want_bad, "%s: first batch that does not match", what);
	if (r.first_bad != want_bad)
		printf("#   %s\n", r.why);
}

static void
seal_and_verify(const char *dir)
{
	char path[256], err[512];
	sqlite3 *db;
	struct store *s;
	struct seal *k;
	int fails = 0;
	int64_t t0 = INT64_C(1700000000000000), before;

	snprintf(path, sizeof(path), "%s/chain.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	s = db ? store_new(db, err, sizeof(err)) : NULL;
	k = s ? seal_new(db, s, 1, err, sizeof(err)) : NULL;
	ok(k != NULL, "a store and a seal");
	if (!k)
		return;
	for (int i = 0; i < 10; i++)
		fails += batch(db, s, k, t0 + i * HOUR_US, 100);
	is_int(fails, 0, "10 batches of 100 connections, a query, a loss");
	is_int(seal_head(k)->id, 10, "ten batches");
	check(db, 0, "as sealed");

	sqlite3_exec(db, "UPDATE connections SET dst = '203.0.113.9' WHERE id = 450", NULL, NULL,
	             NULL);
	check(db, 5, "a connection changed");
	sqlite3_exec(db, "UPDATE connections SET dst = '198.51.100.7' WHERE id = 450", NULL, NULL,
	             NULL);
	sqlite3_exec(db, "UPDATE losses SET count = 0 WHERE id = 7", NULL, NULL, NULL);
	check(db, 7, "a loss changed");
	sqlite3_exec(db, "UPDATE losses SET count = 1 WHERE id = 7", NULL, NULL, NULL);
	sqlite3_exec(db, "DELETE FROM dns_answers WHERE id = 3", NULL, NULL, NULL);
	check(db, 3, "an answer deleted");
	sqlite3_exec(db, "INSERT INTO dns_answers(id, query_id, name, rtype, ttl, data) "
	             "VALUES(3, 3, 'x.example', 1, 60, '198.51.100.7')", NULL, NULL, NULL);
	check(db, 0, "the answer put back as it was");
	sqlite3_exec(db, "UPDATE hellos SET name = 'y.example' WHERE id = 6", NULL, NULL, NULL);
	check(db, 6, "a hello changed");
	sqlite3_exec(db, "UPDATE hellos SET name = 'x.example' WHERE id = 6", NULL, NULL, NULL);
	sqlite3_exec(db, "UPDATE flow_bytes SET bytes_up = 1 WHERE id = 8", NULL, NULL, NULL);
	check(db, 8, "a byte record changed");
	sqlite3_exec(db, "UPDATE flow_bytes SET bytes_up = 700 WHERE id = 8", NULL, NULL, NULL);
	sqlite3_exec(db, "UPDATE flow_bytes SET flows = 9 WHERE id = 8", NULL, NULL, NULL);
	check(db, 8, "a byte record's count of flows changed (form 4)");
	sqlite3_exec(db, "UPDATE flow_bytes SET flows = 1 WHERE id = 8", NULL, NULL, NULL);
	sqlite3_exec(db, "UPDATE batches SET form = 2 WHERE id = 2", NULL, NULL, NULL);
	check(db, 2, "a batch of form 2 cannot hold hellos");
	sqlite3_exec(db, "UPDATE batches SET form = 4 WHERE id = 2", NULL, NULL, NULL);
	check(db, 0, "all of it back as sealed");
	sqlite3_exec(db, "UPDATE batches SET committed_us = committed_us + 1 WHERE id = 9",
	             NULL, NULL, NULL);
	check(db, 9, "a batch's own record changed");
	sqlite3_exec(db, "UPDATE batches SET committed_us = committed_us - 1 WHERE id = 9",
	             NULL, NULL, NULL);
	sqlite3_exec(db, "DELETE FROM batches WHERE id = 4", NULL, NULL, NULL);
	check(db, 4, "a batch deleted");
	seal_free(k);
	store_free(s);
	sqlite3_close(db);

	/* restored from the fault above by copying the database back is not possible here:
	 * a new one, pruned to nothing, must not reuse ids */
	unlink(path);
	db = db_open_rw(path, err, sizeof(err));
	s = store_new(db, err, sizeof(err));
	k = seal_new(db, s, 1, err, sizeof(err));
	for (int i = 0; i < 4; i++)
		fails += batch(db, s, k, t0 + i * HOUR_US, 50);
	before = db_int(db, "SELECT max(id) FROM connections", 0);
	is_int(seal_prune(k, t0 + 2 * HOUR_US, t0 + 40 * DAY_US, 30, 10), 2 * 54,
	       "retention: the two batches older than the cutoff, whole");
	check(db, 0, "after pruning two");
	is_int(seal_prune(k, t0 + 10 * HOUR_US, t0 + 40 * DAY_US, 1000, 10), 2 * 54,
	       "retention: the rest");
	is_int(db_int(db, "SELECT count(*) FROM connections", -1), 0, "every connection gone");
	is_int(db_int(db, "SELECT (SELECT count(*) FROM hellos) + (SELECT count(*) FROM "
	              "flow_bytes)", -1), 0, "every hello and byte record gone");
	fails += batch(db, s, k, t0 + 11 * HOUR_US, 5);
	is_int(db_int(db, "SELECT min(id) FROM connections", 0), before + 1,
	       "the next connection's id follows the last one ever stored");
	check(db, 0, "after pruning everything and storing more");
	is_int(db_int(db, "SELECT count(*) FROM batches WHERE pruned_us IS NOT NULL", 0), 4,
	       "pruned batches keep their rows");
	/* another writer took the next id: the store goes on after it */
	sqlite3_exec(db, "INSERT INTO connections(id, ts_us, family, proto, src, dst, dest_id) "
	             "SELECT max(id) + 1, 1, 4, 6, 'a', 'b', 1 FROM connections", NULL, NULL, NULL);
	is_int(batch(db, s, k, t0 + 12 * HOUR_US, 5), 0, "a row written by another: no insert fails");
	is_int(db_int(db, "SELECT count(*) FROM connections", 0), 11, "both kept");
	check(db, 0, "the other's row sealed with them");
	is_int(db_int(db, "SELECT bytes_up FROM destinations WHERE domain = 'x.example'", 0),
	       6 * 700, "bytes counted per destination, and kept by the rollup");
	sqlite3_exec(db, "UPDATE batches SET raw = zeroblob(32) WHERE id = 2", NULL, NULL, NULL);
	check(db, 2, "a pruned batch's digest changed");
	is_int(fails, 0, "every batch stored");
	seal_free(k);
	store_free(s);
	sqlite3_close(db);
}

/* A version 3 database with rows in it gets sealed when it is opened by this version,
 * its rows in batches of about an hour each, and verifies. */
static void
upgrade(const char *dir)
{
	char path[256], err[512], sql[512];
	sqlite3 *db;
	struct store *s;
	struct seal *k;

	snprintf(path, sizeof(path), "%s/v3.db", dir);
	sqlite3_open(path, &db);
	for (int v = 0; v < 3; v++)
		sqlite3_exec(db, (const char *)schema_files[v].data, NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = 3;"
	         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
	         " INSERT INTO connections(ts_us, family, proto, src, dst, dport, dest_id)"
	         " SELECT %lld + i * 6000000, 4, 6, '192.168.83.2', '198.51.100.7', 443, 1 FROM n;"
	         "INSERT INTO findings(kind, key, first_us, last_us, detail) VALUES"
	         " ('direct-ip', 'k', 1, 1, 'old');", (long long)INT64_C(1700000000000000));
	is_int(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "a version 3 database");
	sqlite3_close(db);

	db = db_open_rw(path, err, sizeof(err));
	s = db ? store_new(db, err, sizeof(err)) : NULL;
	k = s ? seal_new(db, s, 1, err, sizeof(err)) : NULL;
	ok(k != NULL, "opened by this version");
	if (!k)
		return;
	is_int(seal_backlog(k, T_BACKLOG, T_BACKLOG, err, sizeof(err)), 3001,
	       "every old row sealed");
	is_int(seal_head(k)->id, 5, "in batches of an hour: 3000 connections 6 s apart");
	is_int(db_int(db, "SELECT count(*) FROM connections", 0), 3000, "nothing lost");
	check(db, 0, "the upgraded database");
	is_int(seal_backlog(k, T_BACKLOG, T_BACKLOG, err, sizeof(err)), 0,
	       "nothing left to seal");
	seal_free(k);
	store_free(s);
	sqlite3_close(db);
}

static void
big_sink(void *arg, const void *p, size_t n)
{
	EVP_DigestUpdate(arg, p, n);
}

/* chain_digest hands the digest the encoding in blocks: the hash is that of the rows'
 * bytes in order all the same, around a block's edge and for a value larger than one. */
static void
digest_in_blocks(const char *dir)
{
	static const char cols[] = "SELECT id, ts_us, family, proto, src, sport, dst, dport, "
		"icmp_type, icmp_code, iif, oif, prefix, pkt_len, attr, domain, domains, "
		"query_id, dest_id FROM connections ORDER BY id";
	char path[256], err[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	struct store *s;
	struct chain_reader *rd;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t got[CHAIN_HASHLEN], want[CHAIN_HASHLEN];
	int64_t after[CHAIN__TABLES] = { 0 }, upto[CHAIN__TABLES] = { 0 }, rows = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/blocks.db", dir);
	db = db_open_rw(path, err, sizeof(err));
	s = db ? store_new(db, err, sizeof(err)) : NULL;
	rd = s ? chain_reader_new(db, CHAIN_FORM, err, sizeof(err)) : NULL;
	ok(rd != NULL, "a reader");
	if (!rd)
		return;
	/* 300 rows of growing text, one of 20 000 bytes: every offset in a block */
	rc = sqlite3_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	             "WHERE i < 300) INSERT INTO connections(id, ts_us, family, proto, src, dst, "
	             "prefix, pkt_len, domain, dest_id) SELECT i, 1700000000000000 + i, 4, 17, "
	             "'192.168.83.2', '198.51.100.2', 'p', 28, CASE WHEN i = 150 THEN "
	             "printf('%.20000c', 'x') ELSE printf('%.*c', i * 7, 'y') END, 1 FROM n",
	             NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		printf("# %s\n", sqlite3_errmsg(db));
	upto[CHAIN_CONNECTIONS] = 300;
	ok(chain_digest(rd, CHAIN_RAW, after, upto, got, NULL, &rows) == 0 && rows == 300,
	   "300 rows digested");
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	sqlite3_prepare_v2(db, cols, -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW)
		chain_encode_row(st, CHAIN_CONNECTIONS, big_sink, md);
	sqlite3_finalize(st);
	EVP_DigestFinal_ex(md, want, NULL);
	ok(memcmp(got, want, CHAIN_HASHLEN) == 0, "the digest is that of the rows' encoding");
	EVP_MD_CTX_free(md);
	chain_reader_free(rd);
	store_free(s);
	sqlite3_close(db);
}

int
main(void)
{
	char dir[] = "/tmp/oca-chain.XXXXXX", cmd[64];

	if (!mkdtemp(dir))
		return 1;
	canonical_form();
	seal_and_verify(dir);
	digest_in_blocks(dir);
	upgrade(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
