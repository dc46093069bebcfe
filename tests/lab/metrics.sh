#!/bin/bash
# /metrics of a running collector after real traffic: the page passes promtool's check
# (HELP and TYPE on every metric, the naming rules), outcomes are labels of one family,
# and the build, the start time, each sensor's state and last event and the findings by
# kind are there with the values the traffic made.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl promtool
lab_up "$IIF_RULE"
lab_upstream "api.telegram.org. 300 IN A 198.51.100.3" "paste.example. 300 IN A 198.51.100.6"
in_net socat TCP-LISTEN:443,fork,reuseaddr SYSTEM:'echo hi' &
LAB_PIDS="$LAB_PIDS $!"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[web]" "listen = 127.0.0.1:8383"
t0=$(date +%s)
lab_collect

in_vm drill -Q @192.168.83.1 api.telegram.org A >/dev/null
in_vm drill -Q @192.168.83.1 paste.example A >/dev/null
in_vm curl -s -m 3 -o /dev/null http://198.51.100.6:443/ || true
# a client outside allow_from (the internet side): refused
in_net drill -Q @192.168.83.1 api.telegram.org A >/dev/null 2>&1 || true
wait_until 60 sql_is "SELECT count(*) > 0 FROM connections" 1
wait_until 60 sql_is "SELECT count(*) FROM findings WHERE kind = 'unexpected-domain'" 1

m="$LAB_DIR/metrics"
in_host curl -s -o "$m" -w '%{http_code}\n' http://127.0.0.1:8383/metrics >"$LAB_DIR/code"
check "metrics 200" "$(cat "$LAB_DIR/code")" 200
promtool check metrics <"$m" >"$LAB_DIR/promtool.out" 2>&1 && rc=0 || rc=$?
check "promtool check metrics passes" "$rc $(cat "$LAB_DIR/promtool.out")" "0 "
val() { awk -v n="$1" '$1 == n { print $2 }' "$m"; }
check "every sample's family has HELP and TYPE" "$(awk '
	/^# HELP / { help[$3] = 1; next } /^# TYPE / { type[$3] = 1; next }
	{ n = $1; sub(/\{.*/, "", n); if (!(n in help) || !(n in type)) print n }' "$m")" ""
check "build_info" "$(grep -c '^oc_audit_build_info{version="[^"]*",schema="[0-9]*"} 1$' "$m")" 1
start=$(val process_start_time_seconds)
check "process start time: this run's" "$(awk -v s="$start" -v t="$t0" 'BEGIN { print (s >= t - 1 && s <= t + 120) }')" 1
check "dns queries allowed, a label" "$(awk -v v="$(val 'oc_audit_dns_queries_total{result="allowed"}')" 'BEGIN { print (v >= 2) }')" 1
check "dns queries refused, the same family" "$(val 'oc_audit_dns_queries_total{result="refused"}')" 1
check "nflog packets received, a label" "$(awk -v v="$(val 'oc_audit_nflog_packets_total{result="received"}')" 'BEGIN { print (v >= 1) }')" 1
check "losses by reason" "$(grep -c '^oc_audit_events_lost_total{reason="queue_full"} 0$' "$m")" 1
check "no family without a label where it has outcomes" "$(grep -c '^oc_audit_dns_queries_total ' "$m")" 0
check "sensor up: nflog" "$(val 'oc_audit_sensor_up{source="nflog"}')" 1
check "sensor up: dns" "$(val 'oc_audit_sensor_up{source="dns"}')" 1
check "capture not configured" "$(val 'oc_audit_sensor_configured{source="capture"}') $(val 'oc_audit_sensor_up{source="capture"}')" "0 0"
last=$(val 'oc_audit_last_event_timestamp_seconds{source="nflog"}')
check "last nflog event: the connection's time" "$(sql "SELECT max(ts_us) FROM connections" | awk -v l="$last" '{ printf "%.6f\n", $1 / 1e6 }')" "$last"
check "last dns event" "$(awk -v v="$(val 'oc_audit_last_event_timestamp_seconds{source="dns"}')" -v t="$t0" 'BEGIN { print (v >= t - 1) }')" 1
check "findings by kind" "$(val 'oc_audit_findings{kind="unexpected-domain"}') $(val 'oc_audit_findings_open{kind="unexpected-domain"}') $(val 'oc_audit_finding_events_total{kind="unexpected-domain"}')" "1 1 1"
check "a kind without findings is 0, not absent" "$(val 'oc_audit_findings{kind="dns-tunnel"}')" 0
check "database up" "$(val oc_audit_database_up)" 1

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
