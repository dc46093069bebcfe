#include "config.h"

#include <netinet/in.h>

#include "collector/attrib.h"
#include "common/conf.h"
#include "collector/policy.h"
#include "tap.h"

#define S(x) ((int64_t)(x) * 1000000)

static void
test_match(void)
{
	ok(policy_is_dns_port(IPPROTO_UDP, 53) && policy_is_dns_port(IPPROTO_TCP, 853) &&
	   policy_is_dns_port(IPPROTO_UDP, 853) && !policy_is_dns_port(IPPROTO_TCP, 443),
	   "DNS, DoT and DoQ ports");
}

static void
test_base(void)
{
	char b[256];

	policy_base_domain("a.b.api.telegram.org.", b, sizeof(b));
	is_str(b, "telegram.org", "base of a deep name");
	policy_base_domain("x.Evil.co.uk", b, sizeof(b));
	is_str(b, "evil.co.uk", "co.uk heuristic");
	policy_base_domain("localhost", b, sizeof(b));
	is_str(b, "localhost", "single label");
	ok(policy_entropy("aaaaaaaa", 8) < 0.01, "no entropy");
	ok(policy_entropy("q8x2kz7vn4m1p0w9r5t3y6u2", 24) > 4.0, "random label");
}

static void
test_tunnel(void)
{
	struct tunnel_limits lim = { 5, 40, 3 };
	struct tunnel *t = tunnel_new(&lim);
	char base[256], why[300], name[300];
	int hits = 0;

	ok(!tunnel_check(t, "api.telegram.org", 1, S(0), base, 256, why, 300), "normal name");
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "n%d.tun.example", i);
		hits += tunnel_check(t, name, 1, S(i), base, 256, why, 300);
	}
	is_int(hits, 3, "distinct labels: flagged past the limit of 5");
	is_str(base, "tun.example", "registered domain");
	ok(tunnel_check(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x.example", 1, S(9),
	                base, 256, why, 300), "long label");
	ok(tunnel_check(t, "q8x2kz7vn4m1p0w9r5t3y6u2.y.example", 1, S(9), base, 256, why, 300),
	   "random label");
	hits = 0;
	for (int i = 0; i < 5; i++)
		hits += tunnel_check(t, "t.txt.example", 16, S(10 + i), base, 256, why, 300);
	is_int(hits, 2, "TXT volume past 3");
	ok(!tunnel_check(t, "n9.tun.example", 1, S(4000), base, 256, why, 300),
	   "counts start again the next hour");
	for (int i = 10; i < 14; i++) {  /* 5 distinct names in this hour: at the limit */
		snprintf(name, sizeof(name), "n%d.tun.example", i);
		tunnel_check(t, name, 1, S(4001), base, 256, why, 300);
	}
	tunnel_check(t, "late.other.example", 1, S(3500), base, 256, why, 300);
	ok(tunnel_check(t, "n20.tun.example", 1, S(4002), base, 256, why, 300),
	   "a late answer from the hour before does not reset the new hour's counts");
	hits = 0;
	for (int i = 0; i < 3100; i++) {
		snprintf(name, sizeof(name), "d%d.example%d.com", i, i);
		hits += tunnel_check(t, name, 1, S(4100), base, 256, why, 300);
	}
	ok(hits > 0 && strstr(why, "registered domains") != NULL,
	   "filling the table is flagged, not a way around the detector (%d)", hits);
	ok(tunnel_check(t, "x.fresh.net", 16, S(4101), base, 256, why, 300),
	   "a new domain after the spray is still flagged");
	tunnel_free(t);
}

static void
test_attrib(void)
{
	struct attrib *a = attrib_new(4);
	struct netaddr vm, vm2, ip, ip6;
	struct attrib_result r;

	netaddr_parse("192.168.83.2", &vm);
	netaddr_parse("192.168.83.3", &vm2);
	netaddr_parse("149.154.167.220", &ip);
	netaddr_parse("2001:67c:4e8:f004::9", &ip6);
	attrib_lookup(a, &vm, &ip, S(100), S(10), &r);
	is_int(r.state, ATTRIB_NONE, "nothing known: none");

	attrib_add(a, &vm, &ip, "api.telegram.org", 7, S(100), 60);
	attrib_lookup(a, &vm, &ip, S(150), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.n == 1 && r.c[0].query_id == 7, "within TTL: valid");
	attrib_lookup(a, &vm, &ip, S(165), S(10), &r);
	is_int(r.state, ATTRIB_VALID, "within grace: valid");
	attrib_lookup(a, &vm, &ip, S(200), S(10), &r);
	ok(r.state == ATTRIB_STALE && r.n == 1, "past TTL + grace: stale, name kept");
	attrib_lookup(a, &vm2, &ip, S(150), S(10), &r);
	is_int(r.state, ATTRIB_NONE, "another client was not given it");

	attrib_add(a, &vm, &ip, "cdn.example", 8, S(140), 600);
	attrib_lookup(a, &vm, &ip, S(150), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.n == 2, "shared IP keeps both names");
	is_str(r.c[0].name, "cdn.example", "newest answer first");
	attrib_lookup(a, &vm, &ip, S(300), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.n == 1, "only still-valid names when any is valid");
	is_str(r.c[0].name, "cdn.example", "the valid one");

	attrib_add(a, &vm, &ip, "api.telegram.org", 9, S(290), 60);
	attrib_lookup(a, &vm, &ip, S(300), S(10), &r);
	is_int(r.n, 2, "refreshed answer valid again");

	attrib_add(a, &vm, &ip6, "api.telegram.org", 10, S(300), 60);
	attrib_lookup(a, &vm, &ip6, S(310), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.c[0].query_id == 10, "IPv6");

	for (int i = 0; i < 12; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.example", i);
		attrib_add(a, &vm, &ip, name, 100 + i, S(400 + i), 60);
	}
	attrib_lookup(a, &vm, &ip, S(412), S(10), &r);
	is_int(r.n, ATTRIB_MAX_NAMES, "at most %d names per address", ATTRIB_MAX_NAMES);

	for (int i = 0; i < 20; i++) {
		struct netaddr x;
		char s[32];
		snprintf(s, sizeof(s), "10.0.0.%d", i);
		netaddr_parse(s, &x);
		attrib_add(a, &vm, &x, "many.example", 200 + i, S(1000 + i), 60);
	}
	ok(attrib_size(a) <= 5, "bounded: %zu pairs held for a cap of 4", attrib_size(a));
	attrib_free(a);
}

int
main(void)
{
	test_match();
	test_base();
	test_tunnel();
	test_attrib();
	return done_testing();
}
