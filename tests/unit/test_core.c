/* The core over a real database: one event of each kind next to expected traffic, and
 * the exact set of findings and outbox rows that must come of it. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/conf.h"
#include "collector/core.h"
#include "common/db.h"
#include "common/timefmt.h"
#include "tap.h"

#define S(x) (T0 + (int64_t)(x) * 1000000)
static const int64_t T0 = INT64_C(1796000000) * 1000000;

static struct dns_event *
dns(int64_t ts, const char *client, const char *qname, int qtype, int n, const char **ans)
{
	struct dns_answer a[8];
	struct dns_event ev = {
		.ts_us = ts, .mono_us = ts, .latency_us = 1000, .cport = 5353,
		.qtype = (uint16_t)qtype,
		.qclass = 1, .rcode = 0, .transport = DNS_UDP, .qname = qname,
		.qname_len = (uint8_t)strlen(qname), .qname_wire = (const uint8_t *)qname,
		.answers = a,
	};

	netaddr_parse(client, &ev.client);
	/* ans: triples of name, type ("A", "AAAA", "CNAME"), data */
	for (int i = 0; i < n && i < 8; i++) {
		a[ev.n_answers++] = (struct dns_answer){
			.name = (char *)(uintptr_t)ans[3 * i],
			.rtype = strcmp(ans[3 * i + 1], "A") == 0 ? 1 :
			         strcmp(ans[3 * i + 1], "AAAA") == 0 ? 28 : 5,
			.ttl = 300,
			.data = (char *)(uintptr_t)ans[3 * i + 2],
		};
	}
	return dns_event_pack(&ev);
}

static void
conn(struct core *k, struct store *s, int64_t ts, const char *dst, int proto, int port)
{
	struct conn_event ev = { 0 };

	ev.ts_us = ts;
	ev.mono_us = ts;
	netaddr_parse("192.168.83.2", &ev.src);
	netaddr_parse(dst, &ev.dst);
	ev.proto = (uint8_t)proto;
	ev.has_ports = 1;
	ev.sport = 40000;
	ev.dport = (uint16_t)port;
	ok(core_conn(k, s, &ev) == 0, "connection to %s:%d", dst, port);
}

static void
query(struct core *k, struct store *s, struct dns_event *ev)
{
	ok(core_dns(k, s, ev) == 0, "query %s", ev->qname);
	dns_event_free(ev);
}

int
main(void)
{
	char dir[] = "/tmp/oca-test-core-XXXXXX", err[512], cmd[300];
	struct conf *c = conf_new();
	sqlite3 *db;
	struct store *s;
	struct core *k;
	static const char *tg[] = { "api.telegram.org", "A", "149.154.167.220" };
	static const char *tg2[] = { "api.telegram.org", "A", "149.154.167.220",
	                             "api.telegram.org", "A", "149.154.167.220" };
	static const char *evil[] = { "evil.example", "A", "203.0.113.5" };
	static const char *chain[] = { "openrouter.ai", "CNAME", "or.cdn.example",
	                               "or.cdn.example", "A", "104.18.2.3" };

	mkdtemp(dir);
	snprintf(c->database, sizeof(c->database), "%s/audit.db", dir);
	db = db_open_rw(c->database, err, sizeof(err));
	s = store_new(db, err, sizeof(err));
	k = core_new(c, db, S(0), S(0), err, sizeof(err));
	ok(db && s && k, "open");
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);

	query(k, s, dns(S(0), "192.168.83.2", "api.telegram.org", 1, 1, tg));
	conn(k, s, S(1), "149.154.167.220", IPPROTO_TCP, 443);
	conn(k, s, S(2), "149.154.167.220", IPPROTO_TCP, 443);
	conn(k, s, S(3), "149.154.167.220", IPPROTO_TCP, 80);
	query(k, s, dns(S(4), "192.168.83.2", "Evil.Example.", 1, 1, evil));
	conn(k, s, S(5), "203.0.113.5", IPPROTO_TCP, 443);
	conn(k, s, S(6), "198.51.100.77", IPPROTO_TCP, 443);
	conn(k, s, S(7), "198.51.100.77", IPPROTO_TCP, 443);
	conn(k, s, S(8), "8.8.8.8", IPPROTO_UDP, 53);
	query(k, s, dns(S(9), "192.168.83.2", "openrouter.ai", 1, 2, chain));
	conn(k, s, S(10), "104.18.2.3", IPPROTO_TCP, 443);
	for (int i = 0; i < 60; i++) {
		char name[64];
		snprintf(name, sizeof(name), "x%02d.t.example", i);
		struct dns_event *ev = dns(S(11), "192.168.83.2", name, 16, 0, NULL);
		core_dns(k, s, ev);
		dns_event_free(ev);
	}
	/* long after its TTL: stale, and still counted as the expected name */
	conn(k, s, S(2000), "149.154.167.220", IPPROTO_TCP, 443);
	ok(store_flush(s) == 0, "flush");
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);

	is_int(db_int(db, "SELECT count(*) FROM findings", 0), 7 + 8, "findings: one per kind, "
	       "and the tunnel's first 8 names plus one for the rest under t.example");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'unexpected-port' AND "
	              "domain = 'api.telegram.org' AND port = 80", 0), 1, "unexpected-port");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'unexpected-domain' AND "
	              "domain = 'evil.example'", 0), 1, "unexpected-domain, key lower case");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'unexpected-domain' AND "
	              "domain LIKE '%t.example'", 0), 9, "tunnel names: 8 on their own...");
	is_int(db_int(db, "SELECT count FROM findings WHERE kind = 'unexpected-domain' AND "
	              "domain = '*.t.example'", 0), 52, "... and the other 52 in one");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'unexpected-destination' "
	              "AND ip = '203.0.113.5' AND domain = 'Evil.Example.'", 0), 1,
	       "unexpected-destination names the domain");
	is_int(db_int(db, "SELECT count FROM findings WHERE kind = 'direct-ip' AND "
	              "ip = '198.51.100.77'", 0), 2, "direct-ip counted twice");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'dns-bypass' AND "
	              "ip = '8.8.8.8' AND port = 53 AND proto = 'udp'", 0), 1, "dns-bypass");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'dns-tunnel' AND "
	              "domain = 't.example'", 0), 1, "dns-tunnel on the registered domain");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'direct-ip' AND "
	              "ip = '104.18.2.3'", 0), 0, "CNAME chain attributed, not direct");
	is_int(db_int(db, "SELECT count(*) FROM connections WHERE dst = '104.18.2.3' AND "
	              "domain = 'openrouter.ai' AND attr = 1", 0), 1, "CNAME maps to the asked name");
	is_int(db_int(db, "SELECT count(*) FROM connections WHERE dst = '149.154.167.220' AND "
	              "attr = 2", 0), 1, "stale attribution recorded");
	is_int(db_int(db, "SELECT connections FROM destinations WHERE domain = 'api.telegram.org' "
	              "AND port = 443 AND expected = 1", 0), 3, "expected destination rollup");
	is_int(db_int(db, "SELECT count(*) FROM destinations WHERE expected = 1", 0), 2,
	       "two expected destinations");
	is_int(db_int(db, "SELECT count(*) FROM alert_outbox", 0), 15, "one alert per finding");
	is_int(db_int(db, "SELECT count(*) FROM alert_outbox WHERE json_extract(body, '$.kind') "
	              "= 'direct-ip' AND json_extract(body, '$.watch_day') = 1", 0), 1,
	       "alert body carries kind and watch day");
	is_int(db_int(db, "SELECT count(*) FROM meta WHERE key = 'watch_start_us'", 0), 1,
	       "watch start stored");
	is_int(db_int(db, "SELECT sum(queries) FROM dns_names", 0), 63, "name rollup");
	is_int(db_int(db, "SELECT sum(queries) FROM name_hourly", 0), 63, "and per hour");
	is_int(db_int(db, "SELECT sum(findings) FROM hourly", 0), 1 + 1 + 1 + 2 + 1 + 60 + 40,
	       "hourly findings count every flagged event (TXT past 20: 40 tunnel hits)");

	/* a restart: core and store anew, their caches empty; the map is rebuilt from the
	 * database, and names and findings from before are found there, not duplicated */
	core_free(k);
	store_free(s);
	s = store_new(db, err, sizeof(err));
	k = core_new(c, db, S(20), S(20), err, sizeof(err));
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	conn(k, s, S(21), "203.0.113.5", IPPROTO_TCP, 443);
	query(k, s, dns(S(22), "192.168.83.2", "Evil.Example.", 1, 1, evil));
	query(k, s, dns(S(23), "192.168.83.2", "new.example", 1, 0, NULL));
	query(k, s, dns(S(24), "192.168.83.2", "api.telegram.org", 1, 2, tg2));
	store_flush(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	is_int(db_int(db, "SELECT count FROM findings WHERE kind = 'unexpected-destination'", 0),
	       2, "after a restart the same finding grows (map reloaded)");
	is_int(db_int(db, "SELECT count(*) FROM dns_names WHERE name = 'Evil.Example.'", 0), 1,
	       "a name from before the restart: still one row");
	is_int(db_int(db, "SELECT queries FROM dns_names WHERE name = 'Evil.Example.'", 0), 2,
	       "and its count grows");
	is_int(db_int(db, "SELECT count(*) FROM dns_queries q JOIN dns_names n ON n.id = "
	              "q.name_id WHERE n.name = 'Evil.Example.'", 0), 2,
	       "both queries point at it");
	is_int(db_int(db, "SELECT count FROM findings WHERE kind = 'unexpected-domain' AND "
	              "domain = 'evil.example'", 0), 2, "its finding from before grows");
	is_int(db_int(db, "SELECT queries FROM dns_names WHERE name = 'new.example'", 0), 1,
	       "a new name after the restart");
	is_int(db_int(db, "SELECT count(*) FROM alert_outbox", 0), 16,
	       "one alert for the new name's finding, none again for the old ones");
	{
		char *v = NULL;
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "SELECT group_concat(n.name || ' ' || i.ip || ' ' || i.answers,"
		                   " ', ') FROM (SELECT * FROM dns_ips ORDER BY id) i JOIN dns_names n"
		                   " ON n.id = i.name_id", -1, &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			v = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		is_str(v ? v : "", "api.telegram.org 149.154.167.220 2, Evil.Example. 203.0.113.5 2, "
		       "openrouter.ai 104.18.2.3 1", "addresses by the name asked, CNAME steps not "
		       "counted, an address once per query, one row per pair across a restart");
		free(v);
	}

	/* from outside vm_subnet (192.168.83.0/24): counted apart, never judged */
	{
		struct conn_event ev = { .ts_us = S(40), .proto = IPPROTO_TCP, .has_ports = 1,
		                         .sport = 40000, .dport = 443 };
		struct dns_event *q = dns(S(41), "10.0.0.5", "other.example", 1, 1, evil);
		long long finds = db_int(db, "SELECT count(*) FROM findings", 0);

		netaddr_parse("10.0.0.5", &ev.src);
		netaddr_parse("198.51.100.99", &ev.dst);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		is_int(core_conn(k, s, &ev), 1, "a connection from outside vm_subnet: apart");
		is_int(core_dns(k, s, q), 1, "a query from outside vm_subnet: apart");
		dns_event_free(q);
		ok(store_flush(s) == 0, "flush");
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(db_int(db, "SELECT count(*) FROM findings", 0), finds, "no finding raised");
		is_int(db_int(db, "SELECT count(*) FROM connections WHERE src = '10.0.0.5'", -1), 0,
		       "not among the VM's connections");
		is_int(db_int(db, "SELECT count(*) FROM dns_queries WHERE client = '10.0.0.5'", -1),
		       0, "nor its queries");
		is_int(db_int(db, "SELECT group_concat(kind || ' ' || src, ', ') = 'connection "
		              "10.0.0.5, dns 10.0.0.5' FROM (SELECT * FROM other_events ORDER BY id)",
		              0), 1, "each recorded apart, with its source");
		is_int(db_int(db, "SELECT sum(other_connections) * 10 + sum(other_dns_queries) "
		              "FROM hourly", 0), 11, "and counted per hour");
	}

	struct cmd_event ack = { .kind = CMD_ACK_FINDING, .ts_us = S(30) };
	ack.id = db_int(db, "SELECT id FROM findings WHERE kind = 'direct-ip'", 0);
	ok(store_cmd(s, &ack) == 0, "acknowledge");
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE acked_us IS NOT NULL", 0), 1,
	       "acknowledged");
	{
		struct cmd_event noted = { .kind = CMD_ACK_FINDING, .id = ack.id, .ts_us = S(31),
		                           .arg = S(90), .text = "why", .by = "cli (root)" };
		struct cmd_event unack = { .kind = CMD_UNACK_FINDING, .id = ack.id,
		                           .ts_us = S(32) };

		store_cmd(s, &noted);
		ok(store_cmd(s, &unack) == 0, "take the acknowledgement back");
		is_int(db_int(db, "SELECT count(*) FROM findings WHERE acked_us IS NOT NULL OR "
		              "ack_note IS NOT NULL OR ack_by IS NOT NULL OR ack_until_us IS NOT "
		              "NULL", 0), 0, "its time, note, who and expiry are gone");
		ok(store_cmd(s, &ack) == 0, "and it can be given again");
	}

	/* a scan of 2000 ports of one address: its first 8 ports, then one for the rest */
	{
		struct conn_event ev = { .proto = IPPROTO_TCP, .has_ports = 1, .sport = 40000 };
		int fails = 0;

		netaddr_parse("192.168.83.2", &ev.src);
		netaddr_parse("198.51.100.99", &ev.dst);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int p = 1000; p < 3000; p++) {
			ev.ts_us = S(40);
			ev.dport = (uint16_t)p;
			fails += core_conn(k, s, &ev) != 0;
		}
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(fails, 0, "2000 connections of a scan");
	}
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE ip = '198.51.100.99'", 0), 9,
	       "a scan: 9 findings");
	is_int(db_int(db, "SELECT count FROM findings WHERE key = '198.51.100.99:*' AND "
	              "port IS NULL AND proto IS NULL AND detail LIKE '%many ports%'", 0), 1992,
	       "the ports past the first 8 in one");
	is_int(db_int(db, "SELECT count(*) FROM alert_outbox o JOIN findings f ON "
	              "f.id = o.finding_id WHERE f.ip = '198.51.100.99'", 0), 9,
	       "one alert each, not one per port");
	/* a restart reads the fold back: the address's next port goes to the same finding */
	core_free(k);
	k = core_new(c, db, S(50), S(50), err, sizeof(err));
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	conn(k, s, S(51), "198.51.100.99", IPPROTO_UDP, 5);
	store_flush(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	is_int(db_int(db, "SELECT count(*) FROM findings WHERE ip = '198.51.100.99'", 0), 9,
	       "after a restart: still 9");
	is_int(db_int(db, "SELECT count FROM findings WHERE key = '198.51.100.99:*'", 0), 1993,
	       "and the rest grows");

	/* an event is stored whole or not at all: a connection whose finding cannot be
	 * inserted leaves no row and no count, and the batch's next event is stored */
	{
		struct conn_event ev = { .proto = IPPROTO_TCP, .has_ports = 1, .sport = 40000,
		                         .dport = 443, .ts_us = S(60) };
		int64_t conns = db_int(db, "SELECT count(*) FROM connections", 0);
		int64_t hours = db_int(db, "SELECT sum(connections) FROM hourly", 0);
		int64_t dests = db_int(db, "SELECT sum(connections) FROM destinations", 0);

		sqlite3_exec(db, "CREATE TEMP TRIGGER no_finding BEFORE INSERT ON findings "
		             "WHEN NEW.ip = '203.0.113.66' BEGIN SELECT RAISE(ABORT, 'test'); END",
		             NULL, NULL, NULL);
		netaddr_parse("192.168.83.2", &ev.src);
		netaddr_parse("203.0.113.66", &ev.dst);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		is_int(store_event_begin(s), 0, "savepoint");
		ok(core_conn(k, s, &ev) < 0, "a connection whose finding fails");
		is_int(store_event_end(s, false), 0, "undone on its own");
		is_int(store_event_begin(s), 0, "the next event's savepoint");
		conn(k, s, S(61), "203.0.113.67", IPPROTO_TCP, 443);
		is_int(store_event_end(s, true), 0, "released");
		is_int(store_flush(s), 0, "flush");
		is_int(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK, "commit");
		is_int(db_int(db, "SELECT count(*) FROM connections WHERE dst = '203.0.113.66'",
		              -1), 0, "no half event: no connection row");
		is_int(db_int(db, "SELECT count(*) FROM connections", 0), conns + 1,
		       "the next event stored");
		is_int(db_int(db, "SELECT sum(connections) FROM hourly", 0), hours + 1,
		       "the hour counts one connection");
		is_int(db_int(db, "SELECT sum(connections) FROM destinations", 0), dests + 1,
		       "the destinations count one");
		is_int(db_int(db, "SELECT count(*) FROM findings WHERE ip = '203.0.113.67'", 0), 1,
		       "its finding stored");
		/* once it can be stored, the same destination is counted from one */
		sqlite3_exec(db, "DROP TRIGGER no_finding", NULL, NULL, NULL);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		store_event_begin(s);
		ev.ts_us = S(62);
		ok(core_conn(k, s, &ev) == 0, "the same connection again");
		is_int(store_event_end(s, true), 0, "released");
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(db_int(db, "SELECT connections FROM destinations WHERE ip = '203.0.113.66'",
		              0), 1, "its destination counts it once");
		is_int(db_int(db, "SELECT count FROM findings WHERE ip = '203.0.113.66'", 0), 1,
		       "its finding counts it once");
	}

	/* an event that inserts only rows of its own opens no savepoint (one statement is
	 * atomic): undone, its rows are deleted by their ids; and when a later write of it
	 * opened the savepoint, both undos run */
	{
		const char *q = "SELECT count(*) FROM connections WHERE dst = '203.0.113.67'";
		int64_t conns = db_int(db, q, -1), hours = db_int(db, "SELECT sum(connections) "
		                                                   "FROM hourly", 0);
		int64_t count = db_int(db, "SELECT count FROM findings WHERE ip = '203.0.113.67'", 0);

		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		is_int(store_event_begin(s), 0, "an event");
		conn(k, s, S(63), "203.0.113.67", IPPROTO_TCP, 443);  /* known destination, finding */
		is_int(db_int(db, q, -1), conns + 1, "its one row");
		ok(sqlite3_exec(db, "RELEASE event", NULL, NULL, NULL) != SQLITE_OK,
		   "and no savepoint");
		is_int(store_event_end(s, false), 0, "undone, no savepoint");
		is_int(db_int(db, q, -1), conns, "its row deleted");
		is_int(store_event_begin(s), 0, "an event");
		conn(k, s, S(64), "203.0.113.67", IPPROTO_TCP, 443);
		conn(k, s, S(64), "203.0.113.68", IPPROTO_TCP, 443);  /* a new destination, finding */
		is_int(store_event_end(s, false), 0, "undone: a row before the savepoint, rows in it");
		is_int(store_event_begin(s), 0, "the next event");
		conn(k, s, S(65), "203.0.113.67", IPPROTO_TCP, 443);
		is_int(store_event_end(s, true), 0, "kept");
		is_int(store_flush(s), 0, "flush");
		is_int(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK, "commit");
		is_int(db_int(db, q, -1), conns + 1, "one connection more: the kept one");
		is_int(db_int(db, "SELECT count(*) FROM connections WHERE dst = '203.0.113.68'", -1),
		       0, "none of the undone event's new destination");
		is_int(db_int(db, "SELECT count(*) FROM destinations WHERE ip = '203.0.113.68'", -1),
		       0, "nor its destination row");
		is_int(db_int(db, "SELECT count(*) FROM findings WHERE ip = '203.0.113.68'", -1), 0,
		       "nor its finding");
		is_int(db_int(db, "SELECT sum(connections) FROM hourly", 0), hours + 1,
		       "the hour counts one connection");
		is_int(db_int(db, "SELECT count FROM findings WHERE ip = '203.0.113.67'", 0),
		       count + 1, "its finding one event");
	}

	/* the wall clock stepped back a day between two hours of names under one domain,
	 * each under the tunnel detector's 50: its hours run on the monotonic clock, so the
	 * second hour starts afresh and the two are never added up into a finding */
	{
		int fails = 0;

		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int i = 0; i < 60; i++) {
			char name[64];
			struct dns_event *ev;

			snprintf(name, sizeof(name), "n%02d.u.example", i);
			ev = dns(i < 30 ? S(70) : S(70) - DAY_US, "192.168.83.2", name, 1, 0, NULL);
			ev->mono_us = i < 30 ? S(70) : S(70) + 2 * HOUR_US;
			fails += core_dns(k, s, ev) != 0;
			dns_event_free(ev);
		}
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(fails, 0, "60 names, 30 an hour, the wall clock back a day between");
		is_int(db_int(db, "SELECT count(*) FROM findings WHERE kind = 'dns-tunnel' AND "
		              "domain = 'u.example'", -1), 0, "no dns-tunnel finding from the step");
	}

	/* attribution runs on the monotonic clock: an answer is valid for its TTL however
	 * the wall clock was stepped between it and the connection, a day forward (no false
	 * direct-ip) or a day back (a stale answer is not revived) */
	{
		static const char *fwd[] = { "api.telegram.org", "A", "149.154.167.221" };
		static const char *back[] = { "openrouter.ai", "A", "104.18.9.9" };
		struct dns_event *q = dns(S(80), "192.168.83.2", "api.telegram.org", 1, 1, fwd);
		struct conn_event ev = { .proto = IPPROTO_TCP, .has_ports = 1, .sport = 40001,
		                         .dport = 443 };
		int64_t finds = db_int(db, "SELECT count(*) FROM findings", 0);

		netaddr_parse("192.168.83.2", &ev.src);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		q->mono_us = S(80);
		ok(core_dns(k, s, q) == 0, "an answer");
		dns_event_free(q);
		netaddr_parse("149.154.167.221", &ev.dst);
		ev.ts_us = S(81) + DAY_US;
		ev.mono_us = S(81);
		ok(core_conn(k, s, &ev) == 0, "its connection a second later, the wall a day ahead");
		q = dns(S(90), "192.168.83.2", "openrouter.ai", 1, 1, back);
		ok(core_dns(k, s, q) == 0, "another answer");
		dns_event_free(q);
		netaddr_parse("104.18.9.9", &ev.dst);
		ev.ts_us = S(90) - DAY_US;
		ev.mono_us = S(90) + 1000 * US_PER_SEC;
		ok(core_conn(k, s, &ev) == 0, "its connection past TTL and grace, the wall a day back");
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(db_int(db, "SELECT attr FROM connections WHERE dst = '149.154.167.221' AND "
		              "domain = 'api.telegram.org'", -1), 1, "forward: attributed, valid");
		is_int(db_int(db, "SELECT attr FROM connections WHERE dst = '104.18.9.9' AND "
		              "domain = 'openrouter.ai'", -1), 2, "back: stale, not revived");
		is_int(db_int(db, "SELECT count(*) FROM findings", 0), finds,
		       "no finding from either step");
	}

	/* a restart takes the stored answers' wall times onto the monotonic clock as of the
	 * start, whatever the monotonic clock reads */
	{
		static const char *ans[] = { "openrouter.ai", "A", "104.18.9.10" };
		struct dns_event *q = dns(S(100), "192.168.83.2", "openrouter.ai", 1, 1, ans);
		struct conn_event ev = { .proto = IPPROTO_TCP, .has_ports = 1, .sport = 40002,
		                         .dport = 443 };
		const int64_t m = 5 * US_PER_SEC;     /* a monotonic clock just past boot */

		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		core_dns(k, s, q);
		dns_event_free(q);
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		core_free(k);
		k = core_new(c, db, S(110), m, err, sizeof(err));
		netaddr_parse("192.168.83.2", &ev.src);
		netaddr_parse("104.18.9.10", &ev.dst);
		ev.ts_us = S(111);
		ev.mono_us = m + US_PER_SEC;
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		ok(core_conn(k, s, &ev) == 0, "after a restart, a connection 11 s after its answer");
		ev.sport = 40003;
		ev.ts_us = S(111) + 1000 * US_PER_SEC;
		ev.mono_us = m + 1000 * US_PER_SEC;
		ok(core_conn(k, s, &ev) == 0, "and one past TTL and grace");
		store_flush(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		is_int(db_int(db, "SELECT group_concat(attr, '') FROM (SELECT attr FROM connections "
		              "WHERE dst = '104.18.9.10' ORDER BY id)", -1), 12,
		       "the reloaded answer is valid, then stale");
	}

	core_free(k);
	store_free(s);
	sqlite3_close(db);
	conf_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
