/* The capture sensor's flow table and the dispatch of each frame. See capture.h for what
 * comes out; this file holds how.
 *
 * Flows live in one array allocated up front (max_flows), found through a seeded hash of
 * their 5-tuple (chained by index), and kept on one of three lists ordered by last packet:
 * TCP, UDP and the rest, and TCP flows that closed and linger for their last ACKs. Each
 * list has one timeout, so the flows to expire are always at a tail, and the flow to evict
 * from a full table is the oldest of the three tails: both O(1) per packet. A slot change
 * sweeps the lists once to emit the slot's records.
 *
 * A flow under inspection (its hello not yet read) holds a struct inspect, allocated from
 * the reassembly pool with its buffers, and freed as soon as the verdict is in: the common
 * ClientHello that fits one segment is read in place, without a copy or an allocation.
 *
 * Whether a flow is small is decided in one place (small()), over its whole life so far,
 * and asked of each record as it is made: at the flow's end, and at the sweep when its
 * slot is over. A small flow's record goes to the slot's aggregate (flowagg.h) instead of
 * out, at its end as at a sweep: a flood of one-packet flows alive when the minute turns
 * (up to max_flows of them) adds no record of its own to the queue. The aggregates go out
 * when the slot is over, after the slot's own records. A flow folded at a sweep keeps its
 * entry (its inspection, its place in the lists) and its counts so far (fold_pkts,
 * fold_down, fold_data): if it sends nothing more, its end emits nothing (its whole life
 * is in the aggregate); if it goes on and is still small over its whole life, its next
 * record folds into the aggregate of the slot it falls in and is counted once more in that
 * slot's flows (an aggregate's flows are the small flows with packets in its slot, as a
 * flow of its own has a record per slot); if it stops being small (a hello, data on an
 * answered flow, more than CAPTURE_FOLD_PKTS packets in all), its later records are its
 * own, while what it sent before stays in the aggregate it went to. Bytes per destination
 * and slot stay exact either way.
 *
 * Two clocks come with every frame and tick: the wall clock, which the records carry and
 * which names the slots, and the monotonic clock, which every timer here runs on (idle
 * and linger timeouts, the least recently seen flow, the end of a slot). A slot starts at
 * a wall-clock boundary and ends slot_us of monotonic time later: with the wall clock
 * stepped back a day, flows still expire and slots still close on time (the records of
 * the next slots are named by the stepped clock); a step forward closes no slot early. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "capdecode.h"
#include "flowagg.h"
#include "flowhash.h"
#include "httphost.h"
#include "quicinit.h"
#include "reasm.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10
#define STREAM_CAP (TLSHELLO_STREAM_MAX > HTTPHOST_HEAD_MAX ? TLSHELLO_STREAM_MAX \
                                                             : HTTPHOST_HEAD_MAX)
#define NIL 0u                     /* indexes are stored +1, so 0 is "none" */

enum { L_TCP, L_OTHER, L_CLOSED, N_LISTS };
enum { I_NONE, I_ACTIVE, I_DONE }; /* inspection: not started, under way, over */

struct inspect {
	uint32_t segs;                 /* client data packets looked at */
	bool http;                     /* read as HTTP (decided at the stream's first byte) */
	bool kind_known;
	union {
		struct reasm tcp;
		struct quicinit quic;
	} u;
};

struct flow {
	struct capture_flowkey key;
	uint32_t hnext, prev, next;
	uint8_t list, fins, insp_state;
	bool have_isn;
	bool missed_start;             /* its first data came with no SYN seen: began unknown */
	bool emitted, hello;           /* a record of its own went out; a hello did */
	bool fold_down, fold_data;     /* the records folded so far: a reply, data either way */
	uint8_t fold_pkts;             /* ... their packets (at most CAPTURE_FOLD_PKTS) */
	uint32_t isn;
	int64_t last_us;               /* monotonic */
	struct capture_bytes rec;      /* the current slot's counts */
	struct inspect *insp;
};

struct capture {
	struct capture_conf conf;
	struct cidr *clients;
	struct flow *flows;
	uint32_t *buckets, mask, free_head;
	uint32_t head[N_LISTS], tail[N_LISTS];
	size_t n_flows;
	int64_t now;                   /* monotonic: the latest seen (that of the frame read) */
	int64_t slot;                  /* wall clock: the current slot's start */
	int64_t slot_end;              /* monotonic: when it ends */
	bool started;
	struct reasm_pool pool;
	struct flowagg *agg;           /* NULL: conf.no_fold */
	struct capture_counters cnt;
};

#define F(i) (&c->flows[(i) - 1])
#define IDX(f) ((uint32_t)((f) - c->flows) + 1)

static uint64_t
hash(const struct capture *c, const struct capture_flowkey *k)
{
	uint64_t w[FLOWHASH_WORDS] = { 0 };

	memcpy(w, k->client.a, 16);
	memcpy(w + 2, k->server.a, 16);
	w[4] = (uint64_t)k->cport << 32 | (uint64_t)k->sport << 16 | (uint64_t)k->proto << 8 |
	       k->client.family;
	return flowhash_mix(c->conf.hash_seed, w);
}

static bool
key_eq(const struct capture_flowkey *a, const struct capture_flowkey *b)
{
	return a->cport == b->cport && a->sport == b->sport && a->proto == b->proto &&
	       netaddr_equal(&a->client, &b->client) && netaddr_equal(&a->server, &b->server);
}

static struct flow *
find(struct capture *c, const struct capture_flowkey *k)
{
	for (uint32_t i = c->buckets[hash(c, k) & c->mask]; i != NIL; i = F(i)->hnext)
		if (key_eq(&F(i)->key, k))
			return F(i);
	return NULL;
}

static void
list_unlink(struct capture *c, struct flow *f)
{
	if (f->prev) F(f->prev)->next = f->next; else c->head[f->list] = f->next;
	if (f->next) F(f->next)->prev = f->prev; else c->tail[f->list] = f->prev;
	f->prev = f->next = NIL;
}

static void
list_push(struct capture *c, struct flow *f, uint8_t list)
{
	f->list = list;
	f->prev = NIL;
	f->next = c->head[list];
	if (f->next) F(f->next)->prev = IDX(f); else c->tail[list] = IDX(f);
	c->head[list] = IDX(f);
}

/* The one rule of the fold: a flow whose whole life so far (the records folded before
 * and this one) is a few packets, without a hello, and either unanswered or without data
 * folds this record into its destination's aggregate, whether it ends now or its slot is
 * over. Once a record of its own went out, its later ones go out too. */
static bool
small(const struct flow *f)
{
	const struct capture_bytes *r = &f->rec;

	return !f->emitted && !f->hello &&
	       f->fold_pkts + r->pkts_up + r->pkts_down <= CAPTURE_FOLD_PKTS &&
	       (!(f->fold_down || r->pkts_down) ||
	        !(f->fold_data || r->payload_up + r->payload_down));
}

static void
emit(struct capture *c, struct flow *f, enum capture_why why)
{
	bool folded = false;

	/* folded at a sweep, nothing since: its whole life is in an aggregate already */
	if (!f->emitted && !(f->rec.pkts_up + f->rec.pkts_down))
		return;
	f->rec.key = f->key;
	f->rec.why = why;
	f->rec.flows = 1;
	if (c->agg && small(f)) {
		folded = flowagg_add(c->agg, &f->rec);
		if (folded) {
			c->cnt.folded++;
			f->fold_pkts = (uint8_t)(f->fold_pkts + f->rec.pkts_up + f->rec.pkts_down);
			f->fold_down = f->fold_down || f->rec.pkts_down;
			f->fold_data = f->fold_data || f->rec.payload_up + f->rec.payload_down;
		} else {
			c->cnt.fold_full++;
		}
	}
	if (!folded && c->conf.on_bytes)
		c->conf.on_bytes(c->conf.arg, &f->rec);
	f->emitted = f->emitted || !folded;
	memset(&f->rec.bytes_up, 0, sizeof(f->rec) - offsetof(struct capture_bytes, bytes_up));
	f->rec.first_us = f->rec.last_us = f->rec.first_mono_us = 0;
}

static void
drop(void *arg, const struct capture_bytes *b)
{
	(void)arg;
	(void)b;
}

/* The slot's aggregates go out. */
static void
drain(struct capture *c)
{
	if (c->agg)
		flowagg_drain(c->agg, c->conf.on_bytes ? c->conf.on_bytes : drop, c->conf.arg);
}

static void
inspect_end(struct capture *c, struct flow *f)
{
	if (f->insp) {
		if (f->key.proto == IPPROTO_UDP)
			quicinit_free(&f->insp->u.quic, &c->pool);
		else
			reasm_free(&f->insp->u.tcp, &c->pool);
		free(f->insp);
		c->pool.used -= sizeof(*f->insp);
		f->insp = NULL;
	}
	f->insp_state = I_DONE;
}

static void
flow_end(struct capture *c, struct flow *f, enum capture_why why)
{
	uint32_t *p = &c->buckets[hash(c, &f->key) & c->mask];

	if (why == CAPTURE_EVICTED) {
		c->cnt.evicted++;
		/* a hello begun and not finished is lost; one not begun is not: the flow's
		 * first data makes a new flow that reads it (missed_start) */
		if (f->insp_state == I_ACTIVE)
			c->cnt.evicted_inspecting++;
	}
	emit(c, f, why);
	inspect_end(c, f);
	while (*p != IDX(f))
		p = &F(*p)->hnext;
	*p = f->hnext;
	list_unlink(c, f);
	f->next = c->free_head;
	c->free_head = IDX(f);
	c->n_flows--;
}

static struct flow *
flow_new(struct capture *c, const struct capture_flowkey *k)
{
	struct flow *f;
	uint32_t b;

	if (!c->free_head) {           /* full: the least recently seen of the three tails */
		struct flow *old = NULL;

		for (int l = 0; l < N_LISTS; l++)
			if (c->tail[l] && (!old || F(c->tail[l])->last_us < old->last_us))
				old = F(c->tail[l]);
		flow_end(c, old, CAPTURE_EVICTED);
	}
	f = F(c->free_head);
	c->free_head = f->next;
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->rec.slot_us = c->slot;
	b = (uint32_t)(hash(c, k) & c->mask);
	f->hnext = c->buckets[b];
	c->buckets[b] = IDX(f);
	list_push(c, f, k->proto == IPPROTO_TCP ? L_TCP : L_OTHER);
	c->n_flows++;
	c->cnt.flows++;
	return f;
}

/* The slot the wall clock is in at wall, ending when the wall clock would end it, on the
 * monotonic clock (mono at wall). Past the end of the slot before it, a wall clock still
 * in that slot lags the monotonic one (a frame's kernel time read later, a small step
 * back): the next slot is taken, not the same again. */
static void
slot_start(struct capture *c, int64_t wall, int64_t mono)
{
	int64_t len = c->conf.slot_us, slot = wall - (wall % len + len) % len;

	if (c->started && slot == c->slot && wall - slot >= len / 2)
		slot += len;
	c->slot = slot;
	c->slot_end = mono + (slot + len - wall);
}

/* Move the clocks to (wall, mono): expire what timed out, close the slot if it is over. */
static void
advance(struct capture *c, int64_t wall, int64_t mono)
{
	const int64_t idle[N_LISTS] = { c->conf.tcp_idle_us, c->conf.udp_idle_us,
	                                CAPTURE_LINGER_US };
	int64_t now = mono;

	if (!c->started) {
		slot_start(c, wall, mono);
		c->started = true;
		c->now = now;
	}
	if (now < c->now)
		now = c->now;
	c->now = now;
	for (int l = 0; l < N_LISTS; l++)
		while (c->tail[l] && now - F(c->tail[l])->last_us > idle[l])
			flow_end(c, F(c->tail[l]), l == L_CLOSED ? CAPTURE_CLOSED : CAPTURE_IDLE);
	if (now < c->slot_end)
		return;
	slot_start(c, wall, now);
	for (int l = 0; l < N_LISTS; l++)
		for (uint32_t i = c->head[l]; i != NIL; i = F(i)->next) {
			if (F(i)->rec.pkts_up + F(i)->rec.pkts_down)
				emit(c, F(i), CAPTURE_SLOT);
			F(i)->rec.slot_us = c->slot;
		}
	drain(c);
}

/* The flow's first packet (wall clock), while its current record holds every packet of
 * it (none went out or was folded before) and it began here (not a TCP flow first seen
 * mid-stream: one whose SYN went with an evicted entry began before); else 0. What its
 * hello carries, so that the core joins it to its own flow's connection, not an earlier
 * one's of the same 5-tuple. */
static int64_t
flow_start(const struct flow *f)
{
	return f->emitted || f->fold_pkts || f->missed_start ? 0 : f->rec.first_us;
}

static void
hello_tls(struct capture *c, struct flow *f, int64_t ts, enum capture_kind kind,
          const struct tlshello *t, uint32_t quic_version)
{
	struct capture_hello h = { .ts_us = ts, .mono_us = c->now, .flow_us = flow_start(f),
	                           .key = f->key, .kind = kind };

	h.has_name = t->has_sni;
	h.name_cut = t->sni_cut;
	h.name_len = t->sni_len;
	memcpy(h.name, t->sni, t->sni_len);
	memcpy(h.alpn, t->alpn, sizeof(h.alpn));
	h.legacy_version = t->legacy_version;
	h.max_version = tlshello_max_version(t);
	h.n_versions = t->n_versions;
	memcpy(h.versions, t->versions, sizeof(h.versions));
	h.ech = t->ech;
	h.quic_version = quic_version;
	f->hello = true;
	if (kind == CAPTURE_TLS)
		c->cnt.hello_tls++;
	else
		c->cnt.hello_quic++;
	if (c->conf.on_hello)
		c->conf.on_hello(c->conf.arg, &h);
}

/* Read the client's stream so far (len bytes from its first); returns true when the
 * inspection is over (a hello emitted, or a verdict counted). */
static bool
read_stream(struct capture *c, struct flow *f, int64_t ts, bool http, const uint8_t *s,
            size_t len, bool at_cap)
{
	if (http) {
		struct httphost r;
		struct capture_hello h = { .ts_us = ts, .mono_us = c->now, .flow_us = flow_start(f),
		                           .key = f->key, .kind = CAPTURE_HTTP };

		switch (httphost_parse(s, len, &r)) {
		case HTTPH_OK:
			h.has_name = r.has_host;
			h.name_cut = r.host_cut;
			h.name_len = r.host_len;
			memcpy(h.name, r.host, r.host_len);
			f->hello = true;
			c->cnt.hello_http++;
			if (c->conf.on_hello)
				c->conf.on_hello(c->conf.arg, &h);
			return true;
		case HTTPH_NEED:
			if (!at_cap)
				return false;
			/* fall through */
		case HTTPH_TOOBIG: c->cnt.http_toobig++; return true;
		case HTTPH_MALFORMED: c->cnt.http_malformed++; return true;
		case HTTPH_NOT_HTTP: c->cnt.not_hello++; return true;
		}
	} else {
		struct tlshello t;

		switch (tlshello_parse(s, len, &t)) {
		case TLSH_OK: hello_tls(c, f, ts, CAPTURE_TLS, &t, 0); return true;
		case TLSH_NEED:
			if (!at_cap)
				return false;
			/* fall through */
		case TLSH_TOOBIG: c->cnt.tls_toobig++; return true;
		case TLSH_MALFORMED: c->cnt.tls_malformed++; return true;
		case TLSH_NOT_TLS: c->cnt.not_hello++; return true;
		}
	}
	return true;
}

static struct inspect *
inspect_new(struct capture *c, struct flow *f)
{
	struct inspect *in;

	if (c->pool.used + sizeof(*in) > c->pool.limit || !(in = calloc(1, sizeof(*in)))) {
		c->cnt.reasm_nomem++;
		inspect_end(c, f);
		return NULL;
	}
	c->pool.used += sizeof(*in);
	f->insp = in;
	return in;
}

/* A client TCP segment with data. */
static void
inspect_tcp(struct capture *c, struct flow *f, int64_t ts, const struct capdecode *d)
{
	struct inspect *in = f->insp;
	const uint8_t *s;
	size_t len;
	bool http = f->key.sport == 80;
	enum reasm_result r;

	if (!f->have_isn) {            /* no SYN seen: take this segment as the first */
		c->cnt.missed_start++;
		f->have_isn = f->missed_start = true;
		f->isn = d->tcp_seq - 1;
	}
	if (d->payload_len < d->l4_len || (in && ++in->segs > CAPTURE_INSPECT_SEGMENTS)) {
		c->cnt.inspect_cut++;
		inspect_end(c, f);
		return;
	}
	if (!in && d->tcp_seq == f->isn + 1) {
		/* the usual case: the stream's first segment, read where it lies */
		http = http && d->payload[0] != 0x16;
		if (read_stream(c, f, ts, http, d->payload, d->payload_len, false)) {
			inspect_end(c, f);
			return;
		}
	}
	if (!in) {
		if (!(in = inspect_new(c, f)))
			return;
		reasm_init(&in->u.tcp, f->isn + 1, STREAM_CAP);
		f->insp_state = I_ACTIVE;
		in->segs = 1;
	}
	r = reasm_add_seq(&in->u.tcp, &c->pool, d->tcp_seq, d->payload, d->payload_len);
	if (r == REASM_NOMEM || r == REASM_HOLES) {
		if (r == REASM_NOMEM)
			c->cnt.reasm_nomem++;
		else
			c->cnt.reasm_holes++;
		inspect_end(c, f);
		return;
	}
	if (!(s = reasm_data(&in->u.tcp, &len)))
		return;
	if (!in->kind_known) {
		in->kind_known = true;
		in->http = http && s[0] != 0x16;
	}
	if (read_stream(c, f, ts, in->http, s, len, len == STREAM_CAP || r != REASM_OK))
		inspect_end(c, f);
}

/* A client UDP datagram with data. */
static void
inspect_udp(struct capture *c, struct flow *f, int64_t ts, const struct capdecode *d)
{
	struct inspect *in = f->insp;
	struct tlshello t;

	if (!in && !quicinit_is_initial(d->payload, d->payload_len)) {
		c->cnt.not_hello++;
		inspect_end(c, f);
		return;
	}
	if (d->payload_len < d->l4_len || (in && ++in->segs > CAPTURE_INSPECT_SEGMENTS)) {
		c->cnt.inspect_cut++;
		inspect_end(c, f);
		return;
	}
	if (!in) {
		if (!(in = inspect_new(c, f)))
			return;
		quicinit_init(&in->u.quic);
		f->insp_state = I_ACTIVE;
		in->segs = 1;
	}
	switch (quicinit_datagram(&in->u.quic, &c->pool, d->payload, d->payload_len, &t)) {
	case QUICI_NEED: return;
	case QUICI_HELLO: hello_tls(c, f, ts, CAPTURE_QUIC, &t, in->u.quic.version); break;
	case QUICI_NOT_QUIC: c->cnt.not_hello++; break;
	case QUICI_MALFORMED: c->cnt.quic_malformed++; break;
	case QUICI_UNDECRYPTABLE: c->cnt.quic_undecryptable++; break;
	case QUICI_TOOBIG: c->cnt.quic_toobig++; break;
	case QUICI_LOST: c->cnt.reasm_nomem++; break;
	}
	inspect_end(c, f);
}

static bool
is_client(const struct capture *c, const struct netaddr *a)
{
	for (size_t i = 0; i < c->conf.n_clients; i++)
		if (cidr_contains(&c->clients[i], a))
			return true;
	return false;
}

void
capture_packet(struct capture *c, int64_t ts_us, int64_t mono_us, const uint8_t *frame,
               size_t caplen, size_t wirelen, int dlt)
{
	struct capdecode d;
	struct capture_flowkey up = { 0 }, down = { 0 };
	struct flow *f;
	bool src_in, dst_in, is_up;
	int dir;

	c->cnt.frames++;
	c->cnt.frame_bytes += wirelen > caplen ? wirelen : caplen;
	advance(c, ts_us, mono_us);
	switch (capdecode(dlt, frame, caplen, wirelen, &d)) {
	case CAPD_OK: break;
	case CAPD_LINKTYPE: c->cnt.linktype++; return;
	case CAPD_NOT_IP: c->cnt.not_ip++; return;
	case CAPD_SHORT: c->cnt.short_frames++; return;
	case CAPD_BAD: c->cnt.bad++; return;
	}
	if (d.fragment) {
		c->cnt.fragments++;
		c->cnt.fragment_bytes += d.ip_len;
		return;
	}
	up = (struct capture_flowkey){ .client = d.src, .server = d.dst, .cport = d.sport,
	                               .sport = d.dport, .proto = d.proto };
	down = (struct capture_flowkey){ .client = d.dst, .server = d.src, .cport = d.dport,
	                                 .sport = d.sport, .proto = d.proto };
	src_in = is_client(c, &d.src);
	dst_in = is_client(c, &d.dst);
	if (!src_in && !dst_in) {
		c->cnt.foreign++;
		return;
	}
	if (src_in != dst_in) {
		is_up = src_in;
		f = find(c, is_up ? &up : &down);
	} else if ((f = find(c, &up))) {   /* both ends are the VM's: whoever began */
		is_up = true;
	} else {
		is_up = !(f = find(c, &down)) &&
		        !(d.proto == IPPROTO_TCP && (d.tcp_flags & (TH_SYN | TH_ACK)) ==
		                                    (TH_SYN | TH_ACK));
	}
	/* a new connection on the 4-tuple of one that closed */
	if (f && f->list == L_CLOSED && is_up && (d.tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		flow_end(c, f, CAPTURE_CLOSED);
		f = NULL;
	}
	if (!f)
		f = flow_new(c, is_up ? &up : &down);

	dir = is_up ? 0 : 1;
	if (!(f->rec.pkts_up + f->rec.pkts_down)) {
		f->rec.first_us = ts_us;
		f->rec.first_mono_us = c->now;
	}
	f->rec.last_us = ts_us;
	*(dir ? &f->rec.bytes_down : &f->rec.bytes_up) += d.ip_len;
	*(dir ? &f->rec.payload_down : &f->rec.payload_up) += d.l4_len;
	*(dir ? &f->rec.pkts_down : &f->rec.pkts_up) += 1;
	f->last_us = c->now;
	list_unlink(c, f);
	list_push(c, f, f->list);

	if (d.proto == IPPROTO_TCP) {
		if (is_up && (d.tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN && f->insp_state == I_NONE) {
			f->have_isn = true;
			f->isn = d.tcp_seq;
		}
		if (is_up && d.l4_len && f->insp_state != I_DONE) {
			if (d.tcp_flags & TH_SYN)
				d.tcp_seq++;           /* data on a SYN (Fast Open) follows the SYN */
			inspect_tcp(c, f, ts_us, &d);
		}
		if (d.tcp_flags & TH_FIN)
			f->fins |= (uint8_t)(1 << dir);
		if (((d.tcp_flags & TH_RST) || f->fins == 3) && f->list != L_CLOSED) {
			list_unlink(c, f);
			list_push(c, f, L_CLOSED);
		}
	} else if (d.proto == IPPROTO_UDP && is_up && d.l4_len && f->insp_state != I_DONE) {
		inspect_udp(c, f, ts_us, &d);
	}
}

void
capture_tick(struct capture *c, int64_t now_us, int64_t mono_us)
{
	advance(c, now_us, mono_us);
}

void
capture_flush(struct capture *c, int64_t now_us, int64_t mono_us)
{
	advance(c, now_us, mono_us);
	for (int l = 0; l < N_LISTS; l++)
		while (c->head[l])
			flow_end(c, F(c->head[l]), CAPTURE_FLUSHED);
	drain(c);
}

struct capture *
capture_new(const struct capture_conf *conf)
{
	struct capture *c = calloc(1, sizeof(*c));
	size_t nb = 1;

	if (!c)
		return NULL;
	c->conf = *conf;
	if (!c->conf.max_flows) c->conf.max_flows = CAPTURE_MAX_FLOWS;
	if (!c->conf.reasm_bytes) c->conf.reasm_bytes = CAPTURE_REASM_BYTES;
	if (!c->conf.slot_us) c->conf.slot_us = CAPTURE_SLOT_US;
	if (!c->conf.tcp_idle_us) c->conf.tcp_idle_us = CAPTURE_TCP_IDLE_US;
	if (!c->conf.udp_idle_us) c->conf.udp_idle_us = CAPTURE_UDP_IDLE_US;
	if (!c->conf.fold_max) c->conf.fold_max = CAPTURE_FOLD_MAX;
	c->pool.limit = c->conf.reasm_bytes;
	while (nb < c->conf.max_flows)
		nb <<= 1;
	c->mask = (uint32_t)nb - 1;
	if (c->conf.slot_us < 0 || 3600000000LL % c->conf.slot_us || c->conf.max_flows > 1u << 24 ||
	    !(c->flows = calloc(c->conf.max_flows, sizeof(*c->flows))) ||
	    !(c->buckets = calloc(nb, sizeof(*c->buckets))) ||
	    (!conf->no_fold && !(c->agg = flowagg_new(c->conf.fold_max, c->conf.hash_seed))) ||
	    (conf->n_clients && !(c->clients = calloc(conf->n_clients, sizeof(*c->clients))))) {
		capture_free(c);
		return NULL;
	}
	if (conf->n_clients)
		memcpy(c->clients, conf->clients, conf->n_clients * sizeof(*c->clients));
	c->conf.clients = c->clients;
	for (uint32_t i = (uint32_t)c->conf.max_flows; i > 0; i--) {
		c->flows[i - 1].next = c->free_head;
		c->free_head = i;
	}
	return c;
}

void
capture_get_counters(const struct capture *c, struct capture_counters *out)
{
	*out = c->cnt;
}

size_t
capture_flow_count(const struct capture *c)
{
	return c->n_flows;
}

void
capture_free(struct capture *c)
{
	if (!c)
		return;
	if (c->flows)
		for (size_t i = 0; i < c->conf.max_flows; i++)
			if (c->flows[i].insp)
				inspect_end(c, &c->flows[i]);
	free(c->flows);
	free(c->buckets);
	flowagg_free(c->agg);
	free(c->clients);
	free(c);
}
