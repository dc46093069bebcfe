/* The core's flow map: found again by its whole 5-tuple, forgotten when the flow ends,
 * bounded, and the least recently used flow goes when a window is full. */
#include "config.h"

#include <string.h>

#include "collector/flowmap.h"
#include "tap.h"

static struct flowkey
key(int i, uint16_t sport)
{
	struct flowkey k;

	memset(&k, 0, sizeof(k));
	netaddr_parse("192.168.83.2", &k.client);
	netaddr_parse("198.51.100.2", &k.server);
	k.cport = (uint16_t)(10000 + i);
	k.sport = sport;
	k.proto = 6;
	return k;
}

int
main(void)
{
	struct flowmap *m = flowmap_new(42);
	struct flowkey a = key(1, 8443), b = key(1, 80), c = key(1, 8443);
	struct flowinfo *fi;
	int found = 0;

	c.proto = 17;
	ok(m && flowmap_get(m, &a, 1) == NULL, "empty");
	fi = flowmap_put(m, &a, 1);
	fi->conn_id = 7;
	fi->dest_id = 3;
	fi = flowmap_get(m, &a, 2);
	ok(fi && fi->conn_id == 7 && fi->dest_id == 3, "found again");
	ok(flowmap_get(m, &b, 2) == NULL && flowmap_get(m, &c, 2) == NULL,
	   "another port or proto is another flow");
	ok(flowmap_put(m, &a, 3)->conn_id == 7, "put of a known flow keeps what it has");
	flowmap_del(m, &a);
	ok(flowmap_get(m, &a, 4) == NULL && flowmap_size(m) == 0, "forgotten when it ends");

	for (int i = 0; i < 2 * FLOWMAP_SLOTS; i++) {
		struct flowkey k = key(i, 443);

		flowmap_put(m, &k, 100 + i)->conn_id = i + 1;
		if (i % 1000 == 0)   /* a long flow, seen again and again */
			flowmap_get(m, &a, 100 + i);
		if (i == 0)
			flowmap_put(m, &a, 100)->conn_id = 99;
	}
	ok(flowmap_size(m) <= FLOWMAP_SLOTS, "bounded (%zu)", flowmap_size(m));
	for (int i = 2 * FLOWMAP_SLOTS - 1000; i < 2 * FLOWMAP_SLOTS; i++) {
		struct flowkey k = key(i, 443);

		found += (fi = flowmap_get(m, &k, 0)) && fi->conn_id == i + 1;
	}
	is_int(found, 1000, "the newest flows are all there");
	fi = flowmap_get(m, &a, 0);
	ok(fi && fi->conn_id == 99, "a flow in use survives a flood of new ones");
	flowmap_clear(m);
	is_int(flowmap_size(m), 0, "cleared");
	flowmap_free(m);
	return done_testing();
}
