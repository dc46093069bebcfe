#!/bin/bash
# The collector under the limits the unit (made from contrib/oc-audit.service.in) puts
# on it: only the capabilities of its CapabilityBoundingSet and no new privileges (read
# from the unit, so the test follows it). It must still bind NFLOG and port 53, answer
# and log a query.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound setpriv
unit="$OCA_BUILDDIR/contrib/oc-audit.service"   # made from contrib/oc-audit.service.in
key() { sed -n "s/^$1=//p" "$unit" | tail -1; }

caps=$(key CapabilityBoundingSet)
[ -n "$caps" ] || { echo "FAIL: no CapabilityBoundingSet in $unit"; exit 1; }
bounding="-all"
mask=0
for c in $caps; do
	bounding="$bounding,+$(tr 'A-Z' 'a-z' <<<"${c#CAP_}")"
	case $c in
	CAP_NET_BIND_SERVICE) mask=$((mask | 1 << 10)) ;;
	CAP_NET_ADMIN) mask=$((mask | 1 << 12)) ;;
	*) echo "FAIL: $c in $unit: add its bit here"; exit 1 ;;
	esac
done
nonewprivs=
[ "$(key NoNewPrivileges)" = yes ] && nonewprivs=--no-new-privs
if command -v systemd-analyze >/dev/null; then
	# every line but the missing /usr/local/bin/oc-audit: a key or value systemd rejects
	# (--man=no: the unit's man pages are not installed yet; tests/meta/manpages.sh
	# checks them)
	check "systemd parses the unit" "$(systemd-analyze verify --man=no "$unit" 2>&1 |
		grep -v 'is not executable' || true)" ""
else
	echo "ok - systemd parses the unit # SKIP no systemd-analyze"
fi

lab_up
lab_upstream_dns
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"

# start the collector under the unit's limits, ask it one name, and check what it
# answered and logged
LAB_COLLECT_WRAP="setpriv $nonewprivs --bounding-set=$bounding --"
lab_collect
check "unit: effective capabilities" "$(awk '$1 == "CapEff:" { print $2 }' \
	/proc/"$COLLECT_PID"/status)" "$(printf '%016x' "$mask")"
out=$(in_vm drill unit.example.com @192.168.83.1 2>&1 || true)
check "unit: answered" "$(sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$out")" NXDOMAIN
sleep 0.3
lab_stop TERM && rc=0 || rc=$?
check "unit: exits 0" "$rc" 0
check "unit: the query logged" \
	"$(sql "SELECT rcode FROM dns_queries WHERE qname = 'unit.example.com'")" 3

lab_finish
