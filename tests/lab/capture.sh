#!/bin/bash
# The capture sensor in the real collector, with real clients in the VM and real servers
# in the "internet": curl and openssl s_client with TLS 1.3 and 1.2, a ClientHello the VM
# writes in two TCP segments, QUIC (ngtcp2's gtlsclient against gtlsserver), HTTP on port
# 80; every hello is stored with its name and linked to the connection NFLOG logged.
# Domain fronting (an expected name's address, another name in the handshake), over TLS
# and over HTTP, raises sni-mismatch for that name, naming what the address was resolved
# from. Bytes each way of a plain TCP upload and download equal what the client sent and
# received (plus what TCP retransmitted, which crossed the wire twice), and the upload
# past [policy] upload_budget raises volume with its figure. The collector starts before
# the bridge exists (the VM comes later) and captures on it once it appears.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl openssl python3 socat gtlsclient gtlsserver
lab_up "$IIF_RULE"
lab_upstream_dns
TG=198.51.100.2 OR=198.51.100.3
# gtlsclient sends as SNI the name it connects to (an address becomes "localhost"): the
# VM's own /etc/hosts names it (ip netns exec mounts /etc/netns/NAME/* over /etc)
mkdir -p "/etc/netns/$NS_VM"
trap 'lab_down; rm -rf "/etc/netns/$NS_VM"' EXIT
printf '%s api.telegram.org\n' $TG > "/etc/netns/$NS_VM/hosts"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=lab.example -keyout "$LAB_DIR/key.pem" -out "$LAB_DIR/cert.pem" 2>/dev/null
bg_net() { in_net "$@" >>"$LAB_DIR/servers.log" 2>&1 </dev/null & LAB_PIDS="$LAB_PIDS $!"; }
for a in $TG $OR; do
	bg_net openssl s_server -accept "$a:443" -cert "$LAB_DIR/cert.pem" -key "$LAB_DIR/key.pem" \
		-www -quiet
done
bg_net gtlsserver -q $TG 443 "$LAB_DIR/key.pem" "$LAB_DIR/cert.pem"
bg_net socat TCP-LISTEN:80,bind=$TG,fork,reuseaddr SYSTEM:'echo HTTP/1.0 200 OK; echo'
UP=3000000 DOWN=2000000
bg_net socat -u TCP-LISTEN:9000,bind=$OR,fork,reuseaddr OPEN:/dev/null
bg_net socat TCP-LISTEN:9001,bind=$OR,fork,reuseaddr SYSTEM:"head -c $DOWN /dev/zero"
head -c $UP /dev/urandom > "$LAB_DIR/up.bin"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[collector]" "pcap_interface = br-openclaw" \
	"[policy]" "expect = api.telegram.org tcp/443 udp/443 tcp/80, openrouter.ai tcp/443 tcp/9000 tcp/9001" \
	"upload_budget = 1M"
# the bridge goes, so the collector starts without it, and comes back as the VM starts
in_host ip link del br-openclaw
lab_collect
wait_until 20 sql_is "SELECT group_concat(state) FROM sensor_events WHERE source = 'capture'" \
	no-interface || true
in_host ip link add br-openclaw type bridge
in_host ip addr add 192.168.83.1/24 dev br-openclaw
in_host ip addr add fd83::1/64 dev br-openclaw nodad
in_host ip link set br-openclaw up
in_host ip link set vm-openclaw master br-openclaw up
wait_until 20 sql_is "SELECT group_concat(state) FROM sensor_events WHERE source = 'capture'" \
	no-interface,up || true
check "the capture waited for the bridge, then followed it" "$(sql "SELECT group_concat(state)
	FROM sensor_events WHERE source = 'capture'")" no-interface,up
wait_until 10 in_net ss -lnt "( sport = :9001 )" | grep -q LISTEN || true

resolve() { in_vm drill -Q @192.168.83.1 "$1" A 2>/dev/null | tail -n 1; }
check "api.telegram.org resolved through the collector" "$(resolve api.telegram.org)" $TG
check "openrouter.ai resolved" "$(resolve openrouter.ai)" $OR
client() { in_vm timeout 10 "$@" </dev/null >/dev/null 2>&1 || echo "# client failed: $*"; }
client curl -sk -o /dev/null --tlsv1.3 --resolve api.telegram.org:443:$TG https://api.telegram.org/
client curl -sk -o /dev/null --tlsv1.2 --tls-max 1.2 --resolve openrouter.ai:443:$OR https://openrouter.ai/
client openssl s_client -tls1_3 -connect $TG:443 -servername api.telegram.org
client openssl s_client -tls1_2 -connect $OR:443 -servername openrouter.ai
client python3 "$OCA_SRCDIR/tests/data/pcap/splitclient.py" $TG 443 api.telegram.org 2
client gtlsclient -q --exit-on-all-streams-close api.telegram.org 443 https://api.telegram.org/
client curl -s -o /dev/null --resolve api.telegram.org:80:$TG http://api.telegram.org/
# domain fronting: api.telegram.org's address, another name
client curl -sk -o /dev/null --resolve evil.example:443:$TG https://evil.example/
client curl -s -o /dev/null --resolve evil.example:80:$TG http://evil.example/
wait_until 20 sql_is "SELECT count(*) FROM hellos" 9 || true
# bytes: a plain upload and download of known sizes; what TCP sent twice is counted twice
retrans() { "$1" awk '/^Tcp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "RetransSegs")
	c = i } else print $c }' /proc/net/snmp; }
rv0=$(retrans in_vm) rn0=$(retrans in_net)
client socat -u "OPEN:$LAB_DIR/up.bin" TCP:$OR:9000
in_vm timeout 10 socat -u TCP:$OR:9001 "CREATE:$LAB_DIR/down.bin" </dev/null || true
# stopped at once: the download's last packets are still in a ring block the kernel has
# not handed over, and the stop must read them
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
rv=$(($(retrans in_vm) - rv0)) rn=$(($(retrans in_net) - rn0))
check "the client received what the server sent" "$(stat -c %s "$LAB_DIR/down.bin")" $DOWN

hello() {   # hello KIND SERVER:PORT CPORT-LESS-CONDITION: name|version|linked
	sql "SELECT name || '|' || coalesce(version, '-') || '|' || (conn_id IS NOT NULL) ||
		'|' || coalesce(alpn, '-') FROM hellos WHERE $1 ORDER BY id"
}
check "every hello stored" "$(sql "SELECT count(*) FROM hellos")" 9
check "curl TLS 1.3 to api.telegram.org" "$(hello "kind = 'tls' AND server = '$TG' AND alpn LIKE 'h2%' AND name = 'api.telegram.org'" | head -n 1)" \
	"api.telegram.org|772|1|h2,http/1.1"
check "curl TLS 1.2 to openrouter.ai" "$(hello "kind = 'tls' AND server = '$OR' AND alpn LIKE 'h2%'")" \
	"openrouter.ai|771|1|h2,http/1.1"
check "openssl s_client, TLS 1.3 and 1.2" "$(hello "kind = 'tls' AND alpn IS NULL" | tr '\n' ' ')" \
	"api.telegram.org|772|1|- openrouter.ai|771|1|- "
check "the ClientHello written in two segments" "$(hello "alpn LIKE '%x-lab-000-%'" | cut -d'|' -f1-3)" \
	"api.telegram.org|772|1"
check "QUIC v1 over udp/443" "$(sql "SELECT name || ' ' || quic_version || ' ' || proto || ' ' ||
	(conn_id IS NOT NULL) FROM hellos WHERE kind = 'quic'")" "api.telegram.org 1 17 1"
check "HTTP Host on port 80" "$(sql "SELECT group_concat(name, ' ') FROM (SELECT name FROM hellos
	WHERE kind = 'http' ORDER BY id)")" "api.telegram.org evil.example"
check "each linked to its own connection" "$(sql "SELECT count(*) FROM hellos h JOIN connections c
	ON c.id = h.conn_id AND c.src = h.client AND c.sport = h.cport AND c.dst = h.server AND
	c.dport = h.sport AND c.proto = h.proto")" 9
check "the exact bytes kept" "$(sql "SELECT count(*) FROM hellos WHERE CAST(name_wire AS TEXT) = name")" 9

findings=$(sql "SELECT kind || ' ' || key FROM findings ORDER BY kind, key" | tr '\n' ';')
check "exactly the fronting and the volume" "$findings" \
	"sni-mismatch evil.example 198.51.100.2:443/tcp;sni-mismatch evil.example 198.51.100.2:80/tcp;volume openrouter.ai $(date -u +%F);"
check "sni-mismatch: the name asked, the destination, what it was resolved from" \
	"$(sql "SELECT domain || ' ' || ip || ' ' || port || ' ' || proto || ' ' || (detail LIKE
		'%resolved this address from: api.telegram.org') || ' ' || (conn_id IS NOT NULL)
		FROM findings WHERE kind = 'sni-mismatch' AND port = 443")" \
	"evil.example 198.51.100.2 443 tcp 1 1"
check "the HTTP one says so" "$(sql "SELECT detail LIKE 'the HTTP request (Host) asked for evil.example%'
	FROM findings WHERE kind = 'sni-mismatch' AND port = 80")" 1

flow() { sql "SELECT sum($1) FROM flow_bytes WHERE server = '$OR' AND sport = $2"; }
# exact when nothing was retransmitted; else above by at most a segment (1500) per resend
within() { [ "$1" -ge "$2" ] && [ "$1" -le $(($2 + $3 * 1500)) ] && echo ok || echo "$1 for $2"; }
check "upload: payload up is what the client sent ($rv resent)" \
	"$(within "$(flow payload_up 9000)" $UP $rv)" ok
check "download: payload down is what the client received ($rn resent)" \
	"$(within "$(flow payload_down 9001)" $DOWN $rn)" ok
check "IP bytes count the headers too" "$(sql "SELECT sum(bytes_up) > $UP AND sum(bytes_down) > 0
	FROM flow_bytes WHERE server = '$OR' AND sport = 9000")" 1
check "bytes linked to the connection and its destination" "$(sql "SELECT count(*) FROM flow_bytes f
	JOIN connections c ON c.id = f.conn_id AND c.dest_id = f.dest_id WHERE f.server = '$OR' AND
	f.sport IN (9000, 9001)")" "$(sql "SELECT count(*) FROM flow_bytes WHERE server = '$OR' AND
	sport IN (9000, 9001)")"
check "rolled up per destination" "$(sql "SELECT bytes_up >= $UP FROM destinations WHERE
	domain = 'openrouter.ai' AND port = 9000")" 1
seen() { echo "coalesce((SELECT $1($2) FROM $3 x WHERE x.dest_id = d.id), $4)"; }
check "first and last seen: the packets' times, not the slot's start" "$(sql "SELECT count(*)
	FROM destinations d WHERE first_us = min($(seen min ts_us connections 1e18),
	$(seen min first_us flow_bytes 1e18)) AND last_us = max($(seen max ts_us connections 0),
	$(seen max last_us flow_bytes 0))")" "$(sql "SELECT count(*) FROM destinations")"
check "and per hour" "$(sql "SELECT sum(bytes_up) = (SELECT sum(bytes_up) FROM flow_bytes) FROM hourly")" 1
"$OCA_BIN" report --db "$LAB_DB" --since 2000-01-01 --format json > "$LAB_DIR/report.json"
check "the report gives each destination's bytes as stored" "$(jsonq "$LAB_DIR/report.json" \
	"(SELECT value->>'bytes_up' || ' ' || (value->>'bytes_down') FROM json_each(j, '\$.destinations')
	WHERE value->>'domain' = 'openrouter.ai' AND value->>'port' = 9000)")" \
	"$(sql "SELECT sum(f.bytes_up) || ' ' || sum(f.bytes_down) FROM flow_bytes f JOIN destinations d
	ON d.id = f.dest_id WHERE d.domain = 'openrouter.ai' AND d.port = 9000")"
"$OCA_BIN" report --db "$LAB_DB" --since 2000-01-01 > "$LAB_DIR/report.txt"
check "the text report: in units, and no word of bytes unwatched" "$(grep -c 'MiB .*openrouter\.ai (.*:9000/tcp)' \
	"$LAB_DIR/report.txt") $(grep -c 'not watched' "$LAB_DIR/report.txt")" "1 0"
check "volume names the figure" "$(sql "SELECT detail LIKE '% bytes (%MiB) uploaded to openrouter.ai on '
	|| '% (UTC), more than the upload budget of 1.0 MiB a day' FROM findings WHERE kind = 'volume'")" 1
check "DNS to the collector's own resolver is left to the resolver" \
	"$(sql "SELECT count(*) FROM flow_bytes WHERE sport = 53")" 0
check "nothing lost" "$(sql "SELECT count(*) FROM losses")" 0
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "the hellos and bytes are in the hash chain, intact" "$rc" 0
lab_finish
