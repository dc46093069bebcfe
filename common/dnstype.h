/* dnstype: DNS record types and rcodes as people know them (A, TXT; NXDOMAIN), from
 * ldns's tables, so a query type is shown the same way in the report, the dashboard, the
 * alerts, the export and the log: the one place a type number becomes a name (C and,
 * through dnstype_sql_register, SQL) or a name a number (the dashboard's filter). Pure
 * but for the registration. */
#ifndef OCA_DNSTYPE_H
#define OCA_DNSTYPE_H

#include <stdint.h>

/* Bytes a buffer for dnstype_name needs. */
#define DNSTYPE_NAMELEN 16

/* The mnemonic of type ("A", "TXT", "ANY"), or "TYPE65280" (RFC 3597's form) written
 * into buf (DNSTYPE_NAMELEN bytes) for a type without one. Returns a static string or
 * buf. */
const char *dnstype_name(uint16_t type, char *buf);

/* The name of a reply's rcode ("NOERROR", "NXDOMAIN"), "RCODE23" into buf for one
 * without, or "no answer" for -1 (none was sent). Returns a static string or buf. */
const char *dnstype_rcode_name(int rcode, char *buf);

/* The type a mnemonic (any case: "a", "HTTPS", "ANY") or RFC 3597's "TYPE65280" names,
 * or -1 if it names none. */
int dnstype_from_name(const char *name);

/* Make the SQL functions oca_rrtype(type) and oca_rcode(rcode) (-1 = none sent), the
 * two above, known on db, so SQL shows DNS numbers as the C code does. Returns 0, or -1
 * (sqlite3_errmsg(db) says why). */
struct sqlite3;
int dnstype_sql_register(struct sqlite3 *db);

#endif
