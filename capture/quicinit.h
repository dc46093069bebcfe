/* quicinit: the ClientHello inside a client's QUIC Initial packets, version 1 (RFC 9000,
 * RFC 9001) and version 2 (RFC 9369).
 *
 * Initial packets are encrypted, but with keys anyone can derive from the Destination
 * Connection ID of the client's first Initial (RFC 9001 5.2): HKDF with the version's salt
 * and labels, AES-128-ECB for the header protection mask, AES-128-GCM for the payload, all
 * through libcrypto. The ClientHello travels in CRYPTO frames that may be spread over
 * several Initial packets and datagrams (post-quantum key shares make it larger than one)
 * and that can come out of order: they are put back by offset (reasm, bounded by
 * TLSHELLO_MSG_MAX) and the message goes to tlshello_parse_msg.
 *
 * One struct quicinit per UDP flow, fed the client's datagrams in order; coalesced packets
 * in a datagram are walked by their Length fields. Pure apart from libcrypto: no I/O, no
 * clock; the fuzz target (fuzz_quicinit) drives it. */
#ifndef OCA_QUICINIT_H
#define OCA_QUICINIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/reasm.h"
#include "capture/tlshello.h"

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_CID_MAX 20
#define QUICINIT_PKT_MAX 16384     /* largest Initial packet decrypted */

struct quicinit_keys {
	uint8_t key[16], iv[12], hp[16];
};

enum quicinit_verdict {
	QUICI_HELLO = 0,   /* the whole ClientHello was read into *h */
	QUICI_NEED,        /* more Initial packets are needed */
	QUICI_NOT_QUIC,    /* the datagram does not start with a v1/v2 Initial */
	QUICI_MALFORMED,   /* a header, frame or the ClientHello breaks the rules */
	QUICI_UNDECRYPTABLE,/* an Initial the keys do not open (corrupt, or not the client's) */
	QUICI_TOOBIG,      /* a packet or the ClientHello larger than the bounds */
	QUICI_LOST,        /* a CRYPTO frame could not be kept (holes, pool limit) */
};

/* The state of one flow. Fields are private to quicinit.c. */
struct quicinit {
	uint32_t version;          /* 0 until the first Initial */
	uint8_t dcid_len;
	uint8_t dcid[QUIC_CID_MAX];/* the DCID the keys come from */
	struct quicinit_keys keys;
	int64_t largest_pn;        /* -1 before the first packet */
	struct reasm crypto;       /* the CRYPTO stream from offset 0 */
};

/* Derive the client's Initial keys for version (QUIC_V1 or QUIC_V2) from the client's
 * first Destination Connection ID. Returns 0, or -1 for another version, a DCID longer
 * than QUIC_CID_MAX, or a libcrypto failure. */
int quicinit_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                         struct quicinit_keys *k);

/* Remove header protection from and decrypt the long-header Initial packet at pkt (len
 * bytes to the end of the datagram), whose packet number starts at pn_off and whose
 * Length field says payload_len bytes follow it. largest_pn is the largest packet number
 * seen so far (-1 for none). On success writes the plaintext frames into out (outlen
 * bytes at least payload_len - 16 - packet number length) and returns their length, with
 * the full packet number in *pn; returns -1 if the packet does not open. */
long quicinit_decrypt(const struct quicinit_keys *k, const uint8_t *pkt, size_t len,
                      size_t pn_off, size_t payload_len, int64_t largest_pn, uint8_t *out,
                      size_t outlen, uint64_t *pn);

/* A cheap look at a datagram: 1 if it starts with a long-header Initial packet of QUIC
 * v1 or v2 (what quicinit_datagram reads), else 0. */
int quicinit_is_initial(const uint8_t *dg, size_t len);

/* An empty flow state. Allocates nothing. */
void quicinit_init(struct quicinit *q);

/* Read one client datagram of len bytes. Once QUICI_HELLO is returned (*h filled) the
 * flow is done; QUICI_NEED asks for the next datagram; any other verdict says why none
 * will come (the caller stops feeding and frees). CRYPTO bytes are buffered against pool. */
enum quicinit_verdict quicinit_datagram(struct quicinit *q, struct reasm_pool *pool,
                                        const uint8_t *dg, size_t len, struct tlshello *h);

/* Free what the flow state holds (its CRYPTO buffer, given back to pool). */
void quicinit_free(struct quicinit *q, struct reasm_pool *pool);

/* A short English name for a verdict. */
const char *quicinit_verdict_str(enum quicinit_verdict v);

#endif
