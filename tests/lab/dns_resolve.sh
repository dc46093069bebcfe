#!/bin/bash
# The embedded resolver against a real upstream (Debian's unbound in the "internet"
# namespace): A, AAAA, a CNAME chain, NXDOMAIN, SERVFAIL, EDNS, TCP, truncation and the
# retry over TCP, a name with a NUL byte and mixed case; and the dns_queries and
# dns_answers rows each query leaves.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill unbound socat
lab_up
lab_upstream_dns
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2"
lab_collect

q() { in_vm drill "$@" @192.168.83.1 2>&1 || true; }
rcode() { sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$1"; }
flags() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$1" | xargs; }
answers() { awk '/ANSWER SECTION/{a=1;next} /^$/{a=0} a' <<<"$1"; }

out=$(q www.example.com)
check "A: NOERROR" "$(rcode "$out")" NOERROR
check "A: flags" "$(flags "$out")" "qr rd ra"
check "A: address" "$(answers "$out" | awk '{print $5}')" 198.51.100.10

out=$(q www.example.com AAAA)
check "AAAA: address" "$(answers "$out" | awk '{print $5}')" 2001:db8:100::10

out=$(q alias.example.com)
check "CNAME chain: three records" "$(answers "$out" | awk '{printf "%s %s,", $4, $5}')" \
	"CNAME alias2.example.com.,CNAME www.example.com.,A 198.51.100.10,"

out=$(q nope.example.com)
check "NXDOMAIN passed through" "$(rcode "$out")" NXDOMAIN

out=$(q outside.invalid.org)
check "upstream refuses: SERVFAIL" "$(rcode "$out")" SERVFAIL

out=$(q -b 1232 -D www.example.com)
check "EDNS: NOERROR" "$(rcode "$out")" NOERROR
check "EDNS: OPT in the reply" "$(grep -c 'EDNS: version 0; flags: do ; udp: 1232' <<<"$out")" 1

out=$(q -t www.example.com)
check "TCP: address" "$(answers "$out" | awk '{print $5}')" 198.51.100.10

out=$(q big.example.com)
check "100 records over UDP: TC=1" "$(flags "$out")" "qr tc rd ra"
check "100 records over UDP: no answers" "$(answers "$out" | wc -l)" 0
out=$(q -b 1232 big.example.com)
check "100 records over EDNS 1232: still TC=1" "$(flags "$out")" "qr tc rd ra"
out=$(q -t big.example.com)
check "retry over TCP: all 100" "$(answers "$out" | wc -l)" 100
check "retry over TCP: no TC" "$(flags "$out")" "qr rd ra"

# mixed case and a NUL byte inside a label, sent as raw bytes: ID 0xabcd
reply=$(printf '\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03a\x00b\x07ExAmPlE\x03com\x00\x00\x01\x00\x01' |
	in_vm socat -t 2 - UDP4:192.168.83.1:53 | od -An -tx1 | tr -d ' \n')
check "raw query: ID, QR, RA, NXDOMAIN" "${reply:0:8}" abcd8183
check "raw query: question echoed byte for byte" "${reply:24:42}" \
	"03610062074578416d506c4503636f6d0000010001"

sleep 0.5
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

row() { sql "SELECT $1 FROM dns_queries WHERE $2 ORDER BY id LIMIT 1"; }
check "A row" "$(row "client || ' ' || qtype || ' ' || qclass || ' ' || rcode || ' ' || transport" \
	"qname = 'www.example.com' AND qtype = 1 AND transport = 'udp'")" "192.168.83.2 1 1 0 udp"
check "A row: wire bytes" "$(row "hex(qname_wire)" "qname = 'www.example.com'")" \
	03777777076578616D706C6503636F6D00
check "A row: latency measured" "$(row "latency_us > 0 AND latency_us < 5000000" \
	"qname = 'www.example.com'")" 1
check "A row: client port" "$(row "cport > 0" "qname = 'www.example.com'")" 1
check "A answer row" "$(sql "SELECT a.name || ' ' || a.rtype || ' ' || a.ttl || ' ' || a.data
	FROM dns_answers a JOIN dns_queries q ON q.id = a.query_id
	WHERE q.qname = 'www.example.com' AND q.qtype = 1 ORDER BY a.id LIMIT 1")" \
	"www.example.com 1 300 198.51.100.10"
check "AAAA answer row" "$(sql "SELECT a.data FROM dns_answers a JOIN dns_queries q
	ON q.id = a.query_id WHERE q.qname = 'www.example.com' AND q.qtype = 28")" \
	2001:db8:100::10
check "CNAME chain rows, in order" "$(sql "SELECT group_concat(a.name || '>' || a.data, ' ')
	FROM (SELECT a.* FROM dns_answers a JOIN dns_queries q ON q.id = a.query_id
	WHERE q.qname = 'alias.example.com' ORDER BY a.id) a")" \
	"alias.example.com>alias2.example.com alias2.example.com>www.example.com www.example.com>198.51.100.10"
check "NXDOMAIN row" "$(row rcode "qname = 'nope.example.com'")" 3
check "SERVFAIL row" "$(row rcode "qname = 'outside.invalid.org'")" 2
check "TCP row" "$(sql "SELECT count(*) FROM dns_queries WHERE transport = 'tcp'")" 2
check "truncated UDP answers: none logged as given" "$(sql "SELECT count(*) FROM dns_answers a
	JOIN dns_queries q ON q.id = a.query_id WHERE q.qname = 'big.example.com'
	AND q.transport = 'udp'")" 0
check "TCP retry: the first 64 of 100 answers logged, marked truncated" "$(sql "SELECT
	count(*) || ' ' || q.truncated FROM dns_answers a JOIN dns_queries q ON q.id = a.query_id
	WHERE q.qname = 'big.example.com' AND q.transport = 'tcp'")" "64 1"
check "NUL name: presentation form, case kept" "$(row "qname || ' ' || qid || ' ' || rcode" \
	"qname LIKE 'a%b.ExAmPlE.com'")" 'a\000b.ExAmPlE.com 43981 3'
check "NUL name: exact bytes" "$(row "hex(qname_wire)" "qname LIKE 'a%b.ExAmPlE.com'")" \
	03610062074578416D506C4503636F6D00
check "every query stored" "$(sql "SELECT count(*) FROM dns_queries")" 11
check "no losses" "$(sql "SELECT count(*) FROM losses")" 0

# SIGTERM while queries are still resolving (the upstream is a black hole): the
# collector stops at once and stores them as unanswered
in_net nft -f - <<'NFT'
table inet blackhole {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 198.51.100.9 drop
	}
}
NFT
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.9"
lab_collect
for i in 1 2 3; do
	in_vm drill "hang$i.example.com" @192.168.83.1 >/dev/null 2>&1 &
done
sleep 0.5
t0=$(date +%s%N)
lab_stop TERM && rc=0 || rc=$?
t=$(( ($(date +%s%N) - t0) / 1000000 ))
check "stops with queries in flight: exit 0" "$rc" 0
# without waiting for the upstream, which never answers these
check "stops with queries in flight: without waiting for them (${t} ms)" "$([ $t -lt 10000 ] && echo yes)" yes
check "in-flight queries stored as unanswered" "$(sql "SELECT count(*) FROM dns_queries
	WHERE qname GLOB 'hang[123].example.com' AND rcode IS NULL AND latency_us IS NULL")" 3

# IPv6: listening on the host's bridge address fd83::1, the VM asks over v6
lab_config "[dns]" "listen = [fd83::1]:53" "allow_from = fd83::/64" "forward = 198.51.100.2"
lab_collect
out=$(in_vm drill -6 www.example.com @fd83::1 2>&1 || true)
check "IPv6 listener: answer" "$(answers "$out" | awk '{print $5}')" 198.51.100.10
out=$(in_vm drill -6 -t www.example.com AAAA @fd83::1 2>&1 || true)
check "IPv6 listener over TCP: answer" "$(answers "$out" | awk '{print $5}')" 2001:db8:100::10
lab_stop TERM && rc=0 || rc=$?
check "IPv6 run exits 0" "$rc" 0
check "IPv6 rows" "$(sql "SELECT group_concat(client || ' ' || transport, ',') FROM
	(SELECT * FROM dns_queries WHERE client = 'fd83::2' ORDER BY id)")" "fd83::2 udp,fd83::2 tcp"
lab_finish
