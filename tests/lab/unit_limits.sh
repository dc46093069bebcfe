#!/bin/bash
# The collector under the limits contrib/oc-audit.service puts on it: only the
# capabilities of its CapabilityBoundingSet, no new privileges, and its LimitNICE (read
# from the unit, so the test follows it). It must still bind NFLOG and port 53, answer
# and log a query, and give its resolver thread nice -10 and both it and the writer
# SCHED_BATCH.
# Without the LimitNICE it must still answer, and say at start why the resolver keeps
# the daemon's priority.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound setpriv prlimit
unit="$OCA_SRCDIR/contrib/oc-audit.service"
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
nice=$(key LimitNICE)
if [[ $nice =~ ^[-+][0-9]+$ ]]; then
	rlim=$((20 - nice))          # a nice value
elif [[ $nice =~ ^[0-9]+$ ]]; then
	rlim=$nice                   # the raw limit
else
	rlim="'$nice'"
fi
check "the unit allows nice -10 (LimitNICE)" "$rlim" 30
if command -v systemd-analyze >/dev/null; then
	# every line but the missing /usr/local/bin/oc-audit: a key or value systemd rejects
	check "systemd parses the unit" "$(systemd-analyze verify "$unit" 2>&1 |
		grep -v 'is not executable' || true)" ""
else
	echo "ok - systemd parses the unit # SKIP no systemd-analyze"
fi

lab_up
lab_upstream_dns
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
warning="keeps the daemon's priority"

# run_limited RLIMIT_NICE NAME: start the collector under the unit's limits with this
# RLIMIT_NICE, ask it one name, and check what it answered and logged.
run_limited() {
	LAB_COLLECT_WRAP="prlimit --nice=$1:$1 -- setpriv $nonewprivs --bounding-set=$bounding --"
	lab_collect
	check "$2: effective capabilities" "$(awk '$1 == "CapEff:" { print $2 }' \
		/proc/"$COLLECT_PID"/status)" "$(printf '%016x' "$mask")"
	out=$(in_vm drill "$2.example.com" @192.168.83.1 2>&1 || true)
	check "$2: answered" "$(sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$out")" NXDOMAIN
	WRITER_POLICY=$(sched_field oca-writer policy)
	RESOLVER_POLICY=$(sched_field oca-resolver policy)
	RESOLVER_PRIO=$(sched_field oca-resolver prio)
	MAIN_PRIO=$(sched_field oc-audit prio)
	sleep 0.3
	lab_stop TERM && rc=0 || rc=$?
	check "$2: exits 0" "$rc" 0
	check "$2: the query logged" \
		"$(sql "SELECT rcode FROM dns_queries WHERE qname = '$2.example.com'")" 3
}

# Raising RLIMIT_NICE above its hard limit takes CAP_SYS_RESOURCE, which systemd has
# and some containers (this project's CI among them) withhold even from root.
if prlimit --nice="$rlim:$rlim" true 2>/dev/null; then
	run_limited "$rlim" unit
	check "unit: no warning about the priority" \
		"$(grep -c "$warning" "$LAB_DIR/collect.log" || true)" 0
	if [ -n "$WRITER_POLICY" ]; then
		check "unit: writer SCHED_BATCH" "$WRITER_POLICY" 3
		check "unit: resolver SCHED_BATCH" "$RESOLVER_POLICY" 3
		check "unit: resolver at nice -10" "$RESOLVER_PRIO" 110
	else
		echo "ok - thread priorities # SKIP this kernel does not show them in /proc"
	fi
else
	echo "ok - the unit's LimitNICE=$nice # SKIP no CAP_SYS_RESOURCE here to set RLIMIT_NICE $rlim"
fi

run_limited 0 nolimit
check "without LimitNICE: one warning that says why" \
	"$(grep -c "$warning.*LimitNICE=-10" "$LAB_DIR/collect.log" || true)" 1
if [ -n "$RESOLVER_PRIO" ]; then
	check "without LimitNICE: the resolver at the daemon's nice" "$RESOLVER_PRIO" "$MAIN_PRIO"
	check "without LimitNICE: writer still SCHED_BATCH" "$WRITER_POLICY" 3
	check "without LimitNICE: resolver still SCHED_BATCH" "$RESOLVER_POLICY" 3
fi
lab_finish
