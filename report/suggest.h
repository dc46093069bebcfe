/* suggest: the rules (common/rules.h) that would have kept a window's findings from
 * being raised, for the operator to review: `oc-audit report --suggest-policy`. Nothing
 * here applies them.
 *
 * Only names can be expected, so only the findings about a name become rules:
 * unexpected-domain (the name, no port), unexpected-destination and unexpected-port (the
 * name on its proto/port) and sni-mismatch for a name outside the expected set. A
 * registered domain whose names fold (common/domain.h: a "*.domain" finding, or more
 * than DOMAIN_FOLD_NAMES of its names) gets one "*.domain" rule; one with tunnel-like
 * labels (a dns-tunnel finding) or a canary under it gets that rule only commented out,
 * with the reason. A name with a canary or sensor finding never becomes a rule. What no
 * rule can expect (direct-ip, dns-bypass, dns-tunnel, volume, encrypted-sni, a folded
 * finding without its ports) is told as a note, one "#" comment line each.
 *
 * suggest_covers is the other half: the report asks it, for each finding, whether the
 * rules as configured now would have kept it from being raised, so a window whose
 * suggestions were applied reads CLEAN on the same database.
 *
 * Pure: no I/O, no clock. Memory is bounded: findings are (collector/fold.h: at most
 * FOLD_KIND_MAX + 1 per kind), and past SUGGEST_MAX_FINDINGS the rest are counted. */
#ifndef OCA_SUGGEST_H
#define OCA_SUGGEST_H

#include <stdbool.h>

#include "common/rules.h"

#define SUGGEST_MAX_FINDINGS 16384  /* findings considered; the rest counted in a note */
#define SUGGEST_MAX_NOTES 200       /* notes kept; the rest counted in the last one */
#define SUGGEST_NOTELEN 600

/* A finding as the report reads it (strings NULL when the finding has none). */
struct suggest_finding {
	const char *kind, *domain, *ip, *proto, *detail;
	int port;                    /* -1 = none */
};

/* Would rs have kept f from being raised: does a rule now expect what f is about (its
 * name; its name on its proto/port)? False for every kind no rule can expect. */
bool suggest_covers(const struct rules *rs, const struct suggest_finding *f);

struct suggest;

/* An empty suggestion on top of current (the rules configured now, or NULL; not copied:
 * it must outlive s). NULL on out of memory. Free with suggest_free (NULL is fine). */
struct suggest *suggest_new(const struct rules *current);
void suggest_free(struct suggest *s);

/* Consider one finding (its strings are copied). Returns 0, or -1 on out of memory. */
int suggest_add(struct suggest *s, const struct suggest_finding *f);

/* Decide, after the last suggest_add. Returns 0, or -1 on out of memory. */
int suggest_finish(struct suggest *s);

/* The rules to add, after suggest_finish: n of them; rule i as a line of text into buf
 * (RULES_LINELEN bytes), and why it is only a comment ("" = it is to be used as it
 * is; else a warning, and the rule is to be printed commented out). */
int suggest_rule_count(const struct suggest *s);
const char *suggest_rule_text(const struct suggest *s, int i, char *buf);
const char *suggest_rule_warning(const struct suggest *s, int i);

/* The notes, after suggest_finish: what no rule can expect, one line each, without the
 * leading "# " ("203.0.113.9 tcp/443: no name, cannot be expected by a rule"). */
int suggest_note_count(const struct suggest *s);
const char *suggest_note(const struct suggest *s, int i);

#endif
