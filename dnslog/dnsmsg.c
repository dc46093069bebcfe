/* Query validation, error replies and names in presentation form, without I/O; the
 * answers and the reply are in dnsreply.c. See dnsmsg.h for why queries are checked by
 * hand and answers go through ldns. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsmsg.h"
#include "dnsmsgint.h"

uint16_t
dnsmsg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

bool
dnsmsg_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
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

size_t
dnsmsg_skip_name(const uint8_t *pkt, size_t len, size_t pos, bool *root)
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

		if (!(pos = dnsmsg_skip_name(pkt, len, pos, &root)) || pos + 10 > len)
			return 0;
		type = dnsmsg_get16(pkt + pos);
		rdlen = dnsmsg_get16(pkt + pos + 8);
		if (pos + 10 + rdlen > len)
			return 0;
		if (type == T_OPT) {
			const uint8_t *o = pkt + pos + 10, *end = o + rdlen;

			if (seen_opt || !root)
				return 0;
			seen_opt = true;
			while (o < end) {      /* options must tile the rdata exactly */
				if (end - o < 4 || end - o - 4 < dnsmsg_get16(o + 2))
					return 0;
				o += 4 + dnsmsg_get16(o + 2);
			}
			q->edns = true;
			q->edns_size = dnsmsg_get16(pkt + pos + 2);
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
	unsigned qd = dnsmsg_get16(pkt + 4), rest = (unsigned)dnsmsg_get16(pkt + 6) + dnsmsg_get16(pkt + 8);
	struct dnsq ignored = *q;    /* an OPT outside the additional section counts for nothing */
	bool root;

	for (unsigned i = 0; i < qd; i++)
		if (!(pos = dnsmsg_skip_name(pkt, len, pos, &root)) || (pos += 4) > len)
			return DNSQ_NOTIMP;
	if (!(pos = read_records(pkt, len, pos, rest, &ignored)) ||
	    !read_records(pkt, len, pos, dnsmsg_get16(pkt + 10), q) || q->edns_version != 0)
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
	q->id = dnsmsg_get16(pkt);
	q->flags = dnsmsg_get16(pkt + 2);
	q->opcode = (uint8_t)((q->flags >> F_OPCODE_SHIFT) & 0xF);
	if (q->flags & F_QR)
		return DNSQ_DROP;         /* never answer a response: no loops, no reflection */
	if (q->opcode != 0)
		return notimp(pkt, len, q);
	qd = dnsmsg_get16(pkt + 4);
	an = dnsmsg_get16(pkt + 6);
	ns = dnsmsg_get16(pkt + 8);
	ar = dnsmsg_get16(pkt + 10);
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
	q->qtype = dnsmsg_get16(pkt + pos);
	q->qclass = dnsmsg_get16(pkt + pos + 2);
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
