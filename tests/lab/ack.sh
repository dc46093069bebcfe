#!/bin/bash
# Findings an operator works through, with the real collector, its dashboard and the CLI:
#   - `oc-audit ack ID --note --until` reaches the running collector through its loopback
#     dashboard (with the token), the core thread stores note, who and expiry; a bad note
#     or until is refused; `verify` stays intact after acks (they are not in the chain);
#   - an ack whose until has passed is open again: findings --open, report and metrics;
#     the finding kept counting while acknowledged;
#   - the finding page shows the note escaped, and "expect this" with its exact rule; the
#     confirmed POST appends it to rules_file (created 0600 by the collector's user), the
#     collector rereads it, and a later identical connection is expected;
#   - `oc-audit ack --remove ID` takes an ack back the same two ways: note, who and
#     expiry gone, open again; a removal with a note or until is refused;
#   - with no collector running, the CLI writes the database itself.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl
lab_up "$IIF_RULE"
lab_upstream "api.telegram.org. 300 IN A 198.51.100.3" "evil.example. 300 IN A 198.51.100.6" \
	"paste.example. 300 IN A 198.51.100.7"
WEB=127.0.0.1:8383
TOKEN=0123456789abcdef-ack-token-$RANDOM
echo "$TOKEN" > "$LAB_DIR/token"
chmod 600 "$LAB_DIR/token"
chown "$LAB_USER" "$LAB_DIR/token"
RULES="$LAB_DIR/db/rules"          # in the collector's state directory: it writes it
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[web]" "listen = $WEB" "token_file = $LAB_DIR/token" "[policy]" "rules_file = $RULES"
lab_collect

resolve() { in_vm drill -Q @192.168.83.1 "$1" A 2>/dev/null | tail -n 1; }
# a new connection (NFLOG logs its first packet whether anyone answers or not)
tcp() { in_vm bash -c "timeout 1 bash -c 'exec 3<>/dev/tcp/$1/$2'" 2>/dev/null || true; }
oca() { in_host "$OCA_BIN" "$@"; }
hc() {
	in_host curl -s -o "$LAB_DIR/body" -w '%{http_code}' --max-time 10 \
		-H "Authorization: Bearer $TOKEN" "$@" || true
}
fid() { sql "SELECT id FROM findings WHERE kind = '$1' AND key = '$2'"; }

resolve evil.example >/dev/null
resolve paste.example >/dev/null
tcp 198.51.100.6 443
tcp 198.51.100.7 443
wait_until 30 sql_is "SELECT count(*) FROM findings WHERE kind = 'unexpected-destination'" 2 ||
	echo "# the findings did not come"
EVIL=$(fid unexpected-destination 198.51.100.6:443/tcp)
PASTE=$(fid unexpected-destination 198.51.100.7:443/tcp)
PDOM=$(fid unexpected-domain paste.example)

# --- the CLI, through the running collector
oca ack "$PASTE" -c "$LAB_CONF" --note 'pastebin <b>seen</b> in the "bot" logs' --until 2h \
	>"$LAB_DIR/ack.out" 2>&1 && rc=0 || rc=$?
check "ack with note and until exits 0" "$rc" 0
check "ack says it is stored" "$(cat "$LAB_DIR/ack.out")" "finding $PASTE acknowledged"
check "note, who and until stored by the collector" \
	"$(sql "SELECT ack_note || '|' || ack_by || '|' || (ack_until_us - acked_us BETWEEN 7190000000 AND 7200000000) FROM findings WHERE id = $PASTE")" \
	"pastebin <b>seen</b> in the \"bot\" logs|cli (root)|1"
oca ack "$PDOM" -c "$LAB_CONF" >/dev/null 2>&1 && rc=0 || rc=$?
check "ack without note or until" "$rc,$(sql "SELECT acked_us > 0 AND ack_note IS NULL AND ack_until_us IS NULL FROM findings WHERE id = $PDOM")" "0,1"
oca ack "$EVIL" -c "$LAB_CONF" --note "$(printf 'two\nlines')" >/dev/null 2>&1 && rc=0 || rc=$?
check "a note with a newline is refused (2)" "$rc" 2
oca ack "$EVIL" -c "$LAB_CONF" --note "$(head -c 151 /dev/zero | tr '\0' n)" >/dev/null 2>&1 && rc=0 || rc=$?
check "a note over 150 bytes is refused (2)" "$rc" 2
oca ack "$EVIL" -c "$LAB_CONF" --until 2020-01-01T00:00:00Z >/dev/null 2>&1 && rc=0 || rc=$?
check "an until in the past is refused (2)" "$rc" 2
oca ack 999999 -c "$LAB_CONF" >/dev/null 2>&1 && rc=0 || rc=$?
check "no such finding (1)" "$rc" 1
check "refused acks changed nothing" "$(sql "SELECT acked_us IS NULL FROM findings WHERE id = $EVIL")" 1

# --- expiry: acknowledged for seconds, then open again everywhere
UNTIL=$(date -u -d '+6 seconds' +%Y-%m-%dT%H:%M:%SZ)
oca ack "$EVIL" -c "$LAB_CONF" --note 'test box, for now' --until "$UNTIL" >/dev/null 2>&1 && rc=0 || rc=$?
check "ack until an ISO time" "$rc,$(sql "SELECT ack_until_us / 1000000 FROM findings WHERE id = $EVIL")" \
	"0,$(date -u -d "$UNTIL" +%s)"
tcp 198.51.100.6 443          # it keeps counting while acknowledged
wait_until 30 sql_is "SELECT count FROM findings WHERE id = $EVIL" 2 || echo "# no second count"
check "an acknowledged finding keeps counting" "$(sql "SELECT count FROM findings WHERE id = $EVIL")" 2
open_has() { oca findings -c "$LAB_CONF" --open | grep -q "^$1 "; }
wait_until 60 open_has "$EVIL" || echo "# never open again"
check "expired: findings --open lists it" "$(open_has "$EVIL" && echo yes)" yes
check "expired: --open still leaves out the others" "$(open_has "$PASTE" || echo no)" no
oca report -c "$LAB_CONF" --since 1h >"$LAB_DIR/report.txt" || true
check "report: open again, with who and when it expired" \
	"$(grep -c "open again: acknowledged .* by cli (root), expired $UNTIL" "$LAB_DIR/report.txt")" 1
check "report: the note, escaped for a terminal as given" \
	"$(grep -c '      note: pastebin <b>seen</b> in the "bot" logs' "$LAB_DIR/report.txt")" 1
oca report -c "$LAB_CONF" --since 1h --format json >"$LAB_DIR/report.json" || true
check "json: acked, and the ack with its note" \
	"$(jsonq "$LAB_DIR/report.json" "(SELECT value->>'acked' || ',' || (value->'ack'->>'note') || ',' || (value->'ack'->>'until') FROM json_each(j, '\$.findings') WHERE value->>'ip' = '198.51.100.7')")" \
	"1,pastebin <b>seen</b> in the \"bot\" logs,$(sql "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', ack_until_us / 1000000, 'unixepoch') FROM findings WHERE id = $PASTE")"
check "json: the expired one is open, its ack marked expired" \
	"$(jsonq "$LAB_DIR/report.json" "(SELECT value->>'acked' || ',' || (value->'ack'->>'expired') FROM json_each(j, '\$.findings') WHERE value->>'ip' = '198.51.100.6')")" "0,1"
check "report verdict counts it open" "$(grep -c '^Verdict: 4 FINDINGS (2 unacknowledged)' "$LAB_DIR/report.txt")" 1
hc "http://$WEB/metrics" >/dev/null
check "metrics: open by kind" "$(grep -c '^oc_audit_findings_open{kind="unexpected-destination"} 1$' "$LAB_DIR/body")" 1

# --- the dashboard: the note escaped, expect this
hc "http://$WEB/findings/$PASTE" >/dev/null
check "finding page: the note, HTML-escaped" \
	"$(grep -c 'pastebin &lt;b&gt;seen&lt;/b&gt; in the &quot;bot&quot; logs' "$LAB_DIR/body")" 1
check "finding page: who acknowledged" "$(grep -c 'by cli (root), until' "$LAB_DIR/body")" 1
hc "http://$WEB/findings/$EVIL" >/dev/null
check "finding page: open again" "$(grep -c '<strong>open again</strong>' "$LAB_DIR/body")" 1
check "finding page: expect this shows the exact rule" \
	"$(grep -c '<code class="rule">evil.example tcp/443</code>' "$LAB_DIR/body")" 1
check "dashboard ack form: note and until" "$(hc -X POST -H "Origin: http://$WEB" \
	--data-urlencode 'note=<script>alert(1)</script>' --data-urlencode 'until=1h' \
	"http://$WEB/api/findings/$EVIL/ack")" 202
wait_until 30 sql_is "SELECT ack_by FROM findings WHERE id = $EVIL" dashboard || echo "# not stored"
check "dashboard ack stored with its note" \
	"$(sql "SELECT ack_note || '|' || ack_by FROM findings WHERE id = $EVIL")" "<script>alert(1)</script>|dashboard"
check "dashboard ack: bad until is 400" "$(hc -X POST --data 'until=soon' "http://$WEB/api/findings/$EVIL/ack")" 400
check "expect this needs POST" "$(hc "http://$WEB/api/findings/$EVIL/expect")" 405
check "expect this refused cross-site" "$(hc -X POST -H 'Sec-Fetch-Site: cross-site' "http://$WEB/api/findings/$EVIL/expect")" 403
check "expect this needs the token" "$(in_host curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://$WEB" "http://$WEB/api/findings/$EVIL/expect")" 401
check "expect this: no such finding 404" "$(hc -X POST "http://$WEB/api/findings/999999/expect")" 404
check "expect this (confirmed)" "$(hc -X POST "http://$WEB/api/findings/$EVIL/expect")" 200
check "the answer names the rule" "$(grep -c '"rule": "evil.example tcp/443"' "$LAB_DIR/body")" 1
check "rules_file: the rule appended" "$(grep -vc '^#' "$RULES"),$(tail -n 1 "$RULES")" "1,evil.example tcp/443"
check "rules_file: created 0600 by the collector's user" "$(stat -c '%a %U' "$RULES")" "600 $LAB_USER"
wait_until 30 grep -q "rules file changed: configuration reloaded" "$LAB_DIR/collect.log" ||
	echo "# no reload after expect this"
resolve evil.example >/dev/null
tcp 198.51.100.6 443
# the destination's row counts the third connection, judged expected now
DEST="SELECT expected || ',' || connections FROM destinations WHERE domain = 'evil.example' AND port = 443"
wait_until 30 sql_is "$DEST" 1,3 || echo "# the later connection is not expected"
check "a later identical connection is expected" "$(sql "$DEST")" 1,3
check "and raised nothing more" "$(sql "SELECT count FROM findings WHERE id = $EVIL")" 2

# --- taking an ack back, through the running collector
oca ack --remove "$PDOM" -c "$LAB_CONF" --note why >/dev/null 2>&1 && rc=0 || rc=$?
check "--remove with a note is a usage error (2)" "$rc" 2
oca ack --remove "$PDOM" -c "$LAB_CONF" >"$LAB_DIR/ack.out" 2>&1 && rc=0 || rc=$?
check "ack --remove exits 0" "$rc" 0
check "ack --remove says it is stored" "$(cat "$LAB_DIR/ack.out")" "finding $PDOM: acknowledgement removed"
check "removed by the collector: ack, note, who and until gone" \
	"$(sql "SELECT acked_us IS NULL AND ack_note IS NULL AND ack_by IS NULL AND ack_until_us IS NULL FROM findings WHERE id = $PDOM")" 1
check "removed: findings --open lists it" "$(open_has "$PDOM" && echo yes)" yes
oca ack --remove 999999 -c "$LAB_CONF" >/dev/null 2>&1 && rc=0 || rc=$?
check "remove: no such finding (1)" "$rc" 1
check "remove needs the token" "$(in_host curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://$WEB" --data remove=1 "http://$WEB/api/findings/$PASTE/ack")" 401
check "remove with an until is 400" "$(hc -X POST --data 'remove=1&until=1h' "http://$WEB/api/findings/$PASTE/ack")" 400
check "remove=yes is 400" "$(hc -X POST --data 'remove=yes' "http://$WEB/api/findings/$PASTE/ack")" 400
check "the refused removals changed nothing" "$(sql "SELECT ack_note FROM findings WHERE id = $PASTE")" \
	'pastebin <b>seen</b> in the "bot" logs'

oca verify -c "$LAB_CONF" >/dev/null 2>&1 && rc=0 || rc=$?
check "verify intact after the acks" "$rc" 0

# --- no collector running: the CLI writes the database itself
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
oca ack "$EVIL" -c "$LAB_CONF" --note offline >"$LAB_DIR/ack.out" 2>&1 && rc=0 || rc=$?
check "offline ack exits 0, written directly" "$rc,$(grep -c 'written directly' "$LAB_DIR/ack.out")" "0,1"
check "offline ack stored" "$(sql "SELECT ack_note FROM findings WHERE id = $EVIL")" offline
oca ack --remove "$EVIL" -c "$LAB_CONF" >"$LAB_DIR/ack.out" 2>&1 && rc=0 || rc=$?
check "offline remove exits 0, written directly" "$rc,$(grep -c 'written directly' "$LAB_DIR/ack.out")" "0,1"
check "offline remove stored" "$(sql "SELECT acked_us IS NULL AND ack_note IS NULL AND ack_by IS NULL FROM findings WHERE id = $EVIL")" 1
oca verify -c "$LAB_CONF" >/dev/null 2>&1 && rc=0 || rc=$?
check "verify intact after an offline ack" "$rc" 0
lab_finish
