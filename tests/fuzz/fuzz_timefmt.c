/* libFuzzer target: the time parsers (common/timefmt.c) fed every byte string, as
 * `report --since`/`--until`, `export --since` and [policy] watch_start give them: ISO-8601
 * times, durations like 30m, 12h, 7d, and "now". A time that parses prints as ISO-8601
 * and parses back to the same second; a duration is a positive whole number of seconds;
 * a duration back from any "now" never overflows. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t nows[] = {
	INT64_C(1796000000000000), 0, INT64_MIN, INT64_MAX, -1,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), iso[TIMEFMT_ISOLEN];
	int64_t us, back, d, when;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (timefmt_parse_iso(s, &us) == 0) {
		int64_t sec = us / US_PER_SEC - (us % US_PER_SEC < 0);

		timefmt_iso(us, iso, sizeof(iso));
		/* years 0000-9999 are what it reads; an offset can take a time outside them */
		if (strlen(iso) == 20 && iso[4] == '-' &&
		    (timefmt_parse_iso(iso, &back) != 0 || back != sec * US_PER_SEC))
			__builtin_trap();
	}
	if (timefmt_parse_duration(s, &d) == 0 && (d <= 0 || d % US_PER_SEC != 0))
		__builtin_trap();
	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++)
		if (timefmt_parse_when(s, nows[i], &when) == 0 &&
		    timefmt_parse_duration(s, &d) == 0 && when != nows[i] - d)
			__builtin_trap();
	free(s);
	return 0;
}
