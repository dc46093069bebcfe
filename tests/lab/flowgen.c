/* flowgen: send N new flows (one packet each) from this namespace, at a given rate.
 * Used by the lab tests and benchmarks inside their own network namespaces only.
 *
 *   flowgen -s SRC -d DST -n COUNT [-r RATE] [-p DPORT] [-P NPORTS] [-t udp|tcp] [-o OFF]
 *           [-S] [-A NADDRS]
 *
 * Each packet is crafted on a raw socket with a distinct (source port, destination
 * port) pair, so each one is a new conntrack flow and one NFLOG message: source ports
 * run 1024..65535, then the destination port steps (DPORT .. DPORT+NPORTS-1). -S scans:
 * the destination port steps first, then the source port. -A spreads the flows over
 * NADDRS destination addresses from DST up (DST, DST+1, ...), the address stepping
 * first: a scan of address:port pairs. TCP sends a SYN with a correct checksum
 * (conntrack drops bad ones as invalid). -o skips the first OFF pairs so that several
 * runs can use disjoint flows. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST 64
#define NSPORT 64512

static uint16_t
csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *src = NULL, *dst = NULL, *proto = "udp";
	long long count = 0, off = 0;
	double rate = 0;
	int dport = 9000, nports = 16, ch, fd, one = 1, scan = 0;
	long long naddrs = 1;
	struct in_addr s, d;
	static struct sockaddr_in tos[BURST];
	static uint8_t pkts[BURST][40];
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];
	long long sent = 0, failed = 0;
	double t0;

	while ((ch = getopt(argc, argv, "s:d:n:r:p:P:t:o:SA:")) != -1) {
		switch (ch) {
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'n': count = atoll(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'p': dport = atoi(optarg); break;
		case 'P': nports = atoi(optarg); break;
		case 't': proto = optarg; break;
		case 'o': off = atoll(optarg); break;
		case 'S': scan = 1; break;
		case 'A': naddrs = atoll(optarg); break;
		default: goto usage;
		}
	}
	if (!src || !dst || count <= 0 || nports <= 0 || naddrs <= 0 || naddrs > 1 << 24 ||
	    inet_pton(AF_INET, src, &s) != 1 ||
	    inet_pton(AF_INET, dst, &d) != 1 || (strcmp(proto, "udp") && strcmp(proto, "tcp")))
		goto usage;
	if (count + off > (long long)NSPORT * nports * naddrs) {
		fprintf(stderr, "flowgen: %lld flows need more than %d destination ports\n",
		        count + off, nports);
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		perror("flowgen: raw socket");
		return 1;
	}
	int tcp = strcmp(proto, "tcp") == 0;
	size_t len = tcp ? 40 : 28;
	t0 = now();
	for (long long i = 0; i < count;) {
		int n = 0;

		for (; n < BURST && i < count; n++, i++) {
			uint8_t *p = pkts[n], pseudo[12];
			long long k = (i + off) / naddrs;
			uint32_t da = ntohl(d.s_addr) + (uint32_t)((i + off) % naddrs);
			uint16_t sp = (uint16_t)(1024 + k % NSPORT), dp = (uint16_t)(dport + k / NSPORT);

			if (scan) {
				sp = (uint16_t)(1024 + k / nports % NSPORT);
				dp = (uint16_t)(dport + k % nports);
			}
			da = htonl(da);

			memset(p, 0, len);
			p[0] = 0x45;
			p[2] = (uint8_t)(len >> 8);
			p[3] = (uint8_t)len;
			p[8] = 64;
			p[9] = tcp ? IPPROTO_TCP : IPPROTO_UDP;
			memcpy(p + 12, &s, 4);
			memcpy(p + 16, &da, 4);
			p[20] = (uint8_t)(sp >> 8); p[21] = (uint8_t)sp;
			p[22] = (uint8_t)(dp >> 8); p[23] = (uint8_t)dp;
			memcpy(pseudo, &s, 4);
			memcpy(pseudo + 4, &da, 4);
			pseudo[8] = 0;
			pseudo[9] = p[9];
			pseudo[10] = 0;
			pseudo[11] = (uint8_t)(len - 20);
			if (tcp) {
				p[24 + 3] = (uint8_t)(k + 1);  /* sequence number */
				p[32] = 0x50;                  /* data offset 5 */
				p[33] = 0x02;                  /* SYN */
				p[34] = 0xfa; p[35] = 0xf0;    /* window */
			} else {
				p[25] = 8;                     /* UDP length */
			}
			uint32_t sum = 0;
			for (int j = 0; j < 12; j += 2)
				sum += (uint32_t)(pseudo[j] << 8 | pseudo[j + 1]);
			uint16_t c = csum(p + 20, len - 20, sum);
			int at = tcp ? 36 : 26;
			p[at] = (uint8_t)(c >> 8);
			p[at + 1] = (uint8_t)c;
			iov[n].iov_base = p;
			iov[n].iov_len = len;
			memset(&msgs[n], 0, sizeof(msgs[n]));
			tos[n].sin_family = AF_INET;
			memcpy(&tos[n].sin_addr, &da, 4);
			msgs[n].msg_hdr.msg_name = &tos[n];
			msgs[n].msg_hdr.msg_namelen = sizeof(tos[n]);
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
		}
		int done = 0;
		while (done < n) {
			int r = sendmmsg(fd, msgs + done, (unsigned)(n - done), 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ENOBUFS || errno == EAGAIN) {
					usleep(100);
					continue;
				}
				failed += n - done;
				break;
			}
			done += r;
		}
		sent += done;
		if (rate > 0) {
			double due = t0 + (double)i / rate, t = now();
			if (due > t)
				usleep((useconds_t)((due - t) * 1e6));
		}
	}
	double el = now() - t0;
	printf("sent %lld flows in %.3f s (%.0f/s), %lld failed\n", sent, el,
	       el > 0 ? (double)sent / el : 0.0, failed);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: flowgen -s SRC -d DST -n COUNT [-r RATE] [-p DPORT] "
	        "[-P NPORTS] [-t udp|tcp] [-o OFF] [-S] [-A NADDRS]\n");
	return 2;
}
