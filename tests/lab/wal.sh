#!/bin/bash
# The WAL stays bounded while readers come and go: a reader holding a snapshot during a
# flood makes the WAL grow (ingest does not wait for it), and once the reader is gone
# the writer's checkpoints bring it back under 16 MiB (journal_size_limit).
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
lab_collect
walsize() { stat -c %s "$LAB_DB-wal" 2>/dev/null || echo 0; }

# a reader that keeps one read transaction open until told to go (at most 60 s)
mkfifo "$LAB_DIR/go"
sqlite3 "$LAB_DB" "BEGIN; SELECT count(*) FROM connections;" \
	".shell read x < $LAB_DIR/go || sleep 60" "COMMIT;" >/dev/null &
READER=$!
LAB_PIDS="$LAB_PIDS $READER"
sleep 0.5
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 150000 -r 50000 >/dev/null
wait_until 30 sql_is "SELECT count(*) FROM connections" 150000 || true
grown=$(walsize)
echo "# WAL while the reader holds its snapshot: $grown bytes"
check "ingest went on while a reader held a snapshot" "$(sql "SELECT count(*) FROM connections")" 150000
check "the reader still held it" "$(kill -0 "$READER" 2>/dev/null && echo yes)" yes
check "the WAL grew meanwhile" "$([ "$grown" -gt 8000000 ] && echo yes)" yes
echo go > "$LAB_DIR/go"
wait "$READER" || true
for i in $(seq 40); do
	[ "$(walsize)" -le 16777216 ] && break
	sleep 0.25
done
echo "# WAL after the reader left: $(walsize) bytes"
check "the WAL is back under 16 MiB after the reader left" "$([ "$(walsize)" -le 16777216 ] && echo yes)" yes
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.3 -n 100000 -r 50000 >/dev/null
wait_until 30 sql_is "SELECT count(*) FROM connections" 250000 || true
echo "# WAL after another flood with no reader: $(walsize) bytes"
check "and stays there without readers" "$([ "$(walsize)" -le 16777216 ] && echo yes)" yes
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
