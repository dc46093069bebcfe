#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct rules *
rules_new(void)
{
	return calloc(1, sizeof(struct rules));
}

void
rules_free(struct rules *rs)
{
	if (!rs)
		return;
	free(rs->r);
	free(rs);
}

struct rules *
rules_dup(const struct rules *rs)
{
	struct rules *d = rules_new();

	if (!d)
		return NULL;
	*d = *rs;
	d->r = NULL;
	d->cap = rs->n;
	if (rs->n > 0) {
		if (!(d->r = malloc(sizeof(*d->r) * (size_t)rs->n))) {
			free(d);
			return NULL;
		}
		memcpy(d->r, rs->r, sizeof(*d->r) * (size_t)rs->n);
	}
	return d;
}

int
rules_name_normalise(const char *in, char *out, size_t outlen)
{
	size_t len = strlen(in), i = 0, lab = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len + 1 > outlen || len > 253)
		return -1;
	if (len > 2 && in[0] == '*' && in[1] == '.') {  /* "*.name": subdomains of name */
		out[0] = '*';
		out[1] = '.';
		i = 2;
	}
	for (; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++lab > 63)
				return -1;
		} else {
			return -1;
		}
		out[i] = (char)tolower(ch);
	}
	if (lab == 0)
		return -1;
	out[len] = '\0';
	return 0;
}

int
rules_port_parse(const char *s, struct rule_port *out, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long v;

	if (slash && slash - s == 3 && strncasecmp(s, "tcp", 3) == 0)
		out->proto = IPPROTO_TCP;
	else if (slash && slash - s == 3 && strncasecmp(s, "udp", 3) == 0)
		out->proto = IPPROTO_UDP;
	else {
		snprintf(err, errlen, "'%.64s' is not proto/port (tcp/443, udp/123)", s);
		return -1;
	}
	errno = 0;
	v = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end || errno || v == 0 || v > 65535) {
		snprintf(err, errlen, "'%.64s': the port must be 1..65535", s);
		return -1;
	}
	out->port = (uint16_t)v;
	return 0;
}

static bool
has_port(const struct rule *r, const struct rule_port *p)
{
	for (int i = 0; i < r->n_ports; i++)
		if (r->ports[i].proto == p->proto && r->ports[i].port == p->port)
			return true;
	return false;
}

int
rules_parse_one(const char *text, struct rule *out, char *err, size_t errlen)
{
	char buf[RULES_LINELEN], *save = NULL, *tok;

	memset(out, 0, sizeof(*out));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "longer than %d bytes", RULES_LINELEN - 1);
		return -1;
	}
	strcpy(buf, text);
	if (!(tok = strtok_r(buf, " \t\r\n", &save))) {
		snprintf(err, errlen, "no name");
		return -1;
	}
	if (rules_name_normalise(tok, out->name, sizeof(out->name)) < 0) {
		snprintf(err, errlen, "'%.64s' is not a domain name or *.domain pattern", tok);
		return -1;
	}
	while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
		struct rule_port p;

		if (rules_port_parse(tok, &p, err, errlen) < 0)
			return -1;
		if (has_port(out, &p))
			continue;
		if (out->n_ports >= RULE_MAX_PORTS) {
			snprintf(err, errlen, "more than %d proto/port pairs", RULE_MAX_PORTS);
			return -1;
		}
		out->ports[out->n_ports++] = p;
	}
	return 0;
}

int
rules_add(struct rules *rs, const struct rule *r, char *err, size_t errlen)
{
	struct rule *same = NULL;
	int add = 0;

	for (int i = 0; i < rs->n && !same; i++)
		if (strcmp(rs->r[i].name, r->name) == 0)
			same = &rs->r[i];
	if (same) {
		for (int i = 0; i < r->n_ports; i++)
			add += !has_port(same, &r->ports[i]);
		if (same->n_ports + add > RULE_MAX_PORTS) {
			snprintf(err, errlen, "%s: more than %d proto/port pairs in all", r->name,
			         RULE_MAX_PORTS);
			return -1;
		}
		for (int i = 0; i < r->n_ports; i++)
			if (!has_port(same, &r->ports[i]))
				same->ports[same->n_ports++] = r->ports[i];
		return 0;
	}
	if (rs->n >= RULES_MAX) {
		snprintf(err, errlen, "more than %d rules", RULES_MAX);
		return -1;
	}
	if (rs->n == rs->cap) {
		int cap = rs->cap ? rs->cap * 2 : 16;
		struct rule *n = realloc(rs->r, sizeof(*n) * (size_t)cap);

		if (!n) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rs->r = n;
		rs->cap = cap;
	}
	rs->r[rs->n++] = *r;
	return 0;
}

/* Split s at sep; calls fn with each item, white space trimmed, empty ones skipped.
 * Returns 0, or the first -1 of fn. */
static int
each_item(const char *s, char sep, int (*fn)(void *ctx, const char *item, char *err,
          size_t errlen), void *ctx, char *err, size_t errlen)
{
	while (*s) {
		const char *end = strchr(s, sep), *a = s, *b;
		char item[RULES_LINELEN];

		if (!end)
			end = s + strlen(s);
		b = end;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			if ((size_t)(b - a) >= sizeof(item)) {
				snprintf(err, errlen, "'%.40s...' is longer than %d bytes", a,
				         RULES_LINELEN - 1);
				return -1;
			}
			memcpy(item, a, (size_t)(b - a));
			item[b - a] = '\0';
			if (fn(ctx, item, err, errlen) < 0)
				return -1;
		}
		s = *end ? end + 1 : end;
	}
	return 0;
}

static int
list_item(void *ctx, const char *item, char *err, size_t errlen)
{
	struct rule r;
	char why[256];

	if (rules_parse_one(item, &r, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "rule '%.80s': %s", item, why);
		return -1;
	}
	return rules_add(ctx, &r, err, errlen);
}

int
rules_parse_list(struct rules *rs, const char *list, char *err, size_t errlen)
{
	return each_item(list, ',', list_item, rs, err, errlen);
}

int
rules_parse_text(struct rules *rs, const char *text, size_t len, rules_error_fn err_fn,
                 void *ctx)
{
	int bad = 0, line = 0;
	size_t i = 0;

	while (i < len) {
		size_t start = i, j = i, n;
		char buf[RULES_LINELEN], why[300], *hash;
		const char *p;
		struct rule r;

		while (j < len && text[j] != '\n')
			j++;
		line++;
		n = j - i;
		if (n >= sizeof(buf) || memchr(text + i, '\0', n)) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(n < 80 ? n : 80), text + i);
			err_fn(ctx, line, buf, n >= sizeof(buf) ? "the line is too long" :
			       "the line holds a NUL byte");
			bad++;
			i = j + 1;
			continue;
		}
		memcpy(buf, text + i, n);
		buf[n] = '\0';
		i = j + 1;
		if ((hash = strchr(buf, '#')))
			*hash = '\0';
		for (p = buf; isspace((unsigned char)*p); p++)
			;
		if (!*p)
			continue;
		if (rules_parse_one(p, &r, why, sizeof(why)) < 0 ||
		    rules_add(rs, &r, why, sizeof(why)) < 0) {
			memcpy(buf, text + start, n);   /* as given, comment and all */
			buf[n] = '\0';
			err_fn(ctx, line, buf, why);
			bad++;
		}
	}
	return bad;
}

static int
canary_item(void *ctx, const char *item, char *err, size_t errlen)
{
	struct rules *rs = ctx;

	if (rs->n_canary >= RULES_CANARY_MAX) {
		snprintf(err, errlen, "more than %d canary names", RULES_CANARY_MAX);
		return -1;
	}
	if (rules_name_normalise(item, rs->canary[rs->n_canary], RULES_NAMELEN) < 0) {
		snprintf(err, errlen, "'%.64s' is not a domain name or *.domain pattern", item);
		return -1;
	}
	rs->n_canary++;
	return 0;
}

int
rules_parse_canaries(struct rules *rs, const char *list, char *err, size_t errlen)
{
	return each_item(list, ',', canary_item, rs, err, errlen);
}

bool
rules_name_match(const char *pattern, const char *name)
{
	size_t nlen = strlen(name), plen;
	bool wild = pattern[0] == '*' && pattern[1] == '.';

	if (nlen > 0 && name[nlen - 1] == '.' && !(nlen > 1 && name[nlen - 2] == '\\'))
		nlen--;
	if (wild) {
		pattern += 1;  /* ".example.com": the name must end with it and be longer */
		plen = strlen(pattern);
		return nlen > plen && strncasecmp(name + nlen - plen, pattern, plen) == 0;
	}
	plen = strlen(pattern);
	return nlen == plen && strncasecmp(name, pattern, plen) == 0;
}

bool
rules_name_expected(const struct rules *rs, const char *name)
{
	for (int i = 0; rs && i < rs->n; i++)
		if (rules_name_match(rs->r[i].name, name))
			return true;
	return false;
}

bool
rules_expected(const struct rules *rs, const char *name, int proto, int port)
{
	struct rule_port p = { (uint8_t)proto, (uint16_t)port };

	if (proto < 0 || proto > 255 || port <= 0 || port > 65535)
		return false;
	for (int i = 0; rs && i < rs->n; i++)
		if (rules_name_match(rs->r[i].name, name) && has_port(&rs->r[i], &p))
			return true;
	return false;
}

const char *
rules_canary(const struct rules *rs, const char *name)
{
	for (int i = 0; rs && i < rs->n_canary; i++)
		if (rules_name_match(rs->canary[i], name))
			return rs->canary[i];
	return NULL;
}

int
rules_canary_make(const char *domain, const uint8_t rnd[RULES_CANARY_RANDOM], char *out,
                  size_t outlen)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	char norm[RULES_NAMELEN];
	const char *base;
	uint64_t bits = 0;
	int n;

	if (rules_name_normalise(domain, norm, sizeof(norm)) < 0)
		return -1;
	base = norm[0] == '*' ? norm + 2 : norm;
	for (int i = 0; i < RULES_CANARY_RANDOM; i++)
		bits = bits << 8 | rnd[i];
	if (outlen < 14)
		return -1;
	for (int i = 0; i < 12; i++, bits >>= 5)
		out[i] = b32[bits & 31];
	n = snprintf(out + 12, outlen - 12, ".%s", base);
	return n < 0 || (size_t)n >= outlen - 12 || strlen(out) > 253 ? -1 : 0;
}

char *
rules_format(const struct rule *r, char *out, size_t outlen)
{
	size_t n;

	if (outlen == 0)
		return out;
	snprintf(out, outlen, "%s", r->name);
	for (int i = 0; i < r->n_ports; i++) {
		n = strlen(out);
		snprintf(out + n, outlen - n, " %s/%u",
		         r->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp", r->ports[i].port);
	}
	return out;
}
