#!/bin/bash
# report --suggest-policy with the real resolver and the real nft rule: a window with an
# unexpected name (resolved, then reached on a port) and a registered domain with many
# names (folded in the names list as in the findings) gives the rules that expect them (one wildcard for the many), for review; put
# into the rules file, they make the report's verdict CLEAN on the same database,
# the findings still there and marked as expected now.
# The running collector's dashboard judges with the rules it loaded: its banner and
# /api/report say what `report -c` says, CLEAN with the rules, FINDINGS again after a rule
# is taken out of the file and the collector told (SIGHUP), and CLEAN at once after
# "expect this" appends the rule back.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl
lab_up "$IIF_RULE"
lab_upstream_dns
WEB=127.0.0.1:8383
RULES="$LAB_DIR/db/rules"          # in the collector's state directory: it writes it
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[web]" "listen = $WEB" \
	"[policy]" "expect = api.telegram.org tcp/443" "rules_file = $RULES"
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

# applied: the rules go into the rules file, as the operator would after review (written
# whole, then renamed over it, as an editor does)
echo "$rules" | tr ';' '\n' | grep . > "$RULES.new"
chown "$LAB_USER:" "$RULES.new"
mv "$RULES.new" "$RULES"
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

# --- the dashboard, over the window it names, against `report -c` over the same
hc() { in_host curl -s -o "$LAB_DIR/body" -w '%{http_code}' --max-time 10 "$@" || true; }
page_verdict() { grep -o '<p class="verdict [a-z]*" id="verdict">[^<]*' "$LAB_DIR/body" | sed 's/^<[^>]*>//'; }
# the overview card's open count, and the verdict's unacknowledged count (0 when it has none)
page_open() { grep -o '<b id="open-count" data-live="[01]">[0-9]*' "$LAB_DIR/body" | sed 's/.*>//'; }
verdict_open() { page_verdict | sed -n 's/.* (\([0-9]*\) unacknowledged).*/\1/p' | grep . || echo 0; }
page_window() { grep -o 'oc-audit report --since [^ ]* --until [^<]*' "$LAB_DIR/body" | cut -d' ' -f3-; }
# banner_is WORD: the overview's verdict starts with WORD (waits for the collector's reload)
banner_is() { hc "http://$WEB/" >/dev/null; page_verdict | grep -q "^Verdict: $1"; }
# same STEP: the banner is `report -c`'s verdict line, and /api/report is its JSON
same() {
	local win
	hc "http://$WEB/" >/dev/null
	cp "$LAB_DIR/body" "$LAB_DIR/overview-$1.html"
	win=$(page_window)
	# shellcheck disable=SC2086
	check "$1: the banner is report -c's verdict, word for word" "$(page_verdict)" \
		"$("$OCA_BIN" report -c "$LAB_CONF" $win | grep '^Verdict: ')"
	check "$1: the card's open findings are the verdict's unacknowledged" \
		"$(page_open)" "$(verdict_open)"
	check "$1: /api/report 200" "$(hc "http://$WEB/api/report?$(echo "$win" |
		sed 's/^--since /since=/; s/ --until /\&until=/')")" 200
	# shellcheck disable=SC2086
	"$OCA_BIN" report -c "$LAB_CONF" $win --format json > "$LAB_DIR/cli.json"
	check "$1: /api/report == report -c --format json" \
		"$(cmp -s "$LAB_DIR/body" "$LAB_DIR/cli.json" && echo same || echo differ)" same
}
# a first look at the file or SIGHUP: the collector rereads it within seconds
kill -HUP "$COLLECT_PID"
wait_until 30 banner_is CLEAN || echo "# the dashboard did not turn CLEAN"
check "dashboard with the rules: CLEAN" "$(page_verdict | grep -c '^Verdict: CLEAN: ')" 1
same "rules"
check "rules: the findings left out, said" "$(grep -c '<p class="same" id="covered">[0-9]* findings left out: the rules configured now expect them.</p>' "$LAB_DIR/overview-rules.html")" 1
check "rules: the card says how many the rules expect now" \
	"$(grep -o '<small class="also" id="expected-count">[0-9,]* expected by the rules now' "$LAB_DIR/overview-rules.html" | sed 's/^<[^>]*>//; s/ .*//')" \
	"$(grep -o '<p class="same" id="covered">[0-9]*' "$LAB_DIR/overview-rules.html" | sed 's/^<[^>]*>//')"
check "rules: /api/report CLEAN" "$(jsonq "$LAB_DIR/body" "j->>'\$.verdict'")" CLEAN
check "rules: /api/report's findings all expected now" "$(jsonq "$LAB_DIR/body" \
	"(SELECT count(*) FROM json_each(j, '\$.findings') WHERE value->>'expected_now')")" \
	"$(sql "SELECT count(*) FROM findings")"

# the rule for www.example.com taken out of the file, the collector told
grep -v '^www\.example\.com ' "$RULES" > "$RULES.new"
chown "$LAB_USER:" "$RULES.new"
mv "$RULES.new" "$RULES"
kill -HUP "$COLLECT_PID"
wait_until 30 banner_is "[0-9]* FINDING" || echo "# the dashboard did not turn FINDINGS"
check "a rule taken out, SIGHUP: FINDINGS" "$(page_verdict | grep -c "^Verdict: 2 FINDINGS (2 unacknowledged)\.$")" 1
check "a rule taken out: the card, 2 open" "$(page_open)" 2
same "rule out"
check "rule out: /api/report FINDINGS" "$(jsonq "$LAB_DIR/body" "j->>'\$.verdict'")" FINDINGS

# "expect this" on the connection's finding puts it back: judged with it at once, before
# the collector's next look at the file
DEST=$(sql "SELECT id FROM findings WHERE kind = 'unexpected-destination'")
check "expect this 200" "$(hc -X POST -H "Origin: http://$WEB" "http://$WEB/api/findings/$DEST/expect")" 200
check "expect this: the rule" "$(jsonq "$LAB_DIR/body" "j->>'\$.rule'")" "www.example.com tcp/8443"
hc "http://$WEB/" >/dev/null
check "expect this: the banner is CLEAN at once" "$(page_verdict | grep -c '^Verdict: CLEAN: ')" 1
same "expect this"
check "the rules file holds the rule again" "$(grep -c '^www\.example\.com tcp/8443$' "$RULES")" 1
lab_stop TERM
lab_finish
