/* domain: the one rule by which many names are told as one: the registered domain a name
 * belongs to, and how many of one domain's names are shown one by one before the rest
 * fold under "*.domain". The findings (collector/fold.c), the report's names list and
 * the rules the report suggests (report/suggest.h) all group names by it, so a tunnel's
 * random labels read the same everywhere. Pure. */
#ifndef OCA_DOMAIN_H
#define OCA_DOMAIN_H

#include <stddef.h>

/* Names of one registered domain told one by one; past it they share "*.domain". */
#define DOMAIN_FOLD_NAMES 8

/* The registered domain name belongs to, by a heuristic: the last two labels, or the
 * last three when the name ends like "co.uk" (second-level label of at most 3 letters
 * under a 2-letter country code). Lower case, no final dot, cut to outlen - 1 bytes. */
void domain_base(const char *name, char *out, size_t outlen);

#endif
