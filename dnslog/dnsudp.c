/* The resolver's UDP side: batched receive, and batched sending of the replies the
 * reply memo answers at once (see dnsudp.h). Replies that come back from libunbound
 * later, outside any batch, are sent one by one by resolver.c. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dnsudp.h"
#include "common/log.h"
#include "resolver_int.h"

#define UDP_ROUNDS 8           /* batches per wakeup before the loop runs other events */

void
dnsudp_init(struct resolver *r)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		r->iov[i].iov_base = r->ubuf[i];
		r->iov[i].iov_len = UDP_BUF;
		r->mm[i].msg_hdr.msg_iov = &r->iov[i];
		r->mm[i].msg_hdr.msg_iovlen = 1;
		r->mm[i].msg_hdr.msg_name = &r->from[i];
	}
}

static void
udp_flush(struct resolver *r)
{
	unsigned done = 0;

	while (done < r->n_out) {
		int n = sendmmsg(r->udp_fd, r->out_mm + done, r->n_out - done, MSG_DONTWAIT);

		if (n <= 0) {            /* skip the message that failed, send the rest */
			/* its event already went out as answered: the counter tells */
			stats_add(r->st, STAT_DNS_UNANSWERED, 1);
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

bool
dnsudp_send_small(struct resolver *r, const struct sockaddr_storage *to, socklen_t tolen,
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

void
dnsudp_read(evutil_socket_t fd, short what, void *arg)
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
			resolver_query(r, r->ubuf[i], r->mm[i].msg_len, &r->from[i],
			               r->mm[i].msg_hdr.msg_namelen, DNS_UDP, NULL);
		}
		r->in_batch = false;
		udp_flush(r);
		if (n < UDP_BATCH)
			return;
	}
}
