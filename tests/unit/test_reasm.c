/* reasm: segments in order, out of order, repeated with other bytes, past the bounds. */
#include "config.h"

#include <string.h>

#include "capture/reasm.h"
#include "tap.h"

static const char *
data(struct reasm *r)
{
	static char out[64];
	size_t n;
	const uint8_t *d = reasm_data(r, &n);

	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	if (d)
		memcpy(out, d, n);
	out[n] = 0;
	return out;
}

#define U(s) (const uint8_t *)(s)

int
main(void)
{
	struct reasm_pool pool = { .limit = 3 * REASM_CHUNK };
	struct reasm r, r2;
	uint32_t isn = 0xfffffffa;            /* the sequence numbers wrap inside the stream */

	reasm_init(&r, isn + 1, 32);
	is_str(data(&r), "", "empty");
	is_int(reasm_add_seq(&r, &pool, isn + 1 + 5, U("FGHIJ"), 5), REASM_OK, "second first");
	is_str(data(&r), "", "nothing in order yet");
	is_int(reasm_add_seq(&r, &pool, isn + 1, U("ABCDE"), 5), REASM_OK, "then the first");
	is_str(data(&r), "ABCDEFGHIJ", "both, in order, across the wrap");
	is_int(reasm_add_seq(&r, &pool, isn + 1 + 3, U("xxxxxxxKL"), 9), REASM_OK, "overlap");
	is_str(data(&r), "ABCDEFGHIJKL", "the first copy of each byte wins");
	is_int(reasm_add_seq(&r, &pool, isn - 2, U("zzzABC"), 6), REASM_OK, "old bytes before ISN+1");
	is_str(data(&r), "ABCDEFGHIJKL", "dropped");
	is_int(reasm_add_seq(&r, &pool, isn + 1 + 30, U("0123"), 4), REASM_CUT, "past cap: cut");
	is_int(reasm_add_seq(&r, &pool, isn + 1 + 32, U("0"), 1), REASM_BEYOND, "at cap: beyond");
	is_int(pool.used, REASM_CHUNK > 32 ? 32 : REASM_CHUNK, "pool charged the stream's buffer");
	reasm_free(&r, &pool);
	is_int(pool.used, 0, "and given back");

	/* holes: at most REASM_RANGES ranges */
	reasm_init(&r, 0, 1000);
	for (int i = 0; i < REASM_RANGES; i++)
		reasm_add(&r, &pool, 10 + 10 * (uint64_t)i, U("x"), 1);
	is_int(r.n, REASM_RANGES, "eight separate ranges");
	is_int(reasm_add(&r, &pool, 200, U("y"), 1), REASM_HOLES, "a ninth is refused");
	is_int(reasm_add(&r, &pool, 11, U("abcdefghi"), 9), REASM_OK, "one that joins two is not");
	is_int(r.n, REASM_RANGES - 1, "and they merge");
	is_int(reasm_add(&r, &pool, 0, U("0123456789"), 10), REASM_OK, "byte 0 arrives");
	is_str(data(&r), "0123456789xabcdefghix", "in order up to the next hole");

	/* the pool's limit across streams */
	reasm_init(&r2, 0, 4 * REASM_CHUNK);
	{
		static uint8_t big[4 * REASM_CHUNK];

		is_int(reasm_add(&r2, &pool, 0, big, 2 * REASM_CHUNK), REASM_OK, "two chunks fit");
		is_int(reasm_add(&r2, &pool, 2 * REASM_CHUNK, big, REASM_CHUNK), REASM_NOMEM,
		       "a fourth chunk in all does not");
		ok(pool.used <= pool.limit, "the pool stays within its limit");
	}
	reasm_free(&r2, &pool);
	reasm_free(&r, &pool);
	is_int(pool.used, 0, "all given back");
	return done_testing();
}
