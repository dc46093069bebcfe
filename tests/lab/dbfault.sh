#!/bin/bash
# Database faults under the collector. A database damaged at start (pages overwritten) is
# set aside (renamed, its bytes untouched), a new one is started, and an alert reaches
# Telegram. Then, under the running collector, the database file is moved away while
# connections flow, deleted (its WAL and index left behind), and replaced by another
# file: each time the collector notices within seconds, opens the path again, stores the
# fault and the events lost to the old file in the new one, and the alert (kept in
# memory until the new database exists) reaches the Telegram stand-in; every connection
# made after that is stored at the path. The dashboard's read-only connections follow:
# after each fault it serves the file at the path, not the one it had open.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alerts_lib.sh"
lab_require python3 dd sha256sum curl
lab_up "$SEED_RULE"
fake_up
WEB=127.0.0.1:8383
alerts_config "[web]" "listen = $WEB"
# never create a file at the path while the collector has none there
sql() { [ -e "$LAB_DB" ] && sqlite3 -batch -noheader "$LAB_DB" "$1"; }
db_states() { sql "SELECT group_concat(state, ' ') FROM (SELECT state FROM sensor_events WHERE source = 'database' ORDER BY id)"; }
texts_has() { [ "$(fake_texts | grep -c "$1")" -ge "$2" ]; }
lost_told() { sql "SELECT coalesce(sum(count), 0) FROM losses WHERE source = 'db_error'"; }
conns() { sqlite3 -batch -noheader "$1" "SELECT count(*) FROM connections WHERE dst = '$2'"; }
opened_again() { [ "$(grep -c ': opened again: ' "$LAB_DIR/collect.log")" -ge "$1" ]; }
flows() { in_vm "$FLOWGEN" -s 192.168.83.2 -d "$1" -n "$2" -r "$3" >/dev/null; }
# dash_conns IP: the connections to IP the dashboard serves (at most 500), as "200 N"; a
# few requests at once first, so the pool holds connections open on the file as it is
dash_conns() {
	local i
	for i in 1 2 3; do
		in_host curl -s -o /dev/null --max-time 10 "http://$WEB/api/findings" &
	done
	wait
	in_host curl -s -o "$LAB_DIR/conns.json" -w '%{http_code} ' --max-time 10 \
		"http://$WEB/api/connections?ip=$1&since=1h&limit=500" || true
	python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["items"]))' \
		"$LAB_DIR/conns.json" 2>/dev/null || echo "?"
}

# --- damaged at start
lab_collect
flows 198.51.100.2 50 1000
wait_until 60 sql_is "SELECT count(*) FROM connections" 50 || true
lab_stop TERM
dd if=/dev/urandom of="$LAB_DB" bs=4096 seek=1 count=8 conv=notrunc status=none
sum=$(sha256sum < "$LAB_DB")
lab_collect
aside=$(cd "$LAB_DIR/db" && ls | grep '^audit\.db\.bad-[0-9]\{8\}T[0-9]\{6\}Z$' || true)
check "damaged at start: set aside under a timestamped name" "$(echo "$aside" | grep -c .)" 1
check "damaged at start: its bytes kept" "$(sha256sum < "$LAB_DIR/db/$aside")" "$sum"
check "damaged at start: a new database, told in it" \
	"$(wait_until 60 equals damaged db_states && echo yes)" yes
check "damaged at start: alerted" \
	"$(wait_until 60 texts_has '^oc-audit: database fault: damaged' 1 && echo yes)" yes
check "damaged at start: the alert names the file set aside" \
	"$(fake_texts | grep -c "set aside as $LAB_DIR/db/$aside")" 1

check "dashboard before the faults: the file's connections" "$(dash_conns 198.51.100.2)" "200 0"

# --- moved away under the running collector, while connections flow
flows 198.51.100.3 2000 200 &
fg=$!
wait_until 60 at_least 500 sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.3'" || true
mv "$LAB_DB" "$LAB_DIR/db/moved.db"
[ -e "$LAB_DB-wal" ] && mv "$LAB_DB-wal" "$LAB_DIR/db/moved.db-wal"
t0=$SECONDS
check "moved: noticed, a new database at the path" \
	"$(wait_until 30 equals missing db_states && echo yes)" yes
echo "# noticed and told in the new database within $((SECONDS - t0)) s"
wait "$fg"
check "moved: alerted" \
	"$(wait_until 60 texts_has '^oc-audit: database fault: missing' 1 && echo yes)" yes
lost=$(lost_told)
echo "# $lost events counted lost to the moved file"
check "moved: the alert tells the same count" \
	"$(fake_texts | grep -c "; $lost events stored in the old file since")" 1
wait_until 60 equals 2000 eval 'echo $(( $(conns "$LAB_DIR/db/moved.db" 198.51.100.3) + $(conns "$LAB_DB" 198.51.100.3) ))' || true
check "moved: every connection is in the old file or the new one" \
	"$(( $(conns "$LAB_DIR/db/moved.db" 198.51.100.3) + $(conns "$LAB_DB" 198.51.100.3) ))" 2000
check "moved: the lost ones are the old file's last" \
	"$([ "$lost" -le "$(conns "$LAB_DIR/db/moved.db" 198.51.100.3)" ] && echo yes)" yes

# --- deleted, its WAL and index left behind
flows 198.51.100.4 100 1000
wait_until 60 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.4'" 100 || true
rm -f "$LAB_DB"
check "deleted: noticed, a new database at the path" \
	"$(wait_until 30 equals missing db_states && echo yes)" yes
check "deleted: alerted" \
	"$(wait_until 60 texts_has '^oc-audit: database fault: missing' 2 && echo yes)" yes
check "deleted: the old WAL set aside, not replayed into the new file" \
	"$(cd "$LAB_DIR/db" && ls | grep -c '^audit\.db\.gone-[0-9]\{8\}T[0-9]\{6\}Z-wal$')" 1
flows 198.51.100.5 100 1000
check "deleted: every connection after it stored" \
	"$(wait_until 30 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.5'" 100 && echo yes)" yes
check "deleted: the new file holds nothing of the old" "$(conns "$LAB_DB" 198.51.100.4)" 0
check "deleted: the dashboard serves the new file's connections" "$(dash_conns 198.51.100.5)" "200 100"
check "deleted: ... and none of the old file's" "$(dash_conns 198.51.100.4)" "200 0"

# --- replaced by another database
sqlite3 "$LAB_DIR/db/moved.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$LAB_DIR/db/moved.db" "$LAB_DB.new"
chown "$LAB_USER:" "$LAB_DB.new"
mv -f "$LAB_DB.new" "$LAB_DB"
# no query here until the collector has the new file: any SQLite opening it now would
# pair it with the old file's WAL still at the path and replay that into it
check "replaced: noticed, the path opened again" \
	"$(wait_until 30 opened_again 3 && echo yes)" yes
check "replaced: told in the file at the path, which it goes on in" \
	"$(sql "SELECT group_concat(state, ' ') FROM sensor_events WHERE source = 'database'")/$(conns "$LAB_DB" 198.51.100.3)" \
	"damaged replaced/$(conns "$LAB_DIR/db/moved.db" 198.51.100.3)"
check "replaced: alerted" \
	"$(wait_until 60 texts_has '^oc-audit: database fault: replaced' 1 && echo yes)" yes
flows 198.51.100.6 100 1000
check "replaced: every connection after it stored" \
	"$(wait_until 30 sql_is "SELECT count(*) FROM connections WHERE dst = '198.51.100.6'" 100 && echo yes)" yes
check "replaced: the dashboard serves the file at the path" "$(dash_conns 198.51.100.6)" "200 100"
check "replaced: ... not the one deleted before" "$(dash_conns 198.51.100.5)" "200 0"

lab_stop TERM && rc=0 || rc=$?
check "stops cleanly" "$rc" 0
check "no alert sent twice" "$(fake_texts | grep -c '^oc-audit: database fault')" 4
check "the moved file is intact" "$(sqlite3 "$LAB_DIR/db/moved.db" "PRAGMA integrity_check")" ok
"$OCA_BIN" verify --db "$LAB_DB" >/dev/null && rc=0 || rc=$?
check "the database at the path verifies" "$rc" 0
"$OCA_BIN" report --db "$LAB_DB" --since 1h >"$LAB_DIR/report.txt" && rc=0 || rc=$?
sed -n '1,14p' "$LAB_DIR/report.txt" | sed 's/^/# /'
check "report: not CLEAN" "$(grep -c '^Verdict: CLEAN' "$LAB_DIR/report.txt")" 0
lab_finish
