/* The expectation rules (common/rules.c) and how the configuration builds the effective
 * set from expect, expected_domains x expected_ports and rules_file (common/conf.c). */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/rules.h"
#include "tap.h"

static void
test_match(void)
{
	ok(rules_name_match("api.telegram.org", "api.telegram.org"), "exact");
	ok(rules_name_match("api.telegram.org", "API.Telegram.ORG"), "case-insensitive");
	ok(rules_name_match("api.telegram.org", "api.telegram.org."), "final dot ignored");
	ok(!rules_name_match("api.telegram.org", "x.api.telegram.org"), "exact is not subdomains");
	ok(!rules_name_match("api.telegram.org", "api.telegram.org.evil.com"), "no prefix match");
	ok(!rules_name_match("api.telegram.org", "eapi.telegram.org"), "no suffix match");
	ok(rules_name_match("*.example.com", "a.example.com"), "wildcard: subdomain");
	ok(rules_name_match("*.example.com", "a.b.Example.com."), "wildcard: deeper, case, dot");
	ok(!rules_name_match("*.example.com", "example.com"), "wildcard: not the apex");
	ok(!rules_name_match("*.example.com", "badexample.com"), "wildcard: label boundary");
	ok(rules_name_match("xn--bcher-kva.example", "XN--BCHER-KVA.example"), "punycode as is");
	ok(!rules_name_match("api.telegram.org", "api.telegram.org\\000"), "NUL escape differs");
	ok(!rules_name_match("api.telegram.org", "api.telegram.org\\."), "escaped final dot");
}

static void
test_parse(void)
{
	struct rules *rs = rules_new();
	struct rule r;
	char err[300], line[RULES_LINELEN];

	ok(rules_parse_one("API.Telegram.org. tcp/443 UDP/443 tcp/443", &r, err, sizeof(err)) == 0,
	   "one rule parses");
	is_str(r.name, "api.telegram.org", "name normalised");
	is_int(r.n_ports, 2, "a repeated pair counts once");
	is_str(rules_format(&r, line, sizeof(line)), "api.telegram.org tcp/443 udp/443",
	       "formatted back");
	ok(rules_parse_one("status.example.org", &r, err, sizeof(err)) == 0 && r.n_ports == 0,
	   "a name alone: resolving only");
	ok(rules_parse_one("bad..name tcp/443", &r, err, sizeof(err)) < 0 &&
	   strstr(err, "bad..name"), "bad name named: %s", err);
	ok(rules_parse_one("x.example icmp/1", &r, err, sizeof(err)) < 0 &&
	   strstr(err, "icmp/1"), "bad proto named: %s", err);
	ok(rules_parse_one("x.example tcp/0", &r, err, sizeof(err)) < 0, "port 0");
	ok(rules_parse_one("x.example tcp/65536", &r, err, sizeof(err)) < 0, "port 65536");
	ok(rules_parse_one("x.example tcp/44x", &r, err, sizeof(err)) < 0, "port with junk");
	ok(rules_parse_one("x.example tcp/", &r, err, sizeof(err)) < 0, "no port");
	ok(rules_parse_one("   ", &r, err, sizeof(err)) < 0, "no name");
	ok(rules_parse_one("*.example tcp/1 tcp/2 tcp/3 tcp/4 tcp/5 tcp/6 tcp/7 tcp/8 tcp/9 "
	                   "tcp/10 tcp/11 tcp/12 tcp/13 tcp/14 tcp/15 tcp/16 tcp/17", &r, err,
	                   sizeof(err)) < 0, "more than 16 pairs: %s", err);

	ok(rules_parse_list(rs, "api.telegram.org tcp/443, openrouter.ai tcp/443,"
	                    " *.pool.ntp.org udp/123, ,", err, sizeof(err)) == 0, "the issue's list");
	is_int(rs->n, 3, "three rules");
	ok(rules_expected(rs, "api.telegram.org", IPPROTO_TCP, 443), "telegram on tcp/443");
	ok(!rules_expected(rs, "api.telegram.org", IPPROTO_UDP, 123), "telegram not on udp/123");
	ok(rules_expected(rs, "0.debian.pool.ntp.org", IPPROTO_UDP, 123), "ntp subdomain udp/123");
	ok(!rules_expected(rs, "pool.ntp.org", IPPROTO_UDP, 123), "ntp apex not covered");
	ok(!rules_expected(rs, "0.pool.ntp.org", IPPROTO_TCP, 443), "ntp not on tcp/443");
	ok(rules_name_expected(rs, "1.pool.ntp.org"), "ntp names expected");
	ok(!rules_name_expected(rs, "evil.example"), "others not");
	ok(!rules_expected(rs, "api.telegram.org", IPPROTO_TCP, -1), "no port: never expected");

	/* merging: one rule per name, ports added */
	ok(rules_parse_list(rs, "openrouter.ai udp/443, api.telegram.org", err, sizeof(err)) == 0,
	   "more rules for the same names");
	is_int(rs->n, 3, "still three rules");
	ok(rules_expected(rs, "openrouter.ai", IPPROTO_UDP, 443) &&
	   rules_expected(rs, "openrouter.ai", IPPROTO_TCP, 443), "ports merged");
	ok(rules_parse_list(rs, "a.example tcp/1, b..example tcp/2", err, sizeof(err)) < 0 &&
	   strstr(err, "b..example"), "a bad rule in a list is named: %s", err);

	/* both an exact rule and a wildcard for one name: either may allow it */
	ok(rules_parse_list(rs, "*.telegram.org tcp/80", err, sizeof(err)) == 0, "wildcard added");
	ok(rules_expected(rs, "api.telegram.org", IPPROTO_TCP, 80) &&
	   rules_expected(rs, "api.telegram.org", IPPROTO_TCP, 443), "exact and wildcard both count");

	struct rules *d = rules_dup(rs);
	ok(d && d->n == rs->n && rules_expected(d, "openrouter.ai", IPPROTO_UDP, 443), "dup");
	rules_free(d);
	rules_free(rs);
}

struct errs { int n; int line[8]; char text[8][128]; };

static void
on_error(void *ctx, int line, const char *text, const char *why)
{
	struct errs *e = ctx;

	(void)why;
	if (e->n < 8) {
		e->line[e->n] = line;
		snprintf(e->text[e->n], sizeof(e->text[0]), "%s", text);
	}
	e->n++;
}

static void
test_text(void)
{
	static const char text[] =
		"# rules of the watch week\n"
		"api.telegram.org tcp/443   # the bot\n"
		"\n"
		"   *.pool.ntp.org udp/123\n"
		"bad..name tcp/443\n"
		"x.example tcp/99999 # a typo\n"
		"last.example tcp/8443";      /* no final newline */
	struct rules *rs = rules_new();
	struct errs e = { 0 };
	char nul[] = "a.example tcp/1\nb.ex\0ample tcp/2\n";

	is_int(rules_parse_text(rs, text, sizeof(text) - 1, on_error, &e), 2, "two bad lines");
	is_int(rs->n, 3, "three good rules");
	is_int(e.line[0], 5, "first bad line's number");
	is_str(e.text[0], "bad..name tcp/443", "and its text");
	is_int(e.line[1], 6, "second bad line's number");
	is_str(e.text[1], "x.example tcp/99999 # a typo", "given as written, comment and all");
	ok(rules_expected(rs, "last.example", IPPROTO_TCP, 8443), "a last line without newline");
	memset(&e, 0, sizeof(e));
	is_int(rules_parse_text(rs, nul, sizeof(nul) - 1, on_error, &e), 1, "a NUL byte: bad line");
	is_int(e.line[0], 2, "on line 2");
	rules_free(rs);
}

static void
test_canary(void)
{
	struct rules *rs = rules_new();
	char err[300];

	ok(rules_parse_canaries(rs, "*.bait.example.org, backup-key.example.net", err,
	                        sizeof(err)) == 0, "canaries parse");
	is_str(rules_canary(rs, "q7x.Bait.example.org."), "*.bait.example.org", "under a pattern");
	is_str(rules_canary(rs, "backup-key.example.net"), "backup-key.example.net", "exact");
	ok(!rules_canary(rs, "bait.example.org"), "the pattern's apex is not one");
	ok(!rules_canary(rs, "api.telegram.org"), "others are not");
	ok(rules_parse_canaries(rs, "bad name", err, sizeof(err)) < 0, "a bad canary");

	uint8_t rnd[RULES_CANARY_RANDOM] = { 1, 2, 3, 4, 5, 6, 7, 8 }, zero[RULES_CANARY_RANDOM] = { 0 };
	char name[300], other[300];
	ok(rules_canary_make("*.Bait.example.org", rnd, name, sizeof(name)) == 0, "canary made");
	is_int(strlen(name), 12 + strlen(".bait.example.org"), "a 12-letter label");
	ok(strcmp(name + 12, ".bait.example.org") == 0, "under the pattern's domain: %s", name);
	is_str(rules_canary(rs, name), "*.bait.example.org", "and a canary of the set");
	ok(strspn(name, "abcdefghijklmnopqrstuvwxyz234567") == 12, "label of a-z, 2-7");
	rules_canary_make("bait.example.org", zero, other, sizeof(other));
	ok(strcmp(name, other) != 0, "other bytes, another name");
	ok(rules_canary_make("bad..name", rnd, name, sizeof(name)) < 0, "a bad domain");
	ok(rules_canary_make("bait.example.org", rnd, name, 20) < 0, "too small a buffer");
	rules_free(rs);
}

static char path[] = "/tmp/oca-test-rules-XXXXXX";

static void
write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	fputs(text, f);
	fclose(f);
}

static int
has_error(struct conf *c, const char *needle)
{
	for (int i = 0; i < conf_error_count(c); i++)
		if (strstr(conf_error(c, i), needle))
			return 1;
	return 0;
}

static void
test_conf(void)
{
	struct conf *c = conf_new();
	char rules_path[64], set[128];
	int fd = mkstemp(path);

	close(fd);
	snprintf(rules_path, sizeof(rules_path), "%s.rules", path);

	/* defaults: the two names on tcp/443, as before */
	is_int(c->rules->n, 2, "defaults: two rules");
	ok(rules_expected(c->rules, "openrouter.ai", IPPROTO_TCP, 443), "default openrouter.ai");
	ok(!rules_expected(c->rules, "openrouter.ai", IPPROTO_UDP, 443), "not udp/443");
	ok(!rules_name_expected(c->rules, "telegram.org"), "default set: not telegram.org");
	conf_free(c);

	/* expect alone: the defaults of expected_domains do not widen it */
	c = conf_new();
	write_file(path, "[policy]\nexpect = *.pool.ntp.org udp/123, api.telegram.org tcp/443\n");
	is_int(conf_load_file(c, path), 0, "expect loads");
	is_int(c->rules->n, 2, "expect alone: its two rules");
	ok(!rules_name_expected(c->rules, "openrouter.ai"), "no default names with expect");
	conf_free(c);

	/* expect and expected_domains given: each name of the old keys on each port */
	c = conf_new();
	write_file(path, "[policy]\nexpect = a.example tcp/80\nexpected_domains = b.example, "
	           "c.example\nexpected_ports = tcp/443, udp/443\n");
	is_int(conf_load_file(c, path), 0, "both load");
	is_int(c->rules->n, 3, "one rule per name");
	ok(rules_expected(c->rules, "c.example", IPPROTO_UDP, 443) &&
	   rules_expected(c->rules, "b.example", IPPROTO_TCP, 443), "old keys: every pair");
	ok(!rules_expected(c->rules, "a.example", IPPROTO_TCP, 443), "expect's rule is precise");
	conf_free(c);

	/* a rules file: read by conf_check, its errors name file, line and rule */
	c = conf_new();
	write_file(rules_path, "# ok\nfile.example tcp/8443\nbroken rule here\n");
	snprintf(set, sizeof(set), "policy.rules_file=%s", rules_path);
	is_int(conf_set(c, set), 0, "rules_file set");
	ok(conf_check(c) > 0, "a bad rule is an error");
	ok(has_error(c, ":3: rule 'broken rule here':"), "file:line: rule 'text' named");
	ok(has_error(c, rules_path), "the file named");
	conf_free(c);

	c = conf_new();
	write_file(rules_path, "file.example tcp/8443\n");
	conf_set(c, set);
	is_int(conf_check(c), 0, "a good rules file");
	is_int(c->rules->n, 1, "rules_file alone: only its rule");
	ok(rules_expected(c->rules, "file.example", IPPROTO_TCP, 8443), "the file's rule");
	conf_free(c);

	c = conf_new();
	unlink(rules_path);
	conf_set(c, set);
	is_int(conf_check(c), 0, "a rules file that does not exist yet: no error");
	is_int(conf_warning_count(c), 1, "but a warning");
	is_int(c->rules->n, 0, "and no rules");
	conf_free(c);

	c = conf_new();
	is_int(conf_set(c, "policy.expect=good.example tcp/1, bad..example"), 1,
	       "a bad expect is an error");
	ok(has_error(c, "policy.expect: rule 'bad..example'"), "naming the rule");
	conf_free(c);
	unlink(path);
}

int
main(void)
{
	test_match();
	test_parse();
	test_text();
	test_canary();
	test_conf();
	return done_testing();
}
