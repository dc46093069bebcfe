/* libFuzzer target: the resolver's query validation (every byte string as a query from
 * the VM), the error reply built from what it read, and the name presentation form; and
 * every byte string as a host name in a TLS SNI or HTTP Host, whose presentation form
 * must be the one its DNS name would have. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dnslog/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a host name: escaped within its bound, and where it is a valid DNS name (labels
 * of 1..63 bytes, 255 in all), the same string as that name's. */
static void
host(const uint8_t *data, size_t size)
{
	char hs[DNSMSG_NAME_STRLEN], ns[DNSMSG_NAME_STRLEN];
	uint8_t wire[256];
	size_t w = 0, start = 0;
	int n;

	if (size > 255)
		return;
	n = dnsmsg_host_str(data, size, hs, sizeof(hs));
	if (n < 0 || (size_t)n != strlen(hs) || (size_t)n > 4 * size)
		__builtin_trap();
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '.')
			continue;
		if (i == start || i - start > 63 || w + 1 + (i - start) + 1 > sizeof(wire))
			return;                   /* not a DNS name: nothing to compare */
		wire[w++] = (uint8_t)(i - start);
		memcpy(wire + w, data + start, i - start);
		w += i - start;
		start = i + 1;
	}
	wire[w++] = 0;
	if (dnsmsg_name_str(wire, w, ns, sizeof(ns)) < 0 || strcmp(hs, ns) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsq q;
	enum dnsq_verdict v = dnsq_parse(data, size, &q);
	uint8_t out[12 + 255 + 4 + 11];
	char name[DNSMSG_NAME_STRLEN];
	size_t n;

	host(data, size);
	if (v == DNSQ_DROP)
		return 0;
	if (q.has_question) {
		/* what was kept is a valid uncompressed name that was in the input */
		if (q.qname_len == 0 || dnsmsg_name_str(q.qname, q.qname_len, name,
		                                        sizeof(name)) < 0)
			__builtin_trap();
		if (size < 12u + q.qname_len + 4 || memcmp(data + 12, q.qname, q.qname_len))
			__builtin_trap();
	}
	n = dnsq_error_reply(&q, v == DNSQ_BADVERS ? DNS_RCODE_BADVERS : DNS_RCODE_FORMERR,
	                     out, sizeof(out));
	if (n < 12 || out[0] != data[0] || out[1] != data[1] || !(out[2] & 0x80))
		__builtin_trap();
	/* the reply is itself a message ldns-free code can read back */
	if (dnsq_parse(out, n, &q) != DNSQ_DROP)   /* QR=1: never answered */
		__builtin_trap();
	return 0;
}
