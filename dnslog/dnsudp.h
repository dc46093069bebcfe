/* dnsudp: the resolver's UDP socket. Queries are read with recvmmsg, UDP_BATCH at a
 * time, and replies from the reply memo made while a batch is being handled leave
 * together in one sendmmsg: on a cache hit the system calls, not the lookup, are the
 * cost. Part of the resolver: it works on struct resolver (resolver_int.h), on its
 * thread only. */
#ifndef OCA_DNSUDP_H
#define OCA_DNSUDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/util.h>

struct resolver;

/* Point r's receive headers at its buffers (r->ubuf, already allocated). */
void dnsudp_init(struct resolver *r);

/* The UDP socket's read callback (arg: the resolver): reads batches until the socket
 * is drained or UDP_ROUNDS batches are done (the loop's other events must run too),
 * hands each datagram to resolver_query, and flushes the batched replies after each
 * batch. Truncated datagrams are counted as malformed and dropped. */
void dnsudp_read(evutil_socket_t fd, short what, void *arg);

/* Send a reply of len bytes to to: batched if a batch is being handled and it fits
 * DNSMSG_UDP_MIN, else at once. Returns false if an immediate send failed; a batched
 * one counts as sent (a failed sendmmsg is logged once, then skipped). */
bool dnsudp_send_small(struct resolver *r, const struct sockaddr_storage *to,
                       socklen_t tolen, const uint8_t *msg, size_t len);

#endif
