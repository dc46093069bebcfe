/* netadm's message validation (every size but the exact one is refused) and nftcheck's
 * reading of libnftables' JSON ruleset. */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "collector/netadm.h"
#include "collector/nftcheck.h"
#include "tap.h"

static void
test_msg_check(void)
{
	union { struct netadm_ruleset_req rq; unsigned char b[2048]; } m;
	struct netadm_ruleset_rep rp;
	size_t n = sizeof(m.rq);

	memset(&m, 0, sizeof(m));
	m.rq.h.type = NETADM_RULESET_CHECK;
	m.rq.h.len = (uint16_t)n;
	is_int(netadm_msg_check(m.b, n, false), NETADM_RULESET_CHECK, "a request of its size");
	is_int(netadm_msg_check(m.b, n, true), 0, "a request is not a reply");
	is_int(netadm_msg_check(m.b, n - 1, false), 0, "one byte short");
	is_int(netadm_msg_check(m.b, n + 1, false), 0, "one byte long");
	m.rq.h.len = (uint16_t)(n + 4);
	is_int(netadm_msg_check(m.b, n + 4, false), 0, "longer, with a header that says so");
	m.rq.h.len = (uint16_t)(n - 4);
	is_int(netadm_msg_check(m.b, n, false), 0, "a header length that is not the size");
	m.rq.h.len = (uint16_t)n;
	m.rq.h.type = 0;
	is_int(netadm_msg_check(m.b, n, false), 0, "type 0");
	m.rq.h.type = NETADM__TYPES;
	is_int(netadm_msg_check(m.b, n, false), 0, "an unknown type");
	m.rq.h.type = 0xffff;
	is_int(netadm_msg_check(m.b, n, false), 0, "type 65535");
	is_int(netadm_msg_check(m.b, 0, false), 0, "empty");
	is_int(netadm_msg_check(m.b, sizeof(struct netadm_hdr) - 1, false), 0,
	       "shorter than a header");
	m.rq.h.type = NETADM_RULESET_CHECK;
	m.rq.h.len = sizeof(struct netadm_hdr);
	is_int(netadm_msg_check(m.b, sizeof(struct netadm_hdr), false), 0, "a bare header");

	memset(&rp, 0, sizeof(rp));
	rp.h.type = NETADM_RULESET_CHECK;
	rp.h.len = sizeof(rp);
	is_int(netadm_msg_check(&rp, sizeof(rp), true), NETADM_RULESET_CHECK, "a reply");
	is_int(netadm_msg_check(&rp, sizeof(rp), false), 0, "a reply is not a request");
}

/* A ruleset in libnftables' JSON with one forward chain of hook HOOK holding RULES
 * (each a JSON array of statements). */
static char *
ruleset(const char *family, const char *hook, const char *const *rules)
{
	static char buf[8192];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf),
	    "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"json_schema_version\": 1}},"
	    " {\"table\": {\"family\": \"%s\", \"name\": \"t\", \"handle\": 1}},"
	    " {\"chain\": {\"family\": \"%s\", \"table\": \"t\", \"name\": \"fwd\", \"handle\": 1,"
	    " \"type\": \"filter\", \"hook\": \"%s\", \"prio\": 0, \"policy\": \"accept\"}}",
	    family, family, hook);
	for (int i = 0; rules[i]; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    ", {\"rule\": {\"family\": \"%s\", \"table\": \"t\", \"chain\": \"fwd\","
		    " \"handle\": %d, \"expr\": %s}}", family, i + 2, rules[i]);
	snprintf(buf + n, sizeof(buf) - n, "]}");
	return buf;
}

#define SEED "[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", " \
	"\"field\": \"saddr\"}}, \"right\": \"192.168.83.2\"}}, {\"match\": {\"op\": \"in\", " \
	"\"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": \"new\"}}, {\"log\": {\"prefix\": " \
	"\"openclaw-vm: \", \"group\": 7}}]"
#define IIF "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, " \
	"\"right\": \"br-openclaw\"}}, {\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": " \
	"\"state\"}}, \"right\": \"new\"}}, {\"log\": {\"prefix\": \"openclaw-vm: \", " \
	"\"group\": 7}}]"
#define ACCEPT "[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, " \
	"\"right\": {\"set\": [\"established\", \"related\"]}}}, {\"accept\": null}]"

static void
test_ruleset(sqlite3 *mem)
{
	struct cidr vm[2];
	struct nftcheck_result r;
	char err[64];
	const char *seed[] = { SEED, NULL }, *iif[] = { ACCEPT, IIF, NULL };
	const char *none[] = { ACCEPT, NULL }, *empty[] = { NULL };
	const char *group8[] = { "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": "
		"\"iifname\"}}, \"right\": \"br-openclaw\"}}, {\"log\": {\"group\": 8}}]", NULL };
	const char *all[] = { "[{\"counter\": {\"packets\": 0, \"bytes\": 0}}, "
		"{\"log\": {\"group\": 7}}]", NULL };
	const char *prefix[] = { "[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": "
		"{\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": {\"prefix\": {\"addr\": "
		"\"192.168.83.0\", \"len\": 24}}}}, {\"match\": {\"op\": \"==\", \"left\": {\"ct\": "
		"{\"key\": \"state\"}}, \"right\": {\"set\": [\"related\", \"new\"]}}}, "
		"{\"log\": {\"group\": 7}}]", NULL };
	const char *other_src[] = { "[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": "
		"{\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": \"10.0.0.2\"}}, "
		"{\"log\": {\"group\": 7}}]", NULL };
	const char *port[] = { "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": "
		"\"iifname\"}}, \"right\": \"br-openclaw\"}}, {\"match\": {\"op\": \"==\", \"left\": "
		"{\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 443}}, "
		"{\"log\": {\"group\": 7}}]", NULL };
	const char *established[] = { "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": "
		"{\"key\": \"iifname\"}}, \"right\": \"br-openclaw\"}}, {\"match\": {\"op\": \"in\", "
		"\"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": \"established\"}}, "
		"{\"log\": {\"group\": 7}}]", NULL };
	const char *klog[] = { "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": "
		"\"iifname\"}}, \"right\": \"br-openclaw\"}}, {\"log\": {\"prefix\": \"x\"}}]", NULL };

	cidr_parse("192.168.83.0/24", &vm[0], err, sizeof(err));
	cidr_parse("fd83::/64", &vm[1], err, sizeof(err));

	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", seed), 7, vm, 2, &r),
	       NFTCHECK_OK, "the seed rule");
	is_str(r.detail, "inet t fwd: 'ip saddr 192.168.83.2 ct state new log group 7' "
	       "(IPv4 only)", "... described");
	is_int(r.rules, 1, "... one rule seen");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", iif), 7, vm, 2, &r),
	       NFTCHECK_OK, "the recommended iifname rule, after an accept of established");
	is_str(r.detail, "inet t fwd: 'iifname br-openclaw ct state new log group 7'",
	       "... described");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", prefix), 7, vm, 2, &r),
	       NFTCHECK_OK, "a prefix source and a ct state set holding new");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", all), 7, vm, 2, &r),
	       NFTCHECK_OK, "logging every forwarded packet covers the VM");
	is_int(nftcheck_ruleset(mem, ruleset("ip", "forward", seed), 7, vm, 2, &r),
	       NFTCHECK_OK, "an ip table");

	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", seed), 8, vm, 2, &r),
	       NFTCHECK_WRONG_GROUP, "the seed rule, another group configured");
	is_str(r.detail, "inet t fwd: 'ip saddr 192.168.83.2 ct state new log group 7' logs "
	       "the VM's new connections to NFLOG group 7, not 8", "... described");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", group8), 7, vm, 2, &r),
	       NFTCHECK_WRONG_GROUP, "group 8 when 7 is configured");

	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", none), 7, vm, 2, &r),
	       NFTCHECK_MISSING, "a forward chain without a log rule");
	is_str(r.detail, "no rule in a forward-hook chain logs the VM's new connections to "
	       "NFLOG group 7 (1 rule in forward-hook chains)", "... described");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", empty), 7, vm, 2, &r),
	       NFTCHECK_MISSING, "an empty forward chain");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "input", seed), 7, vm, 2, &r),
	       NFTCHECK_MISSING, "the rule in an input chain");
	is_int(r.rules, 0, "... no forward-hook rule seen");
	is_int(nftcheck_ruleset(mem, "{\"nftables\": [{\"metainfo\": {}}]}", 7, vm, 2, &r),
	       NFTCHECK_MISSING, "an empty ruleset");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", other_src), 7, vm, 2, &r),
	       NFTCHECK_MISSING, "a source outside vm_subnet");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", port), 7, vm, 2, &r),
	       NFTCHECK_MISSING, "a rule narrowed to one port");
	is_str(r.detail, "inet t fwd: 'iifname br-openclaw tcp dport log group 7' logs only "
	       "part of the VM's new connections", "... described as partial");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", established), 7, vm, 2, &r),
	       NFTCHECK_MISSING, "ct state established only");
	is_int(nftcheck_ruleset(mem, ruleset("inet", "forward", klog), 7, vm, 2, &r),
	       NFTCHECK_MISSING, "a log rule to the kernel log, not NFLOG");

	is_int(nftcheck_ruleset(mem, "{\"nftables\": [", 7, vm, 2, &r), NFTCHECK_ERROR,
	       "malformed JSON");
	is_int(nftcheck_ruleset(mem, NULL, 7, vm, 2, &r), NFTCHECK_ERROR, "no text");
	is_str(nftcheck_verdict_name(NFTCHECK_WRONG_GROUP), "wrong-group", "verdict names");
}

/* enforce mode's table in libnftables' JSON, with what is left out of it */
static const char *
enforce_json(bool table, bool set6, bool chain, bool drop)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "{\"nftables\": [{\"metainfo\": {\"json_schema_version\": 1}}"
	    "%s%s%s%s%s]}",
	    table ? ", {\"table\": {\"family\": \"inet\", \"name\": \"oc-audit\"}}" : "",
	    ", {\"set\": {\"family\": \"inet\", \"name\": \"allow4\", \"table\": \"oc-audit\"}}",
	    set6 ? ", {\"set\": {\"family\": \"inet\", \"name\": \"allow6\", \"table\": "
	           "\"oc-audit\"}}" : "",
	    chain ? ", {\"chain\": {\"family\": \"inet\", \"table\": \"oc-audit\", \"name\": "
	            "\"enforce\", \"type\": \"filter\", \"hook\": \"forward\"}}" : "",
	    ", {\"rule\": {\"family\": \"inet\", \"table\": \"oc-audit\", \"chain\": "
	    "\"enforce_vm\", \"expr\": [{\"log\": {\"group\": 7}}]}}");
	if (drop)
		snprintf(buf + strlen(buf) - 2, sizeof(buf) - strlen(buf) + 2,
		    ", {\"rule\": {\"family\": \"inet\", \"table\": \"oc-audit\", \"chain\": "
		    "\"enforce_vm\", \"expr\": [{\"drop\": null}]}}]}");
	return buf;
}

static void
test_enforce_check(sqlite3 *mem)
{
	struct nftcheck_result r;

	is_int(nftcheck_enforce(mem, enforce_json(true, true, true, true), "oc-audit", &r),
	       NFTCHECK_OK, "enforce: table, sets, forward chain and drop rule");
	is_int(nftcheck_enforce(mem, enforce_json(true, true, true, true), "other", &r),
	       NFTCHECK_MISSING, "enforce: another table's name");
	is_str(r.detail, "no table inet other", "... named");
	is_int(nftcheck_enforce(mem, enforce_json(false, false, false, false), "oc-audit", &r),
	       NFTCHECK_MISSING, "enforce: no table (deleted)");
	is_str(r.detail, "no table inet oc-audit", "... named");
	nftcheck_enforce(mem, enforce_json(true, false, true, true), "oc-audit", &r);
	is_str(r.detail, "no set allow6 in table inet oc-audit", "enforce: a set missing");
	nftcheck_enforce(mem, enforce_json(true, true, false, true), "oc-audit", &r);
	is_str(r.detail, "no chain with hook forward in table inet oc-audit",
	       "enforce: no forward chain");
	nftcheck_enforce(mem, enforce_json(true, true, true, false), "oc-audit", &r);
	is_str(r.detail, "no drop rule in table inet oc-audit", "enforce: the drop rule flushed");
	is_int(nftcheck_enforce(mem, "{\"nftables\": [", "oc-audit", &r), NFTCHECK_ERROR,
	       "enforce: malformed JSON");
	is_int(nftcheck_enforce(mem, NULL, "oc-audit", &r), NFTCHECK_ERROR, "enforce: no text");
}

int
main(void)
{
	sqlite3 *mem;

	test_msg_check();
	if (sqlite3_open(":memory:", &mem) != SQLITE_OK)
		return 1;
	test_ruleset(mem);
	test_enforce_check(mem);
	sqlite3_close(mem);
	return done_testing();
}
