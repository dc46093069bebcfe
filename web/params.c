#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/proto.h"
#include "common/dnstype.h"
#include "params.h"
#include "common/timefmt.h"


/* A positive decimal integer of at most 18 digits, nothing else. */
static int
parse_id(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0)
		return -1;
	*out = v;
	return 0;
}

static bool
asset_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
			return false;
	return strstr(s, "..") == NULL;
}

void
web_route_match(const char *url, struct web_route *out)
{
	static const struct { const char *path; enum web_route_id id; } fixed[] = {
		{ "/", WR_OVERVIEW }, { "/dns", WR_DNS_PAGE }, { "/connections", WR_CONN_PAGE },
		{ "/login", WR_LOGIN }, { "/api/report", WR_API_REPORT }, { "/api/dns", WR_API_DNS },
		{ "/api/connections", WR_API_CONN }, { "/api/timeline", WR_API_TIMELINE },
		{ "/api/findings", WR_API_FINDINGS }, { "/metrics", WR_METRICS },
	};
	const char *p, *slash;

	memset(out, 0, sizeof(*out));
	if (!url)
		return;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (strcmp(url, fixed[i].path) == 0) {
			out->id = fixed[i].id;
			return;
		}
	}
	if (strncmp(url, "/assets/", 8) == 0) {
		if (asset_name_ok(url + 8)) {
			out->id = WR_ASSET;
			out->asset = url + 8;
		}
		return;
	}
	if (strncmp(url, "/findings/", 10) == 0) {
		p = url + 10;
		if (parse_id(p, strlen(p), &out->finding_id) == 0)
			out->id = WR_FINDING_PAGE;
		return;
	}
	if (strncmp(url, "/api/findings/", 14) == 0) {
		p = url + 14;
		slash = strchr(p, '/');
		if (slash && (strcmp(slash, "/ack") == 0 || strcmp(slash, "/expect") == 0) &&
		    parse_id(p, (size_t)(slash - p), &out->finding_id) == 0) {
			out->id = slash[1] == 'a' ? WR_API_ACK : WR_API_EXPECT;
			out->post_only = true;
		}
		return;
	}
}

/* Host without a port matches only when the port is the default one. */
static bool
host_is(const char *host, size_t hlen, const char *name, uint16_t port)
{
	char want[NETADDR_STRLEN + 16];
	int n;

	n = snprintf(want, sizeof(want), "%s:%u", name, (unsigned)port);
	if (n > 0 && (size_t)n == hlen && strncasecmp(host, want, hlen) == 0)
		return true;
	return port == 80 && strlen(name) == hlen && strncasecmp(host, name, hlen) == 0;
}

static bool
unspecified(const struct netaddr *a)
{
	size_t n = a->family == 4 ? 4 : 16;

	for (size_t i = 0; i < n; i++)
		if (a->a[i])
			return false;
	return a->family != 0;
}

bool
web_host_allowed(const char *host, const struct netaddr *listen, uint16_t port)
{
	char buf[NETADDR_STRLEN], lit[NETADDR_STRLEN + 4];
	size_t hlen;

	if (!host || (hlen = strlen(host)) == 0 || hlen >= NETADDR_STRLEN + 8)
		return false;
	if (host_is(host, hlen, "127.0.0.1", port) || host_is(host, hlen, "localhost", port) ||
	    host_is(host, hlen, "[::1]", port))
		return true;
	if (listen && listen->family) {
		netaddr_format(listen, buf, sizeof(buf));
		if (listen->family == 6) {
			snprintf(lit, sizeof(lit), "[%s]", buf);
			if (host_is(host, hlen, lit, port))
				return true;
		} else if (host_is(host, hlen, buf, port)) {
			return true;
		}
		if (unspecified(listen)) {
			/* any IP literal: "a.b.c.d:port" or "[v6]:port" */
			struct netaddr a;
			uint16_t p;
			char err[64];

			if (hostport_parse(host, ':', 80, &a, &p, err, sizeof(err)) == 0 &&
			    p == port && (strchr(host, ']') || a.family == 4))
				return true;
		}
	}
	return false;
}

bool
web_origin_same(const char *origin, const char *host)
{
	if (!origin || !host || strncmp(origin, "http://", 7) != 0)
		return false;
	return strcasecmp(origin + 7, host) == 0;
}

bool
web_token_equal(const char *given, const char *want)
{
	unsigned char g[EVP_MAX_MD_SIZE], w[EVP_MAX_MD_SIZE];
	unsigned gl = 0, wl = 0;

	if (!given || !want || !*want ||
	    !EVP_Digest(given, strlen(given), g, &gl, EVP_sha256(), NULL) ||
	    !EVP_Digest(want, strlen(want), w, &wl, EVP_sha256(), NULL) || gl != wl)
		return false;
	return CRYPTO_memcmp(g, w, gl) == 0;
}

/* A decimal number in [lo, hi]. */
static int
parse_num(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	if (!v || !isdigit((unsigned char)v[0]) || strlen(v) > 18)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

int
web_kind_names(enum web_qkind k, const char *const **names)
{
	static const char *const conn_kinds[] = { "", "expected", "unexpected", "stale",
		"unattributed" };
	static const char *const dns_kinds[] = { "", "answered", "nxdomain", "servfail",
		"refused", "unanswered" };

	if (k == WQ_CONN) {
		*names = conn_kinds;
		return (int)(sizeof(conn_kinds) / sizeof(conn_kinds[0]));
	}
	if (k == WQ_DNS) {
		*names = dns_kinds;
		return (int)(sizeof(dns_kinds) / sizeof(dns_kinds[0]));
	}
	*names = NULL;
	return 0;
}

static int
lookup(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcasecmp(v, names[i]) == 0)
			return i;
	return -1;
}

void
web_query_init(struct web_query *q, enum web_qkind kind, int64_t now_us)
{
	memset(q, 0, sizeof(*q));
	q->for_kind = kind;
	q->port = -1;
	q->proto = -1;
	q->qtype = -1;
	q->since_us = now_us - 7 * DAY_US;
	q->until_us = now_us + 1;
	q->limit = WEB_LIMIT_DEFAULT;
}

enum qkey { K_NAME, K_IP, K_PORT, K_PROTO, K_QTYPE, K_KIND, K_SINCE, K_UNTIL, K_BEFORE,
            K_AFTER, K_LIMIT, K__N };

/* Which keys each endpoint takes (bit per enum qkey). */
static unsigned
allowed_keys(enum web_qkind k)
{
	const unsigned win = 1u << K_SINCE | 1u << K_UNTIL;
	const unsigned page = 1u << K_BEFORE | 1u << K_LIMIT;

	switch (k) {
	case WQ_DNS:
		return win | page | 1u << K_NAME | 1u << K_IP | 1u << K_QTYPE | 1u << K_KIND;
	case WQ_CONN:
		return win | page | 1u << K_NAME | 1u << K_IP | 1u << K_PORT | 1u << K_PROTO |
		       1u << K_KIND;
	case WQ_TIMELINE:
	case WQ_REPORT:
		return win;
	case WQ_FINDINGS:
		return win | 1u << K_AFTER | 1u << K_LIMIT;
	case WQ_NONE:
		break;
	}
	return 0;
}

int
web_query_set(struct web_query *q, const char *key, const char *value, int64_t now_us,
              char *err, size_t errlen)
{
	static const char *const keys[K__N] = { "name", "ip", "port", "proto", "qtype", "kind",
		"since", "until", "before", "after", "limit" };
	const char *v = value ? value : "", *const *kinds;
	int k = key ? lookup(key, keys, K__N) : -1;
	struct netaddr a;
	int64_t t;
	long n;
	int i;

	if (k < 0 || !(allowed_keys(q->for_kind) & (1u << k))) {
		snprintf(err, errlen, "unknown parameter");
		return -1;
	}
	if (q->seen & (1u << k)) {
		snprintf(err, errlen, "parameter '%s' given twice", keys[k]);
		return -1;
	}
	q->seen |= 1u << k;
	if (*v == '\0')
		return 0;               /* an empty field of a filter form means "any" */
	switch (k) {
	case K_NAME:
		if (strlen(v) > WEB_NAME_MAX)
			goto bad;
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				goto bad;
		strcpy(q->name, v);
		break;
	case K_IP:
		if (netaddr_parse(v, &a) < 0)
			goto bad;
		netaddr_format(&a, q->ip, sizeof(q->ip));
		q->has_ip = true;
		break;
	case K_PORT:
		if (parse_num(v, 0, 65535, &n) < 0)
			goto bad;
		q->port = (int)n;
		break;
	case K_PROTO:
		q->proto = proto_number(v);
		if (q->proto < 0 && parse_num(v, 0, 255, &n) == 0)
			q->proto = (int)n;
		if (q->proto < 0)
			goto bad;
		break;
	case K_QTYPE:
		q->qtype = dnstype_from_name(v);
		if (q->qtype < 0 && parse_num(v, 0, 65535, &n) == 0)
			q->qtype = (int)n;
		if (q->qtype < 0)
			goto bad;
		break;
	case K_KIND:
		/* kinds[0] is "", never matched: "any" is the empty value, taken above */
		i = web_kind_names(q->for_kind, &kinds);
		i = lookup(v, kinds, i);
		if (i <= 0)
			goto bad;
		q->kind = i;
		break;
	case K_SINCE:
	case K_UNTIL:
		if (timefmt_parse_when(v, now_us, &t) < 0)
			goto bad;
		if (k == K_SINCE)
			q->since_us = t;
		else
			q->until_us = t;
		break;
	case K_BEFORE:
	case K_AFTER:
		if (parse_id(v, strlen(v), &t) < 0)
			goto bad;
		if (k == K_BEFORE)
			q->before_id = t;
		else
			q->after_id = t;
		break;
	case K_LIMIT:
		if (parse_num(v, 1, WEB_LIMIT_MAX, &n) < 0)
			goto bad;
		q->limit = (unsigned)n;
		break;
	}
	return 0;
bad:
	snprintf(err, errlen, "bad value for '%s'", keys[k]);
	return -1;
}

int
web_query_finish(struct web_query *q, char *err, size_t errlen)
{
	if (q->until_us <= q->since_us) {
		snprintf(err, errlen, "'until' must be after 'since'");
		return -1;
	}
	return 0;
}
