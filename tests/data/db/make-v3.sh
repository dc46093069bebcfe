#!/bin/bash
# make-v3.sh OLD-BUILD-DIR: how v3.sql and v3-report.json were made (not run by make
# check). OLD-BUILD-DIR holds oc-audit and tests/lab/flowgen built from commit ee10e5e,
# the last whose schema is version 3 (`git archive ee10e5e | tar -x`, then the usual
# autotools build). It runs that collector in the lab over a little of everything the
# schema holds (connections, DNS with answers, findings of four kinds, a finding's
# alert, a run killed with -9, a clean one), dumps the database as SQL and keeps that
# binary's own JSON report of it, for tests/lab/upgrade.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
OCA_BIN=$1/oc-audit OCA_BUILDDIR=$1
. "$here/../../lab/lib.sh"
lab_require drill unbound
lab_up
lab_upstream_dns
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[alerts]" "webhook_url = http://127.0.0.1:9/none"
lab_collect
for n in api.telegram.org www.example.com cdn1.example.net; do
	in_vm drill @192.168.83.1 "$n" >/dev/null || true
done
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -p 443 -n 120 -r 2000 >/dev/null  # expected
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.10 -p 443 -n 30 -r 2000 >/dev/null  # unexpected
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.9 -p 443 -n 20 -r 2000 >/dev/null   # direct-ip
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -p 80 -n 10 -r 2000 >/dev/null    # port
sleep 1
lab_stop KILL || true
sleep 1.2
lab_collect
in_vm drill @192.168.83.1 alias.example.com >/dev/null || true
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.9 -p 8443 -n 15 -r 2000 -o 500 >/dev/null
sleep 1
lab_stop TERM
{
	echo "-- oc-audit schema version 3, written by the collector of commit ee10e5e"
	echo "-- (tests/data/db/make-v3.sh); loaded by tests/lab/upgrade.sh."
	sqlite3 "$LAB_DB" .dump
	echo "PRAGMA user_version = $(sqlite3 "$LAB_DB" "PRAGMA user_version");"   # .dump omits it
} > "$here/v3.sql"
"$OCA_BIN" report --db "$LAB_DB" --since 2000-01-01 --format json > "$here/v3-report.json"
echo "made $here/v3.sql and v3-report.json"
