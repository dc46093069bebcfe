#include "config.h"

#include "common/netaddr.h"
#include "tap.h"

int
main(void)
{
	struct netaddr a, b;
	struct cidr c;
	uint16_t port;
	char err[256], buf[NETADDR_STRLEN];

	ok(netaddr_parse("192.168.83.2", &a) == 0 && a.family == 4, "IPv4");
	is_str(netaddr_format(&a, buf, sizeof(buf)), "192.168.83.2", "IPv4 format");
	ok(netaddr_parse("2001:db8::1", &a) == 0 && a.family == 6, "IPv6");
	is_str(netaddr_format(&a, buf, sizeof(buf)), "2001:db8::1", "IPv6 format");
	ok(netaddr_parse("api.telegram.org", &a) < 0, "names are not addresses");
	ok(netaddr_parse("192.168.83.256", &a) < 0, "octet out of range");

	ok(cidr_parse("192.168.83.0/24", &c, err, sizeof(err)) == 0 && c.bits == 24, "cidr");
	netaddr_parse("192.168.83.2", &a);
	netaddr_parse("192.168.84.2", &b);
	ok(cidr_contains(&c, &a), "inside");
	ok(!cidr_contains(&c, &b), "outside");
	netaddr_parse("::ffff:192.168.83.2", &b);
	ok(!cidr_contains(&c, &b), "an IPv6 address is not inside an IPv4 prefix");
	ok(cidr_parse("192.168.83.1/24", &c, err, sizeof(err)) < 0, "host bits refused");
	ok(strstr(err, "host bits") != NULL, "error says why: %s", err);
	ok(cidr_parse("192.168.83.0/33", &c, err, sizeof(err)) < 0, "/33 refused");
	ok(cidr_parse("192.168.83.0/", &c, err, sizeof(err)) < 0, "empty prefix refused");
	ok(cidr_parse("10.0.0.0/8x", &c, err, sizeof(err)) < 0, "junk refused");
	ok(cidr_parse("fd00::/8", &c, err, sizeof(err)) == 0 && c.bits == 8, "IPv6 cidr");
	netaddr_parse("fd12::1", &a);
	ok(cidr_contains(&c, &a), "IPv6 inside");
	ok(cidr_parse("0.0.0.0/0", &c, err, sizeof(err)) == 0, "/0");
	netaddr_parse("8.8.8.8", &a);
	ok(cidr_contains(&c, &a), "/0 holds everything");
	ok(cidr_parse("192.168.83.2", &c, err, sizeof(err)) == 0 && c.bits == 32, "bare = /32");

	ok(hostport_parse("192.168.83.1:53", ':', 0, &a, &port, err, sizeof(err)) == 0 &&
	   port == 53, "addr:port");
	ok(hostport_parse("127.0.0.1", ':', 8383, &a, &port, err, sizeof(err)) == 0 &&
	   port == 8383, "default port");
	ok(hostport_parse("[::1]:8383", ':', 0, &a, &port, err, sizeof(err)) == 0 &&
	   a.family == 6 && port == 8383, "[v6]:port");
	ok(hostport_parse("::1", ':', 53, &a, &port, err, sizeof(err)) == 0 && port == 53,
	   "bare v6 with ':' separator");
	ok(hostport_parse("1.1.1.1@5353", '@', 53, &a, &port, err, sizeof(err)) == 0 &&
	   port == 5353, "addr@port");
	ok(hostport_parse("2001:db8::53@5353", '@', 53, &a, &port, err, sizeof(err)) == 0 &&
	   port == 5353 && a.family == 6, "v6@port");
	ok(hostport_parse("1.1.1.1:0", ':', 53, &a, &port, err, sizeof(err)) < 0, "port 0");
	ok(hostport_parse("1.1.1.1:65536", ':', 53, &a, &port, err, sizeof(err)) < 0,
	   "port too big");
	ok(hostport_parse("one.one:53", ':', 53, &a, &port, err, sizeof(err)) < 0, "name");
	netaddr_parse("::1", &a);
	is_str(hostport_format(&a, 8383, buf, sizeof(buf)), "[::1]:8383", "format v6");
	return done_testing();
}
