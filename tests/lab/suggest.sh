#!/bin/bash
# report --suggest-policy with the real resolver and the real nft rule: a window with an
# unexpected name (resolved, then reached on a port) and a registered domain with many
# names (folded in the names list as in the findings) gives the rules that expect them (one wildcard for the many), for review; put
# into the configuration, they make the report's verdict CLEAN on the same database,
# the findings still there and marked as expected now.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill
lab_up "$IIF_RULE"
lab_upstream_dns
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[policy]" "expect = api.telegram.org tcp/443"
lab_collect
iso() { date -u -d "@$(( $1 / 1000000 ))" +%Y-%m-%dT%H:%M:%SZ; }
since=$(iso $(( $(sql "SELECT max(started_us) FROM runs") + 1000000 )))
sleep 1.2                    # the window opens after the run's first whole second

q() { in_vm drill "$@" @192.168.83.1 >/dev/null 2>&1 || true; }
q www.example.com
in_vm bash -c "timeout 1 bash -c 'exec 3<>/dev/tcp/198.51.100.10/8443'" 2>/dev/null || true
for i in $(seq 1 12); do q "host$i.example.net"; done
wait_until 30 sql_is "SELECT count(*) FROM findings WHERE kind = 'unexpected-destination'" 1 ||
	echo "# no unexpected-destination finding"
wait_until 30 sql_is "SELECT count(*) FROM findings WHERE key = '*.example.net'" 1 ||
	echo "# the example.net names did not fold"
wait_until 30 sql_is "SELECT count(*) FROM dns_queries WHERE qname LIKE 'host%.example.net%'" 12 ||
	echo "# not every example.net query stored"

"$OCA_BIN" report -c "$LAB_CONF" --since "$since" --suggest-policy >"$LAB_DIR/before.txt" &&
	rc=0 || rc=$?
sed -n '/^Suggested policy/,/^Chain/p' "$LAB_DIR/before.txt" | sed 's/^/# /'
check "report --suggest-policy: exit 0" "$rc" 0
check "the verdict before: FINDINGS" "$(grep -c '^Verdict: .*FINDINGS' "$LAB_DIR/before.txt")" 1
rules=$(sed -n '/^Suggested policy/,/^Chain/p' "$LAB_DIR/before.txt" | grep -v '^#' |
	grep -v '^Suggested policy\|^Chain\|^$' | sort | tr '\n' ';')
check "the suggestion: the name on its port, one wildcard for the many names" "$rules" \
	"*.example.net;www.example.com tcp/8443;"

"$OCA_BIN" report -c "$LAB_CONF" --since "$since" --suggest-policy --format json \
	>"$LAB_DIR/before.json"
check "JSON: suggested_rules" "$(jsonq "$LAB_DIR/before.json" \
	"(SELECT group_concat(value->>'rule', ';') FROM json_each(j, '\$.suggested_rules'))")" \
	"www.example.com tcp/8443;*.example.net"
check "JSON: verdict FINDINGS" "$(jsonq "$LAB_DIR/before.json" "j->>'\$.verdict'")" FINDINGS
check "JSON: the names list folds example.net's twelve names" "$(jsonq "$LAB_DIR/before.json" \
	"(SELECT (value->>'names') || ' ' || json_array_length(value->'examples') FROM json_each(j, '\$.dns') WHERE value->>'name' = '*.example.net')")" "12 3"
check "text: the fold, with examples" \
	"$(grep -c '  \*\.example\.net (12 names, e\.g\. host[0-9]*\.example\.net, ' "$LAB_DIR/before.txt")" 1

# applied: the rules go into the configuration, as the operator would after review
expect="api.telegram.org tcp/443, $(echo "$rules" | sed 's/;$//; s/;/, /g')"
sed -i "s|^expect = .*|expect = $expect|" "$LAB_CONF"
"$OCA_BIN" report -c "$LAB_CONF" --since "$since" --fail-on-findings --suggest-policy \
	>"$LAB_DIR/after.txt" && rc=0 || rc=$?
sed -n '/^Verdict/p' "$LAB_DIR/after.txt" | sed 's/^/# /'
check "applied: --fail-on-findings exits 0" "$rc" 0
check "applied: the verdict is CLEAN" "$(grep -c '^Verdict: CLEAN: ' "$LAB_DIR/after.txt")" 1
check "applied: the findings are still there, expected now" \
	"$(grep -c 'expected by the rules now' "$LAB_DIR/after.txt")" \
	"$(sql "SELECT count(*) FROM findings")"
check "applied: nothing more to suggest" \
	"$(grep -c '^# (nothing to add' "$LAB_DIR/after.txt")" 1
"$OCA_BIN" report -c "$LAB_CONF" --since "$since" --format json >"$LAB_DIR/after.json"
check "applied, JSON: CLEAN" "$(jsonq "$LAB_DIR/after.json" "j->>'\$.verdict'")" CLEAN
lab_stop TERM
lab_finish
