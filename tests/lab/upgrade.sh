#!/bin/bash
# An old database upgrades in place with nothing lost: tests/data/db/v3.sql was written by
# the collector of schema version 3 (make-v3.sh says how). This collector migrates it,
# seals its rows into the hash chain and goes on: every old row of every old table is
# still there, column for column; the report of the old window has the destinations,
# names, findings and totals that the old binary reported (v3-report.json); `verify` is
# intact; and what is stored after the upgrade follows on.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
data="$OCA_SRCDIR/tests/data/db"
lab_up
# the fixture's times are from when it was made: keep retention from pruning them
lab_config "[collector]" "retention_days = 36500"
sqlite3 -batch "$LAB_DB" < "$data/v3.sql"
check "the fixture is version 3" "$(sql "PRAGMA user_version")" 3

# every old table's rows, with the columns it had, in a stable order
snapshot() {
	local t cols
	for t in $(sqlite3 -batch "$LAB_DIR/old.db" "SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
		[ "$t" = counters ] && continue   # they grow with every run
		cols=$(sqlite3 -batch "$LAB_DIR/old.db" "SELECT group_concat(name, ', ') FROM
			pragma_table_info('$t')")
		echo "== $t"
		sqlite3 -batch "$1" "SELECT $cols FROM $t ORDER BY $cols" |
			{ [ "$t" = runs ] && head -n "$old_runs" || cat; }
	done
}
cp "$LAB_DB" "$LAB_DIR/old.db"
old_runs=$(sql "SELECT count(*) FROM runs")
snapshot "$LAB_DB" > "$LAB_DIR/before.txt"

lab_collect
sleep 1.5
lab_stop TERM
check "migrated to this version" "$(sql "PRAGMA user_version")" \
	"$("$OCA_BIN" --version | sed 's/.*schema version \([0-9]*\).*/\1/')"
snapshot "$LAB_DB" > "$LAB_DIR/after.txt"
check "every old row of every old table, column for column" \
	"$(diff "$LAB_DIR/before.txt" "$LAB_DIR/after.txt" | head -n 5)" ""
check "old queries: no ech removed (schema 11)" "$(sql "SELECT count(*) FROM dns_queries
	WHERE ech_stripped <> 0")/$(sql "SELECT count(*) > 0 FROM dns_queries")" 0/1
check "counters only grew" "$(sqlite3 -batch "$LAB_DB" "ATTACH '$LAB_DIR/old.db' AS o;
	SELECT count(*) FROM o.counters oc LEFT JOIN counters c USING (name)
	WHERE c.value IS NULL OR c.value < oc.value")" 0

# the old window's report, as the old binary gave it
until=$(jsonq "$data/v3-report.json" "j->>'\$.until'")
"$OCA_BIN" report --db "$LAB_DB" --since 2000-01-01 --until "$until" --format json \
	> "$LAB_DIR/report.json"
for f in totals dns watch; do
	check "report: the same $f as version 3 reported" \
		"$(sqlite3 -batch :memory: "SELECT json(CAST(readfile('$LAB_DIR/report.json') AS TEXT)
			-> '\$.$f') = json(CAST(readfile('$data/v3-report.json') AS TEXT) -> '\$.$f')")" 1
done
# findings gained a severity (canaries) and acked (schema 14): the rest is as it was,
# each has a severity, and none of the old ones is acknowledged
check "report: the same findings as version 3 reported, each with a severity" \
	"$(sqlite3 -batch :memory: "SELECT (SELECT json_group_array(json_remove(value, '\$.severity',
		'\$.acked'))
		FROM json_each(CAST(readfile('$LAB_DIR/report.json') AS TEXT), '\$.findings'))
		= json(CAST(readfile('$data/v3-report.json') AS TEXT) -> '\$.findings')
		AND (SELECT count(*) FROM json_each(CAST(readfile('$LAB_DIR/report.json') AS TEXT),
		'\$.findings') WHERE value->>'severity' IS NULL OR value->>'acked' <> 0) = 0")" 1
# version 12 added bytes to each destination: none were watched then
check "report: the same destinations as version 3 reported, no bytes" \
	"$(sqlite3 -batch :memory: "SELECT (SELECT json_group_array(json_remove(value, '\$.bytes_up',
		'\$.bytes_down')) FROM json_each(CAST(readfile('$LAB_DIR/report.json') AS TEXT),
		'\$.destinations')) = json(CAST(readfile('$data/v3-report.json') AS TEXT)
		-> '\$.destinations') AND (SELECT count(*) FROM json_each(CAST(readfile(
		'$LAB_DIR/report.json') AS TEXT), '\$.destinations') WHERE value->>'bytes_up' != 0
		OR value->>'bytes_down' != 0) = 0")" 1

"$OCA_BIN" verify --db "$LAB_DB" > "$LAB_DIR/verify.txt" && rc=0 || rc=$?
sed 's/^/# /' "$LAB_DIR/verify.txt"
check "verify: the old rows are sealed and intact" "$rc" 0
check "verify: every old connection is in a batch" "$(sql "SELECT max(conn_last) FROM batches")" \
	"$(sqlite3 -batch "$LAB_DIR/old.db" "SELECT max(id) FROM connections")"

# an old finding takes a note and an expiry (schema 14), the collector stopped: the CLI
# writes the database itself, and the chain is untouched
"$OCA_BIN" ack 3 --db "$LAB_DB" --note "old finding, seen" --until 30d >/dev/null && rc=0 || rc=$?
check "ack of an old finding with a note" "$rc,$(sql "SELECT ack_note || ',' || (ack_until_us > acked_us)
	FROM findings WHERE id = 3")" "0,old finding, seen,1"
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "verify: intact after the ack" "$rc" 0

# and it goes on from there
lab_collect
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.5 -n 100 -r 10000 >/dev/null
wait_until 20 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.5'" 100 || true
lab_stop TERM
check "new connections after the old ones" "$(sql "SELECT min(id) > (SELECT max(id) FROM
	connections WHERE dst <> '198.51.100.5') FROM connections WHERE dst = '198.51.100.5'")" 1
check "old and new together" "$(sql "SELECT count(*) FROM connections")" \
	"$(( $(sqlite3 -batch "$LAB_DIR/old.db" "SELECT count(*) FROM connections") + 100 ))"
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "verify: still intact" "$rc" 0
lab_finish
