/* httphost: the Host header of the HTTP/1.x request at the start of a flow to port 80, read
 * from the bytes the VM sent. The request line and headers are parsed by libhttp-parser
 * (Debian's libhttp-parser-dev: the parser Node.js used for years), not by hand; this
 * module only bounds what it is fed and keeps the Host value. Pure: no I/O, no clock, no
 * allocation; the fuzz target (fuzz_httphost) calls it directly. */
#ifndef OCA_HTTPHOST_H
#define OCA_HTTPHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPHOST_HEAD_MAX 8192     /* bytes of request head read at most */
#define HTTPHOST_NAME_MAX 255      /* longest Host value kept */

enum httphost_verdict {
	HTTPH_OK = 0,      /* the request line and the Host header (or the whole head) were read */
	HTTPH_NEED,        /* a request so far: more bytes needed */
	HTTPH_NOT_HTTP,    /* the request line is not HTTP/1.x */
	HTTPH_MALFORMED,   /* a valid request line, then headers that break the syntax, or two
	                      Host headers */
	HTTPH_TOOBIG,      /* no Host within HTTPHOST_HEAD_MAX bytes */
};

/* What was read. host holds the exact bytes of the Host value (port included if sent,
 * surrounding whitespace dropped by the parser), NUL-terminated for convenience only. */
struct httphost {
	bool has_host;             /* false: HTTP/1.0 without Host, or HTTP/1.1 without one */
	bool host_cut;             /* the value was longer than HTTPHOST_NAME_MAX */
	uint16_t host_len;
	uint8_t host[HTTPHOST_NAME_MAX + 1];
	uint8_t http_minor;        /* HTTP/1.<minor> */
	char method[16];           /* as libhttp-parser names it ("GET", "POST", ...) */
};

/* Read the request at the start of buf (len bytes, from the client's first byte; bytes past
 * HTTPHOST_HEAD_MAX are not looked at). HTTPH_OK once the Host header is complete (the next
 * header started, or the head ended), *r filled; otherwise *r is zeroed. */
enum httphost_verdict httphost_parse(const uint8_t *buf, size_t len, struct httphost *r);

/* A short English name for a verdict. */
const char *httphost_verdict_str(enum httphost_verdict v);

#endif
