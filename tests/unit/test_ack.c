/* The pure parts of acknowledging a finding (common/ack.h): the expiry's two forms, the
 * note's bounds, and the rule "expect this" derives from a finding, which must never let
 * the VM's bytes into a rules file. */
#include "config.h"

#include <string.h>

#include "common/ack.h"
#include "common/timefmt.h"
#include "tap.h"

#define NOW INT64_C(1795910400000000)   /* 2026-11-29T00:00:00Z */

static const char *
rule_of(const char *kind, const char *domain, const char *proto, int port)
{
	static char out[RULES_LINELEN];
	struct rule r;
	char err[160];

	if (ack_rule_for(kind, domain, proto, port, &r, err, sizeof(err)) < 0)
		return "-";
	return rules_format(&r, out, sizeof(out));
}

int
main(void)
{
	char err[160], note[200];
	int64_t t = 0;

	is_int(ack_until_parse("7d", NOW, &t, err, sizeof(err)), 0, "a duration");
	ok(t == NOW + 7 * DAY_US, "is ahead of now");
	is_int(ack_until_parse("2026-12-01T12:00:00Z", NOW, &t, err, sizeof(err)), 0, "ISO");
	ok(t == NOW + 2 * DAY_US + 12 * HOUR_US, "is that time");
	is_int(ack_until_parse("2026-11-28", NOW, &t, err, sizeof(err)), -1, "a past time");
	ok(strstr(err, "passed") != NULL, "says it has passed");
	is_int(ack_until_parse("2026-11-29T00:00:00Z", NOW, &t, err, sizeof(err)), -1,
	       "now itself is no expiry");
	is_int(ack_until_parse("soon<script>", NOW, &t, err, sizeof(err)), -1, "not a time");
	ok(!strstr(err, "script"), "the reason does not quote it");
	is_int(ack_until_parse("", NOW, &t, err, sizeof(err)), -1, "empty");
	is_int(ack_until_parse("-7d", NOW, &t, err, sizeof(err)), -1, "no negative duration");
	is_int(ack_until_parse("999999999999d", NOW, &t, err, sizeof(err)), -1,
	       "a duration past the range");

	is_int(ack_note_check("", err, sizeof(err)), 0, "no note");
	is_int(ack_note_check("pastebin: the bot's docs link, \xc3\xa9t\xc3\xa9 <b>", err,
	                      sizeof(err)), 0, "UTF-8 and markup are text");
	memset(note, 'n', ACK_NOTE_MAX);
	note[ACK_NOTE_MAX] = '\0';
	is_int(ack_note_check(note, err, sizeof(err)), 0, "ACK_NOTE_MAX bytes");
	note[ACK_NOTE_MAX] = 'n';
	note[ACK_NOTE_MAX + 1] = '\0';
	is_int(ack_note_check(note, err, sizeof(err)), -1, "one more is refused");
	is_int(ack_note_check("two\nlines", err, sizeof(err)), -1, "a newline");
	is_int(ack_note_check("esc\x1b[2J", err, sizeof(err)), -1, "a terminal escape");
	is_int(ack_note_check("del\x7f", err, sizeof(err)), -1, "DEL");
	is_int(ack_note_check("bad \xc3", err, sizeof(err)), -1, "a cut UTF-8 sequence");
	is_int(ack_note_check("overlong \xc0\xaf", err, sizeof(err)), -1, "an overlong form");
	is_int(ack_note_check("surrogate \xed\xa0\x80", err, sizeof(err)), -1, "a surrogate");

	is_str(rule_of("unexpected-destination", "evil.example", "tcp", 443),
	       "evil.example tcp/443", "a destination: its name on its port");
	is_str(rule_of("unexpected-port", "OpenRouter.AI.", "tcp", 80), "openrouter.ai tcp/80",
	       "a port: normalised as rules hold names");
	is_str(rule_of("sni-mismatch", "cdn.example", "udp", 443), "cdn.example udp/443",
	       "an SNI over QUIC");
	is_str(rule_of("unexpected-domain", "paste.example", NULL, -1), "paste.example",
	       "a name: resolving it, no connection");
	is_str(rule_of("direct-ip", NULL, "tcp", 443), "-", "a direct IP has no name");
	is_str(rule_of("dns-bypass", "x.example", "udp", 53), "-", "DNS bypass: never");
	is_str(rule_of("canary", "k.bait.example", NULL, -1), "-", "a canary: never");
	is_str(rule_of("dns-tunnel", "exfil.example", NULL, -1), "-", "a tunnel: never");
	is_str(rule_of("sensor", "", NULL, -1), "-", "a sensor: never");
	is_str(rule_of("unexpected-destination", "evil.example\nx.example tcp/22", "tcp", 443),
	       "-", "a name with a newline never reaches a rules file");
	is_str(rule_of("unexpected-destination", "evil.example tcp/22", "tcp", 443), "-",
	       "nor one with a space");
	is_str(rule_of("unexpected-destination", "\\000.example", "tcp", 443), "-",
	       "nor a presentation escape");
	is_str(rule_of("unexpected-domain", "*.exfil.example", NULL, -1), "-",
	       "a folded *. finding is no single name");
	is_str(rule_of("unexpected-destination", "evil.example", "icmp", 0), "-",
	       "a destination without a tcp or udp port");
	is_str(rule_of("unexpected-destination", "evil.example", "tcp/1 udp", 443), "-",
	       "a proto that is not one");
	is_str(rule_of(NULL, "evil.example", "tcp", 443), "-", "no kind");
	return done_testing();
}
