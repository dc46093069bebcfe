#!/bin/bash
# Full recursion ([dns] forward empty): libunbound starts from its built-in root hints
# and follows referrals down to an authoritative server. The lab plays the internet:
# every root server address libunbound may pick is assigned inside the lab's own
# "internet" namespace (and routed there from the lab's host namespace, which has no
# other way out), where a real unbound serves a small root zone that delegates example.
# to a second real unbound on 198.51.100.4. Those addresses exist only inside the lab:
# no packet can leave it.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound
lab_up

# libunbound 1.17's built-in IPv4 root hints, and b-root's address before 2023
ROOTS="198.41.0.4 170.247.170.2 199.9.14.201 192.33.4.12 199.7.91.13 192.203.230.10
192.5.5.241 192.112.36.4 198.97.190.53 192.36.148.17 192.58.128.30 193.0.14.129
199.7.83.42 202.12.27.33"
for ip in $ROOTS; do
	in_net ip addr add "$ip/32" dev lo
	in_host ip route add "$ip/32" via 198.51.100.2
done
cat >"$LAB_DIR/root.zone" <<'ZONE'
.                   86400 IN SOA a.root-servers.net. hostmaster.lab. 1 1800 900 604800 86400
.                  518400 IN NS  a.root-servers.net.
a.root-servers.net. 518400 IN A  198.41.0.4
example.           172800 IN NS  ns1.example.
ns1.example.       172800 IN A   198.51.100.4
ZONE
cat >"$LAB_DIR/example.zone" <<'ZONE'
example.       3600 IN SOA   ns1.example. hostmaster.example. 1 1800 900 604800 300
example.       3600 IN NS    ns1.example.
ns1.example.   3600 IN A     198.51.100.4
www.example.    300 IN A     198.51.100.10
www.example.    300 IN AAAA  2001:db8:100::10
alias.example.  300 IN CNAME www.example.
ZONE
# shellcheck disable=SC2086
lab_auth root . root.zone $ROOTS
lab_auth example example. example.zone 198.51.100.4
lab_config "[dns]" "listen = 192.168.83.1:53" "forward ="
lab_collect

q() { in_vm drill "$@" @192.168.83.1 2>&1 || true; }
rcode() { sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$1"; }
answers() { awk '/ANSWER SECTION/{a=1;next} /^$/{a=0} a' <<<"$1"; }

out=$(q www.example)
check "recursion: A" "$(rcode "$out") $(answers "$out" | awk '{print $5}')" \
	"NOERROR 198.51.100.10"
out=$(q www.example AAAA)
check "recursion: AAAA" "$(answers "$out" | awk '{print $5}')" 2001:db8:100::10
out=$(q alias.example)
check "recursion: CNAME followed" "$(answers "$out" | awk '{printf "%s %s,", $4, $5}')" \
	"CNAME www.example.,A 198.51.100.10,"
out=$(q nope.example)
check "recursion: NXDOMAIN from the authority" "$(rcode "$out")" NXDOMAIN

# libunbound primed from its hints (". NS" to a root address), followed the referral:
# the root was asked about example. (no more), the authority got the full names
check "priming query to the root" "$(grep -c ' \. NS IN' "$LAB_DIR/root.log" | awk '{print ($1 > 0)}')" 1
check "root asked, never for the full name" \
	"$(grep -c ' example\. ' "$LAB_DIR/root.log" | awk '{print ($1 > 0)}') \
$(grep -c 'www\.example\.' "$LAB_DIR/root.log" || true)" "1 0"
check "the authority asked for www.example." \
	"$(grep -c 'www\.example\. A IN' "$LAB_DIR/example.log" | awk '{print ($1 > 0)}')" 1

sleep 0.5
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "every query logged" "$(sql "SELECT group_concat(qname || '/' || qtype || '/' || rcode, ' ')
	FROM (SELECT * FROM dns_queries ORDER BY id)")" \
	"www.example/1/0 www.example/28/0 alias.example/1/0 nope.example/1/3"
check "its answers, the CNAME step too" "$(sql "SELECT group_concat(rtype || ' ' || data, ',')
	FROM (SELECT a.* FROM dns_answers a JOIN dns_queries q ON q.id = a.query_id
	WHERE q.qname = 'alias.example' ORDER BY a.id)")" "5 www.example,1 198.51.100.10"
lab_finish
