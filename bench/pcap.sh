#!/bin/bash
# bench/pcap.sh: the capture sensor ([collector] pcap_interface) under load.
#
#   cd build && make -j2 && make tests/lab/flowgen && sudo ../bench/pcap.sh
#
# WAITS FOR: the capture in the collector (`[collector] pcap_interface`, the hellos and
# flow_bytes tables, the pcap_dropped/capture_* counters; branch pipe, "The capture sensor
# in the collector"). Written and landed before that was on main, and smoke-tested
# against no build that has it: until it lands, `collect` refuses pcap_interface and
# every case below stops at its start. Smoke-tested (2 s cases) with the pipe branch's
# build through OCA_BIN; check the table names and counters again once it is in.
#
# In the lab (tests/lab/lib.sh: our own namespaces, torn down on exit), with the rule
# `iifname "br-openclaw" ct state new log ... group 7` and the collector capturing on the
# lab's br-openclaw, three cases (CASES, default "bulk handshakes sensors"):
#
#   bulk        iperf3 from the VM through the bridge to the "internet" namespace, for
#               BULK_S seconds at each of BULK_RATES ("1G max": -b 1G, and unlimited):
#               the throughput iperf3 reached, packets the capture lost (pcap_dropped,
#               capture_uncounted), collector CPU per GB carried, and the TCP payload the
#               capture counted up (flow_bytes.payload_up of iperf3's data streams)
#               against iperf3's own count of bytes sent (diff: counted - iperf3's -
#               its 37-byte cookie per stream; exact is 0), with the VM's TCP
#               retransmissions beside it (a resent segment crosses the wire twice).
#   handshakes  new TCP connections from the VM, each a real TLS 1.3 ClientHello with a
#               name of its own (bench/hellogen.py, HS_WORKERS processes), HS_S seconds
#               at each of HS_RATES ("1000 5000 0": 0 = as fast as the lab goes), once
#               recorded by the collector, once by tshark extracting
#               tls.handshake.extensions_server_name from br-openclaw (the same flood
#               again: same names, same rate). For each: connections made, names
#               recorded (distinct, and every one made), drops, CPU per handshake (the
#               collector's whole process, its capture and writer threads apart; tshark
#               with its dumpcap). The tool "capture" is the collector again with the
#               rule's log statement taken out (NFLOG logs nothing): the writer stores
#               only what the capture made (hellos, byte records), so its whole figure
#               is the capture sensor's own share, what compares with tshark reading
#               the SNI; "oc-audit" also stores each handshake's NFLOG connection.
#   sensors     bench/nflog.sh and bench/dns.sh (oc-audit only) with the capture off,
#               then on (OCA_SET collector.pcap_interface=br-openclaw): their own
#               tables, side by side. NFLOG_RATES ("20000 100000") for nflog.sh,
#               DNS_CASES ("hits misses") for dns.sh (its CASES).
#
# Environment: CASES, BULK_S (10), BULK_RATES, HS_S (10), HS_RATES, HS_WORKERS (4),
# HS_TOOLS ("oc-audit capture tshark"), NFLOG_RATES, DNS_CASES, OUT (append the tables there),
# OCA_SET (extra `collect --set` pairs), BENCH_TMPDIR (/var/tmp/oca-bench), PERF_DIR (a
# folder: the collector's profile over each handshake run, `perf record --call-graph dwarf`
# into PERF_DIR/perf-TOOL-RATE.data; `perf report -i FILE --comms oca-writer` reads one).
set -eu
. "$(dirname "$0")/common.sh"
export OCA_BUILDDIR OCA_BIN OCA_SRCDIR=$SRCDIR
CASES=${CASES:-bulk handshakes sensors}
BULK_S=${BULK_S:-10}
BULK_RATES=${BULK_RATES:-1G max}
HS_S=${HS_S:-10}
HS_RATES=${HS_RATES:-1000 5000 0}
HS_WORKERS=${HS_WORKERS:-4}
HS_TOOLS=${HS_TOOLS:-oc-audit capture tshark}
NFLOG_RATES=${NFLOG_RATES:-20000 100000}

"$BENCH_DIR/deps"
BENCH_TMPDIR=${BENCH_TMPDIR:-/var/tmp/oca-bench}
mkdir -p "$BENCH_TMPDIR"
export TMPDIR=$BENCH_TMPDIR

# the sensors case runs the other benchmarks, each in a lab of its own
case " $CASES " in *" sensors "*)
	for cap in off on; do
		set=${OCA_SET:-}
		[ $cap = off ] || set="collector.pcap_interface=br-openclaw $set"
		echo "== capture $cap" | tee -a "${OUT:-/dev/null}"
		# shellcheck disable=SC2086 # the rates are words
		OCA_SET=$set TOOLS=oc-audit "$BENCH_DIR/nflog.sh" $NFLOG_RATES
		# CASES is this script's: dns.sh has its own (hits, misses), and given ours
		# it ran none of them and printed a header without rows
		OCA_SET=$set TOOLS=oc-audit CASES=${DNS_CASES:-hits misses} "$BENCH_DIR/dns.sh"
	done
esac
case " $CASES " in *" bulk "* | *" handshakes "*) ;; *) exit 0 ;; esac

. "$SRCDIR/tests/lab/lib.sh"
lab_require iperf3 tshark python3
lab_up "$IIF_RULE"
CLK_TCK=$(getconf CLK_TCK)
BULK_DST=198.51.100.7 HS_DST=198.51.100.8       # lab_up gives the "internet" both
lab_config "[collector]" "pcap_interface = br-openclaw" \
	"[policy]" "expect = *.flood.example tcp/443"
# the flood's many short flows: every source port, no TIME_WAIT shortage
in_vm sysctl -qw net.ipv4.ip_local_port_range="1024 65535"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# thread_ticks PID COMM: CPU of the collector's thread COMM (oca-capture, oca-writer)
thread_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && awk '{ print $14 + $15 }' "$t/stat"
	done | awk '{ s += $1 } END { print s + 0 }'
}
# thread_times PID: "COMM UTIME STIME SWITCHES" (ticks, context switches) per thread,
# sorted for join: whether the collector's CPU is its own work (user) or the kernel's
# (system, which without IRQ_TIME_ACCOUNTING includes the softirqs that ran while the
# thread was current), and how often each thread slept and woke (a writer that keeps up
# sleeps and is woken for nearly every event)
thread_times() {
	local t
	for t in /proc/"$1"/task/*; do
		echo "$(tr -d ' ' <"$t/comm")/${t##*/} $(awk '{ print $14, $15 }' "$t/stat")" \
			"$(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status")"
	done 2>/dev/null | sort
}
counter() { sql "SELECT coalesce((SELECT value FROM counters WHERE name = '$1'), 0)"; }
ms() { echo "scale=1; $1 * 1000 / $CLK_TCK" | bc -l; }
retrans() { in_vm awk '/^Tcp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "RetransSegs")
	c = i } else print $c }' /proc/net/snmp; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
head_rev() { git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo '?'; }

# a fresh database per run
collect_fresh() {
	rm -f "$LAB_DB" "$LAB_DB-wal" "$LAB_DB-shm"
	# shellcheck disable=SC2046 # OCA_SET is words
	lab_collect ${OCA_SET:+$(printf -- "--set %s " $OCA_SET)}
	wait_until 20 sql_is "SELECT state FROM sensor_events WHERE source = 'capture'
		ORDER BY id DESC LIMIT 1" up ||
		{ echo "the capture did not start:"; cat "$LAB_DIR/collect.log"; exit 1; }
}

case " $CASES " in *" bulk "*)
	brow() { printf '| %-5s | %9s | %12s | %12s | %6s | %8s | %7s | %7s | %9s | %s |\n' "$@"; }
	{
		echo "pcap bulk $(date -u +%FT%TZ), $(nproc) cores, oc-audit $(head_rev)," \
			"iperf3 ${BULK_S}s from the VM"
		brow rate Mbit/s "iperf3 bytes" "counted up" diff retrans dropped uncount "ms CPU/GB" \
			loadavg
		brow ----- --------- ------------ ------------ ------ -------- ------- ------- --------- \
			-------
	} | tee -a "${OUT:-/dev/null}"
	ip netns exec "$NS_NET" iperf3 -s -B $BULK_DST >"$LAB_DIR/iperf3-server.log" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	wait_until 10 sh -c "ip netns exec $NS_NET ss -lnt | grep -q '$BULK_DST:5201 '" || true
	for rate in $BULK_RATES; do
		collect_fresh
		b=""; [ "$rate" = max ] || b="-b $rate"
		l=$(load) r0=$(retrans) t0=$(cpu_ticks "$COLLECT_PID")
		# shellcheck disable=SC2086 # $b is options
		in_vm iperf3 -c $BULK_DST -t "$BULK_S" $b -J >"$LAB_DIR/iperf3-$rate.json" || true
		sleep 2          # the last flow records and batches
		t1=$(cpu_ticks "$COLLECT_PID") r1=$(retrans)
		lab_stop TERM || true
		j="$LAB_DIR/iperf3-$rate.json"
		bytes=$(jsonq "$j" "j->>'\$.end.sum_sent.bytes'")
		mbps=$(jsonq "$j" "CAST(j->>'\$.end.sum_sent.bits_per_second' / 1e6 AS INTEGER)")
		ports=$(jsonq "$j" "(SELECT group_concat(value->>'\$.local_port')
			FROM json_each(j, '\$.start.connected'))")
		counted=$(sql "SELECT coalesce(sum(payload_up), 0) FROM flow_bytes
			WHERE server = '$BULK_DST' AND sport = 5201 AND cport IN (${ports:-0})")
		# each data stream starts with iperf3's 37-byte cookie, which it does not count
		streams=$(jsonq "$j" "json_array_length(j, '\$.start.connected')")
		brow "$rate" "${mbps:-?}" "${bytes:-?}" "$counted" \
			"$((counted - ${bytes:-0} - 37 * ${streams:-1}))" "$((r1 - r0))" \
			"$(counter pcap_dropped)" "$(counter capture_uncounted)" \
			"$(echo "scale=1; $(ms $((t1 - t0))) * 1000000000 / ${bytes:-1}" | bc -l)" "$l" |
			tee -a "${OUT:-/dev/null}"
	done
esac

case " $CASES " in *" handshakes "*)
	hrow() { printf '| %-8s | %6s | %8s | %8s | %8s | %7s | %10s | %10s | %10s | %s |\n' \
		"$@"; }
	{
		echo "pcap handshakes $(date -u +%FT%TZ), $(nproc) cores, oc-audit $(head_rev)," \
			"${HS_S}s of new TLS connections, $HS_WORKERS client processes"
		hrow tool rate "made/s" made recorded dropped "us CPU/hs" "capture us" "writer us" \
			loadavg
		hrow -------- ------ -------- -------- -------- ------- ---------- ---------- \
			---------- -------
	} | tee -a "${OUT:-/dev/null}"
	ip netns exec "$NS_NET" python3 "$BENCH_DIR/hellogen.py" server $HS_DST 443 "$HS_WORKERS" \
		>"$LAB_DIR/hello-server.log" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	wait_until 10 sh -c "ip netns exec $NS_NET ss -lnt | grep -q '$HS_DST:443 '" || true
	run=0
	for rate in $HS_RATES; do
		for tool in $HS_TOOLS; do
			run=$((run + 1))
			prefix="r$rate"          # the same names for both tools
			l=$(load)
			if [ $tool != tshark ]; then
				# capture: NFLOG logs nothing, the writer stores the capture's rows only
				[ $tool = oc-audit ] || lab_rule 'iifname "br-openclaw" ct state new counter'
				collect_fresh
				thread_times "$COLLECT_PID" >"$LAB_DIR/threads0"
				t0=$(cpu_ticks "$COLLECT_PID") c0=$(thread_ticks "$COLLECT_PID" oca-capture)
				w0=$(thread_ticks "$COLLECT_PID" oca-writer)
				if [ -n "${PERF_DIR:-}" ]; then
					perf record -q -F 499 --call-graph dwarf,16384 -p "$COLLECT_PID" \
						-o "$PERF_DIR/perf-$tool-$rate.data" 2>"$LAB_DIR/perf.err" &
					PERF_PID=$!
				fi
			else
				ip netns exec "$NS_HOST" /usr/bin/time -f "%U %S" -o "$LAB_DIR/tshark.time" \
					tshark -n -l \
					-i br-openclaw -f "src net 192.168.83.0/24 and tcp port 443" \
					-Y "tls.handshake.type == 1" -T fields \
					-e tls.handshake.extensions_server_name \
					>"$LAB_DIR/tshark.out" 2>"$LAB_DIR/tshark.err" &
				TSHARK_TIME=$!
				LAB_PIDS="$LAB_PIDS $TSHARK_TIME"
				wait_until 20 grep -q "Capturing on" "$LAB_DIR/tshark.err" || true
			fi
			out=$(in_vm python3 "$BENCH_DIR/hellogen.py" client $HS_DST 443 "$rate" "$HS_S" \
				"$prefix" "$HS_WORKERS")
			made=$(awk '{ print $2 }' <<<"$out")
			sleep 2
			if [ $tool != tshark ]; then
				t1=$(cpu_ticks "$COLLECT_PID") c1=$(thread_ticks "$COLLECT_PID" oca-capture)
				w1=$(thread_ticks "$COLLECT_PID" oca-writer)
				if [ -n "${PERF_DIR:-}" ]; then
					kill -INT "$PERF_PID" 2>/dev/null || true
					wait "$PERF_PID" || true
				fi
				thread_times "$COLLECT_PID" >"$LAB_DIR/threads1"
				join "$LAB_DIR/threads0" "$LAB_DIR/threads1" | awk -v hz="$CLK_TCK" \
					-v r="$rate" -v tool="$tool" \
					'{ u = ($5 - $2) * 1000 / hz; s = ($6 - $3) * 1000 / hz }
					u + s > 0 { l = l sprintf(" %s %d+%d/%d", $1, u, s, $7 - $4) }
					END { print "# " tool " " r ": thread ms user+sys/switches" l }' >&2
				lab_stop TERM || true
				[ $tool = oc-audit ] || lab_rule "$IIF_RULE"
				[ -z "${PERF_DIR:-}" ] || cp "$LAB_DB" "$PERF_DIR/audit-$tool-$rate.db"
				rec=$(sql "SELECT count(DISTINCT name) FROM hellos
					WHERE name LIKE '$prefix-%.flood.example'")
				# every loss the collector counted, whatever its source (queue, capture...)
				drop=$(sql "SELECT coalesce(sum(count), 0) FROM losses")
				echo "# $tool $rate: counters $(sql "SELECT group_concat(name || '=' ||
					value, ' ') FROM counters WHERE value > 0")" >&2
				cpu=$((t1 - t0)) cap=$((c1 - c0)) wri=$((w1 - w0))
			else
				# tshark stops on SIGINT and says what dumpcap dropped
				kill -INT $(pgrep -P "$TSHARK_TIME") 2>/dev/null || true
				wait "$TSHARK_TIME" || true
				LAB_PIDS=$(echo "$LAB_PIDS" | tr ' ' '\n' | grep -vx "$TSHARK_TIME" | tr '\n' ' ')
				rec=$(grep "^$prefix-.*\.flood\.example$" "$LAB_DIR/tshark.out" | sort -u | wc -l)
				drop=$(sed -n 's/.* \([0-9]*\) packets\{0,1\} dropped.*/\1/p' \
					"$LAB_DIR/tshark.err" | head -1)
				cpu=$(awk -v hz="$CLK_TCK" '{ printf "%d", ($1 + $2) * hz }' \
					"$LAB_DIR/tshark.time")
				cap=- wri=-
			fi
			us() { if [ "$1" = - ]; then echo -; else
				echo "scale=1; $1 * 1000000 / $CLK_TCK / ${made:-1}" | bc -l; fi; }
			hrow "$tool" "$rate" "$(echo "scale=0; ${made:-0} / $HS_S" | bc -l)" \
				"${made:-?}" "$rec" "${drop:-0}" "$(us "$cpu")" "$(us "$cap")" "$(us "$wri")" \
				"$l" | tee -a "${OUT:-/dev/null}"
		done
	done
esac
