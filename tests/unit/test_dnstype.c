/* Query types and rcodes by name, as every surface shows them. */
#include "config.h"

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
	return done_testing();
}
