#!/bin/bash
# Nothing lost silently: the collector is frozen (SIGSTOP) while the VM floods, so what
# it cannot take is lost: in the netlink socket (NFLOG sequence gaps, if the flood
# outgrows its 128 MiB buffer, set at start) or in the queue behind it (queue_full).
# After it thaws, every flow is either a row or counted as lost, the loss is in the
# report as events_lost, and the collector carries on.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
lab_collect

N=200000
kill -STOP "$COLLECT_PID"
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n $N -r 100000 >/dev/null
kill -CONT "$COLLECT_PID"
sleep 2
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.3 -n 1000 -r 10000 >/dev/null
sleep 0.5
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0 after an overrun" "$rc" 0

rows=$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.2'")
gap=$(sql "SELECT coalesce(sum(count), 0) FROM losses WHERE source IN ('nflog_gap', 'queue_full')")
echo "# $rows rows + $gap counted lost of $N"
check "the overrun happened (something was lost)" "$([ "$gap" -gt 0 ] && echo yes)" yes
check "rows + counted losses = flows sent" "$((rows + gap))" $N
check "after the overrun every flow is stored" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.3'")" 1000
check "the log at stop says how much was lost" \
	"$(grep -c "events stored, $gap lost" "$LAB_DIR/collect.log")" 1
"$OCA_BIN" report --db "$LAB_DB" --since 1h --format json >"$LAB_DIR/report.json"
check "report: events_lost" "$(jsonq "$LAB_DIR/report.json" "j->>'\$.totals.events_lost'")" "$gap"
"$OCA_BIN" report --db "$LAB_DB" --since 1h >"$LAB_DIR/report.txt"
check "text report: loss banner" "$(grep -c "!! $gap events were lost" "$LAB_DIR/report.txt")" 1
lab_finish
