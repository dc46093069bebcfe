#!/bin/bash
# make.sh: record the capture tests' lab traffic again (root; network namespaces only).
#
#   tests/data/pcap/make.sh [OUTDIR]      (default: the folder of this script)
#
# Builds the lab of tests/lab/lib.sh (VM 192.168.83.2 / fd83::2 behind br-openclaw, our own
# servers on 198.51.100.x / 2001:db8:100::2), runs real servers and clients, and records
# each scenario with dumpcap (Debian's tshark package) on br-openclaw, as the sensor will
# see it, into a small .pcap:
#   tls.pcap      curl TLS 1.3 and TLS 1.2, openssl s_client -tls1_3 / -tls1_2, one without
#                 SNI, one over IPv6
#   split.pcap    1.5 KB ClientHellos sent in two and in three TCP segments (splitclient.py:
#                 Python's ssl, the hello written in pieces)
#   retrans.pcap  the same in three pieces, the first dropped once by the host's forward
#                 chain after the capture saw it: the VM retransmits it
#   chromium.pcap headless Chromium over TCP and forced onto QUIC: post-quantum key shares
#                 make its ClientHello ~2 KB (two TCP segments; over QUIC, CRYPTO frames
#                 out of order across Initial packets), and it sends the ECH extension
#                 (GREASE: no ECH config is ever published here)
#   quic.pcap     ngtcp2's gtlsclient against gtlsserver (QUIC v1)
#   http.pcap     curl to a Python HTTP server on port 80
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
OCA_BIN=/bin/true
# shellcheck source=../../lab/lib.sh
. "$here/../../lab/lib.sh"
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces)"; exit 1; }
for t in dumpcap openssl curl gtlsclient gtlsserver python3 chromium; do
	command -v "$t" >/dev/null || { echo "make.sh: $t missing (scripts/deps installs it)"; exit 1; }
done
lab_up
d=$LAB_DIR
# the VM's own /etc/hosts and resolver (ip netns exec mounts /etc/netns/NAME/* over /etc):
# names of our servers, and a resolver in the lab that does not answer, so no client
# looks anywhere else
mkdir -p "/etc/netns/$NS_VM"
trap 'lab_down; rm -rf "/etc/netns/$NS_VM"; rmdir /etc/netns 2>/dev/null || true' EXIT
printf '198.51.100.4 gtls.example\n' > "/etc/netns/$NS_VM/hosts"
printf 'nameserver 192.168.83.1\n' > "/etc/netns/$NS_VM/resolv.conf"
export HOME=$d
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=lab.example -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
SRV=198.51.100.2 HTTPSRV=198.51.100.3 QSRV=198.51.100.4 SRV6=2001:db8:100::2

bg_net() { in_net "$@" >>"$d/servers.log" 2>&1 & LAB_PIDS="$LAB_PIDS $!"; }
bg_net openssl s_server -accept "$SRV:443" -cert "$d/cert.pem" -key "$d/key.pem" -www -quiet
bg_net openssl s_server -6 -accept "[$SRV6]:443" -cert "$d/cert.pem" -key "$d/key.pem" -www -quiet
bg_net python3 -m http.server 80 --bind "$HTTPSRV" --directory "$d"
bg_net gtlsserver -q "$QSRV" 443 "$d/key.pem" "$d/cert.pem"
sleep 1

# record NAME: run the rest of the lines (stdin) in the VM while dumpcap records
record() {
	local name=$1 pid
	ip netns exec "$NS_HOST" dumpcap -q -P -i br-openclaw -w "$d/$name.pcap" 2>>"$d/dumpcap.log" &
	pid=$!
	sleep 1.5
	in_vm bash -eu >>"$d/clients.log" 2>&1 || echo "make.sh: a client of $name failed (see $d/clients.log)"
	sleep 1
	kill -INT "$pid"; wait "$pid" || true
	cp "$d/$name.pcap" "$out/$name.pcap"
	echo "make.sh: $out/$name.pcap"
}

record tls <<SH
curl -sk --max-time 5 -o /dev/null --resolve api.telegram.org:443:$SRV https://api.telegram.org/
curl -sk --max-time 5 -o /dev/null --tlsv1.2 --tls-max 1.2 --resolve openrouter.ai:443:$SRV https://openrouter.ai/
timeout 5 openssl s_client -tls1_3 -connect $SRV:443 -servername tls13.example </dev/null
timeout 5 openssl s_client -tls1_2 -connect $SRV:443 -servername tls12.example </dev/null
timeout 5 openssl s_client -noservername -connect $SRV:443 </dev/null
curl -sk --max-time 5 -o /dev/null --resolve v6.example:443:[$SRV6] https://v6.example/
SH

record split <<SH
python3 $here/splitclient.py $SRV 443 two.example 2
python3 $here/splitclient.py $SRV 443 three.example 3
SH

# the host's forward chain drops each connection's third packet (the hello's first piece)
# once, after the capture saw it, so the VM sends it again
in_host sysctl -qw net.netfilter.nf_conntrack_acct=1
in_host nft -f - <<NFT
table inet oca-lossy {
	chain forward {
		type filter hook forward priority -10; policy accept;
		tcp dport 443 ct original packets 3 drop
	}
}
NFT
record retrans <<SH
python3 $here/splitclient.py $SRV 443 retrans.example 3
SH
in_host nft delete table inet oca-lossy

chrome() {
	echo "timeout 20 chromium --headless --no-sandbox --disable-gpu --no-first-run \
--disable-background-networking --disable-component-update --disable-sync \
--disable-dev-shm-usage --ignore-certificate-errors --user-data-dir=\$(mktemp -d -p $d) \
--host-resolver-rules='MAP ech.example $SRV, MAP quic.example $QSRV' $* --dump-dom"
}
record chromium <<SH
$(chrome --disable-quic https://ech.example/) >/dev/null
$(chrome --origin-to-force-quic-on=quic.example:443 https://quic.example/) >/dev/null || true
SH

record quic <<SH
timeout 10 gtlsclient -q --exit-on-all-streams-close gtls.example 443 https://gtls.example/
SH

record http <<SH
curl -s --max-time 5 -o /dev/null --resolve evil.example:80:$HTTPSRV http://evil.example/
curl -s --max-time 5 -o /dev/null -H 'Host: other.example:8080' http://$HTTPSRV/
SH
