#!/bin/bash
# bench/web_overview.sh: time the dashboard over the synthetic watch week.
#
#   cd build && sudo ../bench/web_overview.sh
#
# Copies the week's database (bench/report.sh makes it: WEEK_DB), starts the real
# `oc-audit collect` with the dashboard on 127.0.0.1:8383 inside a network namespace of
# its own (root: the collector binds NFLOG; the namespace keeps the port off the host),
# and times each page with curl over one keep-alive connection: time to the last byte,
# as the operator's browser would see it, RUNS times after WARMUP.
#
# Environment: WEEK_DB (default ${TMPDIR:-/var/tmp}/oca-bench-week.db), RUNS (50),
# WARMUP (5), OUT (append the table there).
set -eu
. "$(dirname "$0")/common.sh"
WEEK_DB=${WEEK_DB:-${TMPDIR:-/var/tmp}/oca-bench-week.db}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
[ "$(id -u)" = 0 ] || { echo "bench/web_overview.sh needs root (network namespace, NFLOG)"; exit 1; }
[ -f "$WEEK_DB" ] || { echo "no week at $WEEK_DB: run bench/report.sh first (it makes one)"; exit 1; }

NS="oca-benchweb-$$"
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/oca-benchweb.XXXXXX")
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp --reflink=auto "$WEEK_DB" "$WORK/week.db"
cat > "$WORK/oc-audit.ini" <<INI
[collector]
database = $WORK/week.db
nflog_group = 7
[dns]
listen =
[web]
listen = 127.0.0.1:8383
INI
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" "$OCA_BIN" collect -c "$WORK/oc-audit.ini" >"$WORK/collect.log" 2>&1 &
PID=$!
for i in $(seq 100); do
	grep -q "collecting:" "$WORK/collect.log" && break
	sleep 0.1
done
grep -q "collecting:" "$WORK/collect.log" || { cat "$WORK/collect.log"; exit 1; }

# time PATH: RUNS requests on one connection; prints "median p95 max bytes" in ms
time_path() {
	local url="http://127.0.0.1:8383$1" args=() i
	for i in $(seq "$WARMUP"); do args+=(-o /dev/null "$url"); done
	ip netns exec "$NS" curl -s "${args[@]}"
	args=()
	for i in $(seq "$RUNS"); do args+=(-o /dev/null -w '%{time_total} %{size_download}\n' "$url"); done
	ip netns exec "$NS" curl -s "${args[@]}" | sort -n | awk -v n="$RUNS" '
		{ t[NR] = $1 * 1000; b = $2 }
		END { printf "%.1f %.1f %.1f %d\n", t[int((n + 1) / 2)], t[int(n * 0.95 + 0.5)], t[n], b }'
}

rows=$(ip netns exec "$NS" sqlite3 -readonly "$WORK/week.db" \
	"SELECT (SELECT count(*) FROM connections) || ' connections, ' ||
	        (SELECT count(*) FROM dns_queries) || ' DNS queries, ' ||
	        (SELECT count(*) FROM findings) || ' findings'")
md=$(mktemp)
{
	echo "web bench $(date -u +%FT%TZ), $(nproc) cores," \
		"oc-audit $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo '?')," \
		"$rows, loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| page | median ms | p95 ms | max ms | bytes |"
	echo "|---|---:|---:|---:|---:|"
	for p in / /api/timeline?since=7d /dns /connections /api/connections?limit=100 /dns?name=pastebin \
		"/connections?ip=203.0.113.16" "/connections?kind=unexpected" \
		"/dns?ip=149.154.167.220" "/dns?ip=203.0.113.16" \
		/api/findings /findings/1 /findings/5 /findings/28 /metrics "/api/report?since=7d"; do
		set -- $(time_path "$p")
		echo "| \`$p\` | $1 | $2 | $3 | $4 |"
	done
} > "$md"
cat "$md" | tee -a "${OUT:-/dev/null}"
rm -f "$md"
