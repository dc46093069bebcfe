#!/bin/bash
# The database's disk fills up in the middle of a flood: the collector keeps running,
# counts every event it could not store (db_error), stores that count once there is room
# again, and never loses what was already stored.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
mkdir "$LAB_DIR/small"
mount -t tmpfs -o size=4m oca-dbfull "$LAB_DIR/small"
trap 'umount "$LAB_DIR/small" 2>/dev/null || true; lab_down' EXIT
lab_config
sed -i "s|^database = .*|database = $LAB_DIR/small/audit.db|" "$LAB_CONF"
LAB_DB="$LAB_DIR/small/audit.db"
lab_collect

in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 60000 -r 20000 >/dev/null
sleep 1
check "the disk filled up" "$(grep -c 'database: commit failed\|database: insert failed' "$LAB_DIR/collect.log" | sed 's/^[1-9][0-9]*$/yes/')" yes
check "the collector is still running" "$(kill -0 "$COLLECT_PID" && echo yes)" yes
mount -o remount,size=64m "$LAB_DIR/small"
sleep 1.5
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.3 -n 1000 -r 10000 >/dev/null
sleep 0.5
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "integrity_check" "$(sql "PRAGMA integrity_check")" ok
rows=$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.2'")
lost=$(sql "SELECT coalesce(sum(count), 0) FROM losses WHERE source = 'db_error'")
received=$(sql "SELECT value FROM counters WHERE name = 'nflog_received'")
echo "# $rows rows, $lost counted as db_error, $received received"
check "something was lost to the full disk" "$([ "$lost" -gt 0 ] && echo yes)" yes
check "rows + db_error = received" "$((rows + lost + 1000))" "$received"
check "after the disk had room again every flow is stored" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.3'")" 1000
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "the hash chain is intact across the failed commits" "$rc" 0
check "log says writes succeed again" "$(grep -c 'writes succeed again' "$LAB_DIR/collect.log" | sed 's/^[1-9][0-9]*$/yes/')" yes
lab_finish
