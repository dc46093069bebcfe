/* dnstcp: the resolver's DNS over TCP. Connections are accepted from allow_from only
 * and up to [dns] tcp_max_connections at once, carry length-prefixed queries (several
 * in flight, up to a pipeline cap), close after [dns] tcp_idle_timeout idle seconds,
 * and buffer at most a fixed amount of output for a client that does not read. Part of
 * the resolver: it works on struct resolver (resolver_int.h), on its thread only. */
#ifndef OCA_DNSTCP_H
#define OCA_DNSTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#define DNSTCP_MSG_MAX 65535    /* the 2-byte length prefix */

struct dnstcp_conn;
struct resolver;

/* The listening socket's read callback (arg: the resolver): accepts up to 64 waiting
 * connections per wakeup; their complete queries then go to resolver_query. A
 * connection it cannot set up (out of memory, over the cap, an outsider) is closed at
 * once. */
void dnstcp_accept(evutil_socket_t fd, short what, void *arg);

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
 * when the loop has stopped or before it started). Connections still held linger. */
void dnstcp_close_all(struct resolver *r);

#endif
