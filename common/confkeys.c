/* The configuration's keys (confkeys.h): one row per key with its default and help, and
 * the parser of each value that is more than a string or a bounded number. A parser
 * checks the whole value before it stores anything, so a bad value leaves the key as it
 * was; lists are comma-separated items, each checked on its own. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confkeys.h"
#include "rules.h"
#include "timefmt.h"
#include "units.h"

static int parse_cidrs(struct cidr *out, int *n, const char *v, bool allow_empty,
                       char *err, size_t errlen);

static int
p_vm_subnet(struct conf *c, const char *v, char *err, size_t errlen)
{
	return parse_cidrs(c->vm_subnet, &c->n_vm_subnet, v, false, err, errlen);
}

static int
p_allow_from(struct conf *c, const char *v, char *err, size_t errlen)
{
	return parse_cidrs(c->allow_from, &c->n_allow_from, v, false, err, errlen);
}

static int
p_listen(struct netaddr *addr, uint16_t *port, uint16_t defport, const char *v,
         char *err, size_t errlen)
{
	struct netaddr a = { 0 };
	uint16_t p = 0;

	if (*v && hostport_parse(v, ':', defport, &a, &p, err, errlen) < 0)
		return -1;
	*addr = a;
	*port = p;
	return 0;
}

static int
p_dns_listen(struct conf *c, const char *v, char *err, size_t errlen)
{
	return p_listen(&c->dns_addr, &c->dns_port, 53, v, err, errlen);
}

static int
p_web_listen(struct conf *c, const char *v, char *err, size_t errlen)
{
	return p_listen(&c->web_addr, &c->web_port, 8383, v, err, errlen);
}

/* Split a comma-separated list in place; calls fn for each trimmed, non-empty item.
 * The list parsers below fill a list of their own and store it only once every item
 * has passed: a value with a bad item leaves the key as it was. */
static int
each_item(const char *v, int (*fn)(void *ctx, const char *item, char *err, size_t errlen),
          void *ctx, char *err, size_t errlen)
{
	char buf[4096], *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "list too long");
		return -1;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		if (fn(ctx, tok, err, errlen) < 0)
			return -1;
	}
	return 0;
}

struct cidr_ctx { struct cidr *out; int n; };

static int
cidr_item(void *vctx, const char *item, char *err, size_t errlen)
{
	struct cidr_ctx *ctx = vctx;

	if (ctx->n >= CONF_MAX_LIST) {
		snprintf(err, errlen, "more than %d entries", CONF_MAX_LIST);
		return -1;
	}
	return cidr_parse(item, &ctx->out[ctx->n++], err, errlen);
}

static int
parse_cidrs(struct cidr *out, int *n, const char *v, bool allow_empty, char *err,
            size_t errlen)
{
	struct cidr list[CONF_MAX_LIST];
	struct cidr_ctx ctx = { list, 0 };

	if (each_item(v, cidr_item, &ctx, err, errlen) < 0)
		return -1;
	if (ctx.n == 0 && !allow_empty) {
		snprintf(err, errlen, "needs at least one address/prefix");
		return -1;
	}
	memcpy(out, list, sizeof(list[0]) * (size_t)ctx.n);
	*n = ctx.n;
	return 0;
}

struct forward_ctx { struct conf_forward list[CONF_MAX_LIST]; int n; };

static int
forward_item(void *vctx, const char *item, char *err, size_t errlen)
{
	struct forward_ctx *ctx = vctx;
	struct conf_forward *f;

	if (ctx->n >= CONF_MAX_LIST) {
		snprintf(err, errlen, "more than %d entries", CONF_MAX_LIST);
		return -1;
	}
	f = &ctx->list[ctx->n];
	if (hostport_parse(item, '@', 53, &f->addr, &f->port, err, errlen) < 0)
		return -1;
	ctx->n++;
	return 0;
}

static int
p_forward(struct conf *c, const char *v, char *err, size_t errlen)
{
	struct forward_ctx ctx = { .n = 0 };

	if (each_item(v, forward_item, &ctx, err, errlen) < 0)
		return -1;
	memcpy(c->forward, ctx.list, sizeof(ctx.list[0]) * (size_t)ctx.n);
	c->n_forward = ctx.n;
	return 0;
}

int
conf_domain_normalise(const char *in, char *out, size_t outlen)
{
	return rules_name_normalise(in, out, outlen);
}

struct domain_ctx { char list[CONF_MAX_LIST][CONF_MAX_NAME]; int n; };

static int
domain_item(void *vctx, const char *item, char *err, size_t errlen)
{
	struct domain_ctx *ctx = vctx;

	if (ctx->n >= CONF_MAX_LIST) {
		snprintf(err, errlen, "more than %d entries", CONF_MAX_LIST);
		return -1;
	}
	if (conf_domain_normalise(item, ctx->list[ctx->n], CONF_MAX_NAME) < 0) {
		snprintf(err, errlen, "'%s' is not a domain name or *.domain pattern", item);
		return -1;
	}
	ctx->n++;
	return 0;
}

static int
p_domains(struct conf *c, const char *v, char *err, size_t errlen)
{
	struct domain_ctx ctx = { .n = 0 };

	if (each_item(v, domain_item, &ctx, err, errlen) < 0)
		return -1;
	memcpy(c->expected_domains, ctx.list, sizeof(ctx.list[0]) * (size_t)ctx.n);
	c->n_expected_domains = ctx.n;
	return 0;
}

struct port_ctx { struct rule_port list[CONF_MAX_LIST]; int n; };

static int
port_item(void *vctx, const char *item, char *err, size_t errlen)
{
	struct port_ctx *ctx = vctx;

	if (ctx->n >= CONF_MAX_LIST) {
		snprintf(err, errlen, "more than %d entries", CONF_MAX_LIST);
		return -1;
	}
	if (rules_port_parse(item, &ctx->list[ctx->n], err, errlen) < 0)
		return -1;
	ctx->n++;
	return 0;
}

static int
p_ports(struct conf *c, const char *v, char *err, size_t errlen)
{
	struct port_ctx ctx = { .n = 0 };

	if (each_item(v, port_item, &ctx, err, errlen) < 0)
		return -1;
	memcpy(c->expected_ports, ctx.list, sizeof(ctx.list[0]) * (size_t)ctx.n);
	c->n_expected_ports = ctx.n;
	return 0;
}

static int
p_expect(struct conf *c, const char *v, char *err, size_t errlen)
{
	struct rules *rs = rules_new();

	if (!rs)
		abort();
	if (rules_parse_list(rs, v, err, errlen) < 0) {
		rules_free(rs);
		return -1;
	}
	rules_free(c->expect);
	c->expect = rs;
	return 0;
}

/* yes/no (also true/false, on/off, 1/0) into an unsigned 1/0. */
static int
p_bool(unsigned *out, const char *v, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is neither yes nor no", v);
	return -1;
}

static int
p_dnssec(struct conf *c, const char *v, char *err, size_t errlen)
{
	return p_bool(&c->dnssec, v, err, errlen);
}

static int
p_enforce_mode(struct conf *c, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "audit") == 0 || strcmp(v, "enforce") == 0) {
		c->enforce = v[0] == 'e';
		return 0;
	}
	snprintf(err, errlen, "'%s' is neither audit nor enforce", v);
	return -1;
}

static int
p_canaries(struct conf *c, const char *v, char *err, size_t errlen)
{
	struct rules *rs = rules_new();

	if (!rs)
		abort();
	if (rules_parse_canaries(rs, v, err, errlen) < 0) {
		rules_free(rs);
		return -1;
	}
	rules_free(c->canaries);
	c->canaries = rs;
	return 0;
}

static int
p_strip_ech(struct conf *c, const char *v, char *err, size_t errlen)
{
	return p_bool(&c->strip_ech, v, err, errlen);
}

static int
p_watch_start(struct conf *c, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "auto") == 0) {
		c->watch_start_us = 0;
		return 0;
	}
	if (timefmt_parse_iso(v, &c->watch_start_us) < 0) {
		snprintf(err, errlen, "'%s' is neither 'auto' nor an ISO-8601 time", v);
		return -1;
	}
	return 0;
}

/* Is the host of an http:// URL loopback (127.0.0.0/8, [::1], localhost)? The bot
 * token travels in the URL's path: in clear text it may only cross this machine. */
static bool
url_host_loopback(const char *url)
{
	const char *h = url + 7, *end = h + strcspn(h, ":/?#");
	char host[64];
	struct netaddr a;

	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return false;
		h++;
	}
	if ((size_t)(end - h) >= sizeof(host))
		return false;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (netaddr_parse(host, &a) < 0)
		return false;
	return (a.family == 4 && a.a[0] == 127) ||
	       (a.family == 6 && memcmp(a.a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
}

static int
p_upload_budget(struct conf *c, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (*v == '\0') {
		c->upload_budget = 0;
		return 0;
	}
	if (units_parse_bytes(v, &n) < 0 || n == 0) {
		snprintf(err, errlen, "'%s' is not a size (50M, 2G, 500000; K, M, G, T are "
		         "powers of 1024), or empty for off", v);
		return -1;
	}
	c->upload_budget = n;
	return 0;
}

static int
p_api_base(struct conf *c, const char *v, char *err, size_t errlen)
{
	if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		snprintf(err, errlen, "'%s' must start with https:// or http://", v);
		return -1;
	}
	if (strncmp(v, "http://", 7) == 0 && !url_host_loopback(v)) {
		snprintf(err, errlen, "'%s': http:// only to a loopback address (the bot token is "
		         "part of the URL); use https://", v);
		return -1;
	}
	if (strlen(v) >= sizeof(c->telegram_api_base)) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	strcpy(c->telegram_api_base, v);
	return 0;
}

static int
p_webhook(struct conf *c, const char *v, char *err, size_t errlen)
{
	if (*v && strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		snprintf(err, errlen, "'%s' must be empty or start with https:// or http://", v);
		return -1;
	}
	if (strlen(v) >= sizeof(c->webhook_url)) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	strcpy(c->webhook_url, v);
	return 0;
}

static int
p_user(struct conf *c, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n == 0 || n >= sizeof(c->user) || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n || v[0] == '-') {
		snprintf(err, errlen, "'%s' is not a user name", v);
		return -1;
	}
	strcpy(c->user, v);
	return 0;
}

#define STR(sec, nm, field, def, help) \
	{ sec, nm, def, help, K_STR, offsetof(struct conf, field), \
	  sizeof(((struct conf *)0)->field), 0, 0, NULL }
#define UINT(sec, nm, field, def, lo, hi, help) \
	{ sec, nm, def, help, K_UINT, offsetof(struct conf, field), 0, lo, hi, NULL }
#define FN(sec, nm, fn, def, help) { sec, nm, def, help, K_FN, 0, 0, 0, 0, fn }

const struct conf_key conf_key_table[] = {
	STR("collector", "database", database, "/var/lib/oc-audit/audit.db",
	    "SQLite database file (created, WAL mode)"),
	UINT("collector", "nflog_group", nflog_group, "7", 0, 65535,
	     "NFLOG group of the nftables 'log group N' rule"),
	FN("collector", "vm_subnet", p_vm_subnet, "192.168.83.0/24",
	   "sources that are the VM (comma-separated CIDRs)"),
	STR("collector", "pcap_interface", pcap_interface, "",
	    "the VM's bridge to capture on (e.g. br-openclaw): TLS/QUIC SNI, HTTP Host, bytes "
	    "per destination; it may appear later; empty = capture off"),
	UINT("collector", "retention_days", retention_days, "30", 1, 36500,
	     "raw events older than this are pruned; findings are kept"),
	UINT("collector", "disk_min_free_mb", disk_min_free_mb, "512", 0, 1048576,
	     "free space (MiB) on the database's filesystem below which an alert is raised, "
	     "before the disk is full and events are lost; 0 = off"),
	UINT("collector", "queue_size", queue_size, "65536", 1024, 16777216,
	     "events held between the readers and the database writer (and at most 11 MiB "
	     "of them, whatever this says)"),
	UINT("collector", "nflog_silence", nflog_silence, "300", 0, 86400,
	     "seconds NFLOG may stay silent while DNS answers with addresses reach the VM "
	     "before it counts as not seeing (a sensor finding); 0 = never"),
	FN("collector", "user", p_user, "oc-audit",
	    "unprivileged user collect switches to once NFLOG, its sockets and the database "
	    "are open (when started as root; started as another user, it keeps that one)"),
	FN("dns", "listen", p_dns_listen, "192.168.83.1:53",
	   "address:port the resolver answers on (UDP and TCP); empty = off"),
	FN("dns", "allow_from", p_allow_from, "192.168.83.0/24",
	   "clients allowed to resolve; everyone else is REFUSED"),
	FN("dns", "forward", p_forward, "1.1.1.1, 8.8.8.8",
	   "upstream resolvers addr[@port]; empty = full recursion"),
	UINT("dns", "rate_limit", dns_rate_limit, "200", 0, 1000000,
	     "queries per second per client; excess dropped and counted; 0 = off"),
	UINT("dns", "tcp_idle_timeout", dns_tcp_idle, "10", 1, 3600,
	     "seconds an idle TCP client connection is kept open"),
	UINT("dns", "tcp_message_timeout", dns_tcp_msg, "5", 1, 3600,
	     "seconds a TCP client has to send a whole query once it began it, and to read "
	     "the answers queued for it; a slower client is closed"),
	UINT("dns", "tcp_max_connections", dns_tcp_max, "64", 1, 4096,
	     "TCP client connections open at once; more are closed at once"),
	FN("dns", "dnssec", p_dnssec, "yes",
	   "validate DNSSEC: a bogus answer reaches the VM as SERVFAIL, logged with why"),
	STR("dns", "trust_anchor_file", trust_anchor_file, "/usr/share/dns/root.key",
	    "DNSSEC trust anchors (DS or DNSKEY records; Debian's dns-root-data)"),
	FN("dns", "strip_ech", p_strip_ech, "yes",
	   "remove the ech parameter from HTTPS/SVCB answers, so the VM's TLS SNI stays "
	   "visible; each removal counted and kept with the query"),
	FN("policy", "expected_domains", p_domains, "api.telegram.org, openrouter.ai",
	   "names the VM may use, each on every expected_ports; used when given, or when "
	   "neither expect nor rules_file is"),
	FN("policy", "expected_ports", p_ports, "tcp/443",
	   "proto/port every expected_domains name may be reached on"),
	FN("policy", "expect", p_expect, "",
	   "rules: NAME PROTO/PORT..., comma-separated (api.telegram.org tcp/443)"),
	STR("policy", "rules_file", rules_file, "",
	    "file of more rules, one a line in the form of expect"),
	FN("policy", "canary_names", p_canaries, "",
	   "bait names planted in the VM (exact or *.domain); any use of one is a canary "
	   "finding"),
	FN("policy", "watch_start", p_watch_start, "auto",
	   "start of the watch period (ISO-8601), or auto = first event"),
	UINT("policy", "watch_days", watch_days, "7", 1, 3650, "length of the watch period"),
	UINT("policy", "attribution_grace", attribution_grace, "120", 0, 86400,
	     "seconds a DNS answer still attributes connections after its TTL ran out"),
	UINT("policy", "tunnel_distinct_labels", tunnel_distinct_labels, "50", 0, 1000,
	     "dns-tunnel: distinct names under one domain within an hour; 0 = off"),
	UINT("policy", "tunnel_label_length", tunnel_label_length, "52", 0, 63,
	     "dns-tunnel: a label at least this long; 0 = off"),
	UINT("policy", "tunnel_txt_queries", tunnel_txt_queries, "20", 0, 1000000,
	     "dns-tunnel: TXT/NULL queries under one domain within an hour; 0 = off"),
	FN("policy", "upload_budget", p_upload_budget, "",
	   "volume: bytes the VM may upload to one destination name per UTC day (50M, 2G; "
	   "needs pcap_interface); empty = off"),
	FN("web", "listen", p_web_listen, "127.0.0.1:8383",
	   "dashboard address:port; empty = off"),
	STR("web", "token_file", web_token_file, "",
	    "file holding a bearer token for the API and actions"),
	UINT("web", "allow_remote", web_allow_remote, "0", 0, 1,
	     "1 = allow a listen address off loopback (needs token_file)"),
	STR("alerts", "telegram_token_file", telegram_token_file, "",
	    "file holding the Telegram bot token"),
	STR("alerts", "telegram_chat_id", telegram_chat_id, "", "Telegram chat to alert"),
	FN("alerts", "telegram_api_base", p_api_base, "https://api.telegram.org",
	   "Telegram Bot API base URL (http:// only on loopback)"),
	FN("alerts", "webhook_url", p_webhook, "", "URL that receives one JSON POST per alert"),
	FN("enforce", "mode", p_enforce_mode, "audit",
	   "audit = watch only; enforce = the VM reaches only what the rules expect, at the "
	   "addresses the resolver gave it (needs the ruleset of oc-audit enforce-rules)"),
};

const size_t conf_key_count = sizeof(conf_key_table) / sizeof(conf_key_table[0]);

/* struct conf keeps each key's text and whether it was given, by its index here. */
_Static_assert(sizeof(conf_key_table) / sizeof(conf_key_table[0]) <=
               sizeof(((struct conf *)0)->given) / sizeof(bool), "struct conf: given[] too small");
_Static_assert(sizeof(((struct conf *)0)->raw) / sizeof(char *) ==
               sizeof(((struct conf *)0)->given) / sizeof(bool), "struct conf: raw[] and given[]");
