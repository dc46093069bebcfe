/* dnstcp: the resolver's DNS over TCP. Connections are accepted from allow_from only
 * and up to a cap at once, carry length-prefixed queries (several in flight, up to a
 * pipeline cap), close after an idle timeout or when a message misses its deadline, and
 * buffer at most a fixed amount of output for a client that does not read. Works on the
 * loop's thread only. */
#ifndef OCA_DNSTCP_H
#define OCA_DNSTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/stats.h"
#include "dnssrc.h"

#define DNSTCP_MSG_MAX 65535    /* the 2-byte length prefix */

struct dnstcp;
struct dnstcp_conn;
struct event_base;

/* Accept connections on fd (a listening, non-blocking socket, still the caller's to
 * close) on base's loop: at most cap open at once ([dns] tcp_max_connections, perhaps
 * lowered: dnslisten_tcp_cap), each closed after idle_s seconds without a query, or
 * (counted in st as STAT_DNS_TCP_TIMEOUT) when a query does not arrive whole within
 * msg_s seconds of its first byte or its answers are not all read within msg_s seconds
 * of the output last being empty ([dns] tcp_message_timeout); their complete queries
 * handed to sink (copied; sink->arg must outlive it) with the connection in the source.
 * A connection it cannot set up (out of memory, over the cap, an outsider by
 * sink->allowed) is closed at once and counted in st. Returns NULL if out of memory or
 * the loop refuses the event. */
struct dnstcp *dnstcp_new(struct event_base *base, int fd, unsigned cap, unsigned idle_s,
                          unsigned msg_s, const struct dnssink *sink, struct stats *st);

/* Queue one reply on c with its length prefix. Returns false, queueing nothing, if c
 * is closed or closing, len is over DNSTCP_MSG_MAX, or the client leaves too much
 * output unread (c is then closed). */
bool dnstcp_send(struct dnstcp_conn *c, const uint8_t *msg, size_t len);

/* A query read from c is now resolving: c stays allocated, even once its socket is
 * closed, until the matching dnstcp_release or dnstcp_abandon. */
void dnstcp_hold(struct dnstcp_conn *c);

/* That query is finished (answered or not): reading resumes if it had paused at the
 * pipeline cap, c closes if the client is done and everything was written, and c is
 * freed if its socket was already closed and nothing else holds it. */
void dnstcp_release(struct dnstcp_conn *c);

/* The same hold dropped after the loop has stopped: only frees c if its socket is
 * closed and nothing else holds it; nothing is resumed or closed. */
void dnstcp_abandon(struct dnstcp_conn *c);

/* Close every open connection's socket now (outside the connections' callbacks:
 * when the loop has stopped or before it started). Connections still held linger.
 * NULL is fine. */
void dnstcp_close_all(struct dnstcp *t);

/* Stop accepting, close every connection's socket (dnstcp_close_all) and free t; not
 * the listening socket, nor connections still held. NULL is fine. */
void dnstcp_free(struct dnstcp *t);

#endif
