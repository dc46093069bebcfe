#!/bin/bash
# The resolver under hostile clients: an outsider is REFUSED and never causes a query
# upstream; malformed packets get FORMERR or nothing, are counted, and a normal query
# still works right after; several queries on one TCP connection; the TCP idle timeout
# and connection cap; the per-client rate limit; a locked database does not stop the
# answers; running out of file descriptors pauses TCP without stopping UDP.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound socat dnsperf prlimit setpriv
lab_up
lab_upstream_dns "log-queries: yes"

# an address the host does not have (yet): the collector starts all the same, since the
# audit must run before the VM does (tests/lab/dns_freebind.sh), with one warning naming
# it; a port it may not bind is still a clear error at startup, exit 2
lab_config "[dns]" "listen = 192.0.2.1:53" "forward = 198.51.100.2"
lab_collect
lab_stop TERM && rc=0 || rc=$?
check "listen on a missing address: runs, exits 0" "$rc" 0
check "listen on a missing address: one warning naming it" \
	"$(grep -c 'warning: dns: 192.0.2.1 is not an address of this host yet' "$LAB_DIR/collect.log")" 1
in_host socat -u UDP4-RECV:5353,bind=192.168.83.1 /dev/null &
taken=$!
LAB_PIDS="$LAB_PIDS $taken"
sleep 0.2
lab_config "[dns]" "listen = 192.168.83.1:5353" "forward = 198.51.100.2"
rc=0
msg=$(in_host "$OCA_BIN" collect -c "$LAB_CONF" 2>&1 </dev/null) || rc=$?
kill "$taken"
check "listen on a taken port: exit 2" "$rc" 2
check "listen on a taken port: one line naming it" "$msg" \
	"oc-audit collect: dns: cannot bind udp 192.168.83.1:5353: Address already in use"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"tcp_idle_timeout = 2" "tcp_max_connections = 3"
lab_collect

rcode() { sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$1"; }
# raw HEX: send the bytes over UDP from the VM, print the reply as hex ("" = none)
raw() { printf "$1" | in_vm socat -t 1 - UDP4:192.168.83.1:53 | od -An -tx1 | tr -d ' \n'; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- an outsider (the "internet" namespace) asks the VM's resolver
out=$(in_net drill outsider.example.com @192.168.83.1 2>&1 || true)
check "outsider: REFUSED" "$(rcode "$out")" REFUSED
sleep 0.3
check "outsider: nothing asked upstream" "$(grep -c outsider "$LAB_DIR/upstream-unbound.log" || true)" 0
out=$(in_net drill -t outsider.example.com @192.168.83.1 2>&1 || true)
check "outsider over TCP: connection closed, no answer" "$(grep -c 'ANSWER SECTION' <<<"$out")" 0
# a flood of 300 from outside (spoofed sources would look the same): REFUSED replies are
# limited to 50 a second for all outsiders together, so the resolver is no reflector.
# Each reply is the 19-byte query with QR and REFUSED set.
n=$(in_net bash -c 'exec 3<>/dev/udp/192.168.83.1/53
	for i in $(seq 300); do
		printf "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01" >&3
	done
	timeout 1 cat <&3 | wc -c')
check "outsider flood: 1 to 100 of 300 answered" "$(( n % 19 == 0 && n >= 19 && n <= 1900 ))" 1

# --- malformed packets, each answered FORMERR/NOTIMP or dropped
check "short header: dropped" "$(raw '\x12\x34\x01\x00\x00')" ""
check "QR=1: dropped" "$(raw '\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01')" ""
r=$(raw '\x12\x34\x01\x00\x00\x05\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01')
check "QDCOUNT lying: FORMERR" "${r:0:8}" 12348181
r=$(raw '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\xc0\x0c\x00\x01\x00\x01')
check "compression loop: FORMERR" "${r:0:8}" 12348181
r=$(raw '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x7fabc')
check "label past the end: FORMERR" "${r:0:8}" 12348181
r=$(raw '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x03\x01a\x00\x00\x01\x00\x01')
check "ARCOUNT lying: FORMERR" "${r:0:8}" 12348181
r=$(raw '\x12\x34\x29\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x06\x00\x01')
check "UPDATE opcode: NOTIMP" "${r:0:8}" 1234a984
r=$(raw '\x12\x34\x29\x00\x00\x01\x00\x00\x00\x00\x00\x01\x01a\x00\x00\x06\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x00')
check "UPDATE with EDNS: NOTIMP with an OPT (DO kept)" "${r:0:8} ${r:20:4} ${r:24:6} ${r:38:4}" "1234a984 0001 000029 8000"
r=$(raw '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x03www\x07example\x03com\x00\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x01\x00\x00\x00\x00')
check "EDNS version 1: BADVERS (ext rcode in OPT)" "${r:0:8}${r:76:4}" 123481800100
r=$(raw '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04bind\x00\x00\x10\x00\x03')
check "CHAOS class: REFUSED" "${r:0:8}" 12348185
out=$(in_vm drill www.example.com @192.168.83.1 2>&1 || true)
check "after the garbage a normal query works" "$(grep -c '198.51.100.10' <<<"$out")" 1

# --- TCP: three queries in one connection (IDs 1, 2, 3), answered on it
tq() {  # tq ID NAME-WIRE: one length-prefixed query
	local body="\\x00\\x$1\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00$2\\x00\\x01\\x00\\x01"
	local len=$(printf "$body" | wc -c)
	printf "\\x00\\x$(printf %02x "$len")$body"
}
WWW='\x03www\x07example\x03com\x00'
CDN='\x04cdn1\x07example\x03net\x00'
r=$( { tq 01 "$WWW"; tq 02 "$CDN"; tq 03 "$WWW"; } | in_vm socat -t 2 - TCP4:192.168.83.1:53 |
	od -An -tx1 | tr -d ' \n')
check "TCP: three answers on one connection" "$(grep -o 'c633640a\|c6336414' <<<"$r" | wc -l)" 3

# --- idle timeout (2 s) and the connection cap (3)
t0=$(ms)
in_vm socat -t 0 - TCP4:192.168.83.1:53 < <(sleep 6) >/dev/null 2>&1 || true
t=$(( $(ms) - t0 ))
check "idle TCP connection closed after ~2 s (${t} ms)" "$([ $t -ge 1500 ] && [ $t -lt 4500 ] && echo yes)" yes
# the three holders ask a query (ID 10) every half second, so the idle timeout never
# closes them however long a loaded machine takes to open the fourth
hold() { for i in $(seq 20); do tq 0a "$WWW"; sleep 0.5; done; }
HOLD=""
for i in 1 2 3; do
	hold | in_vm socat -t 1 - TCP4:192.168.83.1:53 >/dev/null 2>&1 &
	HOLD="$HOLD $!"
done
tcp_held() { in_host ss -tn state established '( sport = :53 )' | grep -c ':53 '; }
wait_until 10 at_least 3 tcp_held || true
t0=$(ms)
in_vm socat -t 0 - TCP4:192.168.83.1:53 < <(sleep 10) >/dev/null 2>&1 || true
t=$(( $(ms) - t0 ))
# closed by the cap, not by the idle timeout (2 s) nor by the client (10 s)
check "a 4th TCP connection is closed at once (${t} ms)" "$([ $t -lt 1500 ] && echo yes)" yes
wait $HOLD || true
out=$(in_vm drill -t www.example.com @192.168.83.1 2>&1 || true)
check "TCP works again once they are gone" "$(grep -c '198.51.100.10' <<<"$out")" 1

# --- a locked database: answers keep coming while the writer cannot write
( echo ".timeout 3000"; echo "BEGIN EXCLUSIVE;"; sleep 10; echo "COMMIT;" ) |
	sqlite3 "$LAB_DB" >"$LAB_DIR/lock.log" 2>&1 &
LOCK=$!
sleep 0.3
slow=0
for i in $(seq 20); do
	t0=$(ms)
	out=$(in_vm drill "n$i.example.com" @192.168.83.1 2>&1 || true)
	t=$(( $(ms) - t0 ))
	[ "$(rcode "$out")" = NXDOMAIN ] && [ $t -lt 3000 ] || slow=$((slow + 1))
done
# each well within the lock's 10 s: the resolver never waits for the database
check "DB locked: 20 queries answered at once" "$slow" 0
wait $LOCK || true
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "outsider: not stored" "$(sql "SELECT count(*) FROM dns_queries WHERE qname LIKE 'outsider%'")" 0
check "TCP: three rows, one connection" "$(sql "SELECT count(*) || ' ' || count(DISTINCT cport)
	FROM dns_queries WHERE transport = 'tcp' AND qid IN (1, 2, 3)")" "3 1"
check "locked-DB queries: stored or counted lost" "$(sql "SELECT (SELECT count(*) FROM dns_queries
	WHERE qname GLOB 'n[0-9]*.example.com') + (SELECT coalesce(sum(count), 0) FROM losses) >= 20")" 1
check "malformed counted" "$(sql "SELECT value >= 7 FROM counters WHERE name = 'dns_malformed'")" 1
check "refused counted (UDP once, TCP per connection attempt)" "$(sql "SELECT value >= 2
	FROM counters WHERE name = 'dns_refused'")" 1
check "the 4th TCP connection counted" "$(sql "SELECT value >= 1
	FROM counters WHERE name = 'dns_tcp_dropped'")" 1

# --- the rate limit: 20 q/s per client, a flood of 600 unique names at 2000 q/s
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "rate_limit = 20"
lab_collect
for i in $(seq 600); do echo "flood$i.example.com A"; done > "$LAB_DIR/flood.txt"
in_vm dnsperf -s 192.168.83.1 -d "$LAB_DIR/flood.txt" -n 1 -q 1000 -Q 2000 -t 1 >"$LAB_DIR/dnsperf.txt" 2>&1 || true
sleep 1.2
out=$(in_vm drill www.example.com @192.168.83.1 2>&1 || true)
check "after the flood, within a second, the client is served again" "$(grep -c '198.51.100.10' <<<"$out")" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
stored=$(sql "SELECT count(*) FROM dns_queries WHERE qname LIKE 'flood%'")
limited=$(sql "SELECT coalesce(sum(count), 0) FROM losses WHERE source = 'dns_rate_limited'")
check "flood: at most burst + rate x duration stored ($stored)" "$([ "$stored" -ge 20 ] && [ "$stored" -le 60 ] && echo yes)" yes
check "flood: the rest counted as dns_rate_limited ($limited)" "$((stored + limited))" 600
grep -E 'Queries (sent|completed|lost)' "$LAB_DIR/dnsperf.txt" | sed 's/^/# dnsperf: /'

# --- few file descriptors: the soft limit (48) is raised to the hard one (64) and TCP
# clients get at most half of what is free, so libunbound still has sockets to resolve
# with and UDP is answered; the connections over the cap are closed and counted
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"tcp_max_connections = 1000"
LAB_COLLECT_WRAP="prlimit --nofile=48:64 --" lab_collect
HOLD=""
for i in $(seq 60); do
	in_vm timeout 30 socat -u TCP4:192.168.83.1:53 - >/dev/null 2>&1 &
	HOLD="$HOLD $!"
done
# the clients connect in their own time (60 processes start slowly on a loaded machine)
wait_until 30 sql_is "SELECT value >= 20 FROM counters WHERE name = 'dns_tcp_dropped'" 1 || true
out=$(in_vm drill www.example.com @192.168.83.1 2>&1 || true)
check "60 TCP clients holding on: UDP still resolved" "$(grep -c '198.51.100.10' <<<"$out")" 1
check "soft limit raised to 64, TCP capped below half of it, said at start" \
	"$(grep -cE 'dns: 64 file descriptors, [0-9]+ open: at most ([0-9]|[12][0-9]|3[01]) TCP clients, not 1000' \
	"$LAB_DIR/collect.log")" 1
ip netns pids "$NS_VM" | xargs -r kill 2>/dev/null || true
wait $HOLD 2>/dev/null || true
sleep 1
out=$(in_vm drill -t www.example.com @192.168.83.1 2>&1 || true)
check "descriptors free again: TCP answered" "$(grep -c '198.51.100.10' <<<"$out")" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "the connections over the cap closed and counted" "$(sql "SELECT value >= 20
	FROM counters WHERE name = 'dns_tcp_dropped'")" 1

# --- the descriptors run out while running (here: the limit lowered under the daemon
# to what it has open): accept fails, TCP accepting pauses (said once) instead of the
# loop spinning on a listener that stays readable, and resumes once there is room
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
LAB_COLLECT_WRAP="prlimit --nofile=64:64 --" lab_collect
open_fds=$(ls "/proc/$COLLECT_PID/fd" | wc -l)
as_collector prlimit --pid "$COLLECT_PID" --nofile="$open_fds:64"   # it runs as $LAB_USER
for i in 1 2 3; do
	in_vm socat -t 0.2 - TCP4:192.168.83.1:53 </dev/null >/dev/null 2>&1 || true
done
sleep 0.3
check "out of descriptors: TCP accepting paused, said once" \
	"$(grep -c 'accept: Too many open files; pausing TCP' "$LAB_DIR/collect.log")" 1
as_collector prlimit --pid "$COLLECT_PID" --nofile=64:64
sleep 0.3
out=$(in_vm drill -t www.example.com @192.168.83.1 2>&1 || true)
check "room again: TCP accepted and answered" "$(grep -c '198.51.100.10' <<<"$out")" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
