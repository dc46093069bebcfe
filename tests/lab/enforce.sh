#!/bin/bash
# Enforce mode, through the real resolver, the real helper and the real nftables ruleset
# of `oc-audit enforce-rules`: the expected name resolves and connects (its address was in
# the set before the answer reached the VM); a resolved unexpected name, a direct IP, DNS
# to another server and an expected name on another port are dropped, and each drop is
# recorded as a blocked finding; so is the VM's IPv6 connection to an address no answer gave.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl openssl
lab_up "$IIF_RULE"
lab_upstream "api.telegram.org. 300 IN A 198.51.100.3" "evil.example. 300 IN A 198.51.100.6"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=lab -days 1 -keyout "$LAB_DIR/key.pem" \
	-out "$LAB_DIR/cert.pem" 2>/dev/null
in_net openssl s_server -quiet -accept 443 -cert "$LAB_DIR/cert.pem" \
	-key "$LAB_DIR/key.pem" -naccept 1000 -www >/dev/null 2>&1 </dev/null &
LAB_PIDS="$LAB_PIDS $!"
in_net socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo HTTP/1.0 200 OK; echo' &
LAB_PIDS="$LAB_PIDS $!"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[policy]" "expect = api.telegram.org tcp/443" "[enforce]" "mode = enforce"
"$OCA_BIN" enforce-rules -c "$LAB_CONF" >"$LAB_DIR/enforce.nft"
in_host nft -f "$LAB_DIR/enforce.nft"
lab_collect

resolve() { in_vm drill -Q @192.168.83.1 "$1" A 2>/dev/null | tail -n 1; }
# connect NAME-OR-IP PORT SCHEME: curl's exit status (0: connected and answered)
connect() {
	local host=$1 ip=$1 rc=0
	case $1 in [0-9]*) ;; *) ip=$(resolve "$1") ;; esac
	in_vm curl -sk --connect-timeout 2 -m 4 -o /dev/null --resolve "$host:$2:$ip" \
		"$3://$host:$2/" || rc=$?
	echo "$rc"
}

check "the expected name resolves" "$(resolve api.telegram.org)" 198.51.100.3
check "its address is in the set, for the VM, on its port" \
	"$(in_host nft list set inet oc-audit allow4 | grep -c '192.168.83.2 . 198.51.100.3 . tcp . 443 timeout')" 1
check "the expected name connects" "$(connect api.telegram.org 443 https)" 0
check "again" "$(connect api.telegram.org 443 https)" 0
check "evil.example resolves (audit shows it)" "$(resolve evil.example)" 198.51.100.6
check "... but its address is not opened" \
	"$(in_host nft list set inet oc-audit allow4 | grep -c '198.51.100.6')" 0
check "evil.example: dropped (connect timeout)" "$(connect evil.example 443 https)" 28
check "a direct IP: dropped" "$(connect 198.51.100.9 443 https)" 28
check "an expected name on another port: dropped" "$(connect api.telegram.org 80 http)" 28
in_vm drill @198.51.100.2 example.org >/dev/null 2>&1 && rc=0 || rc=$?
check "DNS to another server: no answer" "$rc" 1
# IPv6 (vm_subnet lists fd83::/64): enforced as IPv4 is
rc=0
in_vm curl -gs --connect-timeout 2 -m 4 -o /dev/null "https://[2001:db8:100::2]:443/" || rc=$?
check "IPv6 to an address no answer gave: dropped (connect timeout)" "$rc" 28

sql_rows="SELECT count(*) FROM findings WHERE blocked = 1"
wait_until 20 sql_is "$sql_rows" 5 || true
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "the blocked findings" \
	"$(sql "SELECT kind || ' ' || coalesce(domain, '-') || ' ' || ip || ':' || port || '/' || proto FROM findings WHERE blocked = 1 ORDER BY kind, ip" | tr '\n' ';')" \
	"direct-ip - 198.51.100.9:443/tcp;direct-ip - 2001:db8:100::2:443/tcp;dns-bypass - 198.51.100.2:53/udp;unexpected-destination evil.example 198.51.100.6:443/tcp;unexpected-port api.telegram.org 198.51.100.3:80/tcp;"
check "each drop logged once: no finding of it that is not marked blocked" \
	"$(sql "SELECT count(*) FROM findings WHERE blocked = 0 AND kind <> 'unexpected-domain'")" 0
check "no finding for the expected traffic" \
	"$(sql "SELECT count(*) FROM findings WHERE kind <> 'unexpected-domain' AND port = 443 AND ip = '198.51.100.3'")" 0
check "the expected connections recorded, not blocked" \
	"$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.3' AND dport = 443 AND domain = 'api.telegram.org'")" 2
check "the helper added elements" "$(grep -c 'enforce: cannot' "$LAB_DIR/collect.log")" 0
"$OCA_BIN" report -c "$LAB_CONF" --since 1h --format json >"$LAB_DIR/report.json"
check "json: blocked findings" \
	"$(jsonq "$LAB_DIR/report.json" "(SELECT count(*) FROM json_each(j, '\$.findings') WHERE value->>'blocked' = 1)")" 5
lab_finish
