#!/bin/sh
# The command line's contract (DESIGN.md, oc-audit(8)): every subcommand answers --help
# with its usage on stdout and exit 0, and the exit status means the same for every
# command: 0 ok, 1 runtime error, 2 usage or configuration error.
set -u
bin=${OCA_BIN:-./oc-audit}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oca-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
# expect NAME WANT-RC CMD...: run CMD and check its exit status
expect() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		echo "ok - $name (exit $rc)"
	else
		echo "not ok - $name: exit $rc, want $want"
		sed 's/^/#   /' "$tmp/err"
		failed=1
	fi
}
for cmd in collect report check-config alert-test verify export enforce-rules ack; do
	expect "$cmd --help" 0 "$bin" "$cmd" --help
	if grep -q "^usage: oc-audit $cmd" "$tmp/out" && [ ! -s "$tmp/err" ]; then
		echo "ok - $cmd --help: usage on stdout"
	else
		echo "not ok - $cmd --help: no usage on stdout"
		failed=1
	fi
	expect "$cmd with an unknown option" 2 "$bin" "$cmd" --no-such-option
done
expect "--help" 0 "$bin" --help
expect "an unknown command" 2 "$bin" no-such-command
expect "no command" 2 "$bin"

printf '[collector]\nnflog_group = 70000\n' > "$tmp/bad.ini"
expect "check-config on a bad value" 2 "$bin" check-config -c "$tmp/bad.ini"
grep -q "bad.ini:2: collector.nflog_group" "$tmp/err" ||
	{ echo "not ok - check-config names file:line: key"; failed=1; }
printf '[nosuch]\nx = 1\n' > "$tmp/bad2.ini"
expect "check-config on an unknown section" 2 "$bin" check-config -c "$tmp/bad2.ini"
expect "check-config on a missing file" 2 "$bin" check-config -c "$tmp/none.ini"
expect "check-config without -c" 2 "$bin" check-config
expect "check-config --set a bad key" 2 "$bin" check-config -c /dev/null --set x.y=1
expect "check-config on a good file" 0 "$bin" check-config -c /dev/null
expect "collect on a bad config" 2 "$bin" collect -c "$tmp/bad.ini"
expect "report on a bad config" 2 "$bin" report -c "$tmp/bad.ini"
expect "report with a bad --since" 2 "$bin" report --since yesterday --db "$tmp/x.db"
expect "report on a missing database" 1 "$bin" report --db "$tmp/none.db"
expect "alert-test with alerts off" 2 "$bin" alert-test -c /dev/null
expect "enforce-rules without -c" 2 "$bin" enforce-rules
expect "enforce-rules on a bad config" 2 "$bin" enforce-rules -c "$tmp/bad.ini"
expect "enforce-rules" 0 "$bin" enforce-rules -c /dev/null --set enforce.mode=enforce
grep -q '@allow4 accept' "$tmp/out" || { echo "not ok - enforce-rules prints the ruleset"; failed=1; }
expect "verify on a missing database" 1 "$bin" verify --db "$tmp/none.db"
expect "verify with a bad --head" 2 "$bin" verify --head xyz --db "$tmp/none.db"
exit $failed
