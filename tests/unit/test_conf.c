#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "tap.h"

static char path[] = "/tmp/oca-test-conf-XXXXXX";

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

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
collect_changed(void *ctx, const char *section, const char *name)
{
	char *buf = ctx;
	size_t n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s%s.%s", n ? " " : "", section, name);
}

/* What a SIGHUP compares: the keys whose values differ, in the table's order. */
static void
test_each_changed(void)
{
	struct conf *a = conf_new(), *b = conf_new();
	char changed[256] = "";

	conf_each_changed(a, b, collect_changed, changed);
	is_str(changed, "", "two defaults: nothing changed");
	conf_set(b, "policy.expected_domains=api.telegram.org, www.example.com");
	conf_set(b, "dns.rate_limit=100");
	conf_set(b, "collector.user=nobody");
	conf_set(a, "web.token_file=");   /* the same value, given */
	conf_each_changed(a, b, collect_changed, changed);
	is_str(changed, "collector.user dns.rate_limit policy.expected_domains",
	       "the changed keys, in the table's order");
	is_str(b->user, "nobody", "collector.user");
	is_int(conf_set(b, "collector.user=a/b"), 1, "collector.user: not a user name");
	is_int(conf_set(b, "collector.user="), 1, "collector.user: empty");
	conf_free(a);
	conf_free(b);
}

static bool
pick_dns(void *ctx, const char *section, const char *name)
{
	(void)ctx;
	(void)name;
	return strcmp(section, "dns") == 0;
}

/* A reload keeps the restart-only keys' values from the start. */
static void
test_copy_keys(void)
{
	struct conf *start = conf_new(), *n = conf_new();
	char changed[256] = "";

	conf_set(start, "dns.forward=198.51.100.2, 198.51.100.3@5353");
	conf_set(n, "dns.rate_limit=100");
	conf_set(n, "policy.expected_domains=www.example.com");
	conf_copy_keys(n, start, pick_dns, NULL);
	is_int(conf_error_count(n), 0, "copied without a problem");
	is_int(n->n_forward, 2, "dns.forward copied");
	is_int(n->forward[1].port, 5353, "... with its port");
	is_int(n->dns_rate_limit, 200, "dns.rate_limit back to the start's");
	is_int(n->n_expected_domains, 1, "policy.expected_domains not copied");
	conf_each_changed(start, n, collect_changed, changed);
	is_str(changed, "policy.expected_domains", "only what was not copied differs");
	conf_free(start);
	conf_free(n);
}

int
main(void)
{
	struct conf *c = conf_new();
	char out[CONF_MAX_NAME];
	int fd = mkstemp(path);

	close(fd);
	is_int(conf_error_count(c), 0, "every default validates");
	is_int(c->nflog_group, 7, "default group 7");
	is_int(c->dnssec, 1, "DNSSEC validation on by default");
	is_str(c->trust_anchor_file, "/usr/share/dns/root.key", "the system's root key");
	is_int(conf_set(c, "dns.dnssec=No"), 0, "dnssec = No");
	is_int(c->dnssec, 0, "off");
	is_int(conf_set(c, "dns.dnssec=true"), 0, "dnssec = true");
	is_int(c->dnssec, 1, "on");
	is_int(conf_set(c, "dns.dnssec=maybe"), 1, "dnssec = maybe: an error");
	ok(has_error(c, "dns.dnssec: 'maybe' is neither yes nor no"), "named");
	conf_free(c);
	c = conf_new();
	is_int(c->n_expected_domains, 2, "two expected domains by default");
	is_str(c->expected_domains[0], "api.telegram.org", "first expected domain");
	is_int(c->n_forward, 2, "two forwarders by default");
	is_int(c->dns_port, 53, "dns port");
	is_int(c->web_port, 8383, "web port");
	is_int(c->expected_ports[0].proto, IPPROTO_TCP, "tcp/443 proto");
	is_int(c->expected_ports[0].port, 443, "tcp/443 port");
	conf_free(c);

	write_file("[collector]\n"
	           "database = /tmp/x.db\n"
	           "nflog_group = 9 ; inline comment\n"
	           "[policy]\n"
	           "expected_domains = API.Telegram.org., *.Example.COM\n"
	           "watch_start = 2026-11-28T00:00:00Z\n"
	           "[dns]\n"
	           "forward = 198.51.100.2@5353\n"
	           "listen =\n");
	c = conf_new();
	is_int(conf_load_file(c, path), 0, "good file loads");
	is_str(c->database, "/tmp/x.db", "database");
	is_int(c->nflog_group, 9, "group with inline comment");
	is_str(c->expected_domains[0], "api.telegram.org", "lower case, final dot dropped");
	is_str(c->expected_domains[1], "*.example.com", "wildcard kept");
	ok(c->watch_start_us > 0, "watch_start parsed");
	is_int(c->n_forward, 1, "one forwarder");
	is_int(c->forward[0].port, 5353, "forwarder port");
	is_int(c->dns_addr.family, 0, "empty listen = off");
	conf_free(c);

	write_file("[collector]\n"
	           "nflog_group = 70000\n"
	           "vm_subnet = 192.168.83.1/24\n"
	           "colour = blue\n"
	           "[nope]\n"
	           "x = 1\n"
	           "[policy]\n"
	           "expected_ports = tcp/443, icmp/1\n"
	           "watch_start = tomorrow\n"
	           "expected_domains = bad..name\n"
	           "[alerts]\n"
	           "telegram_api_base = ftp://x\n");
	c = conf_new();
	is_int(conf_load_file(c, path), 8, "every problem is found, not just the first");
	ok(has_error(c, ":2: collector.nflog_group:"), "bad number names line and key");
	ok(has_error(c, ":3: collector.vm_subnet:"), "bad CIDR named");
	ok(has_error(c, ":4: collector.colour: unknown key"), "unknown key named");
	ok(has_error(c, ":6: [nope] is not a known section"), "unknown section named");
	ok(has_error(c, ":8: policy.expected_ports:"), "bad port named");
	ok(has_error(c, ":9: policy.watch_start:"), "bad time named");
	ok(has_error(c, ":10: policy.expected_domains:"), "bad domain named");
	ok(has_error(c, ":12: alerts.telegram_api_base:"), "bad URL named");
	ok(strncmp(conf_error(c, 0), path, strlen(path)) == 0, "errors start with the file name");
	conf_free(c);

	/* the bot token is in the URL: http:// only to loopback */
	c = conf_new();
	ok(conf_set(c, "alerts.telegram_api_base=http://198.51.100.5:8081") == 1 &&
	   has_error(c, "loopback"), "http:// to another host refused");
	ok(conf_set(c, "alerts.telegram_api_base=http://127.0.0.1:8081") == 0 &&
	   conf_set(c, "alerts.telegram_api_base=http://[::1]:8081/") == 0 &&
	   conf_set(c, "alerts.telegram_api_base=http://localhost") == 0,
	   "http:// to loopback accepted");
	ok(conf_set(c, "alerts.telegram_api_base=http://127.0.0.1.evil.example/") == 1 &&
	   conf_set(c, "alerts.telegram_api_base=http://[::1.evil]/") == 1,
	   "names that only start like loopback refused");
	ok(conf_set(c, "alerts.telegram_api_base=https://api.telegram.example") == 0,
	   "https:// anywhere");
	conf_free(c);

	write_file("[collector\nfoo\n");
	c = conf_new();
	ok(conf_load_file(c, path) >= 1 && has_error(c, "syntax error"), "syntax error reported");
	conf_free(c);

	/* a line longer than inih's buffer: one problem on its line, no value cut short,
	 * and the lines after it counted right */
	{
		char text[600];
		int n = snprintf(text, sizeof(text), "[alerts]\nwebhook_url = https://example.com/");

		memset(text + n, 'a', 300);
		snprintf(text + n + 300, sizeof(text) - (size_t)n - 300,
		         "?token=x\n[dns]\nrate_limit = nope\n");
		write_file(text);
		c = conf_new();
		is_int(conf_load_file(c, path), 2, "a long line and a bad value after it: two problems");
		ok(has_error(c, ":2: line longer than"), "the long line named");
		ok(has_error(c, ":4: dns.rate_limit:"), "the lines after it counted right");
		is_str(c->webhook_url, "", "no value cut short");
		conf_free(c);
	}

	/* what inih reads in ways an operator would not mean: an indented line continuing a
	 * value (it would replace it), and ";" right after the "=" (a value, not a note) */
	{
		static const char text[] = "[policy]\n"
		                           "expected_domains = api.telegram.org\n"
		                           "  openrouter.ai\n"
		                           "[collector]\n"
		                           "pcap_interface =; none here\n";

		c = conf_new();
		is_int(conf_load_buffer(c, "cont", text, strlen(text)), 1,
		       "a continued value: one problem");
		ok(has_error(c, "cont:3: policy.expected_domains: an indented line continues"),
		   "the continuation named");
		is_int(c->n_expected_domains, 1, "the value as given on its own line");
		is_str(c->pcap_interface, "", "\"=; note\" is the empty value");
		conf_free(c);
	}

	/* INI text from a buffer: no final newline needed, problems named as given */
	{
		static const char text[] = "[collector]\nnflog_group = 11\n[dns]\nrate_limit = x";

		c = conf_new();
		is_int(conf_load_buffer(c, "buf", text, strlen(text)), 1, "buffer: one problem");
		is_int(c->nflog_group, 11, "buffer: its values applied");
		ok(has_error(c, "buf:4: dns.rate_limit:"), "buffer: problems name it and the line");
		conf_free(c);
	}

	c = conf_new();
	ok(conf_load_file(c, "/nonexistent/oc-audit.ini") == 1 && has_error(c, "cannot open"),
	   "missing file is a problem");
	conf_free(c);

	c = conf_new();
	is_int(conf_set(c, "collector.nflog_group=12"), 0, "--set applies");
	is_int(c->nflog_group, 12, "--set value");
	is_int(conf_set(c, "collector.nflog_group=x"), 1, "--set bad value");
	is_int(conf_set(c, "collector.nope=1"), 1, "--set unknown key");
	is_int(conf_set(c, "nflog_group=1"), 1, "--set needs section.key");
	ok(has_error(c, "--set collector.nope=1"), "--set errors name the override");
	conf_free(c);

	/* a value with one bad item leaves the key as it was, every item of it */
	c = conf_new();
	is_int(conf_set(c, "policy.expected_domains=example.org, a.*.b"), 1, "bad domain item");
	ok(c->n_expected_domains == 2 && strcmp(c->expected_domains[0], "api.telegram.org") == 0,
	   "expected_domains as they were");
	is_int(conf_set(c, "dns.allow_from=10.0.0.0/8, nope"), 1, "bad prefix item");
	ok(c->n_allow_from == 1 && c->allow_from[0].net.a[0] == 192, "allow_from as it was");
	is_int(conf_set(c, "dns.forward=198.51.100.9, 1.2.3.4@x"), 1, "bad forwarder item");
	ok(c->n_forward == 2 && c->forward[0].addr.a[0] == 1, "forward as it was");
	is_int(conf_set(c, "policy.expected_ports=udp/53, tcp/0"), 1, "bad port item");
	ok(c->n_expected_ports == 1 && c->expected_ports[0].port == 443, "expected_ports as they were");
	is_int(conf_set(c, "dns.listen=198.51.100.1:x"), 1, "bad listen port");
	is_int(c->dns_addr.a[0], 192, "dns.listen as it was");
	conf_free(c);

	c = conf_new();
	is_int(conf_check(c), 0, "defaults pass the cross-key checks");
	conf_set(c, "alerts.telegram_chat_id=42");
	conf_set(c, "web.listen=0.0.0.0:8383");
	conf_set(c, "web.token_file=/nonexistent/token");
	is_int(conf_check(c), 3, "chat id without token, remote without opt-in, unreadable token");
	ok(has_error(c, "alerts.telegram_token_file: required"), "token needed for a chat id");
	ok(has_error(c, "web.listen: not a loopback address"), "remote listen needs the opt-in");
	ok(has_error(c, "web.token_file: cannot read /nonexistent/token"), "unreadable secret named");
	conf_free(c);

	/* the capture's keys */
	c = conf_new();
	ok(c->pcap_interface[0] == '\0' && c->upload_budget == 0, "capture off, no budget");
	is_int(conf_set(c, "collector.pcap_interface=br-openclaw"), 0, "an interface");
	is_int(conf_set(c, "policy.upload_budget=50M"), 0, "a budget");
	is_int(c->upload_budget, 50 << 20, "50M is 50 MiB");
	is_int(conf_set(c, "policy.upload_budget=2G"), 0, "2G");
	is_int(c->upload_budget, 2LL << 30, "is 2 GiB");
	is_int(conf_set(c, "policy.upload_budget="), 0, "empty");
	is_int(c->upload_budget, 0, "is off");
	is_int(conf_set(c, "policy.upload_budget=lots"), 1, "not a size");
	is_int(conf_set(c, "policy.upload_budget=0"), 1, "zero is no budget: say empty");
	conf_free(c);
	c = conf_new();
	conf_set(c, "collector.pcap_interface=br/openclaw");
	is_int(conf_check(c), 1, "a bad interface name is an error");
	ok(has_error(c, "collector.pcap_interface: 'br/openclaw' is not an interface name"),
	   "named");
	conf_free(c);
	c = conf_new();
	conf_set(c, "policy.upload_budget=10M");
	is_int(conf_check(c), 0, "a budget without the capture: no error...");
	ok(conf_warning_count(c) == 1 && strstr(conf_warning(c, 0), "upload_budget: needs"),
	   "... but a warning");
	conf_free(c);
	c = conf_new();
	conf_set(c, "collector.pcap_interface=any");
	is_int(conf_check(c), 1, "'any' is no bridge");
	conf_free(c);
	c = conf_new();
	conf_set(c, "dns.listen=192.168.83.1:53");
	conf_set(c, "enforce.mode=enforce");
	is_int(conf_check(c), 0, "enforce with an IPv4 vm_subnet only: no error...");
	ok(conf_warning_count(c) == 1 && strstr(conf_warning(c, 0), "lists no IPv6 prefix"),
	   "... but a warning: its IPv6 would not be enforced");
	conf_free(c);
	c = conf_new();
	conf_set(c, "dns.listen=192.168.83.1:53");
	conf_set(c, "enforce.mode=enforce");
	conf_set(c, "collector.vm_subnet=192.168.83.0/24, fd83::/64");
	conf_check(c);
	is_int(conf_warning_count(c), 0, "enforce with the VM's IPv6 prefix: no warning");
	conf_free(c);

	ok(conf_domain_normalise("OpenRouter.AI.", out, sizeof(out)) == 0 &&
	   strcmp(out, "openrouter.ai") == 0, "normalise");
	ok(conf_domain_normalise("xn--bcher-kva.example", out, sizeof(out)) == 0,
	   "punycode is a name like any other");
	ok(conf_domain_normalise("*.", out, sizeof(out)) < 0, "bare wildcard refused");
	ok(conf_domain_normalise("a.*.b", out, sizeof(out)) < 0, "inner wildcard refused");
	ok(conf_domain_normalise("a b", out, sizeof(out)) < 0, "space refused");
	unlink(path);
	test_each_changed();
	test_copy_keys();
	return done_testing();
}
