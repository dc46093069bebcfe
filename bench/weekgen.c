/* weekgen: write a synthetic watch week into an oc-audit database, for timing
 * `oc-audit report --since 7d` (bench/report.sh).
 *
 *   weekgen -o FILE [-c CONNS] [-q QUERIES] [-d DAYS] [-e END] [-s SEED] [-m demo]
 *
 * CONNS connections (default 5 000 000) and QUERIES DNS queries (default 2 000 000) are
 * spread evenly over DAYS days (7; a fraction is fine) ending at END (Unix seconds,
 * default now), in time
 * order, and go through the collector's own core (attribution, policy, findings) and
 * store (one INSERT per event, rollups gathered per batch) in transactions of 1000
 * events, exactly as the writer thread commits them, so every rollup, finding and count
 * is what the daemon would have written.
 *
 * The mix is a bot's week: almost every query is for api.telegram.org (A and AAAA) or
 * openrouter.ai and almost every connection goes to their addresses on tcp/443; a few
 * hundred queries for a dozen unexpected names (package registries, a paste site) with
 * connections to what they answered, some NXDOMAIN typos, one hour of DNS tunnelling
 * under one domain, and a handful of direct-IP, DNS-bypass and port-80 connections.
 * The same seed gives the same database.
 *
 * -m demo writes the past days of scripts/demo instead: only the bot's expected traffic,
 * to the addresses the demo's lab answers for its two names, so that the live part adds
 * today's surprises to a week that was quiet until then, with what the capture made of
 * each connection (its TLS SNI, its bytes each way), as the demo captures today. Its
 * `runs` row, stopped a minute before the demo's collector starts, is the collector that
 * watched that week: the report's coverage shows the restart between the two, as it
 * would on a host. */
#include "config.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/conf.h"
#include "capture/capture.h"
#include "collector/core.h"
#include "common/db.h"
#include "common/event.h"
#include "common/netaddr.h"
#include "collector/store.h"
#include "common/timefmt.h"

#define BATCH 1000

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Uniform in [0, 1). */
static double
unif(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

struct name {
	const char *qname;
	double weight;          /* share of the queries */
	uint16_t qtype;
	const char *cname;      /* a CNAME step in the answer, or NULL */
	const char *addr[2];    /* answers (NULL = NXDOMAIN) */
	double conn_weight;     /* share of the connections to what it answered */
	int64_t last_us;        /* when it was last asked (connections follow answers) */
};

/* Telegram's and OpenRouter's addresses as their DNS gives them; the unexpected names
 * answer with documentation addresses (203.0.113.0/24, 2001:db8::/32). */
static struct name names[] = {
	{ "api.telegram.org", 0.600, 1, NULL, { "149.154.167.220", NULL }, 0.720, 0 },
	/* asked, but the bot connects over IPv4 (the seed's rule logs only IPv4) */
	{ "api.telegram.org", 0.120, 28, NULL, { "2001:67c:4e8:f004::9", NULL }, 0.0, 0 },
	{ "openrouter.ai", 0.270, 1, NULL, { "104.18.2.115", "104.18.3.115" }, 0.278, 0 },
	{ "pypi.org", 0.0012, 1, NULL, { "203.0.113.10", NULL }, 0.0004, 0 },
	{ "files.pythonhosted.org", 0.0008, 1, "dualstack.python.map.fastly.net",
	  { "203.0.113.11", NULL }, 0.0003, 0 },
	{ "registry.npmjs.org", 0.0010, 1, NULL, { "203.0.113.12", "203.0.113.13" }, 0.0004,
	  0 },
	{ "github.com", 0.0008, 1, NULL, { "203.0.113.14", NULL }, 0.0003, 0 },
	{ "raw.githubusercontent.com", 0.0004, 1, NULL, { "203.0.113.15", NULL }, 0.0001, 0 },
	{ "pastebin.com", 0.0001, 1, NULL, { "203.0.113.16", NULL }, 0.00003, 0 },
	{ "api.openai.com", 0.0003, 1, NULL, { "203.0.113.17", NULL }, 0.0001, 0 },
	{ "telegram.org", 0.0002, 1, NULL, { "203.0.113.18", NULL }, 0.00005, 0 },
	{ "ntp.ubuntu.com", 0.0003, 1, NULL, { "203.0.113.19", NULL }, 0.0, 0 },
	{ "api.telegarm.org", 0.0002, 1, NULL, { NULL, NULL }, 0.0, 0 },   /* NXDOMAIN */
	{ "openruter.ai", 0.0001, 1, NULL, { NULL, NULL }, 0.0, 0 },       /* NXDOMAIN */
};

/* scripts/demo's lab: its upstream answers the two expected names with these. */
static struct name demo_names[] = {
	{ "api.telegram.org", 0.70, 1, NULL, { "198.51.100.3", NULL }, 0.75, 0 },
	{ "openrouter.ai", 0.30, 1, NULL, { "198.51.100.4", NULL }, 0.25, 0 },
};

/* The mix in use: the bench week's, or the demo's. */
static struct name *mix = names;
static size_t n_mix = sizeof(names) / sizeof(names[0]);

/* Connections that no answer explains. */
struct odd {
	const char *dst;
	uint8_t proto;
	uint16_t dport;
	double weight;          /* share of the connections */
	int name;               /* names[] entry whose answer they follow, or -1 */
};

static const struct odd odds[] = {
	{ "203.0.113.200", IPPROTO_TCP, 443, 0.00010, -1 },   /* direct-ip */
	{ "203.0.113.201", IPPROTO_TCP, 8443, 0.00002, -1 },  /* direct-ip */
	{ "8.8.8.8", IPPROTO_UDP, 53, 0.00004, -1 },          /* dns-bypass */
	{ "1.1.1.1", IPPROTO_TCP, 853, 0.00001, -1 },         /* dns-bypass (DoT) */
	{ "149.154.167.220", IPPROTO_TCP, 80, 0.00005, 0 },   /* unexpected-port */
};
static size_t n_odds = sizeof(odds) / sizeof(odds[0]);

static long long tunnel_queries = 3000;   /* in one hour on day 5, under one domain */
#define TUNNEL_DOMAIN "t.cdn-metrics.example"

static struct conf *conf;
static struct netaddr vm;

static void
set_conf(const char *kv)
{
	if (conf_set(conf, kv) != 0) {
		fprintf(stderr, "weekgen: %s: %s\n", kv,
		        conf_error_count(conf) ? conf_error(conf, 0) : "rejected");
		exit(1);
	}
}

static void
die_db(sqlite3 *db, const char *what)
{
	fprintf(stderr, "weekgen: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static size_t
wire_name(const char *name, uint8_t *out, size_t outlen)
{
	size_t o = 0;
	const char *p = name;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (o + 1 + l + 1 > outlen)
			break;
		out[o++] = (uint8_t)l;
		memcpy(out + o, p, l);
		o += l;
		p += l + (dot ? 1 : 0);
	}
	out[o++] = 0;
	return o;
}

static int
emit_dns(struct core *k, struct store *s, int64_t ts, const char *qname, uint16_t qtype,
         const struct name *n)
{
	static struct dns_event ev;
	struct dns_answer ans[3];
	size_t na = 0;

	memset(&ev, 0, sizeof(ev));
	ev.ts_us = ts;
	ev.mono_us = ts;         /* a simulated week: its monotonic clock is its own */
	ev.latency_us = 200 + (int64_t)(rng() % 30000);
	ev.client = vm;
	ev.cport = (uint16_t)(32768 + rng() % 28000);
	ev.qid = (uint16_t)rng();
	ev.qtype = qtype;
	ev.qclass = 1;
	ev.transport = DNS_UDP;
	static uint8_t wire[255];

	ev.qname = qname;
	ev.qname_wire = wire;
	ev.qname_len = (uint8_t)wire_name(qname, wire, sizeof(wire));
	if (n && n->addr[0]) {
		/* dns_answer holds mutable strings: give it copies */
		static char qbuf[256], cbuf[256], abuf[2][64];
		char *owner = qbuf;

		snprintf(qbuf, sizeof(qbuf), "%s", qname);
		if (n->cname) {
			snprintf(cbuf, sizeof(cbuf), "%s", n->cname);
			ans[na++] = (struct dns_answer){ qbuf, 5, 300, cbuf };
			owner = cbuf;
		}
		for (int i = 0; i < 2 && n->addr[i]; i++) {
			snprintf(abuf[i], sizeof(abuf[i]), "%s", n->addr[i]);
			ans[na++] = (struct dns_answer){ owner, qtype, 300, abuf[i] };
		}
		ev.rcode = 0;
	} else {
		ev.rcode = 3;
	}
	ev.n_answers = na;
	ev.answers = na ? ans : NULL;
	return core_dns(k, s, &ev);
}

/* A new connection of the VM, as NFLOG logs it; ev (the caller's) holds it after. */
static int
emit_conn(struct core *k, struct store *s, int64_t ts, const char *dst, uint8_t proto,
          uint16_t dport, struct conn_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_us = ts;
	ev->mono_us = ts;
	ev->src = vm;
	if (netaddr_parse(dst, &ev->dst) < 0)
		return -1;
	ev->proto = proto;
	ev->has_ports = 1;
	ev->sport = (uint16_t)(32768 + rng() % 28000);
	ev->dport = dport;
	ev->tcp_flags = proto == IPPROTO_TCP ? 0x02 : 0;
	ev->pkt_len = ev->dst.family == 6 ? 80 : 60;
	strcpy(ev->iif, "br-openclaw");
	strcpy(ev->oif, "wan0");
	strcpy(ev->prefix, "openclaw-vm: ");
	return core_conn(k, s, ev);
}

/* -m demo: what the capture makes of connection c to name: its TLS ClientHello (TLS 1.3,
 * the SNI the bot asked for), then the flow's bytes, the flow closed within a second (a
 * bot's request: under a KB up to Telegram, a prompt of a few KB to OpenRouter, an
 * answer of a few KB back). */
static int
emit_capture(struct core *k, struct store *s, const struct conn_event *c, const char *name)
{
	bool llm = strcmp(name, "openrouter.ai") == 0;
	struct hello_event h = { .ts_us = c->ts_us + 1500, .mono_us = c->mono_us + 1500,
	                         .flow_us = c->ts_us, .client = c->src, .server = c->dst,
	                         .cport = c->sport, .sport = c->dport, .proto = c->proto,
	                         .kind = HELLO_TLS, .has_name = true, .version = 0x0304,
	                         .name_len = (uint16_t)strlen(name),
	                         .name = (const uint8_t *)name, .name_str = name,
	                         .alpn = "h2,http/1.1" };
	struct hello_event *held = hello_event_pack(&h);
	int64_t slot = c->ts_us - c->ts_us % CAPTURE_SLOT_US;
	uint64_t up = llm ? 2000 + rng() % 12000 : 500 + rng() % 600;
	uint64_t down = llm ? 1000 + rng() % 20000 : 300 + rng() % 3000;
	struct bytes_event b = { .slot_us = slot, .first_us = c->ts_us,
	                         .first_mono_us = c->mono_us, .client = c->src,
	                         .server = c->dst, .cport = c->sport, .sport = c->dport,
	                         .proto = c->proto, .end = FLOW_CLOSED, .flows = 1,
	                         .payload_up = up, .payload_down = down,
	                         .pkts_up = 6 + up / 1448, .pkts_down = 5 + down / 1448 };
	int rc;

	if (!held)
		return -1;
	if ((rc = core_hello(k, s, held, held->mono_us)) != 1)
		hello_event_free(held);     /* 1: held for its connection, which owns it */
	if (rc < 0)
		return -1;
	b.last_us = c->ts_us + 50000 + (int64_t)(rng() % 900000);
	if (b.last_us >= slot + CAPTURE_SLOT_US)
		b.last_us = slot + CAPTURE_SLOT_US - 1;
	b.bytes_up = b.payload_up + 52 * b.pkts_up;
	b.bytes_down = b.payload_down + 52 * b.pkts_down;
	return core_bytes(k, s, &b);
}

/* Pick an entry by weight; total is the sum of the weights. */
static int
pick_name(double total)
{
	double x = unif() * total;

	for (size_t i = 0; i < n_mix; i++) {
		if (x < mix[i].weight)
			return (int)i;
		x -= mix[i].weight;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: weekgen -o FILE [-c CONNS] [-q QUERIES] [-d DAYS] [-e END] "
	        "[-s SEED] [-m demo]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *out = NULL;
	long long n_conn = 5000000, n_dns = 2000000, seed = 1;
	double days = 7;
	bool demo = false;
	int64_t end_s = (int64_t)time(NULL);
	char err[512], kv[4200];
	int ch;

	while ((ch = getopt(argc, argv, "o:c:q:d:e:s:m:")) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'c': n_conn = atoll(optarg); break;
		case 'q': n_dns = atoll(optarg); break;
		case 'd': days = atof(optarg); break;
		case 'e': end_s = atoll(optarg); break;
		case 's': seed = atoll(optarg); break;
		case 'm':
			if (strcmp(optarg, "demo") != 0)
				usage();
			demo = true;
			break;
		default: usage();
		}
	}
	if (!out || n_conn < 0 || n_dns < 0 || !(days > 0 && days < 3650) || optind != argc)
		usage();
	if (demo) {
		mix = demo_names;
		n_mix = sizeof(demo_names) / sizeof(demo_names[0]);
		n_odds = 0;
		tunnel_queries = 0;
	}
	if (access(out, F_OK) == 0) {
		fprintf(stderr, "weekgen: %s exists; remove it first\n", out);
		return 1;
	}
	rng_state ^= (uint64_t)seed * 0xbf58476d1ce4e5b9ULL;
	netaddr_parse("192.168.83.2", &vm);

	if (!(conf = conf_new()))
		return 1;
	snprintf(kv, sizeof(kv), "collector.database=%s", out);
	set_conf(kv);
	set_conf("policy.expected_domains=api.telegram.org, openrouter.ai");
	set_conf("policy.expected_ports=tcp/443");
	if (demo)
		set_conf("collector.pcap_interface=br-openclaw");

	sqlite3 *db = db_open_rw(out, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "weekgen: %s\n", err);
		return 1;
	}
	/* a generated file, not evidence: no need to survive a power cut while writing */
	sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);

	int64_t end = end_s * US_PER_SEC - 60 * US_PER_SEC;
	int64_t start = end - (int64_t)(days * (double)DAY_US) + 120 * US_PER_SEC;
	int64_t total = n_conn + n_dns, step = total ? (end - start) / total : 1;
	int64_t tun_start = start + 4 * DAY_US + 13 * 3600 * US_PER_SEC;
	long long tun_done = 0;
	double wq = 0, wc = 0, wc_odd = 0;

	struct store *s = store_new(db, err, sizeof(err));
	struct core *k = s ? core_new(conf, db, start, start, err, sizeof(err)) : NULL;
	if (!k) {
		fprintf(stderr, "weekgen: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < n_mix; i++)
		wq += mix[i].weight;
	for (size_t i = 0; i < n_mix; i++)
		wc += mix[i].conn_weight;
	for (size_t i = 0; i < n_odds; i++)
		wc_odd += odds[i].weight;

	/* A short run of the week's flows: the daemon's `runs` row. The demo's collector had
	 * the resolver and the capture on, as scripts/demo's has, and told the capture up. */
	char sql[400];
	snprintf(sql, sizeof(sql), "INSERT INTO runs(started_us, stopped_us, version, config) "
	         "VALUES(%lld, %lld, 'weekgen', %s)", (long long)start, (long long)end,
	         demo ? "json_object('nflog_group', 7, 'dns', '192.168.83.1:53', 'capture', "
	                "'br-openclaw', 'enforce', 0)" : "'synthetic week'");
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die_db(db, "runs");
	if (demo && store_sensor_event(s, start, sqlite3_last_insert_rowid(db), "capture", "up",
	                               "capturing on br-openclaw") < 0)
		die_db(db, "sensor");

	long long done_conn = 0, done_dns = 0;
	int64_t t = start;
	int in_batch = 0;
	struct conn_event conn;
	int64_t t0 = timefmt_now_us();

	for (int64_t i = 0; i < total; i++) {
		int rc;

		t += step;
		if (in_batch == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
			die_db(db, "begin");
		/* dns or connection, in proportion to what is left of each */
		bool dns = (double)(n_dns - done_dns) >
		           unif() * (double)((n_dns - done_dns) + (n_conn - done_conn));
		int64_t ts = t + (int64_t)(rng() % (uint64_t)(step > 1 ? step : 1));

		if (dns) {
			done_dns++;
			if (tun_done < tunnel_queries && ts >= tun_start &&
			    ts < tun_start + 3600 * US_PER_SEC && unif() < 0.5) {
				char q[300], label[41];
				static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

				for (int j = 0; j < 40; j++)
					label[j] = b32[rng() % 32];
				label[40] = '\0';
				snprintf(q, sizeof(q), "%s.%s", label, TUNNEL_DOMAIN);
				rc = emit_dns(k, s, ts, q, tun_done % 3 ? 1 : 16, NULL);
				tun_done++;
			} else {
				int n = pick_name(wq);

				mix[n].last_us = ts;
				rc = emit_dns(k, s, ts, mix[n].qname, mix[n].qtype, &mix[n]);
			}
		} else {
			double x = unif();

			done_conn++;
			if (x < wc_odd) {
				const struct odd *o = &odds[0];

				for (size_t j = 0; j < n_odds; j++) {
					if (x < odds[j].weight) {
						o = &odds[j];
						break;
					}
					x -= odds[j].weight;
				}
				rc = emit_conn(k, s, ts, o->dst, o->proto, o->dport, &conn);
			} else {
				/* a destination some name answered, in proportion to conn_weight */
				double y = unif() * wc;
				size_t j;

				for (j = 0; j < n_mix - 1; j++) {
					if (y < mix[j].conn_weight)
						break;
					y -= mix[j].conn_weight;
				}
				if (demo && !mix[j].last_us) {
					/* the demo's bot resolves a name before its first connection */
					mix[j].last_us = ts - 1000;
					done_dns++;
					if (emit_dns(k, s, ts - 1000, mix[j].qname, mix[j].qtype,
					             &mix[j]) < 0)
						die_db(db, "event");
				}
				if (!mix[j].addr[0] || mix[j].conn_weight == 0 ||
				    !mix[j].last_us)
					j = 0;   /* nobody connects to a name not asked yet */
				const char *a = mix[j].addr[mix[j].addr[1] && (rng() & 1) ? 1 : 0];
				rc = emit_conn(k, s, ts, a, IPPROTO_TCP, 443, &conn);
				if (demo && rc == 0)
					rc = emit_capture(k, s, &conn, mix[j].qname);
			}
		}
		if (rc < 0)
			die_db(db, "event");
		if (++in_batch == BATCH || i == total - 1) {
			if ((i == total - 1 && core_release(k, s, ts, true) < 0) || store_flush(s) < 0 || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
				die_db(db, "commit");
			in_batch = 0;
		}
		if ((i + 1) % 1000000 == 0) {
			double el = (double)(timefmt_now_us() - t0) / 1e6;
			fprintf(stderr, "weekgen: %lld events, %.1f s (%.0f/s)\n", (long long)i + 1,
			        el, (double)(i + 1) / el);
		}
	}
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	double el = (double)(timefmt_now_us() - t0) / 1e6;
	printf("weekgen: %s: %lld connections, %lld DNS queries (%lld tunnel) over %g days "
	       "in %.1f s (%.0f events/s)\n", out, done_conn, done_dns, tun_done, days, el,
	       el > 0 ? (double)total / el : 0.0);
	core_free(k);
	store_free(s);
	sqlite3_close(db);
	conf_free(conf);
	return 0;
}
