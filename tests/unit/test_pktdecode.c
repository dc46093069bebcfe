#include "config.h"

#include <netinet/in.h>

#include "common/pktdecode.h"
#include "tap.h"

/* IPv4 TCP SYN 192.168.83.2:40000 -> 198.51.100.2:443 */
static const uint8_t v4_tcp[] = {
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	192, 168, 83, 2, 198, 51, 100, 2,
	0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0,
	0, 0, 0, 0,
};

/* IPv6 hop-by-hop, then UDP 2001:db8::2:5353 -> 2001:db8::53:53 */
static const uint8_t v6_udp[] = {
	0x60, 0, 0, 0, 0x00, 0x10, 0x00, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
	17, 0, 1, 4, 0, 0, 0, 0,                   /* hop-by-hop: next UDP, len 8 */
	0x14, 0xe9, 0x00, 0x35, 0x00, 0x08, 0, 0,  /* UDP */
};

/* IPv4 ICMP echo 192.168.83.2 -> 198.51.100.2 */
static const uint8_t v4_icmp[] = {
	0x45, 0x00, 0x00, 0x1c, 0, 0, 0, 0, 0x40, 0x01, 0, 0,
	192, 168, 83, 2, 198, 51, 100, 2,
	8, 0, 0, 0, 0, 1, 0, 1,
};

int
main(void)
{
	struct conn_event ev = { 0 };
	char buf[NETADDR_STRLEN];
	uint8_t pkt[64];

	is_int(pktdecode(v4_tcp, sizeof(v4_tcp), &ev), PKT_OK, "IPv4 TCP");
	is_str(netaddr_format(&ev.src, buf, sizeof(buf)), "192.168.83.2", "src");
	is_str(netaddr_format(&ev.dst, buf, sizeof(buf)), "198.51.100.2", "dst");
	is_int(ev.proto, IPPROTO_TCP, "proto");
	ok(ev.has_ports && ev.sport == 40000 && ev.dport == 443, "ports");
	is_int(ev.tcp_flags, 0x02, "SYN");
	is_int(ev.pkt_len, 60, "length");

	is_int(pktdecode(v4_tcp, 22, &ev), PKT_OK, "cut in the TCP header is still a packet");
	ok(!ev.has_ports, "but without ports");

	is_int(pktdecode(v6_udp, sizeof(v6_udp), &ev), PKT_OK, "IPv6 with extension header");
	is_str(netaddr_format(&ev.dst, buf, sizeof(buf)), "2001:db8::53", "v6 dst");
	is_int(ev.proto, IPPROTO_UDP, "UDP found past hop-by-hop");
	ok(ev.has_ports && ev.sport == 5353 && ev.dport == 53, "v6 ports");

	is_int(pktdecode(v4_icmp, sizeof(v4_icmp), &ev), PKT_OK, "ICMP");
	ok(ev.has_icmp && ev.icmp_type == 8 && !ev.has_ports, "ICMP type, no ports");

	is_int(pktdecode(v4_tcp, 10, &ev), PKT_SHORT, "short IPv4");
	is_int(pktdecode(v6_udp, 39, &ev), PKT_SHORT, "short IPv6");
	is_int(pktdecode(v4_tcp, 0, &ev), PKT_SHORT, "empty");
	memcpy(pkt, v4_tcp, sizeof(v4_tcp));
	pkt[0] = 0x55;
	is_int(pktdecode(pkt, sizeof(v4_tcp), &ev), PKT_VERSION, "version 5");
	pkt[0] = 0x44;
	is_int(pktdecode(pkt, sizeof(v4_tcp), &ev), PKT_BADHDR, "IHL below 5");
	pkt[0] = 0x4f;
	is_int(pktdecode(pkt, sizeof(v4_tcp), &ev), PKT_BADHDR, "IHL past the bytes copied");
	memcpy(pkt, v4_tcp, sizeof(v4_tcp));
	pkt[6] = 0x00;
	pkt[7] = 0x10;  /* fragment offset 16: no transport header here */
	is_int(pktdecode(pkt, sizeof(v4_tcp), &ev), PKT_OK, "later fragment");
	ok(!ev.has_ports, "later fragment has no ports");

	memcpy(pkt, v6_udp, sizeof(v6_udp));
	pkt[41] = 200;  /* hop-by-hop claims 1608 bytes */
	is_int(pktdecode(pkt, sizeof(v6_udp), &ev), PKT_OK, "extension running past the copy");
	ok(!ev.has_ports, "no ports invented");
	return done_testing();
}
