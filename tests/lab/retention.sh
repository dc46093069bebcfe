#!/bin/bash
# Retention: raw events older than retention_days are pruned (in small batches, while
# the collector runs); rollups and findings are kept, and so is everything recent.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config "[collector]" "retention_days = 30"
lab_collect
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 100 -r 10000 >/dev/null
sleep 0.3
lab_stop TERM

# plant 5000 connections and 3000 DNS queries (with answers) from 40 days ago
old=$(( ($(date +%s) - 40 * 86400) * 1000000 ))
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
     INSERT INTO connections(ts_us, family, proto, src, dst, dport, dest_id)
     SELECT $old + i, 4, 6, '192.168.83.2', '198.51.100.7', 443, 1 FROM n;
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
     INSERT INTO dns_queries(ts_us, client, qname, qname_wire, qtype, qclass, transport)
     SELECT $old + i, '192.168.83.2', 'old.example', x'', 1, 1, 'udp' FROM n;
     INSERT INTO dns_answers(query_id, name, rtype, ttl, data)
     SELECT id, 'old.example', 1, 60, '198.51.100.7' FROM dns_queries WHERE qname = 'old.example';
     INSERT INTO findings(kind, key, ip, port, proto, first_us, last_us, detail)
     VALUES('direct-ip', 'old', '198.51.100.7', 443, 'tcp', $old, $old, 'planted');"
check "planted" "$(sql "SELECT count(*) FROM connections WHERE ts_us < $old + 1000000")" 5000

lab_collect
for i in $(seq 50); do
	[ "$(sql "SELECT count(*) FROM dns_answers WHERE name = 'old.example'")" = 0 ] &&
	[ "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.7'")" = 0 ] && break
	sleep 0.2
done
lab_stop TERM
check "old connections pruned" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.7'")" 0
check "old queries pruned" "$(sql "SELECT count(*) FROM dns_queries WHERE qname = 'old.example'")" 0
check "their answers too" "$(sql "SELECT count(*) FROM dns_answers WHERE name = 'old.example'")" 0
check "recent connections kept" "$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.2'")" 100
check "findings kept" "$(sql "SELECT count(*) FROM findings WHERE key = 'old'")" 1
check "rollups kept" "$(sql "SELECT sum(connections) FROM hourly")" 100
check "integrity" "$(sql "PRAGMA integrity_check")" ok
lab_finish
