/* libFuzzer target: the capture sensor's entry over a run of frames. The input is cut into
 * frames, each preceded by 4 bytes: link type (low 2 bits: Ethernet, SLL, SLL2, raw IP),
 * a time step, and 2 bytes of length. A small table and pool make eviction and the pool's
 * limit reachable, and a small table of aggregates its limit. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture/capdecode.h"
#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t hellos, records, folded;

static void
on_hello(void *arg, const struct capture_hello *h)
{
	(void)arg;
	if (h->name_len > TLSHELLO_NAME_MAX || (!h->has_name && h->name_len))
		__builtin_trap();
	hellos++;
}

static void
on_bytes(void *arg, const struct capture_bytes *b)
{
	(void)arg;
	if (b->why < CAPTURE_SLOT || b->why > CAPTURE_FOLDED || !b->flows ||
	    (b->why != CAPTURE_FOLDED && b->flows != 1) ||
	    (b->why == CAPTURE_FOLDED && (b->key.cport || !(b->pkts_up + b->pkts_down))))
		__builtin_trap();
	if (b->why == CAPTURE_FOLDED)
		folded += b->flows;
	records++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[4] = { CAPDECODE_DLT_EN10MB, CAPDECODE_DLT_LINUX_SLL,
	                             CAPDECODE_DLT_LINUX_SLL2, CAPDECODE_DLT_RAW };
	struct cidr vm[2];
	struct capture_conf conf = { .clients = vm, .n_clients = 2, .max_flows = 8,
	                             .reasm_bytes = 24 * 1024, .slot_us = 1000000, .fold_max = 2,
	                             .on_hello = on_hello, .on_bytes = on_bytes };
	struct capture_counters k;
	struct capture *c;
	size_t pos = 0;
	int64_t ts = 1700000000000000;

	cidr_parse("192.168.83.0/24", &vm[0], NULL, 0);
	cidr_parse("fd83::/64", &vm[1], NULL, 0);
	if (!(c = capture_new(&conf)))
		__builtin_trap();
	folded = 0;
	while (size - pos >= 4) {
		int dlt = dlts[data[pos] & 3];
		size_t n = (size_t)data[pos + 2] << 8 | data[pos + 3];

		ts += (int64_t)data[pos + 1] * (data[pos] & 0x80 ? 1000000 : 1000);
		pos += 4;
		if (n > size - pos)
			n = size - pos;
		capture_packet(c, ts, ts, data + pos, n, n + (data[pos - 4] & 0x40 ? 100 : 0),
		               dlt);
		pos += n;
	}
	capture_flush(c, ts, ts);
	if (capture_flow_count(c) != 0)
		__builtin_trap();
	capture_get_counters(c, &k);
	if (k.hello_tls + k.hello_quic + k.hello_http > k.flows || folded != k.folded ||
	    k.folded + k.fold_full > k.flows)
		__builtin_trap();
	capture_free(c);
	return 0;
}
