/* dnsmsg: the pure half of the resolver. Every byte here came from the VM (queries) or
 * from the upstream through libunbound (answers), so each function checks lengths before
 * it reads and none does I/O, keeps state or reads a clock; the unit tests and the fuzz
 * targets (fuzz_dnsquery, fuzz_dnsanswer) call them directly.
 *
 * Queries are validated by hand (a query is a header, one uncompressed question and at
 * most an OPT record: anything else is refused early and cheaply). Answers are parsed and
 * re-encoded with ldns alone, which does the decompression, the compression and the
 * presentation format of record data: the VM chooses the zones it queries, so what the
 * upstream sends is hostile too, and one well-kept parser of it is enough. */
#ifndef OCA_DNSMSG_H
#define OCA_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/event.h"

#define DNSMSG_UDP_MAX 1232       /* the largest UDP reply we send (no IP fragments) */
#define DNSMSG_UDP_MIN 512        /* what a client without EDNS can take */
#define DNSMSG_NAME_STRLEN 1024   /* presentation form of any wire name, NUL included */
#define DNSMSG_PARSE_BYTES (1u << 20) /* what ldns may allocate to decode one answer
                                         (dnsreply.c, msg_walk; README, "Memory") */
#define DNSMSG_TXT_STRINGS 1024   /* strings in one TXT or SPF record (64 KB of 255-byte
                                     strings is 257); more: the answer is refused */

/* DNS rcodes used here (RFC 1035, 6891). */
enum {
	DNS_RCODE_NOERROR = 0, DNS_RCODE_FORMERR = 1, DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3, DNS_RCODE_NOTIMP = 4, DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16,
};

/* A query as the client sent it. */
struct dnsq {
	uint16_t id;
	uint16_t flags;            /* header flags word as received */
	uint8_t opcode;
	bool has_question;         /* qname/qtype/qclass below are valid */
	uint8_t qname_len;         /* wire length, final zero label included */
	uint8_t qname[255];        /* exact bytes, never compressed */
	uint16_t qtype, qclass;
	bool edns;                 /* an OPT record was present and parsed */
	bool edns_do;
	uint8_t edns_version;
	uint16_t edns_size;        /* the client's UDP payload size */
};

enum dnsq_verdict {
	DNSQ_OK = 0,     /* resolve it */
	DNSQ_DROP,       /* no reply at all: shorter than a header, or a response (QR=1) */
	DNSQ_FORMERR,    /* reply FORMERR (malformed) */
	DNSQ_NOTIMP,     /* reply NOTIMP (an opcode other than QUERY, meta qtypes) */
	DNSQ_REFUSED,    /* reply REFUSED (well-formed, but a class or qtype we do not serve) */
	DNSQ_BADVERS,    /* reply BADVERS (EDNS version above 0) */
};

/* Validate one query message of len bytes and fill *q with what could be read (even on
 * a verdict other than DNSQ_OK, so an error reply can echo the ID and question). */
enum dnsq_verdict dnsq_parse(const uint8_t *pkt, size_t len, struct dnsq *q);

/* The largest reply this client takes over UDP: 512 without EDNS, else its advertised
 * size clamped to 512..DNSMSG_UDP_MAX. */
size_t dnsq_udp_limit(const struct dnsq *q);

/* Does the client want the AD bit when the answer is DNSSEC-secure (it set DO or AD,
 * RFC 6840 5.7)? */
bool dnsq_wants_ad(const struct dnsq *q);

/* Mark a reply built for q (wire, len bytes) as validated: set AD if q wants it. */
void dnsmsg_set_ad(const struct dnsq *q, uint8_t *wire, size_t len);

/* Write an answerless reply with rcode (extended rcodes like BADVERS go into the OPT
 * record) echoing the ID, opcode, RD and CD bits, the question if it was read, and an
 * OPT record if the query had one. Returns its length, or 0 if outlen is too small
 * (12 + 255 + 4 + 11 bytes always suffice). */
size_t dnsq_error_reply(const struct dnsq *q, int rcode, uint8_t *out, size_t outlen);

/* Presentation form of an uncompressed wire name: labels joined by '.', no final dot
 * ("." for the root); bytes outside printable ASCII and the characters . \ ; ( ) " @ $
 * and space as \DDD. Writes at most outlen bytes, NUL-terminated (DNSMSG_NAME_STRLEN
 * always suffices). Returns the string length, or -1 if the wire form is not a valid
 * uncompressed name of len bytes (out then holds ""). */
int dnsmsg_name_str(const uint8_t *wire, size_t len, char *out, size_t outlen);

/* A host name as a TLS SNI or an HTTP Host carries it (labels separated by dots, any
 * bytes, no length prefixes) in the same presentation form: each byte of a label as
 * dnsmsg_name_str writes it, each dot as a dot. So a name the VM resolved and the name it
 * then sent in a handshake compare as strings. Writes at most outlen bytes,
 * NUL-terminated (4 * len + 1 always suffice). Returns the string length, or -1 if out
 * is too small (out then holds ""). */
int dnsmsg_host_str(const uint8_t *host, size_t len, char *out, size_t outlen);

/* Every record of the answer section of the DNS message msg (len bytes), in order:
 * owner name (dnsmsg_name_str), type, TTL and data in presentation form (the address
 * for A/AAAA, the target name without final dot for CNAME/NS/PTR/DNAME, ldns's
 * presentation format otherwise, names inside it in dnsmsg_name_str form).
 * On success *out is a malloc'ed array of *n records (NULL if none), freed with
 * dnsmsg_answers_free; returns 0, or -1 if the message does not parse (nothing to free). */
int dnsmsg_answers(const uint8_t *msg, size_t len, struct dns_answer **out, size_t *n);

/* Free what dnsmsg_answers returned. */
void dnsmsg_answers_free(struct dns_answer *a, size_t n);

/* A deep copy of n (> 0) answers into *out (dnsmsg_answers_free). Returns 0 or -1. */
int dnsmsg_answers_dup(const struct dns_answer *a, size_t n, struct dns_answer **out);

/* The reply to send for query q from libunbound's answer packet up (uplen bytes):
 * the client's ID, question bytes and RD/CD bits, QR and RA set, the answer's rcode
 * and sections (RRSIG/NSEC/NSEC3 only if the client set DO), an OPT record only if the
 * client sent one; with strip_ech, every section's SVCB/HTTPS records without their
 * ech parameter (dnsech.h). If the reply is longer than limit, the additional section
 * goes, then everything: TC=1 with just the question. On success returns 0 with *out a
 * malloc'ed reply of *outlen bytes (the caller frees it), *rcode the rcode sent, the
 * records the client was given in *ans and *n_ans (dnsmsg_answers_free), and in
 * *ech_stripped how many SVCB/HTTPS records of the reply sent lost their ech parameter
 * or were left out (SvcParams that do not walk).
 * Returns -1 if up does not parse or does not answer q's question, or on out of memory
 * (nothing allocated). */
int dnsmsg_build_reply(const struct dnsq *q, const uint8_t *up, size_t uplen, size_t limit,
                       bool strip_ech, uint8_t **out, size_t *outlen, int *rcode,
                       struct dns_answer **ans, size_t *n_ans, unsigned *ech_stripped);

#endif
