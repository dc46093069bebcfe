/* libFuzzer target: the IP packet decoder fed every byte string. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "common/pktdecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn_event ev = { 0 };

	if (pktdecode(data, size, &ev) == PKT_OK) {
		/* what was decoded must be self-consistent */
		if (ev.src.family != 4 && ev.src.family != 6)
			__builtin_trap();
		if (ev.has_ports && ev.has_icmp)
			__builtin_trap();
	}
	return 0;
}
