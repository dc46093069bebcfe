#!/bin/bash
# Small flows folded (capture/flowagg.h), with the capture on: a spray of one-packet UDP
# flows and a TCP SYN scan from the VM, neither answered. Each flow is NFLOG's connection
# row; the capture stores no byte record of its own for them but one per destination and
# slot, and the destination's bytes (the rollups, the report) and its flows are still
# exact: every packet's IP length, every flow once. The flows are still alive (unanswered,
# not idle yet) when their minute ends: the collector runs past that sweep, which folds
# them as their end would. A real TCP upload beside them keeps its own record, linked to
# its connection, and the hash chain covers the aggregates.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require socat
lab_up "$IIF_RULE"
DST=198.51.100.2 OR=198.51.100.3 NU=2000 NT=300
# no answer at all: no ICMP port unreachable for the spray, no RST for the scan
in_net nft -f - <<'NFT'
table inet foldtest {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 9000 drop
		tcp dport 7000 drop
	}
}
NFT
in_net socat -u TCP-LISTEN:9100,bind=$OR,fork,reuseaddr OPEN:/dev/null >/dev/null 2>&1 &
LAB_PIDS="$LAB_PIDS $!"
lab_config "[collector]" "pcap_interface = br-openclaw"
lab_collect
wait_until 20 sql_is "SELECT group_concat(state) FROM sensor_events WHERE source = 'capture'" up ||
	echo "# the capture did not say it was up"

# an aggregate per slot: start early in a minute so that the flows fall in one
while [ "$(date -u +%-S)" -ge 40 ]; do sleep 1; done
slot0=$(($(date +%s) / 60))
in_vm "$FLOWGEN" -s 192.168.83.2 -d $DST -n $NU -r 5000 -p 9000 -P 1
in_vm "$FLOWGEN" -s 192.168.83.2 -d $DST -n $NT -r 5000 -p 7000 -P 1 -t tcp
slot1=$(($(date +%s) / 60))
head -c 200000 /dev/zero | in_vm timeout 60 socat -u - TCP4:$OR:9100
wait_until 60 sql_is "SELECT count(*) FROM connections WHERE dst = '$DST'" $((NU + NT)) ||
	echo "# not every connection stored"
# the minute's sweep: the flows alive then (every one: UDP idles out after 60 s, TCP after
# 300) fold into their aggregates; until then nothing of them is stored
wait_until 150 sql_is "SELECT count(DISTINCT sport) FROM flow_bytes WHERE server = '$DST'" 2 ||
	echo "# no aggregate after the minute's sweep"
check "the sweep: no record of their own" "$(sql "SELECT count(*) FROM flow_bytes WHERE
	server = '$DST' AND ended IS NOT 'folded'")" 0
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

# dest PORT PROTO: its byte records' sums and flows, and its destination's bytes
flows() {
	sql "SELECT coalesce(sum(flows) FILTER (WHERE ended = 'folded'), 0) + count(DISTINCT cport)
		FILTER (WHERE ended IS NOT 'folded') FROM flow_bytes WHERE server = '$DST' AND
		sport = $1 AND proto = $2"
}
for t in "9000 17 $NU 28" "7000 6 $NT 40"; do
	set -- $t
	check "$2/$1: every flow a connection" "$(sql "SELECT count(*) FROM connections WHERE
		dst = '$DST' AND dport = $1 AND proto = $2")" "$3"
	check "$2/$1: every flow counted once in the byte records" "$(flows "$1" "$2")" "$3"
	check "$2/$1: bytes and packets exact" "$(sql "SELECT sum(bytes_up) || ' ' ||
		sum(bytes_down) || ' ' || sum(pkts_up) FROM flow_bytes WHERE server = '$DST' AND
		sport = $1 AND proto = $2")" "$(($3 * $4)) 0 $3"
	check "$2/$1: the destination's bytes exact" "$(sql "SELECT bytes_up FROM destinations
		WHERE ip = '$DST' AND port = $1 AND proto = $2")" "$(($3 * $4))"
	if [ "$slot0" = "$slot1" ]; then
		check "$2/$1: one aggregate, no record per flow" "$(sql "SELECT count(*) || ' ' ||
			sum(flows) || ' ' || (max(cport) IS NULL) || ' ' || (max(conn_id) IS NULL)
			FROM flow_bytes WHERE server = '$DST' AND sport = $1 AND proto = $2 AND
			ended = 'folded'")" "1 $3 1 1"
		check "$2/$1: nothing else" "$(sql "SELECT count(*) FROM flow_bytes WHERE
			server = '$DST' AND sport = $1 AND proto = $2")" 1
	else
		echo "# a slot boundary fell inside the run: the aggregate's row count not checked"
	fi
done
# (its payload: what socat sent, and what TCP sent again under load)
check "the upload keeps its own records, linked to its connection" "$(sql "SELECT count(*) > 0
	AND count(*) = count(c.id) AND count(*) = count(f.cport) AND sum(f.payload_up) >= 200000
	AND sum(f.ended IS 'folded') = 0 FROM flow_bytes f LEFT JOIN connections c ON
	c.id = f.conn_id AND c.sport = f.cport WHERE f.server = '$OR' AND f.sport = 9100")" 1
sql "SELECT 'upload record:', cport, payload_up, ended, conn_id FROM flow_bytes WHERE
	server = '$OR'" | sed 's/^/# /'
"$OCA_BIN" report --db "$LAB_DB" --since 2000-01-01 --format json > "$LAB_DIR/report.json"
check "the report: the spray's destination, its connections and bytes" "$(jsonq \
	"$LAB_DIR/report.json" "(SELECT (value->>'connections') || ' ' || (value->>'bytes_up')
	FROM json_each(j, '\$.destinations') WHERE value->>'ip' = '$DST' AND value->>'port' = 9000)")" \
	"$NU $((NU * 28))"
check "nothing lost" "$(sql "SELECT count(*) FROM losses")" 0
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "the aggregates are in the hash chain, intact" "$rc" 0
lab_finish
