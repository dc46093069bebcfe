/* ratelimit: a token bucket per client address, in a fixed-size table so that a flood
 * from many (spoofed) sources costs no memory: when the table is full the least recently
 * seen client in the probed slots is forgotten. Pure: the caller passes the time. */
#ifndef OCA_RATELIMIT_H
#define OCA_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/netaddr.h"

struct ratelimit;

/* A limiter allowing rate queries per second per client, bursts up to burst.
 * rate 0 = no limit. NULL on out of memory. Free with ratelimit_free. */
struct ratelimit *ratelimit_new(unsigned rate, unsigned burst);
void ratelimit_free(struct ratelimit *rl);

/* Take one token for client a at monotonic time now_us. True if allowed. */
bool ratelimit_allow(struct ratelimit *rl, const struct netaddr *a, int64_t now_us);

#endif
