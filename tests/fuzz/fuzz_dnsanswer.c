/* libFuzzer target: the answer logger (every byte string as an answer packet →
 * dns_answer list, packed into the event the writer stores, within its caps) and the re-encoding of an
 * answer for a client, with the question taken from the packet itself so that most
 * inputs get past the question check, and the client's EDNS and the case of its
 * question from its last bytes, and [dns] strip_ech too. What a client reads in the reply
 * must be what is logged, and with strip_ech no record of it has an ech parameter left. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "dnslog/dnsech.h"
#include "dnslog/dnsmsg.h"
#include "common/event.h"
#include "dnslog/rcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether no record of the reply msg has an ech parameter dnsech would remove. */
static bool
no_ech_left(const uint8_t *msg, size_t len)
{
	static const ldns_pkt_section secs[] = {
		LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL,
	};
	ldns_pkt *p = NULL;
	bool clean = true;

	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return false;
	for (size_t s = 0; s < 3; s++) {
		ldns_rr_list *l = ldns_pkt_get_section_clone(p, secs[s]);

		for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++)
			if (dnsech_strip_rr(ldns_rr_list_rr(l, i)) != DNSECH_KEPT)
				clean = false;
		ldns_rr_list_deep_free(l);
	}
	ldns_pkt_free(p);
	return clean;
}

/* The same answers in order, names and data compared without case: a reply may spell a
 * name as the client's question does, the log as libunbound did. */
static bool
same_answers(const struct dns_answer *a, size_t na, const struct dns_answer *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcasecmp(a[i].name, b[i].name) || strcasecmp(a[i].data, b[i].data) ||
		    a[i].rtype != b[i].rtype || a[i].ttl != b[i].ttl)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer *a, *ra;
	size_t n, rn, outlen;
	uint8_t *out, *copy;
	struct dnsq q;
	unsigned ech;
	bool strip;
	int rcode;

	if (dnsmsg_answers(data, size, &a, &n) == 0) {
		struct dns_event ev = { .qname = "q", .n_answers = n, .answers = a }, *pk;

		for (size_t i = 0; i < n; i++)
			if (!a[i].name || !a[i].data || strlen(a[i].name) >= DNSMSG_NAME_STRLEN)
				__builtin_trap();
		/* packed: the first records, within the caps, each whole or cut, and marked
		 * truncated whenever anything was dropped or cut */
		if ((pk = dns_event_pack(&ev))) {
			bool cut = pk->n_answers < n;
			size_t text = 0;

			if (pk->n_answers > n || pk->n_answers > EVENT_DNS_ANSWERS_MAX)
				__builtin_trap();
			for (size_t i = 0; i < pk->n_answers; i++) {
				size_t nl = strlen(pk->answers[i].name), dl = strlen(pk->answers[i].data);

				if (strncmp(pk->answers[i].name, a[i].name, nl) ||
				    strncmp(pk->answers[i].data, a[i].data, dl) ||
				    pk->answers[i].ttl != a[i].ttl || pk->answers[i].rtype != a[i].rtype)
					__builtin_trap();
				cut |= nl < strlen(a[i].name) || dl < strlen(a[i].data);
				text += nl + dl;
			}
			if (text > EVENT_DNS_ANSWER_BYTES || (cut && !pk->truncated))
				__builtin_trap();
			dns_event_free(pk);
		}
		dnsmsg_answers_free(a, n);
	}

	/* the same bytes as libunbound's answer to a query for their own question */
	if (size < 12 || !(copy = malloc(size)))
		return 0;
	memcpy(copy, data, size);
	copy[2] &= 0x7F;                       /* QR=0, opcode 0 */
	copy[2] &= 0x87;
	memset(copy + 6, 0, 6);                /* no answer, authority, additional */
	copy[4] = 0;
	copy[5] = 1;
	if (dnsq_parse(copy, size, &q) == DNSQ_OK) {
		size_t limit = 512 + (size_t)data[size - 1] * 4;

		strip = data[size - 2] & 8;

		q.edns = data[size - 2] & 1;
		q.edns_do = q.edns && (data[size - 2] & 2);
		q.edns_size = q.edns ? (uint16_t)(512 + data[size - 3] * 4) : 0;
		if (data[size - 2] & 4)      /* the client asked in another case (0x20) */
			for (size_t i = 0; i < q.qname_len; i++)
				if ((i & 1) && ((q.qname[i] | 0x20) >= 'a' && (q.qname[i] | 0x20) <= 'z'))
					q.qname[i] ^= 0x20;
		if (dnsmsg_build_reply(&q, data, size, limit, strip, &out, &outlen, &rcode, &ra,
		                       &rn, &ech) == 0) {
			if (outlen > limit && outlen > 12u + q.qname_len + 4 + 11)
				__builtin_trap();
			if (out[0] != copy[0] || out[1] != copy[1] || !(out[2] & 0x80))
				__builtin_trap();
			/* what we send parses, and its answers are the ones logged */
			if (dnsmsg_answers(out, outlen, &a, &n) < 0 ||
			    !same_answers(a, n, ra, rn))
				__builtin_trap();
			dnsmsg_answers_free(a, n);
			if (strip ? !no_ech_left(out, outlen) : ech != 0)
				__builtin_trap();
			/* replayed from the reply memo for the same client: the same bytes */
			struct rcache *rc = rcache_new(4);   /* fresh: no older entry */

			if (rc) {
				uint8_t again[DNSMSG_UDP_MIN];
				const struct dns_answer *ca;
				int rcode2;
				size_t len2;

				rcache_put(rc, &q, out, outlen, rcode, ra, rn, 1);
				len2 = rcache_get(rc, &q, 2, again, sizeof(again), &rcode2, &ca, &n);
				if (len2 && (len2 != outlen || memcmp(again, out, outlen) ||
				             rcode2 != rcode || n != rn))
					__builtin_trap();
				rcache_free(rc);
			}
			dnsmsg_answers_free(ra, rn);
			free(out);
		}
	}
	free(copy);
	return 0;
}
