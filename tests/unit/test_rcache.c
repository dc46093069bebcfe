/* rcache: the reply memo, a reply replayed for another client with its ID, flags and
 * question bytes, for at most a second and never past a TTL. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dnsfixture.h"
#include "dnslog/dnsmsg.h"
#include "dnslog/rcache.h"
#include "tap.h"

static void
test_rcache(void)
{
	static const char *const one[] = { "www.example.com. 300 IN A 198.51.100.10", NULL };
	static const char *const zero[] = { "www.example.com. 0 IN A 198.51.100.10", NULL };
	static const uint8_t MIXED[] = "\3WwW\7example\3COM";
	struct rcache *c = rcache_new(16);
	uint8_t p[600], r[DNSMSG_UDP_MIN], *out, *w;
	size_t n, len, outlen, nans, got;
	unsigned ech;
	struct dns_answer *ans;
	const struct dns_answer *cans;
	struct dnsq q, q2;
	int rcode = -1;

	n = mkquery(p, 0x1111, 0x0100, WWW, WWW_LEN, 1, -1, 0, 0);
	dnsq_parse(p, n, &q);
	w = mkanswer(&len, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, one, NULL,
	             true);
	dnsmsg_build_reply(&q, w, len, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech);
	is_int(rcache_get(c, &q, 0, r, sizeof(r), &rcode, &cans, &got), 0, "empty: miss");
	rcache_put(c, &q, out, outlen, rcode, ans, nans, 1000);

	n = mkquery(p, 0x2222, 0x0010, MIXED, sizeof(MIXED), 1, -1, 0, 0);  /* RD=0, CD=1 */
	dnsq_parse(p, n, &q2);
	got = 99;
	is_int(rcache_get(c, &q2, 2000, r, sizeof(r), &rcode, &cans, &got), outlen,
	       "another client, other case: hit");
	ok(r[0] == 0x22 && r[1] == 0x22, "its ID");
	is_int(r[2], 0x80, "its RD=0");
	is_int(r[3], 0x90, "RA, its CD, NOERROR");
	ok(memcmp(r + 12, MIXED, sizeof(MIXED)) == 0, "its question bytes");
	ok(memcmp(r + 12 + sizeof(MIXED), out + 12 + sizeof(MIXED),
	          outlen - 12 - sizeof(MIXED)) == 0, "the rest as built");
	ok(got == 1 && strcmp(cans[0].data, "198.51.100.10") == 0, "its answers");
	is_int(rcache_get(c, &q2, 1000 + RCACHE_MAX_AGE_US, r, sizeof(r), &rcode, &cans, &got),
	       0, "after a second: miss");

	n = mkquery(p, 0x3333, 0x0100, WWW, WWW_LEN, 1, 1232, 0, 0);
	dnsq_parse(p, n, &q2);
	rcache_put(c, &q, out, outlen, rcode, ans, nans, 5000);
	is_int(rcache_get(c, &q2, 5001, r, sizeof(r), &rcode, &cans, &got), 0,
	       "an EDNS client does not get a reply built without OPT");
	free(out);
	dnsmsg_answers_free(ans, nans);
	free(w);

	w = mkanswer(&len, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, zero, NULL,
	             true);
	dnsmsg_build_reply(&q, w, len, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech);
	rcache_put(c, &q, out, outlen, rcode, ans, nans, 10000000);
	is_int(rcache_get(c, &q, 10000001, r, sizeof(r), &rcode, &cans, &got), 0,
	       "TTL 0: never cached");
	free(out);
	dnsmsg_answers_free(ans, nans);
	free(w);
	rcache_free(c);
}

/* A validated answer: AD for a client that asks (DO, or AD in the query), set by
 * dnsmsg_set_ad and kept on replay only for a client that asks too. */
static void
test_ad(void)
{
	static const char *const one[] = { "www.example.com. 300 IN A 198.51.100.10", NULL };
	struct rcache *c = rcache_new(16);
	uint8_t p[600], r[DNSMSG_UDP_MIN], *out, *w;
	size_t n, len, outlen, nans, got;
	unsigned ech;
	struct dns_answer *ans;
	const struct dns_answer *cans;
	struct dnsq q, q2;
	int rcode = -1;

	w = mkanswer(&len, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, one, NULL,
	             true);
	n = mkquery(p, 0x1111, 0x0100, WWW, WWW_LEN, 1, 1232, 0, 1);   /* DO */
	dnsq_parse(p, n, &q);
	ok(dnsq_wants_ad(&q), "DO: wants AD");
	dnsmsg_build_reply(&q, w, len, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech);
	is_int(out[3] & 0x20, 0, "built: no AD until validated");
	dnsmsg_set_ad(&q, out, outlen);
	is_int(out[3] & 0x20, 0x20, "validated: AD");
	rcache_put(c, &q, out, outlen, rcode, ans, nans, 1000);
	n = mkquery(p, 0x2222, 0x0100, WWW, WWW_LEN, 1, 1232, 0, 1);
	dnsq_parse(p, n, &q2);
	ok(rcache_get(c, &q2, 2000, r, sizeof(r), &rcode, &cans, &got) == outlen &&
	   (r[3] & 0x20), "replayed for another DO client: AD kept");
	free(out);
	dnsmsg_answers_free(ans, nans);

	n = mkquery(p, 0x3333, 0x0100, WWW, WWW_LEN, 1, -1, 0, 0);     /* neither */
	dnsq_parse(p, n, &q);
	ok(!dnsq_wants_ad(&q), "no DO, no AD: does not want it");
	dnsmsg_build_reply(&q, w, len, 512, false, &out, &outlen, &rcode, &ans, &nans, &ech);
	dnsmsg_set_ad(&q, out, outlen);
	is_int(out[3] & 0x20, 0, "validated but not asked: no AD");
	free(out);
	dnsmsg_answers_free(ans, nans);

	n = mkquery(p, 0x4444, 0x0120, WWW, WWW_LEN, 1, -1, 0, 0);     /* AD in the query */
	dnsq_parse(p, n, &q);
	ok(dnsq_wants_ad(&q), "AD in the query: wants it");
	free(w);
	rcache_free(c);
}

int
main(void)
{
	test_rcache();
	test_ad();
	return done_testing();
}
