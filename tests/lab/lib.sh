# lib.sh: the lab, sourced by the lab tests, the demo and the benchmarks (bash).
#
# Three network namespaces of our own, unique to this run and always torn down:
#   $NS_VM    eth0 192.168.83.2/24, fd83::2/64           (the agent's microVM)
#   $NS_HOST  br-openclaw 192.168.83.1/24, fd83::1/64     (the host: forwards, logs, collects)
#             vm-openclaw (bridge port to the VM), wan0 198.51.100.1/24, 2001:db8:100::1/64
#   $NS_NET   eth0 198.51.100.2/24 .. .9, 2001:db8:100::2 (the "internet": our own servers)
# 198.51.100.0/24 and 2001:db8::/32 are documentation ranges, assigned here, inside
# namespaces this script made; no packet leaves them.
#
# Tests that need root skip (77) outside CI and fail under CI=true.

# A defined locale whatever the machine's (a fresh Debian has none set): UTF-8 for the
# tests that look for hostile characters with grep -P.
export LC_ALL=C.UTF-8

LAB_ID="oca-$$-$RANDOM"
NS_HOST="$LAB_ID-host"
NS_VM="$LAB_ID-vm"
NS_NET="$LAB_ID-net"
LAB_DIR=""
LAB_PIDS=""
OCA_BIN=${OCA_BIN:-$(pwd)/oc-audit}
OCA_BUILDDIR=${OCA_BUILDDIR:-$(pwd)}
OCA_SRCDIR=${OCA_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FLOWGEN="$OCA_BUILDDIR/tests/lab/flowgen"
DBSQL="$OCA_BUILDDIR/tests/lab/dbsql"     # sqlite3 with oca_base: fixtures as the daemon writes

SEED_RULE='ip saddr 192.168.83.2 ct state new log prefix "openclaw-vm: " group 7'
IIF_RULE='iifname "br-openclaw" ct state new log prefix "openclaw-vm: " group 7'

lab_skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL (CI=true, so no skipping): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# lab_require [TOOL...]: root, the lab's own tools and these, and a built oc-audit.
lab_require() {
	[ "$(id -u)" = 0 ] || lab_skip "lab tests need root (network namespaces, nftables)"
	for tool in ip nft sqlite3 "$@"; do
		command -v "$tool" >/dev/null || lab_skip "$tool is not installed (run scripts/check)"
	done
	[ -x "$OCA_BIN" ] || { echo "FAIL: $OCA_BIN not built"; exit 99; }
}

in_host() { ip netns exec "$NS_HOST" "$@"; }
in_vm() { ip netns exec "$NS_VM" "$@"; }
in_net() { ip netns exec "$NS_NET" "$@"; }

lab_down() {
	local pid
	for pid in $LAB_PIDS; do
		kill -9 "$pid" 2>/dev/null || true
	done
	for pid in $LAB_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	LAB_PIDS=""
	for ns in "$NS_VM" "$NS_NET" "$NS_HOST"; do
		# anything still running inside (a server a test forgot) goes with it
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "$LAB_DIR" ] && [ -z "${LAB_KEEP:-}" ]; then
		rm -rf "$LAB_DIR"
	fi
}

# lab_up [RULE]: build the topology with the given nft rule (default: the seed's rule).
lab_up() {
	local rule=${1:-$SEED_RULE}
	trap lab_down EXIT
	trap 'exit 130' INT TERM
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$LAB_ID.XXXXXX")
	# the collector drops to $LAB_USER after start and must still reach its files here
	chmod 711 "$LAB_DIR"
	ip netns add "$NS_HOST"
	ip netns add "$NS_VM"
	ip netns add "$NS_NET"
	for ns in "$NS_HOST" "$NS_VM" "$NS_NET"; do
		ip -n "$ns" link set lo up
	done

	ip -n "$NS_HOST" link add br-openclaw type bridge
	ip -n "$NS_HOST" addr add 192.168.83.1/24 dev br-openclaw
	ip -n "$NS_HOST" addr add fd83::1/64 dev br-openclaw nodad
	ip -n "$NS_HOST" link set br-openclaw up
	ip -n "$NS_HOST" link add vm-openclaw type veth peer name eth0 netns "$NS_VM"
	ip -n "$NS_HOST" link set vm-openclaw master br-openclaw up
	ip -n "$NS_VM" addr add 192.168.83.2/24 dev eth0
	ip -n "$NS_VM" addr add fd83::2/64 dev eth0 nodad
	ip -n "$NS_VM" link set eth0 up
	ip -n "$NS_VM" route add default via 192.168.83.1
	ip -n "$NS_VM" -6 route add default via fd83::1

	ip -n "$NS_HOST" link add wan0 type veth peer name eth0 netns "$NS_NET"
	ip -n "$NS_HOST" addr add 198.51.100.1/24 dev wan0
	ip -n "$NS_HOST" addr add 2001:db8:100::1/64 dev wan0 nodad
	ip -n "$NS_HOST" link set wan0 up
	for i in 2 3 4 5 6 7 8 9; do
		ip -n "$NS_NET" addr add "198.51.100.$i/24" dev eth0
	done
	ip -n "$NS_NET" addr add 2001:db8:100::2/64 dev eth0 nodad
	ip -n "$NS_NET" link set eth0 up
	ip -n "$NS_NET" route add 192.168.83.0/24 via 198.51.100.1
	ip -n "$NS_NET" -6 route add fd83::/64 via 2001:db8:100::1

	in_host sysctl -qw net.ipv4.ip_forward=1
	in_host sysctl -qw net.ipv6.conf.all.forwarding=1
	lab_rule "$rule"
	# let conntrack forget finished UDP flows quickly, so floods can reuse port pairs
	in_host sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 2>/dev/null || true
}

# lab_rule RULE: (re)load the host's forward chain with RULE as its log rule.
lab_rule() {
	in_host nft -f - <<NFT
table inet openclaw-monitor
delete table inet openclaw-monitor
table inet openclaw-monitor {
	chain forward {
		type filter hook forward priority 0; policy accept;
		$1
	}
}
NFT
}

# lab_config [extra INI lines...]: write $LAB_DIR/oc-audit.ini for the lab. Every lab
# collector runs with the privilege drop on, as $LAB_USER (a user every Debian has); its
# database lives in $LAB_DIR/db, that user's, as systemd's StateDirectory would be.
LAB_USER=nobody
lab_config() {
	LAB_DB="$LAB_DIR/db/audit.db"
	LAB_CONF="$LAB_DIR/oc-audit.ini"
	mkdir -p -m 700 "$LAB_DIR/db"
	chown "$LAB_USER:" "$LAB_DIR/db"
	{
		echo "[collector]"
		echo "user = $LAB_USER"
		echo "database = $LAB_DB"
		echo "nflog_group = 7"
		echo "vm_subnet = 192.168.83.0/24, fd83::/64"
		echo "[dns]"
		echo "listen ="
		# The lab's upstreams serve unsigned data under names of the real DNS
		# (example.com, telegram.org) or a root of their own: validated from the real
		# root's key, which the lab does not hold the chain of, every answer would be
		# bogus. dns_dnssec.sh validates a zone the lab signs, with its own anchor.
		echo "dnssec = no"
		echo "[web]"
		echo "listen ="
		for line in "$@"; do echo "$line"; done
	} > "$LAB_CONF"
}

# as_collector CMD...: run CMD as the collector's user (who may change its limits).
as_collector() {
	setpriv --reuid="$LAB_USER" --regid="$(id -g "$LAB_USER")" --clear-groups -- "$@"
}

# lab_collect [args...]: start the collector in the host namespace; sets COLLECT_PID.
# LAB_COLLECT_WRAP: a command to run it under (e.g. "prlimit --nofile=64:64 --").
lab_collect() {
	local log="$LAB_DIR/collect.log" i
	: > "$log"
	# what a test planted in the database directory as root becomes the collector's user's,
	# as systemd's StateDirectory= does at each start
	chown -R "$LAB_USER:" "$LAB_DIR/db" 2>/dev/null || true
	# shellcheck disable=SC2086
	ip netns exec "$NS_HOST" ${LAB_COLLECT_WRAP:-} "$OCA_BIN" collect -c "$LAB_CONF" "$@" \
		>>"$log" 2>&1 &
	COLLECT_PID=$!
	LAB_PIDS="$LAB_PIDS $COLLECT_PID"
	for i in $(seq 100); do
		grep -q "collecting:" "$log" && return 0
		kill -0 "$COLLECT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "collector did not start:"
	cat "$log"
	return 1
}

# lab_stop [SIGNAL]: stop the collector and return its exit status.
lab_stop() {
	local sig=${1:-TERM} rc=0
	kill -"$sig" "$COLLECT_PID" 2>/dev/null || true
	wait "$COLLECT_PID" || rc=$?
	LAB_PIDS=$(echo "$LAB_PIDS" | tr ' ' '\n' | grep -vx "$COLLECT_PID" | tr '\n' ' ')
	return $rc
}

# sql QUERY: one value from the lab database.
sql() { sqlite3 -batch -noheader "$LAB_DB" "$1"; }

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; 1 if SECONDS pass
# first. For what the collector does in its own time (a batch commits within 100 ms on an
# idle machine, much later on a loaded one): wait for it, never for a fixed time.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# sql_is QUERY WANT: the query's value is WANT (for wait_until).
sql_is() { [ "$(sql "$1" 2>/dev/null)" = "$2" ]; }

# at_least N CMD... / equals WANT CMD...: what CMD prints is a number of N or more, or
# is WANT. For wait_until, which runs its command again each time: a "$(...)" among
# wait_until's own arguments is expanded once, before the first try.
at_least() { local n=$1; shift; [ "$("$@" 2>/dev/null)" -ge "$n" ] 2>/dev/null; }
equals() { local want=$1; shift; [ "$("$@" 2>/dev/null)" = "$want" ]; }

# check NAME GOT WANT
FAILED=0
check() {
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1: got '$2', want '$3'"
		FAILED=1
	fi
}

lab_finish() {
	if [ "$FAILED" != 0 ] && [ -n "$LAB_DIR" ] && [ -f "$LAB_DIR/collect.log" ]; then
		echo "--- collector log"
		cat "$LAB_DIR/collect.log"
	fi
	exit "$FAILED"
}

# lab_unbound SERVER-LINE...: a real upstream resolver, Debian's unbound, on
# 198.51.100.2:53 in the "internet" namespace, with these extra `server:` lines. Its
# log (verbosity 0, or the queries with "log-queries: yes") is $LAB_DIR/upstream-unbound.log.
lab_unbound() {
	local conf="$LAB_DIR/upstream-unbound.conf" line
	{
		printf 'server:\n'
		printf '\t%s\n' "interface: 198.51.100.2" "port: 53" "do-daemonize: no" \
			'username: ""' 'chroot: ""' "directory: \"$LAB_DIR\"" 'pidfile: ""' \
			"use-syslog: no" 'logfile: ""' "verbosity: 0" "num-threads: 1" "do-ip6: no" \
			"access-control: 0.0.0.0/0 allow" 'module-config: "iterator"'
		for line in "$@"; do printf '\t%s\n' "$line"; done
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} > "$conf"
	unbound_run "$conf" "$LAB_DIR/upstream-unbound.log" 198.51.100.2
}

# unbound_run CONF OUT ADDR: Debian's unbound with CONF in the "internet" namespace,
# its output to OUT; returns once it listens on ADDR:53 (or fails, showing OUT).
unbound_run() {
	local pid i
	ip netns exec "$NS_NET" unbound -d -c "$1" >"$2" 2>&1 &
	pid=$!
	LAB_PIDS="$LAB_PIDS $pid"
	for i in $(seq 50); do
		in_net ss -lun 2>/dev/null | grep -q "$3:53 " && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "unbound on $3 did not start:"
	cat "$2"
	return 1
}

# lab_auth NAME ZONE ZONEFILE ADDR...: a real authoritative server, Debian's unbound
# serving auth-zone ZONE from ZONEFILE (in $LAB_DIR) on each ADDR:53 in the "internet"
# namespace, logging the queries it gets to $LAB_DIR/NAME.log. The addresses must exist
# there already.
lab_auth() {
	local name=$1 zone=$2 file=$3 conf="$LAB_DIR/$1.conf" a
	shift 3
	{
		printf 'server:\n'
		for a in "$@"; do printf '\tinterface: %s\n' "$a"; done
		printf '\t%s\n' "port: 53" "do-daemonize: no" 'username: ""' 'chroot: ""' \
			"directory: \"$LAB_DIR\"" 'pidfile: ""' "use-syslog: no" \
			"logfile: \"$LAB_DIR/$name.log\"" "verbosity: 0" "log-queries: yes" \
			"num-threads: 1" "do-ip6: no" "access-control: 0.0.0.0/0 allow" \
			'module-config: "iterator"'
		printf 'auth-zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$zone" "$file"
		printf '\tfor-downstream: yes\n\tfor-upstream: no\n\tfallback-enabled: no\n'
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} > "$conf"
	unbound_run "$conf" "$LAB_DIR/$name.out" "$1"
}

# lab_upstream RECORD...: the upstream answering just these local-data records (e.g.
# "api.telegram.org. 300 IN A 198.51.100.3") and NXDOMAIN for every other name.
lab_upstream() {
	local args=('local-zone: "." static') r
	for r in "$@"; do args+=("local-data: \"$r\""); done
	lab_unbound "${args[@]}"
}

# lab_upstream_dns [extra "server:" lines...]: the upstream answering only the lab's own
# names (local-data; every other name is REFUSED, so it never recurses anywhere):
#   www.example.com     A 198.51.100.10, AAAA 2001:db8:100::10
#   alias.example.com   CNAME alias2.example.com, which is CNAME www.example.com
#   big.example.com     100 A records (203.0.113.1..100): too big for UDP, for TC=1
#   cdn1/cdn2.example.net  both A 198.51.100.20 (one IP, two names)
#   api.telegram.org    A 198.51.100.2     openrouter.ai  A 198.51.100.3
#   anything else under example.com / example.net: NXDOMAIN
# Names under .test are no use here: libunbound (and unbound) answer them locally.
lab_upstream_dns() {
	local args=('local-zone: "." refuse' 'local-zone: "example.com." static'
		'local-zone: "example.net." static' 'local-zone: "telegram.org." static'
		'local-zone: "openrouter.ai." static'
		'local-data: "www.example.com. 300 IN A 198.51.100.10"'
		'local-data: "www.example.com. 300 IN AAAA 2001:db8:100::10"'
		'local-data: "alias.example.com. 300 IN CNAME alias2.example.com."'
		'local-data: "alias2.example.com. 300 IN CNAME www.example.com."'
		'local-data: "cdn1.example.net. 300 IN A 198.51.100.20"'
		'local-data: "cdn2.example.net. 300 IN A 198.51.100.20"'
		'local-data: "api.telegram.org. 300 IN A 198.51.100.2"'
		'local-data: "openrouter.ai. 300 IN A 198.51.100.3"') i
	for i in $(seq 1 100); do
		args+=("local-data: \"big.example.com. 300 IN A 203.0.113.$i\"")
	done
	lab_unbound "${args[@]}" "$@"
}


# jsonq FILE EXPR: evaluate an SQLite expression over the JSON document in FILE, bound as
# j (e.g. jsonq report.json "j->>'\$.totals.connections'"); no quoting of the document.
jsonq() { sqlite3 -batch -noheader :memory: "SELECT $2 FROM (SELECT CAST(readfile('$1') AS TEXT) AS j)"; }
