/* The fold: scans of ports, of addresses and of names end in a bounded set of findings,
 * whatever the VM picks, and a table seeded from stored findings decides as the one that
 * made them. A tiny in-memory "findings table" stands in for the store. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/fold.h"
#include "tap.h"

#define MAXROWS 4096

struct row {
	enum findkind kind;
	char key[FOLD_KEYLEN];
	char ip[80], domain[300];
	long count;
};

static struct row rows[MAXROWS];
static int n_rows;

/* What the core does with a finding: the fold's key, a new row or one more count. */
static void
raise_one(struct fold *f, enum findkind kind, const char *key, const char *name,
          const char *addr)
{
	struct netaddr a;
	struct fold_in in = { .kind = kind, .key = key, .name = name };
	struct fold_out out;
	int i;

	if (addr) {
		netaddr_parse(addr, &a);
		in.addr = &a;
	}
	/* a key already stored is counted where it is (the core's store_finding_seen) */
	for (i = 0; i < n_rows; i++) {
		if (rows[i].kind == kind && strcmp(rows[i].key, key) == 0) {
			rows[i].count++;
			return;
		}
	}
	fold_decide(f, &in, &out);
	for (i = 0; i < n_rows; i++) {
		if (rows[i].kind == kind && strcmp(rows[i].key, out.key) == 0) {
			rows[i].count++;
			return;
		}
	}
	if (n_rows == MAXROWS)
		return;
	rows[n_rows].kind = kind;
	snprintf(rows[n_rows].key, sizeof(rows[n_rows].key), "%s", out.key);
	snprintf(rows[n_rows].ip, sizeof(rows[n_rows].ip), "%s",
	         out.level == FOLD_EXACT ? (addr ? addr : "") : out.ip ? out.ip : "");
	snprintf(rows[n_rows].domain, sizeof(rows[n_rows].domain), "%s",
	         out.level == FOLD_EXACT ? (name ? name : "") : out.domain ? out.domain : "");
	rows[n_rows++].count = 1;
	fold_note(f, &in, &out);
}

static int
count_rows(enum findkind kind)
{
	int n = 0;

	for (int i = 0; i < n_rows; i++)
		n += rows[i].kind == kind;
	return n;
}

static long
row_count(enum findkind kind, const char *key)
{
	for (int i = 0; i < n_rows; i++)
		if (rows[i].kind == kind && strcmp(rows[i].key, key) == 0)
			return rows[i].count;
	return 0;
}

static long
total(enum findkind kind)
{
	long n = 0;

	for (int i = 0; i < n_rows; i++)
		if (rows[i].kind == kind)
			n += rows[i].count;
	return n;
}

static void
port_scan(struct fold *f, enum findkind kind, const char *addr, int from, int n)
{
	char key[128];

	for (int p = from; p < from + n; p++) {
		snprintf(key, sizeof(key), strchr(addr, ':') ? "[%s]:%d/tcp" : "%s:%d/tcp", addr, p);
		raise_one(f, kind, key, NULL, addr);
	}
}

int
main(void)
{
	struct fold *f = fold_new(0x1234), *g;
	char name[300], addr[64], key[128];

	/* 20 000 ports of one address: its first 8 ports, then one for the rest */
	port_scan(f, FK_DIRECT_IP, "198.51.100.9", 1, 20000);
	is_int(count_rows(FK_DIRECT_IP), 9, "a scan of 20 000 ports: 9 findings");
	is_int(row_count(FK_DIRECT_IP, "198.51.100.9:*"), 20000 - 8, "the rest in ip:*");
	is_int(row_count(FK_DIRECT_IP, "198.51.100.9:5/tcp"), 1, "the first ports on their own");
	port_scan(f, FK_DIRECT_IP, "198.51.100.9", 3, 2);
	is_int(row_count(FK_DIRECT_IP, "198.51.100.9:3/tcp"), 2, "a first port again: its own");
	is_int(total(FK_DIRECT_IP), 20002, "every event counted somewhere");

	/* the same address under another kind is a group of its own */
	port_scan(f, FK_UNEXPECTED_DESTINATION, "198.51.100.9", 1, 3);
	is_int(count_rows(FK_UNEXPECTED_DESTINATION), 3, "kinds apart");

	/* 30 addresses of one /24, one port each: 8 addresses, then the network */
	for (int i = 10; i < 40; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i);
		port_scan(f, FK_DNS_BYPASS, addr, 53, 1);
	}
	is_int(count_rows(FK_DNS_BYPASS), 9, "30 addresses of a /24: 9 findings");
	is_int(row_count(FK_DNS_BYPASS, "203.0.113.0/24:*"), 22, "the rest in net:*");
	/* an address of the first 8 keeps its own group */
	port_scan(f, FK_DNS_BYPASS, "203.0.113.10", 54, 20);
	is_int(row_count(FK_DNS_BYPASS, "203.0.113.10:*"), 20 - 7, "its ports past 8: ip:*");
	is_int(count_rows(FK_DNS_BYPASS), 9 + 7 + 1, "its 7 more ports, its ip:*, nothing else");

	/* IPv6: /48 networks */
	for (int i = 1; i <= 10; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:100::%x", i);
		port_scan(f, FK_DIRECT_IP, addr, 443, 1);
	}
	is_int(row_count(FK_DIRECT_IP, "[2001:db8:100::/48]:*"), 2, "IPv6: the /48's finding");
	port_scan(f, FK_DIRECT_IP, "2001:db8:100::1", 1, 10);
	is_int(row_count(FK_DIRECT_IP, "[2001:db8:100::1]:*"), 3, "IPv6: an address's rest");

	/* 100 000 address:port pairs over 10 000 addresses in 40 networks: bounded by the kind */
	for (int i = 0; i < 10000; i++) {
		snprintf(addr, sizeof(addr), "198.18.%d.%d", i / 250, i % 250 + 1);
		port_scan(f, FK_UNEXPECTED_DESTINATION, addr, 1000, 10);
	}
	is_int(count_rows(FK_UNEXPECTED_DESTINATION), FOLD_KIND_MAX + 1,
	       "a wide scan: the kind's cap and one more");
	ok(row_count(FK_UNEXPECTED_DESTINATION, "*") > 0, "the rest in the kind's *");
	is_int(total(FK_UNEXPECTED_DESTINATION), 100003, "every event counted somewhere");
	is_int(fold_kind_count(f, FK_UNEXPECTED_DESTINATION), FOLD_KIND_MAX + 1, "kind count");
	/* a folded group made before the cap keeps counting its own */
	port_scan(f, FK_UNEXPECTED_DESTINATION, "198.18.0.1", 2000, 5);
	is_int(row_count(FK_UNEXPECTED_DESTINATION, "198.18.0.1:*"), 7, "ip:* after the cap");

	/* names: 60 under one domain, then 2000 registered domains */
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "q%02d.t.exfil.example", i);
		raise_one(f, FK_UNEXPECTED_DOMAIN, name, name, NULL);
	}
	is_int(count_rows(FK_UNEXPECTED_DOMAIN), 9, "60 names under one domain: 9 findings");
	is_int(row_count(FK_UNEXPECTED_DOMAIN, "*.exfil.example"), 52, "the rest in *.base");
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "dga%d.example", i);
		raise_one(f, FK_UNEXPECTED_DOMAIN, name, name, NULL);
	}
	is_int(count_rows(FK_UNEXPECTED_DOMAIN), FOLD_KIND_MAX + 1, "a DGA: the kind's cap");

	/* ports of an expected name */
	for (int p = 1; p < 100; p++) {
		snprintf(key, sizeof(key), "api.telegram.org %d/tcp", p);
		raise_one(f, FK_UNEXPECTED_PORT, key, "api.telegram.org", NULL);
	}
	is_int(count_rows(FK_UNEXPECTED_PORT), 9, "99 ports of a name: 9 findings");
	is_int(row_count(FK_UNEXPECTED_PORT, "api.telegram.org *"), 91, "the rest in name *");

	/* a kind without groups: only the cap */
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "b%d.example", i);
		raise_one(f, FK_DNS_TUNNEL, name, name, NULL);
	}
	is_int(count_rows(FK_DNS_TUNNEL), FOLD_KIND_MAX + 1, "tunnels: the kind's cap");

	/* a table seeded from the stored rows decides like the one that made them */
	g = fold_new(0x9999);
	for (int i = 0; i < n_rows; i++)
		fold_seed(g, findkind_name(rows[i].kind), rows[i].key,
		          rows[i].ip[0] ? rows[i].ip : NULL,
		          rows[i].domain[0] ? rows[i].domain : NULL);
	for (int k = FK_NONE + 1; k < FK__COUNT; k++)
		is_int(fold_kind_count(g, (enum findkind)k), fold_kind_count(f, (enum findkind)k),
		       "seeded: %s count", findkind_name((enum findkind)k));
	{
		static const struct { enum findkind k; const char *key, *name, *addr, *want; } c[] = {
			{ FK_DIRECT_IP, "198.51.100.9:30000/tcp", NULL, "198.51.100.9", "198.51.100.9:*" },
			{ FK_DNS_BYPASS, "203.0.113.99:53/tcp", NULL, "203.0.113.99", "203.0.113.0/24:*" },
			{ FK_DNS_BYPASS, "203.0.113.11:99/tcp", NULL, "203.0.113.11", "203.0.113.11:99/tcp" },
			{ FK_UNEXPECTED_DOMAIN, "zz.t.exfil.example", "zz.t.exfil.example", NULL, "*.exfil.example" },
			{ FK_UNEXPECTED_DOMAIN, "new.example", "new.example", NULL, "*" },
			{ FK_UNEXPECTED_PORT, "api.telegram.org 9999/udp", "api.telegram.org", NULL, "api.telegram.org *" },
			{ FK_UNEXPECTED_PORT, "openrouter.ai 80/tcp", "openrouter.ai", NULL, "openrouter.ai 80/tcp" },
		};
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			struct netaddr a;
			struct fold_in in = { .kind = c[i].k, .key = c[i].key, .name = c[i].name };
			struct fold_out o1, o2;

			if (c[i].addr) {
				netaddr_parse(c[i].addr, &a);
				in.addr = &a;
			}
			fold_decide(f, &in, &o1);
			fold_decide(g, &in, &o2);
			is_str(o1.key, c[i].want, "decides %s", c[i].key);
			is_str(o2.key, c[i].want, "seeded: decides %s", c[i].key);
		}
	}
	fold_reset(g);
	is_int(fold_kind_count(g, FK_DIRECT_IP), 0, "reset");
	fold_free(g);
	fold_free(f);
	return done_testing();
}
