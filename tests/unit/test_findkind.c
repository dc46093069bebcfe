/* The finding kinds: their stable names (the contract) both ways, and their order of
 * severity. */
#include "config.h"

#include "common/findkind.h"
#include "tap.h"

int
main(void)
{
	static const char *const contract[] = { "unexpected-domain", "unexpected-destination",
		"direct-ip", "dns-bypass", "unexpected-port", "dns-tunnel" };

	for (size_t i = 0; i < sizeof(contract) / sizeof(contract[0]); i++) {
		enum findkind k = findkind_from_name(contract[i]);

		ok(k != FK_NONE, "%s is a kind", contract[i]);
		is_str(findkind_name(k), contract[i], "and its name comes back");
		ok(*findkind_meaning(k) && findkind_severity(k) > FK_SEV_NONE,
		   "with a meaning and a severity");
	}
	for (int k = FK_NONE + 1; k < FK__COUNT; k++)
		ok(findkind_name((enum findkind)k) != NULL, "kind %d has a name", k);
	ok(findkind_name(FK_NONE) == NULL && findkind_name(FK__COUNT) == NULL,
	   "no name for none or out of range");
	is_int(findkind_from_name("Direct-IP"), FK_NONE, "names are exact bytes");
	is_int(findkind_from_name(NULL), FK_NONE, "NULL is no kind");
	is_int(findkind_from_name("sni-mismatch"), FK_NONE, "not a kind of this version yet");
	ok(findkind_severity(FK_DNS_BYPASS) > findkind_severity(FK_DIRECT_IP) &&
	   findkind_severity(FK_DIRECT_IP) > findkind_severity(FK_UNEXPECTED_DOMAIN),
	   "hiding from the audit is worse than an unexplained address, worse than a name");
	return done_testing();
}
