/* The helper and its client. The helper is a loop: receive one message (MSG_TRUNC, so an
 * oversized one shows its real size), check it against the message table, run the
 * request's handler, send the reply. The client holds a mutex across each round trip
 * and matches replies by sequence number, dropping a late reply to a request that timed
 * out. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nftables/libnftables.h>
#include <sqlite3.h>

#include "common/log.h"
#include "enforce.h"
#include "netadm.h"
#include "nftset.h"
#include "sandbox.h"

#define HELPER_FD 3

static const struct {
	size_t req, rep;
} msg_size[NETADM__TYPES] = {
	[NETADM_RULESET_CHECK] = { sizeof(struct netadm_ruleset_req),
	                           sizeof(struct netadm_ruleset_rep) },
	[NETADM_SET_ADD] = { sizeof(struct netadm_set_req), sizeof(struct netadm_set_rep) },
};

#define MSG_MAX 2048   /* larger than every message; checked below */
_Static_assert(sizeof(struct netadm_ruleset_req) < MSG_MAX, "MSG_MAX");
_Static_assert(sizeof(struct netadm_ruleset_rep) < MSG_MAX, "MSG_MAX");
_Static_assert(sizeof(struct netadm_set_req) < MSG_MAX, "MSG_MAX");
_Static_assert(sizeof(struct netadm_set_rep) < MSG_MAX, "MSG_MAX");

/* How long the helper waits for the kernel's answers to one set update: less than the
 * daemon waits for the helper (enforce.c), so a slow kernel is a reason, not a timeout. */
#define SET_KERNEL_MS 800

int
netadm_msg_check(const void *buf, size_t n, bool reply)
{
	struct netadm_hdr h;

	if (n < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (h.type == 0 || h.type >= NETADM__TYPES || h.len != n)
		return 0;
	if (n != (reply ? msg_size[h.type].rep : msg_size[h.type].req))
		return 0;
	return h.type;
}

/* ------------------------------------------------------------------ the helper */

struct helper {
	struct nft_ctx *nft;
	struct nftset *set;    /* enforce mode's set updates */
	sqlite3 *mem;
};

static void
ruleset_check(struct helper *hp, const struct netadm_ruleset_req *rq,
              struct netadm_ruleset_rep *rp)
{
	struct cidr vm[NETADM_MAX_VM];
	struct nftcheck_result res;
	int n_vm = rq->n_vm < NETADM_MAX_VM ? (int)rq->n_vm : NETADM_MAX_VM;
	const char *json;

	for (int i = 0; i < n_vm; i++) {
		netaddr_from_bytes(&vm[i].net, rq->vm[i].family == 6 ? 6 : 4, rq->vm[i].addr);
		vm[i].bits = rq->vm[i].bits;
	}
	if (nft_run_cmd_from_buffer(hp->nft, "list ruleset") != 0) {
		const char *e = nft_ctx_get_error_buffer(hp->nft);

		memset(&res, 0, sizeof(res));
		res.verdict = NFTCHECK_ERROR;
		snprintf(res.detail, sizeof(res.detail), "libnftables: list ruleset failed: %.180s",
		         e && *e ? e : "no reason given");
	} else {
		json = nft_ctx_get_output_buffer(hp->nft);
		nftcheck_ruleset(hp->mem, json, rq->nflog_group, vm, n_vm, &res);
		if (rq->enforce) {
			struct nftcheck_result enf;

			nftcheck_enforce(hp->mem, json, ENFORCE_TABLE, &enf);
			rp->enf_verdict = (int32_t)enf.verdict;
			memcpy(rp->enf_detail, enf.detail, sizeof(rp->enf_detail));
			rp->enf_detail[sizeof(rp->enf_detail) - 1] = '\0';
		}
	}
	if (res.verdict == NFTCHECK_ERROR && rq->enforce) {
		rp->enf_verdict = NFTCHECK_ERROR;
		memcpy(rp->enf_detail, res.detail, sizeof(rp->enf_detail));
		rp->enf_detail[sizeof(rp->enf_detail) - 1] = '\0';
	}
	rp->verdict = (int32_t)res.verdict;
	rp->rules = res.rules;
	memcpy(rp->detail, res.detail, sizeof(rp->detail));
	rp->detail[sizeof(rp->detail) - 1] = '\0';
}

static bool
elem_valid(const struct netadm_elem *e)
{
	return (e->family == 4 || e->family == 6) &&
	       (e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) && e->port > 0 &&
	       e->timeout > 0 && e->timeout <= NETADM_TIMEOUT_MAX;
}

/* Add the elements, or refresh their timeouts, in one transaction (nftset.h). Duplicates
 * are merged first: deleting one twice would fail the whole transaction. */
static void
set_add(struct helper *hp, const struct netadm_set_req *rq, struct netadm_set_rep *rp)
{
	struct netadm_elem e[NETADM_SET_MAX];
	int n = 0;

	rp->rc = -1;
	if (rq->n == 0 || rq->n > NETADM_SET_MAX) {
		snprintf(rp->detail, sizeof(rp->detail), "%u elements in one request", rq->n);
		return;
	}
	for (uint32_t i = 0; i < rq->n; i++) {
		int j;

		if (!elem_valid(&rq->e[i])) {
			snprintf(rp->detail, sizeof(rp->detail), "element %u is not valid", i);
			return;
		}
		for (j = 0; j < n; j++)
			if (e[j].family == rq->e[i].family && e[j].proto == rq->e[i].proto &&
			    e[j].port == rq->e[i].port && !memcmp(e[j].client, rq->e[i].client, 16) &&
			    !memcmp(e[j].addr, rq->e[i].addr, 16))
				break;
		if (j < n) {
			if (rq->e[i].timeout > e[j].timeout)
				e[j].timeout = rq->e[i].timeout;
			continue;
		}
		e[n++] = rq->e[i];
	}
	if (nftset_add(hp->set, e, n, SET_KERNEL_MS, rp->detail, sizeof(rp->detail)) < 0)
		return;
	rp->rc = 0;
	rp->n = (uint32_t)n;
}

static void __attribute__((noreturn))
helper_main(int fd, const struct privdrop_id *id, pid_t parent)
{
	struct helper hp = { 0 };
	union { struct netadm_hdr h; unsigned char b[MSG_MAX]; } in, out;
	char err[512];

	if (dup2(fd, HELPER_FD) < 0 || close_range(HELPER_FD + 1, ~0u, 0) < 0) {
		log_err("netadm: cannot set up its descriptors: %s", strerror(errno));
		_exit(1);
	}
	fd = HELPER_FD;
	signal(SIGPIPE, SIG_IGN);
	if (!(hp.nft = nft_ctx_new(NFT_CTX_DEFAULT)) ||
	    nft_ctx_buffer_output(hp.nft) != 0 || nft_ctx_buffer_error(hp.nft) != 0 ||
	    sqlite3_open(":memory:", &hp.mem) != SQLITE_OK) {
		log_err("netadm: cannot start libnftables or SQLite");
		_exit(1);
	}
	if (!(hp.set = nftset_open(ENFORCE_TABLE, err, sizeof(err)))) {
		log_err("netadm: %s", err);
		_exit(1);
	}
	nft_ctx_output_set_flags(hp.nft, NFT_CTX_OUTPUT_JSON);
	if (privdrop_apply_keep_netadmin(id, err, sizeof(err)) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    sandbox_netadm(err, sizeof(err)) < 0) {
		log_err("netadm: %s", *err ? err : strerror(errno));
		_exit(1);
	}
	if (getppid() != parent)
		_exit(0);   /* the daemon was gone before PDEATHSIG was set */
	for (;;) {
		ssize_t n = recv(fd, in.b, sizeof(in.b), MSG_TRUNC);
		int type;

		if (n == 0)
			_exit(0);   /* the daemon closed its end */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (!(type = netadm_msg_check(in.b, (size_t)n, false))) {
			log_err("netadm: a malformed request (%zd bytes): closing", n);
			_exit(1);
		}
		memset(&out, 0, sizeof(out));
		out.h.type = (uint16_t)type;
		out.h.len = (uint16_t)msg_size[type].rep;
		out.h.seq = in.h.seq;
		switch (type) {
		case NETADM_RULESET_CHECK:
			ruleset_check(&hp, (const void *)in.b, (void *)out.b);
			break;
		case NETADM_SET_ADD:
			set_add(&hp, (const void *)in.b, (void *)out.b);
			break;
		}
		if (send(fd, out.b, out.h.len, MSG_NOSIGNAL) != (ssize_t)out.h.len)
			_exit(1);
	}
}

/* ------------------------------------------------------------------ the client */

struct netadm {
	int fd;
	pid_t pid;
	uint32_t seq;
	bool broken;
	pthread_mutex_t mu;
};

struct netadm *
netadm_spawn(const struct privdrop_id *id, char *err, size_t errlen)
{
	struct netadm *n = calloc(1, sizeof(*n));
	pid_t self = getpid();
	int sv[2];

	if (!n) {
		snprintf(err, errlen, "netadm: out of memory");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "netadm: socketpair: %s", strerror(errno));
		free(n);
		return NULL;
	}
	fflush(NULL);
	if ((n->pid = fork()) < 0) {
		snprintf(err, errlen, "netadm: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(n);
		return NULL;
	}
	if (n->pid == 0) {
		close(sv[0]);
		helper_main(sv[1], id, self);
	}
	close(sv[1]);
	n->fd = sv[0];
	pthread_mutex_init(&n->mu, NULL);
	return n;
}

pid_t
netadm_pid(const struct netadm *n)
{
	return n ? n->pid : 0;
}

/* Send a request and wait for the reply to it. Under n->mu. */
static int
round_trip(struct netadm *n, struct netadm_hdr *rq, struct netadm_hdr *rp, size_t rp_len,
           int timeout_ms)
{
	struct timespec t0, t;
	union { struct netadm_hdr h; unsigned char b[MSG_MAX]; } in;

	if (n->broken || n->pid == 0) {
		errno = EPIPE;
		return -1;
	}
	rq->seq = ++n->seq;
	if (send(n->fd, rq, rq->len, MSG_NOSIGNAL) != (ssize_t)rq->len) {
		n->broken = true;
		errno = EPIPE;
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { n->fd, POLLIN, 0 };
		long left;
		ssize_t got;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
		                     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!p.revents)
			continue;
		got = recv(n->fd, in.b, sizeof(in.b), MSG_TRUNC | MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0) {
			n->broken = true;
			errno = EPIPE;
			return -1;
		}
		if (netadm_msg_check(in.b, (size_t)got, true) != rq->type ||
		    (size_t)got != rp_len) {
			n->broken = true;
			shutdown(n->fd, SHUT_RDWR);
			errno = EPROTO;
			return -1;
		}
		if (in.h.seq != rq->seq)
			continue;   /* the late answer to a request that timed out */
		memcpy(rp, in.b, rp_len);
		return 0;
	}
}

int
netadm_ruleset_check(struct netadm *n, unsigned nflog_group, const struct cidr *vm,
                     int n_vm, int timeout_ms, struct nftcheck_result *out,
                     struct nftcheck_result *enf)
{
	struct netadm_ruleset_req rq;
	struct netadm_ruleset_rep rp;
	int rc;

	if (!n) {
		errno = EPIPE;
		return -1;
	}
	memset(&rq, 0, sizeof(rq));
	rq.h.type = NETADM_RULESET_CHECK;
	rq.h.len = sizeof(rq);
	rq.nflog_group = nflog_group;
	rq.enforce = enf != NULL;
	for (int i = 0; i < n_vm && i < NETADM_MAX_VM; i++) {
		rq.vm[i].family = vm[i].net.family;
		rq.vm[i].bits = vm[i].bits;
		memcpy(rq.vm[i].addr, vm[i].net.a, 16);
		rq.n_vm++;
	}
	pthread_mutex_lock(&n->mu);
	rc = round_trip(n, &rq.h, &rp.h, sizeof(rp), timeout_ms);
	pthread_mutex_unlock(&n->mu);
	if (rc < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->verdict = rp.verdict >= NFTCHECK_OK && rp.verdict <= NFTCHECK_ERROR ?
	               (enum nftcheck_verdict)rp.verdict : NFTCHECK_ERROR;
	out->rules = rp.rules;
	rp.detail[sizeof(rp.detail) - 1] = '\0';
	memcpy(out->detail, rp.detail, sizeof(out->detail));
	if (enf) {
		memset(enf, 0, sizeof(*enf));
		enf->verdict = rp.enf_verdict >= NFTCHECK_OK && rp.enf_verdict <= NFTCHECK_ERROR ?
		               (enum nftcheck_verdict)rp.enf_verdict : NFTCHECK_ERROR;
		rp.enf_detail[sizeof(rp.enf_detail) - 1] = '\0';
		memcpy(enf->detail, rp.enf_detail, sizeof(enf->detail));
	}
	return 0;
}

int
netadm_set_add(struct netadm *n, const struct netadm_elem *e, int n_elem, int timeout_ms,
               char *why, size_t whylen)
{
	struct netadm_set_req rq;
	struct netadm_set_rep rp;
	int rc;

	if (whylen)
		*why = '\0';
	if (!n) {
		errno = EPIPE;
		return -1;
	}
	if (n_elem <= 0 || n_elem > NETADM_SET_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&rq, 0, sizeof(rq));
	rq.h.type = NETADM_SET_ADD;
	rq.h.len = sizeof(rq);
	rq.n = (uint32_t)n_elem;
	memcpy(rq.e, e, sizeof(*e) * (size_t)n_elem);
	pthread_mutex_lock(&n->mu);
	rc = round_trip(n, &rq.h, &rp.h, sizeof(rp), timeout_ms);
	pthread_mutex_unlock(&n->mu);
	if (rc < 0)
		return -1;
	if (rp.rc != 0) {
		rp.detail[sizeof(rp.detail) - 1] = '\0';
		if (whylen)
			snprintf(why, whylen, "%s", rp.detail);
		errno = EIO;
		return -1;
	}
	return 0;
}

bool
netadm_reap(struct netadm *n)
{
	int status;
	pid_t pid;

	if (!n || n->pid == 0)
		return true;
	pid = waitpid(n->pid, &status, WNOHANG);
	if (pid == 0)
		return false;
	if (pid < 0 && errno != ECHILD)
		return false;
	if (pid > 0 && WIFSIGNALED(status))
		log_err("netadm: the privileged helper (pid %d) was killed by signal %d%s; "
		        "nftables checks are off until oc-audit restarts", (int)n->pid,
		        WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		        " (a system call outside its seccomp list)" : "");
	else
		log_err("netadm: the privileged helper (pid %d) exited (status %d); "
		        "nftables checks are off until oc-audit restarts", (int)n->pid,
		        pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	pthread_mutex_lock(&n->mu);
	n->pid = 0;
	n->broken = true;
	pthread_mutex_unlock(&n->mu);
	return true;
}

void
netadm_close(struct netadm *n)
{
	int status;

	if (!n)
		return;
	close(n->fd);   /* the helper sees end of file and exits */
	if (n->pid > 0)
		waitpid(n->pid, &status, 0);
	pthread_mutex_destroy(&n->mu);
	free(n);
}
