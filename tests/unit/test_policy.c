#include "config.h"

#include <netinet/in.h>

#include "common/conf.h"
#include "common/domain.h"
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

	domain_base("a.b.api.telegram.org.", b, sizeof(b));
	is_str(b, "telegram.org", "base of a deep name");
	domain_base("x.Evil.co.uk", b, sizeof(b));
	is_str(b, "evil.co.uk", "co.uk heuristic");
	domain_base("localhost", b, sizeof(b));
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

int
main(void)
{
	test_match();
	test_base();
	test_tunnel();
	return done_testing();
}
