/* Where a query came from (see dnssrc.h). */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "common/queue.h"
#include "common/timefmt.h"
#include "dnssrc.h"

void
dnssrc_set(struct dnssrc *s, uint8_t transport, const struct sockaddr_storage *peer,
           socklen_t peerlen, struct dnstcp_conn *conn)
{
	memset(s, 0, sizeof(*s));
	s->transport = transport;
	s->peer = *peer;
	s->peerlen = peerlen;
	s->conn = conn;
	if (peer->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(&s6->sin6_addr, mapped, 12) == 0)
			netaddr_from_bytes(&s->client, 4, (const uint8_t *)&s6->sin6_addr + 12);
		else
			netaddr_from_bytes(&s->client, 6, &s6->sin6_addr);
		s->cport = ntohs(s6->sin6_port);
	} else if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;

		netaddr_from_bytes(&s->client, 4, &s4->sin_addr);
		s->cport = ntohs(s4->sin_port);
	}
}

void
dnssrc_stamp(struct dnssrc *s)
{
	s->t0_us = queue_mono_us();
	s->ts_us = timefmt_now_us();
}
