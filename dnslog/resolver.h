/* resolver: the embedded DNS resolver the VM uses. Answers on [dns] listen (UDP and
 * TCP), refuses clients outside allow_from without resolving anything, resolves through
 * libunbound's asynchronous event API on the resolver thread's own libevent loop (no
 * forked worker, no extra thread), and turns every query and its answer into a
 * dns_event pushed onto the queue. It never waits on the queue: a full queue is a
 * counted loss, the client still gets its answer. */
#ifndef OCA_RESOLVER_H
#define OCA_RESOLVER_H

#include <stddef.h>

#include "common/conf.h"
#include "common/event.h"
#include "common/netaddr.h"
#include "common/queue.h"
#include "common/stats.h"

struct resolver;

/* Bind the UDP and TCP sockets of c->dns_addr:c->dns_port (port 53 needs privilege, so
 * this runs before the threads start) and set up libunbound (forwarders, or full
 * recursion when c has none). c, q and st must outlive the resolver. Returns NULL with
 * a one-line reason in err. */
struct resolver *resolver_open(const struct conf *c, struct queue *q, struct stats *st,
                               char *err, size_t errlen);

/* Called on the resolver thread with every answer that carries records, before it
 * leaves (a reply replayed from the memo too): the client, the name as asked
 * (presentation form), and the records the client is given. The answer is sent when it
 * returns; the records are the caller's. */
typedef void (*resolver_answer_fn)(void *ctx, const struct netaddr *client,
                                   const char *qname, const struct dns_answer *ans,
                                   size_t n_ans);

/* Set the answer hook (enforce mode). Call before resolver_start. */
void resolver_set_answer_hook(struct resolver *r, resolver_answer_fn fn, void *ctx);

/* Start answering on the resolver thread. Returns 0, or -1 with errno. */
int resolver_start(struct resolver *r);

/* Stop answering, push an event (no answer: rcode -1) for every query still being
 * resolved, and join the thread. Safe on NULL or a resolver never started. */
void resolver_stop(struct resolver *r);

/* Close the sockets and free everything. NULL is fine. */
void resolver_close(struct resolver *r);

#endif
