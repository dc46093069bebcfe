#!/bin/bash
# vm_subnet says which sources are the VM. With vm_subnet = 192.168.83.2/32, a second
# address on the VM's bridge (192.168.83.3, as another host or a VM sending from an
# address not its own would be) makes the same surprises as the VM: a connection to an
# address no answer gave, and a query for an unexpected name. The VM's raise findings;
# the other source's raise none and are counted apart, in the report's text and JSON,
# in /metrics, on the dashboard and in the log.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl
lab_up "$IIF_RULE"
ip -n "$NS_VM" addr add 192.168.83.3/24 dev eth0
lab_upstream "api.telegram.org. 300 IN A 198.51.100.3" "paste.example. 300 IN A 198.51.100.6"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[web]" "listen = 127.0.0.1:8383"
sed -i 's|^vm_subnet = .*|vm_subnet = 192.168.83.2/32|' "$LAB_CONF"
lab_collect

ask() { in_vm drill -Q -I "$1" @192.168.83.1 "$2" A 2>/dev/null | tail -n 1; }
check "the VM resolves" "$(ask 192.168.83.2 api.telegram.org)" 198.51.100.3
check "so does the other source" "$(ask 192.168.83.3 paste.example)" 198.51.100.6
in_vm curl -s -m 3 -o /dev/null --interface 192.168.83.2 http://198.51.100.9/ || true
in_vm curl -s -m 3 -o /dev/null --interface 192.168.83.3 http://198.51.100.8/ || true
sleep 1.5   # a batch commits within 100 ms, the counters within a second

check "the VM's connection is a finding" \
	"$(sql "SELECT kind || ' ' || key FROM findings ORDER BY id" | tr '\n' ';')" \
	"direct-ip 198.51.100.9:80/tcp;"
check "the other source's are not the VM's" \
	"$(sql "SELECT (SELECT count(*) FROM connections WHERE src = '192.168.83.3') +
	        (SELECT count(*) FROM dns_queries WHERE client = '192.168.83.3')")" 0
check "they are recorded apart, with their source" \
	"$(sql "SELECT group_concat(kind || ' ' || src, ';') FROM (SELECT DISTINCT kind, src FROM other_events ORDER BY kind)")" \
	"connection 192.168.83.3;dns 192.168.83.3"

"$OCA_BIN" report -c "$LAB_CONF" --since 1h --format json >"$LAB_DIR/report.json"
check "json: other sources, connections" \
	"$(jsonq "$LAB_DIR/report.json" "j->>'\$.other_sources.connections' > 0")" 1
check "json: other sources, DNS queries" \
	"$(jsonq "$LAB_DIR/report.json" "j->>'\$.other_sources.dns_queries'")" 1
check "json: the totals are the VM's" \
	"$(jsonq "$LAB_DIR/report.json" "(j->>'\$.totals.dns_queries') || ' ' || (j->>'\$.totals.findings')")" "1 1"
"$OCA_BIN" report -c "$LAB_CONF" --since 1h >"$LAB_DIR/report.txt"
check "text: a line of its own" \
	"$(grep -c '^Not VM: [1-9][0-9]* connections, 1 DNS queries from sources outside vm_subnet' "$LAB_DIR/report.txt")" 1
check "text: the verdict counts the VM's finding only" \
	"$(grep -c '^Verdict: 1 FINDING ' "$LAB_DIR/report.txt")" 1

in_host curl -s http://127.0.0.1:8383/metrics >"$LAB_DIR/metrics"
check "metrics: other connections" \
	"$(awk '$1 == "oc_audit_other_sources_total{event=\"connection\"}" && $2 > 0 { print "yes" }' "$LAB_DIR/metrics")" yes
check "metrics: other DNS queries" \
	"$(awk '$1 == "oc_audit_other_sources_total{event=\"dns_query\"}" { print $2 }' "$LAB_DIR/metrics")" 1
in_host curl -s http://127.0.0.1:8383/ >"$LAB_DIR/overview.html"
check "dashboard: the card, marked" \
	"$(grep -o '<div class="card bad" id="other-sources"[^>]*><span>Not the VM</span><b>[0-9]*</b><small>[0-9]* conns, 1 DNS</small>' "$LAB_DIR/overview.html" | wc -l)" 1
check "log: said once" "$(grep -c 'outside vm_subnet: counted apart' "$LAB_DIR/collect.log")" 1

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
