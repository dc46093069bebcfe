#!/bin/bash
# A client port used again (collector/flowmap.h; the rule: corecap.c, hello_span): the
# VM connects from one port to a server's closed port (SYN, RST: a small flow, folded by
# the capture into its destination's aggregate, so the core's flow map keeps its entry),
# then from the same port to the same address and port once a TLS server listens there,
# with an SNI of its own. The second flow's hello may reach the core before NFLOG's
# connection of it (another reader, batched in the kernel): it must be linked to its own
# connection, never to the first flow's, which is of the same 5-tuple but came before
# it. Which comes first is the kernel's and the readers' timing, not forced here (before
# the fix, 4 of 24 hellos in three runs took the first flow's connection): REUSE_PORTS
# ports, one after the other; tests/unit/test_corecap orders the two events by hand.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require curl openssl
lab_up "$IIF_RULE"
SRV=198.51.100.3 N=${REUSE_PORTS:-16} P0=41000
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=lab.example -keyout "$LAB_DIR/key.pem" -out "$LAB_DIR/cert.pem" 2>/dev/null
lab_config "[collector]" "pcap_interface = br-openclaw"
lab_collect
wait_until 20 sql_is "SELECT group_concat(state) FROM sensor_events WHERE source = 'capture'" up ||
	echo "# the capture did not say it was up"

client() { in_vm timeout 10 curl -sk -o /dev/null "$@" </dev/null >/dev/null 2>&1 || true; }
# the first flows: nothing listens yet, the server's kernel answers the SYN with a RST
for i in $(seq 1 $N); do
	client --local-port $((P0 + i)) --resolve first$i.example:443:$SRV https://first$i.example/
done
wait_until 20 sql_is "SELECT count(*) FROM connections WHERE dst = '$SRV'" $N ||
	echo "# not every first connection stored"
in_net openssl s_server -accept "$SRV:443" -cert "$LAB_DIR/cert.pem" -key "$LAB_DIR/key.pem" \
	-www -quiet >>"$LAB_DIR/servers.log" 2>&1 </dev/null &
LAB_PIDS="$LAB_PIDS $!"
listening() { in_net ss -Hlnt "( sport = :443 )" | grep -q LISTEN; }
wait_until 10 listening || echo "# the server is not listening"
# the second flows: same ports, same server, a TLS handshake naming second$i.example
for i in $(seq 1 $N); do
	client --local-port $((P0 + i)) --resolve second$i.example:443:$SRV https://second$i.example/
done
wait_until 20 sql_is "SELECT count(*) FROM hellos WHERE server = '$SRV'" $N ||
	echo "# not every hello stored"
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

check "two connections a port" "$(sql "SELECT count(*) FROM connections WHERE dst = '$SRV' AND
	dport = 443 GROUP BY sport HAVING count(*) = 2" | wc -l)" $N
check "the first flows folded, no record of their own" "$(sql "SELECT count(*) FROM flow_bytes
	WHERE server = '$SRV' AND ended IS NOT 'folded' AND conn_id IN (SELECT min(id) FROM
	connections WHERE dst = '$SRV' GROUP BY sport)")" 0
# each hello's connection: the later of its port's two
check "every hello linked to its own flow's connection" "$(sql "SELECT count(*) FROM hellos h
	JOIN connections c ON c.id = h.conn_id AND c.sport = h.cport AND c.dst = h.server WHERE
	h.server = '$SRV' AND h.name = 'second' || (h.cport - $P0) || '.example' AND c.id =
	(SELECT max(id) FROM connections WHERE dst = '$SRV' AND sport = h.cport)")" $N
sql "SELECT '# hello ' || h.name || ' cport ' || h.cport || ': connection ' ||
	coalesce(h.conn_id, 'none') || ' (of ' || (SELECT group_concat(id) FROM connections WHERE
	dst = '$SRV' AND sport = h.cport) || ')' FROM hellos h WHERE h.server = '$SRV' ORDER BY
	h.cport"
check "the second flows' bytes linked to their connections" "$(sql "SELECT count(DISTINCT f.cport)
	FROM flow_bytes f JOIN connections c ON c.id = f.conn_id WHERE f.server = '$SRV' AND
	f.ended IS NOT 'folded' AND c.id = (SELECT max(id) FROM connections WHERE dst = '$SRV' AND
	sport = f.cport)")" $N
check "nothing lost" "$(sql "SELECT count(*) FROM losses")" 0
lab_finish
