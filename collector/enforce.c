/* Enforce mode: the ruleset it needs, the elements an answer opens, and the hook that has
 * the helper add them (the design is in enforce.h). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/queue.h"
#include "common/stats.h"
#include "common/timefmt.h"
#include "enforce.h"

/* How long the resolver waits for the helper before the answer leaves anyway. */
#define HELPER_TIMEOUT_MS 1000
#define FAIL_LOG_EVERY_US (60 * US_PER_SEC)

/* ------------------------------------------------------------------ the ruleset */

struct out {
	char *buf;
	size_t len, need;
};

static void out_add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->need < o->len ? o->buf + o->need : NULL,
	              o->need < o->len ? o->len - o->need : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->need += (size_t)n;
}

/* "{ 192.168.83.0/24, 10.0.0.0/8 }" of c's vm_subnet of one family; false if none. */
static bool
subnets(const struct conf *c, int family, char *buf, size_t len)
{
	size_t at = 0;
	bool any = false;

	buf[0] = '\0';
	for (int i = 0; i < c->n_vm_subnet && at < len; i++) {
		char a[NETADDR_STRLEN];

		if (c->vm_subnet[i].net.family != family)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s/%u", any ? ", " : "{ ",
		                       netaddr_format(&c->vm_subnet[i].net, a, sizeof(a)),
		                       (unsigned)c->vm_subnet[i].bits);
		any = true;
	}
	if (any && at < len)
		snprintf(buf + at, len - at, " }");
	return any;
}

size_t
enforce_ruleset(const struct conf *c, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char v4[CONF_MAX_LIST * 48], v6[CONF_MAX_LIST * 48];
	bool has4 = subnets(c, 4, v4, sizeof(v4)), has6 = subnets(c, 6, v6, sizeof(v6));

	if (len)
		buf[0] = '\0';
	/* Declared first, then the chains flushed and filled: installing it again keeps
	 * what the sets hold, so the VM's open addresses survive a firewall reload. */
	out_add(&o,
	        "# oc-audit enforce mode: the VM reaches only what the rules expect, at the\n"
	        "# addresses oc-audit's resolver gave it. Install with nft -f (again at\n"
	        "# will: the sets keep their elements); oc-audit fills the sets. Dropped\n"
	        "# attempts go to NFLOG group %u with the prefix \"%s\".\n"
	        "table inet %s {\n"
	        "\tset allow4 {\n"
	        "\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service\n"
	        "\t\tflags timeout\n"
	        "\t\tsize %u\n"
	        "\t}\n"
	        "\tset allow6 {\n"
	        "\t\ttype ipv6_addr . ipv6_addr . inet_proto . inet_service\n"
	        "\t\tflags timeout\n"
	        "\t\tsize %u\n"
	        "\t}\n"
	        "\t# before the usual filter chains and the chain that logs new connections\n"
	        "\t# (priority -10 in the NixOS module), so a drop is logged once, as blocked\n"
	        "\tchain enforce {\n"
	        "\t\ttype filter hook forward priority filter - 20; policy accept;\n"
	        "\t}\n"
	        "\tchain enforce_vm {\n"
	        "\t}\n"
	        "}\n"
	        "flush chain inet %s enforce\n"
	        "flush chain inet %s enforce_vm\n"
	        "table inet %s {\n"
	        "\tchain enforce {\n"
	        "\t\tct state established,related accept\n",
	        c->nflog_group, ENFORCE_PREFIX, ENFORCE_TABLE, ENFORCE_SET_SIZE, ENFORCE_SET_SIZE,
	        ENFORCE_TABLE, ENFORCE_TABLE, ENFORCE_TABLE);
	if (has4)
		out_add(&o, "\t\tip saddr %s jump enforce_vm\n", v4);
	if (has6)
		out_add(&o, "\t\tip6 saddr %s jump enforce_vm\n", v6);
	out_add(&o,
	        "\t}\n"
	        "\tchain enforce_vm {\n"
	        "\t\tip saddr . ip daddr . meta l4proto . th dport @allow4 accept\n"
	        "\t\tip6 saddr . ip6 daddr . meta l4proto . th dport @allow6 accept\n"
	        "\t\tct state new log prefix \"%s\" group %u\n"
	        "\t\tdrop\n"
	        "\t}\n"
	        "}\n", ENFORCE_PREFIX, c->nflog_group);
	return o.need;
}

/* ------------------------------------------------------------------ pure decisions */

bool
enforce_is_blocked(const struct conn_event *ev)
{
	return strncmp(ev->prefix, ENFORCE_PREFIX, sizeof(ENFORCE_PREFIX) - 1) == 0;
}

/* The proto/ports of every rule that names qname, each once. */
static int
rule_ports(const struct rules *rs, const char *qname, struct rule_port *out, int max)
{
	int n = 0;

	for (int i = 0; rs && i < rs->n; i++) {
		const struct rule *r = &rs->r[i];

		if (!rules_name_match(r->name, qname))
			continue;
		for (int p = 0; p < r->n_ports; p++) {
			int j;

			for (j = 0; j < n; j++)
				if (out[j].proto == r->ports[p].proto && out[j].port == r->ports[p].port)
					break;
			if (j == n && n < max)
				out[n++] = r->ports[p];
		}
	}
	return n;
}

int
enforce_elements(const struct rules *rs, const struct netaddr *client, const char *qname,
                 const struct dns_answer *ans, size_t n_ans, unsigned grace,
                 struct netadm_elem *out, int max, int *dropped)
{
	struct rule_port ports[RULE_MAX_PORTS * 4];
	int n_ports = rule_ports(rs, qname, ports, (int)(sizeof(ports) / sizeof(ports[0])));
	int n = 0;

	*dropped = 0;
	if (n_ports == 0)
		return 0;
	for (size_t i = 0; i < n_ans; i++) {
		const struct dns_answer *a = &ans[i];
		struct netaddr ip;
		uint32_t ttl;

		if ((a->rtype != 1 && a->rtype != 28) || !a->data ||
		    netaddr_parse(a->data, &ip) < 0 || ip.family != client->family)
			continue;
		ttl = (a->ttl < ENFORCE_TTL_MAX ? a->ttl : ENFORCE_TTL_MAX) + grace;
		if (ttl == 0)
			ttl = 1;
		for (int p = 0; p < n_ports; p++) {
			struct netadm_elem *e;
			int j;

			for (j = 0; j < n; j++)
				if (!memcmp(out[j].addr, ip.a, 16) && out[j].proto == ports[p].proto &&
				    out[j].port == ports[p].port)
					break;
			if (j < n) {
				if (out[j].timeout < ttl)
					out[j].timeout = ttl;
				continue;
			}
			if (n >= max) {
				(*dropped)++;
				continue;
			}
			e = &out[n++];
			memset(e, 0, sizeof(*e));
			e->family = client->family;
			e->proto = ports[p].proto;
			e->port = ports[p].port;
			e->timeout = ttl;
			memcpy(e->client, client->a, 16);
			memcpy(e->addr, ip.a, 16);
		}
	}
	return n;
}

/* ------------------------------------------------------------------ the runtime half */

struct enforce {
	struct netadm *na;
	struct stats *st;
	pthread_mutex_t mu;          /* rules and grace: the resolver reads, a reload swaps */
	struct rules *rules;
	unsigned grace;
	int64_t failed_logged_us;    /* the resolver thread's own */
	uint64_t failed_since_log;
};

struct enforce *
enforce_new(struct netadm *na, const struct conf *c, struct stats *st)
{
	struct enforce *e = calloc(1, sizeof(*e));

	if (!e || !(e->rules = rules_dup(c->rules))) {
		free(e);
		return NULL;
	}
	e->na = na;
	e->st = st;
	e->grace = c->attribution_grace;
	e->failed_logged_us = -FAIL_LOG_EVERY_US;
	pthread_mutex_init(&e->mu, NULL);
	return e;
}

int
enforce_set_rules(struct enforce *e, const struct conf *c)
{
	struct rules *rs, *old;

	if (!e)
		return 0;
	if (!(rs = rules_dup(c->rules)))
		return -1;
	pthread_mutex_lock(&e->mu);
	old = e->rules;
	e->rules = rs;
	e->grace = c->attribution_grace;
	pthread_mutex_unlock(&e->mu);
	rules_free(old);
	return 0;
}

/* A failed add: counted always, logged at most once a minute with how many since. */
static void
failed(struct enforce *e, int n, const char *qname, const char *why)
{
	int64_t now = queue_mono_us();

	stats_add(e->st, STAT_ENFORCE_FAILED, (uint64_t)n);
	e->failed_since_log += (uint64_t)n;
	if (now - e->failed_logged_us < FAIL_LOG_EVERY_US)
		return;
	log_err("enforce: cannot open the addresses of an answer for %.253s (%llu set "
	        "elements failed since the last such line; the VM's connections to them "
	        "will be dropped): %s", qname, (unsigned long long)e->failed_since_log, why);
	e->failed_logged_us = now;
	e->failed_since_log = 0;
}

void
enforce_answer(void *ctx, const struct netaddr *client, const char *qname,
               const struct dns_answer *ans, size_t n_ans)
{
	struct enforce *e = ctx;
	struct netadm_elem el[NETADM_SET_MAX];
	char why[NFTCHECK_DETAIL];
	int n, dropped;

	pthread_mutex_lock(&e->mu);
	n = enforce_elements(e->rules, client, qname, ans, n_ans, e->grace, el, NETADM_SET_MAX,
	                     &dropped);
	pthread_mutex_unlock(&e->mu);
	if (dropped)
		failed(e, dropped, qname, "more addresses in one answer than one request holds");
	if (n == 0)
		return;
	if (netadm_set_add(e->na, el, n, HELPER_TIMEOUT_MS, why, sizeof(why)) < 0) {
		if (errno != EIO)
			snprintf(why, sizeof(why), "the helper: %s", strerror(errno));
		failed(e, n, qname, why);
		return;
	}
	stats_add(e->st, STAT_ENFORCE_ADDED, (uint64_t)n);
}

void
enforce_free(struct enforce *e)
{
	if (!e)
		return;
	pthread_mutex_destroy(&e->mu);
	rules_free(e->rules);
	free(e);
}
