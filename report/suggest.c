#include "config.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/domain.h"
#include "common/proto.h"
#include "suggest.h"

struct item {
	char kind[32];
	char *domain, *ip;           /* NULL = none */
	char proto[PROTO_NAMELEN];
	int port;
	bool outside;                /* sni-mismatch: the name was outside the expected set */
};

struct suggest {
	const struct rules *current;
	struct item *it;
	int n, cap;
	long long skipped;           /* findings past SUGGEST_MAX_FINDINGS */
	struct rules *add;           /* to use as they are */
	struct rules *warned;        /* commented out, each with its warning */
	char (*warning)[SUGGEST_NOTELEN];
	char (*note)[SUGGEST_NOTELEN];
	int n_notes;
	long long notes_lost;
};

static bool
is(const char *kind, const char *name)
{
	return strcmp(kind, name) == 0;
}

/* The kinds a rule for a name can keep from being raised. */
static bool
name_kind(const char *kind)
{
	return is(kind, "unexpected-domain") || is(kind, "unexpected-destination") ||
	       is(kind, "unexpected-port") || is(kind, "sni-mismatch");
}

/* The sni-mismatch raised for a name outside the expected set (collector/verdict.c),
 * not the one for a name the address was not resolved from: only the first is a rule's
 * business. */
static bool
sni_outside(const char *detail)
{
	return detail && strstr(detail, "a name outside the expected set") != NULL;
}

bool
suggest_covers(const struct rules *rs, const struct suggest_finding *f)
{
	int proto = f->proto ? proto_number(f->proto) : -1;

	if (!rs || !f->domain || !*f->domain)
		return false;
	if (is(f->kind, "unexpected-domain"))
		return rules_name_expected(rs, f->domain);   /* "*.base" only by a wildcard */
	if (is(f->kind, "sni-mismatch"))
		return sni_outside(f->detail) && rules_name_expected(rs, f->domain);
	if (is(f->kind, "unexpected-destination") || is(f->kind, "unexpected-port"))
		return f->port > 0 && rules_expected(rs, f->domain, proto, f->port);
	return false;
}

struct suggest *
suggest_new(const struct rules *current)
{
	struct suggest *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->current = current;
	if (!(s->add = rules_new()) || !(s->warned = rules_new()) ||
	    !(s->warning = calloc(RULES_MAX, sizeof(*s->warning))) ||
	    !(s->note = calloc(SUGGEST_MAX_NOTES, sizeof(*s->note)))) {
		suggest_free(s);
		return NULL;
	}
	return s;
}

void
suggest_free(struct suggest *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++) {
		free(s->it[i].domain);
		free(s->it[i].ip);
	}
	free(s->it);
	rules_free(s->add);
	rules_free(s->warned);
	free(s->warning);
	free(s->note);
	free(s);
}

static char *
dup_or_null(const char *t, bool *oom)
{
	char *d;

	if (!t)
		return NULL;
	if (!(d = strdup(t)))
		*oom = true;
	return d;
}

int
suggest_add(struct suggest *s, const struct suggest_finding *f)
{
	struct item *it;
	bool oom = false;

	if (s->n >= SUGGEST_MAX_FINDINGS) {
		s->skipped++;
		return 0;
	}
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 64;
		struct item *p = realloc(s->it, (size_t)cap * sizeof(*p));

		if (!p)
			return -1;
		s->it = p;
		s->cap = cap;
	}
	it = &s->it[s->n];
	memset(it, 0, sizeof(*it));
	snprintf(it->kind, sizeof(it->kind), "%s", f->kind ? f->kind : "");
	snprintf(it->proto, sizeof(it->proto), "%s", f->proto ? f->proto : "");
	it->port = f->port;
	it->outside = sni_outside(f->detail);
	it->domain = dup_or_null(f->domain && *f->domain ? f->domain : NULL, &oom);
	it->ip = dup_or_null(f->ip && *f->ip ? f->ip : NULL, &oom);
	if (oom) {
		free(it->domain);
		free(it->ip);
		return -1;
	}
	s->n++;
	return 0;
}

static void
note(struct suggest *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct suggest *s, const char *fmt, ...)
{
	va_list ap;

	if (s->n_notes >= SUGGEST_MAX_NOTES - 1) {
		s->notes_lost++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s->note[s->n_notes++], SUGGEST_NOTELEN, fmt, ap);
	va_end(ap);
}

/* "name 203.0.113.9 tcp/443", "203.0.113.0/24", ... : what a finding is about. */
static const char *
subject(const struct item *it, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s%s", it->domain ? it->domain : "",
	                 it->domain && it->ip ? " " : "", it->ip ? it->ip : "");

	if (n >= 0 && (size_t)n < len && it->port >= 0 && it->proto[0])
		snprintf(buf + n, len - (size_t)n, " %s/%d", it->proto, it->port);
	else if (n >= 0 && (size_t)n < len && it->proto[0] && !it->port)
		snprintf(buf + n, len - (size_t)n, " %s", it->proto);
	return buf;
}

/* Is there a finding of kind whose name (or, base != NULL, whose name's registered
 * domain) is name? */
static bool
has_name(const struct suggest *s, const char *kind, const char *name, bool base)
{
	char b[RULES_NAMELEN];

	for (int i = 0; i < s->n; i++) {
		const struct item *it = &s->it[i];

		if (!it->domain || !is(it->kind, kind))
			continue;
		if (base) {
			domain_base(it->domain[0] == '*' && it->domain[1] == '.' ? it->domain + 2 :
			            it->domain, b, sizeof(b));
			if (strcmp(b, name) == 0)
				return true;
		} else if (strcasecmp(it->domain, name) == 0) {
			return true;
		}
	}
	return false;
}

static bool
is_candidate(const struct suggest *s, const struct item *it)
{
	struct suggest_finding f = { .kind = it->kind, .domain = it->domain, .ip = it->ip,
	                             .proto = it->proto, .port = it->port,
	                             .detail = it->outside ? "a name outside the expected set" :
	                             NULL };

	if (!it->domain || !name_kind(it->kind) || (is(it->kind, "sni-mismatch") && !it->outside))
		return false;
	return !suggest_covers(s->current, &f);
}

/* Should base's names share one "*.base" rule: its findings folded, or more than
 * DOMAIN_FOLD_NAMES of its names would be rules? */
static bool
wants_wildcard(const struct suggest *s, const char *base)
{
	char b[RULES_NAMELEN];
	int names = 0;

	for (int i = 0; i < s->n; i++) {
		const struct item *it = &s->it[i];
		bool seen = false;

		if (!is_candidate(s, it))
			continue;
		if (it->domain[0] == '*' && it->domain[1] == '.') {
			if (strcmp(it->domain + 2, base) == 0)
				return true;
			continue;
		}
		domain_base(it->domain, b, sizeof(b));
		if (strcmp(b, base) != 0)
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = is_candidate(s, &s->it[j]) && strcmp(s->it[j].domain, it->domain) == 0;
		if (!seen && ++names > DOMAIN_FOLD_NAMES)
			return true;
	}
	return false;
}

/* Add it's rule: its name (or its domain's wildcard), with its port when it has one. */
static int
suggest_one(struct suggest *s, const struct item *it)
{
	struct rule r = { .n_ports = 0 };
	char base[RULES_NAMELEN], err[200], sub[1200];
	const char *warn = NULL;
	int proto = proto_number(it->proto);
	bool folded = it->domain[0] == '*' && it->domain[1] == '.';

	domain_base(folded ? it->domain + 2 : it->domain, base, sizeof(base));
	if (folded || wants_wildcard(s, base)) {
		if (snprintf(r.name, sizeof(r.name), "*.%s", base) >= (int)sizeof(r.name))
			r.name[0] = '\0';
		if (has_name(s, "dns-tunnel", base, false) || has_name(s, "dns-tunnel", base, true))
			warn = "tunnel-like random labels under this domain (a dns-tunnel finding): "
			       "this wildcard would expect the tunnel's names; review before use";
		else if (has_name(s, "canary", base, true))
			warn = "a canary name is under this domain: expect its legitimate names "
			       "one by one instead";
	} else if (rules_name_normalise(it->domain, r.name, sizeof(r.name)) < 0) {
		note(s, "%s: not a name a rule can hold", subject(it, sub, sizeof(sub)));
		return 0;
	}
	if (rules_name_normalise(r.name, r.name, sizeof(r.name)) < 0) {
		note(s, "%s: not a name a rule can hold", subject(it, sub, sizeof(sub)));
		return 0;
	}
	if (it->port > 0 && (proto == IPPROTO_TCP || proto == IPPROTO_UDP))
		r.ports[r.n_ports++] = (struct rule_port){ (uint8_t)proto, (uint16_t)it->port };
	else if (!is(it->kind, "unexpected-domain") && it->port > 0)
		note(s, "%s: rules list tcp and udp ports only", subject(it, sub, sizeof(sub)));
	else if (!is(it->kind, "unexpected-domain"))
		note(s, "%s: %s (a folded finding): no port to suggest, see its destinations",
		     subject(it, sub, sizeof(sub)), it->kind);
	if (rules_add(warn ? s->warned : s->add, &r, err, sizeof(err)) < 0) {
		note(s, "%s: %s", r.name, err);
		return 0;
	}
	for (int i = 0; warn && i < s->warned->n; i++)
		if (strcmp(s->warned->r[i].name, r.name) == 0)
			snprintf(s->warning[i], SUGGEST_NOTELEN, "%s", warn);
	return 0;
}

int
suggest_finish(struct suggest *s)
{
	char sub[1200];

	for (int i = 0; i < s->n; i++) {
		const struct item *it = &s->it[i];

		subject(it, sub, sizeof(sub));
		if (is(it->kind, "canary")) {
			note(s, "%s: a canary name: never expected", sub);
		} else if (is(it->kind, "sensor")) {
			note(s, "sensor %s: the audit's own blind spot, not the VM's: no rule", sub);
		} else if (it->domain && (has_name(s, "canary", it->domain, false) ||
		                          has_name(s, "sensor", it->domain, false) ||
		                          rules_canary(s->current, it->domain))) {
			continue;   /* told once, by its canary or sensor finding */
		} else if (is_candidate(s, it)) {
			if (suggest_one(s, it) < 0)
				return -1;
		} else if (name_kind(it->kind) && it->domain &&
		           !(is(it->kind, "sni-mismatch") && !it->outside)) {
			continue;   /* the rules already expect it */
		} else if (is(it->kind, "direct-ip")) {
			note(s, "%s: no name, cannot be expected by a rule", sub);
		} else if (is(it->kind, "dns-bypass")) {
			note(s, "%s: DNS to a server other than oc-audit's resolver (dns-bypass): no "
			     "rule can expect it", sub);
		} else if (is(it->kind, "dns-tunnel")) {
			note(s, "*.%s: tunnel-like labels (dns-tunnel): no rule can expect it",
			     it->domain ? it->domain : "?");
		} else {
			note(s, "%s %s: no rule can expect it", it->kind, sub);
		}
	}
	if (s->skipped)
		note(s, "%lld more findings not considered", s->skipped);
	if (s->notes_lost)
		snprintf(s->note[s->n_notes++], SUGGEST_NOTELEN, "... and %lld more notes",
		         s->notes_lost);
	return 0;
}

int
suggest_rule_count(const struct suggest *s)
{
	return s->add->n + s->warned->n;
}

const char *
suggest_rule_text(const struct suggest *s, int i, char *buf)
{
	const struct rule *r = i < s->add->n ? &s->add->r[i] : &s->warned->r[i - s->add->n];

	return rules_format(r, buf, RULES_LINELEN);
}

const char *
suggest_rule_warning(const struct suggest *s, int i)
{
	return i < s->add->n ? "" : s->warning[i - s->add->n];
}

int
suggest_note_count(const struct suggest *s)
{
	return s->n_notes;
}

const char *
suggest_note(const struct suggest *s, int i)
{
	return s->note[i];
}
