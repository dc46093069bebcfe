/* The answers and the reply, without I/O: libunbound's answer packet read through ldns
 * into the records the log keeps, and re-encoded for the client with only what it asked
 * for (dnsmsg.h). Every message is walked by hand before ldns sees it (msg_walk). */
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

/* ldns 1.8.3 gives every rdata field it decodes a buffer as long as the record's whole
 * rdata, so decoding costs fields x rdlength: quadratic in the record's size, gigabytes
 * for one TXT record of empty strings from a zone the VM runs. So every message is walked by hand before ldns
 * sees it: the counts must match the bytes, no TSIG (libunbound never produces one, and
 * ldns leaks the first of two: found by fuzz_dnsanswer), and what ldns will allocate
 * must fit DNSMSG_PARSE_BYTES. The records made only of character-strings, the types
 * with many fields that real answers carry (TXT, and SPF with the same rdata: RFC 7208
 * 3.1), go through ldns as one opaque field under a type no record of the message has,
 * one such type for each (strlist_restore splits them after, each string its own exact
 * copy); every other record costs at most fields x rdlength. */
#define T_TSIG 250
#define T_PRIVATE_FIRST 65280

static const uint16_t strlist_type[] = { 16 /* TXT */, 99 /* SPF */ };
#define N_STRLIST (sizeof(strlist_type) / sizeof(strlist_type[0]))

/* Which of strlist_type t is (its index), or -1. */
static int
strlist_which(uint16_t t)
{
	for (size_t k = 0; k < N_STRLIST; k++)
		if (strlist_type[k] == t)
			return (int)k;
	return -1;
}

/* The number of character-strings that fill rd (n bytes) exactly, or 0 if they do not. */
static size_t
strlist_count(const uint8_t *rd, size_t n)
{
	size_t pos = 0, k = 0;

	while (pos < n) {
		pos += 1 + (size_t)rd[pos];
		k++;
	}
	return pos == n ? k : 0;
}

/* Walk msg (len bytes): if it is whole and within the budget, return a malloc'ed copy
 * in which every record of type strlist_type[k] with data has type tmp[k] (a private
 * type no record of msg has; 0 = none of that type), or msg itself (cast) if it has no
 * such record; NULL if it is refused or on out of memory. */
static uint8_t *
msg_walk(const uint8_t *msg, size_t len, uint16_t tmp[N_STRLIST])
{
	uint8_t used[65536 - T_PRIVATE_FIRST];
	size_t pos = HDR, cost = 0, nstr[N_STRLIST] = { 0 }, total;
	uint16_t free_t = 0;
	uint8_t *copy;
	bool any = false;

	if (len < HDR)
		return NULL;
	memset(used, 0, sizeof(used));
	for (unsigned i = 0; i < dnsmsg_get16(msg + 4); i++) {
		bool root;

		if (!(pos = dnsmsg_skip_name(msg, len, pos, &root)) || pos + 4 > len)
			return NULL;
		pos += 4;
	}
	total = (size_t)dnsmsg_get16(msg + 6) + dnsmsg_get16(msg + 8) + dnsmsg_get16(msg + 10);
	for (size_t i = 0; i < total; i++) {
		bool root;
		uint16_t t;
		size_t rdlen, fields;

		if (!(pos = dnsmsg_skip_name(msg, len, pos, &root)) || pos + 10 > len)
			return NULL;
		t = dnsmsg_get16(msg + pos);
		rdlen = dnsmsg_get16(msg + pos + 8);
		if (t == T_TSIG || pos + 10 + rdlen > len)
			return NULL;
		if (t >= T_PRIVATE_FIRST)
			used[t - T_PRIVATE_FIRST] = 1;
		if (strlist_which(t) >= 0 && rdlen) {
			fields = strlist_count(msg + pos + 10, rdlen);
			if (!fields || fields > DNSMSG_TXT_STRINGS)
				return NULL;
			cost += 2 * rdlen + fields * sizeof(ldns_rdf);
			nstr[strlist_which(t)]++;
			any = true;
		} else {
			fields = ldns_rr_descriptor_maximum(ldns_rr_descript(t));
			if (fields < 1)
				fields = 1;
			if (fields > rdlen)
				fields = rdlen ? rdlen : 1;
			cost += fields * (rdlen + sizeof(ldns_rdf));
		}
		if (cost > DNSMSG_PARSE_BYTES)
			return NULL;
		pos += 10 + rdlen;
	}
	if (!any)
		return (uint8_t *)(uintptr_t)msg;
	for (size_t k = 0; k < N_STRLIST; k++) {
		tmp[k] = 0;
		if (!nstr[k])
			continue;
		while (free_t < sizeof(used) && used[free_t])
			free_t++;
		if (free_t == sizeof(used))
			return NULL;
		tmp[k] = (uint16_t)(free_t++ + T_PRIVATE_FIRST);
	}
	if (!(copy = malloc(len)))
		return NULL;
	memcpy(copy, msg, len);
	pos = HDR;
	for (unsigned i = 0; i < dnsmsg_get16(msg + 4); i++) {
		bool root;

		pos = dnsmsg_skip_name(msg, len, pos, &root) + 4;
	}
	for (size_t i = 0; i < total; i++) {
		bool root;

		int k;

		pos = dnsmsg_skip_name(msg, len, pos, &root);
		if ((k = strlist_which(dnsmsg_get16(msg + pos))) >= 0 &&
		    dnsmsg_get16(msg + pos + 8)) {
			copy[pos] = (uint8_t)(tmp[k] >> 8);
			copy[pos + 1] = (uint8_t)tmp[k];
		}
		pos += 10 + (size_t)dnsmsg_get16(msg + pos + 8);
	}
	return copy;
}

/* Turn the records of l typed tmp[k] back into records of strlist_type[k], one field
 * per string. Returns 0, or -1 on out of memory. */
static int
strlist_restore(ldns_rr_list *l, const uint16_t tmp[N_STRLIST])
{
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		ldns_rdf *whole;
		const uint8_t *d;
		size_t n, pos = 0, k = 0;
		int rc = 0;

		while (k < N_STRLIST && (!tmp[k] || (uint16_t)ldns_rr_get_type(rr) != tmp[k]))
			k++;
		if (k == N_STRLIST || ldns_rr_rd_count(rr) != 1)
			continue;
		whole = ldns_rr_pop_rdf(rr);
		d = ldns_rdf_data(whole);
		n = ldns_rdf_size(whole);
		ldns_rr_set_type(rr, (ldns_rr_type)strlist_type[k]);
		while (rc == 0 && pos < n) {
			size_t sl = 1 + (size_t)d[pos];
			ldns_rdf *f = pos + sl <= n ?
			              ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, sl, d + pos) : NULL;

			if (!f || !ldns_rr_push_rdf(rr, f)) {
				ldns_rdf_deep_free(f);
				rc = -1;
			}
			pos += sl;
		}
		ldns_rdf_deep_free(whole);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* msg (len bytes) decoded by ldns within DNSMSG_PARSE_BYTES (above). Returns 0 with *p
 * set (ldns_pkt_free), or -1 (nothing allocated). */
static int
msg_parse(const uint8_t *msg, size_t len, ldns_pkt **p)
{
	uint16_t tmp[N_STRLIST] = { 0 };
	uint8_t *w = msg_walk(msg, len, tmp);
	bool copied = w && w != msg;
	ldns_status st;

	*p = NULL;
	if (!w)
		return -1;
	st = ldns_wire2pkt(p, w, len);
	if (copied)
		free(w);
	if (st != LDNS_STATUS_OK) {
		*p = NULL;
		return -1;
	}
	if (copied && (strlist_restore(ldns_pkt_answer(*p), tmp) < 0 ||
	               strlist_restore(ldns_pkt_authority(*p), tmp) < 0 ||
	               strlist_restore(ldns_pkt_additional(*p), tmp) < 0)) {
		ldns_pkt_free(*p);
		*p = NULL;
		return -1;
	}
	return 0;
}

int
dnsmsg_answers(const uint8_t *msg, size_t len, struct dns_answer **out, size_t *n)
{
	ldns_pkt *p = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (msg_parse(msg, len, &p) < 0)
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
	if (!q->has_question || msg_parse(up, uplen, &u) < 0)
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
