#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/queue.h"
#include "tap.h"

#define PER_PRODUCER 100000

static struct queue *q;
static long refused;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* The resolver's side: packed DNS events, each with its number in its name and answers
 * (some long), pushed until the consumer has them. */
static void *
dns_producer(void *arg)
{
	char name[64], data[700];
	struct dns_answer a[2] = { { name, 1, 60, data }, { name, 5, 60, data } };

	(void)arg;
	for (int i = 0; i < PER_PRODUCER; i++) {
		struct event ev = { .type = EV_DNS };
		size_t dlen = i % 10 == 0 ? 600 : 8;

		snprintf(name, sizeof(name), "n%d.example", i);
		memset(data, 'a' + i % 26, dlen);
		data[dlen] = '\0';
		ev.u.dns = dns_event_pack(&(struct dns_event){
			.ts_us = i, .qname = name, .n_answers = 1 + (size_t)(i % 2), .answers = a });
		while (ev.u.dns && queue_push(q, &ev) < 0)
			sched_yield();
	}
	return NULL;
}

/* Push a DNS event with 1 MiB of answer, which its packing cuts to the most an event
 * keeps (about 8 KiB); 0, or -1 if the queue refused it. */
static int
push_big(void)
{
	static char big[1 << 20];
	struct dns_answer a = { "big.example", 16, 60, big };
	struct event ev = { .type = EV_DNS };

	if (!big[0])
		memset(big, 'x', sizeof(big) - 1);
	ev.u.dns = dns_event_pack(&(struct dns_event){
		.qname = "big.example", .n_answers = 1, .answers = &a });
	if (queue_push(q, &ev) == 0)
		return 0;
	dns_event_free(ev.u.dns);
	return -1;
}

/* A consumer that would sleep 10 s for a batch of QUEUE_WAKE events. */
static size_t sleepy_got;
static int64_t sleepy_waited_us;

static void *
sleepy_consumer(void *arg)
{
	struct event got[16];
	int64_t t0 = queue_mono_us();

	(void)arg;
	sleepy_got = queue_pop(q, got, 16, t0 + 10000000);
	sleepy_waited_us = queue_mono_us() - t0;
	for (size_t i = 0; i < sleepy_got; i++)
		if (got[i].type == EV_DNS)
			dns_event_free(got[i].u.dns);
	return NULL;
}

static void *
producer(void *arg)
{
	long bad = 0;

	for (int i = 0; i < PER_PRODUCER; i++) {
		struct event ev = { .type = EV_CONN };

		ev.u.conn.sport = (uint16_t)(uintptr_t)arg;
		ev.u.conn.ts_us = i;
		if (queue_push(q, &ev) < 0)
			bad++;
	}
	pthread_mutex_lock(&mu);
	refused += bad;
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* What a packed DNS event keeps of its answers: EVENT_DNS_ANSWERS_MAX records and
 * EVENT_DNS_ANSWER_BYTES of their text, marked truncated past that. */
static void
test_pack_caps(void)
{
	static struct dns_answer many[200];
	static char big[1 << 16], longname[1000];
	struct dns_answer txt = { "t.example", 16, 60, big };
	struct dns_event *d;
	size_t text = 0;

	memset(longname, 'a', sizeof(longname) - 1);
	for (int i = 0; i < 200; i++)
		many[i] = (struct dns_answer){ "m.example", 1, 60, "198.51.100.1" };
	d = dns_event_pack(&(struct dns_event){ .qname = "m.example", .n_answers = 8,
	                                        .answers = many });
	ok(d && d->n_answers == 8 && !d->truncated, "8 records: kept whole");
	dns_event_free(d);
	d = dns_event_pack(&(struct dns_event){ .qname = "m.example", .n_answers = 200,
	                                        .answers = many });
	ok(d && d->n_answers == EVENT_DNS_ANSWERS_MAX && d->truncated,
	   "200 records: the first %d kept, truncated", EVENT_DNS_ANSWERS_MAX);
	dns_event_free(d);

	memset(big, 'x', sizeof(big) - 1);
	d = dns_event_pack(&(struct dns_event){ .qname = "t.example", .n_answers = 1,
	                                        .answers = &txt });
	ok(d && d->n_answers == 1 && d->truncated && strlen(d->answers[0].data) > 8000 &&
	   strlen(d->answers[0].name) + strlen(d->answers[0].data) == EVENT_DNS_ANSWER_BYTES,
	   "a 64 KiB TXT record: cut to %d bytes, truncated", EVENT_DNS_ANSWER_BYTES);
	ok(d && d->size < EVENT_DNS_ANSWER_BYTES + 1024, "the event is %u bytes",
	   d ? d->size : 0);
	dns_event_free(d);

	/* long owner names: whole records as long as they fit, an address never cut */
	for (int i = 0; i < 20; i++)
		many[i] = (struct dns_answer){ longname, 28, 60, "2001:db8:ffff:ffff:ffff:ffff:ffff:fff1" };
	d = dns_event_pack(&(struct dns_event){ .qname = "l.example", .n_answers = 20,
	                                        .answers = many });
	for (size_t i = 0; d && i < d->n_answers; i++)
		text += strlen(d->answers[i].name) + strlen(d->answers[i].data);
	ok(d && d->truncated && d->n_answers == 8 && text <= EVENT_DNS_ANSWER_BYTES &&
	   strcmp(d->answers[7].data, many[0].data) == 0,
	   "20 records of 1 KB names: %zu kept in %zu bytes, the last cut in its name only",
	   d ? d->n_answers : 0, text);
	dns_event_free(d);
}

int
main(void)
{
	struct event ev = { .type = EV_CONN }, out[16];
	pthread_t th[2];
	long got = 0, last[2] = { -1, -1 }, order_ok = 1;
	struct dns_event *d;

	q = queue_new(4);
	is_int(queue_pop(q, out, 16, 0), 0, "empty queue pops nothing without waiting");
	for (int i = 0; i < 4; i++)
		ok(queue_push(q, &ev) == 0, "push %d", i);
	ok(queue_push(q, &ev) < 0, "full queue refuses at once");
	is_int(queue_depth(q), 4, "depth");
	is_int(queue_pop(q, out, 3, 0), 3, "pop at most max");
	is_int(queue_pop(q, out, 16, queue_mono_us() + 1000), 1, "pop the rest");
	int64_t t0 = queue_mono_us();
	is_int(queue_pop(q, out, 16, t0 + 20000), 0, "timed pop returns empty");
	ok(queue_mono_us() - t0 >= 15000, "and waited for the deadline");
	d = dns_event_pack(&(struct dns_event){ .qname = "a.example", .qname_len = 0 });
	ev.type = EV_DNS;
	ev.u.dns = d;
	ok(queue_push(q, &ev) == 0, "DNS event queued");
	queue_close(q);
	ok(queue_push(q, &ev) < 0, "closed queue refuses");
	ok(queue_is_closed(q), "closed");
	queue_free(q);  /* frees the queued DNS event: ASan would see a leak otherwise */

	/* one producer, one consumer, in the same thread: FIFO across the chunks the queue
	 * maps and unmaps as it grows and drains, refusal exactly at capacity, and a free
	 * with DNS events left in several chunks */
	{
		long next_in = 0, next_out = 0, bad = 0;

		q = queue_new(3000);
		for (int round = 0; round < 40; round++) {
			int push = round % 3 == 0 ? 2900 : 300 + round * 13;

			for (int i = 0; i < push; i++) {
				ev = (struct event){ .type = EV_CONN };
				ev.u.conn.ts_us = next_in;
				if (queue_push(q, &ev) == 0)
					next_in++;
			}
			/* drain down to 100 left, a few at a time */
			while (next_in - next_out > 100) {
				size_t want = 1 + (size_t)round % 16, n;

				if ((long)want > next_in - next_out - 100)
					want = (size_t)(next_in - next_out - 100);
				if ((n = queue_pop(q, out, want, 0)) == 0)
					break;
				for (size_t i = 0; i < n; i++)
					bad += out[i].u.conn.ts_us != next_out++;
			}
		}
		for (size_t n; (n = queue_pop(q, out, 16, 0)) > 0;)
			for (size_t i = 0; i < n; i++)
				bad += out[i].u.conn.ts_us != next_out++;
		is_int(bad, 0, "FIFO over %ld events through growing and draining", next_in);
		is_int(next_out, next_in, "every event out once");
		ev = (struct event){ .type = EV_CONN };
		for (int i = 0; i < 3000; i++)
			bad += queue_push(q, &ev) != 0;
		ok(bad == 0 && queue_push(q, &ev) < 0, "refused exactly past capacity");
		is_int(queue_pop(q, out, 16, 0), 16, "pop some");
		for (int i = 0; i < 1200; i++) {
			ev = (struct event){ .type = EV_DNS };
			ev.u.dns = dns_event_pack(&(struct dns_event){ .qname = "b.example" });
			if (queue_push(q, &ev) < 0)
				dns_event_free(ev.u.dns);
		}
		queue_free(q);  /* ASan: the DNS events in the last chunks are freed */
	}

	/* big DNS events (1 MiB of answer each): refused past the byte budget long before
	 * the event count, and accepted again once the writer has taken some */
	{
		int taken = 0, fit = (int)(QUEUE_BYTES / (8192 + sizeof(struct event)));

		q = queue_new(65536);
		for (int i = 0; i < 4000; i++)
			taken += push_big() == 0;
		ok(taken >= fit * 9 / 10 && taken <= fit * 11 / 10,
		   "the biggest DNS events: %d of 4000 taken (~%d fit)", taken, fit);
		for (size_t n = queue_pop(q, out, 10, 0), i = 0; i < n; i++)
			dns_event_free(out[i].u.dns);
		ok(push_big() == 0, "room again after the writer took 10");
		ev = (struct event){ .type = EV_CONN };
		ok(queue_push(q, &ev) == 0, "connection events are not held back by it");
		queue_free(q);

		/* connection events alone: their slots count towards the same budget, so a
		 * queue_size past it costs no more memory (README, "Memory") */
		{
			size_t n = 0;

			q = queue_new(1 << 20);
			ev = (struct event){ .type = EV_CONN };
			while (queue_push(q, &ev) == 0)
				n++;
			is_int((long)n, (long)(QUEUE_BYTES / sizeof(struct event)),
			       "slots refused past QUEUE_BYTES, not at queue_size");
			ok(n >= 65536, "the default queue_size's connection events fit it: %zu", n);
			queue_free(q);
		}

		/* a writer asleep until its batch deadline is woken when big events have used
		 * half the budget, not left to sleep while they are refused */
		q = queue_new(65536);
		pthread_create(&th[0], NULL, sleepy_consumer, NULL);
		usleep(100000);
		for (int i = 0; i < 600; i++)
			push_big();
		pthread_join(th[0], NULL);
		ok(sleepy_got > 0 && sleepy_waited_us < 5000000,
		   "half the byte budget wakes the consumer (%zu events after %lld ms)", sleepy_got,
		   (long long)sleepy_waited_us / 1000);
		queue_free(q);
	}

	/* DNS events packed in one thread and freed in another, as the resolver and the
	 * writer do: every event arrives intact and ASan sees every block freed once */
	{
		long bad = 0, seen = 0;
		char want[64];

		q = queue_new(4096);
		pthread_create(&th[0], NULL, dns_producer, NULL);
		while (seen < PER_PRODUCER) {
			size_t n = queue_pop(q, out, 16, queue_mono_us() + 1000000);

			if (n == 0)
				break;
			for (size_t i = 0; i < n; i++) {
				const struct dns_event *e = out[i].u.dns;
				long k = (long)e->ts_us;
				size_t dlen = k % 10 == 0 ? 600 : 8;

				snprintf(want, sizeof(want), "n%ld.example", k);
				bad += k != seen++ || strcmp(e->qname, want) != 0 ||
				       e->n_answers != 1 + (size_t)(k % 2) ||
				       strcmp(e->answers[e->n_answers - 1].name, want) != 0 ||
				       strlen(e->answers[0].data) != dlen ||
				       e->answers[0].data[dlen - 1] != 'a' + k % 26;
				dns_event_free(out[i].u.dns);
			}
		}
		pthread_join(th[0], NULL);
		is_int(seen, PER_PRODUCER, "every DNS event through");
		is_int(bad, 0, "packed in one thread, freed in another: all intact");
		queue_free(q);
	}

	/* two producers, one consumer: every event arrives once, in order per producer */
	q = queue_new(1024);
	pthread_create(&th[0], NULL, producer, (void *)0);
	pthread_create(&th[1], NULL, producer, (void *)1);
	for (;;) {
		size_t n = queue_pop(q, out, 16, queue_mono_us() + 200000);

		for (size_t i = 0; i < n; i++) {
			int p = out[i].u.conn.sport;
			if (out[i].u.conn.ts_us <= last[p])
				order_ok = 0;
			last[p] = out[i].u.conn.ts_us;
		}
		got += (long)n;
		if (n == 0)
			break;
	}
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	for (size_t n; (n = queue_pop(q, out, 16, 0)) > 0;)
		got += (long)n;
	is_int(got + refused, 2 * PER_PRODUCER, "received + refused = pushed (%ld refused)", refused);
	ok(order_ok, "order kept per producer");
	ok(queue_high_water(q) <= 1024, "high water within capacity");
	queue_free(q);
	test_pack_caps();
	return done_testing();
}
