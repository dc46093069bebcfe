#!/bin/bash
# DNSSEC validation in the embedded resolver, against a zone the lab signs itself: Debian's
# nsd serves signed.example.org (keys made by ldns-keygen, signed by ldns-signzone) on
# 198.51.100.4 in the "internet" namespace, and the collector forwards to it with the
# zone's own key as its only trust anchor. One record of the signed zone is changed after
# signing, as a spoofer on the path would: its signature no longer matches.
#   - a valid answer passes, with AD when the client asks (DO), RRSIGs only then;
#   - the tampered answer reaches the VM as SERVFAIL, is logged with libunbound's reason,
#     and its row keeps that reason and no answer;
#   - an HTTPS record with an ECH key, validated, reaches the VM without it ([dns]
#     strip_ech): AD still set for a client that asks, its RRSIG left out (it would not
#     match the record as sent);
#   - with dnssec = no the same tampered answer passes: it is the validator that stops it;
#   - an anchor file that is missing is a configuration error (exit 2).
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill nsd ldns-keygen ldns-signzone
lab_up

zone=signed.example.org
cat > "$LAB_DIR/$zone.zone" <<EOF
\$ORIGIN $zone.
\$TTL 300
@	IN SOA ns1 hostmaster 1 3600 900 604800 300
@	IN NS ns1
ns1	IN A 198.51.100.4
www	IN A 198.51.100.10
bad	IN A 198.51.100.11
svc	IN HTTPS 1 . alpn=h2 ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA
EOF
(
	cd "$LAB_DIR"
	ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$zone")
	zsk=$(ldns-keygen -a ECDSAP256SHA256 "$zone")
	ldns-signzone "$zone.zone" "$zsk" "$ksk"
	cp "$ksk.ds" trust-anchor.ds
)
# the spoofer: bad's address changes, its RRSIG stays
sed -i "s/^\(bad\.$zone\.[[:space:]].*[[:space:]]A[[:space:]]*\)198\.51\.100\.11$/\1198.51.100.66/" \
	"$LAB_DIR/$zone.zone.signed"
check "tampered record in the signed zone" \
	"$(grep -c "^bad\.$zone\..*198\.51\.100\.66$" "$LAB_DIR/$zone.zone.signed")" 1

cat > "$LAB_DIR/nsd.conf" <<EOF
server:
	ip-address: 198.51.100.4
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$LAB_DIR"
	database: ""
	zonelistfile: "$LAB_DIR/nsd.zonelist"
	xfrdfile: "$LAB_DIR/nsd.xfrd"
	xfrdir: "$LAB_DIR"
	pidfile: "$LAB_DIR/nsd.pid"
	logfile: "$LAB_DIR/nsd.log"
	server-count: 1
	do-ip6: no
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: $zone
	zonefile: $zone.zone.signed
EOF
ip netns exec "$NS_NET" nsd -d -c "$LAB_DIR/nsd.conf" >"$LAB_DIR/nsd.out" 2>&1 &
LAB_PIDS="$LAB_PIDS $!"
wait_until 10 sh -c "ip netns exec $NS_NET ss -lun | grep -q '198.51.100.4:53 '" ||
	{ echo "nsd did not start:"; cat "$LAB_DIR/nsd.out" "$LAB_DIR/nsd.log"; exit 1; }
check "nsd serves the tampered record as it is" \
	"$(in_net drill bad.$zone @198.51.100.4 | awk '/ANSWER SECTION/{a=1;next} a&&NF{print $5; exit}')" \
	198.51.100.66

q() { in_vm drill "$@" @192.168.83.1 2>&1 || true; }
rcode() { sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' <<<"$1"; }
flags() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$1" | xargs; }
answers() { awk '/ANSWER SECTION/{a=1;next} /^$/{a=0} a' <<<"$1"; }

lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.4" "dnssec = yes" \
	"trust_anchor_file = $LAB_DIR/trust-anchor.ds"
lab_collect

out=$(q -D www.$zone)
check "valid, DO: NOERROR" "$(rcode "$out")" NOERROR
check "valid, DO: AD set" "$(flags "$out")" "qr rd ra ad"
check "valid, DO: the address" "$(answers "$out" | awk '$4 == "A" {print $5}')" 198.51.100.10
check "valid, DO: its RRSIG" "$(answers "$out" | awk '$4 == "RRSIG"' | wc -l)" 1
out=$(q www.$zone)
check "valid, no DO: NOERROR" "$(rcode "$out")" NOERROR
check "valid, no DO: no AD (not asked), no RRSIG" \
	"$(flags "$out") $(answers "$out" | awk '{print $4}' | xargs)" "qr rd ra A"
out=$(q -D www.$zone)
check "valid, DO, from the reply memo: AD still set" "$(flags "$out")" "qr rd ra ad"

out=$(q -D svc.$zone HTTPS)
check "HTTPS with ech, DO: NOERROR, AD set" "$(rcode "$out") $(flags "$out")" "NOERROR qr rd ra ad"
check "HTTPS with ech, DO: the record without ech, no RRSIG" \
	"$(answers "$out" | awk '{ $1 = $2 = $3 = ""; print }' | xargs)" "HTTPS 1 . alpn=h2"

out=$(q -D bad.$zone)
check "tampered, DO: SERVFAIL" "$(rcode "$out")" SERVFAIL
check "tampered: no answer" "$(answers "$out" | wc -l)" 0
out=$(q bad.$zone)
check "tampered, no DO: SERVFAIL too" "$(rcode "$out")" SERVFAIL
check "tampered: never the spoofed address" "$(grep -c 198.51.100.66 <<<"$out")" 0

wait_until 20 sql_is "SELECT count(*) FROM dns_queries" 6 || true
check "HTTPS row: validated, one ech removed" "$(sql "SELECT rcode, ech_stripped FROM dns_queries
	WHERE qname = 'svc.$zone'")" "0|1"
check "tampered rows: SERVFAIL with a reason" "$(sql "SELECT count(*) FROM dns_queries
	WHERE qname = 'bad.$zone' AND rcode = 2 AND why_bogus <> ''")" 2
check "tampered rows: no answer stored" "$(sql "SELECT count(*) FROM dns_answers a
	JOIN dns_queries q ON q.id = a.query_id WHERE q.qname = 'bad.$zone'")" 0
check "valid rows: no reason" "$(sql "SELECT count(*) FROM dns_queries
	WHERE qname = 'www.$zone' AND rcode = 0 AND why_bogus IS NULL")" 3
why=$(sql "SELECT why_bogus FROM dns_queries WHERE qname = 'bad.$zone' LIMIT 1")
echo "# why_bogus: $why"
check "the reason names the failure" "$(grep -ciE 'signature|crypto|bogus|valid' <<<"$why" | head -1)" 1
check "logged with the reason" \
	"$(grep -c "DNSSEC: the answer for bad.$zone A to 192.168.83.2 is bogus" \
		"$LAB_DIR/collect.log" | sed 's/^[2-9]$/1/')" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0

# the same tampered answer with validation off: it passes, so it is the validator above
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.4" "dnssec = no"
lab_collect
out=$(q bad.$zone)
check "dnssec = no: the spoofed address passes" "$(answers "$out" | awk '{print $5}')" 198.51.100.66
lab_stop TERM || true

# no anchor file: a configuration error, named
lab_config "[dns]" "listen = 192.168.83.1:53" "dnssec = yes" \
	"trust_anchor_file = $LAB_DIR/missing.key"
"$OCA_BIN" check-config -c "$LAB_CONF" >/dev/null 2>"$LAB_DIR/check.err" && rc=0 || rc=$?
check "missing anchor file: exit 2" "$rc" 2
check "missing anchor file: named" \
	"$(grep -c "dns.trust_anchor_file: cannot read $LAB_DIR/missing.key" "$LAB_DIR/check.err")" 1
lab_finish
