#!/bin/bash
# SIGTERM in the middle of a flood: the collector stops reading, commits every event it
# received, and exits 0. Nothing received is lost: rows == packets read from NFLOG.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
lab_collect

in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 60000 -r 20000 >"$LAB_DIR/flowgen.out" &
GEN=$!
LAB_PIDS="$LAB_PIDS $GEN"
sleep 1.5
lab_stop TERM && rc=0 || rc=$?
wait "$GEN" || true
check "exit status 0 after SIGTERM during a flood" "$rc" 0

rows=$(sql "SELECT count(*) FROM connections")
received=$(sql "SELECT coalesce((SELECT value FROM counters WHERE name = 'nflog_received'), 0)")
lost=$(sql "SELECT coalesce(sum(count), 0) FROM losses")
echo "# rows $rows, received $received, lost $lost"
check "some flows were stored" "$([ "$rows" -gt 1000 ] && echo yes)" yes
check "the flood was cut short" "$([ "$rows" -lt 60000 ] && echo yes)" yes
check "every received packet is a row" "$rows" "$received"
check "no loss recorded" "$lost" 0
check "the run is marked stopped" "$(sql "SELECT count(*) FROM runs WHERE stopped_us IS NULL")" 0
check "log says stopped" "$(grep -c 'stopped:' "$LAB_DIR/collect.log")" 1
lab_finish
