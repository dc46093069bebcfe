/* The output buffer. It stops growing on the first failed allocation and says so
 * (oom) rather than failing each append, so a page writer can append without checking
 * and the server answers 500 once at the end. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "wbuf.h"

void
wbuf_put(struct wbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
wbuf_puts(struct wbuf *b, const char *s)
{
	wbuf_put(b, s, strlen(s));
}

void
wbuf_printf(struct wbuf *b, const char *fmt, ...)
{
	char small[512], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		wbuf_put(b, small, (size_t)n);
		return;
	}
	if (!(big = malloc((size_t)n + 1))) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	wbuf_put(b, big, (size_t)n);
	free(big);
}

/* Length of a Unicode bidi control (U+061C, U+200E/F, U+202A..E, U+2066..9) at p, or 0.
 * In a name they would reorder what the operator reads ("moc.elgoog"). */
static size_t
bidi_len(const unsigned char *p)
{
	if (p[0] == 0xd8 && p[1] == 0x9c)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f ||
	                                     (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

void
wbuf_html(struct wbuf *b, const char *s)
{
	/* the longest escape is 6 bytes for one */
	size_t len = strlen(s), need = 6 * len + 1, bl;
	char small[1024], *out = need <= sizeof(small) ? small : malloc(need), *plain = NULL;
	const unsigned char *p = (const unsigned char *)s;

	if (!out) {
		b->oom = true;
		return;
	}
	/* bidi controls become visible text first ("\u202e"), then escape_html */
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0xd8 && bidi_len(p + i)) {
			size_t o = 0;

			if (!(plain = malloc(3 * len + 1)))
				break;
			for (size_t j = 0; j < len; j++) {
				if ((bl = bidi_len(p + j))) {
					unsigned cp = bl == 2 ? 0x061c
					            : (unsigned)((p[j] & 0x0f) << 12 |
					                         (p[j + 1] & 0x3f) << 6 | (p[j + 2] & 0x3f));
					o += (size_t)sprintf(plain + o, "\\u%04x", cp);
					j += bl - 1;
				} else {
					plain[o++] = (char)p[j];
				}
			}
			plain[o] = '\0';
			break;
		}
	}
	if (plain && strlen(plain) * 6 + 1 > need) {
		need = strlen(plain) * 6 + 1;
		if (out != small)
			free(out);
		if (!(out = malloc(need))) {
			free(plain);
			b->oom = true;
			return;
		}
	}
	wbuf_puts(b, escape_html(plain ? plain : s, out, need));
	free(plain);
	if (out != small)
		free(out);
}

void
wbuf_url(struct wbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			wbuf_put(b, (const char *)p, 1);
		} else {
			e[0] = '%';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 15];
			wbuf_put(b, e, 3);
		}
	}
}

void
wbuf_free(struct wbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
