/* The configuration table. One row per key: section, name, default, help, and how the
 * value is checked and stored. Loading applies every default first, then the file, then
 * --set overrides; each value goes through the same validator, so a default that did
 * not validate would show up in the unit tests. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "conf.h"
#include "rules.h"
#include "timefmt.h"
#include "units.h"

/* The largest rules file read: far more than RULES_MAX rules of any sensible length. */
#define RULES_FILE_MAX (4 << 20)

enum ktype { K_STR, K_UINT, K_FN };

struct key {
	const char *section, *name, *def, *help;
	enum ktype type;
	size_t off, size;       /* K_STR: field and capacity; K_UINT: field */
	unsigned min, max;      /* K_UINT bounds */
	int (*parse)(struct conf *c, const char *v, char *err, size_t errlen);
};

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

static const struct key keys[] = {
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
	     "events held between the readers and the database writer"),
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

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void add_msg(char ***list, int *n, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Append one formatted problem to *list (*n of them). */
static void
add_msg(char ***list, int *n, const char *fmt, va_list ap)
{
	char buf[1024];
	char **e;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	e = realloc(*list, sizeof(*e) * (size_t)(*n + 1));
	if (!e || !(e[*n] = strdup(buf)))
		abort();
	*list = e;
	(*n)++;
}

static void add_error(struct conf *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_error(struct conf *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(&c->errors, &c->n_errors, fmt, ap);
	va_end(ap);
}

static const struct key *
find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static bool
section_known(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0)
			return true;
	return false;
}

static void add_warning(struct conf *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_warning(struct conf *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(&c->warnings, &c->n_warnings, fmt, ap);
	va_end(ap);
}

static bool
given(const struct conf *c, const char *section, const char *name)
{
	const struct key *k = find_key(section, name);

	return k && c->given[k - keys];
}

struct file_errors { struct conf *c; const char *path; };

static void
rules_file_error(void *ctx, int line, const char *text, const char *why)
{
	struct file_errors *fe = ctx;

	add_error(fe->c, "%s:%d: rule '%s': %s", fe->path, line, text, why);
}

/* Read the rules file into *text (malloc'ed, *len bytes). A file that does not exist is
 * no rules and a warning: "expect this" on the dashboard creates it. Returns 0, or -1
 * with an error added. */
static int
read_rules_file(struct conf *c, char **text, size_t *len)
{
	FILE *f;
	char *buf;
	size_t n;

	*text = NULL;
	*len = 0;
	if (!(f = fopen(c->rules_file, "r"))) {
		if (errno == ENOENT) {
			add_warning(c, "policy.rules_file: %s does not exist (yet): no rules from it",
			            c->rules_file);
			return 0;
		}
		add_error(c, "policy.rules_file: cannot read %s: %s", c->rules_file,
		          strerror(errno));
		return -1;
	}
	if (!(buf = malloc(RULES_FILE_MAX + 1)))
		abort();
	n = fread(buf, 1, RULES_FILE_MAX + 1, f);
	if (ferror(f) || n > RULES_FILE_MAX) {
		add_error(c, "policy.rules_file: %s: %s", c->rules_file, ferror(f) ?
		          "read error" : "larger than 4 MiB");
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

/* The effective rules: expect; expected_domains x expected_ports when either is given,
 * or when neither expect nor rules_file is (so an old configuration means what it
 * meant, and a new one is not widened by defaults it never named); the rules file's
 * text if given; and the canaries. */
static void
build_rules(struct conf *c, const char *text, size_t len)
{
	struct rules *rs = c->expect ? rules_dup(c->expect) : rules_new();
	bool legacy = given(c, "policy", "expected_domains") ||
	              given(c, "policy", "expected_ports") ||
	              ((!c->expect || !c->expect->n) && !c->rules_file[0]);
	char err[300];

	if (!rs)
		abort();
	rs->n_canary = 0;
	for (int i = 0; legacy && i < c->n_expected_domains; i++) {
		struct rule r = { .n_ports = 0 };

		snprintf(r.name, sizeof(r.name), "%s", c->expected_domains[i]);
		for (int j = 0; j < c->n_expected_ports && j < RULE_MAX_PORTS; j++)
			r.ports[r.n_ports++] = c->expected_ports[j];
		if (rules_add(rs, &r, err, sizeof(err)) < 0)
			add_error(c, "policy.expected_domains: %s", err);
	}
	if (text) {
		struct file_errors fe = { c, c->rules_file };

		rules_parse_text(rs, text, len, rules_file_error, &fe);
	}
	if (c->canaries) {
		memcpy(rs->canary, c->canaries->canary, sizeof(rs->canary));
		rs->n_canary = c->canaries->n_canary;
	}
	rules_free(c->rules);
	c->rules = rs;
}

/* Check and store one value. Returns 0, or -1 with err filled. */
static int
apply(struct conf *c, const struct key *k, const char *v, char *err, size_t errlen)
{
	char *dup;

	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "value longer than %zu bytes", k->size - 1);
			return -1;
		}
		strcpy((char *)c + k->off, v);
		break;
	case K_UINT: {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || errno || n < k->min || n > k->max) {
			snprintf(err, errlen, "'%s' is not a whole number from %u to %u", v,
			         k->min, k->max);
			return -1;
		}
		*(unsigned *)(void *)((char *)c + k->off) = (unsigned)n;
		break;
	}
	case K_FN:
		if (k->parse(c, v, err, errlen) < 0)
			return -1;
		break;
	}
	if (!(dup = strdup(v)))
		abort();
	free(c->raw[k - keys]);
	c->raw[k - keys] = dup;
	return 0;
}

struct conf *
conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));
	char err[512];

	if (!c)
		abort();
	for (size_t i = 0; i < NKEYS; i++)
		if (apply(c, &keys[i], keys[i].def, err, sizeof(err)) < 0)
			add_error(c, "default: %s.%s: %s", keys[i].section, keys[i].name, err);
	build_rules(c, NULL, 0);
	return c;
}

void
conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		free(c->raw[i]);
	for (int i = 0; i < c->n_errors; i++)
		free(c->errors[i]);
	free(c->errors);
	for (int i = 0; i < c->n_warnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	rules_free(c->rules);
	rules_free(c->expect);
	rules_free(c->canaries);
	free(c);
}

/* Where inih reads INI text from: a file, or the rest of a buffer; and the line it
 * was given last, for on_value. */
struct line_reader {
	FILE *f;
	const char *p;
	size_t left;
	struct conf *c;
	bool indented;              /* the line starts with a blank */
	char text[1024];            /* and reads this without blanks around it */
};

static int
on_value(void *user, const char *section, const char *name, const char *value)
{
	struct line_reader *r = user;
	struct conf *c = r->c;
	const struct key *k = find_key(section, name);
	char err[512];

	/* inih takes an indented line after a key for more of its value, and hands it over
	 * as the whole value: "domains = a.com" then "  b.com" would silently mean b.com */
	if (r->indented && strcmp(value, r->text) == 0) {
		add_error(c, "%s:%d: %s.%s: an indented line continues the value: give it on "
		          "one line", c->cur_file, c->cur_line, section, name);
		return 1;
	}
	/* inih takes "key = ; note" for an empty value and the note for a comment, but
	 * "key =; note" for the value "; note": both are the empty value with a comment */
	if (*value == ';')
		value = "";
	if (!k) {
		if (!section_known(section))
			add_error(c, "%s:%d: [%s] is not a known section", c->cur_file,
			          c->cur_line, section);
		else
			add_error(c, "%s:%d: %s.%s: unknown key", c->cur_file, c->cur_line,
			          section, name);
		return 1;
	}
	if (apply(c, k, value, err, sizeof(err)) < 0)
		add_error(c, "%s:%d: %s.%s: %s", c->cur_file, c->cur_line, section, name, err);
	else
		c->given[k - keys] = true;
	return 1;
}

static int
next_char(struct line_reader *r)
{
	if (r->f)
		return getc(r->f);
	if (r->left == 0)
		return EOF;
	r->left--;
	return (unsigned char)*r->p++;
}

/* Note whether line is indented, and its text without the blanks around it. */
static void
remember(struct line_reader *r, const char *line)
{
	size_t n = strlen(line);

	r->indented = *line == ' ' || *line == '\t';
	while (*line && isspace((unsigned char)*line)) {
		line++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	if (n >= sizeof(r->text)) {
		r->indented = false;      /* not a line inih can hold: nothing to compare */
		n = 0;
	}
	memcpy(r->text, line, n);
	r->text[n] = '\0';
}

/* inih reads one line per call into its buffer of num bytes; counting the calls gives
 * the line number. A longer line would reach inih in pieces, the first a value cut
 * short and the rest read as lines of their own: it is reported here, read to its end,
 * and handed to inih as an empty comment. */
static char *
read_line(char *str, int num, void *stream)
{
	struct line_reader *r = stream;
	size_t n = 0, max = num > 1 ? (size_t)num - 1 : 0;
	int ch = EOF;

	while (n < max && (ch = next_char(r)) != EOF) {
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	str[n] = '\0';
	r->c->cur_line++;
	remember(r, str);
	if (n == max && ch != '\n' && (ch = next_char(r)) != EOF && ch != '\n') {
		while ((ch = next_char(r)) != EOF && ch != '\n')
			;
		add_error(r->c, "%s:%d: line longer than %zu bytes", r->c->cur_file,
		          r->c->cur_line, max);
		str[0] = ';';
		str[1] = '\0';
	}
	return str;
}

static int
load(struct conf *c, const char *name, struct line_reader *r)
{
	int before = c->n_errors, rc;

	c->cur_file = name;
	c->cur_line = 0;
	rc = ini_parse_stream(read_line, r, on_value, r);
	if (rc > 0)
		add_error(c, "%s:%d: syntax error (expected [section] or key = value)", name, rc);
	else if (rc < 0)
		add_error(c, "%s: cannot read", name);
	c->cur_file = NULL;
	build_rules(c, NULL, 0);
	return c->n_errors - before;
}

int
conf_load_file(struct conf *c, const char *path)
{
	struct line_reader r = { .c = c };
	int n;

	if (!(r.f = fopen(path, "r"))) {
		add_error(c, "%s: cannot open: %s", path, strerror(errno));
		return 1;
	}
	n = load(c, path, &r);
	fclose(r.f);
	return n;
}

int
conf_load_buffer(struct conf *c, const char *name, const char *text, size_t len)
{
	struct line_reader r = { .p = text, .left = len, .c = c };

	return load(c, name, &r);
}

int
conf_set(struct conf *c, const char *assignment)
{
	const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
	char section[64], name[64], err[512];
	const struct key *k;

	if (!dot || !eq || dot > eq || dot - assignment >= (int)sizeof(section) ||
	    eq - dot - 1 >= (int)sizeof(name)) {
		add_error(c, "--set %s: expected section.key=value", assignment);
		return 1;
	}
	memcpy(section, assignment, (size_t)(dot - assignment));
	section[dot - assignment] = '\0';
	memcpy(name, dot + 1, (size_t)(eq - dot - 1));
	name[eq - dot - 1] = '\0';
	if (!(k = find_key(section, name))) {
		add_error(c, "--set %s: %s.%s: unknown key", assignment, section, name);
		return 1;
	}
	if (apply(c, k, eq + 1, err, sizeof(err)) < 0) {
		add_error(c, "--set %s: %s.%s: %s", assignment, section, name, err);
		return 1;
	}
	c->given[k - keys] = true;
	build_rules(c, NULL, 0);
	return 0;
}

static void
check_secret(struct conf *c, const char *key, const char *path)
{
	FILE *f;

	if (!*path)
		return;
	if (!(f = fopen(path, "r"))) {
		add_error(c, "%s: cannot read %s: %s", key, path, strerror(errno));
		return;
	}
	fclose(f);
}

int
conf_check(struct conf *c)
{
	int before = c->n_errors;
	const struct netaddr *w = &c->web_addr;
	bool loopback = w->family == 0 ||
	                (w->family == 4 && w->a[0] == 127) ||
	                (w->family == 6 && memcmp(w->a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);

	if (c->telegram_token_file[0] && !c->telegram_chat_id[0])
		add_error(c, "alerts.telegram_chat_id: required when alerts.telegram_token_file "
		          "is set");
	if (c->telegram_chat_id[0] && !c->telegram_token_file[0])
		add_error(c, "alerts.telegram_token_file: required when alerts.telegram_chat_id "
		          "is set");
	check_secret(c, "alerts.telegram_token_file", c->telegram_token_file);
	check_secret(c, "web.token_file", c->web_token_file);
	if (!loopback && !c->web_allow_remote)
		add_error(c, "web.listen: not a loopback address; set web.allow_remote = 1 to "
		          "mean it (and a web.token_file)");
	if (!loopback && !c->web_token_file[0])
		add_error(c, "web.token_file: required when web.listen is not on loopback");
	if (c->pcap_interface[0] && !conf_ifname_valid(c->pcap_interface))
		add_error(c, "collector.pcap_interface: '%s' is not an interface name (1 to 15 "
		          "bytes, no '/', ':' or white space)", c->pcap_interface);
	else if (strcmp(c->pcap_interface, "any") == 0)
		add_error(c, "collector.pcap_interface: name the VM's bridge (br-openclaw), not "
		          "'any': the capture sees every packet on it exactly once");
	if (c->upload_budget && !c->pcap_interface[0])
		add_warning(c, "policy.upload_budget: needs collector.pcap_interface (the capture "
		            "counts the bytes): no volume finding can be raised without it");
	if (c->enforce && !c->dns_addr.family)
		add_error(c, "enforce.mode: enforce needs the resolver (dns.listen): only its "
		          "answers open the way");
	if (c->dns_addr.family && c->n_allow_from == 0)
		add_error(c, "dns.allow_from: needs at least one prefix when dns.listen is set");
	if (c->dns_addr.family && c->dnssec) {
		FILE *f = fopen(c->trust_anchor_file, "r");

		if (!f)
			add_error(c, "dns.trust_anchor_file: cannot read %s: %s (install Debian's "
			          "dns-root-data, name another file, or set dns.dnssec = no)",
			          c->trust_anchor_file, strerror(errno));
		else
			fclose(f);
	}
	if (c->rules_file[0]) {
		char *text;
		size_t len;

		if (read_rules_file(c, &text, &len) == 0) {
			build_rules(c, text, len);
			free(text);
		}
	}
	return c->n_errors - before;
}

bool
conf_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= 16 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]) ||
		    (unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
			return false;
	return true;
}

int
conf_error_count(const struct conf *c)
{
	return c->n_errors;
}

const char *
conf_error(const struct conf *c, int i)
{
	return i >= 0 && i < c->n_errors ? c->errors[i] : NULL;
}

int
conf_warning_count(const struct conf *c)
{
	return c->n_warnings;
}

const char *
conf_warning(const struct conf *c, int i)
{
	return i >= 0 && i < c->n_warnings ? c->warnings[i] : NULL;
}

void
conf_each_changed(const struct conf *a, const struct conf *b,
                  void (*fn)(void *ctx, const char *section, const char *name), void *ctx)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const char *x = a->raw[i] ? a->raw[i] : "", *y = b->raw[i] ? b->raw[i] : "";

		if (strcmp(x, y) != 0)
			fn(ctx, keys[i].section, keys[i].name);
	}
}

void
conf_copy_keys(struct conf *dst, const struct conf *src,
               bool (*pick)(void *ctx, const char *section, const char *name), void *ctx)
{
	char err[512];

	for (size_t i = 0; i < NKEYS; i++)
		if (pick(ctx, keys[i].section, keys[i].name) &&
		    apply(dst, &keys[i], src->raw[i] ? src->raw[i] : keys[i].def, err,
		          sizeof(err)) < 0)
			add_error(dst, "%s.%s: %s", keys[i].section, keys[i].name, err);
}

void
conf_print(const struct conf *c, FILE *out)
{
	const char *section = "";

	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(section, keys[i].section) != 0) {
			section = keys[i].section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		fprintf(out, "; %s\n%s = %s\n", keys[i].help, keys[i].name,
		        c->raw[i] ? c->raw[i] : "");
	}
	fprintf(out, "\n; The effective rules, each name with the proto/ports it may be reached "
	        "on\n; (from expect, expected_domains x expected_ports and rules_file):\n");
	for (int i = 0; i < c->rules->n; i++) {
		char line[RULES_LINELEN];

		fprintf(out, ";   %s%s\n", rules_format(&c->rules->r[i], line, sizeof(line)),
		        c->rules->r[i].n_ports ? "" : "   (resolving it only)");
	}
	if (!c->rules->n)
		fprintf(out, ";   (none: every name is unexpected)\n");
	for (int i = 0; i < c->rules->n_canary; i++)
		fprintf(out, "%s;   %s\n", i ? "" : "; Canary names (any use is a finding):\n",
		        c->rules->canary[i]);
}
