# alerts_lib.sh: the fake Telegram API and helpers for the alerts_*.sh lab tests (bash,
# sourced after lib.sh). The fake listens on 127.0.0.1:8081 in $NS_HOST, beside the
# collector (an http:// API base must be loopback: the bot token is in the URL). Nothing
# here can reach the real api.telegram.org: every configuration these tests write points
# telegram_api_base at the fake.

FAKE_ADDR=127.0.0.1
FAKE_PORT=8081
FAKE_TOKEN="4242424242:AAF-lab_$RANDOM$RANDOM-notARealToken"

# fake_up: start the fake API (sets FAKE_DIR, writes the token file $LAB_DIR/token).
fake_up() {
	local i
	FAKE_DIR="$LAB_DIR/fake"
	mkdir -p "$FAKE_DIR"
	: > "$FAKE_DIR/requests.jsonl"
	printf '%s\n' "$FAKE_TOKEN" > "$LAB_DIR/token"
	chmod 600 "$LAB_DIR/token"
	in_host python3 "$OCA_SRCDIR/tests/lab/fake_telegram.py" "$FAKE_ADDR" "$FAKE_PORT" \
		"$FAKE_TOKEN" "$FAKE_DIR" 2>"$FAKE_DIR/stderr" &
	LAB_PIDS="$LAB_PIDS $!"
	for i in $(seq 100); do
		[ -e "$FAKE_DIR/ready" ] && return 0
		sleep 0.05
	done
	echo "fake API did not start:"; cat "$FAKE_DIR/stderr"
	return 1
}

# alerts_config [extra lines]: the lab config with Telegram pointed at the fake.
alerts_config() {
	lab_config "[alerts]" "telegram_api_base = http://$FAKE_ADDR:$FAKE_PORT" \
		"telegram_token_file = $LAB_DIR/token" "telegram_chat_id = 42" "$@"
}

# fake_script ENDPOINT DIRECTIVE...: what the fake answers next (telegram or webhook).
fake_script() {
	local ep=$1
	shift
	printf '%s\n' "$@" > "$FAKE_DIR/script.$ep"
}

# fake_count ENDPOINT [ANSWER]: requests the fake got (answered ANSWER, e.g. ok).
fake_count() {
	python3 - "$FAKE_DIR/requests.jsonl" "$1" "${2:-}" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["endpoint"] == sys.argv[2] and (not sys.argv[3] or e["answer"] == sys.argv[3]):
        n += 1
print(n)
PY
}

# fake_texts: the text of every Telegram message answered ok, separated by "----".
fake_texts() {
	python3 - "$FAKE_DIR/requests.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["endpoint"] == "telegram" and e["answer"] == "ok":
        print(e["body"]["text"]); print("----")
PY
}

# last_text: the text of the last Telegram message answered ok.
last_text() {
	python3 - "$FAKE_DIR/requests.jsonl" <<'PY'
import json, sys
last = ""
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["endpoint"] == "telegram" and e["answer"] == "ok":
        last = e["body"]["text"]
print(last)
PY
}

# fake_times ENDPOINT: the times of its requests, one a line.
fake_times() {
	python3 - "$FAKE_DIR/requests.jsonl" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["endpoint"] == sys.argv[2]:
        print("%.3f" % e["t"])
PY
}

# wait_until SECONDS COMMAND...: poll until COMMAND succeeds; 1 on timeout.
wait_until() {
	local t=$1 i
	shift
	for i in $(seq $((t * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# plant_finding KIND IP PORT: an outbox row as the core thread writes for a new finding
# (the collector must be stopped: one writer).
PLANT_N=0
plant_finding() {
	PLANT_N=$((PLANT_N + 1))
	sql "INSERT INTO findings(kind, key, ip, port, proto, first_us, last_us, watch_day, detail)
	     VALUES('$1', 'planted-$PLANT_N-$2:$3', '$2', $3, 'tcp', $(date +%s)000000,
	            $(date +%s)000000, 1, 'planted by the test');
	     INSERT INTO alert_outbox(kind, finding_id, created_us, body, next_us)
	     SELECT 'finding', id, first_us, json_object('kind', kind, 'domain', domain, 'ip', ip,
	            'port', port, 'proto', proto, 'count', count,
	            'first_seen', strftime('%Y-%m-%dT%H:%M:%SZ', first_us / 1000000, 'unixepoch'),
	            'last_seen', strftime('%Y-%m-%dT%H:%M:%SZ', last_us / 1000000, 'unixepoch'),
	            'watch_day', watch_day, 'detail', detail), first_us
	     FROM findings WHERE id = last_insert_rowid();" >/dev/null
}

# stop_keep [SIGNAL]: lab_stop, keeping the collector's log in $LAB_DIR/all.log.
stop_keep() {
	local rc=0
	lab_stop "$@" || rc=$?
	cat "$LAB_DIR/collect.log" >> "$LAB_DIR/all.log"
	return $rc
}

# each_once: every finding alert in the outbox is in exactly one message answered ok
# (prints the ones that are not, with their count; nothing = good).
each_once() {
	fake_texts > "$LAB_DIR/texts"
	sql "SELECT DISTINCT ip || ' port ' || port || '/' || proto FROM alert_outbox o JOIN findings f
	     ON f.id = o.finding_id WHERE o.kind = 'finding' AND f.ip IS NOT NULL" | while read -r dest; do
		n=$(grep -c -F "$dest" "$LAB_DIR/texts" || true)
		[ "$n" = 1 ] || echo "$dest: $n"
	done
}

pending() { sql "SELECT count(*) FROM alert_outbox WHERE delivered_us IS NULL"; }
none_pending() { [ "$(pending)" = 0 ]; }

# no_token_leak: the token appears in no log line and no database text.
no_token_leak() {
	check "token not in the collector log" "$(cat "$LAB_DIR/all.log" "$LAB_DIR/collect.log" 2>/dev/null | grep -c -F "$FAKE_TOKEN")" 0
	check "token not in the fake API's request log" \
		"$(grep -c -F "$FAKE_TOKEN" "$FAKE_DIR/requests.jsonl")" 0
	check "token not in the outbox" \
		"$(sql "SELECT count(*) FROM alert_outbox WHERE instr(coalesce(last_error, '') || body, '$FAKE_TOKEN')")" 0
	check "every Telegram request used the right token" \
		"$(grep -c '"token_ok": false' "$FAKE_DIR/requests.jsonl")" 0
}
