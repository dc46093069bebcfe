/* rules: what the VM is expected to do, as precise rules, and the canary names it must
 * never touch. A rule is one name (exact, or "*.example.com" for its subdomains only)
 * with the protocols and ports it may be reached on:
 *
 *     api.telegram.org tcp/443
 *     *.pool.ntp.org udp/123
 *     time.example.net udp/123 tcp/443
 *     status.example.org                 (resolving it is expected; no connection is)
 *
 * The rules come from [policy] expect (comma-separated), from expected_domains x
 * expected_ports (each name on each port), and from the rules file (one rule a line, '#'
 * comments). One set holds them all; rules_file's are reread while the daemon runs, so a
 * set is built whole and then handed over, never changed while in use.
 *
 * Pure: no I/O, no clock, no globals. The callers read files and print; every function
 * here takes and returns plain text and structs, so the unit tests and the daemon, the
 * resolver, the capture sensor and the report decide alike. */
#ifndef OCA_RULES_H
#define OCA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULES_NAMELEN 256      /* a normalised name or pattern, NUL included */
#define RULE_MAX_PORTS 16      /* proto/port pairs in one rule */
#define RULES_MAX 4096         /* rules in one set, every source together */
#define RULES_CANARY_MAX 64    /* canary names or patterns */
#define RULES_LINELEN 512      /* one rule as text (rules_format) always fits */

struct rule_port {
	uint8_t proto;             /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;             /* 1..65535 */
};

struct rule {
	char name[RULES_NAMELEN];  /* lower case, no final dot; "*.x" = strict subdomains */
	int n_ports;               /* 0: the name may be resolved, nothing more */
	struct rule_port ports[RULE_MAX_PORTS];
};

struct rules {
	struct rule *r;            /* n rules, merged: one per name, ports in order given */
	int n, cap;
	char canary[RULES_CANARY_MAX][RULES_NAMELEN];
	int n_canary;
};

/* An empty set. NULL on out of memory. Free with rules_free (NULL is fine). */
struct rules *rules_new(void);
void rules_free(struct rules *rs);

/* A deep copy of rs. NULL on out of memory. */
struct rules *rules_dup(const struct rules *rs);

/* Lower case, no final dot: a name or "*.name" pattern as rules hold it. Returns 0, or
 * -1 if in is neither (letters, digits, '-', '_' in labels of 1..63, at most 253). */
int rules_name_normalise(const char *in, char *out, size_t outlen);

/* Parse "tcp/443" (any case). Returns 0, or -1 with a reason in err. */
int rules_port_parse(const char *s, struct rule_port *out, char *err, size_t errlen);

/* Parse one rule, "NAME [PROTO/PORT ...]" separated by white space, into *out.
 * Returns 0, or -1 with a reason in err. */
int rules_parse_one(const char *text, struct rule *out, char *err, size_t errlen);

/* Add a rule: a name already present gains the ports it lacked. Returns 0, or -1 with
 * a reason in err (the set is full, or out of memory); the set is unchanged then. */
int rules_add(struct rules *rs, const struct rule *r, char *err, size_t errlen);

/* Parse a comma-separated list of rules (the expect key) into rs. Returns 0, or -1 with
 * the first bad rule and why in err (rules before it stay added). */
int rules_parse_list(struct rules *rs, const char *list, char *err, size_t errlen);

/* Called once per bad line of a rules file: line number (from 1), the line as given
 * (cut at RULES_LINELEN) and why. */
typedef void (*rules_error_fn)(void *ctx, int line, const char *text, const char *why);

/* Parse the text of a rules file (len bytes: one rule a line, '#' to the end of a line
 * is a comment, blank lines ignored) into rs. Every bad line is reported through err_fn
 * and skipped. Returns the number of bad lines. */
int rules_parse_text(struct rules *rs, const char *text, size_t len, rules_error_fn err_fn,
                     void *ctx);

/* Add the canary names or patterns of a comma-separated list. Returns 0, or -1 with a
 * reason in err. */
int rules_parse_canaries(struct rules *rs, const char *list, char *err, size_t errlen);

/* Does name (presentation form, any case, final dot or not) match pattern (as
 * rules_name_normalise makes it)? */
bool rules_name_match(const char *pattern, const char *name);

/* Is name expected at all (some rule names it: resolving it raises nothing)? */
bool rules_name_expected(const struct rules *rs, const char *name);

/* Is a connection to name on proto/port expected (a rule naming name lists it)? */
bool rules_expected(const struct rules *rs, const char *name, int proto, int port);

/* The canary pattern name matches, or NULL if it is no canary. */
const char *rules_canary(const struct rules *rs, const char *name);

/* Bytes of randomness rules_canary_make takes: 60 bits, one label of 12 letters. */
#define RULES_CANARY_RANDOM 8

/* A fresh canary name under domain (a name, or a "*.name" canary pattern): a random
 * label of 12 characters (a-z, 2-7) from rnd, then the domain, into out. Returns 0, or
 * -1 if domain is no name or the result does not fit in outlen. */
int rules_canary_make(const char *domain, const uint8_t rnd[RULES_CANARY_RANDOM], char *out,
                      size_t outlen);

/* A rule as one line of text ("api.telegram.org tcp/443 udp/443"), into out (at most
 * outlen bytes, RULES_LINELEN always suffices). Returns out. */
char *rules_format(const struct rule *r, char *out, size_t outlen);

#endif
