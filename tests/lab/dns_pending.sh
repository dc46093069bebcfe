#!/bin/bash
# The resolver when the upstream stops answering: a flood of distinct names fills the
# bound on resolutions in flight (MAX_PENDING, 128), and every query past it gets an
# immediate SERVFAIL, on record like any other, instead of memory growing or the client
# waiting; the collector says so once in its log. When the upstream answers again, so
# does the resolver.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill python3
lab_up
lab_upstream_dns
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "rate_limit = 0"
lab_collect

rcode() { in_vm drill "$1" @192.168.83.1 2>/dev/null | sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p'; }
check "before: answered" "$(rcode www.example.com)" NOERROR

# the upstream's namespace drops every DNS packet to it
in_net nft -f - <<'EOF'
table inet oca_blackhole {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 53 drop
		tcp dport 53 drop
	}
}
EOF

# 9 000 distinct names from the VM over one socket, then the replies for 4 s
# (SERVFAILs, and how many came within a second of the last query sent: 8 488 if every
# query arrived; the kernel may drop some of a burst)
out=$(in_vm python3 - <<'EOF'
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
def query(i):
    name = b"".join(bytes([len(l)]) + l for l in (b"p%d" % i, b"example", b"com")) + b"\0"
    return struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1"
for i in range(9000):
    s.sendto(query(i), ("192.168.83.1", 53))
    if i % 50 == 49:
        time.sleep(0.002)
sent = time.monotonic()
s.settimeout(0.2)
servfail = fast = 0
while time.monotonic() < sent + 4:
    try:
        reply = s.recv(4096)
    except socket.timeout:
        continue
    if len(reply) >= 4 and reply[3] & 0xf == 2:
        servfail += 1
        fast += time.monotonic() < sent + 1
print(servfail, fast)
EOF
)
read -r servfail fast <<<"$out"
echo "# SERVFAIL: $servfail, within 1 s: $fast"
check "past 128 in flight: SERVFAIL at once" "$([ "$fast" -ge 6000 ] && echo yes || echo "no ($fast)")" yes
check "the collector said so once" \
	"$(grep -c 'dns: 128 queries resolving at once; answering more with SERVFAIL' "$LAB_DIR/collect.log")" 1
rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' /proc/"$COLLECT_PID"/status)
echo "# collector RSS with 128 in flight: $rss MiB"
check "memory stays bounded" "$([ "$rss" -lt 64 ] && echo yes || echo "no ($rss MiB)")" yes

# the upstream is back: a fresh name is answered again (libunbound gives up on the
# queries in flight and probes the upstream again)
in_net nft delete table inet oca_blackhole
got=""
for i in $(seq 90); do
	got=$(rcode "back$i.example.com")
	[ "$got" = NXDOMAIN ] && break
	sleep 1
done
echo "# answered again after ${i} s"
check "upstream back: answered again" "$got" NXDOMAIN

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "the SERVFAILs are on record" \
	"$([ "$(sql "SELECT count(*) FROM dns_queries WHERE qname GLOB 'p*.example.com' AND rcode = 2")" -ge "$fast" ] && echo yes || echo no)" yes
lab_finish
