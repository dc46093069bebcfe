#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/rules.h"
#include "policy.h"
#include "verdict.h"

void
verdict_name_key(const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n >= outlen)
		n = outlen - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[n] = '\0';
}

/* The finding's key and address: only for a connection that raises one. */
static void
describe(const struct conn_event *ev, struct conn_verdict *v)
{
	char pb[PROTO_NAMELEN];

	v->port = ev->has_ports ? ev->dport : -1;
	snprintf(v->proto, sizeof(v->proto), "%s", proto_name(ev->proto, pb));
	netaddr_format(&ev->dst, v->ip, sizeof(v->ip));
	v->example[0] = '\0';
	if (v->kind == FK_UNEXPECTED_PORT)
		snprintf(v->key, sizeof(v->key), "%s %d/%s", v->domain, v->port, v->proto);
	else if (v->kind == FK_CANARY)    /* one finding per canary name, as for its query */
		verdict_name_key(v->domain, v->key, sizeof(v->key));
	else if (ev->dst.family == 6)
		snprintf(v->key, sizeof(v->key), "[%s]:%d/%s", v->ip, v->port, v->proto);
	else
		snprintf(v->key, sizeof(v->key), "%s:%d/%s", v->ip, v->port, v->proto);
}

void
verdict_conn_example(const struct conn_event *ev, struct conn_verdict *v)
{
	char src[NETADDR_STRLEN], sp[NETADDR_STRLEN], dp[NETADDR_STRLEN];

	if (v->port >= 0)
		snprintf(v->example, sizeof(v->example), "%s -> %s/%s",
		         hostport_format(&ev->src, ev->sport, sp, sizeof(sp)),
		         hostport_format(&ev->dst, (uint16_t)v->port, dp, sizeof(dp)), v->proto);
	else
		snprintf(v->example, sizeof(v->example), "%s -> %s/%s",
		         netaddr_format(&ev->src, src, sizeof(src)), v->ip, v->proto);
}

bool
verdict_is_vm(const struct conf *c, const struct netaddr *src)
{
	for (int i = 0; i < c->n_vm_subnet; i++)
		if (cidr_contains(&c->vm_subnet[i], src))
			return true;
	return c->n_vm_subnet == 0;
}

void
verdict_conn(const struct conf *c, const struct attrib_result *r,
             const struct conn_event *ev, struct conn_verdict *out)
{
	int name_at = -1, full_at = -1, bait_at = -1;

	/* the name the connection belongs to: the first candidate a rule allows on this
	 * proto/port, else the first one some rule names, else the newest */
	for (int i = 0; i < r->n && full_at < 0; i++) {
		if (ev->has_ports && rules_expected(c->rules, r->c[i].name, ev->proto, ev->dport))
			full_at = i;
		else if (name_at < 0 && rules_name_expected(c->rules, r->c[i].name))
			name_at = i;
	}
	/* a canary's address, unless an expected name explains the connection too (bait that
	 * resolves to a shared address; its query was the canary finding already) */
	for (int i = 0; i < r->n && bait_at < 0 && full_at < 0; i++)
		if (rules_canary(c->rules, r->c[i].name))
			bait_at = i;
	out->pick = full_at >= 0 ? full_at : name_at >= 0 ? name_at : r->n > 0 ? 0 : -1;
	out->expected = full_at >= 0;
	out->kind = FK_NONE;
	out->detail = NULL;
	out->domain = NULL;
	if (bait_at >= 0) {
		out->pick = bait_at;
		out->kind = FK_CANARY;
		out->domain = r->c[bait_at].name;
		out->detail = "a connection to an address a canary name (bait planted in the VM, "
		              "canary_names) resolved to: the agent read it and acted on it";
	} else if (ev->has_ports && policy_is_dns_port(ev->proto, ev->dport)) {
		out->kind = FK_DNS_BYPASS;
		out->detail = "DNS, DNS over TLS or DNS over QUIC to a server other than oc-audit's "
		              "resolver: names resolved this way are invisible to the audit";
	} else if (r->state == ATTRIB_NONE) {
		out->kind = FK_DIRECT_IP;
		out->detail = r->evicted ?
		              "a connection to an address that no DNS answer the collector still "
		              "holds gave the VM: the attribution memory was full and evicted "
		              "answers (counter attrib_evicted), one of which may have given it" :
		              "a connection to an address that no DNS answer gave the VM";
	} else if (full_at < 0 && name_at < 0) {
		out->kind = FK_UNEXPECTED_DESTINATION;
		out->domain = out->pick >= 0 ? r->c[out->pick].name : NULL;
		out->detail = r->state == ATTRIB_STALE ?
		              "a connection to an address the VM got only from unexpected names "
		              "(the answer had expired)" :
		              "a connection to an address the VM got only from unexpected names";
	} else if (full_at < 0) {
		out->kind = FK_UNEXPECTED_PORT;
		out->domain = r->c[out->pick].name;
		out->detail = "an expected name reached on a port or protocol its rule does not "
		              "list";
	}
	if (out->kind != FK_NONE)
		describe(ev, out);
}

/* The name a hello asked for, as rules and attribution hold names: lower case, no final
 * dot, and for HTTP without the Host's port. */
static void
hello_name(const struct hello_event *h, char *out, size_t outlen)
{
	size_t n = h->name_str ? strnlen(h->name_str, EVENT_NAME_STRLEN) : 0;

	if (h->kind == HELLO_HTTP && n > 0 && h->name_str[0] != '[') {
		const char *colon = memchr(h->name_str, ':', n);
		bool digits = colon != NULL;

		for (const char *p = colon ? colon + 1 : NULL; p && p < h->name_str + n; p++)
			digits = digits && isdigit((unsigned char)*p);
		if (digits)
			n = (size_t)(colon - h->name_str);
	}
	if (n > 0 && h->name_str[n - 1] == '.' && !(n > 1 && h->name_str[n - 2] == '\\'))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)h->name_str[i]);
	out[n] = '\0';
}

/* An address literal, bracketed or not: the Host of a request to an IP. */
static bool
is_address(const char *name)
{
	char buf[NETADDR_STRLEN];
	size_t n = strlen(name);
	struct netaddr a;

	if (n >= 2 && name[0] == '[' && n - 2 < sizeof(buf)) {
		const char *end = strchr(name, ']');

		if (!end)
			return false;
		snprintf(buf, sizeof(buf), "%.*s", (int)(end - name - 1), name + 1);
		return netaddr_parse(buf, &a) == 0;
	}
	return netaddr_parse(name, &a) == 0;
}

/* "a, b, c" of the names attribution found, into out. */
static void
names_list(const struct attrib_result *r, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < r->n && o + 1 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? ", " : "", r->c[i].name);
}

void
verdict_hello(const struct conf *c, const struct attrib_result *r,
              const struct hello_event *h, struct hello_verdict *out)
{
	char cp[PROTO_NAMELEN], sp[NETADDR_STRLEN];

	out->kind = FK_NONE;
	out->pick = -1;
	out->name[0] = out->ip[0] = out->detail[0] = out->example[0] = '\0';
	if (h->has_name && h->name_str)
		hello_name(h, out->name, sizeof(out->name));
	out->canary = out->name[0] ? rules_canary(c->rules, out->name) : NULL;
	for (int i = 0; i < r->n && out->name[0] && out->pick < 0; i++)
		if (strcasecmp(r->c[i].name, out->name) == 0)   /* both without a final dot */
			out->pick = i;
	out->expected = out->name[0] && rules_name_expected(c->rules, out->name);
	if (h->ech)
		out->kind = FK_ENCRYPTED_SNI;
	else if (!out->name[0] || is_address(out->name))
		return;
	else if (!out->expected || out->pick < 0)
		out->kind = FK_SNI_MISMATCH;
	if (out->kind == FK_NONE)
		return;
	out->port = h->sport;
	snprintf(out->proto, sizeof(out->proto), "%s", proto_name(h->proto, cp));
	hostport_format(&h->server, h->sport, sp, sizeof(sp));
	if (out->name[0])
		snprintf(out->key, sizeof(out->key), "%s %s/%s", out->name, sp, out->proto);
	else
		snprintf(out->key, sizeof(out->key), "%s/%s", sp, out->proto);
}

void
verdict_hello_describe(const struct attrib_result *r, const struct hello_event *h,
                       struct hello_verdict *v)
{
	static const char *const kinds[] = { [HELLO_TLS] = "tls", [HELLO_QUIC] = "quic",
	                                     [HELLO_HTTP] = "http" };
	const char *kind = h->kind >= HELLO_TLS && h->kind <= HELLO_HTTP ? kinds[h->kind] : "?";
	char names[VERDICT_DETAILLEN / 2], cp[NETADDR_STRLEN], sp[NETADDR_STRLEN], pb[PROTO_NAMELEN];

	names_list(r, names, sizeof(names));
	v->detail[0] = '\0';
	if (v->kind == FK_ENCRYPTED_SNI)
		snprintf(v->detail, sizeof(v->detail), "a ClientHello with Encrypted Client "
		         "Hello: the name the VM asked for is hidden; the outer name is %s%s%s",
		         v->name[0] ? v->name : "(none)", r->n ? "; the VM resolved this "
		         "address from: " : "", names);
	else if (v->kind == FK_SNI_MISMATCH)
		snprintf(v->detail, sizeof(v->detail), "the %s asked for %s, %s; %s%s",
		         h->kind == HELLO_HTTP ? "HTTP request (Host)" : h->kind == HELLO_QUIC ?
		         "QUIC handshake" : "TLS handshake", v->name,
		         !v->expected ? "a name outside the expected set" :
		         "a name the VM did not resolve this address from",
		         r->n ? "the VM resolved this address from: " :
		         "no DNS answer gave the VM this address", names);
	netaddr_format(&h->server, v->ip, sizeof(v->ip));
	snprintf(v->example, sizeof(v->example), "%s -> %s/%s %s",
	         hostport_format(&h->client, h->cport, cp, sizeof(cp)),
	         hostport_format(&h->server, h->sport, sp, sizeof(sp)),
	         proto_name(h->proto, pb), kind);
}
