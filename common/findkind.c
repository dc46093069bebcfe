#include "config.h"

#include <stddef.h>
#include <string.h>

#include "findkind.h"

static const struct {
	const char *name;
	enum findkind_severity severity;
	const char *meaning;
} kinds[FK__COUNT] = {
	[FK_UNEXPECTED_DOMAIN] = { "unexpected-domain", FK_SEV_LOW,
		"a DNS query for a name outside the expected set" },
	[FK_UNEXPECTED_DESTINATION] = { "unexpected-destination", FK_SEV_MEDIUM,
		"a connection to an address the VM got only from unexpected names" },
	[FK_DIRECT_IP] = { "direct-ip", FK_SEV_MEDIUM,
		"a connection to an address no DNS answer gave the VM" },
	[FK_DNS_BYPASS] = { "dns-bypass", FK_SEV_HIGH,
		"DNS, DoT or DoQ (53/853, udp or tcp) to anyone but oc-audit's resolver" },
	[FK_UNEXPECTED_PORT] = { "unexpected-port", FK_SEV_LOW,
		"an expected name on a port/proto its rule does not list" },
	[FK_DNS_TUNNEL] = { "dns-tunnel", FK_SEV_HIGH,
		"many distinct or very long/random labels, or TXT/NULL volume, under one domain" },
	[FK_CANARY] = { "canary", FK_SEV_CRITICAL,
		"a canary name (bait planted in the VM) was queried or connected to: the agent "
		"read the bait and acted on it" },
	[FK_SNI_MISMATCH] = { "sni-mismatch", FK_SEV_MEDIUM,
		"a TLS/QUIC SNI or HTTP Host outside the expected set, or not a name the VM "
		"resolved the address from (domain fronting)" },
	[FK_ENCRYPTED_SNI] = { "encrypted-sni", FK_SEV_HIGH,
		"a ClientHello with Encrypted Client Hello: the name asked for is hidden" },
	[FK_VOLUME] = { "volume", FK_SEV_HIGH,
		"more bytes uploaded to one name in a day than [policy] upload_budget" },
	[FK_SENSOR] = { "sensor", FK_SEV_HIGH,
		"a sensor could not see: no nftables rule logs the VM's connections to NFLOG, or "
		"NFLOG stayed silent while DNS answers reached the VM" },
};

const char *
findkind_name(enum findkind k)
{
	return k > FK_NONE && k < FK__COUNT ? kinds[k].name : NULL;
}

enum findkind
findkind_from_name(const char *name)
{
	for (int k = FK_NONE + 1; name && k < FK__COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (enum findkind)k;
	return FK_NONE;
}

const char *
findkind_meaning(enum findkind k)
{
	return k > FK_NONE && k < FK__COUNT ? kinds[k].meaning : "";
}

enum findkind_severity
findkind_severity(enum findkind k)
{
	return k > FK_NONE && k < FK__COUNT ? kinds[k].severity : FK_SEV_NONE;
}

const char *
findkind_severity_name(enum findkind_severity s)
{
	switch (s) {
	case FK_SEV_CRITICAL: return "critical";
	case FK_SEV_HIGH: return "high";
	case FK_SEV_MEDIUM: return "medium";
	case FK_SEV_LOW: return "low";
	case FK_SEV_NONE: break;
	}
	return "";
}
