/* The answers and the reply, without I/O: libunbound's answer packet read through ldns
 * into the records the log keeps, and re-encoded for the client with only what it asked
 * for (dnsmsg.h). Every message is walked by hand before ldns sees it. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dnsech.h"
#include "dnsmsg.h"
#include "dnsmsgint.h"

/* Append s (and a separating space) to the growing string *buf. Returns 0 or -1. */
static int
append(char **buf, size_t *len, const char *s)
{
	size_t sl = strlen(s), need = *len + (*len ? 1 : 0) + sl + 1;
	char *nb = realloc(*buf, need);

	if (!nb)
		return -1;
	if (*len)
		nb[(*len)++] = ' ';
	memcpy(nb + *len, s, sl + 1);
	*len += sl;
	*buf = nb;
	return 0;
}

/* One rdata field as text: names in our presentation form, addresses by inet_ntop,
 * the rest by ldns. Returns a malloc'ed string or NULL. */
static char *
rdf_str(const ldns_rdf *f)
{
	const uint8_t *d = ldns_rdf_data(f);
	size_t sz = ldns_rdf_size(f);
	char buf[DNSMSG_NAME_STRLEN];

	switch (ldns_rdf_get_type(f)) {
	case LDNS_RDF_TYPE_DNAME:
		if (dnsmsg_name_str(d, sz, buf, sizeof(buf)) < 0)
			break;
		return strdup(buf);
	case LDNS_RDF_TYPE_A:
		if (sz != 4 || !inet_ntop(AF_INET, d, buf, sizeof(buf)))
			break;
		return strdup(buf);
	case LDNS_RDF_TYPE_AAAA:
		if (sz != 16 || !inet_ntop(AF_INET6, d, buf, sizeof(buf)))
			break;
		return strdup(buf);
	default:
		break;
	}
	return ldns_rdf2str(f);
}

/* Fill *a from one record. Returns 0, or -1 (a holds nothing to free). */
static int
rr_to_answer(const ldns_rr *rr, struct dns_answer *a)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);
	char name[DNSMSG_NAME_STRLEN];
	char *data = NULL;
	size_t dlen = 0;

	memset(a, 0, sizeof(*a));
	if (!owner || dnsmsg_name_str(ldns_rdf_data(owner), ldns_rdf_size(owner), name,
	                              sizeof(name)) < 0)
		return -1;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		char *s = rdf_str(ldns_rr_rdf(rr, i));
		int rc = s ? append(&data, &dlen, s) : -1;

		free(s);
		if (rc < 0) {
			free(data);
			return -1;
		}
	}
	if (!data && !(data = strdup("")))
		return -1;
	if (!(a->name = strdup(name))) {
		free(data);
		return -1;
	}
	a->data = data;
	a->rtype = (uint16_t)ldns_rr_get_type(rr);
	a->ttl = ldns_rr_ttl(rr);
	return 0;
}

void
dnsmsg_answers_free(struct dns_answer *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].data);
	}
	free(a);
}

int
dnsmsg_answers_dup(const struct dns_answer *a, size_t n, struct dns_answer **out)
{
	struct dns_answer *d = malloc(n * sizeof(*d));

	*out = NULL;
	if (!d)
		return -1;
	for (size_t i = 0; i < n; i++) {
		d[i] = a[i];
		d[i].name = strdup(a[i].name);
		d[i].data = strdup(a[i].data);
		if (!d[i].name || !d[i].data) {
			dnsmsg_answers_free(d, i + 1);
			return -1;
		}
	}
	*out = d;
	return 0;
}

static int
answers_of(const ldns_pkt *p, struct dns_answer **out, size_t *n)
{
	const ldns_rr_list *l = ldns_pkt_answer(p);
	size_t count = l ? ldns_rr_list_rr_count(l) : 0, got = 0;
	struct dns_answer *a;

	*out = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	if (!(a = calloc(count, sizeof(*a))))
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (rr_to_answer(ldns_rr_list_rr(l, i), &a[got]) < 0) {
			dnsmsg_answers_free(a, got);
			return -1;
		}
		got++;
	}
	*out = a;
	*n = got;
	return 0;
}

/* Walk every record of a message without decoding it: counts that match the bytes and
 * no TSIG record. libunbound never produces a TSIG, and ldns 1.8.3 leaks the first of
 * two (found by fuzz_dnsanswer), so such a message is refused before ldns sees it. */
static bool
msg_walk_ok(const uint8_t *msg, size_t len)
{
	size_t pos = HDR;
	unsigned total;

	if (len < HDR)
		return false;
	for (unsigned i = 0; i < dnsmsg_get16(msg + 4); i++) {
		bool root;

		if (!(pos = dnsmsg_skip_name(msg, len, pos, &root)) || pos + 4 > len)
			return false;
		pos += 4;
	}
	total = (unsigned)dnsmsg_get16(msg + 6) + dnsmsg_get16(msg + 8) + dnsmsg_get16(msg + 10);
	for (unsigned i = 0; i < total; i++) {
		bool root;

		if (!(pos = dnsmsg_skip_name(msg, len, pos, &root)) || pos + 10 > len)
			return false;
		if (dnsmsg_get16(msg + pos) == 250 /* TSIG */)
			return false;
		pos += 10 + (size_t)dnsmsg_get16(msg + pos + 8);
		if (pos > len)
			return false;
	}
	return true;
}

int
dnsmsg_answers(const uint8_t *msg, size_t len, struct dns_answer **out, size_t *n)
{
	ldns_pkt *p = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (!msg_walk_ok(msg, len) || ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return -1;
	rc = answers_of(p, out, n);
	ldns_pkt_free(p);
	return rc;
}

static bool
is_dnssec_type(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3;
}

/* Move the records of src into a new list, dropping DNSSEC ones unless keep_dnssec.
 * src is left empty. Returns the new list or NULL. */
static ldns_rr_list *
take_section(ldns_rr_list *src, bool keep_dnssec)
{
	ldns_rr_list *dst = ldns_rr_list_new();
	size_t n = src ? ldns_rr_list_rr_count(src) : 0;

	if (!dst)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(src, i);

		ldns_rr_type t = ldns_rr_get_type(rr);

		/* meta records are never passed on (OPT is rebuilt for the client) */
		if ((!keep_dnssec && is_dnssec_type(t)) || t == LDNS_RR_TYPE_OPT ||
		    t == LDNS_RR_TYPE_TSIG || t == LDNS_RR_TYPE_TKEY)
			ldns_rr_free(rr);
		else if (!ldns_rr_list_push_rr(dst, rr))
			ldns_rr_free(rr);
	}
	if (src)
		ldns_rr_list_set_rr_count(src, 0);
	return dst;
}

static void
set_section(ldns_pkt *p, ldns_pkt_section s, ldns_rr_list *l)
{
	size_t n = ldns_rr_list_rr_count(l);

	switch (s) {
	case LDNS_SECTION_ANSWER:
		ldns_rr_list_deep_free(ldns_pkt_answer(p));
		ldns_pkt_set_answer(p, l);
		ldns_pkt_set_ancount(p, (uint16_t)n);
		break;
	case LDNS_SECTION_AUTHORITY:
		ldns_rr_list_deep_free(ldns_pkt_authority(p));
		ldns_pkt_set_authority(p, l);
		ldns_pkt_set_nscount(p, (uint16_t)n);
		break;
	default:
		ldns_rr_list_deep_free(ldns_pkt_additional(p));
		ldns_pkt_set_additional(p, l);
		ldns_pkt_set_arcount(p, (uint16_t)n);
		break;
	}
}

bool
dnsq_wants_ad(const struct dnsq *q)
{
	return q->edns_do || (q->flags & F_AD);
}

void
dnsmsg_set_ad(const struct dnsq *q, uint8_t *wire, size_t len)
{
	if (len >= 12 && dnsq_wants_ad(q))
		wire[3] |= F_AD;
}

int
dnsmsg_build_reply(const struct dnsq *q, const uint8_t *up, size_t uplen, size_t limit,
                   bool strip_ech, uint8_t **out, size_t *outlen, int *rcode,
                   struct dns_answer **ans, size_t *n_ans, unsigned *ech_stripped)
{
	static const ldns_pkt_section secs[] = {
		LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL,
	};
	ldns_pkt *u = NULL, *r = NULL;
	ldns_rr *qrr = NULL;
	ldns_rdf *qname = NULL;
	const ldns_rr *uq;
	const ldns_rdf *uname;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	long ech[3] = { 0, 0, 0 };

	*out = NULL;
	*outlen = 0;
	*ans = NULL;
	*n_ans = 0;
	*ech_stripped = 0;
	if (!q->has_question || !msg_walk_ok(up, uplen) ||
	    ldns_wire2pkt(&u, up, uplen) != LDNS_STATUS_OK)
		return -1;
	if (ldns_rr_list_rr_count(ldns_pkt_question(u)) != 1)
		goto fail;
	uq = ldns_rr_list_rr(ldns_pkt_question(u), 0);
	uname = ldns_rr_owner(uq);
	if (!uname || !dnsmsg_name_eq(ldns_rdf_data(uname), ldns_rdf_size(uname), q->qname,
	                       q->qname_len) ||
	    ldns_rr_get_type(uq) != q->qtype || ldns_rr_get_class(uq) != q->qclass)
		goto fail;

	if (!(r = ldns_pkt_new()))
		goto fail;
	ldns_pkt_set_id(r, q->id);
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, LDNS_PACKET_QUERY);
	ldns_pkt_set_rd(r, (q->flags & F_RD) != 0);
	ldns_pkt_set_cd(r, (q->flags & F_CD) != 0);
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, ldns_pkt_get_rcode(u));

	/* the question exactly as the client asked it, case included */
	if (!(qname = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, q->qname_len, q->qname)) ||
	    !(qrr = ldns_rr_new()))
		goto fail;
	ldns_rr_set_owner(qrr, qname);
	qname = NULL;
	ldns_rr_set_question(qrr, true);
	ldns_rr_set_type(qrr, (ldns_rr_type)q->qtype);
	ldns_rr_set_class(qrr, (ldns_rr_class)q->qclass);
	if (!ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, qrr))
		goto fail;
	qrr = NULL;

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		ldns_rr_list *src = secs[i] == LDNS_SECTION_ANSWER ? ldns_pkt_answer(u) :
		                    secs[i] == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(u) :
		                    ldns_pkt_additional(u);
		ldns_rr_list *l = take_section(src, q->edns_do);

		if (!l)
			goto fail;
		/* after take_section: the RRSIGs over what changes are there only for DO */
		if (strip_ech && (ech[i] = dnsech_strip_list(l)) < 0) {
			ldns_rr_list_deep_free(l);
			goto fail;
		}
		set_section(r, secs[i], l);
	}
	if (q->edns) {
		ldns_pkt_set_edns_udp_size(r, DNSMSG_UDP_MAX);
		ldns_pkt_set_edns_do(r, q->edns_do);
	}

	if (ldns_pkt2wire(&wire, r, &wlen) != LDNS_STATUS_OK)
		goto fail;
	if (wlen > limit) {       /* first the optional records, then everything: TC */
		LDNS_FREE(wire);
		wire = NULL;
		set_section(r, LDNS_SECTION_ADDITIONAL, ldns_rr_list_new());
		ech[2] = 0;
		if (ldns_pkt2wire(&wire, r, &wlen) != LDNS_STATUS_OK)
			goto fail;
	}
	if (wlen > limit) {
		LDNS_FREE(wire);
		wire = NULL;
		set_section(r, LDNS_SECTION_ANSWER, ldns_rr_list_new());
		set_section(r, LDNS_SECTION_AUTHORITY, ldns_rr_list_new());
		ldns_pkt_set_tc(r, true);
		ech[0] = ech[1] = 0;
		if (ldns_pkt2wire(&wire, r, &wlen) != LDNS_STATUS_OK)
			goto fail;
	}
	if (answers_of(r, ans, n_ans) < 0)
		goto fail;
	if (!(*out = malloc(wlen))) {
		dnsmsg_answers_free(*ans, *n_ans);
		*ans = NULL;
		*n_ans = 0;
		goto fail;
	}
	memcpy(*out, wire, wlen);
	*outlen = wlen;
	*rcode = ldns_pkt_get_rcode(r);
	*ech_stripped = (unsigned)(ech[0] + ech[1] + ech[2]);
	LDNS_FREE(wire);
	ldns_pkt_free(r);
	ldns_pkt_free(u);
	return 0;
fail:
	LDNS_FREE(wire);
	ldns_rdf_deep_free(qname);
	ldns_rr_free(qrr);
	ldns_pkt_free(r);
	ldns_pkt_free(u);
	return -1;
}
