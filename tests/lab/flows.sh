#!/bin/bash
# N distinct flows from the VM give exactly N connection rows: UDP floods, real TCP and
# TLS connections, with the seed's rule (IPv4 from the VM's address) and with the
# recommended iifname rule (which also sees IPv6).
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
lab_collect

# a real TLS server and a plain TCP server in the "internet"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=api.telegram.org -days 1 \
	-keyout "$LAB_DIR/key.pem" -out "$LAB_DIR/cert.pem" 2>/dev/null
ip netns exec "$NS_NET" openssl s_server -quiet -accept 443 -cert "$LAB_DIR/cert.pem" \
	-key "$LAB_DIR/key.pem" -naccept 1000 >/dev/null 2>&1 </dev/null &
LAB_PIDS="$LAB_PIDS $!"
ip netns exec "$NS_NET" socat TCP6-LISTEN:8080,fork,reuseaddr,ipv6only=0 SYSTEM:'echo hello' &
LAB_PIDS="$LAB_PIDS $!"
sleep 0.5

N=3000
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n $N -r 20000
for i in 1 2 3; do
	echo | in_vm timeout 5 openssl s_client -connect 198.51.100.2:443 \
		-servername api.telegram.org >/dev/null 2>&1
done
for i in 1 2; do
	in_vm timeout 5 socat - TCP4:198.51.100.3:8080 </dev/null >/dev/null
done
# not logged by the seed's rule: IPv6
in_vm timeout 5 socat - TCP6:[2001:db8:100::2]:8080 </dev/null >/dev/null
sleep 0.5

lab_rule "$IIF_RULE"
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.4 -n 500 -r 20000 -t tcp
in_vm timeout 5 socat - TCP6:[2001:db8:100::2]:8080 </dev/null >/dev/null
sleep 0.5
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0 on SIGTERM" "$rc" 0

check "UDP flows stored" "$(sql "SELECT count(*) FROM connections WHERE proto = 17 AND dst = '198.51.100.2' AND dport BETWEEN 9000 AND 9015")" $N
check "TLS connections stored" "$(sql "SELECT count(*) FROM connections WHERE proto = 6 AND dst = '198.51.100.2' AND dport = 443")" 3
check "TCP connections stored" "$(sql "SELECT count(*) FROM connections WHERE proto = 6 AND dst = '198.51.100.3' AND dport = 8080")" 2
check "iifname rule: TCP SYN flood stored" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.4'")" 500
check "iifname rule: IPv6 seen" "$(sql "SELECT count(*) FROM connections WHERE family = 6 AND dst = '2001:db8:100::2' AND dport = 8080 AND src = 'fd83::2'")" 1
check "nothing else stored" "$(sql "SELECT count(*) FROM connections")" $((N + 3 + 2 + 500 + 1))
check "prefix kept" "$(sql "SELECT DISTINCT prefix FROM connections")" "openclaw-vm: "
check "interfaces named" "$(sql "SELECT DISTINCT iif || '>' || oif FROM connections WHERE family = 4")" "br-openclaw>wan0"
check "no losses" "$(sql "SELECT count(*) FROM losses")" 0

"$OCA_BIN" report --db "$LAB_DB" --since 1h --format json >"$LAB_DIR/report.json"
check "report: connections" "$(jsonq "$LAB_DIR/report.json" "j->>'\$.totals.connections'")" $((N + 506))
check "report: events_lost" "$(jsonq "$LAB_DIR/report.json" "j->>'\$.totals.events_lost'")" 0
check "report: TLS destination" "$(jsonq "$LAB_DIR/report.json" "(SELECT value->>'connections' FROM json_each(j, '\$.destinations') WHERE value->>'ip' = '198.51.100.2' AND value->>'port' = 443)")" 3
"$OCA_BIN" report --db "$LAB_DB" --since 1h >"$LAB_DIR/report.txt"
check "text report: totals" "$(grep -c "^Totals: $((N + 506)) connections" "$LAB_DIR/report.txt")" 1
check "text report: IPv6 destination bracketed" "$(grep -c '\[2001:db8:100::2\]:8080/tcp' "$LAB_DIR/report.txt")" 2
check "text report: verdict" "$(grep -c '^Verdict: 5 FINDINGS' "$LAB_DIR/report.txt")" 1
lab_finish
