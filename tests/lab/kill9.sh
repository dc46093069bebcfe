#!/bin/bash
# kill -9 in the middle of a flood: the database passes PRAGMA integrity_check, the
# collector restarts cleanly on it, what it stores afterwards is all there, and the hash
# chain verifies (a batch commits with its rows, or not at all).
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
lab_collect

in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 60000 -r 30000 >/dev/null &
GEN=$!
LAB_PIDS="$LAB_PIDS $GEN"
sleep 1
lab_stop KILL || true
wait "$GEN" || true

check "integrity_check after kill -9" "$(sql "PRAGMA integrity_check")" ok
before=$(sql "SELECT count(*) FROM connections")
echo "# rows before restart: $before"
check "rows survived" "$([ "$before" -gt 0 ] && echo yes)" yes
check "the killed run is marked unfinished" "$(sql "SELECT count(*) FROM runs WHERE stopped_us IS NULL")" 1

sleep 1.2  # let conntrack forget the flood's flows (udp timeout 1 s in the lab)
lab_collect
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.3 -n 1000 -r 10000 >/dev/null
sleep 0.3
lab_stop TERM && rc=0 || rc=$?
check "restart exits 0" "$rc" 0
check "every flow after the restart stored" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.3'")" 1000
check "earlier rows still there" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.2'")" "$before"
check "integrity_check after restart" "$(sql "PRAGMA integrity_check")" ok
check "rollups agree with rows" "$(sql "SELECT (SELECT sum(connections) FROM destinations) = (SELECT count(*) FROM connections)")" 1
"$OCA_BIN" report --db "$LAB_DB" --since 1h >"$LAB_DIR/report.txt"
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "the hash chain is intact across the kill" "$rc" 0
check "report names the unclean stop" "$(grep -c 'ended without a clean stop' "$LAB_DIR/report.txt")" 1
lab_finish
