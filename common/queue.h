/* queue: the one bounded queue between the readers (producers) and the core thread
 * (the only consumer). A full queue refuses the push at once: readers never stall on
 * the database; the producer counts the refusal as a loss and frees what it owned. */
#ifndef OCA_QUEUE_H
#define OCA_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* DNS events and hellos are sized by what the VM sent and was told, up to the caps of
 * dns_event_pack and hello_event_pack (event.h): some 12 KiB for DNS, 1.6 KiB for a
 * hello. The queue refuses an event (counted like a full queue) that would take its
 * bytes past QUEUE_BYTES: its slots in use (sizeof(struct event) each, whatever
 * [collector] queue_size allows) and the heap blocks of the events in them. It wakes the
 * writer once half of it is used. So a stalled writer cannot cost more memory than that
 * whatever the VM does: it is part of the daemon's 64 MiB (README, "Memory"). That is
 * the default queue_size's 65 536 connection events (168-byte slots: a burst of NFLOG's
 * top rate while the writer commits, bench/README, NFLOG) and half a MiB more, or some
 * 30 000 DNS events of a typical size (a slot and a ~200-byte block each). */
#define QUEUE_BYTES (11u << 20)

struct queue;

/* A queue holding at most capacity events. NULL on out of memory. */
struct queue *queue_new(size_t capacity);

/* Free the queue and the heap blocks of the events still in it. */
void queue_free(struct queue *q);

/* Copy *ev into the queue; on success the queue owns its heap block (ev->u.dns,
 * ev->u.hello, ev->u.cmd, ev->u.sensor). Returns 0, or -1 when the queue is full
 * (capacity events, or a heap block past the queue's byte budget for them) or
 * closed; the caller still owns everything then (event_free). Thread-safe. */
int queue_push(struct queue *q, const struct event *ev);

/* queue_push of a command (a sensor state): a heap copy of *c (*s) goes into the queue,
 * freed here if it is refused. Returns 0, or -1 (full, closed, out of memory). */
int queue_push_cmd(struct queue *q, const struct cmd_event *c);
int queue_push_sensor(struct queue *q, const struct sensor_event *s);

/* Move up to max events into out (the caller then owns them). If the queue is empty,
 * waits until the queue is closed, the monotonic clock passes deadline_us (0 = do not
 * wait), or enough events for a batch are waiting; events that arrive meanwhile are
 * taken at the deadline. Returns how many were moved. Only one consumer. */
size_t queue_pop(struct queue *q, struct event *out, size_t max, int64_t deadline_us);

/* Refuse further pushes and wake the consumer. What is queued can still be popped. */
void queue_close(struct queue *q);

bool queue_is_closed(struct queue *q);

/* Events queued now, and the most ever queued at once. */
size_t queue_depth(struct queue *q);
size_t queue_high_water(struct queue *q);

/* CLOCK_MONOTONIC in microseconds, the clock queue_pop deadlines use. */
int64_t queue_mono_us(void);

#endif
