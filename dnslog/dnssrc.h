/* dnssrc: the interface between the resolver and its transports. A transport (dnsudp.c,
 * dnstcp.c) reads a query, describes where it came from in a dnssrc and hands both to
 * its dnssink; the resolver is that sink, and answers through the transport the source
 * names. Neither side sees the other's state. */
#ifndef OCA_DNSSRC_H
#define OCA_DNSSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/netaddr.h"

struct dnstcp_conn;

/* Where one query came from, and when. */
struct dnssrc {
	uint8_t transport;              /* DNS_UDP or DNS_TCP (common/event.h) */
	struct sockaddr_storage peer;   /* where the reply goes */
	socklen_t peerlen;
	struct netaddr client;          /* the peer's address and port, for the record */
	uint16_t cport;
	struct dnstcp_conn *conn;       /* the connection it came on; NULL for UDP */
	int64_t ts_us;                  /* wall clock when it was read, for the record */
	int64_t t0_us;                  /* monotonic clock then (queue_mono_us): latency */
};

/* What a transport hands its queries to. */
struct dnssink {
	/* One query of len bytes from src. msg and src are only read during the call. */
	void (*query)(void *arg, const uint8_t *msg, size_t len, const struct dnssrc *src);
	/* Whether client may use the resolver ([dns] allow_from): TCP connections from
	 * anyone else are closed at once, so outsiders cannot hold connection slots. */
	bool (*allowed)(void *arg, const struct netaddr *client);
	void *arg;
};

/* Fill s for a query on transport from peer (peerlen bytes), conn being its TCP
 * connection or NULL: the client as an address and port (an IPv4-mapped IPv6 address as
 * IPv4; family 0 and port 0 for anything but AF_INET/AF_INET6). Times are not set. */
void dnssrc_set(struct dnssrc *s, uint8_t transport, const struct sockaddr_storage *peer,
                socklen_t peerlen, struct dnstcp_conn *conn);

/* Stamp s with the time now, both clocks: call as a query is read. */
void dnssrc_stamp(struct dnssrc *s);

#endif
