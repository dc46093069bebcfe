#!/bin/bash
# Keep SNI visible ([dns] strip_ech): the lab's upstream (Debian's unbound) serves HTTPS
# records that carry an ECH key, one of them with ech in its mandatory list, and one
# without. A query from the VM through the collector gets them without ech (the other
# parameters kept), over UDP and TCP; the counter, the log and the query's row say so;
# the record without ech passes untouched and counts nothing. With strip_ech = no the
# same records reach the VM as the upstream sent them.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound
lab_up
ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA
lab_upstream_dns \
	"local-data: \"www.example.com. 300 IN HTTPS 1 . alpn=h2,h3 ech=$ech\"" \
	"local-data: \"m.example.net. 300 IN HTTPS 1 . mandatory=alpn,ech alpn=h2 ech=$ech\"" \
	'local-data: "cdn1.example.net. 300 IN HTTPS 1 . alpn=h2 ipv4hint=198.51.100.20"'

q() { in_vm drill "$@" @192.168.83.1 2>&1 || true; }
rcode() { sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$1"; }
# the HTTPS records of the answer section, their data only (priority onwards)
https() { awk '/ANSWER SECTION/{a=1;next} /^$/{a=0} a && $4 == "HTTPS"' <<<"$1" |
	cut -f5- | xargs; }
counter() { sql "SELECT coalesce((SELECT value FROM counters WHERE name = 'dns_ech_stripped'), 0)"; }

check "the upstream serves the ECH key" \
	"$(in_net drill www.example.com HTTPS @198.51.100.2 | grep -c "ech=$ech")" 1

lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
lab_collect

out=$(q www.example.com HTTPS)
check "stripped: NOERROR" "$(rcode "$out")" NOERROR
check "stripped: the record without ech, alpn kept" "$(https "$out")" "1 . alpn=h2,h3"
out=$(q -t m.example.net HTTPS)
check "mandatory=alpn,ech, over TCP: ech gone from both" "$(https "$out")" \
	"1 . mandatory=alpn alpn=h2"
out=$(q cdn1.example.net HTTPS)
check "no ech: untouched" "$(https "$out")" "1 . alpn=h2 ipv4hint=198.51.100.20"
out=$(q www.example.com HTTPS)
check "asked again (no reply memo for a stripped answer): stripped" "$(https "$out")" \
	"1 . alpn=h2,h3"

wait_until 30 sql_is "SELECT count(*) FROM dns_queries WHERE qtype = 65" 4 || true
check "rows: ech_stripped per query" "$(sql "SELECT group_concat(qname || '=' || ech_stripped, ' ')
	FROM (SELECT qname, ech_stripped FROM dns_queries WHERE qtype = 65 ORDER BY id)")" \
	"www.example.com=1 m.example.net=1 cdn1.example.net=0 www.example.com=1"
check "rows: the answer stored is the one sent, no ech" "$(sql "SELECT count(*) FROM dns_answers
	WHERE rtype = 65 AND data LIKE '%ech=%'")/$(sql "SELECT count(*) FROM dns_answers
	WHERE rtype = 65")" 0/4
wait_until 30 sql_is "SELECT value FROM counters WHERE name = 'dns_ech_stripped'" 3 || true
check "counter: three removals" "$(counter)" 3
check "logged with the query" "$(grep -c "removed ECH from 1 record of the answer for \
m.example.net HTTPS to 192.168.83.2" "$LAB_DIR/collect.log")" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

# strip_ech = no: the upstream's records as they came
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "strip_ech = no"
lab_collect
out=$(q www.example.com HTTPS)
check "strip_ech = no: ech passes" "$(https "$out")" "1 . alpn=h2,h3 ech=$ech"
out=$(q m.example.net HTTPS)
check "strip_ech = no: mandatory as it came" "$(https "$out")" \
	"1 . mandatory=alpn,ech alpn=h2 ech=$ech"
wait_until 30 sql_is "SELECT count(*) FROM dns_queries WHERE qtype = 65" 6 || true
check "strip_ech = no: rows say none removed" "$(sql "SELECT count(*) FROM dns_queries
	WHERE qtype = 65 AND ech_stripped = 0")" 3
check "strip_ech = no: the answer stored has ech" "$(sql "SELECT count(*) FROM dns_answers
	WHERE rtype = 65 AND data LIKE '%ech=$ech%'")" 2
lab_stop TERM || true
check "strip_ech = no: the counter did not move" "$(counter)" 3
check "strip_ech = no: nothing logged" "$(grep -c "removed ECH" "$LAB_DIR/collect.log")" 0
lab_finish
