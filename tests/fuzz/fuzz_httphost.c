/* libFuzzer target: the HTTP request head reader. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "capture/httphost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httphost r;

	if (httphost_parse(data, size, &r) == HTTPH_OK) {
		if (r.host_len > HTTPHOST_NAME_MAX || (!r.has_host && r.host_len))
			__builtin_trap();
	} else if (r.has_host || r.host_len) {
		__builtin_trap();                        /* nothing is left behind on refusal */
	}
	return 0;
}
