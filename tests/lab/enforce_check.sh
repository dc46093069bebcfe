#!/bin/bash
# Enforce mode's own nftables table, checked by the running collector like the NFLOG rule:
# missing at start (a sensor finding and an alert at once), installed (SIGHUP checks
# again: up), then deleted under the running collector (found by the check of the minute,
# no signal: the same finding counts again, a new alert). The report names the stretches
# the VM was not enforced and cannot say CLEAN.
set -eu
. "$(dirname "$0")/lib.sh"
lab_up "$IIF_RULE"
lab_upstream "api.telegram.org. 300 IN A 198.51.100.3"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[policy]" "expect = api.telegram.org tcp/443" "[enforce]" "mode = enforce"
"$OCA_BIN" enforce-rules -c "$LAB_CONF" >"$LAB_DIR/enforce.nft"
in_host nft delete table inet oc-audit 2>/dev/null || true
state() { sql "SELECT group_concat(state, ' ') FROM (SELECT state FROM sensor_events
               WHERE source = 'enforce' ORDER BY id)"; }
state_is() { [ "$(state 2>/dev/null)" = "$1" ]; }
alerts() { sql "SELECT group_concat(body ->> 'state', ' ') FROM (SELECT body FROM alert_outbox
                WHERE kind = 'sensor' AND body ->> 'source' = 'enforce' ORDER BY id)"; }

lab_collect
check "missing at start: off" "$(wait_until 30 state_is "off" && echo yes)" yes
check "missing at start: a sensor finding" \
	"$(sql "SELECT kind || ' ' || key || ' ' || count FROM findings WHERE kind = 'sensor'")" \
	"sensor enforce off 1"
check "missing at start: its detail" \
	"$(sql "SELECT detail FROM findings WHERE kind = 'sensor'" | grep -c 'no table inet oc-audit')" 1
check "missing at start: alerted" "$(alerts)" off
grep -q "nftables check: enforce mode's table: no table inet oc-audit" "$LAB_DIR/collect.log" &&
	logged=yes || logged=no
check "missing at start: logged" "$logged" yes
check "NFLOG's own rule is there: no NFLOG sensor finding" \
	"$(sql "SELECT count(*) FROM findings WHERE key LIKE 'nflog %'")" 0

in_host nft -f "$LAB_DIR/enforce.nft"
kill -HUP "$COLLECT_PID"
check "installed, SIGHUP: up" "$(wait_until 30 state_is "off up" && echo yes)" yes
check "installed: alerted that it is enforced again" "$(alerts)" "off up"
up_us=$(sql "SELECT max(ts_us) FROM sensor_events WHERE source = 'enforce' AND state = 'up'")

# deleted under the running collector: no signal, the check of the minute finds it
in_host nft delete table inet oc-audit
deleted=$(date +%s)
check "deleted while running: found by the minute's check" \
	"$(wait_until 150 state_is "off up off" && echo yes)" yes
echo "# found $(( $(date +%s) - deleted )) s after the deletion"
check "deleted while running: the same finding counts again" \
	"$(sql "SELECT count(*) || ' ' || sum(count) FROM findings WHERE kind = 'sensor'")" "1 2"
check "deleted while running: alerted again" "$(alerts)" "off up off"
from3=$(sql "SELECT max(ts_us) FROM sensor_events WHERE source = 'enforce' AND state = 'off'")
check "deleted while running: off since the last check that saw the table" \
	"$([ "$from3" -ge "$up_us" ] && [ "$from3" -le "${deleted}999999" ] && echo yes)" yes

"$OCA_BIN" report --db "$LAB_DB" --since 1h >"$LAB_DIR/report.txt" && rc=0 || rc=$?
sed 's/^/# /' "$LAB_DIR/report.txt" | sed -n '1,30p'
check "report: exit 0" "$rc" 0
check "report: both stretches without enforcement named" \
	"$(grep -c '!! blind .* off: nftables: no table inet oc-audit; so the VM.s connections are not enforced' "$LAB_DIR/report.txt")" 2
check "report: not CLEAN" "$(grep -c '^Verdict: CLEAN' "$LAB_DIR/report.txt")" 0
"$OCA_BIN" report --db "$LAB_DB" --since 1h --format json >"$LAB_DIR/report.json"
check "JSON: enforce configured, not up now" \
	"$(jsonq "$LAB_DIR/report.json" "(j->>'\$.coverage.enforce.configured') || ' ' || (j->>'\$.coverage.enforce.up')")" "1 0"
check "JSON: its last gap: off, from the last check that saw the table" \
	"$(jsonq "$LAB_DIR/report.json" "(SELECT (value->>'reason') || ' ' || (value->>'from') FROM json_each(j, '\$.coverage.enforce.gaps') ORDER BY key DESC LIMIT 1)")" \
	"off $(date -u -d "@$(( from3 / 1000000 ))" +%Y-%m-%dT%H:%M:%SZ)"
check "JSON: verdict" "$(jsonq "$LAB_DIR/report.json" "j->>'\$.verdict'")" INCOMPLETE
lab_stop TERM
lab_finish
