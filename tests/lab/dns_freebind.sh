#!/bin/bash
# The collector starting before the bridge has its address (the bridge gets its carrier
# with the VM's tap, after oc-audit.service; an IPv6 address waits for DAD): it must
# start, say that the address is not there yet, and answer over UDP and TCP as soon as
# the address comes, without a restart.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound
lab_up
lab_upstream_dns
in_host ip addr del 192.168.83.1/24 dev br-openclaw
in_host ip -6 addr del fd83::1/64 dev br-openclaw
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
# check-config warns (a mistyped address looks the same) but does not fail: it may run
# before the bridge is up
cc() { in_host "$OCA_BIN" check-config -c "$LAB_CONF" 2>&1 >/dev/null && echo "rc 0" || echo "rc $?"; }
check "check-config: a warning, exit 0" "$(cc)" \
	"oc-audit check-config: warning: [dns] listen: 192.168.83.1 is not an address of this host now; the resolver will answer once it is (when the bridge comes up), so check that it is the bridge's address
rc 0"
lab_collect
check "started, with a warning" \
	"$(grep -c '192.168.83.1 is not an address of this host yet' "$LAB_DIR/collect.log")" 1

in_host ip addr add 192.168.83.1/24 dev br-openclaw
check "check-config: the address is there, no warning" "$(cc)" "rc 0"
for i in $(seq 50); do
	grep -q '192.168.83.1 is configured now' "$LAB_DIR/collect.log" && break
	sleep 0.1
done
check "and says when it came" \
	"$(grep -c 'info: dns: 192.168.83.1 is configured now: answering' "$LAB_DIR/collect.log")" 1
a() { in_vm drill -Q "$@" www.example.com @192.168.83.1 2>&1 || true; }
check "the address came: answered over UDP" "$(a)" 198.51.100.10
check "and over TCP" "$(a -t)" 198.51.100.10
lab_stop TERM && rc=0 || rc=$?
check "exits 0" "$rc" 0
check "both queries logged" "$(sql "SELECT group_concat(transport) FROM
	(SELECT transport FROM dns_queries WHERE rcode = 0 ORDER BY id)")" "udp,tcp"

# the same for an IPv6 listen address
lab_config "[dns]" "listen = [fd83::1]:53" "allow_from = fd83::/64" "forward = 198.51.100.2"
lab_collect
check "IPv6: started, with a warning" \
	"$(grep -c 'fd83::1 is not an address of this host yet' "$LAB_DIR/collect.log")" 1
in_host ip -6 addr add fd83::1/64 dev br-openclaw nodad
check "IPv6: the address came: answered" \
	"$(in_vm drill -Q www.example.com @fd83::1 2>&1 || true)" 198.51.100.10
lab_stop TERM && rc=0 || rc=$?
check "IPv6: exits 0" "$rc" 0
lab_finish
