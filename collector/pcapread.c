/* The capture's reader thread (pcapread.h): one poll loop over the capture's ring, an
 * rtnetlink socket that says when links come and go, and the stop eventfd. The ring is
 * read without blocking, a bounded number of batches per turn, so time passes for the
 * sensor (capture_tick) and the counters are taken about once a second even under a
 * flood. Which interface index the bridge has is asked by name (if_nametoindex) when a
 * link message comes, and every few seconds in case one was lost (the socket overran):
 * the messages themselves are not parsed.
 *
 * An aggregate of small flows (CAPTURE_FOLDED) stands for many flows' bytes: when the
 * queue is full (a flood the writer cannot keep up with, which is when aggregates are
 * made), it is kept (FOLD_PENDING of them at most) and pushed again at each turn of the
 * loop, before the next aggregates, until the queue takes it; one that finds no room
 * here, or is still held a second after the capture stops, is counted lost (queue_full)
 * as any refused event. Other events are not kept: one is one flow's or one hello's. */
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
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pcap/pcap.h>

#include "capture/capture.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "dnslog/dnsmsg.h"
#include "pcapread.h"

#define TICK_US 1000000               /* time for the sensor, counters, state */
#define RECHECK_US (5 * 1000000)      /* the bridge's index asked again anyway */
#define DISPATCH_ROUNDS 64            /* ring batches read per turn of the loop */
#define FOLD_PENDING 512              /* aggregates the full queue refused, kept */

struct pcapread {
	const struct conf *c;
	struct queue *q;
	struct stats *st;
	pcap_t *p;
	int dlt;
	int pcapfd, nlfd, stopfd;
	struct capture *cap;
	pthread_t thread;
	bool started;
	int ifindex;                     /* the bridge's, 0 while it does not exist */
	char state[20], detail[132];     /* the sensor's state, as last told */
	bool state_pending;              /* not yet on the queue */
	struct capture_counters cnt;     /* as last added to the counters */
	uint64_t pcap_drops;
	bool error_logged;
	int64_t read_mono;               /* monotonic: the batch being read */
	size_t n_pending;
	struct bytes_event pending[FOLD_PENDING];   /* refused aggregates, in order */
};

char *
pcapread_filter(int ifindex, const struct conf *c, char *out, size_t outlen)
{
	size_t o = (size_t)snprintf(out, outlen, "ifindex %d and (", ifindex);
	char a[NETADDR_STRLEN];

	for (int i = 0; i < c->n_vm_subnet && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%snet %s/%u", i ? " or " : "",
		                      netaddr_format(&c->vm_subnet[i].net, a, sizeof(a)),
		                      c->vm_subnet[i].bits);
	if (o < outlen)
		o += (size_t)snprintf(out + o, outlen - o, ")");
	if (c->dns_addr.family && o < outlen)
		snprintf(out + o, outlen - o, " and not (host %s and port %u)",
		         netaddr_format(&c->dns_addr, a, sizeof(a)), c->dns_port);
	return out;
}

/* Tell the core a state the sensor is in (once; retried while the queue is full). */
static void
set_state(struct pcapread *r, const char *state, const char *detail)
{
	if (strcmp(r->state, state) == 0 && strcmp(r->detail, detail) == 0)
		return;
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	r->state_pending = true;
	if (strcmp(state, "up") == 0)
		log_info("capture: %s", detail);
	else
		log_warn("capture: %s", detail);
}

static void
push_state(struct pcapread *r)
{
	struct sensor_event se = { 0 };

	if (!r->state_pending)
		return;
	se.ts_us = timefmt_now_us();
	snprintf(se.source, sizeof(se.source), "capture");
	snprintf(se.state, sizeof(se.state), "%s", r->state);
	snprintf(se.detail, sizeof(se.detail), "%s", r->detail);
	if (queue_push_sensor(r->q, &se) == 0)
		r->state_pending = false;
}

/* Compile the filter for ifindex into prog. Returns 0, or -1 with one line in err. */
static int
compile_filter(struct pcapread *r, int ifindex, struct bpf_program *prog, char *err,
               size_t errlen)
{
	char expr[2048];

	pcapread_filter(ifindex, r->c, expr, sizeof(expr));
	if (pcap_compile(r->p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "capture: filter '%s': %s", expr, pcap_geterr(r->p));
		return -1;
	}
	return 0;
}

/* Point the kernel filter at interface index ifindex (0: let nothing through). Setting
 * a filter needs no privilege. Returns 0, or -1 with one line in err. */
static int
set_filter(struct pcapread *r, int ifindex, char *err, size_t errlen)
{
	static struct bpf_insn none_insn = BPF_STMT(BPF_RET | BPF_K, 0);
	struct bpf_program none = { 1, &none_insn }, prog;
	int rc;

	if (ifindex == 0) {
		rc = pcap_setfilter(r->p, &none);
	} else {
		if (compile_filter(r, ifindex, &prog, err, errlen) < 0)
			return -1;
		rc = pcap_setfilter(r->p, &prog);
		pcap_freecode(&prog);
	}
	if (rc < 0) {
		snprintf(err, errlen, "capture: cannot set the filter: %s", pcap_geterr(r->p));
		return -1;
	}
	return 0;
}

/* Find the bridge by name and follow it to its current index. */
static void
follow(struct pcapread *r)
{
	int idx = (int)if_nametoindex(r->c->pcap_interface);
	char err[512], detail[132];

	if (idx == r->ifindex && r->state[0])
		return;
	if (set_filter(r, idx, err, sizeof(err)) < 0) {
		set_state(r, "error", err);
		return;
	}
	r->ifindex = idx;
	if (idx)
		snprintf(detail, sizeof(detail), "capturing on %s (interface index %d)",
		         r->c->pcap_interface, idx);
	else
		snprintf(detail, sizeof(detail), "%s does not exist: nothing crosses it to capture "
		         "until it appears", r->c->pcap_interface);
	set_state(r, idx ? "up" : "no-interface", detail);
}

static void
push(struct pcapread *r, struct event *ev)
{
	if (queue_push(r->q, ev) < 0) {
		stats_add(r->st, STAT_QUEUE_FULL, 1);
		event_free(ev);
	}
}

static void
on_hello(void *arg, const struct capture_hello *h)
{
	static const uint8_t kinds[] = { [CAPTURE_TLS] = HELLO_TLS, [CAPTURE_QUIC] = HELLO_QUIC,
	                                 [CAPTURE_HTTP] = HELLO_HTTP };
	struct pcapread *r = arg;
	char name_str[EVENT_NAME_STRLEN] = "";
	struct hello_event h2 = {
		.ts_us = h->ts_us, .mono_us = h->mono_us, .flow_us = h->flow_us,
		.client = h->key.client, .server = h->key.server,
		.cport = h->key.cport, .sport = h->key.sport, .proto = h->key.proto,
		.kind = h->kind <= CAPTURE_HTTP ? kinds[h->kind] : HELLO_TLS,
		.has_name = h->has_name, .name_cut = h->name_cut, .ech = h->ech,
		.version = h->kind == CAPTURE_HTTP ? 0 : h->max_version,
		.quic_version = h->quic_version, .name_len = h->has_name ? h->name_len : 0,
		.name = h->name, .name_str = name_str,
		.alpn = h->kind == CAPTURE_HTTP ? "" : h->alpn,
	};
	struct event ev = { .type = EV_HELLO };

	if (h2.name_len >= EVENT_NAMELEN)
		h2.name_len = EVENT_NAMELEN - 1;
	if (h->has_name)
		dnsmsg_host_str(h->name, h2.name_len, name_str, sizeof(name_str));
	if (!(ev.u.hello = hello_event_pack(&h2))) {
		stats_add(r->st, STAT_QUEUE_FULL, 1);
		return;
	}
	push(r, &ev);
}

static void
on_bytes(void *arg, const struct capture_bytes *b)
{
	static const uint8_t ends[] = { [CAPTURE_SLOT] = FLOW_GOES_ON,
	                                [CAPTURE_CLOSED] = FLOW_CLOSED,
	                                [CAPTURE_IDLE] = FLOW_IDLE,
	                                [CAPTURE_EVICTED] = FLOW_EVICTED,
	                                [CAPTURE_FLUSHED] = FLOW_FLUSHED,
	                                [CAPTURE_FOLDED] = FLOW_FOLDED };
	struct pcapread *r = arg;
	struct event ev = { .type = EV_BYTES };

	ev.u.bytes = (struct bytes_event){
		.slot_us = b->slot_us, .first_us = b->first_us, .last_us = b->last_us,
		.first_mono_us = b->first_mono_us,
		.client = b->key.client, .server = b->key.server, .cport = b->key.cport,
		.sport = b->key.sport, .proto = b->key.proto,
		.end = b->why <= CAPTURE_FOLDED ? ends[b->why] : FLOW_GOES_ON,
		.flows = b->flows > UINT32_MAX ? UINT32_MAX : (uint32_t)b->flows,
		.bytes_up = b->bytes_up, .bytes_down = b->bytes_down,
		.payload_up = b->payload_up, .payload_down = b->payload_down,
		.pkts_up = b->pkts_up, .pkts_down = b->pkts_down,
	};
	if (b->why != CAPTURE_FOLDED)
		push(r, &ev);
	else if (!r->n_pending && queue_push(r->q, &ev) == 0)
		return;
	else if (r->n_pending < FOLD_PENDING)
		r->pending[r->n_pending++] = ev.u.bytes;   /* behind those kept before */
	else
		stats_add(r->st, STAT_QUEUE_FULL, 1);
}

/* Push the kept aggregates, in order, while the queue takes them. */
static void
push_pending(struct pcapread *r)
{
	size_t i = 0;

	for (; i < r->n_pending; i++) {
		struct event ev = { .type = EV_BYTES, .u.bytes = r->pending[i] };

		if (queue_push(r->q, &ev) < 0)
			break;
	}
	if (i) {
		memmove(r->pending, r->pending + i, (r->n_pending - i) * sizeof(*r->pending));
		r->n_pending -= i;
	}
}

static void
on_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *frame)
{
	struct pcapread *r = (struct pcapread *)(void *)arg;

	/* the frame's time is the kernel's wall clock; the monotonic one is the batch's read */
	capture_packet(r->cap, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, r->read_mono,
	               frame, h->caplen, h->len, r->dlt);
}

/* Add the growth of what libpcap and the sensor counted to the daemon's counters. */
static void
account(struct pcapread *r)
{
	struct capture_counters n;
	struct pcap_stat ps;

	if (pcap_stats(r->p, &ps) == 0) {
		uint64_t drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;

		if (drops > r->pcap_drops)
			stats_add(r->st, STAT_PCAP_DROPPED, drops - r->pcap_drops);
		r->pcap_drops = drops;
	}
	capture_get_counters(r->cap, &n);
#define GREW(f) (n.f - r->cnt.f)
	stats_add(r->st, STAT_PCAP_RECEIVED, GREW(frames));
	stats_add(r->st, STAT_CAPTURE_UNCOUNTED, GREW(linktype) + GREW(short_frames) + GREW(bad) +
	          GREW(fragments));
	stats_add(r->st, STAT_CAPTURE_UNREAD, GREW(evicted_inspecting) + GREW(reasm_nomem) +
	          GREW(reasm_holes) + GREW(inspect_cut));
	stats_add(r->st, STAT_CAPTURE_HELLOS, GREW(hello_tls) + GREW(hello_quic) +
	          GREW(hello_http));
	stats_add(r->st, STAT_CAPTURE_REFUSED, GREW(tls_malformed) + GREW(tls_toobig) +
	          GREW(quic_malformed) + GREW(quic_undecryptable) + GREW(quic_toobig) +
	          GREW(http_malformed) + GREW(http_toobig));
#undef GREW
	r->cnt = n;
}

/* Read what the ring holds, at most DISPATCH_ROUNDS batches. */
static void
read_ring(struct pcapread *r)
{
	for (int i = 0; i < DISPATCH_ROUNDS; i++) {
		int n;

		r->read_mono = queue_mono_us();
		n = pcap_dispatch(r->p, -1, on_frame, (u_char *)(void *)r);

		if (n == 0)
			return;
		if (n < 0) {
			if (!r->error_logged)
				log_err("capture: reading the ring: %s", pcap_geterr(r->p));
			r->error_logged = true;
			set_state(r, "error", "reading the capture failed");
			return;
		}
	}
}

/* Empty the link socket; 1 if anything came (or it overran), 0 if nothing. */
static int
drain_links(struct pcapread *r)
{
	char buf[8192];
	int any = 0;
	ssize_t n;

	while ((n = recv(r->nlfd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ENOBUFS)
			break;
		any = 1;
	}
	return any;
}

static void *
run(void *arg)
{
	struct pcapread *r = arg;
	struct pollfd pf[3] = { { r->pcapfd, POLLIN, 0 }, { r->nlfd, POLLIN, 0 },
	                        { r->stopfd, POLLIN, 0 } };
	int64_t last_tick = 0, last_check = queue_mono_us();

	pthread_setname_np(pthread_self(), "oca-capture");
	push_state(r);
	for (;;) {
		int64_t mono;

		if (poll(pf, 3, PCAPREAD_BLOCK_MS) < 0 && errno != EINTR)
			break;
		push_pending(r);
		read_ring(r);
		mono = queue_mono_us();
		if ((pf[1].revents && drain_links(r)) || mono - last_check >= RECHECK_US) {
			last_check = mono;
			follow(r);
		}
		if (mono - last_tick >= TICK_US) {
			last_tick = mono;
			capture_tick(r->cap, timefmt_now_us(), mono);
			account(r);
			push_state(r);
		}
		if (pf[2].revents)
			break;
	}
	/* A block the kernel has not filled is handed over only when its timer retires it,
	 * PCAPREAD_BLOCK_MS on at most: what crossed before the stop is read before the flush,
	 * or the end of a flow would be missing from its bytes without being counted lost. */
	for (int64_t end = queue_mono_us() + 2 * PCAPREAD_BLOCK_MS * 1000;;) {
		read_ring(r);
		if (queue_mono_us() >= end)
			break;
		poll(pf, 1, PCAPREAD_BLOCK_MS / 5);
	}
	capture_flush(r->cap, timefmt_now_us(), queue_mono_us());
	/* the writer is still draining: the last aggregates get a second to find room */
	for (int i = 0; i < 100 && r->n_pending && !queue_is_closed(r->q); i++) {
		push_pending(r);
		if (r->n_pending)
			usleep(10000);
	}
	stats_add(r->st, STAT_QUEUE_FULL, r->n_pending);
	r->n_pending = 0;
	account(r);
	push_state(r);
	return NULL;
}

struct pcapread *
pcapread_open(const struct conf *c, struct queue *q, struct stats *st, char *err,
              size_t errlen)
{
	struct pcapread *r = calloc(1, sizeof(*r));
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	struct capture_conf cc = { .clients = c->vm_subnet, .n_clients = (size_t)c->n_vm_subnet,
	                           .on_hello = on_hello, .on_bytes = on_bytes };
	int rc;

	if (!r) {
		snprintf(err, errlen, "capture: out of memory");
		return NULL;
	}
	r->c = c;
	r->q = q;
	r->st = st;
	r->nlfd = r->stopfd = -1;
	cc.arg = r;
	if (getrandom(&cc.hash_seed, sizeof(cc.hash_seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(cc.hash_seed))
		cc.hash_seed = (uint64_t)timefmt_now_us() ^ (uint64_t)(uintptr_t)r;
	if (!(r->p = pcap_create("any", ebuf))) {
		snprintf(err, errlen, "capture: %s", ebuf);
		goto fail;
	}
	if (pcap_set_snaplen(r->p, PCAPREAD_SNAPLEN) < 0 ||
	    pcap_set_buffer_size(r->p, PCAPREAD_BUFFER) < 0 ||
	    pcap_set_timeout(r->p, PCAPREAD_BLOCK_MS) < 0) {
		snprintf(err, errlen, "capture: cannot configure libpcap: %s", pcap_geterr(r->p));
		goto fail;
	}
	if ((rc = pcap_activate(r->p)) < 0) {
		if (rc == PCAP_ERROR_PERM_DENIED)
			snprintf(err, errlen, "capture: %s: no permission to capture (needs "
			         "CAP_NET_RAW at start, and AF_PACKET allowed)", pcap_geterr(r->p));
		else
			snprintf(err, errlen, "capture: %s", pcap_geterr(r->p));
		goto fail;
	}
	/* Linux cooked v2 carries the interface index the kernel filter selects on */
	if (pcap_set_datalink(r->p, DLT_LINUX_SLL2) < 0) {
		snprintf(err, errlen, "capture: the \"any\" device gives no DLT_LINUX_SLL2 (libpcap "
		         ">= 1.10 is needed): %s", pcap_geterr(r->p));
		goto fail;
	}
	r->dlt = pcap_datalink(r->p);
	if (pcap_setnonblock(r->p, 1, ebuf) < 0 || (r->pcapfd = pcap_get_selectable_fd(r->p)) < 0) {
		snprintf(err, errlen, "capture: %s", *ebuf ? ebuf : "no selectable descriptor");
		goto fail;
	}
	if ((r->nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0 ||
	    bind(r->nlfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "capture: rtnetlink: %s", strerror(errno));
		goto fail;
	}
	if ((r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "capture: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (!(r->cap = capture_new(&cc))) {
		snprintf(err, errlen, "capture: out of memory");
		goto fail;
	}
	/* a filter that does not compile is a startup error, whether the bridge is there
	 * or not; then the filter, so only the VM's traffic reaches the ring from now on */
	{
		struct bpf_program prog;

		if (compile_filter(r, 1, &prog, err, errlen) < 0)
			goto fail;
		pcap_freecode(&prog);
	}
	r->ifindex = -1;
	follow(r);
	if (!strcmp(r->state, "error")) {
		snprintf(err, errlen, "%s", r->detail);
		goto fail;
	}
	return r;
fail:
	pcapread_close(r);
	return NULL;
}

int
pcapread_start(struct pcapread *r)
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
pcapread_stop(struct pcapread *r)
{
	uint64_t one = 1;

	if (!r || !r->started)
		return;
	if (write(r->stopfd, &one, sizeof(one)) < 0)
		log_warn("capture: cannot signal the reader: %s", strerror(errno));
	pthread_join(r->thread, NULL);
	r->started = false;
}

void
pcapread_close(struct pcapread *r)
{
	if (!r)
		return;
	pcapread_stop(r);
	capture_free(r->cap);
	if (r->p)
		pcap_close(r->p);
	if (r->nlfd >= 0)
		close(r->nlfd);
	if (r->stopfd >= 0)
		close(r->stopfd);
	free(r);
}
