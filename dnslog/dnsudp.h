/* dnsudp: the resolver's UDP socket. Queries are read with recvmmsg, UDP_BATCH at a
 * time, and the small replies sent while a batch is being handled (the reply memo's,
 * the error replies) leave together in one sendmmsg: on a cache hit the system calls,
 * not the lookup, are the cost. Works on the loop's thread only. */
#ifndef OCA_DNSUDP_H
#define OCA_DNSUDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/stats.h"
#include "dnssrc.h"

struct dnsudp;
struct event_base;

/* Read queries from fd (a bound, non-blocking UDP socket, still the caller's to close)
 * on base's loop and hand each to sink (copied; sink->arg must outlive it); truncated
 * datagrams are counted in st as malformed and dropped. Returns NULL if out of memory
 * or the loop refuses the event. */
struct dnsudp *dnsudp_new(struct event_base *base, int fd, const struct dnssink *sink,
                          struct stats *st);

/* Send a reply of len bytes to to->peer: batched if a batch is being handled and it
 * fits DNSMSG_UDP_MIN, else at once. Returns false if an immediate send failed (the
 * first failure is logged); a batched one counts as sent (if its sendmmsg fails, it is
 * counted as unanswered in st and logged once). */
bool dnsudp_send(struct dnsudp *u, const struct dnssrc *to, const uint8_t *msg,
                 size_t len);

/* Stop reading and free u (not its socket). NULL is fine. */
void dnsudp_free(struct dnsudp *u);

#endif
