#!/bin/bash
# Stored DNS answers are capped per query: the VM asking over TCP, again and again, for
# a 50 KB TXT record from a zone it controls (a real unbound serving it in the lab's
# "internet") is told the whole record, but the database keeps the first 8 KiB of each
# answer with the query marked truncated, so the disk grows by kilobytes per query, not
# by the answer's size. An SPF record (TXT's rdata under type 99) of many strings is
# answered whole too, not refused as over the resolver's decoding budget.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require unbound drill python3
lab_up
python3 - >"$LAB_DIR/big.zone" <<'PY'
print("$ORIGIN big.example.\n$TTL 3600")
print("@ IN SOA ns1 hostmaster 1 1800 900 604800 300\n@ IN NS ns1\nns1 IN A 198.51.100.2")
strings = " ".join('"%s"' % (chr(97 + i % 26) * 250) for i in range(200))
print("*.txt IN TXT " + strings)
print("*.many IN TXT \"one\"")
print("*.spf IN SPF " + " ".join('"v=spf1 ip4:198.18.%d.0/24"' % i for i in range(150)))
for i in range(100):
    print("many IN A 198.18.1.%d" % i)
PY
lab_auth big big.example. big.zone 198.51.100.2
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "rate_limit = 0"
lab_collect
dbsize() { sql "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"; }

out=$(in_vm drill -t q0.txt.big.example TXT @192.168.83.1 2>&1 || true)
check "the client gets the whole record over TCP" \
	"$(awk '/ANSWER SECTION/{a=1;next} /^$/{a=0} a' <<<"$out" | grep -o '"[a-z]*"' | wc -l)" 200
wait_until 20 sql_is "SELECT count(*) FROM dns_queries WHERE qtype = 16" 1 || true
out=$(in_vm drill -t q0.spf.big.example SPF @192.168.83.1 2>&1 || true)
check "an SPF record of 150 strings (4 KB): NOERROR" \
	"$(grep -o 'rcode: [A-Z]*' <<<"$out" | head -1)" "rcode: NOERROR"
check "the client gets all of its strings" \
	"$(awk '/ANSWER SECTION/{a=1;next} /^$/{a=0} a' <<<"$out" | grep -o '"v=spf1' | wc -l)" 150
wait_until 20 sql_is "SELECT count(*) FROM dns_queries WHERE qtype = 99" 1 || true
check "logged as answered, its record's strings in presentation form" "$(sql "SELECT
	q.rcode || ' ' || a.rtype || ' ' || (length(a.data) > 3000) FROM dns_queries q
	JOIN dns_answers a ON a.query_id = q.id WHERE q.qtype = 99")" "0 99 1"
before=$(dbsize)
for i in $(seq 1 50); do
	in_vm drill -t "q$i.txt.big.example" TXT @192.168.83.1 >/dev/null 2>&1 || true
done
wait_until 30 sql_is "SELECT count(*) FROM dns_queries WHERE qtype = 16" 51 || true
in_vm drill -t many.big.example A @192.168.83.1 >/dev/null 2>&1 || true
wait_until 20 sql_is "SELECT count(*) FROM dns_queries WHERE qname = 'many.big.example'" 1 || true
after=$(dbsize)
echo "# database: $before bytes before 50 queries, $after after"
check "51 TXT queries stored" "$(sql "SELECT count(*) FROM dns_queries WHERE qtype = 16")" 51
check "each marked truncated" "$(sql "SELECT count(*) FROM dns_queries WHERE qtype = 16
	AND truncated = 1")" 51
check "each keeps at most 8 KiB of answer text" "$(sql "SELECT max(t) <= 8192 FROM (SELECT
	sum(length(a.name) + length(a.data)) AS t FROM dns_answers a JOIN dns_queries q
	ON q.id = a.query_id WHERE q.qtype = 16 GROUP BY q.id)")" 1
check "and the first 8 KiB of it" "$(sql "SELECT min(length(a.data)) > 8000 FROM dns_answers a
	JOIN dns_queries q ON q.id = a.query_id WHERE q.qtype = 16")" 1
check "50 answers of 50 KB grew the database by less than 1 MiB" \
	"$(( after - before < 1048576 ))" 1
check "100 address records: the first 64 kept, truncated" "$(sql "SELECT count(*) || ' ' ||
	q.truncated FROM dns_answers a JOIN dns_queries q ON q.id = a.query_id
	WHERE q.qname = 'many.big.example'")" "64 1"
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
