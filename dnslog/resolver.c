/* The resolver thread. One libevent loop carries everything: the UDP socket, the TCP
 * listener and its connections, libunbound's own outgoing sockets and timers
 * (ub_ctx_create_event), and an eventfd that asks the loop to stop.
 *
 * A query's life: a transport reads it (dnsudp.c: recvmmsg in batches; dnstcp.c:
 * length-prefixed, several per connection) and hands it, with its source (struct
 * dnssrc), to on_query here, which takes it through three steps:
 * - admit: allow_from (outsiders get REFUSED, built here, never resolved), the
 *   per-client token bucket (drops counted, nothing stored), dnsq_parse (malformed ones
 *   get FORMERR/NOTIMP or nothing, counted);
 * - answer_cached: the reply memo (rcache: a reply built in the last second for the same
 *   question, replayed with this client's ID, flags and question bytes);
 * - resolve: ub_resolve_event with the name in presentation form; on_resolved re-encodes
 *   libunbound's answer for this client (dnsmsg_build_reply: its ID, its question bytes,
 *   its EDNS, its size) and sends it.
 * Every reply leaves through the transport the source names, and each query that had a
 * question pushes exactly one dns_event with the records the client was actually given.
 *
 * Memory is bounded: at most MAX_PENDING resolutions in flight, a pipeline cap per TCP
 * connection (reading pauses beyond it), TCP output capped per connection, and the rate
 * limiter is a fixed-size table. A TCP connection that closes while its queries are
 * still resolving lingers, socket closed, until the last one comes back.
 *
 * The transports know the resolver only as a dnssink (dnssrc.h); dnslisten.c, without
 * state, binds the listening sockets. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <unbound-event.h>
#include <unbound.h>

#include "common/dnstype.h"
#include "common/escape.h"
#include "common/log.h"
#include "dnslisten.h"
#include "dnsmsg.h"
#include "dnssrc.h"
#include "dnstcp.h"
#include "dnsudp.h"
#include "ratelimit.h"
#include "rcache.h"
#include "resolver.h"

/* Resolutions in flight, all clients together: what a VM asking for names whose servers
 * never answer can make the daemon hold (tests/lab/dns_pending.sh). libunbound keeps
 * some 16 KiB for each, so this is 8 MiB of the daemon's 64 MiB, and 2.5 s of queries at
 * the default rate limit; dnsperf in bench/dns.sh keeps far fewer outstanding. */
#define MAX_PENDING 128        /* libunbound holds 11-30 KiB for each: README, "Memory" */
#define REFUSED_PER_SEC 50     /* REFUSED replies to outsiders, all of them together */
#define RCACHE_SLOTS 1024
#define BOGUS_LOG_PER_SEC 5    /* log lines about bogus answers, all clients together */
#define BOGUS_WHY_MAX 512      /* bytes of libunbound's reason kept */
#define ECH_LOG_PER_SEC 5      /* log lines about ech removed, all clients together */
/* the sec argument of libunbound's event callback (unbound-event.h) */
#define UB_SEC_BOGUS 1
#define UB_SEC_SECURE 2

struct resolver {
	const struct conf *c;
	struct queue *q;
	struct stats *st;
	struct event_base *base;
	struct ub_ctx *ub;
	int udp_fd, tcp_fd, stop_fd;
	struct dnsudp *udp;
	struct dnstcp *tcp;
	struct event *stop_ev;
	struct event *addr_ev;          /* while the listen address is missing */
	pthread_t thread;
	bool started, stopped;
	struct ratelimit *rl;
	struct ratelimit *refused_rl;
	struct ratelimit *bogus_rl;
	struct ratelimit *ech_rl;
	struct rcache *cache;
	struct pending *pending, *orphans;
	unsigned n_pending;
	bool warned_pending;
	resolver_answer_fn answer_hook;
	void *answer_ctx;
};

/* A query libunbound is resolving. */
struct pending {
	struct pending *prev, *next;
	struct resolver *r;
	struct dnsq q;
	struct dnssrc src;
	bool orphan;                    /* stopped: the event is out, only free it */
};

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

/* Hand one query and what was sent for it to the core thread, as one packed event (the
 * answers and why_bogus are copied into it; they stay the caller's). rcode -1: nothing
 * was sent. ech: records of the reply sent that lost their ech parameter. */
static void
emit(struct resolver *r, const struct dnssrc *src, const struct dnsq *q, int rcode,
     const struct dns_answer *ans, size_t n_ans, const char *why_bogus, unsigned ech)
{
	char name[DNSMSG_NAME_STRLEN];
	struct dns_event ev = {
		.ts_us = src->ts_us, .mono_us = src->t0_us, .client = src->client, .cport = src->cport,
		.qid = q->id, .qtype = q->qtype, .qclass = q->qclass, .rcode = rcode,
		.transport = src->transport, .qname_len = q->qname_len, .qname_wire = q->qname,
		.qname = name, .n_answers = rcode < 0 ? 0 : n_ans, .answers = ans,
		.latency_us = rcode < 0 ? -1 : queue_mono_us() - src->t0_us,
		.why_bogus = why_bogus, .ech_stripped = rcode < 0 ? 0 : ech,
	};
	struct event e = { .type = EV_DNS };

	dnsmsg_name_str(q->qname, q->qname_len, name, sizeof(name));
	if (!(e.u.dns = dns_event_pack(&ev))) {
		stats_add(r->st, STAT_QUEUE_FULL, 1);
		return;
	}
	if (queue_push(r->q, &e) < 0) {
		stats_add(r->st, STAT_QUEUE_FULL, 1);
		dns_event_free(e.u.dns);
	}
}

/* ------------------------------------------------------------------ answering */

/* Send a reply of len bytes to src through the transport it came on. Returns whether
 * it left (counted as unanswered if not). */
static bool
send_reply(struct resolver *r, const struct dnssrc *src, const uint8_t *msg, size_t len)
{
	bool sent = len > 0 && (src->transport == DNS_TCP ?
	                        src->conn && dnstcp_send(src->conn, msg, len) :
	                        dnsudp_send(r->udp, src, msg, len));

	if (!sent)
		stats_add(r->st, STAT_DNS_UNANSWERED, 1);
	return sent;
}

/* Reply to src at once with an error rcode, and record it if the question was readable
 * and record is set (outsiders are never recorded). */
static void
reply_error(struct resolver *r, const struct dnssrc *src, const struct dnsq *q, int rcode,
            bool record)
{
	uint8_t buf[512];
	bool sent = send_reply(r, src, buf, dnsq_error_reply(q, rcode, buf, sizeof(buf)));

	if (record && q->has_question)
		emit(r, src, q, sent ? rcode : -1, NULL, 0, NULL, 0);
}

static bool
allowed(void *arg, const struct netaddr *client)
{
	const struct resolver *r = arg;

	for (int i = 0; i < r->c->n_allow_from; i++)
		if (cidr_contains(&r->c->allow_from[i], client))
			return true;
	return false;
}

/* Whether the query of len bytes from src goes on to be answered, with *q read from it.
 * Everything it stops is counted, and answered here if it gets an answer at all. */
static bool
admit(struct resolver *r, const uint8_t *msg, size_t len, const struct dnssrc *src,
      struct dnsq *q)
{
	/* an IPv6 client is its /64: rotating addresses inside it is no escape */
	struct netaddr who = src->client;

	if (!allowed(r, &src->client)) {
		/* never resolve for an outsider; a bounded number of REFUSED replies */
		stats_add(r->st, STAT_DNS_REFUSED, 1);
		if (dnsq_parse(msg, len, q) != DNSQ_DROP &&
		    ratelimit_allow(r->refused_rl, &(struct netaddr){ 0 }, src->t0_us))
			reply_error(r, src, q, DNS_RCODE_REFUSED, false);
		return false;
	}
	stats_add(r->st, STAT_DNS_QUERIES, 1);
	if (who.family == 6)
		memset(who.a + 8, 0, 8);
	if (!ratelimit_allow(r->rl, &who, src->t0_us)) {
		stats_add(r->st, STAT_DNS_RATE_LIMITED, 1);
		return false;
	}
	switch (dnsq_parse(msg, len, q)) {
	case DNSQ_OK:
		return true;
	case DNSQ_DROP:
		stats_add(r->st, STAT_DNS_MALFORMED, 1);
		return false;
	case DNSQ_FORMERR:
		stats_add(r->st, STAT_DNS_MALFORMED, 1);
		reply_error(r, src, q, DNS_RCODE_FORMERR, true);
		return false;
	case DNSQ_NOTIMP:
		if (!q->has_question)       /* an opcode other than QUERY */
			stats_add(r->st, STAT_DNS_MALFORMED, 1);
		reply_error(r, src, q, DNS_RCODE_NOTIMP, true);
		return false;
	case DNSQ_REFUSED:
		reply_error(r, src, q, DNS_RCODE_REFUSED, true);
		return false;
	case DNSQ_BADVERS:
		reply_error(r, src, q, DNS_RCODE_BADVERS, true);
		return false;
	}
	return false;
}

/* The answer hook, for an answer with records (enforce mode opens their addresses). */
static void
before_answer(struct resolver *r, const struct dnssrc *src, const struct dnsq *q,
              const struct dns_answer *ans, size_t n_ans)
{
	char name[DNSMSG_NAME_STRLEN];

	if (!r->answer_hook || n_ans == 0)
		return;
	dnsmsg_name_str(q->qname, q->qname_len, name, sizeof(name));
	r->answer_hook(r->answer_ctx, &src->client, name, ans, n_ans);
}

/* Answer q from the reply memo if it holds a reply for it. Returns whether it did. */
static bool
answer_cached(struct resolver *r, const struct dnssrc *src, const struct dnsq *q)
{
	uint8_t buf[DNSMSG_UDP_MIN];
	const struct dns_answer *ans;
	size_t n_ans, len;
	int rcode;

	len = rcache_get(r->cache, q, src->t0_us, buf, sizeof(buf), &rcode, &ans, &n_ans);
	if (len == 0)
		return false;
	before_answer(r, src, q, ans, n_ans);
	emit(r, src, q, send_reply(r, src, buf, len) ? rcode : -1, ans, n_ans, NULL, 0);
	return true;
}

/* A bogus answer: say why in the log, at most BOGUS_LOG_PER_SEC a second (the VM
 * chooses the names, so it could fill the log), and always in the query's row. */
static void
note_bogus(struct resolver *r, const struct pending *p, const char *why)
{
	char name[DNSMSG_NAME_STRLEN], client[NETADDR_STRLEN], clean[BOGUS_WHY_MAX + 1];
	char type[DNSTYPE_NAMELEN];

	stats_add(r->st, STAT_DNS_BOGUS, 1);
	if (!ratelimit_allow(r->bogus_rl, &(struct netaddr){ 0 }, p->src.t0_us))
		return;
	dnsmsg_name_str(p->q.qname, p->q.qname_len, name, sizeof(name));
	escape_term(why, clean, sizeof(clean));
	log_warn("dns: DNSSEC: the answer for %s %s to %s is bogus, answered SERVFAIL: %s",
	         name, dnstype_name(p->q.qtype, type),
	         netaddr_format(&p->src.client, client, sizeof(client)), clean);
}

/* ech parameters removed from the reply sent for p: counted, said in the log (at most
 * ECH_LOG_PER_SEC a second: the VM chooses the names) and always in the query's row. */
static void
note_ech(struct resolver *r, const struct pending *p, unsigned n)
{
	char name[DNSMSG_NAME_STRLEN], client[NETADDR_STRLEN], type[DNSTYPE_NAMELEN];

	stats_add(r->st, STAT_DNS_ECH_STRIPPED, n);
	if (!ratelimit_allow(r->ech_rl, &(struct netaddr){ 0 }, p->src.t0_us))
		return;
	dnsmsg_name_str(p->q.qname, p->q.qname_len, name, sizeof(name));
	log_info("dns: removed ECH from %u record%s of the answer for %s %s to %s "
	         "(strip_ech: its SNI stays visible)", n, n == 1 ? "" : "s", name,
	         dnstype_name(p->q.qtype, type),
	         netaddr_format(&p->src.client, client, sizeof(client)));
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
	char why[BOGUS_WHY_MAX + 1];
	const char *bogus = NULL;
	size_t limit;
	unsigned ech = 0;
	bool sent;

	(void)was_ratelimited;
	if (p->orphan) {
		list_del(&r->orphans, p);
		free(p);
		return;
	}
	list_del(&r->pending, p);
	r->n_pending--;
	if (err == 0 && sec == UB_SEC_BOGUS) {
		/* libunbound hands the bogus data over; the VM never gets it */
		snprintf(why, sizeof(why), "%s", why_bogus && *why_bogus ? why_bogus :
		         "validation failed (libunbound gave no reason)");
		bogus = why;
		note_bogus(r, p, why);
	}
	limit = p->src.transport == DNS_UDP ? dnsq_udp_limit(&p->q) : DNSTCP_MSG_MAX;
	if (bogus || err != 0 || !pkt || len <= 0 ||
	    dnsmsg_build_reply(&p->q, pkt, (size_t)len, limit, r->c->strip_ech, &out, &outlen,
	                       &rcode, &ans, &n_ans, &ech) < 0) {
		rcode = DNS_RCODE_SERVFAIL;
		outlen = dnsq_error_reply(&p->q, rcode, ebuf, sizeof(ebuf));
	} else if (sec == UB_SEC_SECURE) {
		dnsmsg_set_ad(&p->q, out, outlen);
	}
	if (rcode == DNS_RCODE_SERVFAIL)
		stats_add(r->st, STAT_DNS_SERVFAIL, 1);
	else if (out)
		before_answer(r, &p->src, &p->q, ans, n_ans);
	sent = send_reply(r, &p->src, out ? out : ebuf, outlen);
	if (sent && ech)
		note_ech(r, p, ech);
	/* a stripped reply is not memoized: each one sent is counted and its row says so */
	else if (sent && out)
		rcache_put(r->cache, &p->q, out, outlen, rcode, ans, n_ans, queue_mono_us());
	free(out);
	emit(r, &p->src, &p->q, sent ? rcode : -1, ans, n_ans, bogus, ech);
	dnsmsg_answers_free(ans, n_ans);
	if (p->src.conn)
		dnstcp_release(p->src.conn);
	free(p);
}

/* Hand q to libunbound; on_resolved answers it. Past MAX_PENDING, or out of memory,
 * SERVFAIL at once. */
static void
resolve(struct resolver *r, const struct dnssrc *src, const struct dnsq *q)
{
	char name[DNSMSG_NAME_STRLEN];
	struct pending *p;
	int rc;

	if (r->n_pending >= MAX_PENDING) {
		/* answered at once and logged like any other failure, so the client does not
		 * wait for a timeout and the query is on record */
		if (!r->warned_pending) {
			log_warn("dns: %d queries resolving at once; answering more with SERVFAIL",
			         MAX_PENDING);
			r->warned_pending = true;
		}
		stats_add(r->st, STAT_DNS_SERVFAIL, 1);
		reply_error(r, src, q, DNS_RCODE_SERVFAIL, true);
		return;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		stats_add(r->st, STAT_DNS_SERVFAIL, 1);
		reply_error(r, src, q, DNS_RCODE_SERVFAIL, true);
		return;
	}
	p->r = r;
	p->q = *q;
	p->src = *src;
	if (p->src.conn)
		dnstcp_hold(p->src.conn);
	list_add(&r->pending, p);
	r->n_pending++;
	dnsmsg_name_str(q->qname, q->qname_len, name, sizeof(name));
	/* may call on_resolved before returning (local data): p is fully set up above */
	rc = ub_resolve_event(r->ub, name, q->qtype, q->qclass, p, on_resolved, NULL);
	if (rc != 0) {
		log_debug("dns: ub_resolve_event %s: %s", name, ub_strerror(rc));
		on_resolved(p, DNS_RCODE_SERVFAIL, NULL, 0, 0, NULL, 0);
	}
}

/* The sink's query callback: every query the transports read. */
static void
on_query(void *arg, const uint8_t *msg, size_t len, const struct dnssrc *src)
{
	struct resolver *r = arg;
	struct dnsq q;

	if (admit(r, msg, len, src, &q) && !answer_cached(r, src, &q))
		resolve(r, src, &q);
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

/* While the listen address is missing, look again every addr_check_every, and say
 * when it has come. */
static const struct timeval addr_check_every = { 2, 0 };

static void
addr_check(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	char where[NETADDR_STRLEN];

	(void)fd;
	(void)what;
	if (!dnslisten_addr_present(&r->c->dns_addr)) {
		evtimer_add(r->addr_ev, &addr_check_every);
		return;
	}
	netaddr_format(&r->c->dns_addr, where, sizeof(where));
	log_info("dns: %s is configured now: answering", where);
}

/* libunbound options: caches sized for one VM's names rather than a site's. The
 * validator is added when [dns] dnssec is on (setup_unbound). */
static const char *const ub_options[][2] = {
	{ "msg-cache-size:", "1m" },
	{ "rrset-cache-size:", "1m" },
	{ "key-cache-size:", "1m" },
	{ "neg-cache-size:", "1m" },
	{ "infra-cache-numhosts:", "1000" },   /* upstreams' RTT and EDNS: a few hundred bytes each */
};

static void
probe_done(void *arg, int err, void *pkt, int len, int sec, char *why_bogus, int limited)
{
	(void)arg, (void)err, (void)pkt, (void)len, (void)sec, (void)why_bogus, (void)limited;
}

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
	/* With the validator, libunbound checks every answer from the trust anchors down
	 * and tells on_resolved whether it is secure, insecure (unsigned) or bogus; it keeps
	 * the reason for a bogus one (why_bogus) only at val-log-level 2. */
	if ((rc = ub_ctx_set_option(r->ub, "module-config:", c->dnssec ? "validator iterator" :
	                            "iterator")) != 0) {
		snprintf(err, errlen, "dns: libunbound option module-config: %s", ub_strerror(rc));
		return -1;
	}
	if (c->dnssec) {
		if ((rc = ub_ctx_set_option(r->ub, "val-log-level:", "2")) != 0) {
			snprintf(err, errlen, "dns: libunbound option val-log-level: %s",
			         ub_strerror(rc));
			return -1;
		}
		if ((rc = ub_ctx_add_ta_file(r->ub, c->trust_anchor_file)) != 0) {
			snprintf(err, errlen, "dns: trust anchors from %s: %s", c->trust_anchor_file,
			         ub_strerror(rc));
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
	/* libunbound reads its files (the trust anchors) only at its first query: ask one
	 * it answers from its own local data, now, so a bad anchor file is a startup error
	 * (and is read while the daemon may still read anything) */
	if ((rc = ub_resolve_event(r->ub, "localhost.", 1, 1, NULL, probe_done, NULL)) != 0) {
		snprintf(err, errlen, "dns: libunbound cannot start: %s%s%s", ub_strerror(rc),
		         c->dnssec ? "; check the trust anchors in " : "",
		         c->dnssec ? c->trust_anchor_file : "");
		return -1;
	}
	return 0;
}

struct resolver *
resolver_open(const struct conf *c, struct queue *q, struct stats *st, char *err,
              size_t errlen)
{
	struct resolver *r = calloc(1, sizeof(*r));
	struct dnssink sink = { .query = on_query, .allowed = allowed, .arg = r };
	unsigned long long fd_limit, fd_open;
	unsigned tcp_cap;

	if (!r) {
		snprintf(err, errlen, "dns: out of memory");
		return NULL;
	}
	r->c = c;
	r->q = q;
	r->st = st;
	r->udp_fd = r->tcp_fd = r->stop_fd = -1;
	tcp_cap = dnslisten_tcp_cap(c->dns_tcp_max, &fd_limit, &fd_open);
	if (tcp_cap < c->dns_tcp_max)
		log_warn("dns: %llu file descriptors, %llu open: at most %u TCP clients, not %u",
		         fd_limit, fd_open, tcp_cap, c->dns_tcp_max);
	if (!(r->rl = ratelimit_new(c->dns_rate_limit, c->dns_rate_limit)) ||
	    !(r->refused_rl = ratelimit_new(REFUSED_PER_SEC, REFUSED_PER_SEC)) ||
	    !(r->bogus_rl = ratelimit_new(BOGUS_LOG_PER_SEC, BOGUS_LOG_PER_SEC)) ||
	    !(r->ech_rl = ratelimit_new(ECH_LOG_PER_SEC, ECH_LOG_PER_SEC)) ||
	    !(r->cache = rcache_new(RCACHE_SLOTS)) ||
	    !(r->base = event_base_new())) {
		snprintf(err, errlen, "dns: out of memory");
		goto fail;
	}
	if ((r->udp_fd = dnslisten_bind(SOCK_DGRAM, &c->dns_addr, c->dns_port, err, errlen)) < 0 ||
	    (r->tcp_fd = dnslisten_bind(SOCK_STREAM, &c->dns_addr, c->dns_port, err, errlen)) < 0)
		goto fail;
	if (!dnslisten_addr_present(&c->dns_addr)) {
		char where[NETADDR_STRLEN];

		netaddr_format(&c->dns_addr, where, sizeof(where));
		log_warn("dns: %s is not an address of this host yet: listening anyway, the "
		         "answers start once it is configured", where);
		if (!(r->addr_ev = evtimer_new(r->base, addr_check, r)) ||
		    evtimer_add(r->addr_ev, &addr_check_every) < 0) {
			snprintf(err, errlen, "dns: cannot set up the event loop");
			goto fail;
		}
	}
	if ((r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "dns: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (!(r->udp = dnsudp_new(r->base, r->udp_fd, &sink, st)) ||
	    !(r->tcp = dnstcp_new(r->base, r->tcp_fd, tcp_cap, c->dns_tcp_idle,
	                          c->dns_tcp_msg, &sink, st)) ||
	    !(r->stop_ev = event_new(r->base, r->stop_fd, EV_READ | EV_PERSIST, on_stop, r)) ||
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

	pthread_setname_np(pthread_self(), "oca-resolver");
	event_base_dispatch(r->base);

	/* Stopped: what is still resolving is logged as unanswered, then libunbound goes
	 * (its cleanup may call on_resolved for them: they are orphans by then). */
	while (r->pending) {
		struct pending *p = r->pending;

		list_del(&r->pending, p);
		r->n_pending--;
		emit(r, &p->src, &p->q, -1, NULL, 0, NULL, 0);
		if (p->src.conn)
			dnstcp_abandon(p->src.conn);
		p->src.conn = NULL;
		p->orphan = true;
		list_add(&r->orphans, p);
	}
	dnstcp_close_all(r->tcp);
	ub_ctx_delete(r->ub);
	r->ub = NULL;
	while (r->orphans) {
		struct pending *p = r->orphans;

		list_del(&r->orphans, p);
		free(p);
	}
	return NULL;
}

void
resolver_set_answer_hook(struct resolver *r, resolver_answer_fn fn, void *ctx)
{
	r->answer_hook = fn;
	r->answer_ctx = ctx;
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
	dnstcp_free(r->tcp);
	dnsudp_free(r->udp);
	if (r->stop_ev)
		event_free(r->stop_ev);
	if (r->addr_ev)
		event_free(r->addr_ev);
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
	ratelimit_free(r->bogus_rl);
	ratelimit_free(r->ech_rl);
	rcache_free(r->cache);
	free(r);
}
