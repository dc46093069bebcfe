/* wbuf: the growing output buffer every page and API answer is written into, and the
 * one place a string is escaped for HTML or percent-encoded for a link. Private to
 * web/. */
#ifndef OCA_WEB_WBUF_H
#define OCA_WEB_WBUF_H

#include <stdbool.h>
#include <stddef.h>

/* An output buffer that grows; on out of memory it stops growing and remembers. */
struct wbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Append n bytes of s (NUL-terminated after them). On out of memory sets oom and
 * appends nothing, then or ever after. */
void wbuf_put(struct wbuf *b, const char *s, size_t n);
void wbuf_puts(struct wbuf *b, const char *s);
void wbuf_printf(struct wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s escaped for HTML text or a quoted attribute value (escape_html), with any
 * Unicode bidi control shown as text ("\u202e"). */
void wbuf_html(struct wbuf *b, const char *s);
/* Append s percent-encoded for a query string value: everything but unreserved bytes. */
void wbuf_url(struct wbuf *b, const char *s);
/* Free the bytes and reset b to empty; b itself stays the caller's. */
void wbuf_free(struct wbuf *b);

#endif
