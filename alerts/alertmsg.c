/* Alert text is read by a person on a phone, and most of it came from the VM: a domain it
 * asked for, a detail built from its packets. So every field goes through one cleaner
 * that keeps printable UTF-8 and turns everything that could change how the message reads
 * (newlines that fake a new alert, bidi overrides that reverse a name, zero-width
 * characters that hide one, bytes that are not UTF-8 at all) into visible escapes. The
 * message has no markup (no parse_mode), so nothing else in it is special. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alertmsg.h"
#include "common/findkind.h"

#define FIELD_MAX 1024    /* bytes of one cleaned field in a message */
#define DETAIL_MAX 2048

struct sink {
	char *out;
	size_t len, cap;   /* cap excludes the final NUL */
	bool full;
};

/* Decode one UTF-8 character at p (n bytes left). Returns its length, or 0 if the bytes
 * there are not a valid, shortest-form character; *cp receives the code point. */
static size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters that are invisible or change the layout of what follows them. */
static bool
is_unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x180e ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
	       (c >= 0xe0000 && c <= 0xe007f);
}

static void
put(struct sink *s, const char *p, size_t n)
{
	if (s->full)
		return;
	if (s->len + n > s->cap) {
		s->full = true;   /* all or nothing: never half a character or escape */
		return;
	}
	memcpy(s->out + s->len, p, n);
	s->len += n;
}

static void
puts_raw(struct sink *s, const char *p)
{
	put(s, p, strlen(p));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct sink *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(s, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static char *
finish(struct sink *s)
{
	s->out[s->len] = '\0';
	return s->out;
}

/* alertmsg_clean; returns true if in did not fit. */
static bool
clean(const char *in, char *out, size_t outlen)
{
	struct sink s = { out, 0, outlen ? outlen - 1 : 0, false };
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)p);
	char esc[16];

	if (!outlen)
		return n > 0;
	while (n > 0 && !s.full) {
		uint32_t c;
		size_t len = utf8_decode(p, n, &c);

		if (len == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[0]);
			put(&s, esc, 4);
			len = 1;
		} else if (is_unsafe(c)) {
			put(&s, esc, (size_t)snprintf(esc, sizeof(esc), "\\u{%04x}", (unsigned)c));
		} else {
			put(&s, (const char *)p, len);
		}
		if (s.full)
			break;
		p += len;
		n -= len;
	}
	finish(&s);
	return n > 0;
}

char *
alertmsg_clean(const char *in, char *out, size_t outlen)
{
	clean(in, out, outlen);
	return out;
}

/* UTF-16 units of the character at p, and its length in bytes (invalid byte: 1, 1). */
static size_t
char_units(const unsigned char *p, size_t n, size_t *bytes)
{
	uint32_t c;
	size_t len = utf8_decode(p, n, &c);

	if (len == 0) {
		*bytes = 1;
		return 1;
	}
	*bytes = len;
	return c >= 0x10000 ? 2 : 1;
}

size_t
alertmsg_units(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), units = 0, len;

	while (n > 0) {
		units += char_units(p, n, &len);
		p += len;
		n -= len;
	}
	return units;
}

bool
alertmsg_cut(char *text, size_t max_units)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), units = 0, len, u, keep = 0;
	size_t room = max_units > 3 ? max_units - 3 : 0;

	if (alertmsg_units(text) <= max_units)
		return false;
	/* the longest prefix of whole characters that leaves room for "..." */
	while (n > 0) {
		u = char_units(p, n, &len);
		if (units + u > room)
			break;
		units += u;
		p += len;
		n -= len;
		keep = (size_t)((const char *)p - text);
	}
	if (max_units >= 3) {
		memcpy(text + keep, "...", 3);
		text[keep + 3] = '\0';
	} else {
		text[keep] = '\0';
	}
	return true;
}

static void
put_clean(struct sink *s, const char *field, size_t max)
{
	char buf[DETAIL_MAX + 1];
	bool cut;

	if (max > sizeof(buf))
		max = sizeof(buf);
	cut = clean(field, buf, max);
	puts_raw(s, buf);
	if (cut)
		puts_raw(s, "...");
}

static bool
has(const char *s)
{
	return s && *s;
}

/* "203.0.113.5 port 443/tcp", "evil.example", or "" into s. */
static void
put_destination(struct sink *s, const struct alertmsg_fields *a)
{
	if (has(a->ip)) {
		put_clean(s, a->ip, 128);
		if (a->port >= 0)
			putf(s, " port %lld", a->port);
		if (has(a->proto)) {
			puts_raw(s, a->port >= 0 ? "/" : " ");
			put_clean(s, a->proto, 32);
		}
	} else if (has(a->domain)) {
		put_clean(s, a->domain, FIELD_MAX);
	} else {
		puts_raw(s, "(none)");
	}
}

static bool
is(const char *v, const char *k)
{
	return v && strcmp(v, k) == 0;
}

static bool
is_kind(const struct alertmsg_fields *a, const char *k)
{
	return a->outbox_kind && strcmp(a->outbox_kind, k) == 0;
}

static bool
is_canary(const struct alertmsg_fields *a)
{
	return findkind_from_name(a->kind) == FK_CANARY;
}

static void
put_one(struct sink *s, const struct alertmsg_fields *a)
{
	if (is_kind(a, "loss")) {
		puts_raw(s, "oc-audit: events lost\n");
		if (a->count >= 0)
			putf(s, "lost: %lld events\n", a->count);
		if (has(a->last_seen)) {
			puts_raw(s, "when: ");
			put_clean(s, a->last_seen, 64);
			puts_raw(s, "\n");
		}
		puts_raw(s, "The audit trail has a gap: what the VM did then is not all recorded.");
		if (has(a->detail)) {
			puts_raw(s, "\ndetail: ");
			put_clean(s, a->detail, DETAIL_MAX);
		}
		return;
	}
	if (is_kind(a, "watch-end")) {
		puts_raw(s, "oc-audit: the watch week has ended\n");
		if (has(a->first_seen) || has(a->last_seen)) {
			puts_raw(s, "watch: ");
			put_clean(s, a->first_seen, 64);
			puts_raw(s, " to ");
			put_clean(s, a->last_seen, 64);
			puts_raw(s, "\n");
		}
		if (a->count >= 0) {
			putf(s, "findings: %lld", a->count);
			if (a->open >= 0)
				putf(s, " (%lld not acknowledged)", a->open);
			puts_raw(s, "\n");
		}
		if (a->blind >= 0)
			putf(s, "blind spots: %lld\n", a->blind);
		puts_raw(s, "verdict: ");
		if (has(a->verdict)) {
			put_clean(s, a->verdict, 32);
			if (is(a->verdict, "CLEAN"))
				puts_raw(s, ": no finding, every configured sensor saw the whole week, "
				         "and nothing was lost");
			else if (is(a->verdict, "INCOMPLETE"))
				puts_raw(s, ": no finding, but the record has blind spots (see the report)");
			else
				puts_raw(s, ": see the report");
		} else if (has(a->detail)) {
			put_clean(s, a->detail, DETAIL_MAX);
		} else {
			puts_raw(s, "see the report: oc-audit report --since 7d");
		}
		if (has(a->head)) {
			puts_raw(s, "\nchain head: ");
			if (a->batch >= 0)
				putf(s, "batch %lld, ", a->batch);
			put_clean(s, a->head, 80);
			puts_raw(s, "\n(keep it: oc-audit verify --head HEAD shows the record up to it "
			         "unchanged)");
		}
		return;
	}
	if (is_kind(a, "sensor") && is(a->source, "database")) {
		puts_raw(s, "oc-audit: database fault: ");
		put_clean(s, has(a->state) ? a->state : "unknown", 32);
		if (has(a->first_seen)) {
			puts_raw(s, "\nsince: ");
			put_clean(s, a->first_seen, 64);
		}
		if (has(a->detail)) {
			puts_raw(s, "\ndetail: ");
			put_clean(s, a->detail, DETAIL_MAX);
		}
		return;
	}
	if (is_kind(a, "sensor")) {
		bool up = is(a->state, "up");

		puts_raw(s, up ? "oc-audit: a sensor sees again: " : "oc-audit: a sensor is blind: ");
		put_clean(s, has(a->source) ? a->source : "unknown", 32);
		if (!up) {
			puts_raw(s, " ");
			put_clean(s, has(a->state) ? a->state : "unknown", 32);
		}
		if (has(a->first_seen)) {
			puts_raw(s, "\nsince: ");
			put_clean(s, a->first_seen, 64);
		}
		puts_raw(s, up ? "\nThe blind spot before it stays in the record: the verdict "
		         "cannot be CLEAN over it." : "\nWhat the VM does is not all recorded "
		         "until it sees again: the verdict cannot be CLEAN.");
		if (has(a->detail)) {
			puts_raw(s, "\ndetail: ");
			put_clean(s, a->detail, DETAIL_MAX);
		}
		return;
	}
	if (is_kind(a, "disk")) {
		puts_raw(s, "oc-audit: the database's disk needs attention\n");
		puts_raw(s, has(a->detail) ? "" : "(no detail)");
		if (has(a->detail))
			put_clean(s, a->detail, DETAIL_MAX);
		return;
	}
	if (is_kind(a, "test")) {
		puts_raw(s, "oc-audit: test message\n");
		puts_raw(s, has(a->detail) ? "" : "Alerts reach this chat.");
		if (has(a->detail))
			put_clean(s, a->detail, DETAIL_MAX);
		return;
	}
	if (is_canary(a))
		puts_raw(s, "oc-audit: CANARY, the most serious finding: the agent used bait "
		         "planted in the VM\n");
	puts_raw(s, "oc-audit: new finding: ");
	put_clean(s, has(a->kind) ? a->kind : "unknown", 64);
	puts_raw(s, "\ndestination: ");
	put_destination(s, a);
	if (has(a->ip) && has(a->domain)) {
		puts_raw(s, "\ndomain: ");
		put_clean(s, a->domain, FIELD_MAX);
	}
	puts_raw(s, "\n");
	if (a->count >= 0)
		putf(s, "seen: %lld time%s", a->count, a->count == 1 ? "" : "s");
	else
		puts_raw(s, "seen:");
	if (has(a->first_seen)) {
		puts_raw(s, ", first ");
		put_clean(s, a->first_seen, 64);
	}
	if (has(a->last_seen)) {
		puts_raw(s, ", last ");
		put_clean(s, a->last_seen, 64);
	}
	if (a->watch_day >= 0)
		putf(s, "\nwatch day: %lld", a->watch_day);
	if (has(a->detail)) {
		puts_raw(s, "\ndetail: ");
		put_clean(s, a->detail, DETAIL_MAX);
	}
}

/* One line of the "and N more" list. */
static void
put_short(struct sink *s, const struct alertmsg_fields *a)
{
	puts_raw(s, "\n- ");
	if (is_kind(a, "loss")) {
		putf(s, "events lost: %lld", a->count);
	} else if (is_kind(a, "watch-end")) {
		puts_raw(s, "the watch week has ended");
	} else if (is_kind(a, "disk")) {
		puts_raw(s, "the database's disk needs attention");
	} else if (is_kind(a, "test")) {
		puts_raw(s, "test message");
	} else if (is_kind(a, "sensor")) {
		puts_raw(s, "sensor ");
		put_clean(s, has(a->source) ? a->source : "unknown", 32);
		puts_raw(s, " ");
		put_clean(s, has(a->state) ? a->state : "unknown", 32);
	} else {
		if (is_canary(a))
			puts_raw(s, "CANARY: ");
		put_clean(s, has(a->kind) ? a->kind : "unknown", 64);
		puts_raw(s, " ");
		put_destination(s, a);
		if (has(a->ip) && has(a->domain)) {
			puts_raw(s, " (");
			put_clean(s, a->domain, 256);
			puts_raw(s, ")");
		}
	}
}

static char *
finish_message(struct sink *s)
{
	finish(s);
	if (s->full) {
		/* out of buffer: make the end visibly cut, on a character boundary */
		size_t k = s->len;

		while (k > 0 && s->len - k < 3)
			k--;
		while (k > 0 && ((unsigned char)s->out[k] & 0xc0) == 0x80)
			k--;
		if (s->cap >= 3) {
			memcpy(s->out + k, "...", 3);
			s->out[k + 3] = '\0';
		}
	}
	alertmsg_cut(s->out, ALERTMSG_TELEGRAM_MAX);
	return s->out;
}

char *
alertmsg_format(const struct alertmsg_fields *a, char *out, size_t outlen)
{
	return alertmsg_coalesce(a, NULL, 0, out, outlen);
}

char *
alertmsg_coalesce(const struct alertmsg_fields *first, const struct alertmsg_fields *rest,
                  size_t n_rest, char *out, size_t outlen)
{
	struct sink s = { out, 0, outlen ? outlen - 1 : 0, false };

	if (!outlen)
		return out;
	put_one(&s, first);
	if (n_rest > 0) {
		putf(&s, "\n\nand %zu more:", n_rest);
		for (size_t i = 0; i < n_rest; i++) {
			size_t before = s.len;

			put_short(&s, &rest[i]);
			s.out[s.len] = '\0';
			if (s.full || alertmsg_units(s.out) > ALERTMSG_TELEGRAM_MAX - 32) {
				/* the list would not fit: end it with a count instead */
				s.full = false;
				s.len = before;
				s.out[s.len] = '\0';
				putf(&s, "\n- ... %zu more not listed", n_rest - i);
				break;
			}
		}
	}
	return finish_message(&s);
}

char *
alertmsg_scrub(char *s, size_t len, const char *secret)
{
	static const char mark[] = "<redacted>";
	size_t sl, ml = sizeof(mark) - 1;
	char *p;

	if (!s || !secret || !*secret || len == 0)
		return s;
	sl = strlen(secret);
	while ((p = strstr(s, secret))) {
		size_t tail = strlen(p + sl), at = (size_t)(p - s);

		if (at + ml + tail + 1 > len) {
			/* no room for the mark: drop the secret and what follows it */
			*p = '\0';
			break;
		}
		memmove(p + ml, p + sl, tail + 1);
		memcpy(p, mark, ml);
	}
	return s;
}

int64_t
alertmsg_backoff_us(unsigned failures)
{
	int64_t d = ALERTMSG_BACKOFF_BASE_US;

	for (unsigned i = 1; i < failures && d < ALERTMSG_BACKOFF_CAP_US; i++)
		d *= 2;
	return d < ALERTMSG_BACKOFF_CAP_US ? d : ALERTMSG_BACKOFF_CAP_US;
}

unsigned
alertmsg_bucket_fill(struct alertmsg_bucket *b, int64_t now_us)
{
	if (b->last_us == 0 || now_us < b->last_us) {
		b->last_us = now_us;
		b->tokens = ALERTMSG_BURST;
		return b->tokens;
	}
	while (b->tokens < ALERTMSG_BURST && now_us - b->last_us >= ALERTMSG_REFILL_US) {
		b->tokens++;
		b->last_us += ALERTMSG_REFILL_US;
	}
	if (b->tokens >= ALERTMSG_BURST)
		b->last_us = now_us;
	return b->tokens;
}

void
alertmsg_bucket_take(struct alertmsg_bucket *b)
{
	if (b->tokens > 0)
		b->tokens--;
}

int64_t
alertmsg_bucket_next_us(const struct alertmsg_bucket *b, int64_t now_us)
{
	if (b->tokens > 0)
		return now_us;
	return b->last_us + ALERTMSG_REFILL_US;
}
