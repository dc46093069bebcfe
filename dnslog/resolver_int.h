/* resolver_int: the resolver's state, shared by the three files that make it up and
 * internal to them: resolver.c (the query path, libunbound, the thread), dnsudp.c (UDP
 * batches) and dnstcp.c (TCP connections). Everyone else uses resolver.h. All of it
 * belongs to the resolver thread once resolver_start has run. */
#ifndef OCA_RESOLVER_INT_H
#define OCA_RESOLVER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "dnsmsg.h"
#include "common/netaddr.h"
#include "resolver.h"

#define UDP_BATCH 32
#define UDP_BUF 4096           /* larger datagrams are truncated by the kernel: dropped */

struct dnstcp_conn;
struct event;
struct event_base;
struct pending;
struct ratelimit;
struct rcache;
struct ub_ctx;

struct resolver {
	const struct conf *c;
	struct queue *q;
	struct stats *st;
	struct event_base *base;
	struct ub_ctx *ub;
	int udp_fd, tcp_fd, stop_fd;
	struct event *udp_ev, *tcp_ev, *stop_ev;
	struct event *addr_ev;          /* while the listen address is missing (resolver.c) */
	pthread_t thread;
	bool started, stopped;
	struct ratelimit *rl;
	struct ratelimit *refused_rl;
	struct pending *pending, *orphans;
	unsigned n_pending;
	struct dnstcp_conn *conns;      /* open TCP connections (dnstcp.c) */
	unsigned n_conns, tcp_cap;   /* TCP connections open, and at most (tcp_max_connections,
	                                lowered if file descriptors are short) */
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	uint8_t (*ubuf)[UDP_BUF];
	/* replies from the reply cache, sent with one sendmmsg per received batch */
	bool in_batch;
	unsigned n_out;
	struct mmsghdr out_mm[UDP_BATCH];
	struct iovec out_iov[UDP_BATCH];
	struct sockaddr_storage out_to[UDP_BATCH];
	uint8_t out_buf[UDP_BATCH][DNSMSG_UDP_MIN];
	struct rcache *cache;
	bool warned_send, warned_pending, warned_accept;
};

/* Take one query of len bytes from peer through the whole path (allow_from, rate limit,
 * parse, reply memo, libunbound); transport is DNS_UDP or DNS_TCP, conn the connection
 * it came on (NULL for UDP). msg is only read during the call. Errors are answered,
 * counted and logged here; there is nothing to return. */
void resolver_query(struct resolver *r, const uint8_t *msg, size_t len,
                    const struct sockaddr_storage *peer, socklen_t peerlen,
                    uint8_t transport, struct dnstcp_conn *conn);

/* The client address and port of ss (an IPv4-mapped IPv6 address as IPv4); family 0
 * and port 0 for anything but AF_INET/AF_INET6. */
void resolver_peer(const struct sockaddr_storage *ss, struct netaddr *a, uint16_t *port);

/* True if a is inside [dns] allow_from. */
bool resolver_allowed(const struct resolver *r, const struct netaddr *a);

#endif
