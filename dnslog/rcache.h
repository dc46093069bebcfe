/* rcache: a short-lived memo of finished replies in front of libunbound. libunbound is
 * the resolver and the cache; what costs on a cache hit is everything around it (its
 * mesh, the ldns parse and re-encoding for the client, the allocations). A reply that
 * fits any client (at most 512 bytes, no TC, NOERROR or NXDOMAIN, every answer TTL >= 1,
 * at most 1 KiB of answer text)
 * is kept for at most one second, keyed by the question (case-insensitive) and the
 * client's EDNS and DO bits, and replayed with the next client's ID, flags and
 * question bytes. TTLs are therefore up to one second stale. Pure: the caller passes
 * the time. */
#ifndef OCA_RCACHE_H
#define OCA_RCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dnsmsg.h"

#define RCACHE_MAX_AGE_US 1000000

struct rcache;

/* A cache of slots entries (rounded up to a power of two). NULL on out of memory. */
struct rcache *rcache_new(size_t slots);
void rcache_free(struct rcache *c);

/* Remember the reply wire (len bytes, built for q by dnsmsg_build_reply) with its rcode
 * and the answers it gave, if it qualifies (see above). Copies everything. */
void rcache_put(struct rcache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
                int rcode, const struct dns_answer *ans, size_t n_ans, int64_t now_us);

/* If a reply for q's question is cached and younger than RCACHE_MAX_AGE_US and its
 * TTLs, write it for q into out (outlen >= DNSMSG_UDP_MIN) and return its length, with
 * its rcode in *rcode and its answers in *ans and *n_ans: the cache's own, valid until
 * the next call on c. Returns 0 on a miss. */
size_t rcache_get(struct rcache *c, const struct dnsq *q, int64_t now_us, uint8_t *out,
                  size_t outlen, int *rcode, const struct dns_answer **ans, size_t *n_ans);

#endif
