#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "rcache.h"

struct entry {
	uint16_t keylen;            /* 0 = empty */
	uint8_t key[255 + 5];       /* lower-cased qname, qtype, qclass, EDNS/DO bits */
	int64_t expires_us;
	uint8_t wire[DNSMSG_UDP_MIN];
	uint16_t wlen;
	int rcode;
	struct dns_answer *ans;
	size_t n_ans;
};

struct rcache {
	size_t mask;
	struct entry *e;
};

struct rcache *
rcache_new(size_t slots)
{
	struct rcache *c = calloc(1, sizeof(*c));
	size_t n = 1;

	while (n < slots)
		n <<= 1;
	if (!c || !(c->e = calloc(n, sizeof(*c->e)))) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	return c;
}

static void
entry_clear(struct entry *e)
{
	dnsmsg_answers_free(e->ans, e->n_ans);
	e->ans = NULL;
	e->n_ans = 0;
	e->keylen = 0;
}

void
rcache_free(struct rcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i <= c->mask; i++)
		entry_clear(&c->e[i]);
	free(c->e);
	free(c);
}

/* The key for q into key; returns its length and its hash in *h. */
static uint16_t
make_key(const struct dnsq *q, uint8_t *key, uint32_t *h)
{
	size_t n = q->qname_len;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = q->qname[i];

		key[i] = b >= 'A' && b <= 'Z' ? (uint8_t)(b + 32) : b;
	}
	key[n++] = (uint8_t)(q->qtype >> 8);
	key[n++] = (uint8_t)q->qtype;
	key[n++] = (uint8_t)(q->qclass >> 8);
	key[n++] = (uint8_t)q->qclass;
	key[n++] = (uint8_t)((q->edns ? 1 : 0) | (q->edns_do ? 2 : 0));
	*h = hash32_add(HASH32_INIT, key, n);
	return (uint16_t)n;
}

#define RCACHE_TEXT_MAX 1024

void
rcache_put(struct rcache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
           int rcode, const struct dns_answer *ans, size_t n_ans, int64_t now_us)
{
	uint8_t key[sizeof(((struct entry *)0)->key)];
	int64_t life = RCACHE_MAX_AGE_US;
	struct entry *e;
	uint32_t h;
	uint16_t klen;

	if (!c || !q->has_question || len > DNSMSG_UDP_MIN || len < 12u + q->qname_len + 4 ||
	    (wire[2] & 0x02) || (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN))
		return;
	for (size_t i = 0, text = 0; i < n_ans; i++) {
		/* 512 bytes of wire can be 8 KiB of text (long names, \DDD escapes): such a
		 * reply is not memoised, which keeps the memo near its slots times 1 KiB */
		text += strlen(ans[i].name ? ans[i].name : "") + strlen(ans[i].data ? ans[i].data : "");
		if (ans[i].ttl == 0 || text > RCACHE_TEXT_MAX)
			return;
		if ((int64_t)ans[i].ttl * 1000000 < life)
			life = (int64_t)ans[i].ttl * 1000000;
	}
	klen = make_key(q, key, &h);
	e = &c->e[h & c->mask];
	entry_clear(e);
	if (n_ans && dnsmsg_answers_dup(ans, n_ans, &e->ans) < 0)
		return;
	e->n_ans = n_ans;
	memcpy(e->key, key, klen);
	e->keylen = klen;
	memcpy(e->wire, wire, len);
	e->wlen = (uint16_t)len;
	e->rcode = rcode;
	e->expires_us = now_us + life;
}

size_t
rcache_get(struct rcache *c, const struct dnsq *q, int64_t now_us, uint8_t *out,
           size_t outlen, int *rcode, const struct dns_answer **ans, size_t *n_ans)
{
	uint8_t key[sizeof(((struct entry *)0)->key)];
	struct entry *e;
	uint32_t h;
	uint16_t klen;

	*ans = NULL;
	*n_ans = 0;
	if (!c || !q->has_question)
		return 0;
	klen = make_key(q, key, &h);
	e = &c->e[h & c->mask];
	if (e->keylen != klen || memcmp(e->key, key, klen) != 0)
		return 0;
	if (now_us >= e->expires_us) {
		entry_clear(e);
		return 0;
	}
	if (outlen < e->wlen)
		return 0;
	*ans = e->ans;
	*n_ans = e->n_ans;
	memcpy(out, e->wire, e->wlen);
	/* this client's ID, RD and CD bits, and question bytes (same length: same name);
	 * AD as stored if this client asked for it (DO or AD; the key holds DO, so a DO
	 * client replays what a DO client was given) */
	out[0] = (uint8_t)(q->id >> 8);
	out[1] = (uint8_t)q->id;
	out[2] = (uint8_t)(0x80 | (q->flags >> 8 & 0x01));
	out[3] = (uint8_t)((out[3] & 0x0F) | 0x80 | (q->flags & 0x10) |
	                   (dnsq_wants_ad(q) ? out[3] & 0x20 : 0));
	memcpy(out + 12, q->qname, q->qname_len);
	*rcode = e->rcode;
	return e->wlen;
}
