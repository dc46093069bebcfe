#!/bin/bash
# oc-audit export against a running collector's database: a window gives every stored
# event once, in valid JSON lines (or CSV, or text); --follow streams what is committed
# later, once, and a cursor file lets the next export go on exactly where it stopped.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl python3
lab_up "$IIF_RULE"
lab_upstream "api.telegram.org. 300 IN A 198.51.100.3" "paste.example. 300 IN A 198.51.100.6"
in_net socat TCP-LISTEN:443,fork,reuseaddr SYSTEM:'echo hi' &
LAB_PIDS="$LAB_PIDS $!"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
lab_collect

# traffic ROUND: DNS queries and connections, some unexpected (findings)
traffic() {
	local i
	for i in 1 2 3; do
		in_vm drill -Q @192.168.83.1 api.telegram.org A >/dev/null || true
		in_vm curl -s -m 3 -o /dev/null "http://198.51.100.3:443/$1" || true
	done
	in_vm drill -Q @192.168.83.1 "r$1.paste.example" A >/dev/null || true
	in_vm curl -s -m 3 -o /dev/null "http://198.51.100.$((6 + $1)):443/" || true
}
# every event of the database: kind:id per line, sorted
all_events() {
	sql "SELECT 'conn:' || id FROM connections UNION ALL SELECT 'dns:' || id FROM dns_queries
	     UNION ALL SELECT 'finding:' || id FROM findings UNION ALL SELECT 'loss:' || id FROM losses
	     UNION ALL SELECT 'sensor:' || id FROM sensor_events" | sort
}
# the kind:id of each JSON line of a file (every line must parse), sorted
ids_of() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l); print("%s:%d" % (e["event_type"], e["id"]))' "$1" | sort
}
# no more rows pending: the last batch holds the newest row of every table
sealed() {
	sql_is "SELECT (SELECT max(id) FROM connections) = (SELECT conn_last FROM batches ORDER BY id DESC LIMIT 1)
	        AND (SELECT max(id) FROM dns_queries) = (SELECT query_last FROM batches ORDER BY id DESC LIMIT 1)" 1
}

traffic 1
wait_until 60 sql_is "SELECT count(*) FROM connections" 4
wait_until 60 sealed

# ------------------------------------------------------------ a window
"$OCA_BIN" export -c "$LAB_CONF" --since 1h >"$LAB_DIR/window.jsonl" 2>"$LAB_DIR/window.err"
check "window: every event once" "$(ids_of "$LAB_DIR/window.jsonl" | tr '\n' ' ')" "$(all_events | tr '\n' ' ')"
check "window: the cursor is printed" "$(grep -c '^oc-audit export: cursor [0-9]* (go on with --after [0-9]*)$' "$LAB_DIR/window.err")" 1
check "dns: stable fields" "$(python3 -c 'import json,sys
e = [json.loads(l) for l in open(sys.argv[1]) if "\"dns\"" in l][0]
print(e["src_ip"], e["proto"], e["query"], e["qtype"], e["rcode"], e["answers"][0]["rdata"], e["ts"].endswith("Z"))' "$LAB_DIR/window.jsonl")" \
	"192.168.83.2 udp api.telegram.org A NOERROR 198.51.100.3 True"
check "conn: stable fields" "$(python3 -c 'import json,sys
e = [json.loads(l) for l in open(sys.argv[1]) if "\"conn\"" in l][0]
print(e["src_ip"], e["dest_ip"], e["dest_port"], e["proto"], e["domain"], e["attribution"])' "$LAB_DIR/window.jsonl")" \
	"192.168.83.2 198.51.100.3 443 tcp api.telegram.org answer"
check "a field without a value is left out" "$(grep -c '"dest_ip":null' "$LAB_DIR/window.jsonl")" 0
check "--kind dns: the queries only" "$("$OCA_BIN" export -c "$LAB_CONF" --since 1h --kind dns 2>/dev/null | wc -l)" "$(sql "SELECT count(*) FROM dns_queries")"
check "--kind conn,finding" "$("$OCA_BIN" export -c "$LAB_CONF" --since 1h --kind conn,finding 2>/dev/null | wc -l)" "$(sql "SELECT (SELECT count(*) FROM connections) + (SELECT count(*) FROM findings)")"
check "an empty window" "$("$OCA_BIN" export -c "$LAB_CONF" --since 2h --until 1h 2>/dev/null | wc -l)" 0
check "csv: a header and a line per event" "$("$OCA_BIN" export -c "$LAB_CONF" --since 1h --format csv 2>/dev/null | wc -l)" "$(($(wc -l <"$LAB_DIR/window.jsonl") + 1))"
check "text: a line per event" "$("$OCA_BIN" export -c "$LAB_CONF" --since 1h --format text 2>/dev/null | grep -c '^20[0-9-]*T[0-9:.]*Z \(dns\|conn\|finding\|loss\|sensor\) ')" "$(wc -l <"$LAB_DIR/window.jsonl")"
"$OCA_BIN" export -c "$LAB_CONF" --kind tunnel >/dev/null 2>&1 && rc=0 || rc=$?
check "an unknown kind: exit 2" "$rc" 2
"$OCA_BIN" export -c "$LAB_CONF" --follow --until 1h >/dev/null 2>&1 && rc=0 || rc=$?
check "--follow with --until: exit 2" "$rc" 2

# ------------------------------------------------------------ --follow
"$OCA_BIN" export -c "$LAB_CONF" --since 1h --follow --cursor-file "$LAB_DIR/cursor" \
	>"$LAB_DIR/follow.jsonl" 2>"$LAB_DIR/follow.err" &
FOLLOW=$!
LAB_PIDS="$LAB_PIDS $FOLLOW"
wait_until 30 test -s "$LAB_DIR/cursor"
traffic 2
wait_until 60 sql_is "SELECT count(*) FROM connections" 8
wait_until 60 sealed
want=$(all_events | wc -l)
wait_until 60 test "$(wc -l <"$LAB_DIR/follow.jsonl")" -ge "$want" || true
kill -TERM "$FOLLOW"
wait "$FOLLOW" && rc=0 || rc=$?
check "follow: SIGTERM ends it with 0" "$rc" 0
check "follow: the window, then what came later, each once" "$(ids_of "$LAB_DIR/follow.jsonl" | tr '\n' ' ')" "$(all_events | tr '\n' ' ')"
check "follow: the cursor file holds the last batch written" "$(cat "$LAB_DIR/cursor")" "$(grep -o 'cursor [0-9]*' "$LAB_DIR/follow.err" | cut -d' ' -f2)"

# ------------------------------------------------------------ resuming from the cursor
traffic 3
wait_until 60 sql_is "SELECT count(*) FROM connections" 12
wait_until 60 sealed
"$OCA_BIN" export -c "$LAB_CONF" --cursor-file "$LAB_DIR/cursor" >"$LAB_DIR/resume.jsonl" 2>/dev/null
check "resume: only what came after the cursor" "$(cat "$LAB_DIR/follow.jsonl" "$LAB_DIR/resume.jsonl" >"$LAB_DIR/both.jsonl"; ids_of "$LAB_DIR/both.jsonl" | tr '\n' ' ')" "$(all_events | tr '\n' ' ')"
check "resume: something new" "$(grep -c '"conn"' "$LAB_DIR/resume.jsonl")" 4
check "resume again: nothing new" "$("$OCA_BIN" export -c "$LAB_CONF" --cursor-file "$LAB_DIR/cursor" 2>/dev/null | wc -l)" 0

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
