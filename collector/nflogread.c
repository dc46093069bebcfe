#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_log/libnetfilter_log.h>
#include <libnfnetlink/libnfnetlink.h>

#include "common/log.h"
#include "nflogread.h"
#include "common/pktdecode.h"
#include "common/timefmt.h"

#define COPY_RANGE 256                  /* bytes of each packet: IPv6 + options + TCP */
/* The receive buffer is set to its cap at open, while the daemon may still exceed
 * net.core.rmem_max (SO_RCVBUFFORCE needs CAP_NET_ADMIN, gone after the drop). It is a
 * limit, not an allocation: the kernel charges only what is queued. */
#define RCVBUF_CAP (128u << 20)
#define KERNEL_BATCH 32                 /* messages the kernel gathers per datagram */
#define KERNEL_FLUSH_CS 2               /* ... or after this many 1/100 s */
#define RECV_BUF (256u << 10)
#define IFCACHE 64

struct ifname {
	uint32_t index;
	char name[IF_NAMESIZE];
};

struct nflogread {
	struct nflog_handle *h;
	struct nflog_g_handle *gh;
	struct queue *q;
	struct stats *st;
	int fd, stopfd;
	unsigned rcvbuf;
	pthread_t thread;
	bool started;
	bool have_seq;
	bool overrun_logged;
	uint32_t last_seq;
	struct ifname ifcache[IFCACHE];
	int64_t ifcache_at;
	char *buf;
};

/* Interface name for an index, cached for a few seconds (names can change). */
static void
ifname_of(struct nflogread *r, uint32_t index, char out[EVENT_IFNAMSIZ])
{
	struct ifname *e;
	int64_t now = queue_mono_us();

	out[0] = '\0';
	if (index == 0)
		return;
	if (now - r->ifcache_at > 10 * US_PER_SEC) {
		memset(r->ifcache, 0, sizeof(r->ifcache));
		r->ifcache_at = now;
	}
	e = &r->ifcache[index % IFCACHE];
	if (e->index != index) {
		char name[IF_NAMESIZE];

		if (!if_indextoname(index, name))
			snprintf(name, sizeof(name), "if%u", index);
		e->index = index;
		memcpy(e->name, name, IF_NAMESIZE);
	}
	memcpy(out, e->name, EVENT_IFNAMSIZ);
	out[EVENT_IFNAMSIZ - 1] = '\0';
}

static int
on_packet(struct nflog_g_handle *gh, struct nfgenmsg *nfmsg, struct nflog_data *nfa,
          void *arg)
{
	struct nflogread *r = arg;
	struct event ev;
	struct timeval tv;
	char *payload, *prefix;
	int len;
	uint32_t seq;

	(void)gh;
	(void)nfmsg;
	if (nflog_get_seq(nfa, &seq) == 0) {
		if (r->have_seq && seq != r->last_seq + 1)
			stats_add(r->st, STAT_NFLOG_GAP, (uint32_t)(seq - r->last_seq - 1));
		r->last_seq = seq;
		r->have_seq = true;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_CONN;
	len = nflog_get_payload(nfa, &payload);
	if (len <= 0 || pktdecode((const uint8_t *)payload, (size_t)len, &ev.u.conn) != PKT_OK) {
		stats_add(r->st, STAT_NFLOG_BAD, 1);
		return 0;
	}
	if (nflog_get_timestamp(nfa, &tv) == 0 && tv.tv_sec > 0)
		ev.u.conn.ts_us = (int64_t)tv.tv_sec * US_PER_SEC + tv.tv_usec;
	else
		ev.u.conn.ts_us = timefmt_now_us();
	ev.u.conn.mono_us = queue_mono_us();
	ifname_of(r, nflog_get_indev(nfa), ev.u.conn.iif);
	ifname_of(r, nflog_get_outdev(nfa), ev.u.conn.oif);
	if ((prefix = nflog_get_prefix(nfa)))
		strncpy(ev.u.conn.prefix, prefix, EVENT_PREFIXLEN - 1);
	stats_add(r->st, STAT_NFLOG_RECEIVED, 1);
	if (queue_push(r->q, &ev) < 0)
		stats_add(r->st, STAT_QUEUE_FULL, 1);
	return 0;
}

static int
set_rcvbuf(struct nflogread *r, unsigned size)
{
	int v = (int)size;

	if (setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
	    setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
		return -1;
	r->rcvbuf = size;
	return 0;
}

struct nflogread *
nflogread_open(unsigned group, struct queue *q, struct stats *st, char *err, size_t errlen)
{
	struct nflogread *r = calloc(1, sizeof(*r));

	if (!r || !(r->buf = malloc(RECV_BUF))) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	r->q = q;
	r->st = st;
	r->fd = r->stopfd = -1;
	if (!(r->h = nflog_open())) {
		snprintf(err, errlen, "NFLOG: cannot open netlink socket: %s", strerror(errno));
		goto fail;
	}
	/* Kernels before 3.x need the family bound; later ones ignore this. */
	nflog_unbind_pf(r->h, AF_INET);
	nflog_unbind_pf(r->h, AF_INET6);
	if (nflog_bind_pf(r->h, AF_INET) < 0 || nflog_bind_pf(r->h, AF_INET6) < 0) {
		snprintf(err, errlen, "NFLOG: cannot bind address families: %s (run as root "
		         "or with CAP_NET_ADMIN)", strerror(errno));
		goto fail;
	}
	if (!(r->gh = nflog_bind_group(r->h, (uint16_t)group))) {
		snprintf(err, errlen, "NFLOG: cannot bind group %u: %s%s", group, strerror(errno),
		         errno == EBUSY || errno == EEXIST ?
		         " (another program, such as ulogd, holds this group)" : "");
		goto fail;
	}
	if (nflog_set_mode(r->gh, NFULNL_COPY_PACKET, COPY_RANGE) < 0 ||
	    nflog_set_flags(r->gh, NFULNL_CFG_F_SEQ) < 0) {
		snprintf(err, errlen, "NFLOG: cannot configure group %u: %s", group,
		         strerror(errno));
		goto fail;
	}
	/* Let the kernel gather several messages per datagram: far fewer wakeups at high
	 * rates, at most KERNEL_FLUSH_CS/100 s of delay when quiet. */
	nflog_set_nlbufsiz(r->gh, 65536);
	nflog_set_qthresh(r->gh, KERNEL_BATCH);
	nflog_set_timeout(r->gh, KERNEL_FLUSH_CS);
	nflog_callback_register(r->gh, on_packet, r);
	r->fd = nflog_fd(r->h);
	if (set_rcvbuf(r, RCVBUF_CAP) < 0)
		log_warn("NFLOG: cannot set a %u MiB receive buffer: %s", RCVBUF_CAP >> 20,
		         strerror(errno));
	if ((r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	return r;
fail:
	nflogread_close(r);
	return NULL;
}

/* Read and handle every datagram waiting on the socket. */
static void
drain(struct nflogread *r)
{
	for (;;) {
		ssize_t n = recv(r->fd, r->buf, RECV_BUF, MSG_DONTWAIT);

		if (n > 0) {
			nflog_handle_packet(r->h, r->buf, (int)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			stats_add(r->st, STAT_NFLOG_ENOBUFS, 1);
			if (!r->overrun_logged)
				log_warn("NFLOG: receive buffer overrun (%u MiB); lost messages are "
				         "counted as nflog_gap", r->rcvbuf >> 20);
			r->overrun_logged = true;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("NFLOG: recv: %s", strerror(errno));
		return;
	}
}

static void *
run(void *arg)
{
	struct nflogread *r = arg;
	struct pollfd p[2] = { { r->fd, POLLIN, 0 }, { r->stopfd, POLLIN, 0 } };

	pthread_setname_np(pthread_self(), "oca-nflog");

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			drain(r);
		if (p[1].revents)
			break;
	}
	/* The kernel sends what it batched within KERNEL_FLUSH_CS; wait that long, then
	 * take everything that was logged before the stop. */
	struct timespec ts = { 0, (KERNEL_FLUSH_CS * 10 + 30) * 1000000L };
	nanosleep(&ts, NULL);
	drain(r);
	return NULL;
}

int
nflogread_start(struct nflogread *r)
{
	int rc = pthread_create(&r->thread, NULL, run, r);

	if (rc) {
		errno = rc;
		return -1;
	}
	r->started = true;
	return 0;
}

void
nflogread_stop(struct nflogread *r)
{
	uint64_t one = 1;

	if (!r || !r->started)
		return;
	if (write(r->stopfd, &one, sizeof(one)) < 0)
		log_warn("NFLOG: cannot signal the reader: %s", strerror(errno));
	pthread_join(r->thread, NULL);
	r->started = false;
}

void
nflogread_close(struct nflogread *r)
{
	if (!r)
		return;
	nflogread_stop(r);
	if (r->gh)
		nflog_unbind_group(r->gh);
	if (r->h)
		nflog_close(r->h);
	if (r->stopfd >= 0)
		close(r->stopfd);
	free(r->buf);
	free(r);
}
