#!/bin/bash
# bench/dns.sh: the DNS path, oc-audit's embedded resolver against Debian's unbound with
# query and reply logging, both forwarding to the same lab upstream.
#
#   cd build && sudo ../bench/dns.sh
#
# In the lab (tests/lab/lib.sh: our own namespaces, torn down on exit): an upstream
# unbound in the "internet" namespace on 198.51.100.2 (lab_upstream_dns, plus a
# `local-zone: "bench.example.com." redirect` so every name under it answers A
# 198.51.100.50). On 192.168.83.1:53 in the host namespace, one after the other (never
# both bound), the resolver under test:
#   oc-audit   collect with [dns] listen = 192.168.83.1:53, forward = 198.51.100.2,
#              rate_limit = 0 (it logs every query and answer into its database)
#   unbound    Debian's daemon, 1 thread, log-queries: yes, log-replies: yes (to a file)
#   unbound-nolog  the same without logging (what "logging that costs nothing" would be)
#   unbound-syslog the same logging to syslog, Debian's default (use-syslog: yes, no
#              logfile), as a unit started from the deployment plan's config would log.
#              This box has no syslog daemon, so unbound runs in a private mount
#              namespace whose /dev (a tmpfs: null, zero, random, urandom and log) has
#              socat on /dev/log appending every datagram to a file: the cheapest
#              receiver there is.
#   unbound-journald  the same logging to syslog, received by systemd-journald as on a
#              Debian 12 host (and in the deployment plan, which reads unbound's log
#              with journalctl): Debian's journald, run alone in the same kind of
#              private mount namespace (tmpfs /run and /etc/systemd, its persistent
#              journal in the lab directory, /dev/log its socket), with JOURNALD_CONF
#              as its [Journal] settings ("RateLimitBurst=0": every line kept, so that
#              the comparison is of logging everything; Debian's default keeps 10 000
#              lines per 30 s per systemd unit, times 1-6 with the free disk space, and
#              drops the rest, which journald without systemd never applies).
# dnsperf runs in the VM namespace (UDP, 1 thread): first HITS_S seconds over 5 cached
# names (after one priming pass), then one pass over 100k distinct names under
# bench.example.com (every one a cache miss, a fresh resolver). For each: QPS,
# p50/p99 latency (from dnsperf -v, per query), lost queries, CPU of the resolver
# process per answered query (utime+stime over the run), VmRSS after the run, and how
# many queries were logged. For the syslog variants the CPU column includes the log
# receiver's (socat, journald), the part of logging that happens in another process.
#
# The saturated runs' latency is mostly queueing (OUTSTANDING queries in flight), so the
# hits and misses are also run at a fixed LAT_QPS for latency alone (5 s; the misses
# after the saturated pass, over 5 * LAT_QPS other names, so each is still a miss).
#
# Environment: HITS_S (10), MISSES (100000), CLIENTS (8), OUTSTANDING (200), LAT_QPS
# (5000), TOOLS ("oc-audit unbound unbound-syslog unbound-nolog"; also
# unbound-journald), CASES ("hits misses", or either), JOURNALD_CONF
# ("RateLimitBurst=0"), OUT (append the table there), PERF_DIR (record `perf record -g`
# of the resolver process there, per case, and its /proc/PID/smaps and dnsperf's
# per-query lines after the case;
# PERF_FREQ samples per second, 499; PERF_CALLGRAPH the way to record stacks, "-g", or
# "--call-graph dwarf" for libraries without frame pointers; PERF_SCHED=1 records the
# scheduler's switches and wakeups on all CPUs instead, for `perf sched timehist`),
# OCA_SET (extra `collect --set` key=value pairs, space separated), BENCH_TMPDIR (where
# the lab directory goes, /var/tmp/oca-bench).
set -eu
. "$(dirname "$0")/common.sh"
export OCA_BUILDDIR OCA_BIN OCA_SRCDIR=$SRCDIR
HITS_S=${HITS_S:-10}
MISSES=${MISSES:-100000}
CLIENTS=${CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-200}
TOOLS=${TOOLS:-oc-audit unbound unbound-syslog unbound-nolog}
LAT_QPS=${LAT_QPS:-5000}
JOURNALD_CONF=${JOURNALD_CONF:-RateLimitBurst=0}
CASES=${CASES:-hits misses}

"$BENCH_DIR/deps"
# the lab directory (databases, logs) in a directory of the benchmarks' own, on disk
BENCH_TMPDIR=${BENCH_TMPDIR:-/var/tmp/oca-bench}
mkdir -p "$BENCH_TMPDIR"
export TMPDIR=$BENCH_TMPDIR
. "$SRCDIR/tests/lab/lib.sh"
lab_require
lab_up
lab_config
lab_upstream_dns 'local-zone: "bench.example.com." redirect' \
	'local-data: "bench.example.com. 300 IN A 198.51.100.50"'
CLK_TCK=$(getconf CLK_TCK)

cat >"$LAB_DIR/hits.txt" <<'EOF'
api.telegram.org A
openrouter.ai A
www.example.com A
www.example.com AAAA
cdn1.example.net A
EOF
awk -v n="$MISSES" 'BEGIN { for (i = 1; i <= n; i++) printf "m%06d.bench.example.com A\n", i }' \
	>"$LAB_DIR/misses.txt"
awk -v n="$((LAT_QPS * 5))" 'BEGIN { for (i = 1; i <= n; i++) printf "r%06d.bench.example.com A\n", i }' \
	>"$LAB_DIR/misses-rate.txt"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# the CPU of the resolver under test and of its log receiver, if it has one
resolver_ticks() {
	local r=0
	[ ! -f "$LAB_DIR/receiver.pid" ] || r=$(cpu_ticks "$(cat "$LAB_DIR/receiver.pid")")
	echo $(($(cpu_ticks "$PID") + r))
}
# thread_ticks: "TID COMM TICKS" per thread of $PID, sorted for join
thread_ticks() {
	local t
	for t in /proc/"$PID"/task/*; do
		echo "${t##*/} $(tr -d ' ' <"$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")"
	done 2>/dev/null | sort
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# The start of the syslog variants' inner script, run in a private mount namespace: a
# /dev of its own (tmpfs) with the devices unbound needs, where /dev/log is the socket
# of their log receiver.
PRIVATE_DEV='
	set -e
	mount -t tmpfs -o mode=755 oca-bench-dev /dev
	mknod -m 666 /dev/null c 1 3
	mknod -m 666 /dev/zero c 1 5
	mknod -m 666 /dev/random c 1 8
	mknod -m 666 /dev/urandom c 1 9'

# start_resolver TOOL: sets PID
start_resolver() {
	local tool=$1 i
	case $tool in
	oc-audit)
		DB="$LAB_DIR/db/dns-bench.db"
		rm -f "$DB" "$DB-wal" "$DB-shm"
		ip netns exec "$NS_HOST" "$OCA_BIN" collect -c "$LAB_CONF" \
			--set "collector.database=$DB" --set dns.listen=192.168.83.1:53 \
			--set dns.forward=198.51.100.2 --set dns.rate_limit=0 \
			${OCA_SET:+$(printf -- "--set %s " $OCA_SET)} \
			>"$LAB_DIR/resolver.log" 2>&1 &
		;;
	unbound | unbound-nolog | unbound-syslog | unbound-journald)
		local logq=yes syslog=no
		[ "$tool" = unbound-nolog ] && logq=no
		[ "$tool" != unbound-syslog ] && [ "$tool" != unbound-journald ] || syslog=yes
		: >"$LAB_DIR/unbound-queries.log"
		rm -rf "$LAB_DIR/journal"
		cat >"$LAB_DIR/unbound.conf" <<EOF
server:
	interface: 192.168.83.1
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$LAB_DIR"
	pidfile: ""
	use-syslog: $syslog
$([ $syslog = yes ] || printf '\tlogfile: "%s"' "$LAB_DIR/unbound-queries.log")
	verbosity: 0
	log-queries: $logq
	log-replies: $logq
	num-threads: 1
	do-ip6: no
	access-control: 192.168.83.0/24 allow
	local-zone: "test." nodefault
forward-zone:
	name: "."
	forward-addr: 198.51.100.2
remote-control:
	control-enable: no
EOF
		if [ "$tool" = unbound-journald ]; then
			mkdir -p "$LAB_DIR/journal"
			# shellcheck disable=SC2016 # expanded by the inner shell
			ip netns exec "$NS_HOST" unshare -m --propagation private sh -c "$PRIVATE_DEV"'
				# ip netns exec mounts a /sys of its own, without the cgroups
				mountpoint -q /sys/fs/cgroup || mount -t cgroup2 oca-bench-cg /sys/fs/cgroup
				mount -t tmpfs -o mode=755 oca-bench-run /run
				mkdir -p /run/systemd/journal
				mount -t tmpfs -o mode=755 oca-bench-etc /etc/systemd
				printf "[Journal]\nStorage=persistent\n%s\n" "$3" \
					>/etc/systemd/journald.conf
				mount -t tmpfs -o mode=755 oca-bench-log /var/log
				mkdir /var/log/journal
				mount --bind "$1" /var/log/journal
				/lib/systemd/systemd-journald </dev/null >"$1.log" 2>&1 &
				echo $! >"$(dirname "$1")/receiver.pid"
				while [ ! -S /run/systemd/journal/dev-log ]; do sleep 0.05; done
				kill -USR1 $!    # from /run to /var/log/journal, as at boot
				ln -s /run/systemd/journal/dev-log /dev/log
				exec unbound -d -c "$2"' sh "$LAB_DIR/journal" \
				"$LAB_DIR/unbound.conf" "$(echo "$JOURNALD_CONF" | tr " " "\n")" \
				>"$LAB_DIR/resolver.log" 2>&1 &
		elif [ $syslog = yes ]; then
			# shellcheck disable=SC2016 # expanded by the inner shell
			ip netns exec "$NS_HOST" unshare -m --propagation private sh -c "$PRIVATE_DEV"'
				socat -u UNIX-RECV:/dev/log,mode=666 \
					OPEN:"$1",creat,append &
				echo $! >"$(dirname "$1")/receiver.pid"
				while [ ! -S /dev/log ]; do sleep 0.05; done
				exec unbound -d -c "$2"' sh "$LAB_DIR/unbound-queries.log" \
				"$LAB_DIR/unbound.conf" >"$LAB_DIR/resolver.log" 2>&1 &
		else
			ip netns exec "$NS_HOST" unbound -d -c "$LAB_DIR/unbound.conf" \
				>"$LAB_DIR/resolver.log" 2>&1 &
		fi
		;;
	esac
	PID=$!
	LAB_PIDS="$LAB_PIDS $PID"
	for i in $(seq 100); do
		if in_vm drill www.example.com @192.168.83.1 2>/dev/null | grep -q 198.51.100.10; then
			# the log receiver goes down with the lab too
			[ ! -f "$LAB_DIR/receiver.pid" ] || LAB_PIDS="$LAB_PIDS $(cat "$LAB_DIR/receiver.pid")"
			return 0
		fi
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "$tool did not start:"
	cat "$LAB_DIR/resolver.log"
	exit 1
}

stop_resolver() {
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	# the syslog variants' receiver, once unbound has said all it will
	if [ -f "$LAB_DIR/receiver.pid" ]; then
		local rpid
		rpid=$(cat "$LAB_DIR/receiver.pid")
		kill -TERM "$rpid" 2>/dev/null || true
		rm -f "$LAB_DIR/receiver.pid"
		LAB_PIDS=$(echo "$LAB_PIDS" | tr ' ' '\n' | grep -vx "$rpid" | tr '\n' ' ')
	fi
	LAB_PIDS=$(echo "$LAB_PIDS" | tr ' ' '\n' | grep -vx "$PID" | tr '\n' ' ')
}

# logged: queries the resolver has logged so far
logged() {
	case $1 in
	oc-audit) sqlite3 "$DB" "SELECT count(*) FROM dns_queries" 2>/dev/null || echo 0 ;;
	# "info: CLIENT NAME. TYPE IN" is a query; a reply has rcode, time, ... after IN
	# (to syslog the line has no newline: the datagrams are appended back to back)
	unbound-journald)
		journalctl -D "$LAB_DIR/journal" -t unbound -o cat 2>/dev/null |
			grep -cE 'info: [0-9.]+ [^ ]+ [^ ]+ IN$' || true ;;
	unbound*) grep -oE 'info: [0-9.]+ [^ ]+ [^ ]+ IN($|<)' "$LAB_DIR/unbound-queries.log" | wc -l ;;
	esac
}

row() {
	printf '| %-8s | %-6s | %8s | %7s | %7s | %13s | %8s | %8s | %8s | %s |\n' "$@"
}

# measure TOOL CASE DNSPERF-ARGS...: one dnsperf run against the running resolver
measure() {
	local tool=$1 case=$2 t0 t1 out="$LAB_DIR/dnsperf-$1-$2" load sent done lost qps l0
	shift 2
	sleep 1.5       # what came before is committed / flushed
	l0=$(logged "$tool")
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(resolver_ticks)
	thread_ticks >"$out.threads0"
	local perf_pid=
	if [ -n "${PERF_DIR:-}" ]; then
		mkdir -p "$PERF_DIR"
		# PERF_SCHED: the scheduler's switches and wakeups, all CPUs, instead of samples
		local how="-q -F ${PERF_FREQ:-499} ${PERF_CALLGRAPH:--g} -p $PID"
		[ -z "${PERF_SCHED:-}" ] || how="-g -a -e sched:sched_switch,sched:sched_wakeup,sched:sched_migrate_task"
		# shellcheck disable=SC2086 # $how is options
		perf record $how -o "$PERF_DIR/$tool-$case.data" >/dev/null 2>&1 &
		perf_pid=$!
	fi
	in_vm dnsperf -s 192.168.83.1 -c "$CLIENTS" -T 1 -q "$OUTSTANDING" -t 2 -v "$@" \
		>"$out.v" 2>"$out.err" || true
	if [ -n "$perf_pid" ]; then
		kill -TERM "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" || true
		cat "/proc/$PID/smaps" >"$PERF_DIR/$tool-$case.smaps"
	fi
	# dnsperf's per-query lines too, for the latency over time
	[ -z "${PERF_DIR:-}" ] || cp "$out.v" "$PERF_DIR/$tool-$case.dnsperf"
	t1=$(resolver_ticks)
	thread_ticks >"$out.threads1"
	# where the CPU went, per thread (main, nflog, writer, resolver, ... for oc-audit)
	join "$out.threads0" "$out.threads1" | awk -v hz="$CLK_TCK" \
		'$5 - $3 > 0 { printf "%s%s:%s %dms", sep, $1, $2, ($5 - $3) * 1000 / hz; sep = ", " }
		END { print "" }' | sed "s/^/    ($tool $case threads: /; s/\$/)/" >&2
	sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$out.v")
	done=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$out.v")
	lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$out.v")
	qps=$(sed -n 's/^ *Queries per second: *\([0-9]*\).*/\1/p' "$out.v")
	# -v prints one line per answered query, its latency in seconds last
	awk '$1 == ">" && $2 != "T" && NF == 5 { print $NF }' "$out.v" | sort -g >"$out.lat"
	local n p50 p99
	n=$(wc -l <"$out.lat")
	p50=$(awk -v n="$n" 'NR == int(n * 0.50) + 1 { printf "%.2f", $1 * 1000; exit }' "$out.lat")
	p99=$(awk -v n="$n" 'NR == int(n * 0.99) + 1 { printf "%.2f", $1 * 1000; exit }' "$out.lat")
	sleep 1.5       # the collector commits its batch (100 ms) and unbound flushes its log
	row "$tool" "$case" "${qps:-?}" "${p50:-?}" "${p99:-?}" "${lost:-?}/${sent:-?}" \
		"$(echo "scale=1; ($t1 - $t0) * 1000000 / $CLK_TCK / ${done:-1}" | bc -l)" \
		"$(awk -v k="$(rss_kib "$PID")" 'BEGIN { printf "%.1f MiB", k / 1024 }')" "$(($(logged "$tool") - l0))" "$load"
}

{
	echo "dns bench $(date -u +%FT%TZ), $(nproc) cores," \
		"oc-audit $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo '?')," \
		"dnsperf -c $CLIENTS -T 1 -q $OUTSTANDING, UDP"
	row resolver case QPS "p50 ms" "p99 ms" lost/sent "us CPU/q" RSS logged loadavg
	row -------- ------ -------- ------- ------- ------------- -------- -------- -------- -------
} | tee -a "${OUT:-/dev/null}"
for tool in $TOOLS; do
	case " $CASES " in *" hits "*)
		start_resolver "$tool"
		in_vm dnsperf -s 192.168.83.1 -d "$LAB_DIR/hits.txt" -n 1 >/dev/null 2>&1 || true
		measure "$tool" hits -d "$LAB_DIR/hits.txt" -l "$HITS_S" | tee -a "${OUT:-/dev/null}"
		# latency when not saturated: the same names at a fixed LAT_QPS
		measure "$tool" "hits@${LAT_QPS}" -d "$LAB_DIR/hits.txt" -l 5 -Q "$LAT_QPS" |
			tee -a "${OUT:-/dev/null}"
		stop_resolver
	esac
	case " $CASES " in *" misses "*)
		start_resolver "$tool"       # cold cache
		measure "$tool" misses -d "$LAB_DIR/misses.txt" -n 1 -l 60 | tee -a "${OUT:-/dev/null}"
		measure "$tool" "misses@${LAT_QPS}" -d "$LAB_DIR/misses-rate.txt" -n 1 -l 10 \
			-Q "$LAT_QPS" | tee -a "${OUT:-/dev/null}"
		stop_resolver
	esac
done
