/* dnsmsg: query validation, error replies, name presentation, the answer log and the
 * re-encoding of libunbound's answer for the client. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dnsfixture.h"
#include "dnslog/dnsmsg.h"
#include "tap.h"

static void
test_parse(void)
{
	uint8_t p[600], r[600];
	struct dnsq q;
	size_t n, rl;

	n = mkquery(p, 0x1234, 0x0100, WWW, WWW_LEN, 1, -1, 0, 0);
	is_int(dnsq_parse(p, n, &q), DNSQ_OK, "plain A query");
	is_int(q.id, 0x1234, "id");
	is_int(q.qname_len, WWW_LEN, "qname length includes the root label");
	ok(memcmp(q.qname, WWW, WWW_LEN) == 0, "qname bytes");
	ok(q.qtype == 1 && q.qclass == 1 && !q.edns, "type, class, no EDNS");
	is_int(dnsq_udp_limit(&q), 512, "no EDNS: 512");

	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 28, 4096, 0, 1);
	is_int(dnsq_parse(p, n, &q), DNSQ_OK, "AAAA with EDNS");
	ok(q.edns && q.edns_do && q.edns_size == 4096, "EDNS size and DO read");
	is_int(dnsq_udp_limit(&q), DNSMSG_UDP_MAX, "EDNS 4096 clamped");
	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 1, 100, 0, 0);
	dnsq_parse(p, n, &q);
	is_int(dnsq_udp_limit(&q), 512, "EDNS below 512 is 512");

	is_int(dnsq_parse(p, 11, &q), DNSQ_DROP, "short header dropped");
	is_int(dnsq_parse(p, 0, &q), DNSQ_DROP, "empty dropped");
	n = mkquery(p, 1, 0x8100, WWW, WWW_LEN, 1, -1, 0, 0);
	is_int(dnsq_parse(p, n, &q), DNSQ_DROP, "QR=1 dropped");
	n = mkquery(p, 1, 0x2800, WWW, WWW_LEN, 1, -1, 0, 0);  /* opcode 5 UPDATE */
	is_int(dnsq_parse(p, n, &q), DNSQ_NOTIMP, "UPDATE: NOTIMP");
	ok(!q.has_question, "no question read for an odd opcode");
	n = mkquery(p, 1, 0x1000, WWW, WWW_LEN, 1, -1, 0, 0);  /* opcode 2 STATUS */
	is_int(dnsq_parse(p, n, &q), DNSQ_NOTIMP, "STATUS: NOTIMP");
	ok(!q.edns, "no OPT, no EDNS");

	/* RFC 6891 6.1.1: an OPT in the request, an OPT in the NOTIMP */
	n = mkquery(p, 1, 0x2800, WWW, WWW_LEN, 6, 1232, 0, 1);  /* UPDATE with OPT */
	is_int(dnsq_parse(p, n, &q), DNSQ_NOTIMP, "UPDATE with OPT: NOTIMP");
	ok(q.edns && q.edns_do, "its OPT read");
	rl = dnsq_error_reply(&q, DNS_RCODE_NOTIMP, r, sizeof(r));
	ok(rl == 12 + 11 && r[11] == 1 && r[12 + 2] == 41, "NOTIMP carries an OPT (%zu bytes)", rl);
	p[7] = 1;                                   /* the OPT counted as an answer */
	p[11] = 0;
	is_int(dnsq_parse(p, n, &q), DNSQ_NOTIMP, "OPT in another section: NOTIMP");
	ok(!q.edns, "and no EDNS");
	p[7] = 0;
	p[11] = 1;
	p[n - 11 + 6] = 1;                          /* EDNS version 1 */
	dnsq_parse(p, n, &q);
	ok(!q.edns, "EDNS version 1 in an odd opcode: NOTIMP without OPT");
	is_int(dnsq_parse(p, n - 1, &q), DNSQ_NOTIMP, "cut short: NOTIMP");
	ok(!q.edns, "without OPT");

	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 1, -1, 0, 0);
	p[5] = 2;
	is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "QDCOUNT 2 lying: FORMERR");
	p[5] = 0;
	is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "QDCOUNT 0: FORMERR");
	p[5] = 1;
	p[7] = 1;
	is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "ANCOUNT in a query: FORMERR");
	p[7] = 0;
	p[11] = 3;
	is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "ARCOUNT lying: FORMERR");
	ok(q.has_question, "but the question was read");
	p[11] = 0;
	is_int(dnsq_parse(p, n - 1, &q), DNSQ_FORMERR, "question cut: FORMERR");
	is_int(dnsq_parse(p, 14, &q), DNSQ_FORMERR, "name cut: FORMERR");

	/* compression in the question: a loop onto itself, and a pointer to the header */
	{
		static const uint8_t loop[] = { 3, 'w', 'w', 'w', 0xC0, 12 };
		static const uint8_t hdr[] = { 0xC0, 0 };
		static const uint8_t ext[] = { 0x41, 'a', 0 };

		n = mkquery(p, 1, 0x0100, loop, sizeof(loop), 1, -1, 0, 0);
		is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "compression loop: FORMERR");
		n = mkquery(p, 1, 0x0100, hdr, sizeof(hdr), 1, -1, 0, 0);
		is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "pointer into the header: FORMERR");
		n = mkquery(p, 1, 0x0100, ext, sizeof(ext), 1, -1, 0, 0);
		is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "label type 01: FORMERR");
	}
	/* a label longer than the packet, and a name over 255 bytes */
	{
		uint8_t big[300];

		n = mkquery(p, 1, 0x0100, (const uint8_t *)"\077abc", 5, 1, -1, 0, 0);
		is_int(dnsq_parse(p, 12 + 5, &q), DNSQ_FORMERR, "label past the end: FORMERR");
		for (int i = 0; i < 5; i++) {
			big[i * 60] = 59;
			memset(big + i * 60 + 1, 'a', 59);
		}
		big[300 - 1] = 0;
		n = mkquery(p, 1, 0x0100, big, 300, 1, -1, 0, 0);
		is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "name of 300 bytes: FORMERR");
		/* exactly 255: 4 labels of 63 + 1 + root = 4*64 - 1 ... build 3x63 + 61 */
		for (int i = 0; i < 3; i++) {
			big[i * 64] = 63;
			memset(big + i * 64 + 1, 'b', 63);
		}
		big[192] = 61;
		memset(big + 193, 'c', 61);
		big[254] = 0;
		n = mkquery(p, 1, 0x0100, big, 255, 1, -1, 0, 0);
		is_int(dnsq_parse(p, n, &q), DNSQ_OK, "name of exactly 255 bytes: OK");
		is_int(q.qname_len, 255, "all of it kept");
	}

	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 1, 1232, 1, 0);
	is_int(dnsq_parse(p, n, &q), DNSQ_BADVERS, "EDNS version 1: BADVERS");
	rl = dnsq_error_reply(&q, DNS_RCODE_BADVERS, r, sizeof(r));
	is_int(rl, 12 + WWW_LEN + 4 + 11, "BADVERS reply has the question and OPT");
	is_int(r[3] & 0xF, 0, "BADVERS: header rcode 0");
	is_int(r[12 + WWW_LEN + 4 + 5], 1, "BADVERS: extended rcode 1 in OPT");

	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 1, 1232, 0, 0);
	p[11] = 2;
	memcpy(p + n, p + n - 11, 11);   /* a second OPT */
	is_int(dnsq_parse(p, n + 11, &q), DNSQ_FORMERR, "two OPT records: FORMERR");
	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 1, 1232, 0, 0);
	p[n - 2] = 0;
	p[n - 1] = 4;                    /* rdlen 4 but nothing there */
	is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "OPT rdata past the end: FORMERR");
	memcpy(p + n, "\0\x0a\0\x08", 4); /* an option claiming 8 bytes in 4 */
	is_int(dnsq_parse(p, n + 4, &q), DNSQ_FORMERR, "OPT option overrunning: FORMERR");
	memcpy(p + n, "\0\x0a\0\x00", 4);
	is_int(dnsq_parse(p, n + 4, &q), DNSQ_OK, "OPT with an empty option: OK");

	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 252, -1, 0, 0);
	is_int(dnsq_parse(p, n, &q), DNSQ_REFUSED, "AXFR refused");
	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 41, -1, 0, 0);
	is_int(dnsq_parse(p, n, &q), DNSQ_FORMERR, "qtype OPT: FORMERR");
	n = mkquery(p, 1, 0x0100, WWW, WWW_LEN, 16, -1, 0, 0);
	p[n - 1] = 3;
	is_int(dnsq_parse(p, n, &q), DNSQ_REFUSED, "class CH refused");

	n = mkquery(p, 0xbeef, 0x0110, WWW, WWW_LEN, 1, -1, 0, 0);
	dnsq_parse(p, n, &q);
	rl = dnsq_error_reply(&q, DNS_RCODE_SERVFAIL, r, sizeof(r));
	is_int(rl, n, "SERVFAIL reply: header and question");
	ok(r[0] == 0xbe && r[1] == 0xef, "SERVFAIL reply keeps the ID");
	is_int(r[2], 0x81, "QR, opcode 0, RD");
	is_int(r[3], 0x92, "RA, CD, rcode 2");
	ok(memcmp(r + 12, WWW, WWW_LEN) == 0, "question echoed");
	is_int(dnsq_error_reply(&q, 2, r, 20), 0, "too small a buffer: 0");

	p[0] = 0xab;
	p[1] = 0xcd;
	p[5] = 7;
	dnsq_parse(p, n, &q);
	rl = dnsq_error_reply(&q, DNS_RCODE_FORMERR, r, sizeof(r));
	ok(rl == 12 && r[0] == 0xab && r[5] == 0 && (r[3] & 0xF) == 1,
	   "FORMERR before the question: header only, QDCOUNT 0");
}

static void
test_names(void)
{
	char out[DNSMSG_NAME_STRLEN];
	static const uint8_t nul[] = "\3a\0b\7example\3com";
	static const uint8_t odd[] = "\4a.b\\\10Ex ample\3com";
	static const uint8_t bad[] = { 3, 'a', 'b' };

	is_int(dnsmsg_name_str(WWW, WWW_LEN, out, sizeof(out)), 15, "length returned");
	is_str(out, "www.example.com", "no final dot");
	dnsmsg_name_str(nul, sizeof(nul), out, sizeof(out));
	is_str(out, "a\\000b.example.com", "NUL as \\000, not cut");
	dnsmsg_name_str(odd, sizeof(odd), out, sizeof(out));
	is_str(out, "a\\046b\\092.Ex\\032ample.com", "dot, backslash, space escaped; case kept");
	dnsmsg_name_str((const uint8_t *)"", 1, out, sizeof(out));
	is_str(out, ".", "root");
	is_int(dnsmsg_name_str(bad, sizeof(bad), out, sizeof(out)), -1, "cut name: -1");
	is_str(out, "", "and empty output");
	is_int(dnsmsg_name_str(WWW, WWW_LEN - 1, out, sizeof(out)), -1, "no root label: -1");
	is_int(dnsmsg_name_str(WWW, WWW_LEN, out, 8), -1, "too small a buffer: -1");
	{
		uint8_t all[255];

		for (int i = 0; i < 3; i++) {
			all[i * 64] = 63;
			memset(all + i * 64 + 1, 0xff, 63);
		}
		all[192] = 61;
		memset(all + 193, 0xff, 61);
		all[254] = 0;
		is_int(dnsmsg_name_str(all, 255, out, sizeof(out)), 250 * 4 + 3,
		       "worst case fits DNSMSG_NAME_STRLEN");
	}
}

static void
test_answers(void)
{
	static const char *const chain[] = {
		"alias.example.com. 300 IN CNAME alias2.example.com.",
		"alias2.example.com. 200 IN CNAME www.example.com.",
		"www.example.com. 100 IN A 198.51.100.10",
		"www.example.com. 100 IN A 198.51.100.11",
		NULL,
	};
	static const char *const mixed[] = {
		"x.example.com. 60 IN AAAA 2001:db8::1",
		"x.example.com. 60 IN MX 10 mail.example.com.",
		"x.example.com. 60 IN TXT \"hello world\"",
		NULL,
	};
	struct dns_answer *a;
	size_t n, len;
	uint8_t *w = mkanswer(&len, "alias.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	                      chain, NULL, false);

	is_int(dnsmsg_answers(w, len, &a, &n), 0, "CNAME chain parses");
	is_int(n, 4, "every record, CNAME steps included");
	is_str(a[0].name, "alias.example.com", "owner, no final dot");
	is_int(a[0].rtype, 5, "CNAME");
	is_str(a[0].data, "alias2.example.com", "CNAME target, no final dot");
	is_int(a[1].ttl, 200, "TTL");
	is_str(a[2].name, "www.example.com", "third owner");
	is_str(a[2].data, "198.51.100.10", "A as an address");
	is_str(a[3].data, "198.51.100.11", "in answer order");
	dnsmsg_answers_free(a, n);
	is_int(dnsmsg_answers(w, len - 1, &a, &n), -1, "cut packet: -1");
	ok(a == NULL && n == 0, "nothing returned");
	is_int(dnsmsg_answers(w, 5, &a, &n), -1, "header cut: -1");
	free(w);

	w = mkanswer(&len, "x.example.com.", LDNS_RR_TYPE_ANY, LDNS_RCODE_NOERROR, mixed,
	             NULL, false);
	is_int(dnsmsg_answers(w, len, &a, &n), 0, "mixed types parse");
	is_str(a[0].data, "2001:db8::1", "AAAA");
	is_str(a[1].data, "10 mail.example.com", "MX with a name in our form");
	is_str(a[2].data, "\"hello world\"", "TXT as ldns shows it");
	dnsmsg_answers_free(a, n);
	free(w);

	/* a compression loop in an answer record's name */
	{
		uint8_t pkt[64] = { 0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0,
		                    0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4 };

		is_int(dnsmsg_answers(pkt, 28, &a, &n), -1, "self-pointing name: -1");
	}
	/* a TSIG record: never from libunbound, and ldns leaks on two of them */
	{
		static const uint8_t pkt[] = { 0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 1,
		                               0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0 };

		is_int(dnsmsg_answers(pkt, sizeof(pkt), &a, &n), -1, "TSIG in a message: -1");
	}
}

static void
test_build(void)
{
	static const char *const big[] = {
		"big.example.com. 300 IN A 203.0.113.1", "big.example.com. 300 IN A 203.0.113.2",
		"big.example.com. 300 IN A 203.0.113.3", "big.example.com. 300 IN A 203.0.113.4",
		"big.example.com. 300 IN A 203.0.113.5", "big.example.com. 300 IN A 203.0.113.6",
		NULL,
	};
	static const char *const signed_[] = {
		"www.example.com. 300 IN A 198.51.100.10",
		"www.example.com. 300 IN RRSIG A 8 3 300 20300101000000 20200101000000 12345 "
		"example.com. AAAA",
		NULL,
	};
	static const char *const soa[] = {
		"example.com. 60 IN SOA ns.example.com. h.example.com. 1 2 3 4 5", NULL,
	};
	static const uint8_t BIG[] = "\3BiG\7example\3com";
	uint8_t p[600], *out, *w;
	size_t n, len, outlen, nans;
	unsigned ech;
	struct dns_answer *ans;
	struct dnsq q;
	int rcode;

	/* the client asked in mixed case, with EDNS; the answer came in lower case */
	n = mkquery(p, 0x4242, 0x0100, BIG, sizeof(BIG), 1, 4096, 0, 0);
	dnsq_parse(p, n, &q);
	w = mkanswer(&len, "big.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, big, NULL,
	             true);
	is_int(dnsmsg_build_reply(&q, w, len, 1232, false, &out, &outlen, &rcode, &ans, &nans, &ech), 0,
	       "reply built");
	ok(out[0] == 0x42 && out[1] == 0x42, "client's ID");
	is_int(out[2], 0x81, "QR, RD, no AA");
	is_int(out[3], 0x80, "RA, NOERROR");
	ok(memcmp(out + 12, BIG, sizeof(BIG)) == 0, "client's question bytes, case kept");
	is_int(out[11], 1, "an OPT for an EDNS client");
	is_int(nans, 6, "six answers logged");
	is_str(ans[5].data, "203.0.113.6", "last one");
	is_int(rcode, 0, "rcode");
	free(out);
	dnsmsg_answers_free(ans, nans);

	is_int(dnsmsg_build_reply(&q, w, len, 100, false, &out, &outlen, &rcode, &ans, &nans, &ech), 0,
	       "reply over the limit");
	ok(outlen <= 100, "fits the limit");
	ok(out[2] & 0x02, "TC=1");
	is_int(out[7], 0, "no answers in it");
	is_int(nans, 0, "and none logged as given");
	free(out);
	dnsmsg_answers_free(ans, nans);

	/* no EDNS from the client: no OPT back even though libunbound's answer had one */
	n = mkquery(p, 7, 0x0000, BIG, sizeof(BIG), 1, -1, 0, 0);
	dnsq_parse(p, n, &q);
	is_int(dnsmsg_build_reply(&q, w, len, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech), 0,
	       "reply without EDNS");
	is_int(out[11], 0, "no OPT");
	is_int(out[2], 0x80, "RD=0 echoed");
	free(out);
	dnsmsg_answers_free(ans, nans);

	/* a different question in the answer is never passed on */
	n = mkquery(p, 7, 0x0100, WWW, WWW_LEN, 1, -1, 0, 0);
	dnsq_parse(p, n, &q);
	is_int(dnsmsg_build_reply(&q, w, len, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech), -1,
	       "answer to another question: -1");
	is_int(dnsmsg_build_reply(&q, w, 11, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech), -1,
	       "cut answer: -1");
	free(w);

	/* RRSIGs only for DO clients */
	w = mkanswer(&len, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, signed_,
	             NULL, true);
	dnsmsg_build_reply(&q, w, len, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech);
	is_int(nans, 1, "RRSIG dropped without DO");
	free(out);
	dnsmsg_answers_free(ans, nans);
	n = mkquery(p, 7, 0x0100, WWW, WWW_LEN, 1, 1232, 0, 1);
	dnsq_parse(p, n, &q);
	dnsmsg_build_reply(&q, w, len, 1232, false, &out, &outlen, &rcode, &ans, &nans, &ech);
	is_int(nans, 2, "RRSIG kept with DO");
	free(out);
	dnsmsg_answers_free(ans, nans);
	free(w);

	/* NXDOMAIN passes through with its SOA */
	w = mkanswer(&len, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, soa,
	             true);
	is_int(dnsmsg_build_reply(&q, w, len, 1232, false, &out, &outlen, &rcode, &ans, &nans, &ech), 0,
	       "NXDOMAIN built");
	is_int(rcode, 3, "rcode NXDOMAIN");
	is_int(out[3] & 0xF, 3, "in the header");
	is_int(out[9], 1, "SOA in authority");
	is_int(nans, 0, "no answers");
	free(out);
	dnsmsg_answers_free(ans, nans);
	free(w);
}

static void
test_chain(void)
{
	static const char *const chain[] = {
		"WWW.example.com. 300 IN CNAME edge.example.net.",
		"edge.example.net. 60 IN CNAME e1.cdn.example.org.",
		"e1.cdn.example.org. 20 IN A 203.0.113.7",
		"e1.cdn.example.org. 20 IN A 203.0.113.8", NULL,
	};
	static const uint8_t MIXED[] = "\3wWw\7ExAmple\3COM";
	uint8_t p[600], *w, *out;
	size_t n, len, outlen, nans;
	unsigned ech;
	struct dns_answer *ans;
	struct dnsq q;
	int rcode;

	/* a CNAME chain to two addresses for a client in mixed case, with CD and EDNS */
	n = mkquery(p, 0x5151, 0x0110, MIXED, sizeof(MIXED), 1, 1232, 0, 0);
	dnsq_parse(p, n, &q);
	w = mkanswer(&len, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, chain, NULL,
	             true);
	is_int(dnsmsg_build_reply(&q, w, len, 1232, false, &out, &outlen, &rcode, &ans, &nans, &ech), 0,
	       "CNAME chain built");
	ok(memcmp(out + 12, MIXED, sizeof(MIXED)) == 0, "the client's question bytes");
	is_int(out[2], 0x81, "QR, RD, no AA although libunbound's had it");
	is_int(out[3], 0x90, "RA, CD echoed");
	is_int(nans, 4, "four answers logged");
	is_str(ans[1].data, "e1.cdn.example.org", "CNAME target");
	is_str(ans[3].data, "203.0.113.8", "address");
	is_int(ans[2].ttl, 20, "TTL");
	is_int(out[outlen - 11 + 3], 0x04, "our OPT last: UDP size 1232 (0x04d0)");
	free(out);
	dnsmsg_answers_free(ans, nans);
	free(w);
}

/* [dns] strip_ech: the records the client gets, and the ones logged, are without ech;
 * the count says how many; with strip_ech off they pass as they came. */
static void
test_strip_ech(void)
{
	static const char *const https[] = {
		"www.example.com. 300 IN HTTPS 1 . alpn=h2 ech=AEn+DQBFKwAgACABWIHUGj4u",
		"www.example.com. 300 IN RRSIG HTTPS 13 3 300 20300101000000 20200101000000 1 "
		"example.com. dGVzdA==",
		NULL,
	};
	uint8_t p[600], *out, *w;
	size_t n, len, outlen, nans;
	struct dns_answer *ans;
	struct dnsq q;
	unsigned ech;
	int rcode;

	n = mkquery(p, 9, 0x0100, WWW, WWW_LEN, 65, 1232, 0, 0);
	dnsq_parse(p, n, &q);
	w = mkanswer(&len, "www.example.com.", LDNS_RR_TYPE_HTTPS, LDNS_RCODE_NOERROR, https,
	             NULL, true);
	is_int(dnsmsg_build_reply(&q, w, len, 1232, true, &out, &outlen, &rcode, &ans, &nans,
	                          &ech), 0, "HTTPS answer built with strip_ech");
	is_int(ech, 1, "one record stripped");
	is_int(nans, 1, "one answer logged (no DO: no RRSIG)");
	is_str(ans[0].data, "1 . alpn=h2", "logged without ech");
	free(out);
	dnsmsg_answers_free(ans, nans);

	is_int(dnsmsg_build_reply(&q, w, len, 1232, false, &out, &outlen, &rcode, &ans, &nans,
	                          &ech), 0, "and with strip_ech off");
	is_int(ech, 0, "nothing stripped");
	ok(nans == 1 && strstr(ans[0].data, " ech=AEn+"), "ech passed on: %s", ans[0].data);
	free(out);
	dnsmsg_answers_free(ans, nans);

	/* a DO client: the RRSIG over the changed RRset goes with the ech */
	n = mkquery(p, 9, 0x0100, WWW, WWW_LEN, 65, 1232, 0, 1);
	dnsq_parse(p, n, &q);
	dnsmsg_build_reply(&q, w, len, 1232, true, &out, &outlen, &rcode, &ans, &nans, &ech);
	ok(ech == 1 && nans == 1 && ans[0].rtype == 65, "DO: stripped, its RRSIG left out");
	free(out);
	dnsmsg_answers_free(ans, nans);
	dnsmsg_build_reply(&q, w, len, 1232, false, &out, &outlen, &rcode, &ans, &nans, &ech);
	is_int(nans, 2, "DO, strip_ech off: the RRSIG passes");
	free(out);
	dnsmsg_answers_free(ans, nans);

	/* truncated to the question: nothing stripped was sent */
	dnsmsg_build_reply(&q, w, len, 40, true, &out, &outlen, &rcode, &ans, &nans, &ech);
	ok(out[2] & 0x02, "over the limit: TC");
	is_int(ech, 0, "TC: no record sent, none counted");
	free(out);
	dnsmsg_answers_free(ans, nans);
	free(w);
}

/* A record of n strings s (presentation form) for mkanswer; the caller frees it. */
static char *
txt_rr(const char *owner, const char *type, size_t n, const char *s)
{
	size_t sl = strlen(s) + 1, len = strlen(owner) + strlen(type) + 32 + n * sl;
	char *r = malloc(len);
	size_t o = (size_t)snprintf(r, len, "%s 300 IN %s", owner, type);

	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(r + o, len - o, " %s", s);
	return r;
}

/* ldns gives each field it decodes a buffer of the whole rdata: many fields in one
 * record cost fields x rdlength. TXT goes through in linear memory, whole; any other
 * record over the budget, and a TXT of more than DNSMSG_TXT_STRINGS strings, is refused. */
static void
test_parse_budget(void)
{
	static const uint8_t Q[] = "\1x\7example\3com";
	char *an[3] = { NULL, NULL, NULL };
	uint8_t p[600], *out, *w;
	size_t n, len, outlen, nans;
	unsigned ech;
	struct dns_answer *ans;
	struct dnsq q;
	int rcode, strs = 0;

	n = mkquery(p, 7, 0x0100, Q, sizeof(Q), 16, 4096, 0, 0);
	dnsq_parse(p, n, &q);
	an[0] = txt_rr("x.example.com.", "TXT", 1000, "\"ab\"");
	an[1] = txt_rr("x.example.com.", "TYPE65280", 1, "\\# 2 abcd");
	w = mkanswer(&len, "x.example.com.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	             (const char *const *)an, NULL, true);
	is_int(dnsmsg_build_reply(&q, w, len, 65535, false, &out, &outlen, &rcode, &ans, &nans,
	                          &ech), 0, "a TXT of 1000 strings: reply built");
	is_int(nans, 2, "both records");
	ok(nans == 2 && ans[0].rtype == 16 && ans[1].rtype == 65280, "types kept (%u %u)",
	   nans ? ans[0].rtype : 0, nans > 1 ? ans[1].rtype : 0);
	for (const char *c = nans ? ans[0].data : ""; (c = strstr(c, "\"ab\"")); c++)
		strs++;
	is_int(strs, 1000, "every string given, in presentation form");
	ok(nans == 2 && ans[1].data && strstr(ans[1].data, "abcd"), "the private type as ldns shows it");
	dnsmsg_answers_free(ans, nans);
	ok(outlen + 200 > len && out && memmem(out, outlen, w + 12 + sizeof(Q) + 4,
	   len - 12 - sizeof(Q) - 4 - 11) != NULL, "records sent byte for byte");
	free(out);
	is_int(dnsmsg_answers(w, len, &ans, &nans), 0, "dnsmsg_answers reads it too");
	dnsmsg_answers_free(ans, nans);
	free(w);
	free(an[0]);
	free(an[1]);
	an[1] = NULL;

	/* SPF has TXT's rdata: the same linear path, its type kept beside a TXT's */
	an[0] = txt_rr("x.example.com.", "SPF", 1000, "\"v=spf1\"");
	an[1] = txt_rr("x.example.com.", "TXT", 1000, "\"ab\"");
	w = mkanswer(&len, "x.example.com.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	             (const char *const *)an, NULL, true);
	is_int(dnsmsg_build_reply(&q, w, len, 65535, false, &out, &outlen, &rcode, &ans, &nans,
	                          &ech), 0, "an SPF and a TXT of 1000 strings each: reply built");
	ok(nans == 2 && ans[0].rtype == 99 && ans[1].rtype == 16, "types kept (%u %u)",
	   nans ? ans[0].rtype : 0, nans > 1 ? ans[1].rtype : 0);
	strs = 0;
	for (const char *c = nans ? ans[0].data : ""; (c = strstr(c, "\"v=spf1\"")); c++)
		strs++;
	is_int(strs, 1000, "every SPF string given");
	dnsmsg_answers_free(ans, nans);
	ok(out && memmem(out, outlen, w + 12 + sizeof(Q) + 4, len - 12 - sizeof(Q) - 4 - 11),
	   "records sent byte for byte");
	free(out);
	free(w);
	free(an[0]);
	free(an[1]);
	an[1] = NULL;
	an[0] = txt_rr("x.example.com.", "SPF", DNSMSG_TXT_STRINGS + 1, "\"\"");
	w = mkanswer(&len, "x.example.com.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	             (const char *const *)an, NULL, true);
	is_int(dnsmsg_build_reply(&q, w, len, 65535, false, &out, &outlen, &rcode, &ans, &nans,
	                          &ech), -1, "an SPF of more strings than DNSMSG_TXT_STRINGS: refused");
	free(w);
	free(an[0]);

	an[0] = txt_rr("x.example.com.", "TXT", DNSMSG_TXT_STRINGS + 1, "\"\"");
	w = mkanswer(&len, "x.example.com.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	             (const char *const *)an, NULL, true);
	is_int(dnsmsg_build_reply(&q, w, len, 65535, false, &out, &outlen, &rcode, &ans, &nans,
	                          &ech), -1, "a TXT of more strings than DNSMSG_TXT_STRINGS: refused");
	free(w);
	free(an[0]);

	/* 2 000 APL items, 16 KB: 2 000 fields of 16 KB each for ldns */
	an[0] = txt_rr("x.example.com.", "APL", 2000, "1:192.168.0.0/16");
	w = mkanswer(&len, "x.example.com.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	             (const char *const *)an, NULL, true);
	ok(len > 8000, "APL answer of %zu bytes", len);
	is_int(dnsmsg_build_reply(&q, w, len, 65535, false, &out, &outlen, &rcode, &ans, &nans,
	                          &ech), -1, "many fields over DNSMSG_PARSE_BYTES: refused");
	is_int(dnsmsg_answers(w, len, &ans, &nans), -1, "by dnsmsg_answers too");
	free(w);
	free(an[0]);
}

int
main(void)
{
	test_parse();
	test_names();
	test_answers();
	test_build();
	test_chain();
	test_strip_ech();
	test_parse_budget();
	return done_testing();
}
