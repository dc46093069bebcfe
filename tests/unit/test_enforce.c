/* Enforce mode's pure half: the ruleset enforce-rules prints, the set elements an answer
 * opens (which names, ports, families, timeouts, and the cap), the blocked prefix, and
 * the size check of the helper's new message. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "collector/enforce.h"
#include "collector/netadm.h"
#include "common/conf.h"
#include "tap.h"

static struct conf *
conf_with(const char *const *sets)
{
	struct conf *c = conf_new();

	for (; *sets; sets++)
		if (conf_set(c, *sets) != 0)
			return NULL;
	conf_check(c);
	return c;
}

static void
test_ruleset(void)
{
	static const char *const v4[] = { "collector.vm_subnet=192.168.83.0/24",
	                                   "collector.nflog_group=9", NULL };
	static const char *const both[] = { "collector.vm_subnet=192.168.83.0/24, fd83::/64, "
	                                     "10.0.0.0/8", NULL };
	struct conf *c = conf_with(v4);
	char buf[8192], small[16];
	size_t need;

	need = enforce_ruleset(c, buf, sizeof(buf));
	is_int(need, strlen(buf), "the whole ruleset fits and its length is returned");
	ok(strstr(buf, "table inet oc-audit {") != NULL, "our own table");
	ok(strstr(buf, "type ipv4_addr . ipv4_addr . inet_proto . inet_service\n"
	           "\t\tflags timeout\n\t\tsize 65536\n") != NULL, "the v4 set: 4-tuple, timeouts, bounded");
	ok(strstr(buf, "type filter hook forward priority filter - 20; policy accept;") != NULL,
	   "a forward chain ahead of the usual filter");
	ok(strstr(buf, "flush chain inet oc-audit enforce\nflush chain inet oc-audit enforce_vm\n") !=
	   NULL, "installing again replaces its chains, not the sets or another chain of the table");
	ok(strstr(buf, "ct state established,related accept\n\t\tip saddr { 192.168.83.0/24 } "
	           "jump enforce_vm\n\t}") != NULL, "the VM's v4 sources only");
	ok(strstr(buf, "ip6 saddr {") == NULL, "no v6 subnet, no v6 jump");
	ok(strstr(buf, "ct state new log prefix \"oc-audit-blocked: \" group 9\n\t\tdrop\n") !=
	   NULL, "what is not in a set is logged to the group, as blocked, and dropped");
	is_int(enforce_ruleset(c, small, sizeof(small)), need, "cut: the length needed");
	is_int(strlen(small), sizeof(small) - 1, "cut: NUL-terminated");
	is_int(enforce_ruleset(c, NULL, 0), need, "NULL, 0: only the length");
	conf_free(c);

	c = conf_with(both);
	enforce_ruleset(c, buf, sizeof(buf));
	ok(strstr(buf, "ip saddr { 192.168.83.0/24, 10.0.0.0/8 } jump enforce_vm\n"
	           "\t\tip6 saddr { fd83::/64 } jump enforce_vm\n") != NULL, "each family its subnets");
	conf_free(c);
}

static void
test_elements(void)
{
	static const char *const sets[] = {
		"policy.expect=api.telegram.org tcp/443, *.pool.ntp.org udp/123, "
		"api.telegram.org tcp/8443, status.example.org", NULL };
	struct conf *c = conf_with(sets);
	struct netaddr vm, vm6;
	struct netadm_elem e[8];
	int dropped;
	struct dns_answer ans[] = {
		{ "api.telegram.org", 5, 300, "cdn.example.net" },      /* CNAME: skipped */
		{ "cdn.example.net", 1, 300, "198.51.100.3" },
		{ "cdn.example.net", 1, 10, "198.51.100.4" },
		{ "cdn.example.net", 28, 300, "2001:db8::3" },          /* AAAA to a v4 client */
		{ "cdn.example.net", 1, 300, "198.51.100.3" },          /* a duplicate */
		{ "cdn.example.net", 1, 300, "not an address" },
	};

	netaddr_parse("192.168.83.2", &vm);
	netaddr_parse("fd83::2", &vm6);
	is_int(enforce_elements(c->rules, &vm, "API.Telegram.org.", ans, 6, 120, e, 8,
	                        &dropped), 4, "two addresses x two ports");
	is_int(dropped, 0, "none dropped");
	is_int(e[0].family, 4, "v4");
	is_int(e[0].proto, IPPROTO_TCP, "tcp");
	is_int(e[0].port, 443, "the first port first");
	is_int(e[1].port, 8443, "then the rule's other port");
	is_int(e[0].timeout, 420, "TTL + grace");
	is_int(e[2].timeout, 130, "each record its own TTL");
	ok(memcmp(e[0].client, vm.a, 16) == 0 && e[0].addr[3] == 3 && e[2].addr[3] == 4,
	   "client and address");
	is_int(enforce_elements(c->rules, &vm, "evil.example", ans, 6, 120, e, 8, &dropped), 0,
	       "an unexpected name opens nothing");
	is_int(enforce_elements(c->rules, &vm, "status.example.org", ans, 6, 120, e, 8,
	                        &dropped), 0, "a rule without ports opens nothing");
	is_int(enforce_elements(c->rules, &vm, "pool.ntp.org", ans, 6, 120, e, 8, &dropped), 0,
	       "*.x does not match x");
	is_int(enforce_elements(c->rules, &vm, "0.pool.ntp.org", ans, 6, 0, e, 8, &dropped), 2,
	       "a subdomain of a *. rule");
	ok(e[0].proto == IPPROTO_UDP && e[0].port == 123 && e[0].timeout == 300, "its udp/123, grace 0");
	is_int(enforce_elements(c->rules, &vm6, "api.telegram.org", ans, 6, 0, e, 8, &dropped), 2,
	       "a v6 client: the AAAA only");
	is_int(e[0].family, 6, "v6");
	is_int(enforce_elements(c->rules, &vm, "api.telegram.org", ans, 6, 0, e, 3, &dropped), 3,
	       "at most max");
	is_int(dropped, 1, "the rest counted");

	struct dns_answer big = { "api.telegram.org", 1, 0xffffffffu, "198.51.100.3" };
	enforce_elements(c->rules, &vm, "api.telegram.org", &big, 1, 60, e, 8, &dropped);
	is_int(e[0].timeout, ENFORCE_TTL_MAX + 60, "a huge TTL is capped");
	big.ttl = 0;
	enforce_elements(c->rules, &vm, "api.telegram.org", &big, 1, 0, e, 8, &dropped);
	is_int(e[0].timeout, 1, "TTL 0 and no grace: one second, never 'no timeout'");
	ok(e[0].timeout <= NETADM_TIMEOUT_MAX && ENFORCE_TTL_MAX + 86400 <= NETADM_TIMEOUT_MAX,
	   "every timeout the helper accepts");
	conf_free(c);
}

static void
test_blocked(void)
{
	struct conn_event ev;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.prefix, sizeof(ev.prefix), "oc-audit-blocked: ");
	ok(enforce_is_blocked(&ev), "our prefix");
	snprintf(ev.prefix, sizeof(ev.prefix), "openclaw-vm: ");
	ok(!enforce_is_blocked(&ev), "the seed's");
	ev.prefix[0] = '\0';
	ok(!enforce_is_blocked(&ev), "none");
}

static void
test_msg(void)
{
	union { struct netadm_set_req rq; unsigned char b[4096]; } m;
	size_t n = sizeof(m.rq);

	memset(&m, 0, sizeof(m));
	m.rq.h.type = NETADM_SET_ADD;
	m.rq.h.len = (uint16_t)n;
	is_int(netadm_msg_check(m.b, n, false), NETADM_SET_ADD, "a set request of its size");
	is_int(netadm_msg_check(m.b, n - 1, false), 0, "one byte short");
	m.rq.h.len = (uint16_t)(n + 1);
	is_int(netadm_msg_check(m.b, n + 1, false), 0, "one byte long");
	m.rq.h.len = sizeof(struct netadm_set_rep);
	is_int(netadm_msg_check(m.b, sizeof(struct netadm_set_rep), true), NETADM_SET_ADD,
	       "its reply");
}

int
main(void)
{
	test_ruleset();
	test_elements();
	test_blocked();
	test_msg();
	return done_testing();
}
