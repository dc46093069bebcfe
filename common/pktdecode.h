/* pktdecode: an IP packet (the one an NFLOG message carries, or a captured one)
 * decoded into a connection event. Pure and bounds-checked: the bytes come from the
 * VM. */
#ifndef OCA_PKTDECODE_H
#define OCA_PKTDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum pktdecode_result {
	PKT_OK = 0,
	PKT_SHORT = -1,      /* too short for an IP header */
	PKT_VERSION = -2,    /* not IPv4 or IPv6 */
	PKT_BADHDR = -3,     /* header length or total length inconsistent */
};

/* Decode src, dst, proto, ports or ICMP type/code, TCP flags and length from an IPv4 or
 * IPv6 packet (network header first) of len bytes into ev; other fields of ev are left
 * as they are. A transport header cut off by the copy range leaves has_ports and
 * has_icmp at 0 and still returns PKT_OK. */
enum pktdecode_result pktdecode(const uint8_t *pkt, size_t len, struct conn_event *ev);

/* A short English name for a result. */
const char *pktdecode_strerror(enum pktdecode_result r);

#endif
