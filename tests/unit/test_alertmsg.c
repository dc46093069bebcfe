#include "config.h"

#include <stdlib.h>

#include "alerts/alertmsg.h"
#include "tap.h"

static struct alertmsg_fields
finding(const char *kind, const char *domain, const char *ip, long long port)
{
	struct alertmsg_fields a = {
		.outbox_kind = "finding", .kind = kind, .domain = domain, .ip = ip,
		.proto = ip ? "tcp" : NULL, .port = port, .count = 3, .watch_day = 2,
		.first_seen = "2026-11-29T03:00:00Z", .last_seen = "2026-11-29T03:05:00Z",
		.detail = "a connection to an IP no DNS answer gave the VM",
	};
	return a;
}

/* true if text is valid UTF-8 and has no control character but \n */
static int
clean_text(const char *text)
{
	char buf[ALERTMSG_BUFSIZE * 2];

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char one[ALERTMSG_BUFSIZE];

		memcpy(one, line, n);
		one[n] = '\0';
		/* a clean line passes through the cleaner unchanged */
		alertmsg_clean(one, buf, sizeof(buf));
		if (strcmp(one, buf) != 0)
			return 0;
		line += n + (nl ? 1 : 0);
	}
	return 1;
}

int
main(void)
{
	char out[ALERTMSG_BUFSIZE], small[12], buf[64];
	struct alertmsg_fields a, many[200];
	char *big;

	/* the cleaner */
	is_str(alertmsg_clean("evil.example", out, sizeof(out)), "evil.example", "plain kept");
	is_str(alertmsg_clean("a\nb\r\tc", out, sizeof(out)), "a\\u{000a}b\\u{000d}\\u{0009}c",
	       "newline, CR, tab escaped");
	is_str(alertmsg_clean("x\xe2\x80\xaey", out, sizeof(out)), "x\\u{202e}y",
	       "RLO bidi override escaped");
	is_str(alertmsg_clean("a\xe2\x80\x8b" "b\xef\xbb\xbf", out, sizeof(out)),
	       "a\\u{200b}b\\u{feff}", "zero-width characters escaped");
	is_str(alertmsg_clean("\xc2\x85|\x7f|\x1b[31m", out, sizeof(out)),
	       "\\u{0085}|\\u{007f}|\\u{001b}[31m", "C1, DEL, ESC escaped");
	is_str(alertmsg_clean("\xff\xc0\xaf\xed\xa0\x80", out, sizeof(out)),
	       "\\xff\\xc0\\xaf\\xed\\xa0\\x80", "invalid, overlong, surrogate bytes escaped");
	is_str(alertmsg_clean("b\xc3\xbc" "cher.de \xf0\x9f\x98\x80", out, sizeof(out)),
	       "b\xc3\xbc" "cher.de \xf0\x9f\x98\x80", "printable UTF-8 kept");
	is_str(alertmsg_clean("abc\x01", small, 8), "abc", "never half an escape");
	is_str(alertmsg_clean("ab\xc3\xbc\xc3\xbc", small, 5), "ab\xc3\xbc",
	       "cut on a character boundary");
	is_str(alertmsg_clean(NULL, out, sizeof(out)), "", "NULL is empty");

	/* a finding's message */
	a = finding("direct-ip", NULL, "203.0.113.5", 443);
	alertmsg_format(&a, out, sizeof(out));
	ok(strstr(out, "new finding: direct-ip") != NULL, "names the kind");
	ok(strstr(out, "203.0.113.5 port 443/tcp") != NULL, "names the destination");
	ok(strstr(out, "3 times") && strstr(out, "watch day: 2") &&
	   strstr(out, "first 2026-11-29T03:00:00Z"), "how often, when, watch day");
	a = finding("unexpected-domain", "evil.example\nFAKE: all clear", NULL, -1);
	alertmsg_format(&a, out, sizeof(out));
	ok(strstr(out, "destination: evil.example\\u{000a}FAKE: all clear") != NULL,
	   "a newline in a name cannot start a fake line");
	ok(clean_text(out), "message lines are clean");
	a.detail = "x\xe2\x80\xae\xff";
	alertmsg_format(&a, out, sizeof(out));
	ok(clean_text(out) && strstr(out, "x\\u{202e}\\xff"), "detail cleaned");

	/* a canary says so first */
	a = finding("canary", "k7q2.bait.example", NULL, -1);
	alertmsg_format(&a, out, sizeof(out));
	ok(strncmp(out, "oc-audit: CANARY, the most serious finding", 42) == 0,
	   "a canary's message starts by saying what it is");
	ok(strstr(out, "new finding: canary") && strstr(out, "k7q2.bait.example"),
	   "and names the kind and the bait");
	{
		struct alertmsg_fields rest[1] = { finding("canary", "x.bait.example", NULL, -1) };

		a = finding("direct-ip", NULL, "203.0.113.5", 443);
		alertmsg_coalesce(&a, rest, 1, out, sizeof(out));
		ok(strstr(out, "\n- CANARY: canary x.bait.example") != NULL,
		   "in a burst's list too");
	}

	/* the 4096 cut */
	big = malloc(20001);
	memset(big, 'a', 20000);
	big[20000] = '\0';
	a = finding("unexpected-domain", big, NULL, -1);
	a.detail = big;
	alertmsg_format(&a, out, sizeof(out));
	ok(alertmsg_units(out) <= ALERTMSG_TELEGRAM_MAX, "long fields: within 4096 units (%zu)",
	   alertmsg_units(out));
	for (int i = 0; i < 10000; i++)
		memcpy(big + 2 * i, "\xc3\xbc", 2);    /* 10000 x u-umlaut, 2 bytes each */
	a.domain = NULL;
	a.detail = big;
	alertmsg_format(&a, out, sizeof(out));
	ok(alertmsg_units(out) <= ALERTMSG_TELEGRAM_MAX && clean_text(out),
	   "2-byte characters: cut within the limit, on a boundary");
	ok(strlen(out) >= 3 && strcmp(out + strlen(out) - 3, "...") == 0, "cut is marked");
	for (int i = 0; i < 5000; i++)
		memcpy(big + 4 * i, "\xf0\x9f\x98\x80", 4);  /* astral: 2 UTF-16 units each */
	a.detail = big;
	alertmsg_format(&a, out, sizeof(out));
	ok(alertmsg_units(out) <= ALERTMSG_TELEGRAM_MAX && clean_text(out),
	   "4-byte characters counted as 2 units, cut on a boundary");
	{
		char *u = malloc(30001);

		for (int i = 0; i < 10000; i++)
			memcpy(u + 3 * i, i % 2 ? "\xc3\xbc" "b" : "\xf0\x9f\x98", 3);
		for (int i = 0; i < 10000; i += 2)
			memcpy(u + 3 * i, "\xf0\x9f\x98\x80" "\xc3\xbc", 6);
		u[30000] = '\0';
		ok(alertmsg_cut(u, ALERTMSG_TELEGRAM_MAX), "15000 units cut");
		ok(alertmsg_units(u) <= ALERTMSG_TELEGRAM_MAX &&
		   alertmsg_units(u) >= ALERTMSG_TELEGRAM_MAX - 2 && clean_text(u),
		   "cut to 4096 units exactly or just below, valid UTF-8 (%zu)", alertmsg_units(u));
		free(u);
	}
	free(big);

	strcpy(out, "abc\xc3\xbc" "def");
	ok(!alertmsg_cut(out, 7), "7 units fit in 7");
	ok(alertmsg_cut(out, 6) && strcmp(out, "abc...") == 0, "cut to 6 gives abc...");
	strcpy(out, "ab\xf0\x9f\x98\x80" "cdef");
	ok(alertmsg_cut(out, 6) && strcmp(out, "ab...") == 0, "astral never split");
	is_int(alertmsg_units("a\xc3\xbc\xf0\x9f\x98\x80\xff"), 5, "units: 1+1+2+1");

	/* coalescing */
	for (int i = 0; i < 200; i++)
		many[i] = finding("direct-ip", NULL, "203.0.113.9", 1000 + i);
	memset(out, 'Z', sizeof(out));   /* never reads what it did not write */
	alertmsg_coalesce(&many[0], &many[1], 4, out, sizeof(out));
	ok(strstr(out, "and 4 more:") != NULL, "and 4 more");
	ok(strstr(out, "- direct-ip 203.0.113.9 port 1004/tcp") != NULL, "each listed");
	alertmsg_coalesce(&many[0], &many[1], 199, out, sizeof(out));
	ok(strstr(out, "and 199 more:") != NULL && alertmsg_units(out) <= ALERTMSG_TELEGRAM_MAX,
	   "199 more within the limit");
	alertmsg_coalesce(&many[0], NULL, 0, buf, sizeof(buf));
	alertmsg_format(&many[0], out, sizeof(out));
	ok(strncmp(out, buf, strlen(buf) - 3) == 0, "tiny buffer: a prefix, marked cut");

	/* other kinds */
	a = (struct alertmsg_fields){ .outbox_kind = "loss", .count = 12, .port = -1,
	                               .watch_day = -1, .detail = "queue_full 12" };
	alertmsg_format(&a, out, sizeof(out));
	ok(strstr(out, "events lost") && strstr(out, "12 events"), "loss alert");
	a = (struct alertmsg_fields){ .outbox_kind = "disk", .count = -1, .port = -1,
	                               .watch_day = -1, .detail = "6 MiB free on the filesystem of /x" };
	alertmsg_format(&a, out, sizeof(out));
	ok(strstr(out, "disk needs attention") && strstr(out, "6 MiB free on the filesystem of /x") &&
	   !strstr(out, "new finding"), "disk alert: its own message, with the detail");
	alertmsg_coalesce(&many[0], &a, 1, out, sizeof(out));
	ok(strstr(out, "- the database's disk needs attention") != NULL, "disk alert in a burst's list");
	a = (struct alertmsg_fields){ .outbox_kind = "watch-end", .count = 0, .port = -1,
	                               .watch_day = -1, .first_seen = "2026-11-22T00:00:00Z",
	                               .last_seen = "2026-11-29T00:00:00Z", .open = 0,
	                               .blind = 0, .batch = 1234, .verdict = "CLEAN",
	                               .head = "fa5f9e02ca52e774219d94b0b01d87c28bbefbff9b33a1e4"
	                                       "70b45b845b939879" };
	alertmsg_format(&a, out, sizeof(out));
	ok(strstr(out, "watch week has ended") && strstr(out, "\nverdict: CLEAN: no finding, "
	   "every configured sensor saw the whole week"), "watch end, clean verdict");
	ok(strstr(out, "\nchain head: batch 1234, fa5f9e02ca52e774219d94b0b01d87c28bbefbff9b33"
	          "a1e470b45b845b939879\n") != NULL, "watch end: the chain's head");
	a.verdict = "INCOMPLETE";
	a.blind = 3;
	alertmsg_format(&a, out, sizeof(out));
	ok(strstr(out, "\nblind spots: 3\nverdict: INCOMPLETE: no finding, but the record has "
	          "blind spots") != NULL, "watch end, incomplete verdict");
	a = (struct alertmsg_fields){ .outbox_kind = "watch-end", .count = 0, .port = -1,
	                               .watch_day = -1, .open = -1, .blind = -1, .batch = -1 };
	alertmsg_format(&a, out, sizeof(out));
	ok(strstr(out, "verdict: see the report") && !strstr(out, "clean") &&
	   !strstr(out, "CLEAN"), "an old body without a verdict never says clean");

	/* the token never stays in error text */
	strcpy(out, "POST /bot123:SECRET/sendMessage failed; 123:SECRET again");
	alertmsg_scrub(out, sizeof(out), "123:SECRET");
	is_str(out, "POST /bot<redacted>/sendMessage failed; <redacted> again", "scrubbed");
	strcpy(small, "x123:SECRET");
	alertmsg_scrub(small, sizeof(small), "123:SECRET");
	ok(strstr(small, "SECRET") == NULL, "scrubbed even without room (%s)", small);
	a = finding("direct-ip", "123:SECRET", "203.0.113.5", 443);
	alertmsg_format(&a, out, sizeof(out));
	alertmsg_scrub(out, sizeof(out), "123:SECRET");
	ok(strstr(out, "SECRET") == NULL, "a field holding the token is scrubbed");

	/* backoff and rate limit */
	is_int(alertmsg_backoff_us(1), 1000000, "backoff 1 s");
	is_int(alertmsg_backoff_us(4), 8000000, "backoff doubles");
	is_int(alertmsg_backoff_us(100), ALERTMSG_BACKOFF_CAP_US, "backoff capped");
	{
		struct alertmsg_bucket b = { 0, 0 };
		int64_t t = INT64_C(1000000000000);

		is_int(alertmsg_bucket_fill(&b, t), ALERTMSG_BURST, "bucket starts full");
		for (int i = 0; i < ALERTMSG_BURST; i++)
			alertmsg_bucket_take(&b);
		is_int(alertmsg_bucket_fill(&b, t + 1), 0, "empty after a burst");
		is_int(alertmsg_bucket_next_us(&b, t + 1), t + ALERTMSG_REFILL_US, "next token");
		is_int(alertmsg_bucket_fill(&b, t + ALERTMSG_REFILL_US), 1, "one refilled");
		is_int(alertmsg_bucket_fill(&b, t + 100 * ALERTMSG_REFILL_US), ALERTMSG_BURST,
		       "never above the burst");
	}
	return done_testing();
}
