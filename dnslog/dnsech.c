/* Removing the ech SvcParam from SVCB/HTTPS records; see dnsech.h for why and what. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsech.h"

#define RDF_PARAMS 2     /* priority, target, SvcParams */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool
is_svcb(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_SVCB || t == LDNS_RR_TYPE_HTTPS;
}

/* Whether the SvcParams p (n bytes) walk: whole key/length/value triples, keys strictly
 * increasing (RFC 9460 2.2), a mandatory value a non-empty list of whole keys. Sets
 * *has_ech when key ech is among them. */
static bool
params_walk(const uint8_t *p, size_t n, bool *has_ech)
{
	size_t pos = 0;
	long prev = -1;

	*has_ech = false;
	while (pos < n) {
		uint16_t key, len;

		if (n - pos < 4)
			return false;
		key = get16(p + pos);
		len = get16(p + pos + 2);
		if ((long)key <= prev || n - pos - 4 < len)
			return false;
		if (key == DNSECH_KEY_MANDATORY && (len == 0 || len % 2 != 0))
			return false;
		if (key == DNSECH_KEY_ECH)
			*has_ech = true;
		prev = key;
		pos += 4 + (size_t)len;
	}
	return true;
}

/* Copy the SvcParams p (n bytes, already walked) into out without key ech, and without
 * ech in mandatory (nor mandatory itself if ech was all it listed). Returns the length
 * written (at most n). */
static size_t
params_without_ech(const uint8_t *p, size_t n, uint8_t *out)
{
	size_t pos = 0, o = 0;

	while (pos < n) {
		uint16_t key = get16(p + pos), len = get16(p + pos + 2);
		const uint8_t *v = p + pos + 4;

		pos += 4 + (size_t)len;
		if (key == DNSECH_KEY_ECH)
			continue;
		if (key == DNSECH_KEY_MANDATORY) {
			size_t start = o, vlen = 0;

			o += 4;
			for (size_t i = 0; i < len; i += 2) {
				if (get16(v + i) == DNSECH_KEY_ECH)
					continue;
				memcpy(out + o + vlen, v + i, 2);
				vlen += 2;
			}
			if (vlen == 0) {
				o = start;
				continue;
			}
			put16(out + start, key);
			put16(out + start + 2, (uint16_t)vlen);
			o += vlen;
			continue;
		}
		memcpy(out + o, p + pos - 4 - len, 4 + (size_t)len);
		o += 4 + (size_t)len;
	}
	return o;
}

enum dnsech_verdict
dnsech_strip_rr(ldns_rr *rr)
{
	const ldns_rdf *f;
	ldns_rdf *nf = NULL, *old;
	uint8_t *buf;
	size_t n, len;
	bool has_ech;

	if (!rr || !is_svcb(ldns_rr_get_type(rr)) || ldns_rr_rd_count(rr) <= RDF_PARAMS)
		return DNSECH_KEPT;        /* no SvcParams at all (AliasMode, or none given) */
	f = ldns_rr_rdf(rr, RDF_PARAMS);
	if (ldns_rr_rd_count(rr) != RDF_PARAMS + 1 || !f ||
	    ldns_rdf_get_type(f) != LDNS_RDF_TYPE_SVCPARAMS)
		return DNSECH_DROP;
	n = ldns_rdf_size(f);
	if (!params_walk(ldns_rdf_data(f), n, &has_ech))
		return DNSECH_DROP;
	if (!has_ech)
		return DNSECH_KEPT;
	if (!(buf = malloc(n)))
		return DNSECH_DROP;
	len = params_without_ech(ldns_rdf_data(f), n, buf);
	if (len > 0 && !(nf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_SVCPARAMS, len, buf))) {
		free(buf);
		return DNSECH_DROP;
	}
	free(buf);
	/* nothing left: the record has no SvcParams field, as on the wire */
	old = nf ? ldns_rr_set_rdf(rr, nf, RDF_PARAMS) : ldns_rr_pop_rdf(rr);
	ldns_rdf_deep_free(old);
	return DNSECH_STRIPPED;
}

/* Whether the RRSIG sig covers an RRset of l that changed (verdict[j] not KEPT). */
static bool
covers_changed(const ldns_rr *sig, const ldns_rr_list *l, const uint8_t *verdict,
               size_t n)
{
	const ldns_rdf *tc = ldns_rr_rrsig_typecovered(sig);
	ldns_rr_type t;

	if (!tc || ldns_rdf_size(tc) != 2)
		return false;
	t = ldns_rdf2rr_type(tc);
	if (!is_svcb(t))
		return false;
	for (size_t j = 0; j < n; j++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, j);

		if (verdict[j] != DNSECH_KEPT && ldns_rr_get_type(rr) == t &&
		    ldns_rr_get_class(rr) == ldns_rr_get_class(sig) &&
		    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(sig)) == 0)
			return true;
	}
	return false;
}

long
dnsech_strip_list(ldns_rr_list *l)
{
	size_t n = l ? ldns_rr_list_rr_count(l) : 0, kept = 0;
	uint8_t *verdict;
	bool any = false;
	long changed = 0;

	if (n == 0)
		return 0;
	if (!(verdict = calloc(n, 1)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		verdict[i] = (uint8_t)dnsech_strip_rr(ldns_rr_list_rr(l, i));
		if (verdict[i] != DNSECH_KEPT) {
			any = true;
			changed++;
		}
	}
	for (size_t i = 0; any && i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && covers_changed(rr, l, verdict, n))
			verdict[i] = DNSECH_DROP;
	}
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (verdict[i] == DNSECH_DROP)
			ldns_rr_free(rr);
		else
			ldns_rr_list_set_rr(l, rr, kept++);
	}
	ldns_rr_list_set_rr_count(l, kept);
	free(verdict);
	return changed;
}
