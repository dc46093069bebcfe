/* nftcheck: does the live nftables ruleset log the VM's new connections to our NFLOG
 * group? Pure: it reads the ruleset as libnftables prints it in JSON (`nft -j list
 * ruleset`), through SQLite's JSON functions, and decides; the netadm helper fetches the
 * text. */
#ifndef OCA_NFTCHECK_H
#define OCA_NFTCHECK_H

#include <sqlite3.h>

#include "common/netaddr.h"

enum nftcheck_verdict {
	NFTCHECK_OK = 0,         /* a forward-hook rule logs the VM's new connections */
	NFTCHECK_MISSING = 1,    /* none does */
	NFTCHECK_WRONG_GROUP = 2,/* one would, but to another NFLOG group */
	NFTCHECK_ERROR = 3,      /* the ruleset could not be read or understood */
};

#define NFTCHECK_DETAIL 240

struct nftcheck_result {
	enum nftcheck_verdict verdict;
	unsigned rules;            /* rules seen in forward-hook chains */
	char detail[NFTCHECK_DETAIL]; /* one line: the rule found, or what is missing */
};

/* Look for a rule in a chain with hook forward whose statements log to NFLOG `group` and
 * whose matches let the VM's new connections through to that log: a source address
 * (ip/ip6 saddr) overlapping one of vm[0..n_vm), or an input interface (iifname/iif), or
 * no source match at all; a ct state match must include new; any other match (a port, a
 * destination) makes it log only part of them. mem is an open SQLite connection used only
 * for its JSON functions (":memory:"). Always fills out; returns out->verdict. */
enum nftcheck_verdict nftcheck_ruleset(sqlite3 *mem, const char *json, unsigned group,
                                       const struct cidr *vm, int n_vm,
                                       struct nftcheck_result *out);

/* Enforce mode's own part of the ruleset (enforce.h): is table inet `table` there, with
 * its sets allow4 and allow6, a chain with hook forward, and a rule that drops? NFTCHECK_OK
 * when all are, NFTCHECK_MISSING (detail: the first missing) when one is not, NFTCHECK_ERROR
 * when json cannot be read. mem as above. Always fills out; returns out->verdict. */
enum nftcheck_verdict nftcheck_enforce(sqlite3 *mem, const char *json, const char *table,
                                       struct nftcheck_result *out);

/* The verdict's stable name: "ok", "missing", "wrong-group", "error". */
const char *nftcheck_verdict_name(enum nftcheck_verdict v);

#endif
