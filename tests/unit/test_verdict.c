/* What a connection means, decided without a database: the verdict for each finding
 * kind, the name that labels the connection, and the finding's key and example. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "collector/verdict.h"
#include "tap.h"

static struct conn_event
conn(const char *dst, int proto, int port)
{
	struct conn_event ev = { 0 };

	netaddr_parse("192.168.83.2", &ev.src);
	netaddr_parse(dst, &ev.dst);
	ev.proto = (uint8_t)proto;
	ev.has_ports = port >= 0;
	ev.sport = 40000;
	ev.dport = (uint16_t)(port >= 0 ? port : 0);
	return ev;
}

/* An attribution result of state with the names given (newest first). */
static struct attrib_result
attr(enum attrib_state state, int n, const char **names)
{
	struct attrib_result r = { .state = state, .n = n };

	for (int i = 0; i < n; i++)
		r.c[i] = (struct attrib_cand){ .name = names[i], .query_id = 100 + i,
		                               .valid = state == ATTRIB_VALID };
	return r;
}

/* A hello from the VM to dst:port of kind with name (NULL: none). */
static struct hello_event
hello(const char *dst, int port, int kind, const char *name)
{
	struct hello_event h = { 0 };

	netaddr_parse("192.168.83.2", &h.client);
	netaddr_parse(dst, &h.server);
	h.cport = 40000;
	h.sport = (uint16_t)port;
	h.proto = kind == HELLO_QUIC ? IPPROTO_UDP : IPPROTO_TCP;
	h.kind = (uint8_t)kind;
	if (name) {
		h.has_name = true;
		h.name_len = (uint16_t)strlen(name);
		h.name = (const uint8_t *)name;
		h.name_str = name;
	}
	return h;
}

/* What a hello means: the names it is checked against, and each way to raise. */
/* The verdict and, for a finding, what only a new finding is described with. */
static void
judge_hello(const struct conf *c, const struct attrib_result *r, const struct hello_event *h,
            struct hello_verdict *v)
{
	verdict_hello(c, r, h, v);
	ok(v->detail[0] == '\0' && v->example[0] == '\0', "the verdict formats no text");
	if (v->kind != FK_NONE)
		verdict_hello_describe(r, h, v);
}

static void
judge_conn(const struct conf *c, const struct attrib_result *r, const struct conn_event *ev,
           struct conn_verdict *v)
{
	verdict_conn(c, r, ev, v);
	if (v->kind != FK_NONE)
		verdict_conn_example(ev, v);
}

static void
hellos(void)
{
	struct conf *c = conf_new();   /* expected: api.telegram.org, openrouter.ai; tcp/443 */
	static const char *tg[] = { "api.telegram.org" };
	static const char *shared[] = { "cdn.example", "openrouter.ai" };
	static const char *evil[] = { "evil.example" };
	struct hello_verdict v;
	struct attrib_result r;
	struct hello_event h;

	h = hello("149.154.167.220", 443, HELLO_TLS, "api.telegram.org");
	r = attr(ATTRIB_VALID, 1, tg);
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE && v.pick == 0, "the name the address was resolved from: nothing");
	h = hello("149.154.167.220", 443, HELLO_TLS, "API.Telegram.ORG.");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE, "in any case, with a final dot");
	is_str(v.name, "api.telegram.org", "compared lower case, without the dot");
	h = hello("149.154.167.220", 443, HELLO_QUIC, "api.telegram.org");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE, "QUIC alike");
	r = attr(ATTRIB_STALE, 1, tg);
	h = hello("149.154.167.220", 443, HELLO_TLS, "api.telegram.org");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE, "an expired answer still says where the address came from");

	/* domain fronting: an expected address, another name in the handshake */
	r = attr(ATTRIB_VALID, 1, tg);
	h = hello("149.154.167.220", 443, HELLO_TLS, "evil.example");
	judge_hello(c, &r, &h, &v);
	is_int(v.kind, FK_SNI_MISMATCH, "an unexpected name to telegram's address");
	is_str(v.key, "evil.example 149.154.167.220:443/tcp", "keyed by name and destination");
	is_str(v.name, "evil.example", "its domain is the name asked for");
	ok(strcmp(v.ip, "149.154.167.220") == 0 && v.port == 443 && strcmp(v.proto, "tcp") == 0,
	   "its ip, port and proto the destination");
	ok(strstr(v.detail, "resolved this address from: api.telegram.org") != NULL,
	   "its detail the names the address was resolved from: %s", v.detail);
	is_str(v.example, "192.168.83.2:40000 -> 149.154.167.220:443/tcp tls", "example");

	h = hello("104.18.2.3", 443, HELLO_TLS, "api.telegram.org");
	r = attr(ATTRIB_VALID, 2, shared);
	judge_hello(c, &r, &h, &v);
	is_int(v.kind, FK_SNI_MISMATCH, "an expected name the address was not resolved from");
	ok(strstr(v.detail, "did not resolve") && strstr(v.detail, "cdn.example, openrouter.ai"),
	   "says so, with every name: %s", v.detail);
	h = hello("104.18.2.3", 443, HELLO_TLS, "openrouter.ai");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE && v.pick == 1, "a shared address: any of its names will do");

	h = hello("203.0.113.5", 443, HELLO_TLS, "evil.example");
	r = attr(ATTRIB_VALID, 1, evil);
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_SNI_MISMATCH && strstr(v.detail, "outside the expected set"),
	   "resolved, but outside the expected set: sni-mismatch too");
	h = hello("198.51.100.77", 443, HELLO_TLS, "api.telegram.org");
	r = attr(ATTRIB_NONE, 0, NULL);
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_SNI_MISMATCH && strstr(v.detail, "no DNS answer gave"),
	   "an address no answer gave, whatever the name");

	h = hello("198.51.100.77", 443, HELLO_TLS, NULL);
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE && v.name[0] == '\0', "no SNI: nothing to compare (direct-ip's)");
	h = hello("198.51.100.77", 80, HELLO_HTTP, "198.51.100.77:80");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE, "a Host that is an address: nothing");
	h = hello("2001:db8::7", 80, HELLO_HTTP, "[2001:db8::7]:8080");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE, "a bracketed IPv6 Host: nothing");

	/* HTTP: the Host's port is not part of the name */
	r = attr(ATTRIB_VALID, 1, tg);
	h = hello("149.154.167.220", 80, HELLO_HTTP, "api.telegram.org:80");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_NONE, "Host with its port: the name alone compared");
	h = hello("149.154.167.220", 80, HELLO_HTTP, "evil.example:8080");
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_SNI_MISMATCH && strcmp(v.name, "evil.example") == 0,
	   "HTTP Host fronting: sni-mismatch for the name without its port");
	ok(strstr(v.detail, "HTTP") != NULL, "the detail says it was HTTP");
	h = hello("149.154.167.220", 80, HELLO_HTTP, "evil.example:80x");
	judge_hello(c, &r, &h, &v);
	is_str(v.name, "evil.example:80x", "not a port: kept");

	/* encrypted client hello */
	h = hello("104.18.2.3", 443, HELLO_TLS, "cloudflare-ech.com");
	h.ech = true;
	r = attr(ATTRIB_VALID, 2, shared);
	judge_hello(c, &r, &h, &v);
	is_int(v.kind, FK_ENCRYPTED_SNI, "ECH: encrypted-sni (not also sni-mismatch)");
	is_str(v.key, "cloudflare-ech.com 104.18.2.3:443/tcp", "keyed by the outer name");
	ok(strstr(v.detail, "outer name is cloudflare-ech.com") != NULL, "the outer SNI recorded");
	h.has_name = false;
	judge_hello(c, &r, &h, &v);
	ok(v.kind == FK_ENCRYPTED_SNI && strcmp(v.key, "104.18.2.3:443/tcp") == 0,
	   "ECH without an outer name: keyed by destination");

	/* IPv6 destination: bracketed in the key */
	h = hello("2001:db8::9", 443, HELLO_QUIC, "evil.example");
	r = attr(ATTRIB_NONE, 0, NULL);
	judge_hello(c, &r, &h, &v);
	is_str(v.key, "evil.example [2001:db8::9]:443/udp", "IPv6 key bracketed, QUIC is udp");

	/* canary names: exposed for the canary kind */
	ok(conf_set(c, "policy.expected_domains=api.telegram.org") == 0, "policy set");
	rules_parse_canaries(c->rules, "bait.example", (char[64]){ 0 }, 64);
	h = hello("149.154.167.220", 443, HELLO_TLS, "Bait.Example");
	r = attr(ATTRIB_VALID, 1, tg);
	judge_hello(c, &r, &h, &v);
	is_str(v.canary, "bait.example", "a canary SNI is named for the canary kind");
	h = hello("149.154.167.220", 443, HELLO_TLS, "api.telegram.org");
	judge_hello(c, &r, &h, &v);
	ok(v.canary == NULL, "no canary otherwise");
	conf_free(c);
}

int
main(void)
{
	struct conf *c = conf_new();   /* expected: api.telegram.org, openrouter.ai; tcp/443 */
	static const char *tg[] = { "api.telegram.org" };
	static const char *evil[] = { "evil.example" };
	static const char *mixed[] = { "cdn.example", "openrouter.ai", "api.telegram.org" };
	static const char *two_evil[] = { "new.example", "old.example" };
	struct conn_verdict v;
	struct attrib_result r;
	struct conn_event ev;

	ev = conn("149.154.167.220", IPPROTO_TCP, 443);
	r = attr(ATTRIB_VALID, 1, tg);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_NONE && v.expected && v.pick == 0 && v.detail == NULL,
	   "an expected name on tcp/443: expected, nothing raised");

	ev = conn("104.18.2.3", IPPROTO_TCP, 443);
	r = attr(ATTRIB_VALID, 3, mixed);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_NONE && v.expected && v.pick == 1,
	   "the first expected candidate names a shared address");

	ev = conn("203.0.113.5", IPPROTO_TCP, 443);
	r = attr(ATTRIB_VALID, 2, two_evil);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_DESTINATION && !v.expected && v.pick == 0,
	   "only unexpected names: unexpected-destination, named by the newest answer");
	is_str(v.domain, "new.example", "the finding names it");
	is_str(v.key, "203.0.113.5:443/tcp", "keyed by address, port and proto");
	is_str(v.example, "192.168.83.2:40000 -> 203.0.113.5:443/tcp", "example line");
	is_str(v.ip, "203.0.113.5", "address");
	ok(v.port == 443 && strcmp(v.proto, "tcp") == 0, "port and proto");
	ok(strstr(v.detail, "expired") == NULL, "a valid answer: not expired");
	r = attr(ATTRIB_STALE, 1, evil);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_DESTINATION && strstr(v.detail, "expired") != NULL,
	   "a stale answer says so");

	ev = conn("149.154.167.220", IPPROTO_TCP, 80);
	r = attr(ATTRIB_VALID, 1, tg);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_PORT && !v.expected, "an expected name on port 80");
	is_str(v.key, "api.telegram.org 80/tcp", "keyed by name, port and proto");
	is_str(v.domain, "api.telegram.org", "names the name");
	r = attr(ATTRIB_STALE, 1, tg);
	judge_conn(c, &r, &ev, &v);
	is_int(v.kind, FK_UNEXPECTED_PORT, "a stale expected name is still the expected name");
	ev = conn("149.154.167.220", IPPROTO_UDP, 443);
	r = attr(ATTRIB_VALID, 1, tg);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_PORT && strcmp(v.key, "api.telegram.org 443/udp") == 0,
	   "QUIC to an expected name is not tcp/443");

	ev = conn("198.51.100.77", IPPROTO_TCP, 443);
	r = attr(ATTRIB_NONE, 0, NULL);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_DIRECT_IP && v.pick == -1 && v.domain == NULL && !v.expected,
	   "no answer gave the address: direct-ip");
	is_str(v.key, "198.51.100.77:443/tcp", "keyed by address");
	ok(strstr(v.detail, "evicted") == NULL, "nothing evicted: the detail does not say so");
	r.evicted = true;
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_DIRECT_IP && strstr(v.detail, "evicted") != NULL,
	   "an answer for it may have been evicted: still direct-ip, and the detail says so");
	r.evicted = false;

	ev = conn("2001:db8::9", IPPROTO_TCP, 8443);
	judge_conn(c, &r, &ev, &v);
	is_str(v.key, "[2001:db8::9]:8443/tcp", "IPv6 key bracketed");
	is_str(v.example, "192.168.83.2:40000 -> [2001:db8::9]:8443/tcp", "and its example");

	ev = conn("198.51.100.9", IPPROTO_ICMP, -1);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_DIRECT_IP && v.port == -1, "ICMP: no port");
	is_str(v.key, "198.51.100.9:-1/icmp", "key without a port");
	is_str(v.example, "192.168.83.2 -> 198.51.100.9/icmp", "example without ports");

	ev = conn("8.8.8.8", IPPROTO_UDP, 53);
	judge_conn(c, &r, &ev, &v);
	is_int(v.kind, FK_DNS_BYPASS, "DNS to another server: dns-bypass");
	ev = conn("149.154.167.220", IPPROTO_TCP, 853);
	r = attr(ATTRIB_VALID, 1, tg);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_DNS_BYPASS && v.domain == NULL && v.pick == 0,
	   "DoT to an expected name's address is still dns-bypass, keyed by address");
	is_str(v.key, "149.154.167.220:853/tcp", "its key");
	ev = conn("8.8.8.8", IPPROTO_ICMP, -1);
	r = attr(ATTRIB_NONE, 0, NULL);
	judge_conn(c, &r, &ev, &v);
	is_int(v.kind, FK_DIRECT_IP, "ICMP to a resolver's address is no DNS");
	conf_free(c);

	/* precise rules: each name with its own ports */
	static const char *ntp[] = { "2.pool.ntp.org" };
	static const char *both[] = { "api.telegram.org", "0.pool.ntp.org" };
	static const char *status[] = { "status.example.org" };
	c = conf_new();
	ok(conf_set(c, "policy.expect=api.telegram.org tcp/443, *.pool.ntp.org udp/123, "
	            "status.example.org") == 0, "precise rules set");
	ev = conn("198.51.100.30", IPPROTO_UDP, 123);
	r = attr(ATTRIB_VALID, 1, ntp);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_NONE && v.expected, "ntp on udp/123: expected");
	ev = conn("198.51.100.30", IPPROTO_TCP, 443);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_PORT, "ntp on tcp/443 (telegram's port): unexpected-port");
	is_str(v.key, "2.pool.ntp.org 443/tcp", "keyed by the name");
	ev = conn("149.154.167.220", IPPROTO_UDP, 123);
	r = attr(ATTRIB_VALID, 1, tg);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_PORT, "telegram on ntp's udp/123: unexpected-port");
	ev = conn("198.51.100.31", IPPROTO_UDP, 123);
	r = attr(ATTRIB_VALID, 2, both);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_NONE && v.expected && v.pick == 1,
	   "a shared address: the candidate whose rule lists the port names it");
	ev = conn("198.51.100.32", IPPROTO_TCP, 443);
	r = attr(ATTRIB_VALID, 1, status);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_PORT && v.pick == 0,
	   "a name expected for resolving only: any connection is unexpected-port");
	ev = conn("198.51.100.33", IPPROTO_TCP, 443);
	r = attr(ATTRIB_VALID, 1, mixed);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_UNEXPECTED_DESTINATION, "a name no rule names: unexpected-destination");

	/* canaries: an address bait resolved to */
	static const char *bait[] = { "cdn.example", "K3y.Bait.example." };
	static const char *shared[] = { "x.bait.example", "api.telegram.org" };
	ok(conf_set(c, "policy.canary_names=*.bait.example") == 0, "canaries set");
	ev = conn("198.51.100.34", IPPROTO_TCP, 443);
	r = attr(ATTRIB_VALID, 2, bait);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_CANARY && v.pick == 1 && !v.expected, "a canary's address: canary");
	is_str(v.key, "k3y.bait.example", "keyed by the name, as its query's finding");
	is_str(v.domain, "K3y.Bait.example.", "names the bait");
	ev = conn("198.51.100.34", IPPROTO_UDP, 53);
	judge_conn(c, &r, &ev, &v);
	is_int(v.kind, FK_CANARY, "before dns-bypass: the most serious kind first");
	ev = conn("149.154.167.220", IPPROTO_TCP, 443);
	r = attr(ATTRIB_VALID, 2, shared);
	judge_conn(c, &r, &ev, &v);
	ok(v.kind == FK_NONE && v.expected,
	   "an address an expected name explains too: no canary (its query was one)");

	conf_free(c);
	hellos();
	return done_testing();
}
