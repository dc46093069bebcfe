#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

int
netaddr_parse(const char *s, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = 6;
		return 0;
	}
	return -1;
}

char *
netaddr_format(const struct netaddr *a, char *buf, size_t len)
{
	if (a->family == 4)
		inet_ntop(AF_INET, a->a, buf, (socklen_t)len);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}

void
netaddr_from_bytes(struct netaddr *out, int family, const void *bytes)
{
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	memcpy(out->a, bytes, family == 4 ? 4 : 16);
}

bool
netaddr_equal(const struct netaddr *x, const struct netaddr *y)
{
	return x->family == y->family &&
	       memcmp(x->a, y->a, x->family == 4 ? 4 : 16) == 0;
}

int
cidr_parse(const char *s, struct cidr *out, char *err, size_t errlen)
{
	char buf[NETADDR_STRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned maxbits, bits, i;

	if (alen == 0 || alen >= sizeof(buf)) {
		snprintf(err, errlen, "'%s' is not an address/prefix", s);
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (netaddr_parse(buf, &out->net) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	maxbits = out->net.family == 4 ? 32 : 128;
	bits = maxbits;
	if (slash) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end || errno || v > maxbits) {
			snprintf(err, errlen, "'%s': prefix length must be 0..%u", s, maxbits);
			return -1;
		}
		bits = (unsigned)v;
	}
	for (i = bits; i < maxbits; i++) {
		if (out->net.a[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen, "'%s' has host bits set", s);
			return -1;
		}
	}
	out->bits = (uint8_t)bits;
	return 0;
}

bool
cidr_contains(const struct cidr *c, const struct netaddr *a)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (a->family != c->net.family)
		return false;
	if (memcmp(a->a, c->net.a, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		return (a->a[full] & mask) == (c->net.a[full] & mask);
	}
	return true;
}

int
hostport_parse(const char *s, char sep, uint16_t defport, struct netaddr *addr,
               uint16_t *port, char *err, size_t errlen)
{
	char buf[NETADDR_STRLEN];
	const char *host = s, *p = NULL;
	size_t hlen;

	if (sep == ':' && s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close) {
			snprintf(err, errlen, "'%s': missing ']'", s);
			return -1;
		}
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			p = close + 2;
		else if (close[1]) {
			snprintf(err, errlen, "'%s': junk after ']'", s);
			return -1;
		}
	} else {
		const char *c = strrchr(s, sep);
		/* a bare IPv6 address with ':' as separator has no port */
		if (c && sep == ':' && strchr(s, ':') != c)
			c = NULL;
		hlen = c ? (size_t)(c - s) : strlen(s);
		p = c ? c + 1 : NULL;
	}
	if (hlen == 0 || hlen >= sizeof(buf)) {
		snprintf(err, errlen, "'%s' is not an address", s);
		return -1;
	}
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (netaddr_parse(buf, addr) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	*port = defport;
	if (p) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(p, &end, 10);
		if (*p < '0' || *p > '9' || *end || errno || v == 0 || v > 65535) {
			snprintf(err, errlen, "'%s': port must be 1..65535", s);
			return -1;
		}
		*port = (uint16_t)v;
	}
	return 0;
}

char *
hostport_format(const struct netaddr *a, uint16_t port, char *buf, size_t len)
{
	char ab[NETADDR_STRLEN];

	netaddr_format(a, ab, sizeof(ab));
	if (a->family == 6)
		snprintf(buf, len, "[%s]:%u", ab, port);
	else
		snprintf(buf, len, "%s:%u", ab, port);
	return buf;
}
