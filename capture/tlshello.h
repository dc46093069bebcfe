/* tlshello: what a TLS ClientHello says about where the client wants to go, read from the
 * bytes the VM sent. Pure: no I/O, no clock, no allocation; every length is checked before
 * the read it guards, and the fuzz target (fuzz_tlshello) calls both entries directly.
 *
 * Two entries: tlshello_parse reads the client's TCP stream from its first byte (TLS
 * records, RFC 8446 5.1), where a ClientHello may span several records and several
 * segments; tlshello_parse_msg reads a bare handshake message, as QUIC carries it in its
 * CRYPTO frames. The handshake message is bounded by TLSHELLO_MSG_MAX, the record stream
 * by TLSHELLO_STREAM_MAX: a ClientHello with post-quantum key shares is about 1.5-2 KiB,
 * so the bound leaves room for the largest clients and refuses a VM that makes us buffer
 * more. */
#ifndef OCA_TLSHELLO_H
#define OCA_TLSHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLSHELLO_MSG_MAX 16384     /* handshake message, 4-byte header included */
#define TLSHELLO_STREAM_MAX 20480  /* record stream read to find it (headers included) */
#define TLSHELLO_NAME_MAX 255      /* longest SNI kept (a DNS name's bound) */
#define TLSHELLO_ALPN_STRLEN 256   /* ALPN list in presentation form, NUL included */
#define TLSHELLO_VERSIONS_MAX 16   /* supported_versions entries kept */

#define TLSHELLO_EXT_SNI 0
#define TLSHELLO_EXT_ALPN 16
#define TLSHELLO_EXT_VERSIONS 43
#define TLSHELLO_EXT_ECH 0xfe0d    /* encrypted_client_hello (draft-ietf-tls-esni) */

enum tlshello_verdict {
	TLSH_OK = 0,       /* a whole ClientHello was read into *h */
	TLSH_NEED,         /* a ClientHello so far: h->need more bytes at least */
	TLSH_NOT_TLS,      /* not a TLS handshake that starts with a ClientHello */
	TLSH_MALFORMED,    /* a ClientHello that breaks its own lengths or the rules */
	TLSH_TOOBIG,       /* a ClientHello larger than the bounds above */
};

/* What was read. The SNI is the exact bytes of the first host_name entry (no escaping:
 * the output contexts escape it), NUL-terminated for convenience only (it may itself hold
 * a NUL: use sni_len). With ECH the SNI is the outer, public one. */
struct tlshello {
	size_t need;                    /* TLSH_NEED: bytes missing at least */
	uint16_t record_version;        /* the first record's version; 0 for parse_msg */
	uint16_t legacy_version;        /* ClientHello.legacy_version */
	uint8_t n_versions;             /* supported_versions entries kept, in order */
	bool versions_cut;              /* there were more than TLSHELLO_VERSIONS_MAX */
	uint16_t versions[TLSHELLO_VERSIONS_MAX];
	bool has_sni;
	bool sni_cut;                   /* the name was longer than TLSHELLO_NAME_MAX */
	uint16_t sni_len;
	uint8_t sni[TLSHELLO_NAME_MAX + 1];
	bool has_alpn;
	bool alpn_cut;                  /* the list did not fit in alpn */
	char alpn[TLSHELLO_ALPN_STRLEN];/* protocols joined by ',', bytes outside printable
	                                   ASCII and ',' '\\' as \DDD */
	bool ech;                       /* the encrypted_client_hello extension is present */
	uint16_t n_ext;                 /* extensions in the hello */
};

/* Read the ClientHello at the start of the client's stream buf (len bytes, from the first
 * byte the client sent). Records must be handshake records (type 22) until the message is
 * complete; the first record's version must be 3.x. Returns a verdict; *h is filled on
 * TLSH_OK, h->need on TLSH_NEED, and is otherwise zeroed. Bytes after the ClientHello are
 * not looked at. */
enum tlshello_verdict tlshello_parse(const uint8_t *buf, size_t len, struct tlshello *h);

/* Read one handshake message (type, 3-byte length, body) from msg (len bytes): QUIC's
 * CRYPTO stream at offset 0. Same verdicts as tlshello_parse. */
enum tlshello_verdict tlshello_parse_msg(const uint8_t *msg, size_t len, struct tlshello *h);

/* A short English name for a verdict. */
const char *tlshello_verdict_str(enum tlshello_verdict v);

/* The highest TLS version the hello offers: the largest non-GREASE supported_versions
 * entry, else legacy_version (0x0303 = TLS 1.2, 0x0304 = TLS 1.3). */
uint16_t tlshello_max_version(const struct tlshello *h);

#endif
