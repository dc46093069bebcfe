/* The core and the capture's events over a real database: hellos joined to NFLOG's
 * connection of the same 5-tuple (or to the destination attribution gives when NFLOG
 * made none), sni-mismatch for domain fronting and encrypted-sni for ECH, bytes rolled up
 * per destination and hour, and the upload budget's volume finding raised once a day,
 * across a restart. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/core.h"
#include "common/conf.h"
#include "common/db.h"
#include "tap.h"

#define S(x) (T0 + (int64_t)(x) * 1000000)
#define DAY ((int64_t)86400 * 1000000)
static const int64_t T0 = INT64_C(1796040000) * 1000000;   /* 2026-11-30T12:00:00Z */
#define MIB (INT64_C(1) << 20)

static struct dns_event *
dns(int64_t ts, const char *qname, const char *ip)
{
	struct dns_answer a = { .name = (char *)(uintptr_t)qname, .rtype = 1, .ttl = 300,
	                        .data = (char *)(uintptr_t)ip };
	struct dns_event ev = {
		.ts_us = ts, .mono_us = ts, .latency_us = 1000, .cport = 5353, .qtype = 1, .qclass = 1,
		.rcode = 0, .transport = DNS_UDP, .qname = qname,
		.qname_len = (uint8_t)strlen(qname), .qname_wire = (const uint8_t *)qname,
		.answers = &a, .n_answers = 1,
	};

	netaddr_parse("192.168.83.2", &ev.client);
	return dns_event_pack(&ev);
}

static void
conn(struct core *k, struct store *s, int64_t ts, const char *dst, int sport)
{
	struct conn_event ev = { .ts_us = ts, .mono_us = ts, .proto = IPPROTO_TCP, .has_ports = 1,
	                         .sport = (uint16_t)sport, .dport = 443 };

	netaddr_parse("192.168.83.2", &ev.src);
	netaddr_parse(dst, &ev.dst);
	ok(core_conn(k, s, &ev) == 0, "connection from port %d", sport);
}

static int64_t mono = 1000000;   /* the writer's monotonic clock, as the tests move it */
static int held;
static int64_t flow_start;       /* the next hellos' flow's first packet (0: not kept) */

static int
hello(struct core *k, struct store *s, int64_t ts, const char *dst, int sport, int kind,
      const char *name, bool ech)
{
	struct hello_event h = { .ts_us = ts, .mono_us = ts, .flow_us = flow_start,
	                         .cport = (uint16_t)sport, .kind = (uint8_t)kind,
	                         .proto = kind == HELLO_QUIC ? IPPROTO_UDP : IPPROTO_TCP,
	                         .sport = kind == HELLO_HTTP ? 80 : 443, .ech = ech,
	                         .version = kind == HELLO_HTTP ? 0 : 0x0304 };

	netaddr_parse("192.168.83.2", &h.client);
	netaddr_parse(dst, &h.server);
	h.has_name = true;
	h.name_len = (uint16_t)strlen(name);
	h.name = (const uint8_t *)name;
	h.name_str = name;
	h.alpn = "h2,http/1.1";
	struct hello_event *p = hello_event_pack(&h);
	int rc = core_hello(k, s, p, mono);
	if (rc != 1)
		hello_event_free(p);
	held += rc == 1;
	return rc == 1 ? 0 : rc;
}

static int
bytes(struct core *k, struct store *s, int64_t slot, const char *dst, int sport,
      int64_t up, int64_t down, int end)
{
	struct bytes_event b = { .slot_us = slot, .first_us = slot + 1, .last_us = slot + 2,
	                         .first_mono_us = slot + 1,
	                         .cport = (uint16_t)sport, .sport = 443, .proto = IPPROTO_TCP,
	                         .bytes_up = (uint64_t)up, .bytes_down = (uint64_t)down,
	                         .pkts_up = 10, .pkts_down = 20, .end = (uint8_t)end };

	netaddr_parse("192.168.83.2", &b.client);
	netaddr_parse(dst, &b.server);
	return core_bytes(k, s, &b);
}

static int64_t
q(sqlite3 *db, const char *sql)
{
	return db_int(db, sql, -1);
}

int
main(void)
{
	char dir[] = "/tmp/oca-test-corecap-XXXXXX", err[512], cmd[300];
	struct conf *c = conf_new();
	struct dns_event *ev;
	sqlite3 *db;
	struct store *s;
	struct core *k;

	if (!mkdtemp(dir))
		return 1;
	snprintf(c->database, sizeof(c->database), "%s/audit.db", dir);
	ok(conf_set(c, "collector.pcap_interface=br-openclaw") == 0 &&
	   conf_set(c, "policy.upload_budget=1M") == 0, "capture on, a budget of 1 MiB a day");
	db = db_open_rw(c->database, err, sizeof(err));
	s = store_new(db, err, sizeof(err));
	k = core_new(c, db, S(0), S(0), err, sizeof(err));
	ok(db && s && k, "open");
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);

	ev = dns(S(0), "api.telegram.org", "149.154.167.220");
	ok(core_dns(k, s, ev) == 0, "telegram resolved");
	dns_event_free(ev);
	conn(k, s, S(1), "149.154.167.220", 40001);
	ok(hello(k, s, S(1) + 5000, "149.154.167.220", 40001, HELLO_TLS, "api.telegram.org",
	         false) == 0, "its ClientHello");
	conn(k, s, S(2), "149.154.167.220", 40002);
	ok(hello(k, s, S(2) + 5000, "149.154.167.220", 40002, HELLO_TLS, "evil.example",
	         false) == 0, "domain fronting: telegram's address, evil.example's name");
	ok(hello(k, s, S(3), "149.154.167.220", 40003, HELLO_QUIC, "api.telegram.org",
	         false) == 0, "a QUIC hello NFLOG made no connection for");
	ok(hello(k, s, S(4), "149.154.167.220", 40004, HELLO_TLS, "cloudflare-ech.com",
	         true) == 0, "a hello with ECH");
	ok(hello(k, s, S(5), "149.154.167.220", 40005, HELLO_HTTP, "api.telegram.org:80",
	         false) == 0, "an HTTP request with its Host");
	is_int(held, 3, "the hellos NFLOG has made no connection for (yet) are held");
	is_int(core_release(k, s, mono, false), 0, "and stay held while their time runs");
	mono += 3000000;
	is_int(core_release(k, s, mono, false), 3, "then stored");
	ok(bytes(k, s, S(0), "149.154.167.220", 40001, 600 * 1024, 2 * MIB, FLOW_GOES_ON) == 0 &&
	   bytes(k, s, S(3600), "149.154.167.220", 40001, 300 * 1024, 0, FLOW_GOES_ON) == 0,
	   "two slots of bytes, under the budget");
	conn(k, s, S(3900), "149.154.167.220", 40030);
	ok(store_flush(s) == 0, "flush");
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);

	is_int(q(db, "SELECT count(*) FROM hellos"), 5, "every hello stored");
	is_int(q(db, "SELECT count(*) FROM hellos h JOIN connections c ON c.id = h.conn_id AND "
	          "c.sport = h.cport AND c.dst = h.server"), 2,
	       "the two with a connection row are linked to it");
	is_int(q(db, "SELECT count(*) FROM hellos WHERE conn_id IS NULL AND dest_id = (SELECT "
	          "dest_id FROM connections WHERE sport = 40001)"), 1,
	       "one without a connection counts under the destination attribution gives");
	is_int(q(db, "SELECT count(*) FROM hellos h JOIN destinations d ON d.id = h.dest_id "
	          "WHERE h.cport = 40005 AND d.domain = 'api.telegram.org' AND d.port = 80 AND "
	          "d.expected = 0"), 1, "HTTP: telegram on tcp/80");
	is_int(q(db, "SELECT count(*) FROM hellos h JOIN destinations d ON d.id = h.dest_id "
	          "WHERE h.cport = 40003 AND d.domain = 'api.telegram.org' AND d.port = 443 AND "
	          "d.proto = 17 AND d.expected = 0"), 1, "QUIC: telegram on udp/443, not expected");
	is_int(q(db, "SELECT count(*) FROM hellos WHERE cport = 40001 AND kind = 'tls' AND name = "
	          "'api.telegram.org' AND name_wire = CAST('api.telegram.org' AS BLOB) AND "
	          "alpn = 'h2,http/1.1' AND version = 772 AND ech = 0"), 1, "its fields");
	is_int(q(db, "SELECT count(*) FROM findings WHERE kind = 'sni-mismatch'"), 1,
	       "one sni-mismatch: the fronting");
	is_int(q(db, "SELECT count(*) FROM findings WHERE kind = 'sni-mismatch' AND "
	          "domain = 'evil.example' AND ip = '149.154.167.220' AND port = 443 AND "
	          "proto = 'tcp' AND detail LIKE '%resolved this address from: api.telegram.org' "
	          "AND conn_id = (SELECT id FROM connections WHERE sport = 40002) AND query_id > 0"),
	       1, "names the name asked, the destination, the names resolved, its connection");
	is_int(q(db, "SELECT count(*) FROM findings WHERE kind = 'encrypted-sni' AND "
	          "domain = 'cloudflare-ech.com'"), 1, "encrypted-sni with the outer name");
	is_int(q(db, "SELECT count(*) FROM alert_outbox WHERE json_extract(body, '$.kind') IN "
	          "('sni-mismatch', 'encrypted-sni')"), 2, "each alerted");
	is_int(q(db, "SELECT bytes_up FROM destinations WHERE domain = 'api.telegram.org' AND "
	          "proto = 6 AND port = 443"), 900 * 1024, "bytes up per destination");
	is_int(q(db, "SELECT bytes_down FROM destinations WHERE domain = 'api.telegram.org' AND "
	          "proto = 6 AND port = 443"), 2 * MIB, "and down");
	is_int(q(db, "SELECT sum(bytes_up) FROM dest_hourly"), 900 * 1024, "per destination hour");
	is_int(q(db, "SELECT count(DISTINCT hour) FROM dest_hourly WHERE bytes_up > 0"), 2,
	       "the slots either side of the hour in their own hours");
	is_int(q(db, "SELECT sum(bytes_up) FROM hourly"), 900 * 1024, "and in the hour's totals");
	is_int(q(db, "SELECT sum(hellos) FROM hourly"), 5, "hellos per hour");
	is_int(q(db, "SELECT count(*) FROM flow_bytes WHERE conn_id = (SELECT id FROM connections "
	          "WHERE sport = 40001) AND ended IS NULL"), 2, "byte records linked, going on");
	is_int(q(db, "SELECT count(*) FROM findings WHERE kind = 'volume'"), 0, "under budget");

	/* a restart: today's uploads come back from the rollups */
	core_free(k);
	store_free(s);
	s = store_new(db, err, sizeof(err));
	k = core_new(c, db, S(4000), S(4000), err, sizeof(err));
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	ok(bytes(k, s, S(4100), "149.154.167.220", 40001, 200 * 1024, 10, FLOW_CLOSED) == 0,
	   "after a restart, 200 KiB more: past 1 MiB for the day");
	ok(bytes(k, s, S(4160), "149.154.167.220", 40001, 100, 0, FLOW_CLOSED) == 0,
	   "and more, which crosses nothing again");
	ok(bytes(k, s, S(4100), "149.154.167.220", 40030, 10, 10, FLOW_CLOSED) == 0,
	   "bytes of a connection from before the restart");
	store_flush(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	is_int(q(db, "SELECT count(*) FROM flow_bytes WHERE cport = 40030 AND conn_id = (SELECT "
	          "id FROM connections WHERE sport = 40030)"), 1,
	       "found again in the connections table (within the hour)");
	is_int(q(db, "SELECT count(*) FROM flow_bytes WHERE cport = 40001 AND dest_id = (SELECT "
	          "dest_id FROM connections WHERE sport = 40001)"), 4,
	       "a flow whose connection is older than that: the same destination");
	is_int(q(db, "SELECT count(*) FROM flow_bytes WHERE cport = 40001 AND conn_id IS NULL"),
	       2, "(unlinked after the restart)");
	is_int(q(db, "SELECT count(*) FROM findings WHERE kind = 'volume' AND key = "
	          "'api.telegram.org 2026-11-30' AND domain = 'api.telegram.org' AND "
	          "ip = '149.154.167.220' AND port = 443 AND proto = 'tcp' AND count = 1 AND "
	          "detail LIKE '1126400 bytes (1.1 MiB) uploaded to api.telegram.org on 2026-11-30 "
	          "(UTC), more than the upload budget of 1.0 MiB a day'"), 1,
	       "volume: the name, the day and the figure, once");

	/* a rolled back batch: the flow map and the crossings go with it */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	conn(k, s, S(4200), "149.154.167.220", 40010);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	store_discard(s);
	core_rollback(k);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	ok(hello(k, s, S(4201), "149.154.167.220", 40010, HELLO_TLS, "api.telegram.org",
	         false) == 0, "a hello of a connection rolled back");
	ok(hello(k, s, S(4202), "149.154.167.220", 40011, HELLO_TLS, "api.telegram.org",
	         false) == 0, "a hello before its connection");
	conn(k, s, S(4202) + 20000, "149.154.167.220", 40011);
	is_int(core_release(k, s, mono, true), 1, "at the end, what is held is stored");
	store_flush(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	is_int(q(db, "SELECT count(*) FROM hellos WHERE cport = 40010 AND conn_id IS NULL"), 1,
	       "is not linked to the row that is gone");
	is_int(q(db, "SELECT count(*) FROM hellos h JOIN connections c ON c.id = h.conn_id "
	          "WHERE h.cport = 40011 AND c.sport = 40011"), 1,
	       "the hello held for its connection is linked when the connection comes");
	ok(q(db, "SELECT count(*) FROM hellos h LEFT JOIN destinations d ON d.id = h.dest_id "
	       "WHERE d.id IS NULL") == 0, "every hello's destination exists");

	/* a client port used again: its first flow folded by the capture (no byte record
	 * forgets its entry), the second's hello before the second's connection */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	conn(k, s, S(4300), "149.154.167.220", 40050);
	conn(k, s, S(4300), "149.154.167.220", 40051);
	held = 0;
	flow_start = S(4301);
	ok(hello(k, s, S(4301) + 3000, "149.154.167.220", 40050, HELLO_TLS, "second.example",
	         false) == 0, "a hello of the second flow, before its connection");
	is_int(held, 1, "held: the first flow's connection is older than this flow");
	conn(k, s, S(4301), "149.154.167.220", 40050);
	ok(hello(k, s, S(4301) + 3000, "149.154.167.220", 40051, HELLO_TLS, "third.example",
	         false) == 0, "a hello of a second flow whose connection never comes");
	flow_start = S(4302);
	conn(k, s, S(4302), "149.154.167.220", 40052);
	ok(hello(k, s, S(4302) + 3000, "149.154.167.220", 40052, HELLO_TLS, "api.telegram.org",
	         false) == 0, "a hello after its own connection");
	is_int(held, 2, "which takes it at once");
	mono += 3000000;
	is_int(core_release(k, s, mono, false), 1, "the one without a connection, stored");
	flow_start = 0;
	store_flush(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	is_int(q(db, "SELECT count(*) FROM hellos h WHERE cport = 40050 AND conn_id = (SELECT "
	          "max(id) FROM connections WHERE sport = 40050) AND (SELECT count(*) FROM "
	          "connections WHERE sport = 40050) = 2"), 1,
	       "linked to its own flow's connection, not the first flow's");
	is_int(q(db, "SELECT count(*) FROM findings WHERE kind = 'sni-mismatch' AND domain = "
	          "'second.example' AND conn_id = (SELECT max(id) FROM connections WHERE "
	          "sport = 40050)"), 1, "and its finding names that connection");
	is_int(q(db, "SELECT count(*) FROM hellos WHERE cport = 40051 AND conn_id IS NULL"), 1,
	       "one whose connection never came: unlinked, not the earlier flow's");
	is_int(q(db, "SELECT count(*) FROM hellos h JOIN connections c ON c.id = h.conn_id "
	          "WHERE h.cport = 40052 AND c.sport = 40052"), 1, "one after its connection: linked");

	/* a spray of one-packet flows: NFLOG's connection each, the capture's aggregate */
	{
		struct conn_event ce = { .proto = IPPROTO_UDP, .has_ports = 1, .dport = 9000 };
		struct bytes_event b = { .slot_us = S(4980), .first_us = S(5000),
		                         .last_us = S(5000) + 199, .sport = 9000,
		                         .proto = IPPROTO_UDP, .end = FLOW_FOLDED, .flows = 200,
		                         .bytes_up = 200 * 29, .payload_up = 200, .pkts_up = 200 };
		int fails = 0;

		netaddr_parse("192.168.83.2", &ce.src);
		netaddr_parse("198.51.100.9", &ce.dst);
		b.client = ce.src;
		b.server = ce.dst;
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int i = 0; i < 200; i++) {
			ce.ts_us = S(5000) + i;
			ce.sport = (uint16_t)(2000 + i);
			fails += core_conn(k, s, &ce) != 0;
		}
		is_int(fails, 0, "200 connections to 198.51.100.9 udp/9000");
		ok(core_bytes(k, s, &b) == 0, "their bytes: one aggregate of 200 flows");
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(q(db, "SELECT count(*) FROM flow_bytes WHERE server = '198.51.100.9' AND "
		          "ended = 'folded' AND flows = 200 AND cport IS NULL AND conn_id IS NULL AND "
		          "sport = 9000 AND proto = 17 AND dest_id = (SELECT DISTINCT dest_id FROM "
		          "connections WHERE dst = '198.51.100.9')"), 1,
		       "one row, no port or connection of its own, the connections' destination");
		is_int(q(db, "SELECT bytes_up FROM destinations WHERE ip = '198.51.100.9'"), 200 * 29,
		       "the destination's bytes exact");
		is_int(q(db, "SELECT sum(h.bytes_up) FROM dest_hourly h JOIN destinations d ON "
		          "d.id = h.dest_id WHERE d.ip = '198.51.100.9'"), 200 * 29, "per hour too");
		is_int(q(db, "SELECT (SELECT sum(flows) FROM flow_bytes WHERE server = "
		          "'198.51.100.9') = (SELECT connections FROM destinations WHERE ip = "
		          "'198.51.100.9')"), 1, "flows counted = its connections");
	}

	/* an aggregate to telegram's address with the wall clock a day back: attributed on the
	 * monotonic clock, where the answer is live, as its connections are */
	{
		struct bytes_event b = { .slot_us = S(60), .first_us = S(100) - DAY,
		                         .first_mono_us = S(100), .last_us = S(100) - DAY + 10,
		                         .sport = 8443, .proto = IPPROTO_UDP, .end = FLOW_FOLDED,
		                         .flows = 3, .bytes_up = 90, .pkts_up = 3 };

		netaddr_parse("192.168.83.2", &b.client);
		netaddr_parse("149.154.167.220", &b.server);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		ok(core_bytes(k, s, &b) == 0, "an aggregate, the wall clock stepped back a day");
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(q(db, "SELECT count(*) FROM flow_bytes f JOIN destinations d ON "
		          "d.id = f.dest_id WHERE f.ended = 'folded' AND f.sport = 8443 AND "
		          "d.domain = 'api.telegram.org'"), 1,
		       "counted under the name its address was resolved from");
	}

	core_free(k);
	store_free(s);
	sqlite3_close(db);
	conf_free(c);
	snprintf(cmd, sizeof(cmd), getenv("KEEP") ? "true %s" : "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
