/* DNS over TCP for the resolver. A connection is a bufferevent on the resolver's loop;
 * complete length-prefixed queries are handed to the sink as they arrive, several
 * per connection. Reading pauses at MAX_PIPELINE queries in flight and resumes as
 * answers come back, so one client cannot pile up resolutions; output is capped at
 * TCP_OUT_CAP, beyond which a client that does not read is closed.
 *
 * The idle timeout is reset by every byte that moves, so a client sending a query a
 * byte at a time, or reading an answer a byte at a time, would hold a connection slot
 * for ever. Each message therefore has its own deadline: a query must arrive whole
 * within the message timeout of its first byte, and the answers queued must be read
 * within the message timeout of the output last being empty; past either the
 * connection is closed and counted. Queries waiting behind the pipeline cap wait for
 * us, not for the client: their deadline stops while reading is paused.
 *
 * Closing and resuming never happen inside the connection's own callbacks: an answer
 * can come back while a query is being read (local data, the reply memo), so they are
 * requested (want_close, want_read) and done by the connection's defer event on the next
 * loop pass. A connection whose socket is closed while queries from it are still
 * resolving lingers, socket closed, until the last one comes back (dnstcp_hold and
 * dnstcp_release count them). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/event.h"
#include "common/log.h"
#include "dnstcp.h"

#define MAX_PIPELINE 32        /* per TCP connection; reading pauses beyond it */
#define TCP_OUT_CAP (256u << 10)

struct dnstcp {
	struct event_base *base;
	struct event *ev;               /* the listening socket's */
	struct dnssink sink;
	struct stats *st;
	struct timeval idle, msg;       /* the idle timeout; a message's deadline */
	struct dnstcp_conn *conns;      /* open connections */
	unsigned n_conns, cap;
	bool warned_accept;
};

struct dnstcp_conn {
	struct dnstcp_conn *prev, *next;
	struct dnstcp *t;
	struct bufferevent *bev;        /* NULL once closed (lingering for answers) */
	struct event *defer;            /* runs deferred close / read resumption */
	struct event *in_dl, *out_dl;   /* the query being read's deadline, the output's */
	struct dnssrc src;              /* the peer; stamped again for each query */
	unsigned pending;
	bool eof, paused, want_close, want_read;
};

static void
conn_kick(struct dnstcp_conn *c)
{
	event_active(c->defer, EV_TIMEOUT, 0);
}

static void
conn_free_if_done(struct dnstcp_conn *c)
{
	if (!c->bev && c->pending == 0) {
		event_free(c->defer);
		event_free(c->in_dl);
		event_free(c->out_dl);
		free(c);
	}
}

/* Close the socket now (only from the loop, outside this connection's callbacks). */
static void
conn_close_now(struct dnstcp_conn *c)
{
	struct dnstcp *t = c->t;

	if (!c->bev)
		return;
	bufferevent_free(c->bev);
	c->bev = NULL;
	event_del(c->in_dl);
	event_del(c->out_dl);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	t->n_conns--;
	conn_free_if_done(c);
}

static void
conn_close(struct dnstcp_conn *c)
{
	if (!c->bev)
		return;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	c->want_close = true;
	conn_kick(c);
}

bool
dnstcp_send(struct dnstcp_conn *c, const uint8_t *msg, size_t len)
{
	struct evbuffer *out;
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (!c->bev || c->want_close || len > DNSTCP_MSG_MAX)
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
	/* the clock starts when the output stops being empty (tcp_write stops it) */
	if (!evtimer_pending(c->out_dl, NULL))
		evtimer_add(c->out_dl, &c->t->msg);
	return true;
}

void
dnstcp_hold(struct dnstcp_conn *c)
{
	c->pending++;
}

void
dnstcp_release(struct dnstcp_conn *c)
{
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

void
dnstcp_abandon(struct dnstcp_conn *c)
{
	c->pending--;
	conn_free_if_done(c);   /* a closed one waiting for this answer */
}

void
dnstcp_close_all(struct dnstcp *t)
{
	if (!t)
		return;
	while (t->conns)
		conn_close_now(t->conns);
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct dnstcp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->want_close) {
		uint8_t pre[2];
		size_t avail = evbuffer_get_length(in), mlen;
		uint8_t *m;

		if (c->pending >= MAX_PIPELINE) {
			bufferevent_disable(bev, EV_READ);
			c->paused = true;
			evtimer_del(c->in_dl);      /* waiting for us now */
			return;
		}
		if (avail == 0)
			break;
		if (avail < 2 || evbuffer_copyout(in, pre, 2) != 2)
			goto partial;
		mlen = (size_t)pre[0] << 8 | pre[1];
		if (avail < 2 + mlen)
			goto partial;
		if (!(m = evbuffer_pullup(in, (ev_ssize_t)(2 + mlen)))) {
			conn_close(c);
			return;
		}
		dnssrc_stamp(&c->src);
		c->t->sink.query(c->t->sink.arg, m + 2, mlen, &c->src);
		evbuffer_drain(in, 2 + mlen);
		evtimer_del(c->in_dl);              /* the next message has its own */
	}
	evtimer_del(c->in_dl);
	return;
partial:
	/* a message has begun: it has until its deadline to arrive whole */
	if (!evtimer_pending(c->in_dl, NULL))
		evtimer_add(c->in_dl, &c->t->msg);
}

static void
tcp_write(struct bufferevent *bev, void *arg)
{
	struct dnstcp_conn *c = arg;

	(void)bev;
	evtimer_del(c->out_dl);     /* everything queued was read */
	if (c->eof && c->pending == 0)
		conn_close(c);
}

/* A query or the output missed its deadline: the client is too slow on purpose. */
static void
conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct dnstcp_conn *c = arg;

	(void)fd;
	(void)what;
	if (!c->bev || c->want_close)
		return;
	log_debug("dns: a TCP client missed a message's deadline, closing it");
	stats_add(c->t->st, STAT_DNS_TCP_TIMEOUT, 1);
	conn_close(c);
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct dnstcp_conn *c = arg;

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
	struct dnstcp_conn *c = arg;

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
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct dnstcp *t = arg;

	(void)fd;
	(void)what;
	event_add(t->ev, NULL);
}

/* Out of file descriptors or memory: the listener would stay readable and the loop
 * would spin on it. Stop accepting for 100 ms; the waiting connections stay queued in
 * the kernel's backlog meanwhile. */
static void
accept_pause(struct dnstcp *t)
{
	struct timeval tv = { 0, 100000 };

	if (!t->warned_accept) {
		log_warn("dns: accept: %s; pausing TCP for 100 ms (further pauses not logged)",
		         strerror(errno));
		t->warned_accept = true;
	}
	event_del(t->ev);
	if (event_base_once(t->base, -1, EV_TIMEOUT, accept_resume, t, &tv) < 0)
		event_add(t->ev, NULL);
}

/* The listening socket's read callback: accepts up to 64 waiting connections per
 * wakeup. */
static void
on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct dnstcp *t = arg;

	(void)what;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct dnstcp_conn *c;
		struct dnssrc src;
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				accept_pause(t);
			return;
		}
		dnssrc_set(&src, DNS_TCP, &ss, sl, NULL);
		if (!t->sink.allowed(t->sink.arg, &src.client)) {
			/* outsiders cannot hold connection slots */
			stats_add(t->st, STAT_DNS_REFUSED, 1);
			close(cfd);
			continue;
		}
		if (t->n_conns >= t->cap) {
			log_debug("dns: %u TCP connections open, closing a new one", t->n_conns);
			stats_add(t->st, STAT_DNS_TCP_DROPPED, 1);
			close(cfd);
			continue;
		}
		if (!(c = calloc(1, sizeof(*c))) ||
		    !(c->defer = event_new(t->base, -1, 0, conn_deferred, c)) ||
		    !(c->in_dl = evtimer_new(t->base, conn_deadline, c)) ||
		    !(c->out_dl = evtimer_new(t->base, conn_deadline, c)) ||
		    !(c->bev = bufferevent_socket_new(t->base, cfd, BEV_OPT_CLOSE_ON_FREE))) {
			if (c && c->defer)
				event_free(c->defer);
			if (c && c->in_dl)
				event_free(c->in_dl);
			if (c && c->out_dl)
				event_free(c->out_dl);
			free(c);
			close(cfd);
			stats_add(t->st, STAT_DNS_TCP_DROPPED, 1);
			continue;
		}
		c->t = t;
		c->src = src;
		c->src.conn = c;
		bufferevent_setcb(c->bev, tcp_read, tcp_write, tcp_event, c);
		bufferevent_set_timeouts(c->bev, &t->idle, &t->idle);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		c->next = t->conns;
		if (t->conns)
			t->conns->prev = c;
		t->conns = c;
		t->n_conns++;
	}
}

struct dnstcp *
dnstcp_new(struct event_base *base, int fd, unsigned cap, unsigned idle_s, unsigned msg_s,
           const struct dnssink *sink, struct stats *st)
{
	struct dnstcp *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->base = base;
	t->sink = *sink;
	t->st = st;
	t->cap = cap;
	t->idle.tv_sec = (time_t)idle_s;
	t->msg.tv_sec = (time_t)msg_s;
	if (!(t->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_accept, t)) ||
	    event_add(t->ev, NULL) < 0) {
		dnstcp_free(t);
		return NULL;
	}
	return t;
}

void
dnstcp_free(struct dnstcp *t)
{
	if (!t)
		return;
	dnstcp_close_all(t);
	if (t->ev)
		event_free(t->ev);
	free(t);
}
