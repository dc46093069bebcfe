/* A FIFO of fixed-size event slots under one mutex. Connection events are copied by
 * value, so the hot path allocates nothing. The slots live in chunks of QCHUNK events,
 * mapped when the queue grows into them and unmapped when the consumer has emptied them
 * (one spare is kept so a queue hovering at a chunk edge does not map and unmap in
 * turn): memory follows the depth, not the capacity, so a 65 536-event bound costs
 * nothing until a burst needs it and is given back after. A chunk that cannot be mapped
 * makes the push fail like a full queue (the producer counts it). The consumer sleeps
 * on a condition variable when the queue is empty, until its deadline (the writer's
 * batch timer) or until QUEUE_WAKE events are waiting: producers do not pay a futex
 * wake-up per event, and the consumer wakes to whole batches. Closing wakes it at
 * once. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "queue.h"

#define QUEUE_WAKE 256
#define QCHUNK 512

struct qchunk {
	struct qchunk *next;
	struct event ev[QCHUNK];
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct qchunk *head, *tail, *spare;   /* pop from head, push into tail */
	struct qchunk *unmap;                 /* emptied, to unmap outside the lock */
	size_t hi, ti;                        /* next slot to pop in head, to fill in tail */
	size_t cap, len, high;
	size_t heap_bytes;                    /* held by the queued events' heap blocks */
	bool closed, waiting;
};

int64_t
queue_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct qchunk *
chunk_new(struct queue *q)
{
	struct qchunk *c = q->spare;

	if (c) {
		q->spare = NULL;
	} else {
		c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		         -1, 0);
		if (c == MAP_FAILED)
			return NULL;
	}
	c->next = NULL;
	return c;
}

/* An emptied chunk: kept as the spare, or parked for queue_pop to unmap once it has
 * let go of the lock (munmap's TLB shootdown should not hold up the producers). */
static void
chunk_done(struct queue *q, struct qchunk *c)
{
	if (!q->spare) {
		q->spare = c;
	} else {
		c->next = q->unmap;
		q->unmap = c;
	}
}

static void
unmap_all(struct qchunk *c)
{
	while (c) {
		struct qchunk *next = c->next;

		munmap(c, sizeof(*c));
		c = next;
	}
}

struct queue *
queue_new(size_t capacity)
{
	struct queue *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (!q || capacity == 0)
		goto fail;
	q->cap = capacity;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	return q;
fail:
	free(q);
	return NULL;
}

/* The oldest event; the queue must not be empty. Moves past it. */
static struct event
take(struct queue *q)
{
	struct event ev = q->head->ev[q->hi++];

	q->heap_bytes -= event_heap_bytes(&ev);

	if (--q->len == 0) {
		/* empty: start again at the top of the head chunk (it is the tail too) */
		q->hi = q->ti = 0;
	} else if (q->hi == QCHUNK) {
		struct qchunk *done = q->head;

		q->head = done->next;
		q->hi = 0;
		chunk_done(q, done);
	}
	return ev;
}

void
queue_free(struct queue *q)
{
	if (!q)
		return;
	while (q->len > 0) {
		struct event ev = take(q);

		event_free(&ev);
	}
	if (q->head)
		munmap(q->head, sizeof(*q->head));
	if (q->spare)
		munmap(q->spare, sizeof(*q->spare));
	unmap_all(q->unmap);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int
queue_push(struct queue *q, const struct event *ev)
{
	size_t dsize = event_heap_bytes(ev);
	bool wake;

	pthread_mutex_lock(&q->mu);
	if (q->closed || q->len == q->cap ||
	    (q->len + 1) * sizeof(struct event) + q->heap_bytes + dsize > QUEUE_BYTES) {
		wake = q->waiting && q->len > 0;   /* full of big events: let them go */
		pthread_mutex_unlock(&q->mu);
		if (wake)
			pthread_cond_signal(&q->cv);
		return -1;
	}
	if (!q->tail || q->ti == QCHUNK) {
		struct qchunk *c = chunk_new(q);

		if (!c) {
			pthread_mutex_unlock(&q->mu);
			return -1;
		}
		if (q->tail)
			q->tail->next = c;
		else
			q->head = c;
		q->tail = c;
		q->ti = 0;
	}
	q->tail->ev[q->ti++] = *ev;
	q->heap_bytes += dsize;
	q->len++;
	if (q->len > q->high)
		q->high = q->len;
	wake = q->waiting && (q->len >= QUEUE_WAKE || q->len == q->cap ||
	                      q->len * sizeof(struct event) + q->heap_bytes >= QUEUE_BYTES / 2);
	pthread_mutex_unlock(&q->mu);
	if (wake)
		pthread_cond_signal(&q->cv);
	return 0;
}

/* Push ev, which made (event_cmd, event_sensor: 0 or -1) filled with a block of its
 * own: freed here if the queue refuses it. */
static int
push_block(struct queue *q, struct event *ev, int made)
{
	if (made < 0)
		return -1;
	if (queue_push(q, ev) < 0) {
		event_free(ev);
		return -1;
	}
	return 0;
}

int
queue_push_cmd(struct queue *q, const struct cmd_event *c)
{
	struct event ev;

	return push_block(q, &ev, event_cmd(&ev, c));
}

int
queue_push_sensor(struct queue *q, const struct sensor_event *s)
{
	struct event ev;

	return push_block(q, &ev, event_sensor(&ev, s));
}

size_t
queue_pop(struct queue *q, struct event *out, size_t max, int64_t deadline_us)
{
	struct timespec ts = { (time_t)(deadline_us / 1000000), (long)(deadline_us % 1000000) * 1000 };
	struct qchunk *done;
	size_t n = 0;

	pthread_mutex_lock(&q->mu);
	while (q->len == 0 && !q->closed && deadline_us > 0 && queue_mono_us() < deadline_us) {
		q->waiting = true;
		if (pthread_cond_timedwait(&q->cv, &q->mu, &ts) == ETIMEDOUT)
			break;
	}
	q->waiting = false;
	while (n < max && q->len > 0)
		out[n++] = take(q);
	done = q->unmap;
	q->unmap = NULL;
	pthread_mutex_unlock(&q->mu);
	unmap_all(done);
	return n;
}

void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	pthread_mutex_unlock(&q->mu);
	pthread_cond_broadcast(&q->cv);
}

bool
queue_is_closed(struct queue *q)
{
	bool c;

	pthread_mutex_lock(&q->mu);
	c = q->closed;
	pthread_mutex_unlock(&q->mu);
	return c;
}

size_t
queue_depth(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->len;
	pthread_mutex_unlock(&q->mu);
	return n;
}

size_t
queue_high_water(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->high;
	pthread_mutex_unlock(&q->mu);
	return n;
}
