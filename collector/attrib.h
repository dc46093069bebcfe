/* attrib: the attribution map, (client, ip) -> the names that client was given that ip
 * for, each with the answer's time, TTL and query row. Fed by every A/AAAA answer, read
 * for every connection. Pure: no I/O, no clock (times are passed in).
 *
 * Every time here is the monotonic clock's (the events' mono_us, taken where each event
 * was received): a TTL compares an answer with a connection, and the wall clock stepped
 * between the two (a day forward: every live answer expired, false direct-ip findings; a
 * day back: stale answers alive) must not change what they compare to.
 *
 * Bounded by bytes, whatever the VM resolves: names are interned (one copy however many
 * addresses they gave), and past the budget the map evicts, the answers that expired
 * longest ago first, then the least recently answered. Evictions are counted, and the
 * pairs evicted are remembered in a fixed bitmap, so a connection to an address whose
 * answer was evicted can say so instead of passing for one no answer ever gave. */
#ifndef OCA_ATTRIB_H
#define OCA_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/netaddr.h"

#define ATTRIB_MAX_NAMES 8
/* The smallest budget attrib_new accepts; less is raised to it. */
#define ATTRIB_MIN_BUDGET (64u << 10)

enum attrib_state { ATTRIB_NONE = 0, ATTRIB_VALID = 1, ATTRIB_STALE = 2 };

struct attrib_cand {
	const char *name;        /* the name the client asked for; owned by the map */
	int64_t query_id;        /* dns_queries row of the answer */
	int64_t answered_us;     /* monotonic */
	uint32_t ttl;
	bool valid;              /* still within TTL + grace at lookup time */
};

struct attrib_result {
	enum attrib_state state;
	bool evicted;            /* NONE, but an answer for this pair may have been evicted */
	int n;                   /* valid candidates only when state is VALID */
	struct attrib_cand c[ATTRIB_MAX_NAMES];
};

struct attrib;

/* A map that holds at most budget bytes (its own structures and the names; at least
 * ATTRIB_MIN_BUDGET). An answer counts as expired grace_us after its TTL ran out. seed
 * keys the hash tables (a random value, so the VM cannot choose addresses or names that
 * collide). NULL on out of memory. */
struct attrib *attrib_new(size_t budget, int64_t grace_us, uint64_t seed);
void attrib_free(struct attrib *a);

/* Record that client was given ip in an answer to its query for name at answered_us
 * (monotonic) with ttl. The same name again refreshes the entry. May evict others to stay within
 * the budget. Returns 0, or -1 (out of memory: nothing recorded). */
int attrib_add(struct attrib *a, const struct netaddr *client, const struct netaddr *ip,
               const char *name, int64_t query_id, int64_t answered_us, uint32_t ttl);

/* The names client had for ip at ts_us (monotonic). An answer is valid from grace_us before it was
 * given (clock skew between readers) to ttl + grace_us after. Pointers in out stay valid
 * until the next attrib_add. */
void attrib_lookup(const struct attrib *a, const struct netaddr *client,
                   const struct netaddr *ip, int64_t ts_us, int64_t grace_us,
                   struct attrib_result *out);

/* Number of (client, ip) pairs held, and the bytes they and their names take. */
size_t attrib_size(const struct attrib *a);
size_t attrib_bytes(const struct attrib *a);

/* (client, ip) pairs evicted so far to stay within the budget. */
uint64_t attrib_evictions(const struct attrib *a);

#endif
