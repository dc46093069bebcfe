#!/bin/sh
# The unit (made from contrib/oc-audit.service.in) stays hardened: systemd's own rating
# of the unit file (`systemd-analyze security --offline=true`, 0 = locked down .. 10 =
# exposed) must be 2.0 or lower, "OK". The README shows the figure this prints.
set -eu
unit="${OCA_BUILDDIR:-.}/contrib/oc-audit.service"   # made from contrib/oc-audit.service.in
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
score=$(printf '%s\n' "$out" | sed -n 's/^.*Overall exposure level for [^:]*: \([0-9.]*\) .*$/\1/p')
if [ -z "$score" ]; then
	printf '%s\n' "$out"
	echo "not ok - systemd-analyze security gave no rating"
	exit 1
fi
if awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	echo "ok - systemd-analyze security rates the unit $score (2.0 or lower)"
else
	printf '%s\n' "$out" | grep '✗' || true
	echo "not ok - systemd-analyze security rates the unit $score, above 2.0"
	exit 1
fi
