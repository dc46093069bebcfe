/* capdecode: one captured frame, link layer to transport payload. Pure and bounds-checked:
 * the bytes come from the VM.
 *
 * It keeps what collector/pktdecode (the NFLOG decoder, which starts at the IP header and
 * fills a connection event) does not give: the link layers libpcap hands over on Linux,
 * the TCP sequence number and header length, where the payload starts, and the lengths
 * the headers announce. Lengths come in two kinds: what the packet was on the wire (from
 * its IP header, so a frame cut by the snap length still counts whole) and what was
 * captured (what a parser may read). */
#ifndef OCA_CAPDECODE_H
#define OCA_CAPDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/netaddr.h"

/* The link types read (libpcap's DLT_ numbers as pcap_datalink returns them on Linux). */
#define CAPDECODE_DLT_EN10MB 1         /* Ethernet, with up to two VLAN tags */
#define CAPDECODE_DLT_RAW 12           /* bare IPv4/IPv6 */
#define CAPDECODE_DLT_LINUX_SLL 113    /* Linux cooked v1 ("any" device) */
#define CAPDECODE_DLT_LINUX_SLL2 276   /* Linux cooked v2 */

enum capdecode_result {
	CAPD_OK = 0,
	CAPD_LINKTYPE,     /* a link type not listed above */
	CAPD_NOT_IP,       /* ARP, LLDP and the like: not for us */
	CAPD_SHORT,        /* cut before the transport header's ports (snap length, or runt) */
	CAPD_BAD,          /* headers that contradict each other */
};

struct capdecode {
	struct netaddr src, dst;
	uint8_t proto;                 /* IPPROTO_* of the transport */
	bool fragment;                 /* a later IP fragment: no transport header, no ports */
	uint16_t sport, dport;         /* TCP, UDP, SCTP, UDP-Lite, DCCP; else 0 */
	uint8_t tcp_flags;
	uint32_t tcp_seq;
	uint32_t ip_len;               /* the IP packet's length on the wire */
	uint32_t l4_len;               /* transport payload on the wire (0 if unknown) */
	const uint8_t *payload;        /* transport payload as captured, into the frame */
	size_t payload_len;            /* <= l4_len: bytes past the snap length are absent */
};

/* Decode a frame of caplen captured bytes (wirelen on the wire) of link type dlt into *d.
 * On CAPD_OK every field is set; on CAPD_SHORT the addresses and ip_len may be (family
 * non-zero) so the bytes can still be counted. */
enum capdecode_result capdecode(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
                                struct capdecode *d);

#endif
