/* The resolver's listening sockets, and what they need of the host: its address
 * (which may come later than the daemon) and file descriptors. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnslisten.h"

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

int
dnslisten_bind(int type, const struct netaddr *a, uint16_t port, char *err, size_t errlen)
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
	/* The bridge's address may not be there yet when the daemon starts (the bridge
	 * gets its carrier with the VM, an IPv6 address waits for DAD): bind anyway, like
	 * unbound's ip-freebind, and answer once it is (dnslisten_addr_present tells). */
	if (a->family == 6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	}
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

bool
dnslisten_addr_present(const struct netaddr *a)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	bool present = true;
	int fd;

	to_sockaddr(a, 0, &ss, &sl);
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return true;
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 && errno == EADDRNOTAVAIL)
		present = false;
	close(fd);
	return present;
}

/* Descriptors open in this process now, or 0 if /proc cannot tell. */
static unsigned
fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0;   /* ".", ".." and the directory's own descriptor */
}

unsigned
dnslisten_tcp_cap(unsigned want, unsigned long long *limit, unsigned long long *open)
{
	struct rlimit rl;
	unsigned long long avail;

	*open = fds_open();
	*limit = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return want;
	*limit = rl.rlim_cur;
	avail = rl.rlim_cur > *open ? (rl.rlim_cur - *open) / 2 : 1;
	if (avail < 1)
		avail = 1;
	return want > avail ? (unsigned)avail : want;
}
