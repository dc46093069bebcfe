/* report/suggest: the rules a window's findings suggest, the notes for what no rule can
 * expect, and suggest_covers, which the report's verdict asks: once the suggested rules
 * are added, every finding they were made from is covered. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain.h"
#include "report/suggest.h"
#include "tap.h"

#define F(kind, domain, ip, proto, port) \
	((struct suggest_finding){ kind, domain, ip, proto, "d", port })

/* Every rule, ';' after each, "!" before a commented-out one. */
static const char *
rules_of(const struct suggest *s, char *buf, size_t len)
{
	char line[RULES_LINELEN];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < suggest_rule_count(s) && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s;", *suggest_rule_warning(s, i) ? "!" :
		                      "", suggest_rule_text(s, i, line));
	return buf;
}

static bool
has_note(const struct suggest *s, const char *want)
{
	for (int i = 0; i < suggest_note_count(s); i++)
		if (strcmp(suggest_note(s, i), want) == 0)
			return true;
	return false;
}

static void
test_base(void)
{
	char b[64];

	domain_base("a.b.api.telegram.org.", b, sizeof(b));
	is_str(b, "telegram.org", "domain_base: the last two labels, no final dot");
	domain_base("x.Evil.co.uk", b, sizeof(b));
	is_str(b, "evil.co.uk", "domain_base: three under a co.uk-like suffix, lower case");
}

static void
test_covers(void)
{
	struct rules *rs = rules_new();
	char err[200];
	struct suggest_finding sni = { "sni-mismatch", "www.example.com", "198.51.100.10", "tcp",
	                               "the TLS handshake asked for www.example.com, a name "
	                               "outside the expected set; ...", 443 };
	struct suggest_finding sni2 = sni;

	rules_parse_list(rs, "api.telegram.org tcp/443, *.cdn.example udp/123, www.example.com",
	                 err, sizeof(err));
	ok(suggest_covers(rs, &F("unexpected-domain", "www.example.com", NULL, NULL, -1)),
	   "a name a rule names is covered");
	ok(!suggest_covers(rs, &F("unexpected-domain", "evil.example", NULL, NULL, -1)),
	   "another is not");
	ok(suggest_covers(rs, &F("unexpected-domain", "*.cdn.example", NULL, NULL, -1)),
	   "a folded *.domain finding: by a wildcard rule");
	ok(!suggest_covers(rs, &F("unexpected-domain", "*.example", NULL, NULL, -1)),
	   "not by a narrower one");
	ok(suggest_covers(rs, &F("unexpected-destination", "a.cdn.example", "198.51.100.5",
	                         "udp", 123)), "a name on its rule's port");
	ok(!suggest_covers(rs, &F("unexpected-destination", "www.example.com", "198.51.100.10",
	                          "tcp", 443)), "not on a port its rule lacks");
	ok(!suggest_covers(rs, &F("unexpected-port", "api.telegram.org", NULL, NULL, -1)),
	   "a folded finding without a port: not covered");
	ok(!suggest_covers(rs, &F("direct-ip", NULL, "203.0.113.9", "tcp", 443)),
	   "direct-ip never");
	ok(!suggest_covers(rs, &F("canary", "www.example.com", NULL, NULL, -1)), "canary never");
	ok(suggest_covers(rs, &sni), "sni-mismatch for a name outside the set: by its rule");
	sni2.detail = "... a name the VM did not resolve this address from ...";
	ok(!suggest_covers(rs, &sni2), "not the one for an address not resolved from it");
	ok(!suggest_covers(NULL, &F("unexpected-domain", "www.example.com", NULL, NULL, -1)),
	   "no rules: nothing covered");
	rules_free(rs);
}

static void
test_suggest(void)
{
	struct rules *cur = rules_new(), *applied;
	struct suggest_finding in[64];
	char err[200], buf[2000], names[20][64];
	int n = 0;
	struct suggest *s;

	rules_parse_list(cur, "api.telegram.org tcp/443", err, sizeof(err));
	in[n++] = F("unexpected-domain", "www.example.com", NULL, NULL, -1);
	in[n++] = F("unexpected-destination", "www.example.com", "198.51.100.10", "tcp", 8443);
	in[n++] = F("unexpected-destination", "www.example.com", "198.51.100.10", "udp", 443);
	in[n++] = F("unexpected-port", "api.telegram.org", "198.51.100.2", "tcp", 80);
	in[n++] = F("unexpected-domain", "api.telegram.org", NULL, NULL, -1);  /* covered */
	in[n++] = F("direct-ip", NULL, "203.0.113.9", "tcp", 443);
	in[n++] = F("dns-bypass", NULL, "198.51.100.53", "udp", 53);
	/* a tunnel: its names folded, and the detector's finding */
	in[n++] = F("unexpected-domain", "*.tunnel.example", NULL, NULL, -1);
	in[n++] = F("dns-tunnel", "tunnel.example", NULL, NULL, -1);
	/* a canary, also reached: never a rule */
	in[n++] = F("canary", "k7q2m9xw4hd3.bait.example", NULL, NULL, -1);
	in[n++] = F("unexpected-destination", "k7q2m9xw4hd3.bait.example", "198.51.100.8",
	            "tcp", 443);
	/* nine names of one domain, each reached on udp/123: one wildcard */
	for (int i = 0; i < DOMAIN_FOLD_NAMES + 1; i++) {
		snprintf(names[i], sizeof(names[i]), "ntp%d.cdn.example", i);
		in[n++] = F("unexpected-destination", names[i], "198.51.100.30", "udp", 123);
	}
	/* a few names of another: each on its own */
	in[n++] = F("unexpected-domain", "a.few.example", NULL, NULL, -1);
	in[n++] = F("unexpected-domain", "b.few.example", NULL, NULL, -1);
	in[n++] = F("sensor", "nflog", NULL, NULL, -1);

	s = suggest_new(cur);
	for (int i = 0; i < n; i++)
		suggest_add(s, &in[i]);
	is_int(suggest_finish(s), 0, "finish");
	is_str(rules_of(s, buf, sizeof(buf)),
	       "www.example.com tcp/8443 udp/443;api.telegram.org tcp/80;*.cdn.example udp/123;"
	       "a.few.example;b.few.example;!*.tunnel.example;",
	       "rules: one per name with its ports, a wildcard for many names, a tunnel's only "
	       "commented out");
	ok(strstr(suggest_rule_warning(s, suggest_rule_count(s) - 1), "dns-tunnel") != NULL,
	   "the tunnel's wildcard says why");
	ok(has_note(s, "203.0.113.9 tcp/443: no name, cannot be expected by a rule"),
	   "direct-ip: a note");
	ok(has_note(s, "198.51.100.53 udp/53: DNS to a server other than oc-audit's resolver "
	            "(dns-bypass): no rule can expect it"), "dns-bypass: a note");
	ok(has_note(s, "*.tunnel.example: tunnel-like labels (dns-tunnel): no rule can expect it"),
	   "dns-tunnel: a note");
	ok(has_note(s, "k7q2m9xw4hd3.bait.example: a canary name: never expected"),
	   "canary: a note, and no rule");
	ok(!strstr(buf, "bait"), "no rule names the canary");

	/* applied: every finding a name rule can expect is covered, the rest are not */
	applied = rules_dup(cur);
	for (int i = 0; i < suggest_rule_count(s); i++) {
		struct rule r;
		char line[RULES_LINELEN];

		if (*suggest_rule_warning(s, i))
			continue;
		rules_parse_one(suggest_rule_text(s, i, line), &r, err, sizeof(err));
		rules_add(applied, &r, err, sizeof(err));
	}
	int left = 0;
	for (int i = 0; i < n; i++)
		left += !suggest_covers(applied, &in[i]);
	/* direct-ip, dns-bypass, the tunnel's two, the canary's two, sensor */
	is_int(left, 7, "applied: every other finding covered");
	rules_free(applied);
	suggest_free(s);

	s = suggest_new(NULL);
	suggest_finish(s);
	is_int(suggest_rule_count(s) + suggest_note_count(s), 0, "no finding: nothing");
	suggest_free(s);
	rules_free(cur);
}

int
main(void)
{
	test_base();
	test_covers();
	test_suggest();
	return done_testing();
}
