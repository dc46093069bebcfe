/* libFuzzer target: the ClientHello reader, over a record stream and as a bare message. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture/tlshello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(enum tlshello_verdict v, const struct tlshello *h, size_t size)
{
	if (v == TLSH_NEED && h->need == 0)
		__builtin_trap();
	if (v == TLSH_OK) {
		if (h->sni_len > TLSHELLO_NAME_MAX || h->n_versions > TLSHELLO_VERSIONS_MAX ||
		    strlen(h->alpn) >= sizeof(h->alpn) || (!h->has_sni && h->sni_len))
			__builtin_trap();
		if (size < 4)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlshello h;
	enum tlshello_verdict v;

	v = tlshello_parse(data, size, &h);
	check(v, &h, size);
	/* a complete stream stays complete with more bytes after it */
	if (v == TLSH_OK && size > 0 && tlshello_parse(data, size - 1, &h) == TLSH_OK &&
	    tlshello_parse(data, size, &h) != TLSH_OK)
		__builtin_trap();
	v = tlshello_parse_msg(data, size, &h);
	check(v, &h, size);
	return 0;
}
