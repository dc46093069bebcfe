#!/bin/bash
# bench/report.sh: time `oc-audit report --since 7d` over a synthetic watch week.
#
#   cd build && ../bench/report.sh            (root not needed)
#
# Builds bench/weekgen (make bench/weekgen), writes the week (5 million connections,
# 2 million DNS queries over 7 days ending now, through the collector's own core and
# store) into $WEEK_DB unless a usable one younger than MAX_AGE_H hours is there, then
# times the text and JSON reports with hyperfine (warm page cache; the DB is ~1.6 GB).
#
# Environment: WEEK_DB (default ${TMPDIR:-/var/tmp}/oca-bench-week.db), CONNS, QUERIES,
# MAX_AGE_H (6), RUNS (20), REGEN=1 (always regenerate), OUT (append the table there).
set -eu
. "$(dirname "$0")/common.sh"
WEEK_DB=${WEEK_DB:-${TMPDIR:-/var/tmp}/oca-bench-week.db}
CONNS=${CONNS:-5000000}
QUERIES=${QUERIES:-2000000}
MAX_AGE_H=${MAX_AGE_H:-6}
RUNS=${RUNS:-20}

if [ "$(id -u)" = 0 ]; then "$BENCH_DIR/deps"; fi
command -v hyperfine >/dev/null || { echo "hyperfine missing: run bench/deps as root"; exit 1; }
make -C "$OCA_BUILDDIR" -s oc-audit bench/weekgen

fresh=""
if [ -z "${REGEN:-}" ] && [ -f "$WEEK_DB" ] &&
   [ -n "$(find "$WEEK_DB" -mmin -$((MAX_AGE_H * 60)))" ] &&
   "$OCA_BIN" report --since 7d --db "$WEEK_DB" --format json >/dev/null 2>&1; then
	fresh=1
fi
if [ -z "$fresh" ]; then
	rm -f "$WEEK_DB" "$WEEK_DB-wal" "$WEEK_DB-shm"
	"$OCA_BUILDDIR/bench/weekgen" -o "$WEEK_DB" -c "$CONNS" -q "$QUERIES"
fi

json=$("$OCA_BIN" report --since 7d --db "$WEEK_DB" --format json)
totals=$(printf '%s' "$json" | sqlite3 :memory: "SELECT json_extract(readfile('/dev/stdin'),
	'\$.totals')" 2>/dev/null || printf '%s' "$json" | head -c 300)
md=$(mktemp)
trap 'rm -f "$md"' EXIT
{
	echo "report bench $(date -u +%FT%TZ), $(nproc) cores," \
		"oc-audit $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo '?')," \
		"DB $(($(stat -c %s "$WEEK_DB") / 1048576)) MiB, loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "totals: $totals"
} | tee -a "${OUT:-/dev/null}"
hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$md" \
	-n text "$OCA_BIN report --since 7d --db $WEEK_DB" \
	-n json "$OCA_BIN report --since 7d --db $WEEK_DB --format json"
cat "$md" | tee -a "${OUT:-/dev/null}"
