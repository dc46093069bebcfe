#include "config.h"

#include "tap.h"
#include "common/timefmt.h"

int
main(void)
{
	char buf[TIMEFMT_ISOLEN];
	int64_t us = 0;

	is_str(timefmt_iso(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z", "epoch");
	ok(timefmt_parse_iso("2026-11-28T00:00:00Z", &us) == 0, "parse Z");
	is_str(timefmt_iso(us, buf, sizeof(buf)), "2026-11-28T00:00:00Z", "round trip");
	ok(timefmt_parse_iso("2026-11-28", &us) == 0, "date only");
	is_str(timefmt_iso(us, buf, sizeof(buf)), "2026-11-28T00:00:00Z", "date only is midnight UTC");
	ok(timefmt_parse_iso("2026-11-28T02:00:00+02:00", &us) == 0, "offset");
	is_str(timefmt_iso(us, buf, sizeof(buf)), "2026-11-28T00:00:00Z", "offset applied");
	ok(timefmt_parse_iso("2026-11-28T00:00:00.250Z", &us) == 0, "fraction");
	is_int(us % 1000000, 250000, "fraction kept in microseconds");
	ok(timefmt_parse_iso("2024-02-29T12:00Z", &us) == 0, "leap day, no seconds");
	ok(timefmt_parse_iso("2026-02-29", &us) < 0, "no 29 Feb in 2026");
	ok(timefmt_parse_iso("2026-13-01", &us) < 0, "month 13");
	ok(timefmt_parse_iso("2026-11-28T24:00:00Z", &us) < 0, "hour 24");
	ok(timefmt_parse_iso("2026-11-28T00:00:00Zjunk", &us) < 0, "trailing junk");
	ok(timefmt_parse_iso("", &us) < 0, "empty");
	ok(timefmt_parse_iso("7d", &us) < 0, "a duration is not a time");

	ok(timefmt_parse_duration("30m", &us) == 0 && us == 1800LL * 1000000, "30m");
	ok(timefmt_parse_duration("12h", &us) == 0 && us == 43200LL * 1000000, "12h");
	ok(timefmt_parse_duration("7d", &us) == 0 && us == 604800LL * 1000000, "7d");
	ok(timefmt_parse_duration("1w", &us) == 0 && us == 604800LL * 1000000, "1w");
	ok(timefmt_parse_duration("0d", &us) < 0, "zero refused");
	ok(timefmt_parse_duration("-7d", &us) < 0, "negative refused");
	ok(timefmt_parse_duration("7", &us) < 0, "unit required");
	ok(timefmt_parse_duration("7x", &us) < 0, "unknown unit");
	ok(timefmt_parse_duration("7dd", &us) < 0, "junk after unit");
	ok(timefmt_parse_duration("99999999999999999d", &us) < 0, "overflow refused");

	ok(timefmt_parse_when("1h", 7200LL * 1000000, &us) == 0 && us == 3600LL * 1000000,
	   "when: duration back from now");
	ok(timefmt_parse_when("1970-01-01T00:00:10Z", 0, &us) == 0 && us == 10LL * 1000000,
	   "when: ISO");
	ok(timefmt_parse_when("yesterday", 0, &us) < 0, "when: nonsense");
	return done_testing();
}
