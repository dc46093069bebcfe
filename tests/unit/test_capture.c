/* capture: frames built here (Ethernet, cooked SLL/SLL2, IPv4/IPv6, TCP/UDP) through the
 * sensor's one entry: hellos, byte records per slot, flow ends, eviction and the loss
 * counters. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capdecode.h"
#include "capture/capture.h"
#include "tap.h"

#define S(x) ((int64_t)(x) * 1000000)

static struct capture_hello hellos[16];
static struct capture_bytes recs[64];
static int n_hellos, n_recs;

static void
on_hello(void *arg, const struct capture_hello *h)
{
	(void)arg;
	if (n_hellos < 16)
		hellos[n_hellos++] = *h;
}

static void
on_bytes(void *arg, const struct capture_bytes *b)
{
	(void)arg;
	if (n_recs < 64)
		recs[n_recs++] = *b;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* An Ethernet + IPv4 frame from a to b (last octets of 192.168.83.x / 198.51.100.x) with a
 * TCP (flags, seq) or UDP (flags < 0) header and the payload. Returns its length. */
static size_t
frame(uint8_t *f, int up, uint16_t cport, uint16_t sport, int flags, uint32_t seq,
      const void *data, size_t n)
{
	uint8_t vm[4] = { 192, 168, 83, 2 }, srv[4] = { 198, 51, 100, 2 };
	size_t l4 = flags < 0 ? 8 : 20, ip = 20 + l4 + n;

	memset(f, 0, 14 + ip);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, (unsigned)ip);
	f[14 + 8] = 64;
	f[14 + 9] = flags < 0 ? IPPROTO_UDP : IPPROTO_TCP;
	memcpy(f + 14 + 12, up ? vm : srv, 4);
	memcpy(f + 14 + 16, up ? srv : vm, 4);
	put16(f + 34, up ? cport : sport);
	put16(f + 36, up ? sport : cport);
	if (flags < 0) {
		put16(f + 38, (unsigned)(8 + n));
	} else {
		put32(f + 38, seq);
		f[46] = 5 << 4;
		f[47] = (uint8_t)flags;
	}
	if (n)
		memcpy(f + 34 + l4, data, n);
	return 14 + ip;
}

/* A ClientHello record stream for name, padded to about pad bytes. */
static size_t
client_hello(uint8_t *out, const char *name, size_t pad)
{
	uint8_t *m = out + 5;
	size_t n = 0, nl = strlen(name), ext_at;

	m[n++] = 1;
	n += 3;
	put16(m + n, 0x0303), n += 2;
	memset(m + n, 7, 32), n += 32;
	m[n++] = 0;
	put16(m + n, 2), put16(m + n + 2, 0x1301), n += 4;
	m[n++] = 1, m[n++] = 0;
	ext_at = n;
	n += 2;
	put16(m + n, 0), put16(m + n + 2, (unsigned)nl + 5), put16(m + n + 4, (unsigned)nl + 3);
	m[n + 6] = 0, put16(m + n + 7, (unsigned)nl);
	memcpy(m + n + 9, name, nl);
	n += 9 + nl;
	put16(m + n, 21), put16(m + n + 2, (unsigned)pad), memset(m + n + 4, 0, pad);
	n += 4 + pad;
	put16(m + ext_at, (unsigned)(n - ext_at - 2));
	m[1] = 0, put16(m + 2, (unsigned)(n - 4));
	out[0] = 22, put16(out + 1, 0x0301), put16(out + 3, (unsigned)n);
	return n + 5;
}

static void
pkt(struct capture *c, int64_t ts, const uint8_t *f, size_t n)
{
	capture_packet(c, ts, ts, f, n, n, CAPDECODE_DLT_EN10MB);
}

int
main(void)
{
	static uint8_t f[4096], hello[3000];
	struct cidr vm;
	struct capture_conf conf = { .clients = &vm, .n_clients = 1, .on_hello = on_hello,
	                             .on_bytes = on_bytes, .slot_us = S(60) };
	struct capture_counters k;
	struct capture *c;
	size_t hn, n;
	uint32_t isn = 1000;
	uint64_t up = 0, down = 0;

	cidr_parse("192.168.83.0/24", &vm, NULL, 0);
	ok(!capture_new(&(struct capture_conf){ .slot_us = S(7) }), "a slot that does not divide an hour");
	c = capture_new(&conf);
	ok(c != NULL, "capture_new");

	/* a TLS flow whose 1.8 KB ClientHello comes in two segments, second first, the first
	 * retransmitted with other bytes */
	hn = client_hello(hello, "api.telegram.org", 1800);
	n = frame(f, 1, 40000, 443, 0x02, isn, NULL, 0);          pkt(c, S(120), f, n); up += n - 14;
	n = frame(f, 0, 40000, 443, 0x12, 5000, NULL, 0);         pkt(c, S(120), f, n); down += n - 14;
	n = frame(f, 1, 40000, 443, 0x10, isn + 1 + 1000, hello + 1000, hn - 1000);
	pkt(c, S(120) + 1, f, n); up += n - 14;
	is_int(n_hellos, 0, "second segment alone: no hello");
	n = frame(f, 1, 40000, 443, 0x10, isn + 1, hello, 1000);  pkt(c, S(120) + 2, f, n); up += n - 14;
	is_int(n_hellos, 1, "first segment: the hello");
	is_str((char *)hellos[0].name, "api.telegram.org", "its SNI");
	is_int(hellos[0].kind, CAPTURE_TLS, "kind tls");
	is_int(hellos[0].key.sport, 443, "server port");
	is_int(hellos[0].key.cport, 40000, "client port");
	ok(hellos[0].flow_us == S(120) && hellos[0].ts_us == S(120) + 2,
	   "its time, and its flow's first packet's (the SYN)");
	memcpy(hello + 100, "XXXX", 4);
	n = frame(f, 1, 40000, 443, 0x10, isn + 1, hello, 1000);  pkt(c, S(120) + 3, f, n); up += n - 14;
	is_int(n_hellos, 1, "a retransmission changes nothing");
	n = frame(f, 0, 40000, 443, 0x10, 5001, "0123456789", 10); pkt(c, S(121), f, n); down += n - 14;

	/* the next slot: the flow's first slot is emitted at the sweep */
	n = frame(f, 0, 40000, 443, 0x11, 5011, NULL, 0);         pkt(c, S(185), f, n);
	is_int(n_recs, 1, "slot over: one record");
	is_int(recs[0].why, CAPTURE_SLOT, "why: slot");
	is_int(recs[0].slot_us, S(120), "its slot");
	is_int(recs[0].bytes_up, up, "bytes up (IP lengths)");
	is_int(recs[0].bytes_down, down, "bytes down");
	is_int(recs[0].payload_down, 10, "payload down");
	is_int(recs[0].pkts_up, 4, "packets up");
	n = frame(f, 1, 40000, 443, 0x11, isn + 1 + hn, NULL, 0); pkt(c, S(186), f, n);
	is_int(n_recs, 1, "FIN both ways: lingers");
	capture_tick(c, S(186) + CAPTURE_LINGER_US + 1, S(186) + CAPTURE_LINGER_US + 1);
	is_int(n_recs, 2, "then ends");
	is_int(recs[1].why, CAPTURE_CLOSED, "why: closed");
	is_int(recs[1].pkts_up + recs[1].pkts_down, 2, "the two FINs in the last record");
	is_int(capture_flow_count(c), 0, "table empty");

	/* QUIC: the RFC 9001 A.2 Initial, loaded as the QUIC unit test does */
	{
		static uint8_t dg[1200];
		char path[1024], line[256];
		const char *src = getenv("OCA_SRCDIR");
		size_t dn = 0;
		unsigned v;
		FILE *fp;

		snprintf(path, sizeof(path), "%s/tests/data/quic/rfc9001_a2_client_initial.hex",
		         src ? src : "..");
		if ((fp = fopen(path, "r"))) {
			while (fgets(line, sizeof(line), fp))
				for (char *p = line; *p != '#' && dn < sizeof(dg) &&
				                     sscanf(p, "%2x", &v) == 1; p += 2)
					dg[dn++] = (uint8_t)v;
			fclose(fp);
		}
		n = frame(f, 1, 50000, 443, -1, 0, dg, dn);
		pkt(c, S(200), f, n);
		is_int(n_hellos, 2, "QUIC Initial: hello");
		is_int(hellos[1].kind, CAPTURE_QUIC, "kind quic");
		is_str((char *)hellos[1].name, "example.com", "its SNI");
		is_int(hellos[1].quic_version, 1, "version 1");
		/* cut by the snap length: counted whole, not read */
		n = frame(f, 1, 50001, 443, -1, 0, dg, dn);
		capture_packet(c, S(200), S(200), f, 300, n, CAPDECODE_DLT_EN10MB);
		capture_get_counters(c, &k);
		is_int(k.inspect_cut, 1, "a cut Initial is counted as not read");
	}

	/* HTTP on port 80, over cooked SLL2 */
	{
		const char *req = "GET / HTTP/1.1\r\nHost: evil.example\r\nAccept: */*\r\n\r\n";
		uint8_t sll[4096] = { 0x08, 0x00 };

		n = frame(f, 1, 40001, 80, 0x18, 77, req, strlen(req));
		memcpy(sll + 20, f + 14, n - 14);
		capture_packet(c, S(201), S(201), sll, n - 14 + 20, n - 14 + 20,
		               CAPDECODE_DLT_LINUX_SLL2);
		is_int(n_hellos, 3, "HTTP request: hello");
		is_int(hellos[2].kind, CAPTURE_HTTP, "kind http");
		is_str((char *)hellos[2].name, "evil.example", "its Host");
		capture_get_counters(c, &k);
		is_int(k.missed_start, 1, "no SYN seen for it");
	}

	/* foreign, ARP, cut headers */
	n = frame(f, 1, 1, 2, 0x02, 0, NULL, 0);
	f[14 + 12] = 10;                               /* 10.168.83.2: not the VM */
	pkt(c, S(202), f, n);
	put16(f + 12, 0x0806);
	pkt(c, S(202), f, n);
	n = frame(f, 1, 1, 2, 0x02, 0, NULL, 0);
	/* cut inside IPv4 */
	capture_packet(c, S(202), S(202), f, 20, 60, CAPDECODE_DLT_EN10MB);
	capture_packet(c, S(202), S(202), f, 20, 60, 9999);
	capture_get_counters(c, &k);
	is_int(k.foreign, 1, "foreign counted");
	is_int(k.not_ip, 1, "ARP counted");
	is_int(k.short_frames, 1, "a cut frame counted");
	is_int(k.linktype, 1, "an unknown link type counted");
	is_int(k.hello_tls + k.hello_quic + k.hello_http, 3, "three hellos");

	capture_flush(c, S(203), S(203));
	is_int(capture_flow_count(c), 0, "flush empties the table");
	is_int(recs[n_recs - 2].why, CAPTURE_FLUSHED, "why: flushed");
	/* the cut Initial: one packet, no hello, no reply */
	is_int(recs[n_recs - 1].why, CAPTURE_FOLDED, "a small flow: its destination's aggregate");
	is_int(recs[n_recs - 1].flows, 1, "of one flow");
	is_int(recs[n_recs - 1].key.cport, 0, "no client port");
	capture_free(c);

	/* a full table evicts the least recently seen flow, bytes emitted (each flow its own
	 * record) */
	conf.max_flows = 2;
	conf.no_fold = true;
	c = capture_new(&conf);
	n_recs = 0;
	for (int i = 0; i < 3; i++) {
		n = frame(f, 1, (uint16_t)(1000 + i), 53, -1, 0, "q", 1);
		pkt(c, S(300) + i, f, n);
	}
	capture_get_counters(c, &k);
	is_int(k.evicted, 1, "third flow evicts one");
	is_int(n_recs, 1, "its record emitted");
	is_int(recs[0].key.cport, 1000, "the oldest");
	is_int(recs[0].why, CAPTURE_EVICTED, "why: evicted");
	is_int(k.not_hello, 3, "DNS is none of the three");
	capture_tick(c, S(300) + CAPTURE_UDP_IDLE_US + 10, S(300) + CAPTURE_UDP_IDLE_US + 10);
	is_int(capture_flow_count(c), 0, "idle UDP flows end");
	is_int(recs[n_recs - 1].why, CAPTURE_IDLE, "why: idle");
	capture_free(c);

	/* a SYN scan through a full table: the flows evicted had sent no data, so no hello
	 * is lost (a scan must not read as hellos missed); a flow evicted with its hello
	 * half read is one, and a flow whose SYN was evicted still has its hello read */
	c = capture_new(&conf);
	hn = client_hello(hello, "late.example", 10);
	n = frame(f, 1, 4000, 443, 0x02, isn, NULL, 0);   pkt(c, S(500), f, n);
	for (int i = 1; i <= 4; i++) {
		n = frame(f, 1, (uint16_t)(4000 + i), 443, 0x02, isn, NULL, 0);
		pkt(c, S(500) + i, f, n);
	}
	capture_get_counters(c, &k);
	is_int(k.evicted, 3, "a scan of 5 through a table of 2: 3 evicted");
	is_int(k.evicted_inspecting, 0, "none of them had begun a hello: none lost");
	n = frame(f, 1, 4000, 443, 0x18, isn + 1, hello, hn);   pkt(c, S(501), f, n);
	is_int(n_hellos, 4, "the first, evicted at its SYN, still has its hello read");
	is_str((const char *)hellos[3].name, "late.example", "its name");
	is_int(hellos[3].flow_us, 0, "its flow's start unknown (its SYN went with the evicted "
	       "entry): not the first data's time, which would put its connection before it");
	n_hellos = 3;
	n = frame(f, 1, 4010, 443, 0x02, isn, NULL, 0);          pkt(c, S(502), f, n);
	n = frame(f, 1, 4010, 443, 0x18, isn + 10, hello, 20);   pkt(c, S(502), f, n);
	for (int i = 1; i <= 2; i++) {
		n = frame(f, 1, (uint16_t)(4010 + i), 443, 0x02, isn, NULL, 0);
		pkt(c, S(503) + i, f, n);
	}
	capture_get_counters(c, &k);
	is_int(k.evicted_inspecting, 1, "a flow evicted holding part of its hello: one lost");
	capture_free(c);

	/* small flows fold: one record per destination and slot, bytes exact */
	conf.max_flows = 4;
	conf.fold_max = 3;
	conf.no_fold = false;
	c = capture_new(&conf);
	n_recs = 0;
	up = down = 0;
	for (int i = 0; i < 10; i++) {
		n = frame(f, 1, (uint16_t)(2000 + i), 9000, -1, 0, "x", 1);
		pkt(c, S(400) + i, f, n); up += n - 14;
	}
	is_int(n_recs, 0, "evicted one-packet flows: no record of their own");
	n = frame(f, 1, 3000, 9000, -1, 0, "q", 1);     pkt(c, S(411), f, n); up += n - 14;
	n = frame(f, 0, 3000, 9000, -1, 0, "a", 1);     pkt(c, S(411), f, n); down += n - 14;
	n = frame(f, 1, 3001, 9000, 0x02, 1, NULL, 0);  pkt(c, S(412), f, n); up += n - 14;
	n = frame(f, 0, 3001, 9000, 0x14, 0, NULL, 0);  pkt(c, S(412), f, n); down += n - 14;
	n = frame(f, 1, 3002, 9001, -1, 0, "x", 1);     pkt(c, S(413), f, n); up += n - 14;
	/* a one-way stream of more than CAPTURE_FOLD_PKTS keeps its own record */
	for (int i = 0; i <= CAPTURE_FOLD_PKTS; i++) {
		n = frame(f, 1, 3004, 9000, -1, 0, "stream", 6);
		pkt(c, S(413), f, n); up += n - 14;
	}
	is_int(n_recs, 0, "nothing out before the slot is over");
	capture_flush(c, S(415), S(415));
	capture_get_counters(c, &k);
	{
		uint64_t su = 0, sd = 0, flows9000 = 0;
		int folded = 0, own9000 = 0;

		for (int i = 0; i < n_recs; i++) {
			su += recs[i].bytes_up, sd += recs[i].bytes_down;
			folded += recs[i].why == CAPTURE_FOLDED;
			if (recs[i].key.sport == 9000) {
				flows9000 += recs[i].flows;
				own9000 += recs[i].why != CAPTURE_FOLDED;
			}
		}
		is_int(n_recs, 5, "five records: three aggregates, the answered flow, the stream");
		is_int(su, up, "bytes up: exact over the records");
		is_int(sd, down, "bytes down: exact");
		is_int(flows9000, 13, "flows to :9000: ten, the answered one, the SYN, the stream");
		is_int(own9000, 2, "the answered flow and the stream have records of their own");
		is_int(folded, 3, "aggregates: udp/9000, udp/9001, tcp/9000 (the SYN)");
		is_int(k.folded, 12, "folded flows counted");
	}
	capture_free(c);

	/* an aggregate goes out when its slot is over, after the slot's own records; a full
	 * table of aggregates sends a small flow out on its own */
	conf.max_flows = 1;
	conf.fold_max = 1;
	c = capture_new(&conf);
	n_recs = 0;
	n = frame(f, 1, 4000, 9000, -1, 0, "x", 1);     pkt(c, S(400), f, n);
	n = frame(f, 1, 4001, 9000, -1, 0, "x", 1);     pkt(c, S(401), f, n);
	n = frame(f, 1, 4002, 9001, -1, 0, "x", 1);     pkt(c, S(402), f, n);
	is_int(n_recs, 0, "the first flows evicted and folded");
	n = frame(f, 1, 4003, 9001, -1, 0, "x", 1);     pkt(c, S(403), f, n);
	capture_get_counters(c, &k);
	is_int(k.fold_full, 1, "another destination, the table full: counted");
	is_int(n_recs, 1, "and its flow's record out on its own");
	is_int(recs[0].why, CAPTURE_EVICTED, "as before");
	capture_tick(c, S(430), S(430));
	is_int(n_recs, 3, "the slot over: the live flow's record, then the aggregate");
	is_int(recs[1].why, CAPTURE_SLOT, "the live flow first");
	is_int(recs[2].why, CAPTURE_FOLDED, "then the aggregate");
	is_int(recs[2].slot_us, S(360), "of the slot that ended");
	is_int(recs[2].first_us, S(400), "its first packet");
	is_int(recs[2].first_mono_us, S(400), "... by the monotonic clock too (attribution's)");
	is_int(recs[2].last_us, S(401), "its last");
	is_int(recs[2].flows, 2, "two flows");
	capture_free(c);

	/* small flows alive when their slot is over fold at the sweep as at their end: no
	 * record of their own, and none at their end; one that goes on small is counted again
	 * in the next slot's aggregate, one that stops being small has its own records after */
	conf.max_flows = 0;
	conf.fold_max = 0;
	c = capture_new(&conf);
	n_recs = 0;
	up = down = 0;
	for (int i = 0; i < 20; i++) {                  /* a spray, alive at the sweep */
		n = frame(f, 1, (uint16_t)(5000 + i), 9000, -1, 0, "x", 1);
		pkt(c, S(430) + i, f, n); up += n - 14;
	}
	n = frame(f, 1, 5100, 9000, 0x02, isn, NULL, 0);              /* a SYN: TLS comes later */
	pkt(c, S(450), f, n); up += n - 14;
	n = frame(f, 0, 5100, 9000, 0x12, 0, NULL, 0);
	pkt(c, S(450), f, n); down += n - 14;
	n = frame(f, 1, 5101, 9000, -1, 0, "y", 1);                   /* goes on small */
	pkt(c, S(451), f, n); up += n - 14;
	capture_tick(c, S(481), S(481));
	capture_get_counters(c, &k);
	is_int(n_recs, 2, "the sweep: two records, the aggregates of udp/9000 and tcp/9000");
	{
		uint64_t su = 0, sd = 0, sp = 0, sf = 0;
		int folded = 0, slot = 0;

		for (int i = 0; i < n_recs; i++) {
			su += recs[i].bytes_up, sd += recs[i].bytes_down, sf += recs[i].flows;
			sp += recs[i].pkts_up + recs[i].pkts_down;
			folded += recs[i].why == CAPTURE_FOLDED;
			slot += recs[i].slot_us == S(420);
		}
		is_int(folded, 2, "both folded");
		is_int(slot, 2, "of the slot that ended");
		is_int(sf, 22, "every live small flow counted once");
		is_int(su, up, "bytes up exact");
		is_int(sd, down, "bytes down exact");
		is_int(sp, 23, "packets exact");
	}
	is_int(k.folded, 22, "folded flows counted");
	is_int(capture_flow_count(c), 22, "their entries stay");
	n_recs = 0;
	hn = client_hello(hello, "later.example", 100);
	n = frame(f, 1, 5100, 9000, 0x18, isn + 1, hello, hn);         /* its hello is read */
	pkt(c, S(490), f, n); up = n - 14;
	n = frame(f, 1, 5101, 9000, -1, 0, "y", 1);
	pkt(c, S(491), f, n);
	is_int(n_hellos, 4, "a flow folded at the sweep: its hello still read");
	is_str((char *)hellos[3].name, "later.example", "its SNI");
	is_int(hellos[3].flow_us, 0, "its flow's first packet, in a slot gone: not kept");
	capture_tick(c, S(541), S(541));
	{
		int own = 0, agg = 0;

		for (int i = 0; i < n_recs; i++) {
			if (recs[i].why == CAPTURE_FOLDED) {
				agg++;
				is_int(recs[i].flows, 1, "the next slot: the flow that went on small");
				is_int(recs[i].pkts_up, 1, "with its one packet since");
			} else {
				own++;
				is_int(recs[i].key.cport, 5100, "the hello's flow: its own record after");
				is_int(recs[i].bytes_up, up, "its bytes since: the hello");
				is_int(recs[i].why, CAPTURE_SLOT, "and it goes on");
			}
		}
		is_int(own, 1, "one record of its own");
		is_int(agg, 1, "one aggregate");
	}
	n_recs = 0;
	capture_tick(c, S(541) + CAPTURE_UDP_IDLE_US + S(1), S(541) + CAPTURE_UDP_IDLE_US + S(1));
	is_int(capture_flow_count(c), 1, "the spray ends idle (the TCP flow lives on)");
	is_int(n_recs, 0, "with nothing more to say: its whole life is in the aggregates");
	capture_free(c);

	/* the wall clock stepped a day, back then forward, under a live capture: the wall
	 * names the records, the monotonic clock times them (each flow its own record) */
	conf.max_flows = 0;
	conf.no_fold = true;
	c = capture_new(&conf);
	n_recs = 0;
	{
		const int64_t w = S(7200), m = S(50), day = S(86400);   /* w: a slot's start */
		uint8_t tcp[4096];

		n = frame(tcp, 1, 41000, 443, 0x02, 1, NULL, 0);
		capture_packet(c, w + S(10), m + S(10), tcp, n, n, CAPDECODE_DLT_EN10MB);
		n = frame(f, 1, 2000, 443, -1, 0, "x", 1);
		capture_packet(c, w + S(20), m + S(20), f, n, n, CAPDECODE_DLT_EN10MB);
		capture_tick(c, w + S(30) - day, m + S(30));
		is_int(n_recs, 0, "back a day: nothing yet");
		capture_tick(c, w + S(61) - day, m + S(61));
		is_int(n_recs, 2, "the slot still ends 60 s on");
		is_int(recs[0].slot_us, w, "named by the wall clock at its start");
		is_int(recs[0].why, CAPTURE_SLOT, "the flows go on");
		is_int(recs[0].first_us, w + S(10), "first packet: the wall clock's time");
		is_int(recs[0].first_mono_us, m + S(10), "and the monotonic clock's");
		capture_tick(c, w + S(20) + CAPTURE_UDP_IDLE_US + S(1) - day,
		             m + S(20) + CAPTURE_UDP_IDLE_US + S(1));
		is_int(capture_flow_count(c), 1, "the idle UDP flow ends on time");
		n = frame(tcp, 1, 41000, 443, 0x11, 2, NULL, 0);
		capture_packet(c, w + S(100) - day, m + S(100), tcp, n, n, CAPDECODE_DLT_EN10MB);
		n = frame(tcp, 0, 41000, 443, 0x11, 2, NULL, 0);
		capture_packet(c, w + S(100) - day, m + S(100), tcp, n, n, CAPDECODE_DLT_EN10MB);
		n_recs = 0;
		capture_tick(c, w + S(100) + CAPTURE_LINGER_US + 1 - day,
		             m + S(100) + CAPTURE_LINGER_US + 1);
		is_int(n_recs, 1, "a closed flow ends after its linger");
		is_int(recs[0].why, CAPTURE_CLOSED, "why: closed");
		is_int(recs[0].slot_us, w - day + S(60),
		       "in a slot the stepped wall clock names");

		/* forward a day: the slot it starts in does not end at once */
		n = frame(f, 1, 2001, 443, -1, 0, "x", 1);
		capture_packet(c, w + S(200) - day, m + S(200), f, n, n, CAPDECODE_DLT_EN10MB);
		n_recs = 0;
		capture_tick(c, w + S(201), m + S(201));
		is_int(n_recs, 0, "forward a day: no slot closed early");
		capture_tick(c, w + S(241), m + S(241));
		is_int(n_recs, 1, "it closes when its time is up");
		is_int(recs[0].pkts_up, 1, "with its packet");
	}
	capture_free(c);
	return done_testing();
}
