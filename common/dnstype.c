#include "config.h"

#include <stdio.h>

#include <ldns/ldns.h>

#include "dnstype.h"

const char *
dnstype_name(uint16_t type, char *buf)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	/* the query-only types are not in ldns's table of record types */
	switch (type) {
	case 251: return "IXFR";
	case 252: return "AXFR";
	case 253: return "MAILB";
	case 254: return "MAILA";
	case 255: return "ANY";
	}
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
