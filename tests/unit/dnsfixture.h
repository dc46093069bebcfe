/* dnsfixture.h (unit tests only): DNS queries and libunbound-like answers to feed
 * dnsmsg and rcache, built from plain values (queries by hand, answers with ldns from
 * presentation-form records). */
#ifndef OCA_DNSFIXTURE_H
#define OCA_DNSFIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldns/ldns.h>

/* www.example.com, wire form */
static const uint8_t WWW[] = "\3www\7example\3com";  /* + the final 0 from the literal */
#define WWW_LEN 17

/* Build a query: header, question (name of nlen bytes), optional OPT. Returns length. */
static inline size_t
mkquery(uint8_t *p, uint16_t id, uint16_t flags, const uint8_t *name, size_t nlen,
        uint16_t qtype, int edns_size, uint8_t edns_version, int do_bit)
{
	size_t n = 12;

	memset(p, 0, 12);
	p[0] = (uint8_t)(id >> 8);
	p[1] = (uint8_t)id;
	p[2] = (uint8_t)(flags >> 8);
	p[3] = (uint8_t)flags;
	p[5] = 1;
	p[11] = edns_size >= 0;
	memcpy(p + n, name, nlen);
	n += nlen;
	p[n++] = (uint8_t)(qtype >> 8);
	p[n++] = (uint8_t)qtype;
	p[n++] = 0;
	p[n++] = 1;
	if (edns_size >= 0) {
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = 41;
		p[n++] = (uint8_t)(edns_size >> 8);
		p[n++] = (uint8_t)edns_size;
		p[n++] = 0;
		p[n++] = edns_version;
		p[n++] = do_bit ? 0x80 : 0;
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = 0;
	}
	return n;
}

/* An answer packet built with ldns from presentation-form records. */
static inline uint8_t *
mkanswer(size_t *len, const char *qname, ldns_rr_type qt, ldns_pkt_rcode rcode,
         const char *const *an, const char *const *ns, bool edns)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *rr = NULL;
	uint8_t *w = NULL;

	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	rr = ldns_rr_new();
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(qname));
	ldns_rr_set_type(rr, qt);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(rr, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr);
	for (; an && *an; an++) {
		ldns_rr_new_frm_str(&rr, *an, 0, NULL, NULL);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	for (; ns && *ns; ns++) {
		ldns_rr_new_frm_str(&rr, *ns, 0, NULL, NULL);
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
	}
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 65535);
	ldns_pkt2wire(&w, p, len);
	ldns_pkt_free(p);
	return w;
}

#endif
