#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <sqlite3.h>

#include <ldns/ldns.h>

#include "dnstype.h"

/* the query-only types are not in ldns's table of record types */
static const struct { uint16_t type; const char *name; } qonly[] = {
	{ 251, "IXFR" }, { 252, "AXFR" }, { 253, "MAILB" }, { 254, "MAILA" }, { 255, "ANY" },
};

const char *
dnstype_name(uint16_t type, char *buf)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	for (size_t i = 0; i < sizeof(qonly) / sizeof(qonly[0]); i++)
		if (qonly[i].type == type)
			return qonly[i].name;
	if (d && d->_name && d->_type == type)
		return d->_name;
	snprintf(buf, DNSTYPE_NAMELEN, "TYPE%u", type);
	return buf;
}

const char *
dnstype_rcode_name(int rcode, char *buf)
{
	ldns_lookup_table *t;

	if (rcode < 0)
		return "no answer";
	if ((t = ldns_lookup_by_id(ldns_rcodes, rcode)) && t->name)
		return t->name;
	snprintf(buf, DNSTYPE_NAMELEN, "RCODE%d", rcode);
	return buf;
}

int
dnstype_from_name(const char *name)
{
	ldns_rr_type t;
	char *end;
	unsigned long n;
	char buf[DNSTYPE_NAMELEN];

	if (!name || !*name)
		return -1;
	for (size_t i = 0; i < sizeof(qonly) / sizeof(qonly[0]); i++)
		if (strcasecmp(name, qonly[i].name) == 0)
			return qonly[i].type;
	if (strncasecmp(name, "TYPE", 4) == 0 && name[4] >= '0' && name[4] <= '9') {
		n = strtoul(name + 4, &end, 10);
		return *end || n > 65535 ? -1 : (int)n;
	}
	/* ldns answers 0 for a name it does not know, and knows some by other spellings:
	 * a name is a type only when the type's own mnemonic is that name */
	t = ldns_get_rr_type_by_name(name);
	if (t == 0 || strcasecmp(dnstype_name((uint16_t)t, buf), name) != 0)
		return -1;
	return (int)t;
}

static void
sql_rrtype(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	char buf[DNSTYPE_NAMELEN];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(cx);
		return;
	}
	sqlite3_result_text(cx, dnstype_name((uint16_t)sqlite3_value_int(argv[0]), buf), -1,
	                    SQLITE_TRANSIENT);
}

static void
sql_rcode(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	char buf[DNSTYPE_NAMELEN];

	(void)argc;
	sqlite3_result_text(cx, dnstype_rcode_name(sqlite3_value_int(argv[0]), buf), -1,
	                    SQLITE_TRANSIENT);
}

int
dnstype_sql_register(struct sqlite3 *db)
{
	if (sqlite3_create_function(db, "oca_rrtype", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	                            NULL, sql_rrtype, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "oca_rcode", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	                            sql_rcode, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
