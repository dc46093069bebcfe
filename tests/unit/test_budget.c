/* The upload budget: per name per UTC day, crossing said once, a new day starts from
 * nothing, a restart seeded from the rollups does not cross again, and a full table
 * keeps the names closest to their budget. And the byte sizes people write and read. */
#include "config.h"

#include <stdio.h>

#include "collector/budget.h"
#include "common/timefmt.h"
#include "common/units.h"
#include "tap.h"

#define M (UINT64_C(1) << 20)

static const int64_t DAY0 = INT64_C(20000) * DAY_US;   /* 2024-10-04T00:00:00Z */

static void
units(void)
{
	uint64_t v = 0;
	char buf[UNITS_BYTESLEN];

	ok(units_parse_bytes("50M", &v) == 0 && v == 50 * M, "50M is 50 MiB");
	ok(units_parse_bytes("2g", &v) == 0 && v == 2048 * M, "2g is 2 GiB");
	ok(units_parse_bytes("1KiB", &v) == 0 && v == 1024, "1KiB");
	ok(units_parse_bytes("1TB", &v) == 0 && v == 1024 * 1024 * M, "1TB");
	ok(units_parse_bytes("500000", &v) == 0 && v == 500000, "plain bytes");
	ok(units_parse_bytes("12B", &v) == 0 && v == 12, "bytes with B");
	ok(units_parse_bytes("", &v) < 0 && units_parse_bytes("M", &v) < 0 &&
	   units_parse_bytes("5 M", &v) < 0 && units_parse_bytes("5X", &v) < 0 &&
	   units_parse_bytes("-5M", &v) < 0 && units_parse_bytes("5MM", &v) < 0,
	   "not sizes refused");
	ok(units_parse_bytes("99999999999999999999", &v) < 0 &&
	   units_parse_bytes("17179869184G", &v) < 0, "overflow refused");
	is_str(units_format_bytes(812, buf, sizeof(buf)), "812 B", "bytes");
	is_str(units_format_bytes(1536, buf, sizeof(buf)), "1.5 KiB", "KiB");
	is_str(units_format_bytes(52428800 + 419430, buf, sizeof(buf)), "50.4 MiB", "MiB");
	is_str(units_format_bytes(UINT64_MAX, buf, sizeof(buf)), "16.0 EiB", "the largest");
}

int
main(void)
{
	struct budget *b = budget_new(50 * M), *off = budget_new(0);
	uint64_t total;
	bool evicted;
	char day[16];
	int crossed = 0;

	units();
	is_str(budget_day(DAY0 + 5 * HOUR_US, day, sizeof(day)), "2024-10-04", "the UTC day");
	is_int(budget_add(b, "api.telegram.org", DAY0, 30 * M, &total, &evicted), BUDGET_UNDER,
	       "30 MiB: under");
	is_int(budget_add(b, "api.telegram.org", DAY0 + HOUR_US, 20 * M, &total, NULL),
	       BUDGET_UNDER, "50 MiB exactly: still under");
	is_int(budget_add(b, "api.telegram.org", DAY0 + 2 * HOUR_US, 1, &total, NULL),
	       BUDGET_CROSSED, "one byte more: crossed");
	is_int(total, 50 * M + 1, "with the day's total");
	is_int(budget_add(b, "api.telegram.org", DAY0 + 3 * HOUR_US, M, &total, NULL),
	       BUDGET_OVER, "after that: over, not crossed again");
	is_int(budget_add(b, "openrouter.ai", DAY0 + 3 * HOUR_US, 49 * M, &total, NULL),
	       BUDGET_UNDER, "another name has a budget of its own");
	is_int(budget_add(b, "api.telegram.org", DAY0 + DAY_US, 10 * M, &total, NULL),
	       BUDGET_UNDER, "the next day starts from nothing");
	is_int(total, 10 * M, "its total");
	is_int(budget_add(b, "api.telegram.org", DAY0 + DAY_US + 1, 41 * M, &total, NULL),
	       BUDGET_CROSSED, "and crosses on its own");
	budget_unflag(b);
	is_int(budget_add(b, "api.telegram.org", DAY0 + DAY_US + 2, 1, &total, NULL),
	       BUDGET_CROSSED, "a rolled back crossing crosses again");

	budget_seed(b, "paste.example", DAY0 + DAY_US, 60 * M);
	is_int(budget_add(b, "paste.example", DAY0 + DAY_US + 5, 1, &total, NULL), BUDGET_OVER,
	       "seeded past the budget: not crossed again after a restart");
	budget_seed(b, "cdn.example", DAY0 + DAY_US, 40 * M);
	is_int(budget_add(b, "cdn.example", DAY0 + DAY_US + 5, 11 * M, &total, NULL),
	       BUDGET_CROSSED, "seeded under: crosses with what comes after");

	is_int(budget_add(off, "api.telegram.org", DAY0, UINT64_MAX, &total, NULL),
	       BUDGET_UNDER, "budget off: never crosses");
	is_int(budget_size(off), 0, "and keeps nothing");

	/* a VM spreading its uploads over more names than the table holds: the ones near
	 * their budget stay and cross */
	for (int i = 0; i < 3 * BUDGET_NAMES; i++) {
		char name[64];

		snprintf(name, sizeof(name), "n%d.spread.example", i);
		budget_add(b, name, DAY0 + 2 * DAY_US, 1000, NULL, NULL);
		if (i % 100 == 0)
			budget_add(b, "big.example", DAY0 + 2 * DAY_US, 100 * 1024, NULL, NULL);
	}
	ok(budget_size(b) <= BUDGET_NAMES, "the table stays within its bound (%zu)",
	   budget_size(b));
	for (int i = 0; i < 60 && !crossed; i++)
		crossed = budget_add(b, "big.example", DAY0 + 2 * DAY_US, M, NULL, &evicted) ==
		          BUDGET_CROSSED;
	ok(crossed, "the name near its budget was kept and crosses");
	evicted = false;
	for (int i = 0; i < 3 * BUDGET_NAMES && !evicted; i++) {
		char name[64];

		snprintf(name, sizeof(name), "m%d.spread.example", i);
		budget_add(b, name, DAY0 + 2 * DAY_US, 1000, NULL, &evicted);
	}
	ok(evicted, "a name with bytes today pushed out is said (a loss for the caller)");
	budget_free(b);
	budget_free(off);
	return done_testing();
}
