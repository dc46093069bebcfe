/* tlshello: ClientHellos built here field by field, cut into records and bytes every way. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "capture/tlshello.h"
#include "tap.h"

struct buf { uint8_t b[40000]; size_t n; };

static void put8(struct buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void put16(struct buf *b, unsigned v) { put8(b, v >> 8); put8(b, v); }
static void put(struct buf *b, const void *p, size_t n) { memcpy(b->b + b->n, p, n); b->n += n; }
static void at16(struct buf *b, size_t at, size_t v) { b->b[at] = (uint8_t)(v >> 8); b->b[at + 1] = (uint8_t)v; }

struct hello_spec {
	const char *sni;            /* NULL: no SNI extension */
	const char *alpn[4];
	int tls13;                  /* supported_versions 0x0a0a (GREASE), 0x0304, 0x0303 */
	int ech;
	size_t pad;                 /* bytes of a padding extension, to make it large */
	int dup_sni;
};

/* A ClientHello handshake message (type, length, body). */
static void
hello(struct buf *m, const struct hello_spec *s)
{
	size_t len_at, ext_at;

	m->n = 0;
	put8(m, 1);
	len_at = m->n;
	put8(m, 0), put16(m, 0);
	put16(m, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(m, i);
	put8(m, 32);
	for (int i = 0; i < 32; i++)
		put8(m, 0xee);
	put16(m, 4), put16(m, 0x1301), put16(m, 0xc02f);
	put8(m, 1), put8(m, 0);
	ext_at = m->n;
	put16(m, 0);
	for (int k = 0; k < (s->dup_sni ? 2 : 1) && s->sni; k++) {
		size_t l = strlen(s->sni);

		put16(m, 0), put16(m, l + 5), put16(m, l + 3), put8(m, 0), put16(m, l);
		put(m, s->sni, l);
	}
	if (s->alpn[0]) {
		size_t at;

		put16(m, 16);
		at = m->n;
		put16(m, 0), put16(m, 0);
		for (int i = 0; i < 4 && s->alpn[i]; i++) {
			put8(m, strlen(s->alpn[i]));
			put(m, s->alpn[i], strlen(s->alpn[i]));
		}
		at16(m, at, m->n - at - 2);
		at16(m, at + 2, m->n - at - 4);
	}
	if (s->tls13) {
		put16(m, 43), put16(m, 7), put8(m, 6);
		put16(m, 0x0a0a), put16(m, 0x0304), put16(m, 0x0303);
	}
	if (s->ech) {
		put16(m, 0xfe0d), put16(m, 4), put16(m, 0), put16(m, 0x1234);
	}
	if (s->pad) {
		put16(m, 21), put16(m, s->pad);
		memset(m->b + m->n, 0, s->pad);
		m->n += s->pad;
	}
	at16(m, ext_at, m->n - ext_at - 2);
	m->b[len_at] = (uint8_t)((m->n - 4) >> 16);
	at16(m, len_at + 1, m->n - 4);
}

/* The message as a stream of handshake records of at most frag bytes each. */
static void
records(struct buf *out, const struct buf *m, size_t frag)
{
	out->n = 0;
	for (size_t off = 0; off < m->n; off += frag) {
		size_t l = m->n - off < frag ? m->n - off : frag;

		put8(out, 22), put16(out, off ? 0x0303 : 0x0301), put16(out, l);
		put(out, m->b + off, l);
	}
}

int
main(void)
{
	static struct buf m, s;
	struct tlshello h;
	struct hello_spec spec = { .sni = "api.telegram.org", .alpn = { "h2", "http/1.1" },
	                           .tls13 = 1 };
	int bad;

	hello(&m, &spec);
	records(&s, &m, 16384);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_OK, "one record: complete");
	is_str((char *)h.sni, "api.telegram.org", "SNI");
	is_int(h.sni_len, 16, "SNI length");
	is_str(h.alpn, "h2,http/1.1", "ALPN list");
	is_int(h.n_versions, 3, "three supported_versions");
	is_int(tlshello_max_version(&h), 0x0304, "TLS 1.3 offered (GREASE skipped)");
	is_int(h.legacy_version, 0x0303, "legacy_version");
	is_int(h.record_version, 0x0301, "record version");
	ok(!h.ech, "no ECH");

	/* every cut of the stream short of the end asks for more, and says how much at least */
	bad = 0;
	for (size_t cut = 0; cut < s.n; cut++) {
		enum tlshello_verdict v = tlshello_parse(s.b, cut, &h);

		if (v != TLSH_NEED || h.need == 0 || h.need > s.n - cut)
			bad++;
	}
	is_int(bad, 0, "each prefix: NEED with 0 < need <= what is missing");

	/* a large hello (post-quantum key shares) in records of 100 bytes, then of 1 byte */
	spec.pad = 1800;
	spec.ech = 1;
	hello(&m, &spec);
	records(&s, &m, 100);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_OK, "1.9 KB hello over 20 records");
	is_str((char *)h.sni, "api.telegram.org", "its SNI");
	ok(h.ech, "ECH extension seen");
	bad = 0;
	for (size_t cut = 0; cut < s.n; cut++)
		if (tlshello_parse(s.b, cut, &h) != TLSH_NEED || h.need > s.n - cut)
			bad++;
	is_int(bad, 0, "every prefix of the record stream: NEED");
	records(&s, &m, 1);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_OK, "the same in 1-byte records");
	spec.pad = 3500;
	hello(&m, &spec);
	records(&s, &m, 1);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_TOOBIG, "3.6 KB in 1-byte records: past the bound");
	records(&s, &m, 3);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_OK, "in 3-byte records: within it");
	spec.pad = 1800;
	hello(&m, &spec);

	/* the bare message, as QUIC carries it */
	is_int(tlshello_parse_msg(m.b, m.n, &h), TLSH_OK, "bare handshake message");
	is_int(h.record_version, 0, "no record version there");
	is_int(tlshello_parse_msg(m.b, m.n - 1, &h), TLSH_NEED, "bare message cut");
	is_int(h.need, 1, "one byte short");

	/* what is not a ClientHello */
	is_int(tlshello_parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h), TLSH_NOT_TLS,
	       "HTTP is not TLS");
	is_int(tlshello_parse((const uint8_t *)"\x16\x03\x01\x00\x05\x02", 6, &h), TLSH_NOT_TLS,
	       "a ServerHello is not a ClientHello");
	is_int(tlshello_parse((const uint8_t *)"\x16\x03", 2, &h), TLSH_NEED, "2 bytes: maybe");
	is_int(tlshello_parse((const uint8_t *)"\x16\x03\x01\x00\x00", 5, &h), TLSH_MALFORMED,
	       "empty handshake record");
	is_int(tlshello_parse((const uint8_t *)"\x16\x03\x01\x00\x04\x01\x00\x3f\xfc", 9, &h),
	       TLSH_NEED, "16 KiB hello announced: wait");
	is_int(tlshello_parse((const uint8_t *)"\x16\x03\x01\x00\x04\x01\x01\x00\x00", 9, &h),
	       TLSH_TOOBIG, "64 KiB hello announced: refused");

	/* malformed ones */
	spec = (struct hello_spec){ .sni = "a.example", .dup_sni = 1 };
	hello(&m, &spec);
	records(&s, &m, 16384);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_MALFORMED, "two SNI extensions");
	spec.dup_sni = 0;
	hello(&m, &spec);
	at16(&m, m.n - 9 - 2, 12);             /* the host_name's length past its extension */
	records(&s, &m, 16384);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_MALFORMED, "name length past the extension");
	hello(&m, &spec);
	records(&s, &m, 16384);
	s.b[s.n++] = 0x17;                     /* bytes after the message: not ours to read */
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_OK, "bytes after the hello are ignored");
	hello(&m, &spec);
	m.b[m.n++] = 0;                        /* a byte inside the body past the extensions */
	m.b[3]++;
	records(&s, &m, 16384);
	is_int(tlshello_parse(s.b, s.n, &h), TLSH_MALFORMED, "trailing byte in the body");

	/* an SNI that is not a name: kept as bytes, cut at 255 */
	{
		char longname[400];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = 0;
		longname[3] = '\x01';
		spec = (struct hello_spec){ .sni = longname, .alpn = { "a,b\\" } };
		hello(&m, &spec);
		records(&s, &m, 16384);
		is_int(tlshello_parse(s.b, s.n, &h), TLSH_OK, "399-byte SNI");
		ok(h.sni_cut && h.sni_len == 255 && h.sni[3] == 1, "kept as 255 exact bytes");
		is_str(h.alpn, "a\\044b\\092", "ALPN comma and backslash escaped");
	}
	return done_testing();
}
