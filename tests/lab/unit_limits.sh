#!/bin/bash
# The collector as the unit (made from contrib/oc-audit.service.in) starts it: an
# unprivileged user holding only the capabilities of its AmbientCapabilities (within its
# CapabilityBoundingSet), with no new privileges (all read from the unit, so the test
# follows it). It must still bind NFLOG and port 53, answer and log a query, and drop
# those capabilities itself once they are used, its helper keeping CAP_NET_ADMIN.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound setpriv
unit="$OCA_BUILDDIR/contrib/oc-audit.service"   # made from contrib/oc-audit.service.in
key() { sed -n "s/^$1=//p" "$unit" | tail -1; }

caps=$(key CapabilityBoundingSet)
[ -n "$caps" ] || { echo "FAIL: no CapabilityBoundingSet in $unit"; exit 1; }
bounding="-all"
for c in $caps; do
	case $c in
	CAP_NET_BIND_SERVICE|CAP_NET_ADMIN) ;;
	*) echo "FAIL: $c in $unit: does the daemon need it? say so here"; exit 1 ;;
	esac
	bounding="$bounding,+$(tr 'A-Z' 'a-z' <<<"${c#CAP_}")"
done
ambient=""
for c in $(key AmbientCapabilities); do
	ambient="$ambient,+$(tr 'A-Z' 'a-z' <<<"${c#CAP_}")"
done
ambient=${ambient#,}
check "the unit runs as its own user" "$(key DynamicUser)/$(key User)" yes/oc-audit
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

# start the collector as the unit would, ask it one name, and check what it answered,
# logged and kept
LAB_COLLECT_WRAP="setpriv $nonewprivs --reuid=$LAB_USER --regid=$(id -g "$LAB_USER")
	--clear-groups --inh-caps=$ambient --ambient-caps=$ambient --bounding-set=$bounding --"
lab_collect
check "unit: runs as the unit's user" "$(awk '$1 == "Uid:" { print $2 }' \
	/proc/"$COLLECT_PID"/status)" "$(id -u "$LAB_USER")"
check "unit: the capabilities dropped once used" "$(awk '$1 == "CapEff:" { print $2 }' \
	/proc/"$COLLECT_PID"/status)" 0000000000000000
check "unit: the helper keeps CAP_NET_ADMIN" "$(awk '$1 == "CapEff:" { print $2 }' \
	/proc/"$(pgrep -P "$COLLECT_PID" | head -1)"/status)" 0000000000001000
out=$(in_vm drill unit.example.com @192.168.83.1 2>&1 || true)
check "unit: answered" "$(sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$out")" NXDOMAIN
sleep 0.3
lab_stop TERM && rc=0 || rc=$?
check "unit: exits 0" "$rc" 0
check "unit: the query logged" \
	"$(sql "SELECT rcode FROM dns_queries WHERE qname = 'unit.example.com'")" 3

lab_finish
