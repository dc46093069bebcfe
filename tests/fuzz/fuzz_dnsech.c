/* libFuzzer target: dnsech on records an upstream sends. The input's first byte picks
 * SVCB or HTTPS and whether an RRSIG over it follows; the rest is the record's data
 * (priority, target, SvcParams) as it would come off the wire. What must hold:
 *   - a record left whole has no ech key; a stripped one has none either, keeps every
 *     other key with its value and in order, and re-encodes and parses back through ldns;
 *   - stripping is idempotent;
 *   - in a list, the records come out in order, the dropped ones and the RRSIGs over a
 *     changed RRset gone, every other one kept. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dnslog/dnsech.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The SvcParams of rr (or an empty list): data and length. */
static const uint8_t *
params_of(const ldns_rr *rr, size_t *n)
{
	*n = 0;
	if (ldns_rr_rd_count(rr) < 3)
		return NULL;
	*n = ldns_rdf_size(ldns_rr_rdf(rr, 2));
	return ldns_rdf_data(ldns_rr_rdf(rr, 2));
}

/* Whether b is a without its ech key and ech entries of mandatory (both walked). */
static bool
is_a_without_ech(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t i = 0, j = 0;

	while (i < na) {
		uint16_t key = get16(a + i), len = get16(a + i + 2);

		if (key == DNSECH_KEY_ECH) {
			i += 4 + (size_t)len;
			continue;
		}
		if (key == DNSECH_KEY_MANDATORY) {
			size_t want = 0;

			for (size_t k = 0; k < len; k += 2)
				want += get16(a + i + 4 + k) != DNSECH_KEY_ECH ? 2 : 0;
			if (want == 0) {
				i += 4 + (size_t)len;
				continue;
			}
			if (nb - j < 4 + want || get16(b + j) != key || get16(b + j + 2) != want)
				return false;
			for (size_t k = 0, o = 0; k < len; k += 2)
				if (get16(a + i + 4 + k) != DNSECH_KEY_ECH) {
					if (memcmp(a + i + 4 + k, b + j + 4 + o, 2) != 0)
						return false;
					o += 2;
				}
			i += 4 + (size_t)len;
			j += 4 + want;
			continue;
		}
		if (nb - j < 4 + (size_t)len || memcmp(a + i, b + j, 4 + (size_t)len) != 0)
			return false;
		i += 4 + (size_t)len;
		j += 4 + (size_t)len;
	}
	return j == nb;
}

static bool
has_ech(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i += 4 + (size_t)get16(p + i + 2))
		if (get16(p + i) == DNSECH_KEY_ECH)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t w[70000];
	size_t len = 0, pos = 0, rdlen, n0, n1;
	ldns_rr *rr = NULL, *copy, *back = NULL, *sig = NULL;
	ldns_rr_list *l;
	uint8_t *wire = NULL, *before;
	const uint8_t *p;
	enum dnsech_verdict v;
	bool with_sig;
	long changed;

	if (size < 1 || size - 1 > 65535)
		return 0;
	rdlen = size - 1;
	w[len++] = 1, w[len++] = 'a', w[len++] = 0;
	w[len++] = 0, w[len++] = (data[0] & 1) ? 64 : 65;
	w[len++] = 0, w[len++] = 1;
	w[len++] = 0, w[len++] = 0, w[len++] = 1, w[len++] = 0;
	w[len++] = (uint8_t)(rdlen >> 8), w[len++] = (uint8_t)rdlen;
	memcpy(w + len, data + 1, rdlen);
	len += rdlen;
	with_sig = data[0] & 2;
	if (ldns_wire2rr(&rr, w, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return 0;

	if (!(copy = ldns_rr_clone(rr)))
		__builtin_trap();
	p = params_of(rr, &n0);
	before = n0 ? malloc(n0) : NULL;
	if (n0 && !before)
		__builtin_trap();
	if (n0)
		memcpy(before, p, n0);
	v = dnsech_strip_rr(rr);
	p = params_of(rr, &n1);
	switch (v) {
	case DNSECH_KEPT:
		if (ldns_rr_compare(rr, copy) != 0 || has_ech(p, n1))
			__builtin_trap();
		break;
	case DNSECH_STRIPPED:
		if (has_ech(p, n1) || !is_a_without_ech(before, n0, p, n1))
			__builtin_trap();
		if (ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &len) != LDNS_STATUS_OK)
			__builtin_trap();
		pos = 0;
		if (ldns_wire2rr(&back, wire, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK ||
		    ldns_rr_compare(back, rr) != 0)
			__builtin_trap();
		ldns_rr_free(back);
		LDNS_FREE(wire);
		if (dnsech_strip_rr(rr) != DNSECH_KEPT)
			__builtin_trap();
		break;
	case DNSECH_DROP:
		if (ldns_rr_compare(rr, copy) != 0)
			__builtin_trap();
		break;
	}
	free(before);
	ldns_rr_free(rr);

	/* the same record in a list, between two others, maybe with its RRSIG */
	if (!(l = ldns_rr_list_new()))
		__builtin_trap();
	ldns_rr_new_frm_str(&rr, "a. 300 IN A 192.0.2.1", 0, NULL, NULL);
	ldns_rr_list_push_rr(l, rr);
	ldns_rr_list_push_rr(l, copy);
	if (with_sig) {
		ldns_rr_new_frm_str(&sig, (data[0] & 1) ?
		                    "a. 300 IN RRSIG SVCB 13 1 300 20300101000000 20200101000000 1 "
		                    ". dGVzdA==" :
		                    "a. 300 IN RRSIG HTTPS 13 1 300 20300101000000 20200101000000 1 "
		                    ". dGVzdA==", 0, NULL, NULL);
		ldns_rr_list_push_rr(l, sig);
	}
	ldns_rr_new_frm_str(&rr, "a. 300 IN AAAA 2001:db8::1", 0, NULL, NULL);
	ldns_rr_list_push_rr(l, rr);
	changed = dnsech_strip_list(l);
	if (changed != (v == DNSECH_KEPT ? 0 : 1))
		__builtin_trap();
	if (ldns_rr_list_rr_count(l) != 3u + with_sig - (v == DNSECH_DROP) -
	    (with_sig && v != DNSECH_KEPT))
		__builtin_trap();
	if (ldns_rr_get_type(ldns_rr_list_rr(l, 0)) != LDNS_RR_TYPE_A ||
	    ldns_rr_get_type(ldns_rr_list_rr(l, ldns_rr_list_rr_count(l) - 1)) !=
	    LDNS_RR_TYPE_AAAA)
		__builtin_trap();
	if (dnsech_strip_list(l) != 0)
		__builtin_trap();
	ldns_rr_list_deep_free(l);
	return 0;
}
