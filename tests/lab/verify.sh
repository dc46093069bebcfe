#!/bin/bash
# Tamper evidence with the real collector: connections and DNS through the real rule and
# resolver, a restart, then `oc-audit verify` is intact (exit 0) and names the chain's
# head; a row changed with sqlite3 afterwards makes it name that row's batch (exit 5),
# and the head printed before no longer stands for the record.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound
lab_up
lab_upstream_dns
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
lab_collect
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.3 -n 2000 -r 20000 >/dev/null
for n in www alias cdn1; do in_vm drill @192.168.83.1 "$n.example.com" >/dev/null || true; done
lab_stop TERM
lab_collect
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.4 -n 500 -r 20000 >/dev/null
in_vm drill @192.168.83.1 cdn2.example.net >/dev/null || true
wait_until 20 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.4'" 500 || true
lab_stop TERM

"$OCA_BIN" verify --db "$LAB_DB" >"$LAB_DIR/v1.txt" && rc=0 || rc=$?
cat "$LAB_DIR/v1.txt" | sed 's/^/# /'
check "verify: intact" "$rc" 0
check "verify: says so" "$(grep -c '^intact: ' "$LAB_DIR/v1.txt")" 1
head=$(sed -n 's/^head: batch [0-9]*, committed [^,]*, \([0-9a-f]*\)$/\1/p' "$LAB_DIR/v1.txt")
check "verify: the head is the last batch's hash" "$head" \
	"$(sql "SELECT lower(hex(hash)) FROM batches ORDER BY id DESC LIMIT 1")"
check "every row is in a batch" "$(sql "SELECT (SELECT max(id) FROM connections) =
	(SELECT max(conn_last) FROM batches) AND (SELECT max(id) FROM dns_answers) =
	(SELECT max(answer_last) FROM batches)")" 1
check "both runs beat" "$(sql "SELECT count(*) FROM runs WHERE beat_us >= started_us")" 2
"$OCA_BIN" verify --db "$LAB_DB" --head "$head" >/dev/null && rc=0 || rc=$?
check "verify --head: that head is in the chain" "$rc" 0

# change one connection of the first run: verify names its batch
row=$(sql "SELECT id FROM connections WHERE dst = '198.51.100.3' ORDER BY id LIMIT 1 OFFSET 1234")
want=$(sql "SELECT min(id) FROM batches WHERE conn_last >= $row")
sql "UPDATE connections SET dport = dport + 1 WHERE id = $row"
"$OCA_BIN" verify --db "$LAB_DB" --head "$head" >"$LAB_DIR/v2.txt" && rc=0 || rc=$?
cat "$LAB_DIR/v2.txt" | sed 's/^/# /'
check "a changed connection: exit 5" "$rc" 5
check "a changed connection: its batch named" \
	"$(grep -c "^NOT INTACT: batch $want: its connections, DNS, hello or byte rows" "$LAB_DIR/v2.txt")" 1
check "the head printed before no longer stands for the record" \
	"$(grep -c 'record up to it is NOT the one it stood for' "$LAB_DIR/v2.txt")" 1

# a DNS answer changed instead (the connection put back)
sql "UPDATE connections SET dport = dport - 1 WHERE id = $row"
arow=$(sql "SELECT a.id FROM dns_answers a JOIN dns_queries q ON q.id = a.query_id
	WHERE q.qname = 'cdn2.example.net'")
want=$(sql "SELECT min(id) FROM batches WHERE answer_last >= $arow")
sql "UPDATE dns_answers SET data = '203.0.113.66' WHERE id = $arow"
"$OCA_BIN" verify --db "$LAB_DB" >"$LAB_DIR/v3.txt" && rc=0 || rc=$?
check "a changed answer: exit 5" "$rc" 5
check "a changed answer: its batch named" \
	"$(grep -c "^NOT INTACT: batch $want:" "$LAB_DIR/v3.txt")" 1
sql "UPDATE dns_answers SET data = '198.51.100.20' WHERE id = $arow"
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "put back: intact again" "$rc" 0
lab_finish
