/* Query validation, error replies, answer re-encoding and the answer log, without I/O.
 * See dnsmsg.h for why queries are checked by hand and answers go through ldns. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dnsech.h"
#include "dnsmsg.h"

#define HDR 12
#define F_QR 0x8000u
#define F_OPCODE_SHIFT 11
#define F_RD 0x0100u
#define F_RA 0x0080u
#define F_CD 0x0010u
#define F_AD 0x0020u

#define T_OPT 41
#define C_IN 1

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ASCII case-insensitive equality of two wire names (label lengths are < 'A'). */
static bool
name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/* Skip a possibly compressed name in an additional record (never followed: a pointer
 * ends it). Returns the offset after it, or 0 if it runs off the end or uses a label
 * type other than a length or a pointer. *root is set if the name is the root. */
static size_t
skip_name(const uint8_t *pkt, size_t len, size_t pos, bool *root)
{
	size_t start = pos;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return 0;
		l = pkt[pos];
		if ((l & 0xC0) == 0xC0) {
			if (pos + 2 > len)
				return 0;
			*root = false;
			return pos + 2;
		}
		if (l & 0xC0)
			return 0;
		if (l == 0) {
			*root = pos == start;
			return pos + 1;
		}
		pos += 1 + (size_t)l;
	}
}

/* The n records from pos: at most one OPT, which must be owned by the root, read into
 * *q. Returns the offset after them, or 0 if they are malformed. */
static size_t
read_records(const uint8_t *pkt, size_t len, size_t pos, unsigned n, struct dnsq *q)
{
	bool seen_opt = false;

	for (unsigned i = 0; i < n; i++) {
		bool root = false;
		uint16_t type, rdlen;

		if (!(pos = skip_name(pkt, len, pos, &root)) || pos + 10 > len)
			return 0;
		type = get16(pkt + pos);
		rdlen = get16(pkt + pos + 8);
		if (pos + 10 + rdlen > len)
			return 0;
		if (type == T_OPT) {
			const uint8_t *o = pkt + pos + 10, *end = o + rdlen;

			if (seen_opt || !root)
				return 0;
			seen_opt = true;
			while (o < end) {      /* options must tile the rdata exactly */
				if (end - o < 4 || end - o - 4 < get16(o + 2))
					return 0;
				o += 4 + get16(o + 2);
			}
			q->edns = true;
			q->edns_size = get16(pkt + pos + 2);
			q->edns_version = pkt[pos + 5];
			q->edns_do = (pkt[pos + 6] & 0x80) != 0;
		}
		pos += 10 + (size_t)rdlen;
	}
	return pos;
}

/* A message with an opcode other than QUERY gets NOTIMP, with an OPT record if it
 * carries a well-formed one (RFC 6891 6.1.1): its sections are walked, not read. */
static enum dnsq_verdict
notimp(const uint8_t *pkt, size_t len, struct dnsq *q)
{
	size_t pos = HDR;
	unsigned qd = get16(pkt + 4), rest = (unsigned)get16(pkt + 6) + get16(pkt + 8);
	struct dnsq ignored = *q;    /* an OPT outside the additional section counts for nothing */
	bool root;

	for (unsigned i = 0; i < qd; i++)
		if (!(pos = skip_name(pkt, len, pos, &root)) || (pos += 4) > len)
			return DNSQ_NOTIMP;
	if (!(pos = read_records(pkt, len, pos, rest, &ignored)) ||
	    !read_records(pkt, len, pos, get16(pkt + 10), q) || q->edns_version != 0)
		q->edns = false;
	return DNSQ_NOTIMP;
}

enum dnsq_verdict
dnsq_parse(const uint8_t *pkt, size_t len, struct dnsq *q)
{
	size_t pos = HDR, nlen = 0;
	uint16_t qd, an, ns, ar;

	memset(q, 0, sizeof(*q));
	if (len < HDR)
		return DNSQ_DROP;
	q->id = get16(pkt);
	q->flags = get16(pkt + 2);
	q->opcode = (uint8_t)((q->flags >> F_OPCODE_SHIFT) & 0xF);
	if (q->flags & F_QR)
		return DNSQ_DROP;         /* never answer a response: no loops, no reflection */
	if (q->opcode != 0)
		return notimp(pkt, len, q);
	qd = get16(pkt + 4);
	an = get16(pkt + 6);
	ns = get16(pkt + 8);
	ar = get16(pkt + 10);
	if (qd != 1 || an != 0 || ns != 0)
		return DNSQ_FORMERR;

	/* the question: plain labels only; a query has nothing earlier to point to */
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return DNSQ_FORMERR;
		l = pkt[pos];
		if (l & 0xC0)
			return DNSQ_FORMERR;
		if (nlen + 1 + l > 255)
			return DNSQ_FORMERR;
		if (pos + 1 + l > len)
			return DNSQ_FORMERR;
		memcpy(q->qname + nlen, pkt + pos, 1 + (size_t)l);
		nlen += 1 + (size_t)l;
		pos += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	if (pos + 4 > len)
		return DNSQ_FORMERR;
	q->qname_len = (uint8_t)nlen;
	q->qtype = get16(pkt + pos);
	q->qclass = get16(pkt + pos + 2);
	q->has_question = true;
	pos += 4;

	/* additional records: at most one OPT, which must be owned by the root; bytes after
	 * the last counted record are ignored, as most servers do */
	if (!read_records(pkt, len, pos, ar, q))
		return DNSQ_FORMERR;

	if (q->edns && q->edns_version != 0)
		return DNSQ_BADVERS;
	switch (q->qtype) {
	case 0: case T_OPT: case 249 /* TKEY */: case 250 /* TSIG */:
		return DNSQ_FORMERR;
	case 251 /* IXFR */: case 252 /* AXFR */:
		return DNSQ_REFUSED;
	case 253 /* MAILB */: case 254 /* MAILA */:
		return DNSQ_NOTIMP;
	}
	if (q->qclass != C_IN)
		return DNSQ_REFUSED;
	return DNSQ_OK;
}

size_t
dnsq_udp_limit(const struct dnsq *q)
{
	if (!q->edns || q->edns_size <= DNSMSG_UDP_MIN)
		return DNSMSG_UDP_MIN;
	return q->edns_size < DNSMSG_UDP_MAX ? q->edns_size : DNSMSG_UDP_MAX;
}

size_t
dnsq_error_reply(const struct dnsq *q, int rcode, uint8_t *out, size_t outlen)
{
	size_t need = HDR + (q->has_question ? q->qname_len + 4u : 0) + (q->edns ? 11u : 0);
	size_t pos = HDR;
	unsigned flags;

	if (outlen < need)
		return 0;
	flags = F_QR | (unsigned)q->opcode << F_OPCODE_SHIFT | (q->flags & (F_RD | F_CD)) |
	        F_RA | ((unsigned)rcode & 0xF);
	put16(out, q->id);
	put16(out + 2, flags);
	put16(out + 4, q->has_question);
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, q->edns);
	if (q->has_question) {
		memcpy(out + pos, q->qname, q->qname_len);
		pos += q->qname_len;
		put16(out + pos, q->qtype);
		put16(out + pos + 2, q->qclass);
		pos += 4;
	}
	if (q->edns) {
		out[pos] = 0;                               /* root owner */
		put16(out + pos + 1, T_OPT);
		put16(out + pos + 3, DNSMSG_UDP_MAX);
		out[pos + 5] = (uint8_t)((unsigned)rcode >> 4);   /* extended rcode */
		out[pos + 6] = 0;                           /* version */
		put16(out + pos + 7, q->edns_do ? 0x8000 : 0);
		put16(out + pos + 9, 0);                    /* no options */
		pos += 11;
	}
	return pos;
}

/* One byte of a label in presentation form at out + *o: as itself, or \DDD. Returns 0,
 * or -1 if it does not fit (5 bytes always do). */
static int
put_label_byte(unsigned char ch, char *out, size_t outlen, size_t *o)
{
	if (*o + 5 > outlen)
		return -1;
	if (ch > 0x20 && ch < 0x7F && !strchr(".\\;()\"@$", ch))
		out[(*o)++] = (char)ch;
	else
		*o += (size_t)snprintf(out + *o, outlen - *o, "\\%03u", ch);
	return 0;
}

int
dnsmsg_host_str(const uint8_t *host, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (host[i] == '.' && o + 1 < outlen)
			out[o++] = '.';
		else if (host[i] == '.' || put_label_byte(host[i], out, outlen, &o) < 0)
			goto bad;
	}
	out[o] = '\0';
	return (int)o;
bad:
	out[0] = '\0';
	return -1;
}

int
dnsmsg_name_str(const uint8_t *wire, size_t len, char *out, size_t outlen)
{
	size_t pos = 0, o = 0;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (len == 0 || len > 255)
		return -1;
	if (wire[0] == 0) {
		if (len != 1 || outlen < 2)
			return -1;
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	for (;;) {
		uint8_t l = wire[pos];

		if (l & 0xC0)
			goto bad;
		if (l == 0)
			break;
		if (pos + 1 + l >= len)           /* the final zero label must follow */
			goto bad;
		if (pos != 0) {
			if (o + 1 >= outlen)
				goto bad;
			out[o++] = '.';
		}
		for (size_t i = pos + 1; i <= pos + l; i++)
			if (put_label_byte(wire[i], out, outlen, &o) < 0)
				goto bad;
		pos += 1 + (size_t)l;
	}
	if (pos + 1 != len)
		goto bad;
	out[o] = '\0';
	return (int)o;
bad:
	out[0] = '\0';
	return -1;
}

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
	for (unsigned i = 0; i < get16(msg + 4); i++) {
		bool root;

		if (!(pos = skip_name(msg, len, pos, &root)) || pos + 4 > len)
			return false;
		pos += 4;
	}
	total = (unsigned)get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	for (unsigned i = 0; i < total; i++) {
		bool root;

		if (!(pos = skip_name(msg, len, pos, &root)) || pos + 10 > len)
			return false;
		if (get16(msg + pos) == 250 /* TSIG */)
			return false;
		pos += 10 + (size_t)get16(msg + pos + 8);
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
	if (!uname || !name_eq(ldns_rdf_data(uname), ldns_rdf_size(uname), q->qname,
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
