#!/bin/bash
# The nftables rule that feeds NFLOG, checked by the running collector: missing at start
# (a sensor finding and an alert at once), put back (SIGHUP checks again: an alert that
# NFLOG sees again), then deleted under the running collector (found by the check of the
# minute: the same finding counts again, and a new alert). The report names the blind
# stretches and says INCOMPLETE; the VM did nothing, so no other finding muddies it.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alerts_lib.sh"
lab_require python3
lab_up "counter"              # a forward chain without the log rule
fake_up
chown "$LAB_USER" "$LAB_DIR/token"   # read again on SIGHUP, as the collector's user
alerts_config
iso() { date -u -d "@$(( $1 / 1000000 ))" +%Y-%m-%dT%H:%M:%SZ; }
state() { sql "SELECT group_concat(state, ' ') FROM (SELECT state FROM sensor_events
               WHERE source = 'nflog' ORDER BY id)"; }
state_is() { [ "$(state 2>/dev/null)" = "$1" ]; }
texts_has() { [ "$(fake_texts | grep -c "$1")" = "$2" ]; }

lab_collect
check "missing at start: recorded" "$(wait_until 30 state_is "rule-missing" && echo yes)" yes
check "missing at start: a sensor finding" \
	"$(sql "SELECT kind || ' ' || key || ' ' || count FROM findings")" "sensor nflog rule-missing 1"
check "missing at start: alerted" \
	"$(wait_until 60 texts_has '^oc-audit: a sensor is blind: nflog rule-missing' 1 && echo yes)" yes
grep -q "nftables check: missing: no rule in a forward-hook chain logs" "$LAB_DIR/collect.log" && logged=yes || logged=no
check "missing at start: logged" "$logged" yes

lab_rule "$SEED_RULE"
kill -HUP "$COLLECT_PID"
check "put back, SIGHUP: up again" "$(wait_until 30 state_is "rule-missing up" && echo yes)" yes
check "put back: alerted" \
	"$(wait_until 60 texts_has '^oc-audit: a sensor sees again: nflog' 1 && echo yes)" yes
up_us=$(sql "SELECT max(ts_us) FROM sensor_events WHERE state = 'up'")

# deleted under the running collector: no signal, the check of the minute finds it
in_host nft flush chain inet openclaw-monitor forward
deleted=$(date +%s)
check "deleted while running: found within the minute's check" \
	"$(wait_until 150 state_is "rule-missing up rule-missing" && echo yes)" yes
found=$(date +%s)
echo "# found $((found - deleted)) s after the deletion"
check "deleted while running: the same finding counts again" \
	"$(sql "SELECT count(*) || ' ' || sum(count) FROM findings WHERE kind = 'sensor'")" "1 2"
check "deleted while running: alerted again" \
	"$(wait_until 60 texts_has '^oc-audit: a sensor is blind: nflog rule-missing' 2 && echo yes)" yes
# blind from the last check that found the rule, not from when it was found missing
from3=$(sql "SELECT max(ts_us) FROM sensor_events WHERE state = 'rule-missing'")
check "deleted while running: blind since the last check that saw the rule" \
	"$([ "$from3" -ge "$up_us" ] && [ "$from3" -le "${deleted}999999" ] && echo yes)" yes
# its last seen moves with the count, as for every kind: to when it went blind again
check "deleted while running: the finding's last seen, the second blind stretch's start" \
	"$(sql "SELECT last_us FROM findings WHERE kind = 'sensor'")" "$from3"
check "deleted while running: its first seen stays the first" \
	"$(sql "SELECT first_us = (SELECT min(ts_us) FROM sensor_events WHERE state = 'rule-missing')
	        AND first_us < last_us FROM findings WHERE kind = 'sensor'")" 1

"$OCA_BIN" report --db "$LAB_DB" --since 1h >"$LAB_DIR/report.txt" && rc=0 || rc=$?
sed 's/^/# /' "$LAB_DIR/report.txt" | sed -n '1,24p'
check "report: exit 0" "$rc" 0
check "report: both blind stretches named" \
	"$(grep -c '!! blind .* rule-missing: nftables: no rule in a forward-hook chain logs the VM' "$LAB_DIR/report.txt")" 2
check "report: INCOMPLETE, for the rule" \
	"$(grep -c '^Verdict: INCOMPLETE: .*rule-missing' "$LAB_DIR/report.txt")" 1
"$OCA_BIN" report --db "$LAB_DB" --since 1h --format json >"$LAB_DIR/report.json"
check "JSON: verdict" "$(jsonq "$LAB_DIR/report.json" "j->>'\$.verdict'")" INCOMPLETE
check "JSON: NFLOG's last gap: rule-missing, from the last check that saw it, open" \
	"$(jsonq "$LAB_DIR/report.json" "(SELECT (value->>'reason') || ' ' || (value->>'from') FROM json_each(j, '\$.coverage.nflog.gaps') ORDER BY key DESC LIMIT 1)")" \
	"rule-missing $(iso "$from3")"
check "JSON: NFLOG not up now" "$(jsonq "$LAB_DIR/report.json" "j->>'\$.coverage.nflog.up'")" 0
"$OCA_BIN" report --db "$LAB_DB" --since 1h --fail-on-findings >/dev/null && rc=0 || rc=$?
check "--fail-on-findings: INCOMPLETE exits 4" "$rc" 4

lab_rule "$SEED_RULE"        # put it back
kill -HUP "$COLLECT_PID"
check "put back again: up" \
	"$(wait_until 30 state_is "rule-missing up rule-missing up" && echo yes)" yes
lab_stop TERM
lab_finish
