/* dnsech: the ech SvcParam removed from SVCB/HTTPS records, mandatory lists kept
 * consistent, unreadable parameter lists dropped, RRSIGs over a changed RRset dropped. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dnslog/dnsech.h"
#include "tap.h"

#define ECH_B64 "AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1" \
	"YmxpYy50bHMtZWNoLmRldgAA"

static ldns_rr *
rr_of(const char *text)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

/* The record's presentation form, without the owner/TTL/class/type columns. */
static char *
rdata_str(const ldns_rr *rr)
{
	static char buf[1024];
	char *s = ldns_rr2str(rr), *p = s;

	buf[0] = '\0';
	for (int tabs = 0; p && *p && tabs < 4; p++)
		if (*p == '\t')
			tabs++;
	if (p)
		snprintf(buf, sizeof(buf), "%s", p);
	buf[strcspn(buf, "\n")] = '\0';
	free(s);
	return buf;
}

/* An HTTPS record whose SvcParams are the raw bytes params (n), as an upstream may
 * send them: built from the wire, which ldns does not check beyond its length. */
static ldns_rr *
rr_raw(const uint8_t *params, size_t n)
{
	uint8_t w[512];
	size_t len = 0, pos = 0;
	ldns_rr *rr = NULL;

	w[len++] = 0;                           /* owner: the root */
	w[len++] = 0, w[len++] = 65;            /* HTTPS */
	w[len++] = 0, w[len++] = 1;             /* IN */
	w[len++] = 0, w[len++] = 0, w[len++] = 1, w[len++] = 0;
	w[len++] = (uint8_t)((3 + n) >> 8), w[len++] = (uint8_t)(3 + n);
	w[len++] = 0, w[len++] = 1, w[len++] = 0;  /* priority 1, target the root */
	memcpy(w + len, params, n);
	len += n;
	if (ldns_wire2rr(&rr, w, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

static void
test_strip_rr(void)
{
	ldns_rr *rr;

	rr = rr_of("a.example. HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.1 ech=" ECH_B64);
	ok(rr != NULL, "an HTTPS record with ech parses");
	is_int(dnsech_strip_rr(rr), DNSECH_STRIPPED, "ech: stripped");
	is_str(rdata_str(rr), "1 . alpn=h2,h3 ipv4hint=192.0.2.1", "the rest kept, in order");
	is_int(dnsech_strip_rr(rr), DNSECH_KEPT, "stripping again changes nothing");
	ldns_rr_free(rr);

	rr = rr_of("_dns.resolver.arpa. SVCB 1 dot.example. alpn=dot ech=" ECH_B64
	           " ipv6hint=2001:db8::1");
	is_int(dnsech_strip_rr(rr), DNSECH_STRIPPED, "SVCB too");
	is_str(rdata_str(rr), "1 dot.example. alpn=dot ipv6hint=2001:db8::1",
	       "the keys on either side of ech kept");
	ldns_rr_free(rr);

	rr = rr_of("a.example. HTTPS 1 . ech=" ECH_B64);
	is_int(dnsech_strip_rr(rr), DNSECH_STRIPPED, "ech alone: stripped");
	is_int((int)ldns_rr_rd_count(rr), 2, "no SvcParams field left");
	is_str(rdata_str(rr), "1 .", "priority and target");
	ldns_rr_free(rr);

	rr = rr_of("a.example. HTTPS 1 . mandatory=alpn,ech alpn=h2 ech=" ECH_B64);
	is_int(dnsech_strip_rr(rr), DNSECH_STRIPPED, "mandatory=alpn,ech: stripped");
	is_str(rdata_str(rr), "1 . mandatory=alpn alpn=h2", "ech out of mandatory too");
	ldns_rr_free(rr);

	rr = rr_of("a.example. HTTPS 1 . mandatory=ech port=8443 ech=" ECH_B64);
	is_int(dnsech_strip_rr(rr), DNSECH_STRIPPED, "mandatory=ech: stripped");
	is_str(rdata_str(rr), "1 . port=8443", "an empty mandatory goes whole");
	ldns_rr_free(rr);

	rr = rr_of("a.example. HTTPS 1 . alpn=h2 ipv4hint=192.0.2.1");
	is_int(dnsech_strip_rr(rr), DNSECH_KEPT, "no ech: kept");
	is_str(rdata_str(rr), "1 . alpn=h2 ipv4hint=192.0.2.1", "unchanged");
	ldns_rr_free(rr);

	rr = rr_of("a.example. HTTPS 0 b.example.");
	is_int(dnsech_strip_rr(rr), DNSECH_KEPT, "AliasMode: kept");
	ldns_rr_free(rr);

	rr = rr_of("a.example. A 192.0.2.1");
	is_int(dnsech_strip_rr(rr), DNSECH_KEPT, "another type: kept");
	ldns_rr_free(rr);
	rr = rr_of("a.example. TXT \"ech=" ECH_B64 "\"");
	is_int(dnsech_strip_rr(rr), DNSECH_KEPT, "a TXT that says ech: kept");
	ldns_rr_free(rr);
	is_int(dnsech_strip_rr(NULL), DNSECH_KEPT, "NULL: kept");
}

static void
test_malformed(void)
{
	static const struct {
		const char *what;
		uint8_t p[16];
		size_t n;
		int want;
	} cases[] = {
		{ "keys out of order (ech before alpn)", { 0, 5, 0, 1, 9, 0, 1, 0, 1, 'x' }, 10,
		  DNSECH_DROP },
		{ "ech twice", { 0, 5, 0, 1, 9, 0, 5, 0, 1, 9 }, 10, DNSECH_DROP },
		{ "a length past the end", { 0, 1, 0, 9, 2, 'h', '2' }, 7, DNSECH_DROP },
		{ "half a key", { 0, 1 }, 2, DNSECH_DROP },
		{ "mandatory of odd length", { 0, 0, 0, 1, 5, 0, 5, 0, 1, 9 }, 10, DNSECH_DROP },
		{ "empty mandatory", { 0, 0, 0, 0 }, 4, DNSECH_DROP },
		{ "an unknown key, no ech", { 0, 9, 0, 0 }, 4, DNSECH_KEPT },
		{ "an empty ech", { 0, 5, 0, 0 }, 4, DNSECH_STRIPPED },
		{ "mandatory lists ech, which is absent", { 0, 0, 0, 2, 0, 5 }, 6, DNSECH_KEPT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ldns_rr *rr = rr_raw(cases[i].p, cases[i].n);

		ok(rr != NULL, "%s: ldns takes it from the wire", cases[i].what);
		is_int(dnsech_strip_rr(rr), cases[i].want, "%s", cases[i].what);
		ldns_rr_free(rr);
	}
}

static ldns_rr_list *
list_of(const char *const *texts)
{
	ldns_rr_list *l = ldns_rr_list_new();

	for (; *texts; texts++)
		ldns_rr_list_push_rr(l, rr_of(*texts));
	return l;
}

static void
test_list(void)
{
	static const char *const signed_[] = {
		"a.example. HTTPS 1 . alpn=h2 ech=" ECH_B64,
		"a.example. RRSIG HTTPS 13 2 300 20300101000000 20200101000000 12345 example. "
		"dGVzdA==",
		"a.example. A 192.0.2.1",
		"a.example. RRSIG A 13 2 300 20300101000000 20200101000000 12345 example. dGVzdA==",
		"b.example. RRSIG HTTPS 13 2 300 20300101000000 20200101000000 12345 example. "
		"dGVzdA==",
		"b.example. HTTPS 1 . alpn=h3",
		NULL,
	};
	static const uint8_t bad[] = { 0, 5, 0, 1, 9, 0, 5, 0, 1, 9 };
	ldns_rr_list *l = list_of(signed_);

	is_int((int)ldns_rr_list_rr_count(l), 6, "six records");
	is_int((int)dnsech_strip_list(l), 1, "one record stripped");
	is_int((int)ldns_rr_list_rr_count(l), 5, "its RRSIG gone, nothing else");
	is_int(ldns_rr_get_type(ldns_rr_list_rr(l, 0)), LDNS_RR_TYPE_HTTPS, "order kept: HTTPS");
	is_int(ldns_rr_get_type(ldns_rr_list_rr(l, 1)), LDNS_RR_TYPE_A, "A");
	is_int(ldns_rr_get_type(ldns_rr_list_rr(l, 2)), LDNS_RR_TYPE_RRSIG, "A's RRSIG");
	is_int(ldns_rr_get_type(ldns_rr_list_rr(l, 3)), LDNS_RR_TYPE_RRSIG,
	       "b's RRSIG kept: b's HTTPS did not change");
	is_str(rdata_str(ldns_rr_list_rr(l, 0)), "1 . alpn=h2", "without ech");
	is_int((int)dnsech_strip_list(l), 0, "again: nothing to do");
	ldns_rr_list_deep_free(l);

	l = ldns_rr_list_new();
	ldns_rr_list_push_rr(l, rr_of("a.example. A 192.0.2.1"));
	ldns_rr_list_push_rr(l, rr_raw(bad, sizeof(bad)));
	ldns_rr_list_push_rr(l, rr_of("a.example. AAAA 2001:db8::1"));
	is_int((int)dnsech_strip_list(l), 1, "an unreadable HTTPS record counted");
	is_int((int)ldns_rr_list_rr_count(l), 2, "and dropped");
	is_int(ldns_rr_get_type(ldns_rr_list_rr(l, 1)), LDNS_RR_TYPE_AAAA, "the rest in order");
	ldns_rr_list_deep_free(l);

	is_int((int)dnsech_strip_list(NULL), 0, "NULL list: 0");
	l = ldns_rr_list_new();
	is_int((int)dnsech_strip_list(l), 0, "empty list: 0");
	ldns_rr_list_free(l);
}

int
main(void)
{
	test_strip_rr();
	test_malformed();
	test_list();
	return done_testing();
}
