#!/bin/bash
# The alert outbox stays bounded: a row delivered more than a week ago is pruned while
# the collector runs (a port scan makes one row per finding, and they were kept
# forever); what is pending, recently delivered, and the one watch-end alert stay.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
lab_collect
lab_stop TERM

now=$(( $(date +%s) * 1000000 ))
old=$(( now - 8 * 86400 * 1000000 ))
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
     INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us, delivered_us)
     SELECT 'finding', i, $old, '{}', $old, $old + i FROM n;
     INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us, delivered_us)
     VALUES ('finding', 30001, $now, '{}', $now, $now);
     INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us)
     VALUES ('finding', 30002, $old, '{}', $now + 86400000000);
     INSERT INTO alert_outbox(kind, created_us, body, next_us, delivered_us)
     VALUES ('watch-end', $old, '{\"kind\": \"watch-end\"}', $old, $old);"
check "planted" "$(sql "SELECT count(*) FROM alert_outbox")" 20003
lab_collect
wait_until 30 sql_is "SELECT count(*) FROM alert_outbox" 3 || true
lab_stop TERM
check "delivered a week ago: pruned" "$(sql "SELECT count(*) FROM alert_outbox
	WHERE finding_id <= 20000")" 0
check "delivered now: kept" "$(sql "SELECT count(*) FROM alert_outbox WHERE finding_id = 30001")" 1
check "pending, however old: kept" "$(sql "SELECT count(*) FROM alert_outbox
	WHERE finding_id = 30002 AND delivered_us IS NULL")" 1
check "the watch-end alert: kept" "$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end'")" 1
lab_finish
