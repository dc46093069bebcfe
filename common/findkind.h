/* findkind: the finding kinds, the stable strings of the contract (DESIGN.md), in one
 * table with what each means and how serious it is. A new kind is one enum value and
 * one row of the table in findkind.c; nothing else names the kinds. Pure. */
#ifndef OCA_FINDKIND_H
#define OCA_FINDKIND_H

enum findkind {
	FK_NONE = 0,                /* no finding */
	FK_UNEXPECTED_DOMAIN,       /* a DNS query for a name outside the expected set */
	FK_UNEXPECTED_DESTINATION,  /* an address the VM got only from unexpected names */
	FK_DIRECT_IP,               /* an address no DNS answer gave the VM */
	FK_DNS_BYPASS,              /* DNS, DoT or DoQ to anyone but our resolver */
	FK_UNEXPECTED_PORT,         /* an expected name on a port/proto not expected */
	FK_DNS_TUNNEL,              /* many or long labels, or TXT volume, under one domain */
	FK_CANARY,                  /* a canary name was used: planted bait, read and acted on */
	FK_SNI_MISMATCH,            /* a TLS/QUIC SNI or HTTP Host the address does not explain */
	FK_ENCRYPTED_SNI,           /* a ClientHello with ECH: the real name is hidden */
	FK_VOLUME,                  /* more uploaded to one name in a day than its budget */
	FK_SENSOR,                  /* a sensor could not see (collector/sensorwatch.h) */
	FK__COUNT
};

/* How serious a kind is, for ordering and alert prominence: higher is worse. */
enum findkind_severity {
	FK_SEV_NONE = 0,
	FK_SEV_LOW,        /* policy drift: the name or port is unexpected, not hidden */
	FK_SEV_MEDIUM,     /* traffic to somewhere the expected set does not explain */
	FK_SEV_HIGH,       /* traffic that hides from the audit or carries data out */
	FK_SEV_CRITICAL,   /* the agent acted on bait planted for it: no innocent reading */
};

/* An SQL expression for the severity (the enum's number) of the kind named by SQL
 * expression x, for ORDER BY: most serious first is ORDER BY FINDKIND_SEV_SQL(..) DESC.
 * Kept equal to findkind.c's table by the unit test. */
#define FINDKIND_SEV_SQL(x) "(CASE " x " WHEN 'canary' THEN 4" \
	" WHEN 'dns-bypass' THEN 3 WHEN 'dns-tunnel' THEN 3 WHEN 'encrypted-sni' THEN 3" \
	" WHEN 'volume' THEN 3 WHEN 'sensor' THEN 3" \
	" WHEN 'unexpected-destination' THEN 2 WHEN 'direct-ip' THEN 2" \
	" WHEN 'sni-mismatch' THEN 2" \
	" WHEN 'unexpected-domain' THEN 1 WHEN 'unexpected-port' THEN 1 ELSE 0 END)"

/* The same as findkind_severity_name, in SQL: the severity's word, NULL for none. */
#define FINDKIND_SEVNAME_SQL(x) "(CASE " FINDKIND_SEV_SQL(x) " WHEN 4 THEN 'critical'" \
	" WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' END)"

/* The stable name ("direct-ip"); NULL for FK_NONE or a value out of range. */
const char *findkind_name(enum findkind k);

/* The kind a stable name stands for (exact bytes), or FK_NONE. */
enum findkind findkind_from_name(const char *name);

/* What the kind means, one line for people ("" for FK_NONE). */
const char *findkind_meaning(enum findkind k);

enum findkind_severity findkind_severity(enum findkind k);

/* The severity's word for people ("critical", "high", "medium", "low"; "" for none). */
const char *findkind_severity_name(enum findkind_severity s);

#endif
