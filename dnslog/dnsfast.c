/* The fast path of dnsmsg_build_reply: libunbound's answer passed on as it is.
 *
 * On a cache miss the ldns path (parse every record, filter, re-encode, format) cost
 * about a tenth of the resolver thread's time per query. Most answers need none of it:
 * libunbound wrote them from its own parsed form, with its own compression, and the
 * client's question has the same length as the one libunbound answered (it is the same
 * name, perhaps in another case), so every record can stay at its offset and only the
 * header, the question bytes and the OPT record change.
 *
 * This path takes an answer only if it is plainly of that kind, and hands anything else
 * (returns 1) to the ldns path, which decides:
 * - one uncompressed question, the client's name (ignoring case), type and class;
 * - in the answer section only A (4 bytes), AAAA (16) and CNAME (one name) records, the
 *   ones it formats for the log itself; in authority and additional also SOA (two
 *   names and 20 bytes) and NS (one name); an OPT only last, owned by the root, with no
 *   extended rcode. No other type: nothing to drop for a client without DO, no rdata
 *   it cannot check;
 * - every name's compression pointers point backwards, past the header, to bytes wholly
 *   before the name, each jump before the last (so a walk always ends), and into the
 *   question's name only at a label's start (the client's bytes go there: the same
 *   labels, perhaps in another case, so a name there reads the same but for case); at
 *   most 255 bytes a name;
 * - the reply fits limit as it is (the ldns path cuts what does not).
 * fuzz_dnsanswer checks on every input that a reply this path builds says what the ldns
 * path's says: header, question, every record, OPT, and the answers logged. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dnsmsg.h"
#include "dnswire.h"

#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_SOA 6
#define T_AAAA 28
#define OPT_LEN 11

/* The message read_name reads: its bytes, and the end of the question's name, whose
 * bytes the reply replaces with the client's (the same labels, letters perhaps in
 * another case). */
struct msg {
	const uint8_t *m;
	size_t len, qend;
};

/* Whether offset to starts a label of the question's name (it was checked: no pointer,
 * ends at qend), so that a name leading there reads the same labels in the reply. */
static bool
question_label(const struct msg *g, size_t to)
{
	size_t b = HDR;

	while (b < g->qend && b != to)
		b += 1 + (size_t)g->m[b];
	return b == to;
}

/* Read the name at pos into wire, uncompressed (*wlen bytes, the final zero label
 * included). Returns the offset just after the name where it starts (after its first
 * pointer if it has one), or 0 if it is not a name this path passes on: a pointer must
 * jump back before the last one, past the header, to a label start if into the
 * question's name, and what it leads to must lie wholly before the name's start (or a
 * name could end in bytes the reply drops). */
static size_t
read_name(const struct msg *g, size_t pos, uint8_t wire[255], size_t *wlen)
{
	size_t after = 0, o = 0, start = pos, bound = pos, len = g->len;
	const uint8_t *m = g->m;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return 0;
		l = m[pos];
		if ((l & 0xC0) == 0xC0) {
			size_t to;

			if (pos + 2 > len)
				return 0;
			to = (size_t)(l & 0x3F) << 8 | m[pos + 1];
			if (!after)
				after = pos + 2;
			if (to < HDR || to >= bound || (to < g->qend && !question_label(g, to)))
				return 0;
			bound = pos = to;
			len = start;          /* from here on, only bytes before the name */
			continue;
		}
		if (l & 0xC0 || o + 1 + (size_t)l > 255 || pos + 1 + (size_t)l > len)
			return 0;
		memcpy(wire + o, m + pos, 1 + (size_t)l);
		o += 1 + (size_t)l;
		if (l == 0) {
			*wlen = o;
			return after ? after : pos + 1;
		}
		pos += 1 + (size_t)l;
	}
}

/* One answer record for the log, as the ldns path formats it. Returns 0 or -1. */
static int
log_answer(struct dns_answer *a, const uint8_t *owner, size_t olen, uint16_t type,
           uint32_t ttl, const uint8_t *rd, const uint8_t *target, size_t tlen)
{
	char name[DNSMSG_NAME_STRLEN], data[DNSMSG_NAME_STRLEN];

	if (dnsmsg_name_str(owner, olen, name, sizeof(name)) < 0)
		return -1;
	if (type == T_CNAME ? dnsmsg_name_str(target, tlen, data, sizeof(data)) < 0 :
	    !inet_ntop(type == T_A ? AF_INET : AF_INET6, rd, data, sizeof(data)))
		return -1;
	if (!(a->name = strdup(name)) || !(a->data = strdup(data)))
		return -1;
	a->rtype = type;
	a->ttl = ttl;
	return 0;
}

int
dnsmsg_build_reply_fast(const struct dnsq *q, const uint8_t *up, size_t uplen,
                        size_t limit, uint8_t **out, size_t *outlen, int *rcode,
                        struct dns_answer **ans, size_t *n_ans)
{
	size_t pos, end, opt_at = 0, n_an, total, got = 0, wlen;
	struct msg g = { up, uplen, HDR + (size_t)q->qname_len };
	struct dns_answer *a = NULL;
	unsigned ar;
	uint8_t *w;

	*out = NULL;
	*outlen = 0;
	*ans = NULL;
	*n_ans = 0;
	pos = HDR + (size_t)q->qname_len;
	if (!q->has_question || uplen < pos + 4 || get16(up + 4) != 1 ||
	    !name_eq(up + HDR, q->qname_len, q->qname, q->qname_len) ||
	    get16(up + pos) != q->qtype || get16(up + pos + 2) != q->qclass)
		return 1;
	pos += 4;
	n_an = get16(up + 6);
	ar = get16(up + 10);
	total = n_an + get16(up + 8) + ar;
	if (total > (uplen - pos) / 11)          /* a record takes 11 bytes at least */
		return 1;
	if (n_an && !(a = calloc(n_an, sizeof(*a))))
		return 1;
	for (size_t i = 0; i < total; i++) {
		uint8_t owner[255], t1[255], t2[255];
		size_t olen, l1 = 0, l2, rd, rdlen, p;
		uint16_t type;
		bool ok;

		if (!(p = read_name(&g, pos, owner, &olen)) || p + 10 > uplen)
			goto no;
		type = get16(up + p);
		rd = p + 10;
		rdlen = get16(up + p + 8);
		if (rd + rdlen > uplen)
			goto no;
		switch (type) {
		case T_A:
			ok = rdlen == 4;
			break;
		case T_AAAA:
			ok = rdlen == 16;
			break;
		case T_CNAME:
		case T_NS:
			ok = read_name(&g, rd, t1, &l1) == rd + rdlen;
			break;
		case T_SOA:
			p = read_name(&g, rd, t1, &l1);
			ok = p && (p = read_name(&g, p, t2, &l2)) && p + 20 == rd + rdlen;
			break;
		case T_OPT:   /* last, the root's, no extended rcode: the client gets ours */
			ok = i == total - 1 && i >= n_an + get16(up + 8) && olen == 1 &&
			     up[p + 4] == 0;
			opt_at = pos;
			break;
		default:
			ok = false;
			break;
		}
		if (!ok || (i < n_an && type != T_A && type != T_AAAA && type != T_CNAME))
			goto no;
		if (i < n_an) {
			uint32_t ttl = (uint32_t)get16(up + p + 4) << 16 | get16(up + p + 6);

			if (log_answer(&a[got++], owner, olen, type, ttl, up + rd, t1, l1) < 0)
				goto no;
		}
		pos = rd + rdlen;
	}
	end = opt_at ? opt_at : pos;
	wlen = end + (q->edns ? OPT_LEN : 0);
	if (wlen > limit || !(w = malloc(wlen)))
		goto no;
	memcpy(w, up, end);
	put16(w, q->id);
	put16(w + 2, F_QR | (q->flags & (F_RD | F_CD)) | F_RA | (up[3] & 0xFu));
	memcpy(w + HDR, q->qname, q->qname_len);      /* the client's bytes, case kept */
	put16(w + 10, ar - (opt_at ? 1 : 0) + (q->edns ? 1 : 0));
	if (q->edns) {      /* as the ldns path writes it: our size, the client's DO */
		uint8_t *o = w + end;

		o[0] = 0;
		put16(o + 1, T_OPT);
		put16(o + 3, DNSMSG_UDP_MAX);
		put16(o + 5, 0);
		put16(o + 7, q->edns_do ? 0x8000u : 0);
		put16(o + 9, 0);
	}
	*out = w;
	*outlen = wlen;
	*rcode = up[3] & 0xF;
	*ans = a;
	*n_ans = got;
	return 0;
no:
	dnsmsg_answers_free(a, got);
	return 1;
}

int
dnsmsg_build_reply(const struct dnsq *q, const uint8_t *up, size_t uplen, size_t limit,
                   uint8_t **out, size_t *outlen, int *rcode,
                   struct dns_answer **ans, size_t *n_ans)
{
	if (dnsmsg_build_reply_fast(q, up, uplen, limit, out, outlen, rcode, ans, n_ans) == 0)
		return 0;
	return dnsmsg_build_reply_ldns(q, up, uplen, limit, out, outlen, rcode, ans, n_ans);
}
