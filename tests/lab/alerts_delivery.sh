#!/bin/bash
# Alerts reach the (fake) Telegram API exactly once each: planted outbox rows, a restart
# that sends nothing twice, a burst coalesced into one "and N more" message, repeated
# real traffic from the VM that makes one finding and one message, alert-test, and the
# token in no log line.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alerts_lib.sh"
lab_require python3
lab_up "$SEED_RULE"
fake_up

# the database first (alerts off), then rows planted while no collector runs
lab_config
lab_collect
stop_keep
plant_finding direct-ip 203.0.113.7 443
plant_finding unexpected-destination 203.0.113.8 8443
alerts_config
lab_collect
wait_until 10 none_pending || true
check "two pending alerts: delivered" "$(pending)" 0
check "two Telegram messages" "$(fake_count telegram ok)" 2
fake_texts > "$LAB_DIR/texts"
check "message names kind and destination" \
	"$(grep -c -e 'new finding: direct-ip' -e 'destination: 203.0.113.7 port 443/tcp' "$LAB_DIR/texts")" 2
check "plain text: no parse_mode" "$(grep -c parse_mode "$FAKE_DIR/requests.jsonl")" 0
check "chat id sent" "$(grep -c '"chat_id": "42"' "$FAKE_DIR/requests.jsonl")" 2
check "one attempt each" "$(sql "SELECT group_concat(attempts) FROM alert_outbox")" "1,1"

# a restart sends nothing again
stop_keep
lab_collect
sleep 2.5
check "restart: nothing sent twice" "$(fake_count telegram)" 2

# two outbox rows for one finding: one message
stop_keep
plant_finding direct-ip 203.0.113.10 443
sql "INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us)
     SELECT kind, finding_id, created_us, body, next_us FROM alert_outbox WHERE id = (SELECT max(id) FROM alert_outbox)"
lab_collect
wait_until 10 none_pending || true
check "same finding twice: both rows done" "$(pending)" 0
check "same finding twice: one message" "$(fake_count telegram ok)" 3

# a name the VM chose cannot forge lines or reverse text in the message
stop_keep
sql "INSERT INTO findings(kind, key, domain, first_us, last_us, watch_day, detail)
     VALUES('unexpected-domain', 'hostile', 'evil.example' || char(10) || 'oc-audit: all clear'
            || char(8238) || 'gro.margelet.ipa', 1, 1, 1, 'x');
     INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us)
     SELECT 'finding', id, 1, json_object('kind', kind, 'domain', domain, 'count', 1), 1
     FROM findings WHERE key = 'hostile';"
lab_collect
wait_until 10 none_pending || true
last_text > "$LAB_DIR/hostile"
check "hostile name: one line, escaped" \
	"$(grep -c -F 'destination: evil.example\u{000a}oc-audit: all clear\u{202e}gro.margelet.ipa' "$LAB_DIR/hostile")" 1
check "hostile name: no forged line" "$(grep -c '^oc-audit: all clear' "$LAB_DIR/hostile")" 0
check "hostile name: no raw RLO" "$(grep -c -P '\x{202e}' "$LAB_DIR/hostile")" 0

# a burst of five: one message, "and 4 more"
stop_keep
for p in 1001 1002 1003 1004 1005; do plant_finding direct-ip 203.0.113.9 $p; done
lab_collect
wait_until 10 none_pending || true
check "burst delivered" "$(pending)" 0
check "burst: one message" "$(fake_count telegram ok)" 5
last_text > "$LAB_DIR/burst"
check "burst: and 4 more" "$(grep -c 'and 4 more:' "$LAB_DIR/burst")" 1
check "burst: each listed" "$(grep -c '^- direct-ip 203.0.113.9 port 100[2-5]/tcp' "$LAB_DIR/burst")" 4

# real traffic with repeats: 5 connections to one direct IP, 3 to another = 2 findings
in_net socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo hi' &
LAB_PIDS="$LAB_PIDS $!"
in_net socat TCP-LISTEN:8443,fork,reuseaddr SYSTEM:'echo hi' &
LAB_PIDS="$LAB_PIDS $!"
# a new run starts with a full rate-limit bucket (the burst took a token)
stop_keep
lab_collect
for i in 1 2 3 4 5; do in_vm timeout 5 socat - TCP4:198.51.100.3:8080 </dev/null >/dev/null; done
for i in 1 2 3; do in_vm timeout 5 socat - TCP4:198.51.100.4:8443 </dev/null >/dev/null; done
wait_until 10 none_pending || true
sleep 2
findings=$(sql "SELECT count(*) FROM findings WHERE ip IN ('198.51.100.3', '198.51.100.4')")
check "repeats: two findings" "$findings" 2
check "repeats: one message per finding" "$(fake_count telegram ok)" $((5 + findings))
fake_texts > "$LAB_DIR/texts"
check "repeats: the direct IP named" "$(grep -c 'destination: 198.51.100.3 port 8080/tcp' "$LAB_DIR/texts")" 1

stop_keep && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

# alert-test prints what the API answered
out=$(in_host "$OCA_BIN" alert-test -c "$LAB_CONF") && rc=0 || rc=$?
check "alert-test exits 0" "$rc" 0
check "alert-test prints the answer" "$(echo "$out" | grep -c '^telegram: HTTP 200: {"ok": true')" 1
check "alert-test output has no token" "$(echo "$out" | grep -c -F "$FAKE_TOKEN")" 0
fake_script telegram 500
out=$(in_host "$OCA_BIN" alert-test -c "$LAB_CONF") && rc=0 || rc=$?
check "alert-test: API error exits 1" "$rc" 1
check "alert-test: API error printed" "$(echo "$out" | grep -c '^telegram: HTTP 500')" 1
lab_config "[alerts]" "telegram_api_base = http://$FAKE_ADDR:$FAKE_PORT" \
	"telegram_token_file = $LAB_DIR/no-such-token" "telegram_chat_id = 42"
out=$(in_host "$OCA_BIN" collect -c "$LAB_CONF" 2>&1) && rc=0 || rc=$?
check "missing token file: startup error" "$rc" 2
check "missing token file: one line" "$(echo "$out" | wc -l)" 1

check "every alert in exactly one Telegram message" "$(each_once)" ""
no_token_leak
lab_finish
