#!/bin/bash
# Alert delivery when the API misbehaves: 429 waits retry_after, 500s back off
# exponentially, a restart while an alert is pending sends it once, a hanging API neither
# slows ingest (a flood from the VM is stored in full) nor holds up shutdown, and with a
# webhook too, a channel that already took an alert is not sent it again after a restart.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alerts_lib.sh"
lab_require python3
lab_up "$SEED_RULE"
fake_up
lab_config
lab_collect
stop_keep

# gaps between the Telegram requests from request FROM on, in tenths of a second
gaps() {
	fake_times telegram | tail -n +"$1" | awk 'NR > 1 { printf "%s%d", s, ($1 - p) * 10; s = " " } { p = $1 } END { print "" }'
}
ge() { [ "$1" -ge "$2" ] && echo yes || echo "no ($1 < $2)"; }
le() { [ "$1" -le "$2" ] && echo yes || echo "no ($1 > $2)"; }

# --- 429 with retry_after 2
plant_finding direct-ip 203.0.113.20 443
fake_script telegram "429 2"
alerts_config
lab_collect
wait_until 15 none_pending || true
check "429: delivered" "$(pending)" 0
check "429: two requests" "$(fake_count telegram)" 2
g=$(gaps 1)
check "429: waited retry_after (2 s)" "$(ge "$g" 19)" yes
check "429: not much longer" "$(le "$g" 35)" yes
check "429: two attempts" "$(sql "SELECT attempts FROM alert_outbox WHERE id = 1")" 2
stop_keep

# --- three 500s: backoff 1 s, 2 s, 4 s
plant_finding direct-ip 203.0.113.21 443
fake_script telegram 500 500 500
lab_collect
wait_until 20 none_pending || true
check "500s: delivered" "$(pending)" 0
check "500s: four requests" "$(fake_count telegram)" 6
read -r g1 g2 g3 <<<"$(gaps 3)"
check "500s: backoff 1 s" "$(ge "$g1" 9)$(le "$g1" 20)" yesyes
check "500s: backoff 2 s" "$(ge "$g2" 19)$(le "$g2" 30)" yesyes
check "500s: backoff 4 s" "$(ge "$g3" 39)$(le "$g3" 50)" yesyes
check "500s: four attempts" "$(sql "SELECT attempts FROM alert_outbox WHERE id = 2")" 4
stop_keep
check "failures counted" "$(sql "SELECT value FROM counters WHERE name = 'alert_failed'")" 4

# --- a restart while an alert is pending
plant_finding direct-ip 203.0.113.22 443
fake_script telegram $(seq 50 | sed 's/.*/500/')
lab_collect
wait_until 10 at_least 2 sql "SELECT attempts FROM alert_outbox WHERE id = 3" || true
t0=$(date +%s%N)
stop_keep && rc=0 || rc=$?
t1=$(date +%s%N)
check "pending: collector exits 0" "$rc" 0
# without waiting for the retry (the API fails each try) or a request (15 s timeout)
check "pending: stop within 10 s" "$(le $(((t1 - t0) / 100000000)) 100)" yes
check "pending: still pending, error recorded" \
	"$(sql "SELECT delivered_us IS NULL, last_error LIKE 'telegram: HTTP 500%' FROM alert_outbox WHERE id = 3")" "1|1"
before=$(fake_count telegram ok)
fake_script telegram
lab_collect
wait_until 10 none_pending || true
check "restart: delivered" "$(pending)" 0
check "restart: sent once" "$(fake_count telegram ok)" $((before + 1))
stop_keep

# --- a hanging API: ingest goes on, the transfer times out and is retried
plant_finding direct-ip 203.0.113.23 443
fake_script telegram hang
lab_collect
wait_until 10 equals 1 fake_count telegram hang || true
check "hang: the API hangs" "$(fake_count telegram hang)" 1
N=3000
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n $N -r 20000
sleep 1
check "hang: every flow of the flood stored" \
	"$(sql "SELECT count(*) FROM connections WHERE proto = 17 AND dst = '198.51.100.2' AND dport BETWEEN 9000 AND 9015")" $N
check "hang: no losses" "$(sql "SELECT count(*) FROM losses")" 0
wait_until 30 none_pending || true
check "hang: timed out, retried, everything delivered" "$(pending)" 0
fake_texts > "$LAB_DIR/texts"
check "hang: every alert in exactly one message" "$(each_once)" ""
stop_keep

# --- SIGTERM while a request hangs
plant_finding direct-ip 203.0.113.24 443
fake_script telegram hang
lab_collect
wait_until 10 equals 2 fake_count telegram hang || true
t0=$(date +%s%N)
stop_keep && rc=0 || rc=$?
t1=$(date +%s%N)
check "hang: SIGTERM exits 0" "$rc" 0
# not after the hanging request's 15 s timeout
check "hang: SIGTERM exits within 10 s" "$(le $(((t1 - t0) / 100000000)) 100)" yes
check "hang: the alert stays pending" "$(pending)" 1
lab_collect
wait_until 10 none_pending || true
check "hang: delivered after the restart" "$(pending)" 0
stop_keep

# --- Telegram and a webhook: the webhook fails, Telegram is not repeated
alerts_config "webhook_url = http://$FAKE_ADDR:$FAKE_PORT/hook"
plant_finding direct-ip 203.0.113.25 443
fake_script webhook $(seq 50 | sed 's/.*/500/')
tg=$(fake_count telegram ok)
lab_collect
wait_until 10 at_least 2 sql "SELECT attempts FROM alert_outbox WHERE id = (SELECT max(id) FROM alert_outbox)" || true
stop_keep
check "webhook failing: Telegram sent once" "$(fake_count telegram ok)" $((tg + 1))
check "webhook failing: recorded" "$(sql "SELECT last_error LIKE '[telegram sent] webhook: HTTP 500%' FROM alert_outbox WHERE id = (SELECT max(id) FROM alert_outbox)")" 1
fake_script webhook
lab_collect
wait_until 10 none_pending || true
stop_keep
check "webhook: delivered after the restart" "$(pending)" 0
check "webhook: one POST answered ok" "$(fake_count webhook ok)" 1
check "webhook: Telegram not repeated" "$(fake_count telegram ok)" $((tg + 1))
check "webhook: JSON fields" "$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["endpoint"] == "webhook" and e["answer"] == "ok":
        b = e["body"]; print(b["kind"], b["ip"], b["port"], b["alert_kind"], "new finding" in b["text"])
' "$FAKE_DIR/requests.jsonl")" "direct-ip 203.0.113.25 443 finding True"

check "every alert in exactly one Telegram message" "$(each_once)" ""
no_token_leak
lab_finish
