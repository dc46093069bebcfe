/* Bounded first-bytes stream reassembly. See reasm.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "reasm.h"

void
reasm_init(struct reasm *r, uint32_t base, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->cap = cap;
}

/* Make buf at least need bytes (need <= cap), charging the pool. */
static int
grow(struct reasm *r, struct reasm_pool *pool, uint32_t need)
{
	uint32_t size;
	uint8_t *nb;

	if (need <= r->alloc)
		return 0;
	size = (need + REASM_CHUNK - 1) / REASM_CHUNK * REASM_CHUNK;
	if (size > r->cap)
		size = r->cap;
	if (pool->used + (size - r->alloc) > pool->limit)
		return -1;
	if (!(nb = realloc(r->buf, size)))
		return -1;
	pool->used += size - r->alloc;
	r->buf = nb;
	r->alloc = size;
	return 0;
}

enum reasm_result
reasm_add(struct reasm *r, struct reasm_pool *pool, uint64_t off, const uint8_t *data,
          size_t len)
{
	uint32_t s, e, cur, tmp_start[REASM_RANGES + 1], tmp_end[REASM_RANGES + 1];
	enum reasm_result res = REASM_OK;
	unsigned n = 0, i;
	int placed = 0;

	if (len == 0)
		return REASM_OK;
	if (off >= r->cap)
		return REASM_BEYOND;
	s = (uint32_t)off;
	if (len > r->cap - s) {
		len = r->cap - s;
		res = REASM_CUT;
	}
	e = s + (uint32_t)len;

	/* the ranges after adding [s,e), merged, before anything is touched */
	for (i = 0; i <= r->n; i++) {
		uint32_t rs, re;

		if (i < r->n && r->r[i].end < s) {
			rs = r->r[i].start, re = r->r[i].end;
		} else if (!placed) {
			/* [s,e) merges with every range it touches or overlaps from here on */
			rs = s, re = e;
			while (i < r->n && r->r[i].start <= e) {
				if (r->r[i].start < rs)
					rs = r->r[i].start;
				if (r->r[i].end > re)
					re = r->r[i].end;
				i++;
			}
			i--;
			placed = 1;
		} else if (i < r->n) {
			rs = r->r[i].start, re = r->r[i].end;
		} else {
			break;
		}
		if (n == REASM_RANGES)
			return REASM_HOLES;
		tmp_start[n] = rs, tmp_end[n] = re;
		n++;
	}
	if (grow(r, pool, e) < 0)
		return REASM_NOMEM;

	/* copy only into the gaps: bytes already held stay as they first came */
	cur = s;
	for (i = 0; i < r->n && cur < e; i++) {
		if (r->r[i].end <= cur)
			continue;
		if (r->r[i].start >= e)
			break;
		if (r->r[i].start > cur)
			memcpy(r->buf + cur, data + (cur - s), r->r[i].start - cur);
		cur = r->r[i].end;
	}
	if (cur < e)
		memcpy(r->buf + cur, data + (cur - s), e - cur);

	for (i = 0; i < n; i++) {
		r->r[i].start = tmp_start[i];
		r->r[i].end = tmp_end[i];
	}
	r->n = (uint8_t)n;
	return res;
}

enum reasm_result
reasm_add_seq(struct reasm *r, struct reasm_pool *pool, uint32_t seq, const uint8_t *data,
              size_t len)
{
	uint32_t off = seq - r->base;

	if (off >= 0x80000000u) {            /* starts before byte 0: an old retransmission */
		uint32_t skip = r->base - seq;

		if (skip >= len)
			return REASM_OK;
		data += skip;
		len -= skip;
		off = 0;
	}
	return reasm_add(r, pool, off, data, len);
}

const uint8_t *
reasm_data(const struct reasm *r, size_t *len)
{
	if (r->n == 0 || r->r[0].start != 0) {
		*len = 0;
		return NULL;
	}
	*len = r->r[0].end;
	return r->buf;
}

void
reasm_free(struct reasm *r, struct reasm_pool *pool)
{
	pool->used -= r->alloc;
	free(r->buf);
	reasm_init(r, r->base, r->cap);
}
