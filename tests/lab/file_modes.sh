#!/bin/bash
# Files the collector creates are its own: the database, its WAL and shared-memory
# index are 0600 on a running collector, whatever the umask of whoever started it; a
# database an older version left readable by others is closed up on open.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
mode() { stat -c %a "$1" 2>/dev/null || echo missing; }

umask 022
lab_collect
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 50 -r 1000 >/dev/null
wait_until 20 sql_is "SELECT count(*) > 0 FROM connections" 1 || true
for f in "$LAB_DB" "$LAB_DB-wal" "$LAB_DB-shm"; do
	check "$(basename "$f") is 0600 while the collector runs (umask 022)" "$(mode "$f")" 600
done
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

# an existing database left readable by others (an older version, a copy)
chmod 0644 "$LAB_DB"
lab_collect
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.3 -n 50 -r 1000 >/dev/null
wait_until 20 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.3'" 50 || true
check "an existing 0644 database is 0600 once opened" "$(mode "$LAB_DB")" 600
check "and its WAL is 0600" "$(mode "$LAB_DB-wal")" 600
check "the collector says so" "$(grep -c 'readable by others' "$LAB_DIR/collect.log")" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
