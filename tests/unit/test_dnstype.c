/* Query types and rcodes by name, as every surface shows them. */
#include "config.h"

#include <sqlite3.h>

#include "common/dnstype.h"
#include "tap.h"

int
main(void)
{
	char b[DNSTYPE_NAMELEN];

	is_str(dnstype_name(1, b), "A", "1 = A");
	is_str(dnstype_name(28, b), "AAAA", "28 = AAAA");
	is_str(dnstype_name(16, b), "TXT", "16 = TXT");
	is_str(dnstype_name(10, b), "NULL", "10 = NULL");
	is_str(dnstype_name(65, b), "HTTPS", "65 = HTTPS");
	is_str(dnstype_name(255, b), "ANY", "255 = ANY");
	is_str(dnstype_name(252, b), "AXFR", "252 = AXFR");
	is_str(dnstype_name(54, b), "TYPE54", "an unassigned type: RFC 3597 form");
	is_str(dnstype_name(65535, b), "TYPE65535", "the largest");
	is_str(dnstype_name(0, b), "TYPE0", "zero");
	is_str(dnstype_rcode_name(0, b), "NOERROR", "rcode 0");
	is_str(dnstype_rcode_name(3, b), "NXDOMAIN", "rcode 3");
	is_str(dnstype_rcode_name(2, b), "SERVFAIL", "rcode 2");
	is_str(dnstype_rcode_name(-1, b), "no answer", "none sent");
	is_str(dnstype_rcode_name(23, b), "RCODE23", "no name");
	is_str(dnstype_name(65280, b), "TYPE65280", "a private-use type: RFC 3597 form");

	is_int(dnstype_from_name("A"), 1, "A = 1");
	is_int(dnstype_from_name("https"), 65, "any case");
	is_int(dnstype_from_name("TXT"), 16, "TXT = 16");
	is_int(dnstype_from_name("ANY"), 255, "a query-only type");
	is_int(dnstype_from_name("TYPE65280"), 65280, "RFC 3597 form");
	is_int(dnstype_from_name("type54"), 54, "... any case");
	is_int(dnstype_from_name("TYPE65536"), -1, "past 16 bits");
	is_int(dnstype_from_name("TYPE1x"), -1, "trailing junk");
	is_int(dnstype_from_name("BOGUS"), -1, "no such type");
	is_int(dnstype_from_name(""), -1, "empty");
	for (int t = 0; t < 65536; t += 97) {
		if (dnstype_from_name(dnstype_name((uint16_t)t, b)) != t) {
			ok(0, "round trip of %d", t);
			break;
		}
		if (t + 97 >= 65536)
			ok(1, "every name dnstype_name gives reads back as its type");
	}

	sqlite3 *db;
	sqlite3_stmt *st;

	sqlite3_open(":memory:", &db);
	is_int(dnstype_sql_register(db), 0, "SQL functions registered");
	sqlite3_prepare_v2(db, "SELECT oca_rrtype(28) || ' ' || oca_rrtype(65280) || ' ' || "
	                   "oca_rcode(3) || ' ' || oca_rcode(-1) || ' ' || "
	                   "coalesce(oca_rrtype(NULL), 'null')", -1, &st, NULL);
	sqlite3_step(st);
	is_str((const char *)sqlite3_column_text(st, 0), "AAAA TYPE65280 NXDOMAIN no answer null",
	       "SQL: the same names");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return done_testing();
}
