#!/bin/sh
# How names-v16-report.* were made (run from a build dir of an oc-audit of schema
# version 16, e.g. b56640b): the schema ladder up to 016, the names of names-v16.sql,
# and that version's reports of two windows. tests/unit/test_db.c builds the same
# database, upgrades it, and checks that this version's reports are these, byte for byte.
set -eu
src=$(dirname "$0")
db=$(mktemp -d)/names.db
for f in $(ls "$src"/../../../schema/0*.sql | head -n 16); do sqlite3 -batch "$db" < "$f"; done
sqlite3 -batch "$db" "PRAGMA user_version = 16"
sqlite3 -batch "$db" < "$src/names-v16.sql"
./oc-audit report --db "$db" --since 2026-11-20T00:10:00Z --until 2026-11-20T03:50:00Z \
	> "$src/names-v16-report.txt"
./oc-audit report --db "$db" --since 2026-11-20T00:10:00Z --until 2026-11-20T03:50:00Z \
	--format json > "$src/names-v16-report.json"
./oc-audit report --db "$db" --since 2026-11-19T00:00:00Z --until 2026-11-20T03:00:00Z \
	> "$src/names-v16-report2.txt"
rm -r "$(dirname "$db")"
