/* fold: how many findings a kind may hold. A hostile VM chooses the keys of most
 * findings (names under a zone it controls, addresses, ports), and every new finding is
 * a row, an alert and a line of the report for ever. So past a few findings per group
 * the rest of the group share one finding, and past FOLD_KIND_MAX findings of a kind
 * every new key of that kind shares one ("*"). Narrowest first:
 *
 *   names (unexpected-domain)    the name; FOLD_PER_GROUP per registered domain,
 *                                then "*.base"
 *   addresses (direct-ip,        "ip:port/proto"; FOLD_PER_GROUP ports per address, then
 *   unexpected-destination,      "ip:*"; FOLD_PER_GROUP addresses with findings of their
 *   dns-bypass)                  own per network (/24, IPv6 /48), then "net/len:*"
 *   ports (unexpected-port)      "name port/proto"; FOLD_PER_GROUP per name, then "name *"
 *   every other kind             the key as raised
 *
 * so a kind never holds more than FOLD_KIND_MAX + 1 findings. Counts live in one table
 * of hashes keyed with a seed the VM does not know; a full table folds further, never
 * fails. Pure: no I/O, no clock; the core rebuilds it from the findings table. */
#ifndef OCA_FOLD_H
#define OCA_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain.h"
#include "common/findkind.h"
#include "common/netaddr.h"

#define FOLD_PER_GROUP DOMAIN_FOLD_NAMES  /* names: the one rule of common/domain.h */
#define FOLD_KIND_MAX 512
#define FOLD_KEYLEN 1400

enum fold_level {
	FOLD_EXACT = 0,    /* the key as raised */
	FOLD_GROUP,        /* "*.base", "ip:*", "name *" */
	FOLD_NET,          /* "net/len:*" (addresses only) */
	FOLD_KIND,         /* "*" */
};

/* A finding as raised, before folding. */
struct fold_in {
	enum findkind kind;
	const char *key;               /* the exact key */
	const char *name;              /* names: the name (base derived); ports: the name */
	const struct netaddr *addr;    /* addresses: the destination */
};

/* Where it goes. Past FOLD_EXACT the finding stands for many: it has no port or proto,
 * and domain and ip are what it still names. */
struct fold_out {
	enum fold_level level;
	char key[FOLD_KEYLEN];         /* the key to store it under */
	const char *domain, *ip;       /* past FOLD_EXACT: the finding's domain and ip (into
	                                  in or out; NULL = none) */
	char addr[NETADDR_STRLEN + 8]; /* behind ip: "198.51.100.9", "198.51.100.0/24" */
	const char *why;               /* FOLD_EXACT: ""; else what the folded finding holds,
	                                  to follow its detail (static) */
};

struct fold;

/* An empty table; seed keys its hash. NULL on out of memory. */
struct fold *fold_new(uint64_t seed);
void fold_free(struct fold *f);

/* Forget every count (the core then seeds it again from the database). */
void fold_reset(struct fold *f);

/* Decide where in goes, into out. */
void fold_decide(const struct fold *f, const struct fold_in *in, struct fold_out *out);

/* A finding was created where out said: count it. */
void fold_note(struct fold *f, const struct fold_in *in, const struct fold_out *out);

/* Count a finding stored earlier: its kind name, key, ip and domain columns (NULL when
 * SQL NULL), as fold_decide's key and the core made them. Unknown kinds are ignored. */
void fold_seed(struct fold *f, const char *kind, const char *key, const char *ip,
               const char *domain);

/* Findings of kind counted so far. */
unsigned fold_kind_count(const struct fold *f, enum findkind kind);

#endif
