#!/bin/bash
# bench/enforce.sh: enforce mode under the bot's pattern, resolve then connect, at fixed
# rates and at the most the lab reaches (issue 22, item 6).
#
#   cd build && sudo ../bench/enforce.sh
#
# In the lab (tests/lab/lib.sh: our own namespaces, torn down on exit): an upstream
# unbound answering NAMES names n0..n(NAMES-1).bench.example.com, each with an address of
# its own among 198.51.100.64..127 (assigned in the "internet" namespace, where nothing
# listens on PORT: a connection that passes the firewall is refused, one that is dropped
# times out). The collector runs with [policy] expect = *.bench.example.com tcp/PORT and
# the lab's log rule, first in enforce mode (the ruleset of `oc-audit enforce-rules`
# installed), then in audit mode (no enforce table) as the baseline. For each RATES entry
# bench/enforce_client.py runs in the VM namespace for RUN_S seconds: resolve the next name,
# connect to the answer at once ("max": PAR clients, each as fast as it goes).
#
# Per run: cycles, false drops (connections to an answered, expected address that timed
# out: target 0, the set holds the address before the answer leaves), DNS latency
# p50/p99 as the client saw it (the added latency is enforce's minus audit's at the same
# rate: target p99 < 1 ms), and in enforce mode the CPU of the netadm helper and of the
# collector per answer (each answer is one set update: one request, one nftables
# transaction).
#
# Environment: RATES ("100 1000 max"), RUN_S (20, seconds per run), PAR (4, clients for
# "max"), NAMES (64, at most 64), PORT (80), MODES ("enforce audit"), OUT (append the
# table there), BENCH_TMPDIR (where the lab directory goes, /var/tmp/oca-bench).
set -eu
. "$(dirname "$0")/common.sh"
export OCA_BUILDDIR OCA_BIN OCA_SRCDIR=$SRCDIR
RATES=${RATES:-100 1000 max}
RUN_S=${RUN_S:-20}
PAR=${PAR:-4}
NAMES=${NAMES:-64}
PORT=${PORT:-80}
MODES=${MODES:-enforce audit}
export TMPDIR=${BENCH_TMPDIR:-/var/tmp/oca-bench}
mkdir -p "$TMPDIR"
sh "$BENCH_DIR/deps"
. "$SRCDIR/tests/lab/lib.sh"
lab_require python3
[ "$NAMES" -le 64 ] || { echo "NAMES: at most 64"; exit 2; }

lab_up "$IIF_RULE"
records=('local-zone: "." refuse' 'local-zone: "bench.example.com." static')
for i in $(seq 0 $((NAMES - 1))); do
	in_net ip addr add "198.51.100.$((64 + i))/24" dev eth0
	records+=("local-data: \"n$i.bench.example.com. 300 IN A 198.51.100.$((64 + i))\"")
	echo "n$i.bench.example.com"
done > "$LAB_DIR/names"
lab_unbound "${records[@]}"

# cpu PID: utime + stime of a process, in clock ticks
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

# run MODE RATE: one client run (or PAR for max) against a fresh collector
run() {
	local mode=$1 rate=$2 n=1 r=$2 helper c0 h0 c1 h1 i
	lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "rate_limit = 0" \
		"[policy]" "expect = *.bench.example.com tcp/$PORT" "[enforce]" "mode = $mode"
	in_host nft delete table inet oc-audit 2>/dev/null || true
	if [ "$mode" = enforce ]; then
		"$OCA_BIN" enforce-rules -c "$LAB_CONF" | in_host nft -f -
	fi
	lab_collect
	helper=$(pgrep -P "$COLLECT_PID" | head -n 1)
	if [ "$rate" = max ]; then n=$PAR; r=0; fi
	c0=$(cpu "$COLLECT_PID"); h0=$(cpu "$helper")
	for i in $(seq "$n"); do
		in_vm python3 "$BENCH_DIR/enforce_client.py" 192.168.83.1 "$LAB_DIR/names" "$r" \
			"$RUN_S" "$PORT" > "$LAB_DIR/client.$i" &
	done
	wait $(jobs -p | grep -vx "$COLLECT_PID" || true) 2>/dev/null || true
	c1=$(cpu "$COLLECT_PID"); h1=$(cpu "$helper")
	lab_stop TERM || true
	cat "$LAB_DIR"/client.* | awk -v mode="$mode" -v rate="$rate" -v hz="$HZ" \
		-v cc=$((c1 - c0)) -v hc=$((h1 - h0)) '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2];
		  if (kv[1] ~ /p99|max/ && kv[2] > m[kv[1]]) m[kv[1]] = kv[2];
		  if (kv[1] == "dns_p50_us" && kv[2] > m[kv[1]]) m[kv[1]] = kv[2] }
		  s = $0 ~ /seconds=/ ? v["seconds"] / NR : 0 }
		END { a = v["answered"] ? v["answered"] : 1;
		  printf "%-8s %-5s %8d %8.0f %8d %8d %10d %10d %12.1f %12.1f\n", mode, rate,
		    v["cycles"], v["cycles"] / s, v["dropped"], v["answered"] - v["passed"] - v["dropped"],
		    m["dns_p50_us"], m["dns_p99_us"], hc * 1e6 / hz / a, cc * 1e6 / hz / a }'
	rm -f "$LAB_DIR"/client.*
}

{
	echo "# bench/enforce.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -r), $(nproc) CPUs," \
		"${RUN_S}s per run, $NAMES names, max = $PAR clients"
	printf "%-8s %-5s %8s %8s %8s %8s %10s %10s %12s %12s\n" mode rate cycles per_s \
		drops unanswd dns_p50_us dns_p99_us helper_us/a daemon_us/a
} | tee -a "${OUT:-/dev/null}"
for mode in $MODES; do
	for rate in $RATES; do
		run "$mode" "$rate" | tee -a "${OUT:-/dev/null}"
	done
done
# In audit mode nothing is dropped, so a drop there would be the lab's own loss.
