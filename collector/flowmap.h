/* flowmap: the core's memory of the VM's flows, by 5-tuple: the connection row NFLOG
 * made for the flow and the destination row its bytes count in. The capture's hellos
 * and byte records come separately from NFLOG's connections (another reader, later);
 * this joins them without a query per record. It is only a cache: a flow not found here
 * is looked up in the connections table, and one pushed out of the full table is
 * looked up again. FLOWMAP_SLOTS entries, FLOWMAP_PROBE probed per key: a key goes
 * into a free slot of its window, else over the least recently used one. Pure.
 *
 * An entry may outlive its flow: one the capture folded into an aggregate (a few
 * packets, capture/flowagg.h) sends no byte record that would delete it, so it stays
 * until the LRU pushes it out, and the next flow of the same 5-tuple (a client port used
 * again) finds it. So an entry keeps its connection's time (conn_us), and a hello, which
 * carries its flow's first packet, takes only a connection that did not come before that
 * packet (corecap.c: hello_span, the one rule, for this map and the connections table):
 * a hello that reaches the core before its own flow's connection (NFLOG is another
 * reader) is held for it instead of taking the earlier flow's. Byte records take the
 * entry as it is: the new flow's connection replaces the old one's when it comes, before
 * the flow's first byte record as a rule (a flow's bytes go out when it ends or its slot
 * does). */
#ifndef OCA_FLOWMAP_H
#define OCA_FLOWMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/netaddr.h"

#define FLOWMAP_SLOTS 16384
#define FLOWMAP_PROBE 8

struct flowkey {
	struct netaddr client, server;
	uint16_t cport, sport;
	uint8_t proto;
};

struct flowinfo {
	int64_t conn_id;               /* 0 = no connection row */
	int64_t dest_id;               /* 0 = not resolved yet */
	int64_t conn_us;               /* the connection's time: its first packet's (wall) */
	uint32_t held;                 /* the core's held hello of the flow: its slot + 1 */
};

struct flowmap;

/* An empty map. seed varies the hash per process. NULL on out of memory. */
struct flowmap *flowmap_new(uint64_t seed);
void flowmap_free(struct flowmap *m);

/* The flow's entry (marked used at now_us: monotonic, so a step of the wall clock does
 * not make new flows look oldest), or NULL. Valid until the next put. */
struct flowinfo *flowmap_get(struct flowmap *m, const struct flowkey *k, int64_t now_us);

/* The flow's entry, made (zeroed) if it is not there. Never NULL. k's client is an
 * address (family 4 or 6): a slot whose key has none is free. */
struct flowinfo *flowmap_put(struct flowmap *m, const struct flowkey *k, int64_t now_us);

/* Forget one flow (it ended), or all of them (their rows were rolled back). */
void flowmap_del(struct flowmap *m, const struct flowkey *k);
void flowmap_clear(struct flowmap *m);

size_t flowmap_size(const struct flowmap *m);

#endif
