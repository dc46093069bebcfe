/* The resolver thread. One libevent loop carries everything: the UDP socket, the TCP
 * listener and its connections, libunbound's own outgoing sockets and timers
 * (ub_ctx_create_event), and an eventfd that asks the loop to stop.
 *
 * A query's life: read (UDP: recvmmsg in batches; TCP: length-prefixed, several per
 * connection) → allow_from (outsiders get REFUSED, built here, never resolved) → the
 * per-client token bucket (drops counted, nothing stored) → dnsq_parse (malformed ones
 * get FORMERR/NOTIMP or nothing, counted) → the reply memo (rcache: a reply built in
 * the last second for the same question, replayed with this client's ID, flags and
 * question bytes; UDP ones leave in one sendmmsg per batch) → otherwise
 * ub_resolve_event with the name in presentation form → on_resolved re-encodes
 * libunbound's answer for this client (dnsmsg_build_reply: its ID, its question bytes,
 * its EDNS, its size), sends it, and pushes one dns_event with the records the client
 * was actually given. Either way exactly one dns_event per query that had a question.
 *
 * The thread runs at nice -5: the VM waits on each answer, the database writer can lag
 * (the queue absorbs it), so on a busy 2-core host answers are not queued behind commits.
 *
 * Memory is bounded: at most MAX_PENDING resolutions in flight, MAX_PIPELINE per TCP
 * connection (reading pauses beyond it), TCP output capped per connection, and the rate
 * limiter is a fixed-size table. A TCP connection that closes while its queries are
 * still resolving lingers, socket closed, until the last one comes back. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <unbound-event.h>
#include <unbound.h>

#include "dnsmsg.h"
#include "log.h"
#include "ratelimit.h"
#include "rcache.h"
#include "resolver.h"
#include "timefmt.h"

#define UDP_BATCH 32
#define UDP_BUF 4096           /* larger datagrams are truncated by the kernel: dropped */
#define UDP_ROUNDS 8           /* batches per wakeup before the loop runs other events */
#define MAX_PENDING 8192       /* resolutions in flight, all clients together */
#define MAX_PIPELINE 32        /* per TCP connection; reading pauses beyond it */
#define TCP_OUT_CAP (256u << 10)
#define TCP_MSG_MAX 65535
#define REFUSED_PER_SEC 50     /* REFUSED replies to outsiders, all of them together */
#define RCACHE_SLOTS 1024
#define RESOLVER_NICE (-5)

struct tcpconn;

struct pending {
	struct pending *prev, *next;
	struct resolver *r;
	struct dnsq q;
	int64_t ts_us, t0_mono;
	uint8_t transport;
	bool orphan;                    /* stopped: the event is out, only free it */
	struct netaddr client;
	uint16_t cport;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct tcpconn *conn;
};

struct tcpconn {
	struct tcpconn *prev, *next;
	struct resolver *r;
	struct bufferevent *bev;        /* NULL once closed (lingering for answers) */
	struct event *defer;            /* runs deferred close / read resumption */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	unsigned pending;
	bool eof, paused, want_close, want_read;
};

struct list { struct pending *head; };

struct resolver {
	const struct conf *c;
	struct queue *q;
	struct stats *st;
	struct event_base *base;
	struct ub_ctx *ub;
	int udp_fd, tcp_fd, stop_fd;
	struct event *udp_ev, *tcp_ev, *stop_ev;
	pthread_t thread;
	bool started, stopped;
	struct ratelimit *rl;
	struct ratelimit *refused_rl;
	struct pending *pending, *orphans;
	unsigned n_pending;
	struct tcpconn *conns;
	unsigned n_conns;
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	uint8_t (*ubuf)[UDP_BUF];
	/* replies from the reply cache, sent with one sendmmsg per received batch */
	bool in_batch;
	unsigned n_out;
	struct mmsghdr out_mm[UDP_BATCH];
	struct iovec out_iov[UDP_BATCH];
	struct sockaddr_storage out_to[UDP_BATCH];
	uint8_t out_buf[UDP_BATCH][DNSMSG_UDP_MIN];
	struct rcache *cache;
	bool warned_send, warned_pending;
};

/* ------------------------------------------------------------------ helpers */

static void
to_sockaddr(const struct netaddr *a, uint16_t port, struct sockaddr_storage *ss,
            socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->a, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->a, 4);
		*len = sizeof(*s4);
	}
}

static void
from_sockaddr(const struct sockaddr_storage *ss, struct netaddr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*port = 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(&s6->sin6_addr, mapped, 12) == 0)
			netaddr_from_bytes(a, 4, (const uint8_t *)&s6->sin6_addr + 12);
		else
			netaddr_from_bytes(a, 6, &s6->sin6_addr);
		*port = ntohs(s6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		netaddr_from_bytes(a, 4, &s4->sin_addr);
		*port = ntohs(s4->sin_port);
	}
}

static bool
allowed(const struct resolver *r, const struct netaddr *a)
{
	for (int i = 0; i < r->c->n_allow_from; i++)
		if (cidr_contains(&r->c->allow_from[i], a))
			return true;
	return false;
}

static void
list_add(struct pending **head, struct pending *p)
{
	p->prev = NULL;
	p->next = *head;
	if (*head)
		(*head)->prev = p;
	*head = p;
}

static void
list_del(struct pending **head, struct pending *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		*head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

/* Hand one query and what was sent for it to the core thread. Takes ans. */
static void
emit(struct resolver *r, int64_t ts_us, const struct netaddr *client, uint16_t cport,
     const struct dnsq *q, uint8_t transport, int rcode, int64_t latency_us,
     struct dns_answer *ans, size_t n_ans)
{
	struct dns_event *ev = calloc(1, sizeof(*ev));
	struct event e;

	if (!ev) {
		dnsmsg_answers_free(ans, n_ans);
		stats_add(r->st, STAT_QUEUE_FULL, 1);
		return;
	}
	ev->ts_us = ts_us;
	ev->latency_us = latency_us;
	ev->client = *client;
	ev->cport = cport;
	ev->qid = q->id;
	ev->qtype = q->qtype;
	ev->qclass = q->qclass;
	ev->rcode = rcode;
	ev->transport = transport;
	ev->qname_len = q->qname_len;
	memcpy(ev->qname_wire, q->qname, q->qname_len);
	dnsmsg_name_str(q->qname, q->qname_len, ev->qname, sizeof(ev->qname));
	ev->answers = ans;
	ev->n_answers = n_ans;
	memset(&e, 0, sizeof(e));
	e.type = EV_DNS;
	e.u.dns = ev;
	if (queue_push(r->q, &e) < 0) {
		stats_add(r->st, STAT_QUEUE_FULL, 1);
		dns_event_free(ev);
	}
}

/* ------------------------------------------------------------------ TCP */

static void conn_kick(struct tcpconn *c);

static void
conn_free_if_done(struct tcpconn *c)
{
	if (!c->bev && c->pending == 0) {
		event_free(c->defer);
		free(c);
	}
}

/* Close the socket now (only from the loop, outside this connection's callbacks). */
static void
conn_close_now(struct tcpconn *c)
{
	struct resolver *r = c->r;

	if (!c->bev)
		return;
	bufferevent_free(c->bev);
	c->bev = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	r->n_conns--;
	conn_free_if_done(c);
}

static void
conn_close(struct tcpconn *c)
{
	if (!c->bev)
		return;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	c->want_close = true;
	conn_kick(c);
}

/* Send one reply on a connection. Returns true if it was queued for writing. */
static bool
conn_send(struct tcpconn *c, const uint8_t *msg, size_t len)
{
	struct evbuffer *out;
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (!c->bev || c->want_close || len > TCP_MSG_MAX)
		return false;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) + len + 2 > TCP_OUT_CAP) {   /* client not reading */
		conn_close(c);
		return false;
	}
	if (evbuffer_add(out, pre, 2) < 0 || evbuffer_add(out, msg, len) < 0) {
		conn_close(c);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ answering */

static void
udp_flush(struct resolver *r)
{
	unsigned done = 0;

	while (done < r->n_out) {
		int n = sendmmsg(r->udp_fd, r->out_mm + done, r->n_out - done, MSG_DONTWAIT);

		if (n <= 0) {            /* skip the message that failed, send the rest */
			if (!r->warned_send) {
				log_warn("dns: sendmmsg: %s (further failures not logged)",
				         strerror(errno));
				r->warned_send = true;
			}
			n = 1;
		}
		done += (unsigned)n;
	}
	r->n_out = 0;
}

/* Send a UDP reply of at most DNSMSG_UDP_MIN bytes, batched while a batch is read. */
static bool
udp_send_small(struct resolver *r, const struct sockaddr_storage *to, socklen_t tolen,
               const uint8_t *msg, size_t len)
{
	unsigned i = r->n_out;

	if (!r->in_batch || len > DNSMSG_UDP_MIN)
		return sendto(r->udp_fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)to,
		              tolen) >= 0;
	memcpy(r->out_buf[i], msg, len);
	r->out_iov[i].iov_base = r->out_buf[i];
	r->out_iov[i].iov_len = len;
	r->out_to[i] = *to;
	memset(&r->out_mm[i], 0, sizeof(r->out_mm[i]));
	r->out_mm[i].msg_hdr.msg_name = &r->out_to[i];
	r->out_mm[i].msg_hdr.msg_namelen = tolen;
	r->out_mm[i].msg_hdr.msg_iov = &r->out_iov[i];
	r->out_mm[i].msg_hdr.msg_iovlen = 1;
	if (++r->n_out == UDP_BATCH)
		udp_flush(r);
	return true;
}

static bool
send_reply(struct resolver *r, struct pending *p, const uint8_t *msg, size_t len)
{
	if (p->transport == DNS_TCP)
		return p->conn && conn_send(p->conn, msg, len);
	if (sendto(r->udp_fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)&p->peer,
	           p->peerlen) < 0) {
		if (!r->warned_send) {
			log_warn("dns: sendto: %s (further failures not logged)", strerror(errno));
			r->warned_send = true;
		}
		return false;
	}
	return true;
}

/* A query is finished (answered or not): release its hold on the TCP connection. */
static void
pending_release(struct pending *p)
{
	struct tcpconn *c = p->conn;

	p->conn = NULL;
	if (!c)
		return;
	c->pending--;
	if (!c->bev) {
		conn_free_if_done(c);
		return;
	}
	if (c->paused && c->pending < MAX_PIPELINE) {
		c->paused = false;
		c->want_read = true;
		conn_kick(c);
	}
	if (c->eof && c->pending == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_close(c);
}

static void
on_resolved(void *arg, int err, void *pkt, int len, int sec, char *why_bogus,
            int was_ratelimited)
{
	struct pending *p = arg;
	struct resolver *r = p->r;
	uint8_t ebuf[512], *out = NULL;
	size_t outlen = 0, n_ans = 0;
	struct dns_answer *ans = NULL;
	int rcode = DNS_RCODE_SERVFAIL;
	size_t limit;
	bool sent;

	(void)sec;
	(void)why_bogus;
	(void)was_ratelimited;
	if (p->orphan) {
		list_del(&r->orphans, p);
		free(p);
		return;
	}
	list_del(&r->pending, p);
	r->n_pending--;
	limit = p->transport == DNS_UDP ? dnsq_udp_limit(&p->q) : TCP_MSG_MAX;
	if (err != 0 || !pkt || len <= 0 ||
	    dnsmsg_build_reply(&p->q, pkt, (size_t)len, limit, &out, &outlen, &rcode, &ans,
	                       &n_ans) < 0) {
		rcode = DNS_RCODE_SERVFAIL;
		outlen = dnsq_error_reply(&p->q, rcode, ebuf, sizeof(ebuf));
	}
	if (rcode == DNS_RCODE_SERVFAIL)
		stats_add(r->st, STAT_DNS_SERVFAIL, 1);
	sent = outlen > 0 && send_reply(r, p, out ? out : ebuf, outlen);
	if (sent && out)
		rcache_put(r->cache, &p->q, out, outlen, rcode, ans, n_ans, queue_mono_us());
	free(out);
	if (!sent) {
		dnsmsg_answers_free(ans, n_ans);
		ans = NULL;
		n_ans = 0;
	}
	emit(r, p->ts_us, &p->client, p->cport, &p->q, p->transport, sent ? rcode : -1,
	     sent ? queue_mono_us() - p->t0_mono : -1, ans, n_ans);
	pending_release(p);
	free(p);
}

/* Reply at once with an error rcode; log it if the question was readable. */
static void
reply_error(struct resolver *r, const struct dnsq *q, int rcode, int64_t ts_us,
            int64_t t0, const struct netaddr *client, uint16_t cport,
            const struct sockaddr_storage *peer, socklen_t peerlen, uint8_t transport,
            struct tcpconn *conn)
{
	uint8_t buf[512];
	size_t len = dnsq_error_reply(q, rcode, buf, sizeof(buf));
	bool sent = false;

	if (len > 0) {
		if (transport == DNS_TCP)
			sent = conn && conn_send(conn, buf, len);
		else
			sent = sendto(r->udp_fd, buf, len, MSG_DONTWAIT,
			              (const struct sockaddr *)peer, peerlen) >= 0;
	}
	if (q->has_question && client)
		emit(r, ts_us, client, cport, q, transport, sent ? rcode : -1,
		     sent ? queue_mono_us() - t0 : -1, NULL, 0);
}

static void
handle_query(struct resolver *r, const uint8_t *msg, size_t len,
             const struct sockaddr_storage *peer, socklen_t peerlen, uint8_t transport,
             struct tcpconn *conn)
{
	int64_t t0 = queue_mono_us(), ts = timefmt_now_us();
	struct netaddr client;
	uint16_t cport;
	struct dnsq q;
	enum dnsq_verdict v;
	struct pending *p;
	char name[DNSMSG_NAME_STRLEN];
	int rc;

	from_sockaddr(peer, &client, &cport);
	if (!allowed(r, &client)) {
		/* never resolve for an outsider; a bounded number of REFUSED replies */
		stats_add(r->st, STAT_DNS_REFUSED, 1);
		if (dnsq_parse(msg, len, &q) != DNSQ_DROP &&
		    ratelimit_allow(r->refused_rl, &(struct netaddr){ 0 }, t0))
			reply_error(r, &q, DNS_RCODE_REFUSED, ts, t0, NULL, 0, peer, peerlen,
			            transport, conn);
		return;
	}
	stats_add(r->st, STAT_DNS_QUERIES, 1);
	{
		/* an IPv6 client is its /64: rotating addresses inside it is no escape */
		struct netaddr who = client;

		if (who.family == 6)
			memset(who.a + 8, 0, 8);
		if (!ratelimit_allow(r->rl, &who, t0)) {
			stats_add(r->st, STAT_DNS_RATE_LIMITED, 1);
			return;
		}
	}
	v = dnsq_parse(msg, len, &q);
	switch (v) {
	case DNSQ_OK:
		break;
	case DNSQ_DROP:
		stats_add(r->st, STAT_DNS_MALFORMED, 1);
		return;
	case DNSQ_FORMERR:
		stats_add(r->st, STAT_DNS_MALFORMED, 1);
		reply_error(r, &q, DNS_RCODE_FORMERR, ts, t0, &client, cport, peer, peerlen,
		            transport, conn);
		return;
	case DNSQ_NOTIMP:
		if (!q.has_question)       /* an opcode other than QUERY */
			stats_add(r->st, STAT_DNS_MALFORMED, 1);
		reply_error(r, &q, DNS_RCODE_NOTIMP, ts, t0, &client, cport, peer, peerlen,
		            transport, conn);
		return;
	case DNSQ_REFUSED:
		reply_error(r, &q, DNS_RCODE_REFUSED, ts, t0, &client, cport, peer, peerlen,
		            transport, conn);
		return;
	case DNSQ_BADVERS:
		reply_error(r, &q, DNS_RCODE_BADVERS, ts, t0, &client, cport, peer, peerlen,
		            transport, conn);
		return;
	}
	{
		uint8_t cbuf[DNSMSG_UDP_MIN];
		struct dns_answer *ans;
		size_t n_ans;
		int rcode;
		size_t clen = rcache_get(r->cache, &q, t0, cbuf, sizeof(cbuf), &rcode, &ans,
		                         &n_ans);

		if (clen > 0) {
			bool sent = transport == DNS_TCP ? conn && conn_send(conn, cbuf, clen) :
			            udp_send_small(r, peer, peerlen, cbuf, clen);

			if (!sent) {
				dnsmsg_answers_free(ans, n_ans);
				ans = NULL;
				n_ans = 0;
			}
			emit(r, ts, &client, cport, &q, transport, sent ? rcode : -1,
			     sent ? queue_mono_us() - t0 : -1, ans, n_ans);
			return;
		}
	}
	if (r->n_pending >= MAX_PENDING) {
		if (!r->warned_pending) {
			log_warn("dns: %d queries resolving at once; dropping more (counted as "
			         "dns_rate_limited)", MAX_PENDING);
			r->warned_pending = true;
		}
		stats_add(r->st, STAT_DNS_RATE_LIMITED, 1);
		return;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		stats_add(r->st, STAT_DNS_SERVFAIL, 1);
		reply_error(r, &q, DNS_RCODE_SERVFAIL, ts, t0, &client, cport, peer, peerlen,
		            transport, conn);
		return;
	}
	p->r = r;
	p->q = q;
	p->ts_us = ts;
	p->t0_mono = t0;
	p->transport = transport;
	p->client = client;
	p->cport = cport;
	p->peer = *peer;
	p->peerlen = peerlen;
	if ((p->conn = conn))
		conn->pending++;
	list_add(&r->pending, p);
	r->n_pending++;
	dnsmsg_name_str(q.qname, q.qname_len, name, sizeof(name));
	/* may call on_resolved before returning (local data): p is fully set up above */
	rc = ub_resolve_event(r->ub, name, q.qtype, q.qclass, p, on_resolved, NULL);
	if (rc != 0) {
		log_debug("dns: ub_resolve_event %s: %s", name, ub_strerror(rc));
		on_resolved(p, DNS_RCODE_SERVFAIL, NULL, 0, 0, NULL, 0);
	}
}

/* ------------------------------------------------------------------ sockets */

static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)what;
	for (int round = 0; round < UDP_ROUNDS; round++) {
		int n;

		for (int i = 0; i < UDP_BATCH; i++) {
			r->mm[i].msg_hdr.msg_namelen = sizeof(r->from[i]);
			r->mm[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, r->mm, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		r->in_batch = true;
		for (int i = 0; i < n; i++) {
			if (r->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				stats_add(r->st, STAT_DNS_MALFORMED, 1);
				continue;
			}
			handle_query(r, r->ubuf[i], r->mm[i].msg_len, &r->from[i],
			             r->mm[i].msg_hdr.msg_namelen, DNS_UDP, NULL);
		}
		r->in_batch = false;
		udp_flush(r);
		if (n < UDP_BATCH)
			return;
	}
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcpconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->want_close) {
		uint8_t pre[2];
		size_t avail = evbuffer_get_length(in), mlen;
		uint8_t *m;

		if (c->pending >= MAX_PIPELINE) {
			bufferevent_disable(bev, EV_READ);
			c->paused = true;
			return;
		}
		if (avail < 2 || evbuffer_copyout(in, pre, 2) != 2)
			return;
		mlen = (size_t)pre[0] << 8 | pre[1];
		if (avail < 2 + mlen)
			return;
		if (!(m = evbuffer_pullup(in, (ev_ssize_t)(2 + mlen)))) {
			conn_close(c);
			return;
		}
		handle_query(c->r, m + 2, mlen, &c->peer, c->peerlen, DNS_TCP, c);
		evbuffer_drain(in, 2 + mlen);
	}
}

static void
tcp_write(struct bufferevent *bev, void *arg)
{
	struct tcpconn *c = arg;

	(void)bev;
	if (c->eof && c->pending == 0)
		conn_close(c);
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcpconn *c = arg;

	if (what & BEV_EVENT_EOF) {
		/* the client is done sending; answer what it asked, then close */
		c->eof = true;
		bufferevent_disable(bev, EV_READ);
		if (c->pending == 0 && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_close(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) && c->pending > 0) {
		if (!c->paused)        /* not idle: waiting for our answers */
			bufferevent_enable(bev, EV_READ);
		return;
	}
	conn_close(c);           /* error, idle timeout, or a client that does not read */
}

static void
conn_deferred(evutil_socket_t fd, short what, void *arg)
{
	struct tcpconn *c = arg;

	(void)fd;
	(void)what;
	if (c->want_close) {
		conn_close_now(c);
		return;
	}
	if (c->want_read && c->bev) {
		c->want_read = false;
		bufferevent_enable(c->bev, EV_READ);
		tcp_read(c->bev, c);
	}
}

static void
conn_kick(struct tcpconn *c)
{
	event_active(c->defer, EV_TIMEOUT, 0);
}

static void
tcp_accept(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)what;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct tcpconn *c;
		struct timeval idle = { (time_t)r->c->dns_tcp_idle, 0 };
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0)
			return;
		{
			struct netaddr a;
			uint16_t port;

			from_sockaddr(&ss, &a, &port);
			if (!allowed(r, &a)) {     /* outsiders cannot hold connection slots */
				stats_add(r->st, STAT_DNS_REFUSED, 1);
				close(cfd);
				continue;
			}
		}
		if (r->n_conns >= r->c->dns_tcp_max) {
			log_debug("dns: %u TCP connections open, closing a new one", r->n_conns);
			close(cfd);
			continue;
		}
		if (!(c = calloc(1, sizeof(*c))) ||
		    !(c->defer = event_new(r->base, -1, 0, conn_deferred, c)) ||
		    !(c->bev = bufferevent_socket_new(r->base, cfd, BEV_OPT_CLOSE_ON_FREE))) {
			if (c && c->defer)
				event_free(c->defer);
			free(c);
			close(cfd);
			continue;
		}
		c->r = r;
		c->peer = ss;
		c->peerlen = sl;
		bufferevent_setcb(c->bev, tcp_read, tcp_write, tcp_event, c);
		bufferevent_set_timeouts(c->bev, &idle, &idle);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		c->next = r->conns;
		if (r->conns)
			r->conns->prev = c;
		r->conns = c;
		r->n_conns++;
	}
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("dns: stop eventfd: %s", strerror(errno));
	event_base_loopbreak(r->base);
}

static int
bind_socket(int type, const struct netaddr *a, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char where[NETADDR_STRLEN];
	int one = 1, fd;

	to_sockaddr(a, port, &ss, &sl);
	hostport_format(a, port, where, sizeof(where));
	fd = socket(a->family == 6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "dns: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_DGRAM) {
		int sz = 4 << 20;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, errlen, "dns: cannot bind %s %s: %s",
		         type == SOCK_DGRAM ? "udp" : "tcp", where, strerror(errno));
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 128) < 0) {
		snprintf(err, errlen, "dns: listen tcp %s: %s", where, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* libunbound options: no validator (there is no trust anchor, so it would only cost
 * CPU and a key cache), and caches sized for one VM's names rather than a site's. */
static const char *const ub_options[][2] = {
	{ "module-config:", "iterator" },
	{ "msg-cache-size:", "1m" },
	{ "rrset-cache-size:", "1m" },
};

static int
setup_unbound(struct resolver *r, char *err, size_t errlen)
{
	const struct conf *c = r->c;
	int rc;

	if (!(r->ub = ub_ctx_create_event(r->base))) {
		snprintf(err, errlen, "dns: cannot create the libunbound context");
		return -1;
	}
	for (size_t i = 0; i < sizeof(ub_options) / sizeof(ub_options[0]); i++) {
		if ((rc = ub_ctx_set_option(r->ub, ub_options[i][0], ub_options[i][1])) != 0) {
			snprintf(err, errlen, "dns: libunbound option %s %s: %s", ub_options[i][0],
			         ub_options[i][1], ub_strerror(rc));
			return -1;
		}
	}
	for (int i = 0; i < c->n_forward; i++) {
		char addr[NETADDR_STRLEN], spec[NETADDR_STRLEN + 8];

		netaddr_format(&c->forward[i].addr, addr, sizeof(addr));
		snprintf(spec, sizeof(spec), "%s@%u", addr, c->forward[i].port);
		if ((rc = ub_ctx_set_fwd(r->ub, spec)) != 0) {
			snprintf(err, errlen, "dns: forward %s: %s", spec, ub_strerror(rc));
			return -1;
		}
	}
	if (c->n_forward > 0 && (rc = ub_ctx_set_option(r->ub, "do-not-query-localhost:",
	                                                 "no")) != 0) {
		snprintf(err, errlen, "dns: libunbound option: %s", ub_strerror(rc));
		return -1;
	}
	return 0;
}

struct resolver *
resolver_open(const struct conf *c, struct queue *q, struct stats *st, char *err,
              size_t errlen)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "dns: out of memory");
		return NULL;
	}
	r->c = c;
	r->q = q;
	r->st = st;
	r->udp_fd = r->tcp_fd = r->stop_fd = -1;
	if (!(r->ubuf = calloc(UDP_BATCH, UDP_BUF)) ||
	    !(r->rl = ratelimit_new(c->dns_rate_limit, c->dns_rate_limit)) ||
	    !(r->refused_rl = ratelimit_new(REFUSED_PER_SEC, REFUSED_PER_SEC)) ||
	    !(r->cache = rcache_new(RCACHE_SLOTS)) ||
	    !(r->base = event_base_new())) {
		snprintf(err, errlen, "dns: out of memory");
		goto fail;
	}
	for (int i = 0; i < UDP_BATCH; i++) {
		r->iov[i].iov_base = r->ubuf[i];
		r->iov[i].iov_len = UDP_BUF;
		r->mm[i].msg_hdr.msg_iov = &r->iov[i];
		r->mm[i].msg_hdr.msg_iovlen = 1;
		r->mm[i].msg_hdr.msg_name = &r->from[i];
	}
	if ((r->udp_fd = bind_socket(SOCK_DGRAM, &c->dns_addr, c->dns_port, err, errlen)) < 0 ||
	    (r->tcp_fd = bind_socket(SOCK_STREAM, &c->dns_addr, c->dns_port, err, errlen)) < 0)
		goto fail;
	if ((r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "dns: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (!(r->udp_ev = event_new(r->base, r->udp_fd, EV_READ | EV_PERSIST, udp_read, r)) ||
	    !(r->tcp_ev = event_new(r->base, r->tcp_fd, EV_READ | EV_PERSIST, tcp_accept, r)) ||
	    !(r->stop_ev = event_new(r->base, r->stop_fd, EV_READ | EV_PERSIST, on_stop, r)) ||
	    event_add(r->udp_ev, NULL) < 0 || event_add(r->tcp_ev, NULL) < 0 ||
	    event_add(r->stop_ev, NULL) < 0) {
		snprintf(err, errlen, "dns: cannot set up the event loop");
		goto fail;
	}
	if (setup_unbound(r, err, errlen) < 0)
		goto fail;
	return r;
fail:
	resolver_close(r);
	return NULL;
}

static void *
run(void *arg)
{
	struct resolver *r = arg;

	/* The VM waits on every answer while the database writer can lag behind (the queue
	 * absorbs it): on a busy host the scheduler should prefer this thread. Best effort. */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), RESOLVER_NICE) < 0)
		log_debug("dns: setpriority: %s", strerror(errno));
	event_base_dispatch(r->base);

	/* Stopped: what is still resolving is logged as unanswered, then libunbound goes
	 * (its cleanup may call on_resolved for them: they are orphans by then). */
	while (r->pending) {
		struct pending *p = r->pending;

		list_del(&r->pending, p);
		r->n_pending--;
		emit(r, p->ts_us, &p->client, p->cport, &p->q, p->transport, -1, -1, NULL, 0);
		if (p->conn) {
			p->conn->pending--;
			conn_free_if_done(p->conn);   /* a closed one waiting for this answer */
		}
		p->conn = NULL;
		p->orphan = true;
		list_add(&r->orphans, p);
	}
	while (r->conns)
		conn_close_now(r->conns);
	ub_ctx_delete(r->ub);
	r->ub = NULL;
	while (r->orphans) {
		struct pending *p = r->orphans;

		list_del(&r->orphans, p);
		free(p);
	}
	return NULL;
}

int
resolver_start(struct resolver *r)
{
	int rc = pthread_create(&r->thread, NULL, run, r);

	if (rc != 0) {
		errno = rc;
		return -1;
	}
	r->started = true;
	return 0;
}

void
resolver_stop(struct resolver *r)
{
	uint64_t one = 1;

	if (!r || !r->started || r->stopped)
		return;
	if (write(r->stop_fd, &one, sizeof(one)) < 0)
		log_err("dns: cannot signal the resolver thread: %s", strerror(errno));
	pthread_join(r->thread, NULL);
	r->stopped = true;
}

void
resolver_close(struct resolver *r)
{
	if (!r)
		return;
	resolver_stop(r);
	if (r->ub)
		ub_ctx_delete(r->ub);
	while (r->conns)
		conn_close_now(r->conns);
	if (r->udp_ev)
		event_free(r->udp_ev);
	if (r->tcp_ev)
		event_free(r->tcp_ev);
	if (r->stop_ev)
		event_free(r->stop_ev);
	if (r->base)
		event_base_free(r->base);
	if (r->udp_fd >= 0)
		close(r->udp_fd);
	if (r->tcp_fd >= 0)
		close(r->tcp_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	ratelimit_free(r->rl);
	ratelimit_free(r->refused_rl);
	rcache_free(r->cache);
	free(r->ubuf);
	free(r);
}
