/* dnsequiv.h (tests only): do two DNS messages say the same thing? Both parsed by ldns:
 * the same header bits and rcode, the same EDNS, the question with the same bytes (case
 * included) and every record of every section equal in order (ldns_rr_compare: names
 * compared without case, compression undone). Included by test_dnsmsg and
 * fuzz_dnsanswer, which hold the two paths of dnsmsg_build_reply to it. */
#ifndef OCA_DNSEQUIV_H
#define OCA_DNSEQUIV_H

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "common/event.h"

static inline bool
dnsequiv_lists(const ldns_rr_list *a, const ldns_rr_list *b)
{
	size_t n = a ? ldns_rr_list_rr_count(a) : 0;

	if (n != (b ? ldns_rr_list_rr_count(b) : 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if (ldns_rr_compare(ldns_rr_list_rr(a, i), ldns_rr_list_rr(b, i)) != 0)
			return false;
	return true;
}

static inline bool
dnsequiv_msgs(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	ldns_pkt *x = NULL, *y = NULL;
	const ldns_rdf *qx, *qy;
	bool same = false;

	if (ldns_wire2pkt(&x, a, alen) != LDNS_STATUS_OK ||
	    ldns_wire2pkt(&y, b, blen) != LDNS_STATUS_OK)
		goto out;
	if (ldns_pkt_id(x) != ldns_pkt_id(y) || ldns_pkt_qr(x) != ldns_pkt_qr(y) ||
	    ldns_pkt_get_opcode(x) != ldns_pkt_get_opcode(y) ||
	    ldns_pkt_aa(x) != ldns_pkt_aa(y) || ldns_pkt_tc(x) != ldns_pkt_tc(y) ||
	    ldns_pkt_rd(x) != ldns_pkt_rd(y) || ldns_pkt_cd(x) != ldns_pkt_cd(y) ||
	    ldns_pkt_ra(x) != ldns_pkt_ra(y) || ldns_pkt_ad(x) != ldns_pkt_ad(y) ||
	    ldns_pkt_get_rcode(x) != ldns_pkt_get_rcode(y))
		goto out;
	if (ldns_pkt_edns(x) != ldns_pkt_edns(y) ||
	    ldns_pkt_edns_udp_size(x) != ldns_pkt_edns_udp_size(y) ||
	    ldns_pkt_edns_do(x) != ldns_pkt_edns_do(y) ||
	    ldns_pkt_edns_extended_rcode(x) != ldns_pkt_edns_extended_rcode(y) ||
	    ldns_pkt_edns_version(x) != ldns_pkt_edns_version(y))
		goto out;
	if (!dnsequiv_lists(ldns_pkt_question(x), ldns_pkt_question(y)) ||
	    !dnsequiv_lists(ldns_pkt_answer(x), ldns_pkt_answer(y)) ||
	    !dnsequiv_lists(ldns_pkt_authority(x), ldns_pkt_authority(y)) ||
	    !dnsequiv_lists(ldns_pkt_additional(x), ldns_pkt_additional(y)))
		goto out;
	if (ldns_rr_list_rr_count(ldns_pkt_question(x)) == 1) {
		qx = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(x), 0));
		qy = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(y), 0));
		if (ldns_rdf_size(qx) != ldns_rdf_size(qy) ||
		    memcmp(ldns_rdf_data(qx), ldns_rdf_data(qy), ldns_rdf_size(qx)) != 0)
			goto out;
	}
	same = true;
out:
	ldns_pkt_free(x);
	ldns_pkt_free(y);
	return same;
}

/* The same answers, in order: names, types, TTLs and data; names and data compared
 * without case if nocase (what a client reads in a reply against what was logged: a
 * reply may spell a name as the client's question does, the log as libunbound did). */
static inline bool
dnsequiv_answers(const struct dns_answer *a, size_t na, const struct dns_answer *b,
                 size_t nb, bool nocase)
{
	int (*cmp)(const char *, const char *) = nocase ? strcasecmp : strcmp;

	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (cmp(a[i].name, b[i].name) || cmp(a[i].data, b[i].data) ||
		    a[i].rtype != b[i].rtype || a[i].ttl != b[i].ttl)
			return false;
	return true;
}

#endif
