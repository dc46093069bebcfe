#!/bin/bash
# bench/nflog.sh: NFLOG -> SQLite, oc-audit against Debian's ulogd2 (NFLOG -> SQLITE3).
#
#   cd build && sudo ../bench/nflog.sh [RATE ...]        (default 5000 20000 50000 100000)
#
# In the lab (tests/lab/lib.sh: our own namespaces, torn down on exit), the VM namespace
# floods the host's forward chain with new UDP flows (flowgen, one packet per flow, every
# flow distinct) at each RATE for DURATION seconds, once with `oc-audit collect` bound to
# NFLOG group 7 and once with ulogd2 bound to it instead (never both at once). For each
# run: flows the kernel logged (the rule's nft counter), rows stored, losses the
# collector counted, CPU (user+sys of the whole process life, GNU time), peak RSS, and
# database bytes per stored row. Each run gets a fresh database on the same disk.
#
# Environment: DURATION (10 s), GRACE (seconds each tool gets after the flood before
# SIGTERM, 3), TOOLS ("oc-audit ulogd2"), OUT (also append the table there), OCA_SET
# (extra `collect --set` key=value pairs, space separated), BENCH_TMPDIR (where the lab
# directory goes, /var/tmp/oca-bench), KEEP_DB (a directory: each run's database is moved
# there instead of deleted, e.g. for `oc-audit verify` by another build), SWEEP (set:
# each flood starts DURATION/2 s before a minute turns, DURATION < 60, so that the
# capture's end-of-minute sweep of its live flows falls in the middle of every run).
set -eu
. "$(dirname "$0")/common.sh"
export OCA_BUILDDIR OCA_BIN OCA_SRCDIR=$SRCDIR
RATES=${*:-5000 20000 50000 100000}
DURATION=${DURATION:-10}
GRACE=${GRACE:-3}
TOOLS=${TOOLS:-oc-audit ulogd2}

"$BENCH_DIR/deps"
# the lab directory (databases, logs) in a directory of the benchmarks' own, on disk
BENCH_TMPDIR=${BENCH_TMPDIR:-/var/tmp/oca-bench}
mkdir -p "$BENCH_TMPDIR"
export TMPDIR=$BENCH_TMPDIR
. "$SRCDIR/tests/lab/lib.sh"
lab_require
[ -x "$FLOWGEN" ] || { echo "build tests/lab/flowgen first (make tests/lab/flowgen)"; exit 99; }
ULOGD_PLUGINS=$(dirname "$(dpkg -L ulogd2 | grep 'ulogd_inppkt_NFLOG.so$' | head -1)")

RULE='ip saddr 192.168.83.2 ct state new counter log prefix "openclaw-vm: " group 7'
lab_up "$RULE"
lab_config
CLK_TCK=$(getconf CLK_TCK)
OFF=0        # flowgen offset: every flow of the whole run is a new one

# 198.51.100.2 must not answer with ICMP port unreachable for every flood packet
in_net nft -f - <<'NFT'
table inet bench {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 10000-10063 drop
	}
}
NFT

kernel_seen() {
	in_host nft list chain inet openclaw-monitor forward |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1
}

# cpu_ticks PID: utime + stime so far
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# thread_ticks PID COMM: utime + stime of the collector's thread COMM so far (empty: none)
thread_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && awk '{ print $14 + $15 }' "$t/stat"
	done | awk '{ s += $1 } END { if (NR) print s }'
}
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# start_tool TOOL DB: start it under GNU time in the host namespace; sets TIME_PID, PID
start_tool() {
	local tool=$1 db=$2 i
	case $tool in
	oc-audit)
		ip netns exec "$NS_HOST" /usr/bin/time -v -o "$LAB_DIR/time.txt" \
			"$OCA_BIN" collect -c "$LAB_CONF" --set "collector.database=$db" \
			${OCA_SET:+$(printf -- "--set %s " $OCA_SET)} \
			>"$LAB_DIR/tool.log" 2>&1 &
		;;
	ulogd2)
		sqlite3 "$db" "CREATE TABLE ulog_pkt (oob_time_sec INTEGER, oob_time_usec INTEGER,
			oob_prefix TEXT, oob_in TEXT, oob_out TEXT, ip_saddr_str TEXT,
			ip_daddr_str TEXT, ip_protocol INTEGER, udp_sport INTEGER, udp_dport INTEGER,
			tcp_sport INTEGER, tcp_dport INTEGER, raw_pktlen INTEGER)"
		cat >"$LAB_DIR/ulogd.conf" <<EOF
[global]
logfile="$LAB_DIR/ulogd.log"
loglevel=3
plugin="$ULOGD_PLUGINS/ulogd_inppkt_NFLOG.so"
plugin="$ULOGD_PLUGINS/ulogd_raw2packet_BASE.so"
plugin="$ULOGD_PLUGINS/ulogd_filter_IFINDEX.so"
plugin="$ULOGD_PLUGINS/ulogd_filter_IP2STR.so"
plugin="$ULOGD_PLUGINS/ulogd_output_SQLITE3.so"
stack=log1:NFLOG,base1:BASE,ifi1:IFINDEX,ip2str1:IP2STR,sqlite3_pkt:SQLITE3

[log1]
group=7
netlink_socket_buffer_size=8388608
netlink_socket_buffer_maxsize=134217728

[sqlite3_pkt]
table="ulog_pkt"
db="$db"
EOF
		: >"$LAB_DIR/ulogd.log"
		ip netns exec "$NS_HOST" /usr/bin/time -v -o "$LAB_DIR/time.txt" \
			/usr/sbin/ulogd -c "$LAB_DIR/ulogd.conf" >"$LAB_DIR/tool.log" 2>&1 &
		;;
	esac
	TIME_PID=$!
	LAB_PIDS="$LAB_PIDS $TIME_PID"
	PID=""
	for i in $(seq 100); do
		[ -z "$PID" ] && PID=$(pgrep -P "$TIME_PID" || true)
		if [ -n "$PID" ]; then
			case $tool in
			oc-audit) grep -q "collecting:" "$LAB_DIR/tool.log" && break ;;
			ulogd2) [ "$i" -ge 10 ] && break ;;  # no ready line: give it 1 s
			esac
		fi
		kill -0 "$TIME_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$PID" ] || ! kill -0 "$PID" 2>/dev/null; then
		echo "$tool did not start:"; cat "$LAB_DIR/tool.log" "$LAB_DIR/ulogd.log" 2>/dev/null
		exit 1
	fi
	LAB_PIDS="$LAB_PIDS $PID"
}

stop_tool() {
	kill -TERM "$PID"
	wait "$TIME_PID" || true
	LAB_PIDS=$(echo "$LAB_PIDS" | tr ' ' '\n' | grep -vx -e "$PID" -e "$TIME_PID" | tr '\n' ' ')
}

row() {
	printf '| %-8s | %6s | %-7s | %8s | %8s | %8s | %6s | %7s | %9s | %8s | %6s | %8s | %s |\n' "$@"
}

header() {
	row tool rate sent/s kernel stored lost% cpu_s "s/100k" "us/stored" "peak RSS" "B/row" \
		"collector lost" loadavg
	row -------- ------ ------- -------- -------- -------- ------ ------- --------- -------- \
		------ -------- -------
}

run_one() {
	local tool=$1 rate=$2 n=$(($2 * DURATION)) db load sent seen stored lost_count
	local t0 t1 w1 c1 wr user sys rss bytes cpu
	db="$LAB_DIR/db/$tool-$rate.db"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	lab_rule "$RULE"            # reload: the counter starts at 0
	start_tool "$tool" "$db"
	if [ -n "${SWEEP:-}" ] && [ "$DURATION" -lt 60 ]; then
		# the flood's middle on a minute's turn: the capture's sweep falls inside it
		while [ "$(date -u +%-S)" -ne $(((60 - DURATION / 2) % 60)) ]; do sleep 0.2; done
	fi
	t0=$(cpu_ticks "$PID")
	sent=$(in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n "$n" -r "$rate" \
		-p 10000 -P 64 -o "$OFF" | sed -n 's/.*(\([0-9]*\)\/s).*/\1/p')
	OFF=$((OFF + n))
	sleep "$GRACE"
	seen=$(kernel_seen)
	t1=$(cpu_ticks "$PID")
	w1=$(thread_ticks "$PID" oca-writer)
	c1=$(thread_ticks "$PID" oca-capture)
	rss=$(hwm_kib "$PID")
	stop_tool
	case $tool in
	oc-audit)
		stored=$(sqlite3 "$db" "SELECT count(*) FROM connections")
		lost_count=$(sqlite3 "$db" "SELECT coalesce(group_concat(source || ':' || n), 0)
			FROM (SELECT source, sum(count) AS n FROM losses GROUP BY source)")
		;;
	ulogd2)
		stored=$(sqlite3 "$db" "SELECT count(*) FROM ulog_pkt")
		lost_count="-"
		;;
	esac
	bytes=$(($(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0)))
	user=$(sed -n 's/.*User time (seconds): //p' "$LAB_DIR/time.txt")
	sys=$(sed -n 's/.*System time (seconds): //p' "$LAB_DIR/time.txt")
	cpu=$(echo "$user + $sys" | bc -l)
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$LAB_DIR/time.txt")
	row "$tool" "$rate" "$sent" "$seen" "$stored" \
		"$(echo "scale=2; 100 - 100 * $stored / $seen" | bc -l)" "$cpu" \
		"$(echo "scale=3; $cpu * 100000 / $seen" | bc -l)" \
		"$(echo "scale=2; if ($stored > 0) $cpu * 1000000 / $stored else 0" | bc -l)" \
		"$((rss / 1024)) MiB" "$((stored > 0 ? bytes / stored : 0))" "$lost_count" "$load"
	wr=""
	[ -n "$w1" ] && wr=", writer thread $((w1 * 1000 / CLK_TCK)) ms, $(echo "scale=2;
		if ($stored > 0) $w1 * 1000000 / $CLK_TCK / $stored else 0" | bc -l) us/stored"
	[ -n "$c1" ] && wr="$wr, capture thread $((c1 * 1000 / CLK_TCK)) ms"
	echo "    ($tool, $rate/s: flood-window CPU $(((t1 - t0) * 1000 / CLK_TCK)) ms," \
		"DB $((bytes / 1024)) KiB$wr)" >&2
	if [ -n "${KEEP_DB:-}" ]; then
		mkdir -p "$KEEP_DB"
		mv -f "$db" "$db-wal" "$db-shm" "$KEEP_DB/" 2>/dev/null || true
	fi
	rm -f "$db" "$db-wal" "$db-shm"
	sleep 2                      # conntrack and the softirqs settle
}

{
	echo "nflog bench $(date -u +%FT%TZ), $(nproc) cores, kernel $(uname -r)," \
		"oc-audit $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo '?')," \
		"$DURATION s per rate"
	header
} | tee -a "${OUT:-/dev/null}"
for rate in $RATES; do
	for tool in $TOOLS; do
		run_one "$tool" "$rate" | tee -a "${OUT:-/dev/null}"
	done
done
