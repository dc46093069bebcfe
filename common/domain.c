#include "config.h"

#include <ctype.h>
#include <string.h>

#include "domain.h"

void
domain_base(const char *name, char *out, size_t outlen)
{
	size_t len = strlen(name);
	const char *dots[4] = { NULL, NULL, NULL, NULL };
	int nd = 0;

	if (outlen == 0)
		return;
	if (len > 0 && name[len - 1] == '.')
		len--;
	/* the last three dots, right to left */
	for (size_t i = len; i-- > 0 && nd < 3;)
		if (name[i] == '.')
			dots[nd++] = name + i;
	const char *start = nd >= 2 ? dots[1] + 1 : name;
	if (nd >= 2) {
		size_t tld = (size_t)(name + len - (dots[0] + 1));
		size_t sld = (size_t)(dots[0] - (dots[1] + 1));
		if (tld == 2 && sld <= 3)
			start = nd >= 3 ? dots[2] + 1 : name;
	}
	size_t n = (size_t)(name + len - start);
	if (n >= outlen)
		n = outlen - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)start[i]);
	out[n] = '\0';
}
