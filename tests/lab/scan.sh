#!/bin/bash
# A SYN scan from the VM leaves a bounded set of findings, alerts and report lines: 20 000
# ports of one address make that address's first 8 ports and one finding for the rest,
# and 20 000 address:port pairs over 2 000 addresses stop at the kind's cap (fold.h).
# Every connection is still stored and counted in some finding, and the text report over any
# window lists a bounded number of lines.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
# the benchmarking range, routed into the "internet" namespace (which drops it)
in_host ip route add 198.18.0.0/15 via 198.51.100.2
lab_config
lab_collect

in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.9 -t tcp -S -p 1 -P 20000 -n 20000 -r 5000
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.18.0.1 -A 2000 -t tcp -S -p 1000 -P 10 -n 20000 \
	-r 5000
seen() {
	[ "$(sql "SELECT (SELECT count(*) FROM connections) +
		(SELECT coalesce(sum(count), 0) FROM losses)")" -ge 40000 ]
}
wait_until 120 seen || echo "# not every flow arrived: $(sql "SELECT count(*) FROM connections")"
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

lost=$(sql "SELECT coalesce(sum(count), 0) FROM losses")
echo "# connections $(sql "SELECT count(*) FROM connections"), lost $lost"
check "one address: its first 8 ports and one for the rest" \
	"$(sql "SELECT count(*) FROM findings WHERE kind = 'direct-ip' AND ip = '198.51.100.9'")" 9
check "the rest under 198.51.100.9:*" \
	"$(sql "SELECT count(*) FROM findings WHERE key = '198.51.100.9:*' AND port IS NULL
		AND count > 10000")" 1
check "the wide scan stops at the kind's cap" \
	"$(sql "SELECT count(*) FROM findings WHERE kind = 'direct-ip'")" 513
check "past it, one finding for the kind" \
	"$(sql "SELECT count(*) FROM findings WHERE kind = 'direct-ip' AND key = '*'")" 1
check "networks fold too" \
	"$(sql "SELECT count(*) > 0 FROM findings WHERE key GLOB '198.18.*.0/24:*'")" 1
check "ports 53 and 853 are dns-bypass" \
	"$(sql "SELECT group_concat(key, ' ') FROM findings WHERE kind = 'dns-bypass'")" \
	"198.51.100.9:53/tcp 198.51.100.9:853/tcp"
check "every connection counted in a finding" \
	"$(sql "SELECT (SELECT sum(count) FROM findings) = (SELECT count(*) FROM connections)")" 1
check "one alert per finding, no more" \
	"$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'finding'")" 515

"$OCA_BIN" report -c "$LAB_CONF" --since 1h >"$LAB_DIR/report.txt" && rc=0 || rc=$?
check "report exits 0" "$rc" 0
size=$(stat -c %s "$LAB_DIR/report.txt")
echo "# text report: $size bytes"
check "the text report is small" "$([ "$size" -lt 400000 ] && echo small || echo "$size")" small
check "it says what it left out" "$(grep -c '^  \.\.\. and [0-9]* more destinations' "$LAB_DIR/report.txt")" 1
check "and shows the folded finding" "$(grep -c '^    198\.51\.100\.9$' "$LAB_DIR/report.txt")" 1
# a window of ten years reads the same rows: the report is as small, whatever the window
"$OCA_BIN" report -c "$LAB_CONF" --since 3650d >"$LAB_DIR/report_long.txt" && rc=0 || rc=$?
check "a ten-year report exits 0" "$rc" 0
long=$(stat -c %s "$LAB_DIR/report_long.txt")
check "a ten-year report is as small" \
	"$([ "$long" -lt 400000 ] && echo small || echo "$long")" small
# 515 findings of three lines each, 2 x 100 destinations, the rest a few dozen lines
lines=$(wc -l <"$LAB_DIR/report_long.txt")
echo "# ten-year text report: $long bytes, $lines lines"
check "its lines: the findings' caps and the lists' heads" \
	"$([ "$lines" -lt 2000 ] && echo bounded || echo "$lines")" bounded
"$OCA_BIN" report -c "$LAB_CONF" --since 1h --format json >"$LAB_DIR/report.json"
check "json: the findings" "$(jsonq "$LAB_DIR/report.json" "json_array_length(j, '\$.findings')")" 515
lab_finish
