#!/bin/bash
# Coverage with the real collector: stopped for a while, then killed and started again,
# the report names both stretches (when each began and ended, and why), says
# INCOMPLETE, and --fail-on-findings exits 4; a window the last run saw whole is CLEAN
# (exit 0). Nothing reaches the VM's side: no finding muddies the verdict.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up
lab_config
iso() { date -u -d "@$(( $1 / 1000000 ))" +%Y-%m-%dT%H:%M:%SZ; }

lab_collect
sleep 1
lab_stop TERM
sleep 3                      # stopped for a while
lab_collect
sleep 1
before_kill=$(date +%s)
lab_stop KILL || true
sleep 2                      # killed, and down for a while
lab_collect
up_again=$(( $(date +%s) + 1 ))
sleep 1.5

first=$(sql "SELECT min(started_us) FROM runs")
last=$(sql "SELECT max(started_us) FROM runs")
since=$(iso $((first + 999999)))   # the first whole second of the first run
"$OCA_BIN" report --db "$LAB_DB" --since "$since" >"$LAB_DIR/report.txt" && rc=0 || rc=$?
sed 's/^/# /' "$LAB_DIR/report.txt" | sed -n '1,14p'
check "report: exit 0" "$rc" 0
check "report: the stop named" "$(grep -c '!! blind .* not-running (every sensor): the collector was stopped at .* and started again at ' "$LAB_DIR/report.txt")" 1
check "report: the kill named" "$(grep -c 'not-running (every sensor): the run started .* ended without a clean stop (killed, crashed or power lost) and was last seen alive at ' "$LAB_DIR/report.txt")" 1
check "report: the verdict" "$(grep -c '^Verdict: INCOMPLETE: no finding, but the record has blind spots (not-running): see Coverage.$' "$LAB_DIR/report.txt")" 1
check "report: the chain's head" "$(grep -c "^Chain:  batch $(sql "SELECT max(id) FROM batches WHERE committed_us < $(date +%s)000000"), " "$LAB_DIR/report.txt")" 1

"$OCA_BIN" report --db "$LAB_DB" --since "$since" --format json >"$LAB_DIR/report.json"
check "JSON: verdict" "$(jsonq "$LAB_DIR/report.json" "j->>'\$.verdict'")" INCOMPLETE
check "JSON: two gaps of NFLOG" "$(jsonq "$LAB_DIR/report.json" "json_array_length(j, '\$.coverage.nflog.gaps')")" 2
stopped=$(sql "SELECT stopped_us FROM runs ORDER BY id LIMIT 1")
second=$(sql "SELECT started_us FROM runs ORDER BY id LIMIT 1 OFFSET 1")
check "JSON: the stop, from the stop to the next start" \
	"$(jsonq "$LAB_DIR/report.json" "j->>'\$.coverage.nflog.gaps[0].from' || ' ' || (j->>'\$.coverage.nflog.gaps[0].to') || ' ' || (j->>'\$.coverage.nflog.gaps[0].reason')")" \
	"$(iso "$stopped") $(iso "$second") not-running"
from2=$(jsonq "$LAB_DIR/report.json" "unixepoch(j->>'\$.coverage.nflog.gaps[1].from')")
to2=$(jsonq "$LAB_DIR/report.json" "unixepoch(j->>'\$.coverage.nflog.gaps[1].to')")
echo "# the kill's gap: $from2 .. $to2; killed after $before_kill, up again by $up_again"
check "JSON: the kill's gap holds the time it was down, from its last sign of life" \
	"$([ "$from2" -le "$before_kill" ] && [ "$to2" -ge $((before_kill + 2)) ] &&
	   [ "$to2" -le "$up_again" ] && echo yes)" yes
check "JSON: NFLOG up now, capture and DNS not configured" \
	"$(jsonq "$LAB_DIR/report.json" "(j->>'\$.coverage.nflog.up') || (j->>'\$.coverage.dns.configured') || (j->>'\$.coverage.capture.configured')")" 100

"$OCA_BIN" report --db "$LAB_DB" --since "$since" --fail-on-findings >/dev/null && rc=0 || rc=$?
check "--fail-on-findings: INCOMPLETE exits 4" "$rc" 4
"$OCA_BIN" report --db "$LAB_DB" --since "$(iso $((last + 1000000)))" --fail-on-findings \
	>"$LAB_DIR/clean.txt" && rc=0 || rc=$?
check "a window the running collector saw whole: exit 0" "$rc" 0
check "... and CLEAN" "$(grep -c '^Verdict: CLEAN: ' "$LAB_DIR/clean.txt")" 1
lab_stop TERM
lab_finish
