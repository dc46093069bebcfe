/* nftset: one libnftnl batch per request (the design is in nftset.h). The messages are
 * built one after the other in one buffer, every one between the batch's begin and end
 * asks for an answer (NLM_F_ACK), and the answers are matched by sequence number, so a
 * late one to a batch that timed out is skipped. NETLINK_CAP_ACK keeps an error's
 * answer to its header instead of a copy of the whole message. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nftset.h"

/* client . addr . proto . port: each part in registers of 4 bytes, the port in network
 * order (nft's concatenation layout) */
#define KEY_MAX (16 + 16 + 4 + 4)
/* Per element: its nest, the key's nest and data, the timeout; per message: the headers,
 * table, set and the list's nest. Far more than either needs. */
#define ELEM_BYTES 128
#define MSG_BYTES 256
#define MSGS_MAX 6     /* add, delete, add; per family */
#define BATCH_BYTES (2 * MSG_BYTES + MSGS_MAX * (MSG_BYTES + NETADM_SET_MAX * ELEM_BYTES))

struct nftset {
	struct mnl_socket *nl;
	unsigned portid;
	uint32_t seq;
	char table[64];
	char batch[BATCH_BYTES];
	char rx[16384];
};

struct nftset *
nftset_open(const char *table, char *err, size_t errlen)
{
	struct nftset *s = calloc(1, sizeof(*s));
	int one = 1;

	if (!s) {
		snprintf(err, errlen, "nftset: out of memory");
		return NULL;
	}
	snprintf(s->table, sizeof(s->table), "%s", table);
	if (!(s->nl = mnl_socket_open(NETLINK_NETFILTER)) ||
	    mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
		snprintf(err, errlen, "nftset: netlink socket: %s", strerror(errno));
		nftset_close(s);
		return NULL;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return s;
}

static size_t
elem_key(const struct netadm_elem *e, uint8_t *key)
{
	size_t alen = e->family == 6 ? 16 : 4;
	uint16_t port = htons(e->port);

	memset(key, 0, KEY_MAX);
	memcpy(key, e->client, alen);
	memcpy(key + alen, e->addr, alen);
	key[2 * alen] = e->proto;
	memcpy(key + 2 * alen + 4, &port, sizeof(port));
	return 2 * alen + 8;
}

/* The elements of one family as a libnftnl set of table's allowF, with their timeouts
 * or without; NULL on out of memory. */
static struct nftnl_set *
family_set(const struct nftset *s, const struct netadm_elem *e, int n, int family,
           bool with_timeout)
{
	struct nftnl_set *set = nftnl_set_alloc();
	char name[16];

	if (!set)
		return NULL;
	snprintf(name, sizeof(name), "allow%d", family);
	if (nftnl_set_set_str(set, NFTNL_SET_TABLE, s->table) < 0 ||
	    nftnl_set_set_str(set, NFTNL_SET_NAME, name) < 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		struct nftnl_set_elem *el;
		uint8_t key[KEY_MAX];
		size_t klen;

		if (e[i].family != family)
			continue;
		if (!(el = nftnl_set_elem_alloc()))
			goto fail;
		klen = elem_key(&e[i], key);
		if (nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, (uint32_t)klen) < 0) {
			nftnl_set_elem_free(el);
			goto fail;
		}
		if (with_timeout)
			nftnl_set_elem_set_u64(el, NFTNL_SET_ELEM_TIMEOUT, (uint64_t)e[i].timeout * 1000);
		nftnl_set_elem_add(set, el);
	}
	return set;
fail:
	nftnl_set_free(set);
	return NULL;
}

/* What each message of a batch was, for the reason a refusal gives. */
struct msgdesc {
	const char *verb;
	int family;
};

static int
build(struct nftset *s, const struct netadm_elem *e, int n, struct msgdesc *desc,
      size_t *len, uint32_t *first)
{
	char *p = s->batch;
	int m = 0;

	nftnl_batch_begin(p, s->seq++);
	p += NLMSG_ALIGN(((struct nlmsghdr *)p)->nlmsg_len);
	*first = s->seq;
	for (int f = 4; f <= 6; f += 2) {
		struct nftnl_set *add = NULL, *del = NULL;
		bool any = false;

		for (int i = 0; i < n && !any; i++)
			any = e[i].family == f;
		if (!any)
			continue;
		if (!(add = family_set(s, e, n, f, true)) || !(del = family_set(s, e, n, f, false))) {
			nftnl_set_free(add);
			return -1;
		}
		for (int k = 0; k < 3; k++) {
			bool is_del = k == 1;
			struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(p,
				is_del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, NFPROTO_INET,
				(uint16_t)(NLM_F_ACK | (is_del ? 0 : NLM_F_CREATE)), s->seq++);

			nftnl_set_elems_nlmsg_build_payload(nlh, is_del ? del : add);
			p += NLMSG_ALIGN(nlh->nlmsg_len);
			desc[m].verb = is_del ? "delete from" : "add to";
			desc[m].family = f;
			m++;
		}
		nftnl_set_free(add);
		nftnl_set_free(del);
	}
	nftnl_batch_end(p, s->seq++);
	p += NLMSG_ALIGN(((struct nlmsghdr *)p)->nlmsg_len);
	*len = (size_t)(p - s->batch);
	return m;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int
nftset_add(struct nftset *s, const struct netadm_elem *e, int n, int timeout_ms, char *why,
           size_t whylen)
{
	struct msgdesc desc[MSGS_MAX];
	struct timespec t0;
	uint32_t first;
	size_t len;
	int m, answered = 0, err = 0, err_at = -1, fd = mnl_socket_get_fd(s->nl);

	*why = '\0';
	if (n < 1 || n > NETADM_SET_MAX) {
		snprintf(why, whylen, "%d elements in one request", n);
		return -1;
	}
	if ((m = build(s, e, n, desc, &len, &first)) <= 0) {
		snprintf(why, whylen, "nftset: out of memory");
		return -1;
	}
	if (mnl_socket_sendto(s->nl, s->batch, len) < 0) {
		snprintf(why, whylen, "nftset: sending the batch: %s", strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (answered < m) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long left = timeout_ms - ms_since(&t0);
		const struct nlmsghdr *nlh;
		ssize_t got;
		int rest;

		if (left <= 0) {
			snprintf(why, whylen, "nftset: %d of %d answers from the kernel in %d ms",
			         answered, m, timeout_ms);
			return -1;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			snprintf(why, whylen, "nftset: poll: %s", strerror(errno));
			return -1;
		}
		got = recv(fd, s->rx, sizeof(s->rx), MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(why, whylen, "nftset: reading the answers: %s", strerror(errno));
			return -1;
		}
		rest = (int)got;
		for (nlh = (const void *)s->rx; mnl_nlmsg_ok(nlh, rest);
		     nlh = mnl_nlmsg_next(nlh, &rest)) {
			const struct nlmsgerr *ne = mnl_nlmsg_get_payload(nlh);
			int at = (int)(nlh->nlmsg_seq - first);

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != s->portid ||
			    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ne))
				continue;
			if (at == -1 && ne->error) {
				/* the batch as a whole was refused (no CAP_NET_ADMIN): nothing more */
				snprintf(why, whylen, "nf_tables refused the batch: %s",
				         strerror(-ne->error));
				return -1;
			}
			if (at < 0 || at >= m)
				continue;   /* a late answer to an earlier batch */
			answered++;
			if (ne->error && (err_at < 0 || at < err_at)) {
				err_at = at;
				err = -ne->error;
			}
		}
	}
	if (err_at < 0)
		return 0;
	snprintf(why, whylen, "nf_tables: %s set inet %s allow%d: %s%s", desc[err_at].verb,
	         s->table, desc[err_at].family, strerror(err),
	         err == ENOENT ? " (is the ruleset of `oc-audit enforce-rules` installed?)" :
	         err == ENFILE ? " (the set is full)" : "");
	return -1;
}

void
nftset_close(struct nftset *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s);
}
