/* The resolver's UDP side: batched receive, and batched sending of the small replies
 * made while a batch is handled (see dnsudp.h). Replies that come back from libunbound
 * later, outside any batch, leave one by one. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <event2/event.h>

#include "common/event.h"
#include "common/log.h"
#include "dnsmsg.h"
#include "dnsudp.h"

#define UDP_BATCH 32
#define UDP_BUF 4096           /* larger datagrams are truncated by the kernel: dropped */
#define UDP_ROUNDS 8           /* batches per wakeup before the loop runs other events */

struct dnsudp {
	int fd;
	struct event *ev;
	struct dnssink sink;
	struct stats *st;
	bool warned_send;
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	uint8_t (*buf)[UDP_BUF];
	/* replies made while a batch is handled, sent with one sendmmsg after it */
	bool in_batch;
	unsigned n_out;
	struct mmsghdr out_mm[UDP_BATCH];
	struct iovec out_iov[UDP_BATCH];
	struct sockaddr_storage out_to[UDP_BATCH];
	uint8_t out_buf[UDP_BATCH][DNSMSG_UDP_MIN];
};

static void
warn_send(struct dnsudp *u, const char *call)
{
	if (!u->warned_send) {
		log_warn("dns: %s: %s (further failures not logged)", call, strerror(errno));
		u->warned_send = true;
	}
}

static void
flush(struct dnsudp *u)
{
	unsigned done = 0;

	while (done < u->n_out) {
		int n = sendmmsg(u->fd, u->out_mm + done, u->n_out - done, MSG_DONTWAIT);

		if (n <= 0) {            /* skip the message that failed, send the rest */
			/* its event already went out as answered: the counter tells */
			stats_add(u->st, STAT_DNS_UNANSWERED, 1);
			warn_send(u, "sendmmsg");
			n = 1;
		}
		done += (unsigned)n;
	}
	u->n_out = 0;
}

bool
dnsudp_send(struct dnsudp *u, const struct dnssrc *to, const uint8_t *msg, size_t len)
{
	unsigned i = u->n_out;

	if (!u->in_batch || len > DNSMSG_UDP_MIN) {
		if (sendto(u->fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)&to->peer,
		           to->peerlen) < 0) {
			warn_send(u, "sendto");
			return false;
		}
		return true;
	}
	memcpy(u->out_buf[i], msg, len);
	u->out_iov[i].iov_base = u->out_buf[i];
	u->out_iov[i].iov_len = len;
	u->out_to[i] = to->peer;
	memset(&u->out_mm[i], 0, sizeof(u->out_mm[i]));
	u->out_mm[i].msg_hdr.msg_name = &u->out_to[i];
	u->out_mm[i].msg_hdr.msg_namelen = to->peerlen;
	u->out_mm[i].msg_hdr.msg_iov = &u->out_iov[i];
	u->out_mm[i].msg_hdr.msg_iovlen = 1;
	if (++u->n_out == UDP_BATCH)
		flush(u);
	return true;
}

/* The socket's read callback: batches until it is drained or UDP_ROUNDS are done (the
 * loop's other events must run too), each datagram to the sink, the replies made
 * meanwhile flushed after each batch. */
static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct dnsudp *u = arg;

	(void)what;
	for (int round = 0; round < UDP_ROUNDS; round++) {
		int n;

		for (int i = 0; i < UDP_BATCH; i++) {
			u->mm[i].msg_hdr.msg_namelen = sizeof(u->from[i]);
			u->mm[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, u->mm, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		u->in_batch = true;
		for (int i = 0; i < n; i++) {
			struct dnssrc src;

			if (u->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				stats_add(u->st, STAT_DNS_MALFORMED, 1);
				continue;
			}
			dnssrc_set(&src, DNS_UDP, &u->from[i], u->mm[i].msg_hdr.msg_namelen, NULL);
			dnssrc_stamp(&src);
			u->sink.query(u->sink.arg, u->buf[i], u->mm[i].msg_len, &src);
		}
		u->in_batch = false;
		flush(u);
		if (n < UDP_BATCH)
			return;
	}
}

struct dnsudp *
dnsudp_new(struct event_base *base, int fd, const struct dnssink *sink, struct stats *st)
{
	struct dnsudp *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->fd = fd;
	u->sink = *sink;
	u->st = st;
	if (!(u->buf = calloc(UDP_BATCH, UDP_BUF))) {
		dnsudp_free(u);
		return NULL;
	}
	for (int i = 0; i < UDP_BATCH; i++) {
		u->iov[i].iov_base = u->buf[i];
		u->iov[i].iov_len = UDP_BUF;
		u->mm[i].msg_hdr.msg_iov = &u->iov[i];
		u->mm[i].msg_hdr.msg_iovlen = 1;
		u->mm[i].msg_hdr.msg_name = &u->from[i];
	}
	if (!(u->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, u)) ||
	    event_add(u->ev, NULL) < 0) {
		dnsudp_free(u);
		return NULL;
	}
	return u;
}

void
dnsudp_free(struct dnsudp *u)
{
	if (!u)
		return;
	if (u->ev)
		event_free(u->ev);
	free(u->buf);
	free(u);
}
