/* The attribution map: answers, validity, and the byte budget under a flood. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "collector/attrib.h"
#include "tap.h"

#define S(x) ((int64_t)(x) * 1000000)

static void
addr(struct netaddr *a, unsigned i)
{
	char s[32];

	snprintf(s, sizeof(s), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	netaddr_parse(s, a);
}

/* A long name of its own for i, like a zone the VM controls would answer. */
static void
long_name(char *out, size_t len, unsigned i, size_t want)
{
	size_t n = (size_t)snprintf(out, len, "n%08u.", i);

	while (n + 1 < want && n + 1 < len) {
		out[n] = (n % 60 == 59) ? '.' : (char)('a' + (n * 7 + i) % 26);
		n++;
	}
	snprintf(out + n, len - n, "x.example");
}

static void
test_attrib(void)
{
	struct attrib *a = attrib_new(0, S(10), 1);
	struct netaddr vm, vm2, ip, ip6;
	struct attrib_result r;

	netaddr_parse("192.168.83.2", &vm);
	netaddr_parse("192.168.83.3", &vm2);
	netaddr_parse("149.154.167.220", &ip);
	netaddr_parse("2001:67c:4e8:f004::9", &ip6);
	attrib_lookup(a, &vm, &ip, S(100), S(10), &r);
	is_int(r.state, ATTRIB_NONE, "nothing known: none");

	attrib_add(a, &vm, &ip, "api.telegram.org", 7, S(100), 60);
	attrib_lookup(a, &vm, &ip, S(150), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.n == 1 && r.c[0].query_id == 7, "within TTL: valid");
	attrib_lookup(a, &vm, &ip, S(165), S(10), &r);
	is_int(r.state, ATTRIB_VALID, "within grace: valid");
	attrib_lookup(a, &vm, &ip, S(200), S(10), &r);
	ok(r.state == ATTRIB_STALE && r.n == 1, "past TTL + grace: stale, name kept");
	attrib_lookup(a, &vm2, &ip, S(150), S(10), &r);
	is_int(r.state, ATTRIB_NONE, "another client was not given it");

	attrib_add(a, &vm, &ip, "cdn.example", 8, S(140), 600);
	attrib_lookup(a, &vm, &ip, S(150), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.n == 2, "shared IP keeps both names");
	is_str(r.c[0].name, "cdn.example", "newest answer first");
	attrib_lookup(a, &vm, &ip, S(300), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.n == 1, "only still-valid names when any is valid");
	is_str(r.c[0].name, "cdn.example", "the valid one");

	attrib_add(a, &vm, &ip, "api.telegram.org", 9, S(290), 60);
	attrib_lookup(a, &vm, &ip, S(300), S(10), &r);
	is_int(r.n, 2, "refreshed answer valid again");

	attrib_add(a, &vm, &ip6, "api.telegram.org", 10, S(300), 60);
	attrib_lookup(a, &vm, &ip6, S(310), S(10), &r);
	ok(r.state == ATTRIB_VALID && r.c[0].query_id == 10, "IPv6");

	for (int i = 0; i < 12; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.example", i);
		attrib_add(a, &vm, &ip, name, 100 + i, S(400 + i), 60);
	}
	attrib_lookup(a, &vm, &ip, S(412), S(10), &r);
	is_int(r.n, ATTRIB_MAX_NAMES, "at most %d names per address", ATTRIB_MAX_NAMES);

	attrib_free(a);
}

/* A flood of long names, each for many addresses: the map stays in its budget. */
static void
test_budget(void)
{
	const size_t budget = 1u << 20;
	struct attrib *a = attrib_new(budget, S(10), 42);
	struct netaddr vm, ip;
	size_t most = 0;
	unsigned pairs = 0;
	char name[300];
	int failed = 0;

	netaddr_parse("192.168.83.2", &vm);
	for (unsigned n = 0; n < 20000; n++) {
		long_name(name, sizeof(name), n, 250);
		for (unsigned k = 0; k < 8; k++) {   /* 8 addresses per name, 8 names per address */
			addr(&ip, (n / 8) * 8 + k);
			failed |= attrib_add(a, &vm, &ip, name, n, S(1000 + n / 100), 3600) < 0;
			if (attrib_bytes(a) > most)
				most = attrib_bytes(a);
		}
		pairs = (n / 8) * 8 + 8;
	}
	ok(!failed, "every answer recorded");
	ok(most <= budget, "the map never held more than its budget: %zu of %zu bytes", most,
	   budget);
	ok(attrib_evictions(a) > 0, "it evicted to stay there: %llu pairs",
	   (unsigned long long)attrib_evictions(a));
	is_int((long long)(attrib_size(a) + attrib_evictions(a)), pairs,
	       "every pair is either held or counted as evicted");
	/* the newest answers are the ones kept */
	long_name(name, sizeof(name), 19999, 250);
	addr(&ip, 19999);
	{
		struct attrib_result r;
		bool has = false;

		attrib_lookup(a, &vm, &ip, S(1200), S(10), &r);
		for (int i = 0; i < r.n; i++)
			has |= strcmp(r.c[i].name, name) == 0;
		ok(r.state == ATTRIB_VALID && r.n == 8 && has, "the latest answers are held");
		addr(&ip, 0);
		attrib_lookup(a, &vm, &ip, S(1200), S(10), &r);
		ok(r.state == ATTRIB_NONE && r.evicted, "an evicted pair: none, and says evicted");
	}
	attrib_free(a);
}

/* One long name over many addresses is held once. */
static void
test_interned(void)
{
	struct attrib *a = attrib_new(8u << 20, S(10), 7);
	struct netaddr vm, ip;
	char name[1100];
	size_t before;

	netaddr_parse("192.168.83.2", &vm);
	memset(name, 'a', 1000);
	strcpy(name + 1000, ".example");
	before = attrib_bytes(a);
	for (unsigned i = 0; i < 1000; i++) {
		addr(&ip, i);
		attrib_add(a, &vm, &ip, name, i, S(100), 60);
	}
	ok(attrib_bytes(a) - before < 1000 * 200,
	   "1000 addresses of one 1 KB name: %zu bytes, the name held once",
	   attrib_bytes(a) - before);
	attrib_free(a);
}

/* Past the budget, answers that expired go before valid ones, the longest expired
 * first; a valid answer survives while expired ones are left to evict, and then the
 * valid ones go, the one answered longest ago first. */
static void
test_eviction_order(void)
{
	struct attrib *a = attrib_new(0, S(10), 3);  /* the smallest budget */
	struct netaddr vm, valid, ip;
	struct attrib_result r;
	char name[300];
	unsigned i;

	netaddr_parse("192.168.83.2", &vm);
	netaddr_parse("198.51.100.3", &valid);
	/* 100 answers that expire one after the other, from 20 s to 119 s (grace 10 s) */
	for (i = 0; i < 100; i++) {
		addr(&ip, 100000 + i);
		long_name(name, sizeof(name), 100000 + i, 200);
		attrib_add(a, &vm, &ip, name, i, S(i), 10);
	}
	attrib_add(a, &vm, &valid, "api.telegram.org", 2, S(0), 100000);
	for (i = 0; attrib_evictions(a) == 0 && i < 100000; i++) {
		addr(&ip, i);
		long_name(name, sizeof(name), i, 200);
		attrib_add(a, &vm, &ip, name, 1000 + i, S(1000), 600);
	}
	ok(attrib_evictions(a) > 0 && attrib_evictions(a) < 100,
	   "the budget was reached after %u answers: %llu evicted", i,
	   (unsigned long long)attrib_evictions(a));
	addr(&ip, 100000);
	attrib_lookup(a, &vm, &ip, S(1000), S(10), &r);
	ok(r.state == ATTRIB_NONE && r.evicted, "the answer that expired first went first");
	addr(&ip, 100099);
	attrib_lookup(a, &vm, &ip, S(1000), S(10), &r);
	ok(r.state == ATTRIB_STALE, "the one that expired last is still there");
	attrib_lookup(a, &vm, &valid, S(1000), S(10), &r);
	ok(r.state == ATTRIB_VALID, "and so is the valid answer given before all of them");
	/* go on until only valid answers are left to evict */
	for (; i < 20000; i++) {
		addr(&ip, i);
		long_name(name, sizeof(name), i, 200);
		attrib_add(a, &vm, &ip, name, 1000 + i, S(1000 + i), 600);
	}
	addr(&ip, 100099);
	attrib_lookup(a, &vm, &ip, S(1000), S(10), &r);
	ok(r.state == ATTRIB_NONE && r.evicted, "then the one that expired last");
	attrib_lookup(a, &vm, &valid, S(1000), S(10), &r);
	ok(r.state == ATTRIB_NONE && r.evicted,
	   "and once only valid answers are left, the one answered longest ago");
	addr(&ip, 19999);
	attrib_lookup(a, &vm, &ip, S(20999), S(10), &r);
	ok(r.state == ATTRIB_VALID, "the latest stays");
	ok(attrib_bytes(a) <= 64u << 10, "within the smallest budget: %zu bytes",
	   attrib_bytes(a));
	attrib_free(a);
}

int
main(void)
{
	test_attrib();
	test_budget();
	test_interned();
	test_eviction_order();
	return done_testing();
}
