/* The ClientHello reader (RFC 8446 4.1.2, RFC 6066 3, RFC 7301 3.1). See tlshello.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tlshello.h"

#define REC_HDR 5
#define REC_MAX 16384              /* TLSPlaintext.length bound (RFC 8446 5.1) */
#define CT_HANDSHAKE 22
#define HT_CLIENT_HELLO 1

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Append one ALPN protocol to h->alpn in presentation form; sets alpn_cut if it does
 * not fit whole. */
static void
alpn_add(struct tlshello *h, size_t *at, const uint8_t *p, size_t n)
{
	char tmp[4 * 255 + 2];
	size_t t = 0;

	if (*at)
		tmp[t++] = ',';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c < 0x21 || c > 0x7e || c == ',' || c == '\\')
			t += (size_t)snprintf(tmp + t, sizeof(tmp) - t, "\\%03u", c);
		else
			tmp[t++] = (char)c;
	}
	if (*at + t >= sizeof(h->alpn)) {
		h->alpn_cut = true;
		return;
	}
	memcpy(h->alpn + *at, tmp, t);
	*at += t;
	h->alpn[*at] = '\0';
}

static enum tlshello_verdict
ext_sni(const uint8_t *e, size_t n, struct tlshello *h)
{
	size_t pos = 2;

	if (n < 2 || get16(e) != n - 2)
		return TLSH_MALFORMED;
	while (pos < n) {
		uint8_t type;
		size_t nlen;

		if (n - pos < 3)
			return TLSH_MALFORMED;
		type = e[pos];
		nlen = get16(e + pos + 1);
		pos += 3;
		if (n - pos < nlen)
			return TLSH_MALFORMED;
		if (type == 0 && !h->has_sni) {
			if (nlen == 0)
				return TLSH_MALFORMED;
			h->has_sni = true;
			h->sni_cut = nlen > TLSHELLO_NAME_MAX;
			h->sni_len = (uint16_t)(h->sni_cut ? TLSHELLO_NAME_MAX : nlen);
			memcpy(h->sni, e + pos, h->sni_len);
			h->sni[h->sni_len] = 0;
		}
		pos += nlen;
	}
	return TLSH_OK;
}

static enum tlshello_verdict
ext_alpn(const uint8_t *e, size_t n, struct tlshello *h)
{
	size_t pos = 2, at = 0;

	if (n < 2 || get16(e) != n - 2 || n == 2)
		return TLSH_MALFORMED;
	h->has_alpn = true;
	while (pos < n) {
		size_t plen = e[pos++];

		if (plen == 0 || n - pos < plen)
			return TLSH_MALFORMED;
		if (!h->alpn_cut)
			alpn_add(h, &at, e + pos, plen);
		pos += plen;
	}
	return TLSH_OK;
}

static enum tlshello_verdict
ext_versions(const uint8_t *e, size_t n, struct tlshello *h)
{
	if (n < 3 || e[0] != n - 1 || (e[0] & 1))
		return TLSH_MALFORMED;
	for (size_t i = 1; i + 1 < n; i += 2) {
		if (h->n_versions == TLSHELLO_VERSIONS_MAX) {
			h->versions_cut = true;
			break;
		}
		h->versions[h->n_versions++] = get16(e + i);
	}
	return TLSH_OK;
}

/* The ClientHello body (after the 4-byte handshake header), n bytes. */
static enum tlshello_verdict
parse_body(const uint8_t *b, size_t n, struct tlshello *h)
{
	size_t pos, cs, ext_end;
	bool seen_sni = false, seen_alpn = false, seen_ver = false;

	if (n < 2 + 32 + 1)
		return TLSH_MALFORMED;
	h->legacy_version = get16(b);
	pos = 34;
	if (b[pos] > 32 || n - pos - 1 < b[pos])
		return TLSH_MALFORMED;
	pos += 1 + (size_t)b[pos];
	if (n - pos < 2)
		return TLSH_MALFORMED;
	cs = get16(b + pos);
	if (cs < 2 || (cs & 1) || n - pos - 2 < cs)
		return TLSH_MALFORMED;
	pos += 2 + cs;
	if (n - pos < 1 || b[pos] < 1 || n - pos - 1 < b[pos])
		return TLSH_MALFORMED;
	pos += 1 + (size_t)b[pos];
	if (pos == n)
		return TLSH_OK;                     /* no extensions at all (pre-TLS 1.2 style) */
	if (n - pos < 2 || get16(b + pos) != n - pos - 2)
		return TLSH_MALFORMED;              /* the extensions must fill the rest exactly */
	pos += 2;
	ext_end = n;
	while (pos < ext_end) {
		uint16_t type;
		size_t elen;
		enum tlshello_verdict v = TLSH_OK;

		if (ext_end - pos < 4)
			return TLSH_MALFORMED;
		type = get16(b + pos);
		elen = get16(b + pos + 2);
		pos += 4;
		if (ext_end - pos < elen)
			return TLSH_MALFORMED;
		h->n_ext++;
		/* a repeated extension is refused by servers (RFC 8446 4.2): a VM that sends two
		 * SNIs must not get to choose which one we record */
		switch (type) {
		case TLSHELLO_EXT_SNI:
			if (seen_sni)
				return TLSH_MALFORMED;
			seen_sni = true;
			v = ext_sni(b + pos, elen, h);
			break;
		case TLSHELLO_EXT_ALPN:
			if (seen_alpn)
				return TLSH_MALFORMED;
			seen_alpn = true;
			v = ext_alpn(b + pos, elen, h);
			break;
		case TLSHELLO_EXT_VERSIONS:
			if (seen_ver)
				return TLSH_MALFORMED;
			seen_ver = true;
			v = ext_versions(b + pos, elen, h);
			break;
		case TLSHELLO_EXT_ECH:
			if (h->ech)
				return TLSH_MALFORMED;
			h->ech = true;
			break;
		default:
			break;
		}
		if (v != TLSH_OK)
			return v;
		pos += elen;
	}
	return TLSH_OK;
}

enum tlshello_verdict
tlshello_parse_msg(const uint8_t *msg, size_t len, struct tlshello *h)
{
	size_t body;
	enum tlshello_verdict v;

	memset(h, 0, sizeof(*h));
	if (len >= 1 && msg[0] != HT_CLIENT_HELLO)
		return TLSH_NOT_TLS;
	if (len < 4) {
		h->need = 4 - len;
		return TLSH_NEED;
	}
	body = get24(msg + 1);
	if (body + 4 > TLSHELLO_MSG_MAX)
		return TLSH_TOOBIG;
	if (len < body + 4) {
		h->need = body + 4 - len;
		return TLSH_NEED;
	}
	v = parse_body(msg + 4, body, h);
	if (v != TLSH_OK) {
		memset(h, 0, sizeof(*h));
		return v;
	}
	return TLSH_OK;
}

enum tlshello_verdict
tlshello_parse(const uint8_t *buf, size_t len, struct tlshello *h)
{
	uint8_t msg[TLSHELLO_MSG_MAX];
	size_t pos = 0, have = 0, want = 0;   /* want: the message's size once its header is in */

	uint16_t first_version = 0;
	enum tlshello_verdict v;

	memset(h, 0, sizeof(*h));
	/* the cheap early refusals, byte by byte, so a non-TLS stream is told at once */
	if ((len >= 1 && buf[0] != CT_HANDSHAKE) || (len >= 2 && buf[1] != 3) ||
	    (len >= 6 && buf[5] != HT_CLIENT_HELLO))
		return TLSH_NOT_TLS;
	for (;;) {
		size_t rlen, avail;

		if (len - pos < REC_HDR) {
			h->need = REC_HDR - (len - pos) + (want ? want - have : 4 - have);
			return TLSH_NEED;
		}
		rlen = get16(buf + pos + 3);
		if (buf[pos] != CT_HANDSHAKE || buf[pos + 1] != 3 || rlen > REC_MAX)
			return pos == 0 ? TLSH_NOT_TLS : TLSH_MALFORMED;
		if (rlen == 0)
			return TLSH_MALFORMED;           /* RFC 8446 5.1: no empty handshake records */
		if (pos == 0)
			first_version = get16(buf + 1);
		if (pos + REC_HDR + rlen > TLSHELLO_STREAM_MAX)
			return TLSH_TOOBIG;
		avail = len - pos - REC_HDR;
		if (avail > rlen)
			avail = rlen;
		/* copy up to the end of the message, or of its header while its size is unknown;
		 * the rest of a record after the message belongs to later messages */
		for (size_t off = 0; off < avail;) {
			size_t take = (want ? want - have : 4 - have);

			if (take > avail - off)
				take = avail - off;
			memcpy(msg + have, buf + pos + REC_HDR + off, take);
			have += take;
			off += take;
			if (!want && have == 4) {
				if (msg[0] != HT_CLIENT_HELLO)
					return TLSH_NOT_TLS;
				want = 4 + (size_t)get24(msg + 1);
				if (want > TLSHELLO_MSG_MAX)
					return TLSH_TOOBIG;
			}
			if (want && have == want)
				goto complete;
		}
		if (avail < rlen) {
			h->need = (want ? want - have : 4 - have);
			if (h->need > rlen - avail)   /* this record, then at least one more header */
				h->need += REC_HDR;
			return TLSH_NEED;
		}
		pos += REC_HDR + rlen;
	}
complete:
	v = tlshello_parse_msg(msg, have, h);
	if (v == TLSH_OK)
		h->record_version = first_version;
	return v;
}

const char *
tlshello_verdict_str(enum tlshello_verdict v)
{
	switch (v) {
	case TLSH_OK: return "ok";
	case TLSH_NEED: return "incomplete";
	case TLSH_NOT_TLS: return "not a TLS ClientHello";
	case TLSH_MALFORMED: return "malformed ClientHello";
	case TLSH_TOOBIG: return "ClientHello too large";
	}
	return "unknown";
}

uint16_t
tlshello_max_version(const struct tlshello *h)
{
	uint16_t best = 0;

	for (unsigned i = 0; i < h->n_versions; i++) {
		uint16_t v = h->versions[i];

		if ((v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff))
			continue;                        /* GREASE (RFC 8701) */
		if (v > best)
			best = v;
	}
	return best ? best : h->legacy_version;
}
