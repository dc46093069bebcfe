#!/bin/bash
# The alerts the collector raises itself: events lost (a flood while the database is
# locked overflows the queue) and the end of the watch week, with its verdict and the
# hash chain's head, once.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alerts_lib.sh"
lab_require python3
lab_up "$SEED_RULE"
fake_up

# the watch week ends a few seconds after the collector starts
start=$(date -u -d "@$(( $(date +%s) - 7 * 86400 + 4 ))" +%Y-%m-%dT%H:%M:%SZ)
alerts_config "[policy]" "watch_start = $start" "watch_days = 7" "[collector]" "queue_size = 1024"
lab_collect

# the writer cannot commit while another process holds the write lock: the queue fills
(echo ".timeout 3000"; echo "BEGIN IMMEDIATE;"; sleep 4; echo "COMMIT;") | sqlite3 "$LAB_DB" &
locker=$!
sleep 0.5
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 20000 -r 0 -P 1 >/dev/null
wait $locker
wait_until 20 at_least 1 sql "SELECT count(*) FROM alert_outbox WHERE kind = 'loss' AND delivered_us IS NOT NULL" || true
lost=$(sql "SELECT coalesce(sum(count), 0) FROM losses")
check "events were lost" "$([ "$lost" -gt 0 ] && echo yes)" yes
check "loss alert delivered" "$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'loss' AND delivered_us IS NOT NULL")" 1
check "loss alert: the message" "$(fake_texts | grep -c '^oc-audit: events lost')" 1
check "loss alert: how many" "$(sql "SELECT body ->> '\$.count' FROM alert_outbox WHERE kind = 'loss'")" "$lost"

wait_until 20 sql_is "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end' AND delivered_us IS NOT NULL" 1 || true
check "watch end: delivered" "$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end' AND delivered_us IS NOT NULL")" 1
fake_texts > "$LAB_DIR/texts"
findings=$(sql "SELECT count(*) FROM findings")
check "watch end: the message" "$(grep -c '^oc-audit: the watch week has ended' "$LAB_DIR/texts")" 1
check "watch end: the findings" "$(grep -c "^findings: $findings (" "$LAB_DIR/texts")" 1
check "watch end: the verdict (findings, and the losses are blind spots)" \
	"$(grep -c "^verdict: FINDINGS: see the report" "$LAB_DIR/texts")" 1
check "watch end: blind spots counted" "$(grep -c "^blind spots: [1-9]" "$LAB_DIR/texts")" 1
head=$(sql "SELECT body ->> '\$.head' FROM alert_outbox WHERE kind = 'watch-end'")
check "watch end: the chain's head is a batch's hash" \
	"$(sql "SELECT count(*) FROM batches WHERE lower(hex(hash)) = '$head'")" 1
check "watch end: ... and in the message" "$(grep -c "^chain head: batch [0-9]*, $head\$" "$LAB_DIR/texts")" 1
stop_keep

# a restart does not tell it again
lab_collect
sleep 3    # the first check of the watch end is about a second after the start
stop_keep
check "watch end: once" "$(sql "SELECT count(*) FROM alert_outbox WHERE kind = 'watch-end'")" 1
check "watch end: one message" "$(fake_texts | grep -c '^oc-audit: the watch week has ended')" 1
check "nothing pending" "$(pending)" 0
no_token_leak
lab_finish
