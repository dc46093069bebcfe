/* libFuzzer target: the dashboard's request parsing (web/params.c) fed every byte
 * string. The input is split at NUL bytes: a byte choosing the endpoint, then the URL
 * path, the Host header, the Origin header, then key, value, key, value... exactly as
 * libmicrohttpd would hand them over after decoding. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW INT64_C(1796000000000000)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *parts[64], err[128];
	size_t n = 0, start = 1;
	struct web_route rt;
	struct web_query q;
	struct netaddr listen = { .family = 4, .a = { 127, 0, 0, 1 } };
	int rc = 0;

	if (size < 1)
		return 0;
	if (!(buf = malloc(size + 1)))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 1; i <= size && n < 64; i++) {
		if (buf[i] == '\0') {
			parts[n++] = buf + start;
			start = i + 1;
		}
	}

	web_route_match(n > 0 ? parts[0] : NULL, &rt);
	if (rt.id == WR_ASSET) {
		/* an asset name is one plain file name, never a path */
		if (!rt.asset || strchr(rt.asset, '/') || strstr(rt.asset, "..") ||
		    strchr(rt.asset, '\\') || rt.asset[0] == '.')
			__builtin_trap();
	}
	if ((rt.id == WR_API_ACK || rt.id == WR_FINDING_PAGE) && rt.finding_id <= 0)
		__builtin_trap();
	if (rt.post_only != (rt.id == WR_API_ACK))
		__builtin_trap();

	if (n > 1 && web_host_allowed(parts[1], &listen, 8383)) {
		/* an allowed Host names this machine and the port */
		if (!strstr(parts[1], "8383") || strchr(parts[1], '/') || strchr(parts[1], '@'))
			__builtin_trap();
		if (n > 2 && web_origin_same(parts[2], parts[1]) &&
		    strncmp(parts[2], "http://", 7) != 0)
			__builtin_trap();
	}
	if (n > 2 && web_token_equal(parts[1], parts[2]) != (strcmp(parts[1], parts[2]) == 0 &&
	                                                     parts[1][0] != '\0'))
		__builtin_trap();

	web_query_init(&q, (enum web_qkind)(data[0] % (WQ_NONE + 1)), NOW);
	for (size_t i = 3; i + 1 < n && rc == 0; i += 2)
		rc = web_query_set(&q, parts[i], parts[i + 1], NOW, err, sizeof(err));
	if (rc == 0 && web_query_finish(&q, err, sizeof(err)) == 0) {
		/* what passed is within the bounds the SQL relies on */
		if (q.limit < 1 || q.limit > WEB_LIMIT_MAX || q.port < -1 || q.port > 65535 ||
		    q.proto < -1 || q.proto > 255 || q.qtype < -1 || q.qtype > 65535 ||
		    q.kind < 0 || q.kind > 5 || q.before_id < 0 || q.after_id < 0 ||
		    q.until_us <= q.since_us || strlen(q.name) > WEB_NAME_MAX)
			__builtin_trap();
		for (const char *p = q.name; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				__builtin_trap();
		if (q.has_ip && strlen(q.ip) == 0)
			__builtin_trap();
	}
	free(buf);
	return 0;
}
