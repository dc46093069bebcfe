/* The pure parts of acknowledging a finding and of "expect this" (ack.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ack.h"
#include "findkind.h"
#include "timefmt.h"

int
ack_until_parse(const char *s, int64_t now_us, int64_t *out, char *err, size_t errlen)
{
	int64_t d, t;

	if (!s || !*s) {
		snprintf(err, errlen, "until: empty");
		return -1;
	}
	if (timefmt_parse_duration(s, &d) == 0) {
		if (d > INT64_MAX - now_us) {
			snprintf(err, errlen, "until: too far ahead");
			return -1;
		}
		t = now_us + d;
	} else if (timefmt_parse_iso(s, &t) < 0) {
		snprintf(err, errlen, "until: not a duration (7d, 12h) or an ISO-8601 time");
		return -1;
	}
	if (t <= now_us) {
		snprintf(err, errlen, "until: that time has passed");
		return -1;
	}
	*out = t;
	return 0;
}

/* Length of the UTF-8 sequence at s (1..4), 0 when it is not one (overlong forms,
 * surrogates and code points past U+10FFFF included). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) { n = 2; cp = s[0] & 0x1f; }
	else if (s[0] >= 0xe0 && s[0] <= 0xef) { n = 3; cp = s[0] & 0x0f; }
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) { n = 4; cp = s[0] & 0x07; }
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

int
ack_note_check(const char *note, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *)note;
	size_t len = strlen(note), n;

	if (len > ACK_NOTE_MAX) {
		snprintf(err, errlen, "note: longer than %d bytes", ACK_NOTE_MAX);
		return -1;
	}
	for (; *p; p += n) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "note: control characters (newlines included) are not "
			         "allowed");
			return -1;
		}
		if (!(n = utf8_len(p))) {
			snprintf(err, errlen, "note: not UTF-8");
			return -1;
		}
	}
	return 0;
}

int
ack_rule_for(const char *kind, const char *domain, const char *proto, int port,
             struct rule *out, char *err, size_t errlen)
{
	enum findkind k = findkind_from_name(kind ? kind : "");
	bool with_port;
	char spec[32], why[128];

	memset(out, 0, sizeof(*out));
	switch (k) {
	case FK_UNEXPECTED_DOMAIN:
		with_port = false;
		break;
	case FK_UNEXPECTED_DESTINATION: case FK_UNEXPECTED_PORT: case FK_SNI_MISMATCH:
		with_port = true;
		break;
	default:
		snprintf(err, errlen, "no rule makes this kind of finding expected");
		return -1;
	}
	if (!domain || !*domain || rules_name_normalise(domain, out->name, sizeof(out->name)) < 0 ||
	    out->name[0] == '*') {
		snprintf(err, errlen, "the finding names no host a rule can hold");
		return -1;
	}
	if (with_port) {
		if (!proto || port < 1 || port > 65535 ||
		    snprintf(spec, sizeof(spec), "%.8s/%d", proto, port) >= (int)sizeof(spec) ||
		    rules_port_parse(spec, &out->ports[0], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "the finding has no tcp or udp port a rule can hold");
			return -1;
		}
		out->n_ports = 1;
	}
	return 0;
}
