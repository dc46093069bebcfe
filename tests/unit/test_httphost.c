/* httphost: the Host header of request heads, whole, cut, and not HTTP at all. */
#include "config.h"

#include <string.h>

#include "capture/httphost.h"
#include "tap.h"

static enum httphost_verdict
parse(const char *s, struct httphost *r)
{
	return httphost_parse((const uint8_t *)s, strlen(s), r);
}

int
main(void)
{
	struct httphost r;
	const char *req = "GET /index.html HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\n"
	                  "Host:  evil.example:8080 \r\nAccept: */*\r\n\r\n";
	int bad = 0;

	is_int(parse(req, &r), HTTPH_OK, "a curl request");
	is_str((char *)r.host, "evil.example:8080", "its Host, port kept");
	is_str(r.method, "GET", "method");
	is_int(r.http_minor, 1, "HTTP/1.1");
	for (size_t cut = 0; cut < strlen(req); cut++) {
		char tmp[256];

		memcpy(tmp, req, cut);
		tmp[cut] = 0;
		/* complete as soon as the header after Host starts */
		if (parse(tmp, &r) != (cut >= (size_t)(strstr(req, "Accept") - req) + 1 ? HTTPH_OK : HTTPH_NEED))
			bad++;
	}
	is_int(bad, 0, "each prefix: NEED until the Host value is complete");

	is_int(parse("POST /x HTTP/1.0\r\nContent-Length: 2\r\n\r\nab", &r), HTTPH_OK,
	       "HTTP/1.0 without Host");
	ok(!r.has_host, "no Host");
	is_int(parse("GET / HTTP/1.1\r\nhOsT: a\r\nHost: b\r\n\r\n", &r), HTTPH_MALFORMED,
	       "two Host headers");
	is_int(parse("\x16\x03\x01\x02\x00\x01", &r), HTTPH_NOT_HTTP, "TLS on port 80");
	is_int(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &r), HTTPH_NOT_HTTP, "HTTP/2 preface");
	is_int(parse("GET / HTTP/1.1\r\nHost a\r\n\r\n", &r), HTTPH_MALFORMED, "header without colon");
	{
		static char big[HTTPHOST_HEAD_MAX + 100];

		strcpy(big, "GET / HTTP/1.1\r\nCookie: ");
		memset(big + strlen(big), 'c', sizeof(big) - strlen(big) - 1);
		is_int(parse(big, &r), HTTPH_TOOBIG, "no Host in the first 8 KiB");
	}
	return done_testing();
}
