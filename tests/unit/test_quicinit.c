/* quicinit: the client Initial vectors of RFC 9001 and RFC 9369 (Appendix A), then Initial
 * packets protected here with the same keys, to split a ClientHello across packets,
 * datagrams and offsets. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "capture/quicinit.h"
#include "tap.h"

static size_t
unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*h && n < max && sscanf(h, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* A hex file of tests/data/quic: lines starting with '#' are comments. */
static size_t
load(const char *name, uint8_t *out, size_t max)
{
	char path[1024], line[256];
	const char *src = getenv("OCA_SRCDIR");
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/quic/%s", src ? src : "..", name);
	if (!(f = fopen(path, "r"))) {
		printf("# cannot open %s\n", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#')
			n += unhex(line, out + n, max - n);
	fclose(f);
	return n;
}

static int
same(const uint8_t *a, const char *hex)
{
	uint8_t b[64];
	size_t n = unhex(hex, b, sizeof(b));

	return memcmp(a, b, n) == 0;
}

/* Protect a v1 Initial with pn_len 1 carrying frames f (n bytes) into out; returns its
 * length. What a client does (RFC 9001 5.3, 5.4), so the tests can make packets. */
static size_t
protect(const struct quicinit_keys *k, const uint8_t *dcid, uint8_t pn, const uint8_t *f,
        size_t n, uint8_t *out)
{
	size_t pos = 0, pn_off, len = 1 + n + 16;
	uint8_t nonce[12], mask[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl;

	out[pos++] = 0xc0;
	out[pos++] = 0, out[pos++] = 0, out[pos++] = 0, out[pos++] = 1;
	out[pos++] = 8;
	memcpy(out + pos, dcid, 8);
	pos += 8;
	out[pos++] = 0;                              /* SCID */
	out[pos++] = 0;                              /* token */
	out[pos++] = (uint8_t)(0x40 | len >> 8), out[pos++] = (uint8_t)len;
	pn_off = pos;
	out[pos++] = pn;
	memcpy(nonce, k->iv, 12);
	nonce[11] ^= pn;
	EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce);
	EVP_EncryptUpdate(c, NULL, &outl, out, (int)pos);
	EVP_EncryptUpdate(c, out + pos, &outl, f, (int)n);
	EVP_EncryptFinal_ex(c, out + pos + n, &outl);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + pos + n);
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL);
	EVP_EncryptUpdate(c, mask, &outl, out + pn_off + 4, 16);
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	out[pn_off] ^= mask[1];
	return pos + n + 16;
}

/* A CRYPTO frame for hello[off..off+n), then padding to pad bytes in all. */
static size_t
crypto(uint8_t *f, const uint8_t *hello, size_t off, size_t n, size_t pad)
{
	size_t pos = 0;

	f[pos++] = 0x01;                             /* a PING first */
	f[pos++] = 0x06;
	f[pos++] = (uint8_t)(0x40 | off >> 8), f[pos++] = (uint8_t)off;
	f[pos++] = (uint8_t)(0x40 | n >> 8), f[pos++] = (uint8_t)n;
	memcpy(f + pos, hello + off, n);
	pos += n;
	memset(f + pos, 0, pad > pos ? pad - pos : 0);
	return pad > pos ? pad : pos;
}

int
main(void)
{
	static uint8_t pkt[2048], pkt2[2048], plain[2048], dg[4096], f[1500];
	const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	struct reasm_pool pool = { .limit = 1 << 20 };
	struct quicinit_keys k;
	struct quicinit q;
	struct tlshello h;
	uint64_t pn;
	size_t n, n2;
	long m;

	ok(quicinit_client_keys(QUIC_V1, dcid, 8, &k) == 0, "v1 keys");
	ok(same(k.key, "1f369613dd76d5467730efcbe3b1a22d"), "v1 key (RFC 9001 A.1)");
	ok(same(k.iv, "fa044b2f42a3fd3b46fb255c"), "v1 iv");
	ok(same(k.hp, "9f50449e04a0e810283a1e9933adedd2"), "v1 hp");

	n = load("rfc9001_a2_client_initial.hex", pkt, sizeof(pkt));
	is_int(n, 1200, "RFC 9001 A.2 packet loaded");
	m = quicinit_decrypt(&k, pkt, n, 18, 1182, -1, plain, sizeof(plain), &pn);
	is_int(m, 1162, "decrypts to 1162 bytes of frames");
	is_int(pn, 2, "packet number 2");
	ok(m > 0 && same(plain, "060040f1010000ed0303ebf8fa56f129"), "starts with the CRYPTO frame");

	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, pkt, n, &h), QUICI_HELLO, "v1 datagram: hello");
	is_str((char *)h.sni, "example.com", "SNI example.com");
	is_str(h.alpn, "alpn", "ALPN");
	is_int(tlshello_max_version(&h), 0x0304, "TLS 1.3");
	quicinit_free(&q, &pool);

	ok(quicinit_client_keys(QUIC_V2, dcid, 8, &k) == 0, "v2 keys");
	ok(same(k.key, "8b1a0bc121284290a29e0971b5cd045d"), "v2 key (RFC 9369 A.1)");
	ok(same(k.iv, "91f73e2351d8fa91660e909f"), "v2 iv");
	ok(same(k.hp, "45b95e15235d6f45a6b19cbcb0294ba9"), "v2 hp");
	n = load("rfc9369_a2_client_initial.hex", pkt, sizeof(pkt));
	is_int(n, 1200, "RFC 9369 A.2 packet loaded");
	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, pkt, n, &h), QUICI_HELLO, "v2 datagram: hello");
	is_str((char *)h.sni, "example.com", "SNI example.com");
	quicinit_free(&q, &pool);

	pkt[500] ^= 1;
	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, pkt, n, &h), QUICI_UNDECRYPTABLE, "one bit flipped");
	quicinit_free(&q, &pool);
	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, (const uint8_t *)"\x40\x01\x02", 3, &h),
	       QUICI_NOT_QUIC, "a short header first: not ours");

	/* the A.2 ClientHello (241 bytes) split in two CRYPTO frames, second half first */
	quicinit_client_keys(QUIC_V1, dcid, 8, &k);
	n = crypto(f, plain + 4, 100, 141, 600);
	n = protect(&k, dcid, 0, f, n, pkt);
	n2 = crypto(f, plain + 4, 0, 100, 600);
	n2 = protect(&k, dcid, 1, f, n2, pkt2);
	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, pkt, n, &h), QUICI_NEED, "second half: need more");
	is_int(quicinit_datagram(&q, &pool, (const uint8_t *)"\x41\x00\x00", 3, &h), QUICI_NEED,
	       "a 1-RTT datagram in between: skipped");
	is_int(quicinit_datagram(&q, &pool, pkt2, n2, &h), QUICI_HELLO, "first half: hello");
	is_str((char *)h.sni, "example.com", "SNI from two packets");
	quicinit_free(&q, &pool);

	memcpy(dg, pkt, n);
	memcpy(dg + n, pkt2, n2);
	memcpy(dg + n + n2, "\x40\xaa\xbb", 3);      /* a short header packet after them */
	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, dg, n + n2 + 3, &h), QUICI_HELLO,
	       "both coalesced in one datagram");
	quicinit_free(&q, &pool);
	is_int(pool.used, 0, "every CRYPTO buffer given back");

	/* a CRYPTO frame past the bound */
	n = crypto(f, plain + 4, 0, 100, 600);
	f[2] = 0x7f, f[3] = 0xff;                    /* offset 16383 */
	n = protect(&k, dcid, 0, f, n, pkt);
	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, pkt, n, &h), QUICI_TOOBIG, "CRYPTO past 16 KiB");
	quicinit_free(&q, &pool);

	/* an unknown frame type inside an Initial */
	f[0] = 0x08;                                 /* STREAM */
	n = protect(&k, dcid, 0, f, 600, pkt);
	quicinit_init(&q);
	is_int(quicinit_datagram(&q, &pool, pkt, n, &h), QUICI_MALFORMED, "STREAM in an Initial");
	quicinit_free(&q, &pool);
	return done_testing();
}
