#!/bin/bash
# The attribution map has a byte budget: the VM resolving long names, each for many
# addresses, from a zone it controls (here a real unbound serving it in the lab's
# "internet") does not grow the collector past 64 MiB. Names of ~900 characters (every
# byte \DDD-escaped), 8 addresses per name and 8 names per address: without the budget
# each (address, name) pair held its own copy of the name. The answers evicted are
# counted, and a connection to an address whose answer went says so in its finding.
# The capture is on, and the VM SYN-scans meanwhile: the capture's ring, its flow table
# and the core's flow map fill too, and the whole stays under 64 MiB (README, "Memory").
set -eu
. "$(dirname "$0")/lib.sh"
lab_require unbound python3
lab_up
N=${ATTRIB_FLOOD_NAMES:-16000}
python3 "$OCA_SRCDIR/tests/lab/dnsflood.py" zone flood.example. "$N" 8 >"$LAB_DIR/flood.zone"
lab_auth flood flood.example. flood.zone 198.51.100.2
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "rate_limit = 0" \
	"[collector]" "pcap_interface = br-openclaw"
lab_collect
in_host ip route add 198.18.0.0/15 via 198.51.100.2
# the first name's first address exists in the lab, for a connection to it
in_net ip addr add 198.18.0.0/32 dev lo
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$COLLECT_PID/status"; }
echo "# collector at start: VmRSS $(kb VmRSS) kB"

# every name answered and stored, however slow a loaded machine makes the lab: at most 64
# asked at once (more would meet the resolver's limit on queries in flight), again on
# SERVFAIL or silence, and 1000 at a time, each thousand stored before the next (a
# writer slower than the names come fills the queue: counted as lost, never attributed)
for first in $(seq 0 1000 $((N - 1))); do
	in_vm python3 "$OCA_SRCDIR/tests/lab/dnsflood.py" ask flood.example. \
		$((N - first < 1000 ? N - first : 1000)) 192.168.83.1 64 "$first" >/dev/null
	wait_until 60 sql_is "SELECT count(DISTINCT name_id) >= $((first + 1000 < N ? first + 1000 : N))
		FROM dns_queries" 1 || true
done
answered=$(sql "SELECT count(DISTINCT query_id) FROM dns_answers WHERE rtype = 1")
echo "# $answered of $N names answered; VmRSS $(kb VmRSS) kB, VmHWM $(kb VmHWM) kB"
check "the collector's peak stayed under 64 MiB" "$(($(kb VmHWM) < 65536))" 1
wait_until 10 sql_is "SELECT value > 0 FROM counters WHERE name = 'attrib_evicted'" 1 || true
check "evictions are counted" "$(sql "SELECT value > 0 FROM counters WHERE name = 'attrib_evicted'")" 1

# the first name's answers were the first to go
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.18.0.0 -n 1 -r 10 >/dev/null
wait_until 20 sql_is "SELECT count(*) FROM findings WHERE ip = '198.18.0.0'" 1 || true
check "a connection to an evicted address: direct-ip" \
	"$(sql "SELECT kind FROM findings WHERE ip = '198.18.0.0'")" direct-ip
check "whose detail says its answer may have been evicted" \
	"$(sql "SELECT detail LIKE '%evicted%' FROM findings WHERE ip = '198.18.0.0'")" 1

# then, the map still full, a scan of 30 000 address:port pairs of 198.19/16: twice the
# capture's flow table, the core's flow map full (after the finding above: the scan's
# own findings fold past the cap)
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.19.0.1 -A 3000 -t tcp -S -p 1000 -P 10 -n 30000 \
	-r 3000 >/dev/null
scanned="SELECT count(*) >= 30000 FROM connections WHERE dst LIKE '198.19.%'"
captured="SELECT value >= 30000 FROM counters WHERE name = 'pcap_received'"
wait_until 60 sql_is "$scanned" 1 || true
wait_until 10 sql_is "$captured" 1 || true
echo "# after the scan: VmRSS $(kb VmRSS) kB, VmHWM $(kb VmHWM) kB"
check "the scan's connections stored" "$(sql "$scanned")" 1
check "the capture saw its packets" "$(sql "$captured")" 1
check "the collector's peak, capture on, stayed under 64 MiB" "$(($(kb VmHWM) < 65536))" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
