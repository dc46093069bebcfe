/* Attribution: every A/AAAA answer maps (client, address) to the name the client asked
 * for (so a CNAME chain leads back to the asked name). A new connection from the VM is
 * looked up by (source, destination): a still-valid answer attributes it, an expired one
 * makes it "stale", none makes it "none". What that means for the connection is
 * verdict.c's to decide; this file stores it.
 *
 * For a DNS query: a name outside the set -> unexpected-domain; the tunnel detector
 * -> dns-tunnel.
 *
 * Every finding goes through the fold (fold.h) before it is stored: past a few per
 * group, and past a cap per kind, the VM's keys share one finding.
 *
 * The capture's events (hellos, bytes) are corecap.c's. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "attrib.h"
#include "core.h"
#include "enforce.h"
#include "coreint.h"
#include "common/dnstype.h"
#include "fold.h"
#include "common/findkind.h"
#include "common/rules.h"
#include "policy.h"
#include "verdict.h"
#include "common/timefmt.h"
#include "common/watch.h"

_Static_assert(ATTRIB_MAX_NAMES <= STORE_MAX_NAMES, "every candidate name is stored");

/* The attribution map's share of the daemon's memory (attrib.h): a bot resolves a few
 * names, and this holds tens of thousands of answers; past it a flood evicts. */
#define ATTRIB_BUDGET (6u << 20)
#define RELOAD_US (2 * DAY_US)

/* The fold's counts, from every finding stored so far (a few thousand at most, the fold
 * being what bounds them). */
static void
fold_reload(struct core *k)
{
	sqlite3_stmt *st;

	fold_reset(k->fold);
	if (sqlite3_prepare_v2(k->db, "SELECT kind, key, ip, domain FROM findings", -1, &st,
	                       NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		fold_seed(k->fold, (const char *)sqlite3_column_text(st, 0),
		          (const char *)sqlite3_column_text(st, 1),
		          (const char *)sqlite3_column_text(st, 2),
		          (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

/* The answers of the last RELOAD_US, their stored wall times taken onto the monotonic
 * clock as of now (a step before this start is the one thing that cannot be told). */
static void
reload(struct core *k, sqlite3 *db, int64_t now_us, int64_t now_mono_us)
{
	sqlite3_stmt *st;
	struct netaddr client, ip;

	if (sqlite3_prepare_v2(db, "SELECT q.client, a.data, q.qname, q.id, q.ts_us, a.ttl "
	                       "FROM dns_queries q JOIN dns_answers a ON a.query_id = q.id "
	                       "WHERE q.ts_us >= ? AND a.rtype IN (1, 28) ORDER BY q.ts_us",
	                       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, now_us - RELOAD_US);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *cl = (const char *)sqlite3_column_text(st, 0);
		const char *data = (const char *)sqlite3_column_text(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);

		if (!cl || !data || !name || netaddr_parse(cl, &client) < 0 ||
		    netaddr_parse(data, &ip) < 0)
			continue;
		attrib_add(k->map, &client, &ip, name, sqlite3_column_int64(st, 3),
		           now_mono_us - (now_us - sqlite3_column_int64(st, 4)),
		           (uint32_t)sqlite3_column_int64(st, 5));
	}
	sqlite3_finalize(st);
}

struct core *
core_new(const struct conf *c, sqlite3 *db, int64_t now_us, int64_t now_mono_us, char *err,
         size_t errlen)
{
	struct core *k = calloc(1, sizeof(*k));
	struct tunnel_limits lim = { c->tunnel_distinct_labels, c->tunnel_label_length,
	                             c->tunnel_txt_queries };
	sqlite3_stmt *st;
	uint64_t seed = 0;

	/* the hash seed only needs to be unknown to the VM; a failed read leaves the
	 * chains bounded anyway (attrib.c) */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed ^= (uint64_t)now_us;
	if (!k || !(k->map = attrib_new(ATTRIB_BUDGET,
	                                (int64_t)c->attribution_grace * US_PER_SEC, seed)) ||
	    !(k->tunnel = tunnel_new(&lim)) || !(k->fold = fold_new(seed ^ 0x5bd1e995u))) {
		snprintf(err, errlen, "out of memory");
		core_free(k);
		return NULL;
	}
	k->c = c;
	if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM meta "
	                       "WHERE key = 'watch_start_us'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			k->watch_start_stored = true;
			k->watch_stored_us = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
	}
	reload(k, db, now_us, now_mono_us);
	k->db = db;
	fold_reload(k);
	if (c->pcap_interface[0] && !(k->cap = corecap_new(c, db, now_us, seed))) {
		snprintf(err, errlen, "out of memory");
		core_free(k);
		return NULL;
	}
	return k;
}

void
core_free(struct core *k)
{
	if (!k)
		return;
	attrib_free(k->map);
	tunnel_free(k->tunnel);
	fold_free(k->fold);
	corecap_free(k->cap);
	free(k);
}

uint64_t
core_attrib_evictions(const struct core *k)
{
	return attrib_evictions(k->map);
}

void
core_set_conf(struct core *k, const struct conf *c)
{
	k->c = c;
}

void
core_event_undone(struct core *k)
{
	fold_reload(k);
	if (k->cap)
		corecap_rollback(k->cap);   /* the rows its flows may point at are gone */
}

void
core_rollback(struct core *k)
{
	fold_reload(k);     /* findings of the batch are gone */
	if (k->cap)
		corecap_rollback(k->cap);
	if (k->watch_start_in_batch) {
		k->watch_start_stored = false;
		k->watch_start_in_batch = false;
	}
}

/* The watch day of an event at ts_us; the first event stores when the watch began, so
 * that report, dashboard and alerts agree on it with every later run. */
int
core_watch(struct core *k, struct store *s, int64_t ts_us)
{
	struct watch wk;
	char v[32];

	if (!k->first_us)
		k->first_us = ts_us;
	watch_decide(&(struct watch_in){ .configured_us = k->c->watch_start_us,
	                                 .stored_us = k->watch_stored_us,
	                                 .first_event_us = k->first_us,
	                                 .days = k->c->watch_days, .now_us = ts_us }, &wk);
	if (!k->watch_start_stored) {
		snprintf(v, sizeof(v), "%lld", (long long)wk.start_us);
		if (store_meta(s, "watch_start_us", v) < 0)
			return -1;
		k->watch_start_stored = true;
		k->watch_start_in_batch = true;
	}
	return (int)wk.day;
}

void
core_set_db(struct core *k, sqlite3 *db)
{
	k->db = db;
	k->watch_start_stored = false;
	k->watch_start_in_batch = false;
	fold_reload(k);
}

int
core_watch_day(const struct core *k, int64_t ts_us)
{
	struct watch wk;

	watch_decide(&(struct watch_in){ .configured_us = k->c->watch_start_us,
	                                 .stored_us = k->watch_stored_us,
	                                 .first_event_us = k->first_us,
	                                 .days = k->c->watch_days, .now_us = ts_us }, &wk);
	return (int)wk.day;
}

/* Store f, raised as fi, under the key the fold gives it (a key this run already knows,
 * its own or the folded one, is only counted, and f is described only past that). */
int
core_raise(struct core *k, struct store *s, struct finding_in *f, const struct fold_in *fi,
           core_describe_fn *describe, void *arg)
{
	struct fold_out fo;
	char detail[800], key[FOLD_KEYLEN + 16];
	bool is_new;
	int64_t seen = store_finding_seen(s, f->kind, f->key, f->ts_us);

	if (seen)
		return seen < 0 ? -1 : 0;
	fold_decide(k->fold, fi, &fo);
	if (fo.level != FOLD_EXACT) {
		/* a blocked finding folds apart from what got through (core_conn) */
		snprintf(key, sizeof(key), "%s%s", f->blocked ? "blocked " : "", fo.key);
		if ((seen = store_finding_seen(s, f->kind, key, f->ts_us)))
			return seen < 0 ? -1 : 0;
	}
	if (describe)
		describe(arg, f);
	if (fo.level != FOLD_EXACT) {
		f->key = key;
		f->domain = fo.domain;
		f->ip = fo.ip;
		f->port = -1;
		f->proto = NULL;
		snprintf(detail, sizeof(detail), "%s; %s", f->detail, fo.why);
		f->detail = detail;
	}
	if (store_finding(s, f, &is_new) < 0)
		return -1;
	if (is_new)
		fold_note(k->fold, fi, &fo);
	return 0;
}

struct conn_text {
	const struct conn_event *ev;
	struct conn_verdict *v;
};

static void
conn_describe(void *arg, struct finding_in *f)
{
	struct conn_text *t = arg;

	verdict_conn_example(t->ev, t->v);
	f->example = t->v->example;
}

int
core_conn(struct core *k, struct store *s, const struct conn_event *ev)
{
	struct attrib_result r;
	struct conn_verdict v;
	struct conn_attr a = { 0 };
	char detail[512], bkey[VERDICT_KEYLEN + 16];
	int64_t id;
	int day;
	bool blocked;

	if (!verdict_is_vm(k->c, &ev->src))
		return store_other(s, ev->ts_us, false, &ev->src) < 0 ? -1 : 1;
	if ((day = core_watch(k, s, ev->ts_us)) < 0)
		return -1;
	attrib_lookup(k->map, &ev->src, &ev->dst, ev->mono_us,
	              (int64_t)k->c->attribution_grace * US_PER_SEC, &r);
	verdict_conn(k->c, &r, ev, &v);
	a.state = r.state;
	a.expected = v.expected;
	if (v.pick >= 0) {
		a.domain = r.c[v.pick].name;
		a.query_id = r.c[v.pick].query_id;
	}
	for (int i = 0; i < r.n; i++)
		a.names[a.n_names++] = r.c[i].name;
	if ((id = store_conn(s, ev, &a)) < 0)
		return -1;
	blocked = enforce_is_blocked(ev);
	if (k->cap && corecap_conn(k, s, ev, id, store_conn_dest(s)) < 0)
		return -1;
	if (v.kind == FK_NONE)
		/* dropped though the rules expect it: the set lacked an answer's address (the
		 * helper failed, or the VM kept an answer past its TTL and the grace) */
		return blocked && store_counter_add(s, "enforce_expected_dropped", 1) < 0 ? -1 : 0;
	if (blocked) {
		/* a row of its own: what got through and what was stopped stay apart */
		snprintf(bkey, sizeof(bkey), "blocked %s", v.key);
		snprintf(detail, sizeof(detail), "blocked by enforce mode: %s", v.detail);
	}
	struct finding_in f = {
		.kind = findkind_name(v.kind), .key = blocked ? bkey : v.key, .domain = v.domain,
		.ip = v.ip, .port = v.port, .proto = v.proto, .ts_us = ev->ts_us, .watch_day = day,
		.detail = blocked ? detail : v.detail, .conn_id = id, .query_id = a.query_id,
		.blocked = blocked,
	};
	struct fold_in fi = { .kind = v.kind, .key = v.key, .name = v.domain, .addr = &ev->dst };
	return core_raise(k, s, &f, &fi, conn_describe, &(struct conn_text){ ev, &v });
}

int
core_canary(struct core *k, struct store *s, const char *name, const char *how,
            const char *example, int64_t ts_us, int64_t conn_id, int64_t query_id)
{
	const char *bait = rules_canary(k->c->rules, name);
	char key[1100], detail[600];
	int day;

	if (!bait)
		return 0;
	verdict_name_key(name, key, sizeof(key));
	if ((day = core_watch(k, s, ts_us)) < 0)
		return -1;
	snprintf(detail, sizeof(detail), "%s named a canary (canary_names: %s), bait planted "
	         "in the VM that no legitimate code uses: the agent read it and acted on it",
	         how, bait);
	struct finding_in f = {
		.kind = findkind_name(FK_CANARY), .key = key, .domain = key, .port = -1,
		.ts_us = ts_us, .watch_day = day, .detail = detail, .example = example,
		.conn_id = conn_id, .query_id = query_id,
	};
	/* one per name, as raised; fold bounds how many a VM that found a *.domain
	 * pattern can make */
	struct fold_in fi = { .kind = FK_CANARY, .key = key, .name = key };
	return core_raise(k, s, &f, &fi, NULL, NULL) < 0 ? -1 : 1;
}

/* A finding's example line for a query: only written when there is a finding. */
static const char *
dns_example(const struct dns_event *ev, char *buf, size_t len)
{
	char client[NETADDR_STRLEN], type[DNSTYPE_NAMELEN], rcode[DNSTYPE_NAMELEN];

	netaddr_format(&ev->client, client, sizeof(client));
	snprintf(buf, len, "%s asked %s %s, answered %s", client, ev->qname,
	         dnstype_name(ev->qtype, type), dnstype_rcode_name(ev->rcode, rcode));
	return buf;
}

/* Raise (kind, key) for a query, key also being the name it is grouped by. */
static int
flag_dns(struct core *k, struct store *s, const struct dns_event *ev, enum findkind fk,
         const char *key, const char *detail, int64_t ts, int day, int64_t qid)
{
	char example[1300];
	const char *kind = findkind_name(fk);
	int64_t seen = store_finding_seen(s, kind, key, ts);

	if (seen)
		return seen < 0 ? -1 : 0;
	struct finding_in f = {
		.kind = kind, .key = key, .domain = key, .port = -1, .ts_us = ts,
		.watch_day = day, .detail = detail,
		.example = dns_example(ev, example, sizeof(example)), .query_id = qid,
	};
	struct fold_in fi = { .kind = fk, .key = key, .name = key };
	return core_raise(k, s, &f, &fi, NULL, NULL);
}

int
core_dns(struct core *k, struct store *s, const struct dns_event *ev)
{
	bool expected;
	char key[1100], base[256], reason[300];
	int64_t qid, ts = ev->ts_us;
	int day;

	if (!verdict_is_vm(k->c, &ev->client))
		return store_other(s, ts, true, &ev->client) < 0 ? -1 : 1;
	expected = rules_name_expected(k->c->rules, ev->qname);
	if ((day = core_watch(k, s, ts)) < 0 || (qid = store_dns(s, ev, expected)) < 0)
		return -1;
	for (size_t i = 0; i < ev->n_answers; i++) {
		const struct dns_answer *an = &ev->answers[i];
		struct netaddr ip;

		if ((an->rtype == 1 || an->rtype == 28) && an->data &&
		    netaddr_parse(an->data, &ip) == 0)
			attrib_add(k->map, &ev->client, &ip, ev->qname, qid, ev->mono_us, an->ttl);
	}
	if (rules_canary(k->c->rules, ev->qname)) {
		char example[1300];

		if (core_canary(k, s, ev->qname, "a DNS query", dns_example(ev, example,
		                sizeof(example)), ts, 0, qid) < 0)
			return -1;
	} else if (!expected) {
		verdict_name_key(ev->qname, key, sizeof(key));
		if (flag_dns(k, s, ev, FK_UNEXPECTED_DOMAIN, key, "the VM asked for a name outside "
		             "the expected set", ts, day, qid) < 0)
			return -1;
	}
	if (tunnel_check(k->tunnel, ev->qname, ev->qtype, ev->mono_us, base, sizeof(base),
	                 reason, sizeof(reason)) &&
	    flag_dns(k, s, ev, FK_DNS_TUNNEL, base, reason, ts, day, qid) < 0)
		return -1;
	return 0;
}
