#!/bin/bash
# The database's disk runs short of room: before it is full, the collector says so in
# its log, stores a 'low' state of the 'disk' sensor (chained, shown by the report) and
# queues a 'disk' alert, once; when room comes back it stores 'ok'. The threshold is
# reloaded on SIGHUP. The disk is a small tmpfs this test mounts and a file it fills it
# with.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
mkdir "$LAB_DIR/small"
mount -t tmpfs -o size=24m oca-disklow "$LAB_DIR/small"
trap 'umount "$LAB_DIR/small" 2>/dev/null || true; lab_down' EXIT
lab_config
sed -i "s|^database = .*|database = $LAB_DIR/small/audit.db\ndisk_min_free_mb = 12|" "$LAB_CONF"
LAB_DB="$LAB_DIR/small/audit.db"
lab_collect
states() { sql "SELECT group_concat(state, ',') FROM (SELECT state FROM sensor_events WHERE source = 'disk' ORDER BY id)"; }
states_are() { [ "$(states 2>/dev/null)" = "$1" ]; }

in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 1000 -r 10000 >/dev/null
wait_until 30 sql_is "SELECT count(*) FROM connections" 1000 || true
check "with room, no disk state is stored" "$(states)" ""
# leave about 6 MiB of the 24: below the 12 MiB threshold, far from full
dd if=/dev/zero of="$LAB_DIR/small/fill" bs=1M count=18 status=none
wait_until 30 states_are low || true
check "below the threshold: a 'low' state is stored" "$(states)" low
check "and one 'disk' alert is queued" "$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'disk'")" 1
check "the alert says how much is free and the threshold" \
	"$(sql "SELECT body ->> '$.detail' LIKE '% MiB free on the filesystem of %below 12 MiB%' FROM alert_outbox WHERE kind = 'disk'")" 1
check "the log says it" "$(grep -c 'disk: .* MiB free' "$LAB_DIR/collect.log" | sed 's/^[1-9][0-9]*$/yes/')" yes
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.3 -n 1000 -r 10000 >/dev/null
wait_until 30 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.3'" 1000 || true
check "ingest goes on while the disk is low" \
	"$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.3'")" 1000
check "still low: said once" "$(states)" low
rm "$LAB_DIR/small/fill"
wait_until 30 states_are low,ok || true
check "room again: an 'ok' state is stored" "$(states)" low,ok
check "no alert for the good news" "$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'disk'")" 1
# the threshold is reloadable: above the tmpfs's whole size, the disk is low again
sed -i "s|^disk_min_free_mb = .*|disk_min_free_mb = 48|" "$LAB_CONF"
kill -HUP "$COLLECT_PID"
wait_until 30 states_are low,ok,low || true
check "SIGHUP: a higher threshold applies, a 'low' state again" "$(states)" low,ok,low
check "SIGHUP: ... with its alert" "$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'disk'")" 2
check "SIGHUP: the log names the key as applied" \
	"$(grep -c 'SIGHUP: configuration reloaded.*changed: .*collector.disk_min_free_mb' "$LAB_DIR/collect.log")" 1
"$OCA_BIN" report --db "$LAB_DB" --since 1h > "$LAB_DIR/report.txt"
check "the report shows the low disk" "$(grep -c "^Disk: .*[0-9] warning.*MiB free" "$LAB_DIR/report.txt" | sed 's/^[1-9][0-9]*$/yes/')" yes
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "the disk states are in the hash chain, intact" "$rc" 0
lab_finish
