/* libFuzzer target: QUIC Initial datagrams of one flow. The input is cut into datagrams
 * by 2-byte big-endian lengths. To get past the AEAD a fuzzer cannot forge, each datagram
 * is first offered as it is, then, when its first byte's low bit is set, re-protected
 * with the keys of its own DCID, so the header, frame and CRYPTO code is reached too. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "capture/quicinit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encrypt a v1 Initial in place: dg is header (first byte, version, DCID, SCID, empty
 * token, 2-byte length, 1-byte packet number) then plaintext frames; returns its new size
 * or 0 if it does not have that shape. */
static size_t
reprotect(uint8_t *dg, size_t n, size_t room)
{
	struct quicinit_keys k;
	size_t pos = 5, pn_off, flen;
	uint8_t nonce[12], mask[16];
	EVP_CIPHER_CTX *c;
	int outl;

	if (n < 8 || dg[5] < 8 || dg[5] > QUIC_CID_MAX || n < 6 + (size_t)dg[5] + 1)
		return 0;
	if (quicinit_client_keys(QUIC_V1, dg + 6, dg[5], &k) < 0)
		return 0;
	pos = 6 + (size_t)dg[5];
	if (dg[pos] > QUIC_CID_MAX || n < pos + 1 + dg[pos] + 4)
		return 0;
	pos += 1 + (size_t)dg[pos];
	dg[0] = 0xc0;
	memcpy(dg + 1, "\0\0\0\1", 4);
	dg[pos++] = 0;                                  /* token length */
	flen = n - pos - 3;
	if (flen < 20 || n + 16 > room)
		return 0;
	dg[pos++] = (uint8_t)(0x40 | (flen + 1 + 16) >> 8);
	dg[pos++] = (uint8_t)(flen + 1 + 16);
	pn_off = pos++;
	memcpy(nonce, k.iv, 12);
	nonce[11] ^= dg[pn_off];
	c = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce);
	EVP_EncryptUpdate(c, NULL, &outl, dg, (int)pos);
	EVP_EncryptUpdate(c, dg + pos, &outl, dg + pos, (int)flen);
	EVP_EncryptFinal_ex(c, dg + pos + flen, &outl);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, dg + pos + flen);
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL);
	EVP_EncryptUpdate(c, mask, &outl, dg + pn_off + 4, 16);
	EVP_CIPHER_CTX_free(c);
	dg[0] ^= mask[0] & 0x0f;
	dg[pn_off] ^= mask[1];
	return pos + flen + 16;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t dg[4096];
	struct reasm_pool pool = { .limit = 64 * 1024 };
	struct quicinit q;
	struct tlshello h;
	size_t pos = 0;

	quicinit_init(&q);
	while (size - pos >= 2) {
		size_t n = (size_t)data[pos] << 8 | data[pos + 1];
		enum quicinit_verdict v;

		pos += 2;
		if (n > size - pos)
			n = size - pos;
		if (n > sizeof(dg) - 16)
			n = sizeof(dg) - 16;
		memcpy(dg, data + pos, n);
		pos += n;
		if (n && (dg[0] & 1)) {
			size_t m = reprotect(dg, n, sizeof(dg));

			if (m)
				n = m;
		}
		v = quicinit_datagram(&q, &pool, dg, n, &h);
		if (v == QUICI_HELLO && h.sni_len > TLSHELLO_NAME_MAX)
			__builtin_trap();
		if (v != QUICI_NEED)
			break;
	}
	quicinit_free(&q, &pool);
	if (pool.used != 0)
		__builtin_trap();
	return 0;
}
