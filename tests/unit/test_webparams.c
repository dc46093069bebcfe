#include "config.h"

#include <stdlib.h>

#include "web/params.h"
#include "tap.h"
#include "web/webint.h"

#define NOW INT64_C(1796000000000000)

static int
set(struct web_query *q, const char *k, const char *v)
{
	char err[128];

	return web_query_set(q, k, v, NOW, err, sizeof(err));
}

int
main(void)
{
	struct web_route r;
	struct web_query q;
	struct netaddr lo = { .family = 4, .a = { 127, 0, 0, 1 } };
	struct netaddr any = { .family = 4 };
	struct netaddr wan = { .family = 4, .a = { 198, 51, 100, 1 } };
	char err[128];

	web_route_match("/", &r);
	is_int(r.id, WR_OVERVIEW, "/ is the overview");
	web_route_match("/api/findings/42/ack", &r);
	ok(r.id == WR_API_ACK && r.finding_id == 42 && r.post_only, "ack route, POST only");
	web_route_match("/api/findings/7/expect", &r);
	ok(r.id == WR_API_EXPECT && r.finding_id == 7 && r.post_only, "expect route, POST only");
	web_route_match("/api/findings/7/expectx", &r);
	ok(r.id == WR_NOT_FOUND, "nothing after expect");
	web_route_match("/api/findings/0/ack", &r);
	is_int(r.id, WR_NOT_FOUND, "finding id 0");
	web_route_match("/api/findings/-1/ack", &r);
	is_int(r.id, WR_NOT_FOUND, "negative finding id");
	web_route_match("/api/findings/1/ack/", &r);
	is_int(r.id, WR_NOT_FOUND, "trailing slash");
	web_route_match("/findings/9999999999999999999", &r);
	is_int(r.id, WR_NOT_FOUND, "id too long");
	web_route_match("/assets/app.js", &r);
	ok(r.id == WR_ASSET && strcmp(r.asset, "app.js") == 0, "asset");
	web_route_match("/assets/../web.h", &r);
	is_int(r.id, WR_NOT_FOUND, "asset traversal");
	web_route_match("/assets/a/b.js", &r);
	is_int(r.id, WR_NOT_FOUND, "asset in a folder");
	web_route_match("/assets/.hidden", &r);
	is_int(r.id, WR_NOT_FOUND, "hidden asset");
	web_route_match("/assets/..", &r);
	is_int(r.id, WR_NOT_FOUND, "asset ..");
	web_route_match("/API/dns", &r);
	is_int(r.id, WR_NOT_FOUND, "paths are exact");

	ok(web_host_allowed("127.0.0.1:8383", &lo, 8383), "127.0.0.1:port");
	ok(web_host_allowed("localhost:8383", &lo, 8383), "localhost:port");
	ok(web_host_allowed("[::1]:8383", &lo, 8383), "[::1]:port");
	ok(!web_host_allowed("localhost", &lo, 8383), "no port");
	ok(!web_host_allowed("localhost:8384", &lo, 8383), "other port");
	ok(!web_host_allowed("evil.test:8383", &lo, 8383), "a name");
	ok(!web_host_allowed("localhost.evil.test:8383", &lo, 8383), "localhost. prefix");
	ok(!web_host_allowed("127.0.0.1:8383@evil", &lo, 8383), "userinfo trick");
	ok(!web_host_allowed("", &lo, 8383), "empty");
	ok(!web_host_allowed(NULL, &lo, 8383), "missing");
	ok(web_host_allowed("localhost", &lo, 80), "port 80 may be left out");
	ok(web_host_allowed("198.51.100.1:8383", &wan, 8383), "the listen address");
	ok(!web_host_allowed("198.51.100.2:8383", &wan, 8383), "another address");
	ok(web_host_allowed("198.51.100.7:8383", &any, 8383), "wildcard listen: IP literal");
	ok(!web_host_allowed("rebind.evil.test:8383", &any, 8383), "wildcard listen: no name");
	ok(web_origin_same("http://127.0.0.1:8383", "127.0.0.1:8383"), "same origin");
	ok(!web_origin_same("https://127.0.0.1:8383", "127.0.0.1:8383"), "other scheme");
	ok(!web_origin_same("null", "127.0.0.1:8383"), "null origin");
	ok(!web_origin_same("http://127.0.0.1:8383.evil", "127.0.0.1:8383"), "suffix");
	ok(web_token_equal("0123456789abcdef", "0123456789abcdef"), "token equal");
	ok(!web_token_equal("0123456789abcde", "0123456789abcdef"), "token shorter");
	ok(!web_token_equal("0123456789abcdefg", "0123456789abcdef"), "token longer");
	ok(!web_token_equal("", ""), "empty token never matches");

	web_query_init(&q, WQ_CONN, NOW);
	ok(set(&q, "ip", "2001:DB8::0:1") == 0 && strcmp(q.ip, "2001:db8::1") == 0,
	   "ip canonical");
	ok(set(&q, "proto", "TCP") == 0 && q.proto == 6, "proto by name");
	ok(set(&q, "port", "65535") == 0 && q.port == 65535, "port");
	ok(set(&q, "kind", "stale") == 0 && q.kind == WK_STALE, "conn kind");
	ok(set(&q, "since", "1h") == 0 && q.since_us == NOW - 3600 * INT64_C(1000000), "since 1h");
	ok(set(&q, "limit", "500") == 0 && q.limit == 500, "limit max");
	ok(set(&q, "limit", "5") < 0, "limit twice");
	ok(web_query_finish(&q, err, sizeof(err)) == 0, "finish");
	web_query_init(&q, WQ_CONN, NOW);
	ok(set(&q, "port", "65536") < 0, "port too big");
	web_query_init(&q, WQ_CONN, NOW);
	ok(set(&q, "port", "-1") < 0, "port negative");
	web_query_init(&q, WQ_CONN, NOW);
	ok(set(&q, "qtype", "A") < 0, "qtype is not a connection filter");
	web_query_init(&q, WQ_CONN, NOW);
	ok(set(&q, "kind", "nxdomain") < 0, "dns kind on connections");
	web_query_init(&q, WQ_DNS, NOW);
	ok(set(&q, "kind", "NXDOMAIN") == 0 && q.kind == WD_NXDOMAIN, "dns kind");
	ok(set(&q, "qtype", "https") == 0 && q.qtype == 65, "qtype by name");
	web_query_init(&q, WQ_DNS, NOW);
	ok(set(&q, "qtype", "TYPE65280") == 0 && q.qtype == 65280, "qtype in RFC 3597 form");
	web_query_init(&q, WQ_DNS, NOW);
	ok(set(&q, "qtype", "caa") == 0 && q.qtype == 257, "qtype: any of ldns's names");
	ok(set(&q, "name", "a\x01") < 0, "control byte in name");
	web_query_init(&q, WQ_DNS, NOW);
	ok(set(&q, "name", "<script>") == 0 && strcmp(q.name, "<script>") == 0,
	   "markup is just bytes to filter by");
	ok(set(&q, "limit", "0") < 0, "limit 0");
	web_query_init(&q, WQ_DNS, NOW);
	ok(set(&q, "before", "12") == 0 && q.before_id == 12, "before");
	ok(set(&q, "ip", "") == 0 && !q.has_ip, "empty field = any");
	ok(set(&q, "token", "x") < 0, "no token parameter");
	web_query_init(&q, WQ_DNS, NOW);
	ok(set(&q, "since", "1h") == 0 && set(&q, "until", "2h") == 0 &&
	   web_query_finish(&q, err, sizeof(err)) < 0, "until before since");
	web_query_init(&q, WQ_REPORT, NOW);
	ok(set(&q, "since", "2026-11-28T00:00:00Z") == 0, "report since ISO");
	ok(set(&q, "name", "x") < 0, "report takes no name");
	{
		struct wbuf b = { 0 };
		char big[3000];

		wbuf_html(&b, "a\xe2\x80\xaegnp.exe<b>\x1b\xd8\x9c\xe2\x81\xa6&");
		is_str(b.p, "a\\u202egnp.exe&lt;b&gt;\\x1b\\u061c\\u2066&amp;",
		       "html: bidi controls and control bytes visible, markup escaped");
		wbuf_free(&b);
		wbuf_html(&b, "caf\xc3\xa9 \xe2\x80\x94 ok");
		is_str(b.p, "caf\xc3\xa9 \xe2\x80\x94 ok", "html: other UTF-8 untouched");
		wbuf_free(&b);
		memset(big, '"', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		wbuf_html(&b, big);
		is_int(strlen(b.p), 6 * (sizeof(big) - 1), "html: long input escaped whole");
		wbuf_free(&b);
		memset(big, 0, sizeof(big));
		for (int i = 0; i < 999; i++)
			memcpy(big + 3 * i, "\xe2\x80\xae", 3);
		wbuf_html(&b, big);
		is_int(strlen(b.p), 6 * 999, "html: a name of bidi overrides, whole");
		wbuf_free(&b);
	}
	return done_testing();
}
