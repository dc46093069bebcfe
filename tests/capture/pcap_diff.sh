#!/bin/sh
# pcap_diff.sh: the differential test of the capture sensor. On each lab capture of
# tests/data/pcap (made by its make.sh), what oc-audit's replay harness reads through the
# sensor's entry must equal what tshark, the tool an operator would otherwise run, reads:
#   - the (flow -> name) pairs: TLS SNI (tls.handshake.extensions_server_name, over TCP
#     and inside QUIC's decrypted Initials) and HTTP Host (http.host), and whether the
#     ClientHello carries the ECH extension (type 65037);
#   - the bytes and packets of each TCP/UDP flow, each way (IP lengths).
# Needs no root. Without tshark it skips, except under CI=true, where that is a failure.
set -eu
src=${OCA_SRCDIR:-.}
replay=${OCA_BUILDDIR:-.}/tests/capture/replay
if ! command -v tshark >/dev/null; then
	[ "${CI:-}" = true ] && { echo "not ok 1 - tshark is not installed (scripts/deps)"; exit 1; }
	echo "1..0 # SKIP tshark is not installed (scripts/deps installs it)"
	exit 77
fi
[ -x "$replay" ] || { echo "Bail out! $replay not built"; exit 99; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

check() {   # check NAME FILE_GOT FILE_WANT
	n=$((n + 1))
	if cmp -s "$2" "$3"; then
		echo "ok $n - $1 ($(wc -l < "$3") lines)"
	else
		echo "not ok $n - $1"
		diff "$3" "$2" | sed 's/^/# /'
		failed=1
	fi
}

# tshark's fields, tab-separated, to "PROTO CLIENT:PORT SERVER:PORT"; the client is the
# VM's side (192.168.83.0/24, fd83::/64) as the replay harness is told by default
FLOW='function hp(a, p) { return (a ~ /:/ ? "[" a "]" : a) ":" p }
function vm(a) { return a ~ /^192\.168\.83\./ || a ~ /^fd83:/ }
{ proto = $3 != "" ? "tcp" : "udp"; s = $1 != "" ? $1 : $2; d = $5 != "" ? $5 : $6;
  sp = $3 != "" ? $3 : $4; dp = $7 != "" ? $7 : $8 }'
FIELDS="-e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e udp.dstport"

for f in "$src"/tests/data/pcap/*.pcap; do
	name=$(basename "$f" .pcap)
	"$replay" -n "$f" | sort > "$tmp/ours"
	tshark -r "$f" -Y '(tls.handshake.type == 1 && tls.handshake.extensions_server_name) || http.host' \
		-T fields $FIELDS -e tls.handshake.extensions_server_name -e http.host \
		-e tls.handshake.extension.type 2>/dev/null |
		awk -F '\t' "$FLOW"' { print proto " " hp(s, sp) " " hp(d, dp) " " $9 $10 \
			($11 ~ /(^|,)65037(,|$)/ ? " ech" : "") }' |
		sort > "$tmp/theirs"
	check "$name: names as tshark reads them" "$tmp/ours" "$tmp/theirs"

	"$replay" "$f" | awk '$1 == "flow" && ($2 == "tcp" || $2 == "udp") { print $2, $3, $4, $5, $6 }' |
		sort > "$tmp/ours"
	# ICMP errors quote a UDP/TCP header: only the packets that are themselves TCP/UDP
	tshark -r "$f" -Y '(tcp || udp) && !icmp && !icmpv6' -T fields -E occurrence=f $FIELDS \
		-e ip.len -e ipv6.plen 2>/dev/null |
		awk -F '\t' "$FLOW"' {
			len = $9 != "" ? $9 : $10 + 40
			if (vm(s)) { k = proto " " hp(s, sp) " " hp(d, dp); bu[k] += len; pu[k]++ }
			else { k = proto " " hp(d, dp) " " hp(s, sp); bd[k] += len; pd[k]++ }
			seen[k] = 1 }
		END { for (k in seen) printf "%s up=%d/%d down=%d/%d\n", k, bu[k], pu[k], bd[k], pd[k] }' |
		sort > "$tmp/theirs"
	check "$name: bytes and packets per flow as tshark counts them" "$tmp/ours" "$tmp/theirs"
done
echo "1..$n"
exit $failed
