/* The finding kinds: their stable names (the contract) both ways, and their order of
 * severity. */
#include "config.h"

#include <sqlite3.h>

#include "common/findkind.h"
#include "tap.h"

int
main(void)
{
	static const char *const contract[] = { "unexpected-domain", "unexpected-destination",
		"direct-ip", "dns-bypass", "unexpected-port", "dns-tunnel", "canary", "sni-mismatch",
		"encrypted-sni", "volume", "sensor" };

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
	is_int(findkind_from_name("sni"), FK_NONE, "no prefix matches");
	ok(findkind_severity(FK_ENCRYPTED_SNI) > findkind_severity(FK_SNI_MISMATCH),
	   "a hidden name is worse than a name the address does not explain");
	ok(findkind_severity(FK_DNS_BYPASS) > findkind_severity(FK_DIRECT_IP) &&
	   findkind_severity(FK_DIRECT_IP) > findkind_severity(FK_UNEXPECTED_DOMAIN),
	   "hiding from the audit is worse than an unexplained address, worse than a name");
	for (int k = FK_NONE + 1; k < FK__COUNT; k++)
		ok(k == FK_CANARY || findkind_severity((enum findkind)k) <
		   findkind_severity(FK_CANARY), "canary is more serious than %s",
		   findkind_name((enum findkind)k));
	is_str(findkind_severity_name(findkind_severity(FK_CANARY)), "critical", "critical");

	/* the SQL expression agrees with the table, kind by kind */
	sqlite3 *db;
	sqlite3_stmt *st;

	sqlite3_open(":memory:", &db);
	sqlite3_prepare_v2(db, "SELECT " FINDKIND_SEV_SQL("?1"), -1, &st, NULL);
	for (int k = FK_NONE + 1; k < FK__COUNT; k++) {
		sqlite3_bind_text(st, 1, findkind_name((enum findkind)k), -1, SQLITE_STATIC);
		sqlite3_step(st);
		is_int(sqlite3_column_int(st, 0), findkind_severity((enum findkind)k),
		       "FINDKIND_SEV_SQL: %s", findkind_name((enum findkind)k));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT " FINDKIND_SEVNAME_SQL("?1"), -1, &st, NULL);
	for (int k = FK_NONE + 1; k < FK__COUNT; k++) {
		sqlite3_bind_text(st, 1, findkind_name((enum findkind)k), -1, SQLITE_STATIC);
		sqlite3_step(st);
		is_str((const char *)sqlite3_column_text(st, 0),
		       findkind_severity_name(findkind_severity((enum findkind)k)),
		       "FINDKIND_SEVNAME_SQL: %s", findkind_name((enum findkind)k));
		sqlite3_reset(st);
	}
	sqlite3_bind_text(st, 1, "no-such-kind", -1, SQLITE_STATIC);
	sqlite3_step(st);
	ok(sqlite3_column_type(st, 0) == SQLITE_NULL, "an unknown kind has no severity");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return done_testing();
}
