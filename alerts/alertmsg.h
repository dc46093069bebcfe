/* alertmsg: the pure parts of alert delivery. The text a person reads on Telegram (made
 * from an outbox row's fields, every one of which may hold bytes the VM chose), the cut
 * to Telegram's length limit, the coalescing of a burst into one "and N more" message,
 * the removal of a secret from error text, the retry backoff and the rate limit.
 * No I/O, no clock reads, no globals. */
#ifndef OCA_ALERTMSG_H
#define OCA_ALERTMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Telegram's limit for one message's text (UTF-16 code units, after parsing). */
#define ALERTMSG_TELEGRAM_MAX 4096
/* Enough bytes for any message text this module makes (4096 units, 4 bytes each). */
#define ALERTMSG_BUFSIZE (4 * ALERTMSG_TELEGRAM_MAX + 1)

/* One alert's fields: the outbox row's kind and its body's fields. Strings may be NULL
 * (absent); numbers are -1 when absent. Nothing here is trusted. */
struct alertmsg_fields {
	const char *outbox_kind;  /* 'finding', 'loss', 'watch-end', 'test', 'sensor', 'disk' */
	const char *kind;         /* finding kind ("direct-ip"...), or the outbox kind */
	const char *domain, *ip, *proto;
	long long port, count, watch_day;
	const char *first_seen, *last_seen;  /* ISO-8601, as in the body */
	const char *detail;
	/* the end of the watch: the report's verdict, open findings, blind spots, and the
	 * hash chain's head (batch number and hash) */
	const char *verdict, *head;
	long long open, blind, batch;
	/* a sensor's change of state (outbox kind 'sensor'): "nflog", and "up" or why not */
	const char *source, *state;
};

/* Copy in to out (outlen bytes, NUL-terminated, cut on a character boundary, never in
 * the middle of an escape) so that it is one harmless line of text: C0/C1 control
 * characters, DEL, line and paragraph separators, bidi and zero-width format characters
 * become \u{XXXX}; bytes that are not valid UTF-8 become \xHH. Printable UTF-8 (any
 * script) is kept. Returns out. */
char *alertmsg_clean(const char *in, char *out, size_t outlen);

/* Cut text in place to at most max_units UTF-16 code units (what Telegram counts),
 * on a UTF-8 character boundary; a cut text ends with "..." within the limit.
 * Returns true if it was cut. */
bool alertmsg_cut(char *text, size_t max_units);

/* Number of UTF-16 code units text would take (invalid bytes count one each). */
size_t alertmsg_units(const char *text);

/* The message for one alert into out (ALERTMSG_BUFSIZE bytes recommended): plain text,
 * no markup, every field cleaned, cut to ALERTMSG_TELEGRAM_MAX. Returns out. */
char *alertmsg_format(const struct alertmsg_fields *a, char *out, size_t outlen);

/* One message for a burst: the first alert in full, then "and N more:" with one short
 * line per further alert for as many as fit, cut to ALERTMSG_TELEGRAM_MAX.
 * n_rest = 0 gives alertmsg_format's text. Returns out. */
char *alertmsg_coalesce(const struct alertmsg_fields *first,
                        const struct alertmsg_fields *rest, size_t n_rest,
                        char *out, size_t outlen);

/* Replace every occurrence of secret (if non-empty) in s with "<redacted>", in place,
 * never growing s past its buffer of size len. Returns s. */
char *alertmsg_scrub(char *s, size_t len, const char *secret);

/* Delay before the next try after failures consecutive failures (>= 1): 1 s doubling
 * per failure, capped at ALERTMSG_BACKOFF_CAP_US. */
#define ALERTMSG_BACKOFF_BASE_US INT64_C(1000000)
#define ALERTMSG_BACKOFF_CAP_US INT64_C(300000000)
int64_t alertmsg_backoff_us(unsigned failures);

/* The Telegram rate limit: a token bucket of ALERTMSG_BURST messages, refilled one per
 * ALERTMSG_REFILL_US. Zero-initialise, then alertmsg_bucket_fill before each use. */
#define ALERTMSG_BURST 3
#define ALERTMSG_REFILL_US INT64_C(20000000)
struct alertmsg_bucket {
	int64_t last_us;   /* when tokens was last brought up to date; 0 = never */
	unsigned tokens;
};

/* Bring the bucket up to date at now_us. Returns the tokens available. */
unsigned alertmsg_bucket_fill(struct alertmsg_bucket *b, int64_t now_us);

/* Take one token (after a message was sent). */
void alertmsg_bucket_take(struct alertmsg_bucket *b);

/* When the next token arrives (now_us if one is there). */
int64_t alertmsg_bucket_next_us(const struct alertmsg_bucket *b, int64_t now_us);

#endif
