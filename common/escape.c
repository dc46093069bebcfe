#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

struct sink {
	char *out;
	size_t len, cap;  /* cap excludes the final NUL */
};

static void
put(struct sink *s, const char *p, size_t n)
{
	if (s->len + n > s->cap)
		n = 0;  /* all or nothing: never half an escape */
	memcpy(s->out + s->len, p, n);
	s->len += n;
	if (n == 0)
		s->cap = s->len;  /* stop adding after the first thing that did not fit */
}

static void
put_hex(struct sink *s, unsigned char c)
{
	char b[5];

	snprintf(b, sizeof(b), "\\x%02x", c);
	put(s, b, 4);
}

static char *
finish(struct sink *s)
{
	s->out[s->len] = '\0';
	return s->out;
}

char *
escape_term(const char *in, char *out, size_t outlen)
{
	struct sink s = { out, 0, outlen ? outlen - 1 : 0 };

	if (!outlen)
		return out;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			put_hex(&s, *p);
		else
			put(&s, (const char *)p, 1);
	}
	return finish(&s);
}

char *
escape_csv(const char *in, char *out, size_t outlen)
{
	struct sink s = { out, 0, outlen ? outlen - 1 : 0 };

	if (outlen < 3) {
		if (outlen)
			out[0] = '\0';
		return out;
	}
	s.cap--;  /* keep room for the closing quote */
	put(&s, "\"", 1);
	if (*in == '=' || *in == '+' || *in == '-' || *in == '@')
		put(&s, "'", 1);
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p == '"')
			put(&s, "\"\"", 2);
		else if (*p < 0x20 || *p == 0x7f)
			put_hex(&s, *p);
		else
			put(&s, (const char *)p, 1);
	}
	s.cap++;
	s.out[s.len++] = '"';
	return finish(&s);
}

char *
escape_html(const char *in, char *out, size_t outlen)
{
	struct sink s = { out, 0, outlen ? outlen - 1 : 0 };

	if (!outlen)
		return out;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		switch (*p) {
		case '&': put(&s, "&amp;", 5); break;
		case '<': put(&s, "&lt;", 4); break;
		case '>': put(&s, "&gt;", 4); break;
		case '"': put(&s, "&quot;", 6); break;
		case '\'': put(&s, "&#39;", 5); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				put_hex(&s, *p);
			else
				put(&s, (const char *)p, 1);
		}
	}
	return finish(&s);
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	cp = p[0] & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *
escape_json(const char *in, char *out, size_t outlen)
{
	struct sink s = { out, 0, outlen ? outlen - 1 : 0 };
	char b[8];

	if (!outlen)
		return out;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			b[0] = '\\';
			b[1] = (char)*p;
			put(&s, b, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(b, sizeof(b), "\\u%04x", *p);
			put(&s, b, 6);
		} else if (*p < 0x80) {
			put(&s, (const char *)p, 1);
		} else if ((n = utf8_len(p))) {
			put(&s, (const char *)p, n);
			p += n - 1;
		} else {
			snprintf(b, sizeof(b), "\\u%04x", *p);
			put(&s, b, 6);
		}
	}
	return finish(&s);
}
