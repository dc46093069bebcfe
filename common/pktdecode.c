#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "pktdecode.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The transport header at pkt[off..len). */
static void
transport(const uint8_t *pkt, size_t len, size_t off, uint8_t proto, struct conn_event *ev)
{
	const uint8_t *t = pkt + off;
	size_t avail = off <= len ? len - off : 0;

	ev->has_ports = ev->has_icmp = 0;
	switch (proto) {
	case IPPROTO_TCP:
		if (avail >= 14)
			ev->tcp_flags = t[13];
		/* fall through */
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		if (avail >= 4) {
			ev->sport = get16(t);
			ev->dport = get16(t + 2);
			ev->has_ports = 1;
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (avail >= 2) {
			ev->icmp_type = t[0];
			ev->icmp_code = t[1];
			ev->has_icmp = 1;
		}
		break;
	default:
		break;
	}
}

static enum pktdecode_result
ipv4(const uint8_t *pkt, size_t len, struct conn_event *ev)
{
	size_t ihl, tot;
	uint16_t frag;

	if (len < 20)
		return PKT_SHORT;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	tot = get16(pkt + 2);
	if (ihl < 20 || ihl > len || tot < ihl)
		return PKT_BADHDR;
	netaddr_from_bytes(&ev->src, 4, pkt + 12);
	netaddr_from_bytes(&ev->dst, 4, pkt + 16);
	ev->proto = pkt[9];
	ev->pkt_len = (uint16_t)tot;
	frag = get16(pkt + 6) & 0x1fff;
	ev->has_ports = ev->has_icmp = 0;
	ev->tcp_flags = 0;
	if (frag == 0)  /* only the first fragment carries the transport header */
		transport(pkt, len < tot ? len : tot, ihl, ev->proto, ev);
	return PKT_OK;
}

static enum pktdecode_result
ipv6(const uint8_t *pkt, size_t len, struct conn_event *ev)
{
	size_t off = 40, plen;
	uint8_t next;
	int hops = 0;

	if (len < 40)
		return PKT_SHORT;
	plen = get16(pkt + 4);
	netaddr_from_bytes(&ev->src, 6, pkt + 8);
	netaddr_from_bytes(&ev->dst, 6, pkt + 24);
	next = pkt[6];
	ev->pkt_len = (uint16_t)(plen + 40 > 0xffff ? 0xffff : plen + 40);
	ev->has_ports = ev->has_icmp = 0;
	ev->tcp_flags = 0;
	/* Walk the extension headers, bounded in count and by the bytes copied. */
	for (;;) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 8 > len || ++hops > 8)
				goto unknown;
			next = pkt[off];
			off += ((size_t)pkt[off + 1] + 1) * 8;
			continue;
		case IPPROTO_AH:
			if (off + 8 > len || ++hops > 8)
				goto unknown;
			next = pkt[off];
			off += ((size_t)pkt[off + 1] + 2) * 4;
			continue;
		case IPPROTO_FRAGMENT:
			if (off + 8 > len || ++hops > 8)
				goto unknown;
			next = pkt[off];
			if (get16(pkt + off + 2) & 0xfff8) {  /* not the first fragment */
				ev->proto = next;
				return PKT_OK;
			}
			off += 8;
			continue;
		default:
			ev->proto = next;
			transport(pkt, len, off, next, ev);
			return PKT_OK;
		}
	}
unknown:
	/* the chain runs past what was copied: the protocol is the last header named */
	ev->proto = next;
	return PKT_OK;
}

enum pktdecode_result
pktdecode(const uint8_t *pkt, size_t len, struct conn_event *ev)
{
	if (len < 1)
		return PKT_SHORT;
	switch (pkt[0] >> 4) {
	case 4:
		return ipv4(pkt, len, ev);
	case 6:
		return ipv6(pkt, len, ev);
	default:
		return PKT_VERSION;
	}
}

const char *
pktdecode_strerror(enum pktdecode_result r)
{
	switch (r) {
	case PKT_OK: return "ok";
	case PKT_SHORT: return "packet too short";
	case PKT_VERSION: return "not IPv4 or IPv6";
	case PKT_BADHDR: return "inconsistent IP header";
	}
	return "unknown";
}

