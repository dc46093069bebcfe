/* flowagg: byte records of flows too small to be worth a row each, folded into one
 * record per destination and slot. A hostile VM can open flows far faster than the
 * collector can store rows: a SYN scan, a UDP spray, or a flood of one-packet flows is
 * one NFLOG connection row per flow already, and a byte record of its own per flow
 * would be a second row as costly. Such a flow says nothing its connection row does not
 * (a few packets, no name, no reply or no data), so its bytes, packets and a count of flows are added
 * to its destination's aggregate (client, server, server port, protocol, slot): the
 * bytes per destination and per hour stay exact, a connection's own bytes go. Which
 * flows fold is capture.c's decision; this holds the table.
 *
 * The table holds at most max aggregates (the capture's CAPTURE_FOLD_MAX): a record
 * that finds it full is refused, and the caller emits it on its own as before, so a
 * full table loses nothing (it only stores more rows). Found through a hash keyed by a
 * seed the VM does not know. Pure: no I/O, no clock. */
#ifndef OCA_FLOWAGG_H
#define OCA_FLOWAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"

struct flowagg;

/* An empty table of at most max aggregates (1 .. 1 << 20), its hash keyed by seed.
 * NULL on a bad max or out of memory. */
struct flowagg *flowagg_new(size_t max, uint64_t seed);
void flowagg_free(struct flowagg *a);

/* Add flow record b (one flow's whole life, in slot b->slot_us) to its destination's
 * aggregate, made if new. Returns true, or false when the table is full and b is not
 * in it (the caller keeps b as it is). */
bool flowagg_add(struct flowagg *a, const struct capture_bytes *b);

/* Hand every aggregate to emit (in the order they were made; key.cport 0, why
 * CAPTURE_FOLDED, flows how many were added), then empty the table. emit must not call
 * back into a. */
void flowagg_drain(struct flowagg *a, void (*emit)(void *arg, const struct capture_bytes *b),
                   void *arg);

/* Aggregates held now. */
size_t flowagg_count(const struct flowagg *a);

#endif
