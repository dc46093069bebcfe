/* ratelimit: the per-client token buckets, their bounded table, and the one shared
 * bucket for REFUSED replies. */
#include "config.h"

#include "common/netaddr.h"
#include "dnslog/ratelimit.h"
#include "tap.h"

static void
test_ratelimit(void)
{
	struct ratelimit *rl = ratelimit_new(10, 10);
	struct netaddr a, b;
	int allowed = 0;

	netaddr_parse("192.168.83.2", &a);
	netaddr_parse("192.168.83.3", &b);
	for (int i = 0; i < 100; i++)
		allowed += ratelimit_allow(rl, &a, 1000000);
	is_int(allowed, 10, "a burst of 10 at once");
	ok(ratelimit_allow(rl, &b, 1000000), "another client has its own bucket");
	ok(!ratelimit_allow(rl, &a, 1000000 + 50000), "50 ms later: not yet");
	ok(ratelimit_allow(rl, &a, 1000000 + 100000), "100 ms later: one more");
	allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += ratelimit_allow(rl, &a, 100000000);
	is_int(allowed, 10, "refilled up to the burst, not beyond");
	/* many sources: the table stays bounded and new clients are still served */
	for (int i = 0; i < 20000; i++) {
		struct netaddr x = { 6, { 0x20, 0x01, 0x0d, 0xb8 } };

		x.a[14] = (uint8_t)(i >> 8);
		x.a[15] = (uint8_t)i;
		ratelimit_allow(rl, &x, 200000000);
	}
	ok(ratelimit_allow(rl, &b, 200000001), "a client after a spoofed flood is served");
	ratelimit_free(rl);

	/* the resolver's one bucket for every outsider's REFUSED reply: the zero address
	 * is a key like any other (it once matched no slot, so nothing was ever limited) */
	rl = ratelimit_new(50, 50);
	allowed = 0;
	for (int i = 0; i < 1000; i++)
		allowed += ratelimit_allow(rl, &(struct netaddr){ 0 }, 1000000);
	is_int(allowed, 50, "one shared bucket (the zero address): 50 of 1000 at once");
	ratelimit_free(rl);

	rl = ratelimit_new(0, 0);
	allowed = 0;
	for (int i = 0; i < 1000; i++)
		allowed += ratelimit_allow(rl, &a, 0);
	is_int(allowed, 1000, "rate 0: no limit");
	ratelimit_free(rl);
}

int
main(void)
{
	test_ratelimit();
	return done_testing();
}
