/* Link, network and transport headers of a captured frame. See capdecode.h. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "capdecode.h"

#define ETH_IP4 0x0800
#define ETH_IP6 0x86dd

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The transport header at l4 (cap bytes captured, wire bytes on the wire). */
static enum capdecode_result
transport(const uint8_t *l4, size_t cap, size_t wire, struct capdecode *d)
{
	size_t hl;

	switch (d->proto) {
	case IPPROTO_TCP:
		if (cap < 20)
			return CAPD_SHORT;
		hl = (size_t)(l4[12] >> 4) * 4;
		if (hl < 20 || hl > wire)
			return CAPD_BAD;
		if (cap < hl)
			return CAPD_SHORT;
		d->sport = get16(l4);
		d->dport = get16(l4 + 2);
		d->tcp_seq = get32(l4 + 4);
		d->tcp_flags = l4[13];
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (cap < 8)
			return CAPD_SHORT;
		if (wire < 8)
			return CAPD_BAD;
		hl = 8;
		d->sport = get16(l4);
		d->dport = get16(l4 + 2);
		break;
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		if (cap < 4)
			return CAPD_SHORT;
		hl = 0;
		d->sport = get16(l4);
		d->dport = get16(l4 + 2);
		break;
	default:
		hl = 0;
		break;
	}
	d->l4_len = (uint32_t)(wire - hl);
	d->payload = l4 + hl;
	d->payload_len = cap - hl < d->l4_len ? cap - hl : d->l4_len;
	return CAPD_OK;
}

static enum capdecode_result
ipv4(const uint8_t *p, size_t cap, size_t wire, struct capdecode *d)
{
	size_t ihl, tot;

	if (cap < 20)
		return CAPD_SHORT;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	/* the header's length, unless the frame was shorter (a lie, or a cut we do not count)
	 * or it says 0 (segmentation offload): what was on the wire is the authority */
	if (tot == 0 || tot > wire)
		tot = wire;
	if (ihl < 20 || tot < ihl)
		return CAPD_BAD;
	if (cap < ihl)
		return CAPD_SHORT;
	netaddr_from_bytes(&d->src, 4, p + 12);
	netaddr_from_bytes(&d->dst, 4, p + 16);
	d->proto = p[9];
	d->ip_len = (uint32_t)tot;
	if (get16(p + 6) & 0x1fff) {    /* only the first fragment carries the ports */
		d->fragment = true;
		return CAPD_OK;
	}
	if (cap > tot)
		cap = tot;                  /* Ethernet padding is not the packet's */
	return transport(p + ihl, cap - ihl, tot - ihl, d);
}

static enum capdecode_result
ipv6(const uint8_t *p, size_t cap, size_t wire, struct capdecode *d)
{
	size_t off = 40, tot;
	uint8_t next;

	if (cap < 40)
		return CAPD_SHORT;
	tot = 40 + (size_t)get16(p + 4);
	if ((tot == 40 && wire > 40) || tot > wire)
		tot = wire;                 /* jumbogram or offload, or a header that lies */
	netaddr_from_bytes(&d->src, 6, p + 8);
	netaddr_from_bytes(&d->dst, 6, p + 24);
	d->ip_len = (uint32_t)(tot > UINT32_MAX ? UINT32_MAX : tot);
	next = p[6];
	if (cap > tot)
		cap = tot;
	/* the extension header chain, bounded in count and by what was captured */
	for (int hops = 0;; hops++) {
		size_t len;

		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
		    next != IPPROTO_FRAGMENT && next != IPPROTO_AH)
			break;
		if (hops == 8)
			return CAPD_BAD;
		if (cap < off + 8)
			return CAPD_SHORT;
		if (next == IPPROTO_FRAGMENT) {
			if (get16(p + off + 2) & 0xfff8) {
				d->proto = p[off];
				d->fragment = true;
				return CAPD_OK;
			}
			len = 8;
		} else if (next == IPPROTO_AH) {
			len = ((size_t)p[off + 1] + 2) * 4;
		} else {
			len = ((size_t)p[off + 1] + 1) * 8;
		}
		next = p[off];
		off += len;
		if (off > tot)
			return CAPD_BAD;
	}
	d->proto = next;
	if (cap < off)
		return CAPD_SHORT;
	return transport(p + off, cap - off, tot - off, d);
}

enum capdecode_result
capdecode(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen, struct capdecode *d)
{
	size_t l2;
	uint16_t type;

	memset(d, 0, sizeof(*d));
	if (wirelen < caplen)
		wirelen = caplen;
	switch (dlt) {
	case CAPDECODE_DLT_EN10MB:
		if (caplen < 14)
			return CAPD_SHORT;
		l2 = 14;
		type = get16(frame + 12);
		for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
			if (caplen < l2 + 4)
				return CAPD_SHORT;
			type = get16(frame + l2 + 2);
			l2 += 4;
		}
		break;
	case CAPDECODE_DLT_LINUX_SLL:
		if (caplen < 16)
			return CAPD_SHORT;
		l2 = 16;
		type = get16(frame + 14);
		break;
	case CAPDECODE_DLT_LINUX_SLL2:
		if (caplen < 20)
			return CAPD_SHORT;
		l2 = 20;
		type = get16(frame);
		break;
	case CAPDECODE_DLT_RAW:
		l2 = 0;
		type = caplen && (frame[0] >> 4) == 6 ? ETH_IP6 : ETH_IP4;
		break;
	default:
		return CAPD_LINKTYPE;
	}
	if (type == ETH_IP4 && (caplen == l2 || (frame[l2] >> 4) == 4))
		return ipv4(frame + l2, caplen - l2, wirelen - l2, d);
	if (type == ETH_IP6 && (caplen == l2 || (frame[l2] >> 4) == 6))
		return ipv6(frame + l2, caplen - l2, wirelen - l2, d);
	if (type == ETH_IP4 || type == ETH_IP6)
		return CAPD_BAD;
	return CAPD_NOT_IP;
}
