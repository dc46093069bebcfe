/* ack: the pure parts of an operator's answer to a finding. An acknowledgement carries a
 * note (bounded, plain text), who gave it, and an optional expiry after which the
 * finding is open again; "expect this" turns a finding into the rule (rules.h) that
 * would have made it expected. No I/O, no clock (now is passed in), no globals: the CLI
 * (report/ack.c), the dashboard (web/) and the core thread decide alike. */
#ifndef OCA_ACK_H
#define OCA_ACK_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

#define ACK_NOTE_MAX 150        /* bytes of a note; it travels in a cmd_event's text */
#define ACK_BY_MAX 32           /* bytes of "who", NUL included */

/* The expiry T of `--until T` or the dashboard's form: a duration ahead of now ("7d",
 * "12h", as timefmt_parse_duration reads it) or an ISO-8601 time (timefmt_parse_iso).
 * Returns 0 with *out, or -1 with a reason in err (not a time, or not after now). The
 * reason never quotes s. */
int ack_until_parse(const char *s, int64_t now_us, int64_t *out, char *err, size_t errlen);

/* Whether note is one a finding may carry: at most ACK_NOTE_MAX bytes of UTF-8 without
 * control characters. Returns 0, or -1 with a reason in err that never quotes it. */
int ack_note_check(const char *note, char *err, size_t errlen);

/* The rule "expect this" adds for a finding of kind (its stable name) with domain, proto
 * ("tcp", "udp") and port (-1 = none) as stored: a connection finding
 * (unexpected-destination, unexpected-port, sni-mismatch) gives "NAME PROTO/PORT", an
 * unexpected-domain gives "NAME" (resolving it is expected, no connection is). Returns 0
 * with *out, or -1 with a reason in err when no rule fits: a kind that no rule silences
 * (direct-ip, dns-bypass, canary, ...), or a domain that is not a name a rule can hold
 * (the VM's bytes never reach a rules file unchecked). */
int ack_rule_for(const char *kind, const char *domain, const char *proto, int port,
                 struct rule *out, char *err, size_t errlen);

#endif
