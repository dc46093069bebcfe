#!/bin/bash
# What the collector compares in memory, across a step of its wall clock (libfaketime as
# in clock_step.sh: its CLOCK_REALTIME is the real time plus an offset the test rewrites;
# the monotonic clocks stay real). Forward a day between a DNS answer and the connection
# to its address: the connection is attributed to the name, the answer still valid, and
# raises nothing. Back a day with the capture on: a TCP flow's byte record is stored as
# the flow closes, not a day later. (The kernel's times of NFLOG messages and captured
# frames are real: libfaketime reaches the collector's own readings only.)
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill socat
LIBFT=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || lab_skip "libfaketime is not installed (run scripts/check)"
lab_up "$SEED_RULE"
lab_upstream_dns
TG=198.51.100.2 OR=198.51.100.3
in_net socat -u TCP-LISTEN:9000,bind=$OR,fork,reuseaddr OPEN:/dev/null \
	>>"$LAB_DIR/servers.log" 2>&1 </dev/null &
LAB_PIDS="$LAB_PIDS $!"

FT="$LAB_DIR/faketime"             # the offset; the collector's user reads it
step() { echo "$1" > "$FT.new"; chmod 644 "$FT.new"; mv "$FT.new" "$FT"; }
LAB_COLLECT_WRAP="env LD_PRELOAD=$LIBFT FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1"
LAB_COLLECT_WRAP="$LAB_COLLECT_WRAP DONT_FAKE_MONOTONIC=1"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = $TG" \
	"[collector]" "pcap_interface = br-openclaw"

# ---- forward a day between the answer and the connection
step "-1d"
lab_collect
wait_until 20 sql_is "SELECT count(*) FROM sensor_events WHERE source = 'capture' AND
                      state = 'up'" 1 || true
check "the capture is up" "$(sql "SELECT count(*) FROM sensor_events WHERE source = 'capture'
	AND state = 'up'")" 1
check "api.telegram.org resolved through the collector" \
	"$(in_vm drill -Q @192.168.83.1 api.telegram.org A 2>/dev/null | tail -n 1)" $TG
wait_until 30 sql_is "SELECT count(*) FROM dns_queries WHERE qname = 'api.telegram.org'" 1 ||
	true
step "+0"
in_vm "$FLOWGEN" -s 192.168.83.2 -d $TG -t tcp -p 443 -n 1 -r 100 >/dev/null
wait_until 30 sql_is "SELECT count(*) FROM connections WHERE dst = '$TG'" 1 || true
ahead=$(sql "SELECT (c.ts_us - q.ts_us) / 1000000 FROM connections c, dns_queries q
             WHERE c.dst = '$TG' AND q.qname = 'api.telegram.org'")
check "the step reached the collector: the answer stored a day before the connection" \
	"$([ "${ahead:-0}" -gt 86000 ] && [ "${ahead:-0}" -lt 86500 ] && echo yes)" yes
check "forward: the connection attributed to the name, the answer valid" \
	"$(sql "SELECT domain || ' ' || attr FROM connections WHERE dst = '$TG'")" \
	"api.telegram.org 1"
check "forward: no finding for it" "$(sql "SELECT count(*) FROM findings WHERE ip = '$TG'")" 0

# ---- back a day, the capture on
step "-1d"
sleep 2                            # the capture's ticks (each second) read the step
listening() { in_net ss -lnt "( sport = :9000 )" | grep -q LISTEN; }
wait_until 10 listening || true
in_vm sh -c "head -c 100000 /dev/zero | socat -u - TCP:$OR:9000" ||
	echo "# the upload failed"
# closed both ways, the flow lingers 5 s for its last ACKs, then its record is written;
# with the capture's time stalled at the step, it would wait a day
closed="SELECT count(*) FROM flow_bytes WHERE server = '$OR' AND sport = 9000
        AND ended = 'closed'"
wait_until 60 sql_is "$closed" 1 || true
check "back: the flow's byte record is stored as it closes" "$(sql "$closed")" 1
check "back: ... with the bytes it sent" \
	"$(sql "SELECT sum(payload_up) >= 100000 FROM flow_bytes WHERE server = '$OR'")" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
