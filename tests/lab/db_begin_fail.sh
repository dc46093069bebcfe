#!/bin/bash
# A failed BEGIN loses no acknowledgement: the dashboard answers an ack with 202 (queued
# for the writer), so the writer must not drop it when the database refuses its
# transaction. Another process holds the database locked for longer than the writer's
# busy timeout: the ack's transaction cannot begin, and once the lock is gone the ack is
# stored all the same, without counting anything as lost. (The savepoint per event that
# keeps a failed event from leaving half of itself is tested in tests/unit/test_core.)
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
lab_require sqlite3 curl
web_up
O="Origin: http://$WEB"
id=$(sql "SELECT min(id) FROM findings WHERE acked_us IS NULL")
check "a finding to acknowledge" "$([ -n "$id" ] && echo yes)" yes

# the lock: longer than the writer's 5 s busy timeout, twice over
( echo ".timeout 10000"; echo "BEGIN EXCLUSIVE;"; echo "SELECT 'locked';"; sleep 25
  echo "COMMIT;" ) | sqlite3 "$LAB_DB" >"$LAB_DIR/lock.log" 2>&1 &
LOCK=$!
LAB_PIDS="$LAB_PIDS $LOCK"
wait_until 20 grep -q locked "$LAB_DIR/lock.log" || true
check "ack answered 202 (queued)" "$(hc -X POST -H "$O" "http://$WEB/api/findings/$id/ack")" 202
wait_until 40 grep -q "begin failed" "$LAB_DIR/collect.log" || true
check "the writer's BEGIN failed under the lock" \
	"$(grep -q "begin failed" "$LAB_DIR/collect.log" && echo yes)" yes
check "not stored while locked" "$(sql "SELECT acked_us IS NULL FROM findings WHERE id = $id" \
	2>/dev/null || echo 1)" 1
wait "$LOCK" || true
wait_until 60 sql_is "SELECT acked_us IS NOT NULL FROM findings WHERE id = $id" 1 || true
check "the ack is stored once the lock is gone" \
	"$(sql "SELECT acked_us IS NOT NULL FROM findings WHERE id = $id")" 1
check "nothing counted lost" \
	"$(sql "SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'db_error'")" 0
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
