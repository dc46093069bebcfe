/* libFuzzer target: the resolver's query validation (every byte string as a query from
 * the VM), the error reply built from what it read, and the name presentation form. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dnslog/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsq q;
	enum dnsq_verdict v = dnsq_parse(data, size, &q);
	uint8_t out[12 + 255 + 4 + 11];
	char name[DNSMSG_NAME_STRLEN];
	size_t n;

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
