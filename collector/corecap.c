/* The core's half for the capture sensor (core.h: core_hello, core_bytes).
 *
 * A hello and a byte record are joined to their flow's connection row and destination:
 * from the flow map (flowmap.h), which NFLOG's connections fill, else the connections
 * table (a connection within FLOW_LOOKBACK_US), else attribution as for a new connection,
 * so bytes count under the destination NFLOG's connection did. The two sensors are two
 * readers, and NFLOG batches in the kernel for up to 20 ms while a hello may follow its
 * SYN by less: a hello whose connection has not come yet is held (HOLD_US, at most
 * HOLD_MAX of them) until it comes or the time is up, then stored, linked or not.
 *
 * A hello is joined only to a connection that did not come before its flow's first
 * packet (one rule, hello_span, for the flow map and the table): an older connection of
 * the same 5-tuple is an earlier flow's (the client's port used again), whose entry the
 * flow map may still hold (flowmap.h). The capture stamps the flow's first packet as
 * NFLOG stamps its connection (the kernel's wall clock), FLOW_STAMP_US apart at most.
 *
 * An aggregate of small flows (FLOW_FOLDED: the capture folded flows too small for a
 * row each, capture/flowagg.h) has no connection of its own: it counts under the
 * destination attribution gives its client and server at its first packet, as a new
 * connection would. Its flows' own connections were made within the same slot, so they
 * counted under the same one unless an answer for that address came or expired in
 * between: the bytes per address, port and protocol are exact either way.
 *
 * What a hello means is verdict.c's. Bytes up count against their name's budget per day
 * (budget.h): the name is the destination's DNS name, or its address. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "common/findkind.h"
#include "common/timefmt.h"
#include "common/units.h"
#include "core.h"
#include "coreint.h"
#include "flowmap.h"
#include "fold.h"
#include "verdict.h"

#define FLOW_LOOKBACK_US HOUR_US     /* how far back a flow's connection row is looked for */
#define HOLD_US (2 * US_PER_SEC)     /* a hello waits this long for its connection */
#define HOLD_MAX 2048                /* hellos held at most (~200 bytes each) */
#define FLOW_STAMP_US 10000          /* a connection stamped before its flow's start */

struct held {
	struct hello_event *h;           /* NULL: taken early */
	int64_t due_us;                  /* monotonic */
};

struct corecap {
	struct flowmap *flows;
	struct budget *budget;           /* NULL: no upload budget */
	uint64_t untracked;              /* byte records the budget table could not keep */
	struct held held[HOLD_MAX];      /* a ring in arrival (so due) order */
	size_t head, n;
};

/* Today's uploads per name, from the hourly rollups: a restart keeps the budget. */
static void
budget_reload(struct corecap *cc, sqlite3 *db, int64_t now_us)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT lower(coalesce(nullif(d.domain, ''), d.ip)), "
	                       "sum(h.bytes_up) FROM dest_hourly h JOIN destinations d ON "
	                       "d.id = h.dest_id WHERE h.hour >= ?1 AND h.bytes_up > 0 "
	                       "GROUP BY 1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, now_us / DAY_US * 24);
	while (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		budget_seed(cc->budget, (const char *)sqlite3_column_text(st, 0), now_us,
		            (uint64_t)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
}

struct corecap *
corecap_new(const struct conf *c, sqlite3 *db, int64_t now_us, uint64_t seed)
{
	struct corecap *cc = calloc(1, sizeof(*cc));

	if (!cc || !(cc->flows = flowmap_new(seed)) ||
	    (c->upload_budget && !(cc->budget = budget_new(c->upload_budget)))) {
		corecap_free(cc);
		return NULL;
	}
	if (cc->budget)
		budget_reload(cc, db, now_us);
	return cc;
}

void
corecap_free(struct corecap *cc)
{
	if (!cc)
		return;
	for (size_t i = 0; i < HOLD_MAX; i++)
		hello_event_free(cc->held[i].h);
	flowmap_free(cc->flows);
	budget_free(cc->budget);
	free(cc);
}

void
corecap_rollback(struct corecap *cc)
{
	/* the rows the flows point at, and the findings of crossed budgets, are gone; held
	 * hellos stay held (their flows' marks go with the map: they wait for their time) */
	flowmap_clear(cc->flows);
	if (cc->budget)
		budget_unflag(cc->budget);
}

uint64_t
core_untracked(const struct core *k)
{
	return k->cap ? k->cap->untracked : 0;
}

static void
flowkey_of(struct flowkey *fk, const struct netaddr *client, const struct netaddr *server,
           uint16_t cport, uint16_t sport, uint8_t proto)
{
	memset(fk, 0, sizeof(*fk));
	fk->client = *client;
	fk->server = *server;
	fk->cport = cport;
	fk->sport = sport;
	fk->proto = proto;
}

/* The one rule joining a hello to a connection: the times (wall clock) a connection of
 * hello h's flow may have, from_us to to_us. Not before the flow's first packet (a
 * connection before it is an earlier flow's of the same 5-tuple), or, if the capture did
 * not keep it (h->flow_us 0: a flow older than its slot), within FLOW_LOOKBACK_US before
 * h; at most HOLD_US after h (a connection stamped when NFLOG read it, the kernel's stamp
 * missing, comes after the packets it follows, as long as a hello is held for it). */
static void
hello_span(const struct hello_event *h, int64_t *from_us, int64_t *to_us)
{
	*from_us = h->flow_us > 0 ? h->flow_us - FLOW_STAMP_US : h->ts_us - FLOW_LOOKBACK_US;
	*to_us = h->ts_us + HOLD_US;
}

/* Whether hello h takes fi's connection (by hello_span). */
static bool
hello_takes(const struct hello_event *h, const struct flowinfo *fi)
{
	int64_t from, to;

	hello_span(h, &from, &to);
	return fi->conn_id && fi->conn_us >= from && fi->conn_us <= to;
}

/* The flow of a capture record: its connection row (0 if NFLOG made none) and the
 * destination its bytes count in, from the flow map, else the connections table (within
 * FLOW_LOOKBACK_US of ts_us; for hello h, within its span), else attribution as for a new
 * connection. *r gets what attribution knows of (client, server) at mono_us (the same
 * moment on the monotonic clock) either way, if r is not NULL (a byte record of a flow
 * the map holds needs no attribution: most of them). Returns the flow's entry (valid
 * until the next flow is resolved), or *own when the entry is an earlier flow's that h
 * does not take (left as it is), or NULL on a database error. */
static struct flowinfo *
flow_resolve(struct core *k, struct store *s, const struct flowkey *fk, int64_t ts_us,
             int64_t mono_us, const struct hello_event *h, struct flowinfo *own,
             struct attrib_result *r)
{
	struct flowinfo *fi = flowmap_get(k->cap->flows, fk, mono_us);
	struct attrib_result mine;
	bool want = r || !fi || !fi->dest_id;
	int64_t from = ts_us - FLOW_LOOKBACK_US, to = ts_us;
	int found;

	if (!r)
		r = &mine;
	if (want)
		attrib_lookup(k->map, &fk->client, &fk->server, mono_us,
		              (int64_t)k->c->attribution_grace * US_PER_SEC, r);
	if (h) {
		hello_span(h, &from, &to);
		if (fi && fi->conn_id && !hello_takes(h, fi)) {
			fi->held = 0;    /* as hello_now clears an entry it takes */
			*own = (struct flowinfo){ 0 };
			fi = own;
		}
	}
	if (fi && fi->dest_id)
		return fi;
	if (!fi)
		fi = flowmap_put(k->cap->flows, fk, mono_us);
	found = store_find_conn(s, &fk->client, &fk->server, fk->proto, fk->cport, fk->sport,
	                        from, to, &fi->conn_id, &fi->dest_id, &fi->conn_us);
	if (found < 0)
		return NULL;
	if (found == 0) {
		/* no connection row: the destination a new connection would have had */
		struct conn_event ev = { .ts_us = ts_us, .mono_us = mono_us, .src = fk->client,
		                         .dst = fk->server, .proto = fk->proto, .has_ports = 1,
		                         .sport = fk->cport, .dport = fk->sport };
		struct conn_verdict v;

		verdict_conn(k->c, r, &ev, &v);
		fi->conn_id = 0;
		fi->dest_id = store_dest(s, ts_us, v.pick >= 0 ? r->c[v.pick].name : NULL,
		                         &fk->server, fk->sport, fk->proto, v.expected);
		if (fi->dest_id < 0) {
			fi->dest_id = 0;
			return NULL;
		}
	}
	return fi;
}

struct hello_text {
	const struct attrib_result *r;
	const struct hello_event *h;
	struct hello_verdict *v;
};

static void
hello_describe(void *arg, struct finding_in *f)
{
	struct hello_text *t = arg;

	verdict_hello_describe(t->r, t->h, t->v);
	f->ip = t->v->ip;
	f->detail = t->v->detail;
	f->example = t->v->example;
}

/* Store hello h of flow fi (r what attribution knows of it) and raise what it means. */
static int
hello_store(struct core *k, struct store *s, const struct hello_event *h,
            const struct flowinfo *fi, const struct attrib_result *r)
{
	struct hello_verdict v;
	int day;

	if ((day = core_watch(k, s, h->ts_us)) < 0 ||
	    store_hello(s, h, fi->conn_id, fi->dest_id) < 0)
		return -1;
	verdict_hello(k->c, r, h, &v);
	/* a canary name in a handshake is the canary finding, as its query is: the most
	 * serious, and it says more than the mismatch it also is */
	if (v.canary) {
		int rc;

		verdict_hello_describe(r, h, &v);
		rc = core_canary(k, s, v.name, h->kind == HELLO_HTTP ? "an HTTP Host" :
		                 h->kind == HELLO_QUIC ? "a QUIC SNI" : "a TLS SNI", v.example,
		                 h->ts_us, fi->conn_id, 0);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	if (v.kind == FK_NONE)
		return 0;
	struct finding_in f = {
		.kind = findkind_name(v.kind), .key = v.key, .domain = v.name[0] ? v.name : NULL,
		.port = v.port, .proto = v.proto, .ts_us = h->ts_us, .watch_day = day,
		.conn_id = fi->conn_id,
		.query_id = v.pick >= 0 ? r->c[v.pick].query_id : r->n ? r->c[0].query_id : 0,
	};
	struct fold_in fo = { .kind = v.kind, .key = v.key, .name = f.domain,
	                      .addr = &h->server };
	return core_raise(k, s, &f, &fo, hello_describe, &(struct hello_text){ r, h, &v });
}

/* Resolve h's flow and store it. */
static int
hello_now(struct core *k, struct store *s, const struct hello_event *h)
{
	struct attrib_result r;
	struct flowkey fk;
	struct flowinfo *fi, own;

	flowkey_of(&fk, &h->client, &h->server, h->cport, h->sport, h->proto);
	if (!(fi = flow_resolve(k, s, &fk, h->ts_us, h->mono_us, h, &own, &r)))
		return -1;
	fi->held = 0;
	return hello_store(k, s, h, fi, &r);
}

int
core_hello(struct core *k, struct store *s, struct hello_event *h, int64_t now_mono_us)
{
	struct corecap *cc = k->cap;
	struct flowkey fk;
	struct flowinfo *fi;
	size_t slot;

	if (!cc)
		return -1;
	flowkey_of(&fk, &h->client, &h->server, h->cport, h->sport, h->proto);
	fi = flowmap_get(cc->flows, &fk, h->mono_us);
	if ((fi && hello_takes(h, fi)) || cc->n == HOLD_MAX || (fi && fi->held))
		return hello_now(k, s, h);
	/* its connection has not come (yet): hold it (an earlier flow's entry stays that
	 * flow's until this one's connection replaces it) */
	if (!fi)
		fi = flowmap_put(cc->flows, &fk, h->mono_us);
	slot = (cc->head + cc->n++) % HOLD_MAX;
	cc->held[slot] = (struct held){ h, now_mono_us + HOLD_US };
	fi->held = (uint32_t)slot + 1;
	return 1;
}

int
corecap_conn(struct core *k, struct store *s, const struct conn_event *ev, int64_t conn_id,
             int64_t dest_id)
{
	struct corecap *cc = k->cap;
	struct flowkey fk;
	struct flowinfo *fi;
	struct hello_event *h;
	struct attrib_result r;
	size_t slot;
	int rc;

	if (!ev->has_ports || (ev->proto != IPPROTO_TCP && ev->proto != IPPROTO_UDP))
		return 0;
	flowkey_of(&fk, &ev->src, &ev->dst, ev->sport, ev->dport, ev->proto);
	fi = flowmap_put(cc->flows, &fk, ev->mono_us);
	fi->conn_id = conn_id;
	fi->dest_id = dest_id;
	fi->conn_us = ev->ts_us;
	if (!fi->held)
		return 0;
	slot = fi->held - 1;
	h = cc->held[slot].h;
	/* the slot may have been reused for another flow since this one was marked */
	if (!h || h->cport != ev->sport || h->sport != ev->dport || h->proto != ev->proto ||
	    !netaddr_equal(&h->client, &ev->src) || !netaddr_equal(&h->server, &ev->dst)) {
		fi->held = 0;
		return 0;
	}
	if (!hello_takes(h, fi))
		return 0;                /* another flow's connection: the hello waits on */
	fi->held = 0;
	cc->held[slot].h = NULL;     /* taken early: the ring steps over it */
	attrib_lookup(k->map, &ev->src, &ev->dst, h->mono_us,
	              (int64_t)k->c->attribution_grace * US_PER_SEC, &r);
	rc = hello_store(k, s, h, fi, &r);
	hello_event_free(h);
	return rc;
}

int
core_release(struct core *k, struct store *s, int64_t now_mono_us, bool all)
{
	struct corecap *cc = k->cap;
	int stored = 0;

	while (cc && cc->n > 0) {
		struct held *e = &cc->held[cc->head];

		if (e->h && !all && e->due_us > now_mono_us)
			break;
		if (e->h) {
			int rc = hello_now(k, s, e->h);

			hello_event_free(e->h);
			e->h = NULL;
			if (rc < 0)
				return -1;
			stored++;
		}
		cc->head = (cc->head + 1) % HOLD_MAX;
		cc->n--;
	}
	return stored;
}

/* Count b's bytes up against its destination's name; raise volume when they cross. */
static int
count_upload(struct core *k, struct store *s, const struct bytes_event *b, int64_t dest_id)
{
	char raw[1100], name[1100], key[1200], day[16], detail[1400], total_s[UNITS_BYTESLEN];
	char budget_s[UNITS_BYTESLEN], ip[NETADDR_STRLEN], pb[PROTO_NAMELEN], sp[NETADDR_STRLEN];
	uint64_t total;
	bool evicted;
	int wday;

	if (store_dest_name(s, dest_id, raw, sizeof(raw)) <= 0)
		return 0;
	verdict_name_key(raw, name, sizeof(name));
	if (budget_add(k->cap->budget, name, b->last_us, b->bytes_up, &total, &evicted) !=
	    BUDGET_CROSSED) {
		k->cap->untracked += evicted;
		return 0;
	}
	k->cap->untracked += evicted;
	if ((wday = core_watch(k, s, b->last_us)) < 0)
		return -1;
	budget_day(b->last_us, day, sizeof(day));
	snprintf(key, sizeof(key), "%s %s", name, day);
	snprintf(detail, sizeof(detail), "%llu bytes (%s) uploaded to %s on %s (UTC), more than "
	         "the upload budget of %s a day", (unsigned long long)total,
	         units_format_bytes(total, total_s, sizeof(total_s)), name, day,
	         units_format_bytes(k->c->upload_budget, budget_s, sizeof(budget_s)));
	netaddr_format(&b->server, ip, sizeof(ip));
	struct finding_in f = {
		.kind = findkind_name(FK_VOLUME), .key = key,
		.domain = netaddr_parse(name, &(struct netaddr){ 0 }) == 0 ? NULL : name,
		.ip = ip, .port = b->sport, .proto = proto_name(b->proto, pb),
		.ts_us = b->last_us, .watch_day = wday, .detail = detail,
		.example = hostport_format(&b->server, b->sport, sp, sizeof(sp)),
	};
	struct fold_in fo = { .kind = FK_VOLUME, .key = key, .name = f.domain,
	                      .addr = &b->server };
	return core_raise(k, s, &f, &fo, NULL, NULL);
}

/* The destination an aggregate of small flows counts in. Returns its id, or -1. */
static int64_t
folded_dest(struct core *k, struct store *s, const struct bytes_event *b)
{
	struct conn_event ev = { .ts_us = b->first_us, .mono_us = b->first_mono_us,
	                         .src = b->client, .dst = b->server, .proto = b->proto,
	                         .has_ports = 1, .dport = b->sport };
	struct attrib_result r;
	struct conn_verdict v;

	/* the map's answers are on the monotonic clock, as the aggregate's first packet */
	attrib_lookup(k->map, &b->client, &b->server, b->first_mono_us,
	              (int64_t)k->c->attribution_grace * US_PER_SEC, &r);
	verdict_conn(k->c, &r, &ev, &v);
	return store_dest(s, b->first_us, v.pick >= 0 ? r.c[v.pick].name : NULL, &b->server,
	                  b->sport, b->proto, v.expected);
}

int
core_bytes(struct core *k, struct store *s, const struct bytes_event *b)
{
	struct flowkey fk;
	struct flowinfo *fi;
	int64_t dest_id;

	if (!k->cap)
		return -1;
	if (b->end == FLOW_FOLDED) {
		if ((dest_id = folded_dest(k, s, b)) < 0 || store_bytes(s, b, 0, dest_id) < 0)
			return -1;
		return k->cap->budget && b->bytes_up > 0 ? count_upload(k, s, b, dest_id) : 0;
	}
	flowkey_of(&fk, &b->client, &b->server, b->cport, b->sport, b->proto);
	if (!(fi = flow_resolve(k, s, &fk, b->first_us, b->first_mono_us, NULL, NULL, NULL)))
		return -1;
	dest_id = fi->dest_id;
	if (store_bytes(s, b, fi->conn_id, dest_id) < 0)
		return -1;
	if (b->end != FLOW_GOES_ON && !fi->held)
		flowmap_del(k->cap->flows, &fk);
	if (k->cap->budget && b->bytes_up > 0 && count_upload(k, s, b, dest_id) < 0)
		return -1;
	return 0;
}
