#include "config.h"

#include <ctype.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain.h"
#include "common/hash.h"
#include "common/timefmt.h"
#include "policy.h"

#define TUNNEL_DOMAINS 4096
#define ENTROPY_MIN_LEN 24
#define ENTROPY_BITS 4.0

bool
policy_is_dns_port(int proto, int port)
{
	return (proto == IPPROTO_TCP || proto == IPPROTO_UDP) && (port == 53 || port == 853);
}

double
policy_entropy(const char *s, size_t len)
{
	unsigned counts[256] = { 0 };
	double h = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		counts[(unsigned char)tolower((unsigned char)s[i])]++;
	for (int i = 0; i < 256; i++) {
		if (counts[i]) {
			double p = (double)counts[i] / (double)len;
			h -= p * log2(p);
		}
	}
	return h;
}

struct tdomain {
	char base[256];
	int64_t hour;
	unsigned txt;
	unsigned n_labels;
	uint32_t *labels;          /* hashes of distinct first labels, up to the limit + 1 */
	bool used;
};

struct tunnel {
	struct tunnel_limits lim;
	struct tdomain *d;         /* TUNNEL_DOMAINS, open addressing, reset hourly */
	int64_t hour;
	size_t used;
};

struct tunnel *
tunnel_new(const struct tunnel_limits *lim)
{
	struct tunnel *t = calloc(1, sizeof(*t));

	if (!t || !(t->d = calloc(TUNNEL_DOMAINS, sizeof(*t->d)))) {
		free(t);
		return NULL;
	}
	t->lim = *lim;
	return t;
}

static void
tunnel_reset(struct tunnel *t)
{
	for (size_t i = 0; i < TUNNEL_DOMAINS; i++) {
		free(t->d[i].labels);
		memset(&t->d[i], 0, sizeof(t->d[i]));
	}
	t->used = 0;
}

void
tunnel_free(struct tunnel *t)
{
	if (!t)
		return;
	tunnel_reset(t);
	free(t->d);
	free(t);
}

static struct tdomain *
tdomain_get(struct tunnel *t, const char *base)
{
	size_t i = hash32_add_lower(HASH32_INIT, base, strlen(base)) & (TUNNEL_DOMAINS - 1);

	for (size_t probes = 0; probes < TUNNEL_DOMAINS; probes++, i = (i + 1) & (TUNNEL_DOMAINS - 1)) {
		struct tdomain *d = &t->d[i];
		if (d->used && strcmp(d->base, base) == 0)
			return d;
		if (!d->used) {
			if (t->used >= TUNNEL_DOMAINS * 3 / 4)
				return NULL;  /* full for this hour: counted no further */
			d->used = true;
			snprintf(d->base, sizeof(d->base), "%s", base);
			t->used++;
			return d;
		}
	}
	return NULL;
}

bool
tunnel_check(struct tunnel *t, const char *qname, int qtype, int64_t mono_us, char *base,
             size_t baselen, char *reason, size_t reasonlen)
{
	int64_t hour = mono_us / HOUR_US;
	size_t nlen = strlen(qname), blen;
	struct tdomain *d;
	bool hit = false;

	domain_base(qname, base, baselen);
	if (hour > t->hour) {  /* never back: a slow answer logged late must not reset it */
		tunnel_reset(t);
		t->hour = hour;
	}
	/* every label of the name left of the registered domain */
	blen = strlen(base);
	size_t sub = nlen > blen ? nlen - blen : 0;   /* bytes of subdomain incl. the dot */
	for (size_t i = 0; i + 1 < sub;) {
		size_t j = i;
		while (j < sub - 1 && qname[j] != '.')
			j++;
		size_t ll = j - i;
		if (t->lim.label_length && ll >= t->lim.label_length) {
			snprintf(reason, reasonlen, "a %zu-character label under %s", ll, base);
			hit = true;
		} else if (ll >= ENTROPY_MIN_LEN && policy_entropy(qname + i, ll) >= ENTROPY_BITS) {
			snprintf(reason, reasonlen, "a random-looking %zu-character label under %s",
			         ll, base);
			hit = true;
		}
		i = j + 1;
	}
	if (!(d = tdomain_get(t, base))) {
		/* thousands of registered domains in one hour is itself what a DGA or a tunnel
		 * spread over many domains looks like; never a way to go unseen */
		snprintf(reason, reasonlen, "more than %d registered domains resolved within an "
		         "hour", TUNNEL_DOMAINS * 3 / 4);
		return true;
	}
	if (qtype == 16 || qtype == 10) {  /* TXT, NULL */
		if (++d->txt > t->lim.txt_queries && t->lim.txt_queries) {
			snprintf(reason, reasonlen, "%u TXT/NULL queries under %s within an hour",
			         d->txt, base);
			hit = true;
		}
	}
	if (sub > 1 && t->lim.distinct_labels) {
		size_t ll = 0;
		while (ll < sub - 1 && qname[ll] != '.')
			ll++;
		uint32_t h = hash32_add_lower(HASH32_INIT, qname, ll);
		bool seen = false;
		for (unsigned i = 0; i < d->n_labels && !seen; i++)
			seen = d->labels[i] == h;
		if (!seen && d->n_labels <= t->lim.distinct_labels) {
			if (!d->labels)
				d->labels = calloc(t->lim.distinct_labels + 1, sizeof(uint32_t));
			if (d->labels)
				d->labels[d->n_labels++] = h;
		}
		if (d->n_labels > t->lim.distinct_labels) {
			snprintf(reason, reasonlen, "more than %u distinct names under %s within an "
			         "hour", t->lim.distinct_labels, base);
			hit = true;
		}
	}
	return hit;
}
