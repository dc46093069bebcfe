/* nflogread: the NFLOG reader. Binds the nftables log group, decodes every logged packet
 * into a connection event and pushes it onto the queue, in its own thread.
 *
 * Loss accounting: the group is bound with per-instance sequence numbers, so a gap in
 * them counts exactly the messages the kernel built but could not deliver (nflog_gap).
 * ENOBUFS (socket buffer overrun) is never fatal: the buffer grows up to a cap, the
 * overrun is counted (nflog_enobufs), and reading goes on. */
#ifndef OCA_NFLOGREAD_H
#define OCA_NFLOGREAD_H

#include <stddef.h>

#include "common/queue.h"
#include "common/stats.h"

struct nflogread;

/* Bind NFLOG group (needs CAP_NET_ADMIN). q and st are the caller's and must outlive the
 * reader. Returns NULL with a one-line reason in err. */
struct nflogread *nflogread_open(unsigned group, struct queue *q, struct stats *st,
                                 char *err, size_t errlen);

/* Start the reader thread. Returns 0, or -1 with errno. */
int nflogread_start(struct nflogread *r);

/* Stop reading: wait for what the kernel has batched, take everything already in the
 * socket, push it, and join the thread. */
void nflogread_stop(struct nflogread *r);

/* Unbind and free. */
void nflogread_close(struct nflogread *r);

#endif
