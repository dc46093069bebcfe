/* A ring of fixed-size event slots under one mutex. Connection events are copied by
 * value, so the hot path allocates nothing. The consumer sleeps on a condition variable
 * when the ring is empty, until its deadline (the writer's batch timer) or until
 * QUEUE_WAKE events are waiting: producers do not pay a futex wake-up per event, and
 * the consumer wakes to whole batches. Closing wakes it at once. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "queue.h"

#define QUEUE_WAKE 256

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct event *ring;
	size_t cap, head, len, high;
	bool closed, waiting;
};

int64_t
queue_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct queue *
queue_new(size_t capacity)
{
	struct queue *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (!q || capacity == 0)
		goto fail;
	if (!(q->ring = calloc(capacity, sizeof(*q->ring))))
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

void
queue_free(struct queue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->len; i++) {
		struct event *ev = &q->ring[(q->head + i) % q->cap];
		if (ev->type == EV_DNS)
			dns_event_free(ev->u.dns);
	}
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->ring);
	free(q);
}

int
queue_push(struct queue *q, const struct event *ev)
{
	bool wake;

	pthread_mutex_lock(&q->mu);
	if (q->closed || q->len == q->cap) {
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	q->ring[(q->head + q->len) % q->cap] = *ev;
	q->len++;
	if (q->len > q->high)
		q->high = q->len;
	wake = q->waiting && (q->len >= QUEUE_WAKE || q->len == q->cap);
	pthread_mutex_unlock(&q->mu);
	if (wake)
		pthread_cond_signal(&q->cv);
	return 0;
}

size_t
queue_pop(struct queue *q, struct event *out, size_t max, int64_t deadline_us)
{
	struct timespec ts = { (time_t)(deadline_us / 1000000), (long)(deadline_us % 1000000) * 1000 };
	size_t n = 0;

	pthread_mutex_lock(&q->mu);
	while (q->len == 0 && !q->closed && deadline_us > 0 && queue_mono_us() < deadline_us) {
		q->waiting = true;
		if (pthread_cond_timedwait(&q->cv, &q->mu, &ts) == ETIMEDOUT)
			break;
	}
	q->waiting = false;
	while (n < max && q->len > 0) {
		out[n++] = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
	pthread_mutex_unlock(&q->mu);
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
