#!/bin/bash
# The wall clock stepped under a running collector, a day each way. libfaketime (preloaded
# into the collector only) makes its CLOCK_REALTIME read the real time plus an offset the
# test rewrites in a file, in every thread, at any moment; CLOCK_MONOTONIC and
# CLOCK_BOOTTIME stay real (DONT_FAKE_MONOTONIC=1), as on a host whose clock is stepped.
# Forward a day: no row inside the retention is pruned, the watch week does not end
# early. Back a day: an alert whose delivery failed is retried within seconds, not a day
# later; the DNS-tunnel detector raises nothing. What is stored is the wall clock, stepped.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alerts_lib.sh"
lab_require python3 drill
LIBFT=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || lab_skip "libfaketime is not installed (run scripts/check)"
lab_up "$SEED_RULE"
lab_upstream_dns
fake_up

FT="$LAB_DIR/faketime"             # the offset; the collector's user reads it
step() { echo "$1" > "$FT.new"; chmod 644 "$FT.new"; mv "$FT.new" "$FT"; }
step "+0"
LAB_COLLECT_WRAP="env LD_PRELOAD=$LIBFT FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1"
LAB_COLLECT_WRAP="$LAB_COLLECT_WRAP DONT_FAKE_MONOTONIC=1"

# the watch week ends 90 s after now, real time
end=$(( $(date +%s) + 90 ))
start=$(date -u -d "@$(( end - 7 * 86400 ))" +%Y-%m-%dT%H:%M:%SZ)
alerts_config "[policy]" "watch_start = $start" \
	"watch_days = 7" "[collector]" "retention_days = 30" \
	"[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
lab_collect
lab_stop TERM

# rows 29 days old (inside the retention, by a day) and 40 days old (outside), sealed
# into the chain at the next start; other_events are pruned by time alone
now=$(date +%s)
kept=$(( (now - 29 * 86400) * 1000000 ))
old=$(( (now - 40 * 86400) * 1000000 ))
plant() {   # plant TS DST: 500 connections
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
	     INSERT INTO connections(ts_us, family, proto, src, dst, dport, dest_id)
	     SELECT $1 + i, 4, 6, '192.168.83.2', '$2', 443, 1 FROM n"
}
plant "$old" 198.51.100.9
plant "$kept" 198.51.100.8
sql "INSERT INTO other_events(ts_us, kind, src) VALUES ($kept, 'connection', '10.9.9.9');"

# ---- forward a day
lab_collect
wait_until 60 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.9'" 0 || true
check "start: 40 days old: pruned" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.9'")" 0
check "start: 29 days old: kept" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.8'")" 500
step "+1d"
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.4 -n 1 -r 100 >/dev/null
wait_until 30 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.4'" 1 || true
# (NFLOG's times are the kernel's, which libfaketime does not reach: the batch's is ours)
ahead=$(( $(sql "SELECT max(committed_us) FROM batches") / 1000000 - $(date +%s) ))
check "the step reached the collector: it stores the wall clock, a day ahead ($ahead s)" \
	"$([ "$ahead" -gt 86000 ] && [ "$ahead" -lt 86500 ] && echo yes)" yes
# the watch's end is looked at every 10 s: a day ahead, it would be told now
sleep 12
watch_end() { sql "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end'"; }
if [ "$(date +%s)" -lt "$end" ]; then
	check "forward: the watch week has not ended early" "$(watch_end)" 0
fi
# a prune after the step: the 40-day-old marker goes, what the step made look older
# than 30 days stays (pruning runs every minute)
sql "INSERT INTO other_events(ts_us, kind, src) VALUES ($old, 'connection', '10.9.9.8')"
wait_until 150 sql_is "SELECT count(*) FROM other_events WHERE src = '10.9.9.8'" 0 || true
check "a prune ran after the step" "$(sql "SELECT count(*) FROM other_events WHERE src = '10.9.9.8'")" 0
check "forward: 29-day-old connections not pruned" \
	"$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.8'")" 500
check "forward: 29-day-old other events not pruned" \
	"$(sql "SELECT count(*) FROM other_events WHERE src = '10.9.9.9'")" 1
wait_until 120 sql_is "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end'
                       AND delivered_us IS NOT NULL" 1 || true
check "the watch-end alert is delivered" "$(watch_end)" 1
sent=$(python3 - "$FAKE_DIR/requests.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["endpoint"] == "telegram" and "watch week has ended" in e["body"]["text"]:
        print(int(e["t"])); break
PY
)
check "forward: ... not before the week's real end" "$([ "${sent:-0}" -ge "$end" ] && echo yes)" yes
lab_stop TERM

# ---- back a day (from the real time)
step "+0"
fake_script telegram 500 500 500 500
lab_collect
q() { in_vm drill "$1" @192.168.83.1 >/dev/null 2>&1 || true; }
for i in $(seq 20); do q "b$i.example.com"; done
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.5 -n 1 -r 100 >/dev/null
wait_until 30 at_least 1 fake_count telegram 500 || true
check "the first delivery failed" "$(fake_count telegram 500 | sed 's/^[1-9][0-9]*$/yes/')" yes
step "-1d"
for i in $(seq 21 40); do q "b$i.example.com"; done
asked=$(date +%s)
wait_until 60 none_pending || true
check "back: the alert is retried and delivered within a minute, not a day" "$(pending)" 0
check "back: ... after its four failures" "$(fake_count telegram 500)" 4
wait_until 30 sql_is "SELECT count(*) FROM dns_queries WHERE qname LIKE 'b%.example.com'" 40 || true
check "back: the queries are stored" \
	"$(sql "SELECT count(*) FROM dns_queries WHERE qname LIKE 'b%.example.com'")" 40
first=$(sql "SELECT min(ts_us) FROM dns_queries WHERE qname LIKE 'b%.example.com'")
behind=$(( asked - first / 1000000 ))
check "back: the queries after the step stored by the wall clock, a day behind ($behind s)" \
	"$([ "$behind" -gt 86000 ] && [ "$behind" -lt 86500 ] && echo yes)" yes
check "back: no dns-tunnel finding" "$(sql "SELECT count(*) FROM findings WHERE kind = 'dns-tunnel'")" 0
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "the chain verifies across the steps" "$rc" 0
lab_finish
