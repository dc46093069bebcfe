/* QUIC Initial decryption and CRYPTO frame reassembly. See quicinit.h. */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "quicinit.h"

#define TAG_LEN 16
#define SAMPLE_LEN 16

/* RFC 9001 5.2 and RFC 9369 3.3.1, 3.3.2 */
static const uint8_t salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A variable-length integer (RFC 9000 16) at p[*pos..n). Returns 0, or -1 if cut off. */
static int
varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v)
{
	size_t l;

	if (*pos >= n)
		return -1;
	l = (size_t)1 << (p[*pos] >> 6);
	if (n - *pos < l)
		return -1;
	*v = p[*pos] & 0x3f;
	for (size_t i = 1; i < l; i++)
		*v = *v << 8 | p[*pos + i];
	*pos += l;
	return 0;
}

/* HKDF (RFC 5869) through libcrypto's KDF: extract when salt is given, else expand. */
static int
hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *key, size_t keylen,
     const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int mode = salt ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5], *p = params;
	int rc = -1;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)key,
	                                         keylen);
	if (salt)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		                                         (void *)(uintptr_t)salt, saltlen);
	else
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		                                         (void *)(uintptr_t)info, infolen);
	*p = OSSL_PARAM_construct_end();
	if (ctx && EVP_KDF_derive(ctx, out, outlen, params) > 0)
		rc = 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int
expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t outlen)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = strlen(label), n = 0;

	info[n++] = (uint8_t)(outlen >> 8);
	info[n++] = (uint8_t)outlen;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;
	return hkdf(NULL, 0, secret, 32, info, n, out, outlen);
}

int
quicinit_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                     struct quicinit_keys *k)
{
	uint8_t initial[32], client[32];
	int v2 = version == QUIC_V2;

	if ((version != QUIC_V1 && !v2) || dcid_len > QUIC_CID_MAX)
		return -1;
	if (hkdf(v2 ? salt_v2 : salt_v1, 20, dcid, dcid_len, NULL, 0, initial, 32) < 0 ||
	    expand_label(initial, "client in", client, 32) < 0 ||
	    expand_label(client, v2 ? "quicv2 key" : "quic key", k->key, 16) < 0 ||
	    expand_label(client, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) < 0 ||
	    expand_label(client, v2 ? "quicv2 hp" : "quic hp", k->hp, 16) < 0)
		return -1;
	return 0;
}

/* RFC 9000 A.3 */
static uint64_t
decode_pn(int64_t largest, uint64_t truncated, unsigned nbits)
{
	uint64_t expected = (uint64_t)(largest + 1), win = (uint64_t)1 << nbits;
	uint64_t hwin = win / 2, mask = win - 1;
	uint64_t cand = (expected & ~mask) | truncated;

	if (cand + hwin <= expected && cand < ((uint64_t)1 << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

long
quicinit_decrypt(const struct quicinit_keys *k, const uint8_t *pkt, size_t len,
                 size_t pn_off, size_t payload_len, int64_t largest_pn, uint8_t *out,
                 size_t outlen, uint64_t *pn)
{
	uint8_t first, pnb[4], mask[SAMPLE_LEN], nonce[12];
	EVP_CIPHER_CTX *ctx;
	size_t pn_len, ct_len;
	uint64_t trunc = 0;
	int outl = 0, ok = 0;
	long rc = -1;

	/* the sample starts 4 bytes after the packet number's start, whatever its length */
	if (pn_off < 1 || pn_off > len || len - pn_off < payload_len ||
	    payload_len < 4 + SAMPLE_LEN)
		return -1;
	if (!(ctx = EVP_CIPHER_CTX_new()))
		return -1;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, k->hp, NULL) <= 0 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) <= 0 ||
	    EVP_EncryptUpdate(ctx, mask, &outl, pkt + pn_off + 4, SAMPLE_LEN) <= 0 ||
	    outl != SAMPLE_LEN)
		goto out;

	first = pkt[0] ^ (mask[0] & 0x0f);     /* long header: the low 4 bits are protected */
	pn_len = (size_t)(first & 3) + 1;
	for (size_t i = 0; i < pn_len; i++) {
		pnb[i] = pkt[pn_off + i] ^ mask[1 + i];
		trunc = trunc << 8 | pnb[i];
	}
	if (payload_len < pn_len + TAG_LEN)
		goto out;
	ct_len = payload_len - pn_len - TAG_LEN;
	if (ct_len > outlen)
		goto out;
	*pn = decode_pn(largest_pn, trunc, (unsigned)pn_len * 8);
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(*pn >> (8 * i));

	if (EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) <= 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) <= 0 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, k->key, nonce) <= 0 ||
	    /* the associated data is the unprotected header, given in its three pieces */
	    EVP_DecryptUpdate(ctx, NULL, &outl, &first, 1) <= 0 ||
	    (pn_off > 1 && EVP_DecryptUpdate(ctx, NULL, &outl, pkt + 1, (int)pn_off - 1) <= 0) ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, pnb, (int)pn_len) <= 0 ||
	    EVP_DecryptUpdate(ctx, out, &outl, pkt + pn_off + pn_len, (int)ct_len) <= 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	                        (void *)(uintptr_t)(pkt + pn_off + pn_len + ct_len)) <= 0)
		goto out;
	ok = EVP_DecryptFinal_ex(ctx, out + outl, &outl) > 0;
	if (ok)
		rc = (long)ct_len;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* The Initial packet type bits: 0b00 in v1, 0b01 in v2 (RFC 9369 3.2). */
static int
is_initial_type(uint32_t version, uint8_t first)
{
	unsigned type = (first >> 4) & 3;

	return version == QUIC_V1 ? type == 0 : version == QUIC_V2 ? type == 1 : 0;
}

int
quicinit_is_initial(const uint8_t *dg, size_t len)
{
	uint32_t v;

	if (len < 7 || (dg[0] & 0xc0) != 0xc0)
		return 0;
	v = get32(dg + 1);
	return is_initial_type(v, dg[0]);
}

/* The frames of one decrypted Initial packet (RFC 9000 12.4: only these may be in one). */
static enum quicinit_verdict
frames(struct quicinit *q, struct reasm_pool *pool, const uint8_t *p, size_t n)
{
	size_t pos = 0;

	while (pos < n) {
		uint64_t type, a, b, c;

		if (varint(p, n, &pos, &type) < 0)
			return QUICI_MALFORMED;
		switch (type) {
		case 0x00:                                   /* PADDING */
			while (pos < n && p[pos] == 0)
				pos++;
			break;
		case 0x01:                                   /* PING */
			break;
		case 0x02: case 0x03:                        /* ACK */
			if (varint(p, n, &pos, &a) < 0 || varint(p, n, &pos, &b) < 0 ||
			    varint(p, n, &pos, &c) < 0 || varint(p, n, &pos, &a) < 0)
				return QUICI_MALFORMED;
			/* each range is two varints: the count is bounded by the bytes left */
			for (uint64_t i = 0; i < c; i++)
				if (varint(p, n, &pos, &a) < 0 || varint(p, n, &pos, &b) < 0)
					return QUICI_MALFORMED;
			if (type == 0x03)
				for (int i = 0; i < 3; i++)
					if (varint(p, n, &pos, &a) < 0)
						return QUICI_MALFORMED;
			break;
		case 0x06: {                                 /* CRYPTO */
			enum reasm_result r;

			if (varint(p, n, &pos, &a) < 0 || varint(p, n, &pos, &b) < 0 ||
			    n - pos < b)
				return QUICI_MALFORMED;
			r = reasm_add(&q->crypto, pool, a, p + pos, (size_t)b);
			if (r == REASM_BEYOND || r == REASM_CUT)
				return QUICI_TOOBIG;
			if (r != REASM_OK)
				return QUICI_LOST;
			pos += (size_t)b;
			break;
		}
		case 0x1c: case 0x1d:                        /* CONNECTION_CLOSE */
			if (varint(p, n, &pos, &a) < 0 ||
			    (type == 0x1c && varint(p, n, &pos, &b) < 0) ||
			    varint(p, n, &pos, &c) < 0 || n - pos < c)
				return QUICI_MALFORMED;
			pos += (size_t)c;
			break;
		default:
			return QUICI_MALFORMED;
		}
	}
	return QUICI_NEED;
}

void
quicinit_init(struct quicinit *q)
{
	memset(q, 0, sizeof(*q));
	q->largest_pn = -1;
	reasm_init(&q->crypto, 0, TLSHELLO_MSG_MAX);
}

/* One Initial packet at p (n bytes to the datagram's end) whose DCID is dcid. */
static enum quicinit_verdict
initial(struct quicinit *q, struct reasm_pool *pool, uint32_t version, const uint8_t *p,
        size_t n, size_t pn_off, size_t plen, const uint8_t *dcid, size_t dcid_len)
{
	uint8_t plain[QUICINIT_PKT_MAX];
	struct quicinit_keys k;
	uint64_t pn;
	long m;

	if (plen > QUICINIT_PKT_MAX)
		return QUICI_TOOBIG;
	if (!q->version) {
		/* RFC 9000 7.2: the client's first DCID is at least 8 bytes */
		if (dcid_len < 8 || quicinit_client_keys(version, dcid, dcid_len, &q->keys) < 0)
			return QUICI_MALFORMED;
		q->version = version;
		q->dcid_len = (uint8_t)dcid_len;
		memcpy(q->dcid, dcid, dcid_len);
	} else if (version != q->version) {
		return QUICI_MALFORMED;
	}
	m = quicinit_decrypt(&q->keys, p, n, pn_off, plen, q->largest_pn, plain, sizeof(plain),
	                     &pn);
	if (m < 0 && (dcid_len != q->dcid_len || memcmp(dcid, q->dcid, dcid_len))) {
		/* after a Retry the client derives new keys from the DCID the Retry gave it */
		if (quicinit_client_keys(version, dcid, dcid_len, &k) == 0 &&
		    (m = quicinit_decrypt(&k, p, n, pn_off, plen, -1, plain, sizeof(plain),
		                          &pn)) >= 0) {
			q->keys = k;
			q->dcid_len = (uint8_t)dcid_len;
			memcpy(q->dcid, dcid, dcid_len);
		}
	}
	if (m < 0)
		return QUICI_UNDECRYPTABLE;
	if ((int64_t)pn > q->largest_pn)
		q->largest_pn = (int64_t)pn;
	return frames(q, pool, plain, (size_t)m);
}

enum quicinit_verdict
quicinit_datagram(struct quicinit *q, struct reasm_pool *pool, const uint8_t *dg, size_t len,
                  struct tlshello *h)
{
	size_t pos = 0, have;
	const uint8_t *crypto;

	memset(h, 0, sizeof(*h));
	if (!quicinit_is_initial(dg, len))
		return q->version ? QUICI_NEED : QUICI_NOT_QUIC;  /* later: Handshake, 1-RTT */
	/* coalesced packets (RFC 9000 12.2): each long header says how long it is; a short
	 * header runs to the end of the datagram and is not ours */
	while (pos < len && (dg[pos] & 0x80)) {
		const uint8_t *p = dg + pos, *dcid;
		size_t n = len - pos, at = 5, dcid_len;
		uint64_t tok, plen;
		uint32_t version;
		enum quicinit_verdict v;

		if (n < 7)
			return QUICI_MALFORMED;
		version = get32(p + 1);
		if (version != QUIC_V1 && version != QUIC_V2)
			break;
		dcid_len = p[at++];
		if (dcid_len > QUIC_CID_MAX || n - at < dcid_len + 1)
			return QUICI_MALFORMED;
		dcid = p + at;
		at += dcid_len;
		if (p[at] > QUIC_CID_MAX || n - at - 1 < p[at])
			return QUICI_MALFORMED;
		at += 1 + (size_t)p[at];
		if (version == QUIC_V1 ? ((p[0] >> 4) & 3) == 3 : ((p[0] >> 4) & 3) == 0)
			break;                              /* Retry: no Length, never from a client */
		if (is_initial_type(version, p[0]) &&
		    (varint(p, n, &at, &tok) < 0 || n - at < tok))
			return QUICI_MALFORMED;
		if (is_initial_type(version, p[0]))
			at += (size_t)tok;
		if (varint(p, n, &at, &plen) < 0 || n - at < plen)
			return QUICI_MALFORMED;
		if (is_initial_type(version, p[0])) {
			v = initial(q, pool, version, p, at + (size_t)plen, at, (size_t)plen, dcid,
			            dcid_len);
			/* once one packet of the flow opened, one that does not is skipped: a VM
			 * cannot undo what we read by sending garbage in the same flow */
			if (v != QUICI_NEED && !(v == QUICI_UNDECRYPTABLE && q->largest_pn >= 0))
				return v;
		}
		pos += at + (size_t)plen;
	}
	crypto = reasm_data(&q->crypto, &have);
	if (!crypto)
		return QUICI_NEED;
	switch (tlshello_parse_msg(crypto, have, h)) {
	case TLSH_OK: return QUICI_HELLO;
	case TLSH_NEED: return QUICI_NEED;
	case TLSH_TOOBIG: return QUICI_TOOBIG;
	default: return QUICI_MALFORMED;
	}
}

void
quicinit_free(struct quicinit *q, struct reasm_pool *pool)
{
	reasm_free(&q->crypto, pool);
}

const char *
quicinit_verdict_str(enum quicinit_verdict v)
{
	switch (v) {
	case QUICI_HELLO: return "ok";
	case QUICI_NEED: return "incomplete";
	case QUICI_NOT_QUIC: return "not a QUIC Initial";
	case QUICI_MALFORMED: return "malformed Initial";
	case QUICI_UNDECRYPTABLE: return "Initial does not decrypt";
	case QUICI_TOOBIG: return "Initial or ClientHello too large";
	case QUICI_LOST: return "CRYPTO data not kept";
	}
	return "unknown";
}
