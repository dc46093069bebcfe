#!/bin/bash
# DNS over TCP: every message has a deadline ([dns] tcp_message_timeout), not only the
# idle timeout that each byte resets. A client trickling a query a byte at a time, or
# reading 50 KB answers a few hundred bytes at a time, keeps the idle timeout (60 s
# here) from ever firing and would hold a connection slot for as long as it likes; with
# the deadline (2 s) it is closed and counted. A client that pauses between whole
# queries longer than the deadline is still answered: the deadline is per message.
# (dns_abuse.sh tests the idle timeout and the connection cap.)
set -eu
. "$(dirname "$0")/lib.sh"
lab_require unbound python3 drill
lab_up
python3 - >"$LAB_DIR/big.zone" <<'PY'
print("$ORIGIN big.example.\n$TTL 3600")
print("@ IN SOA ns1 hostmaster 1 1800 900 604800 300\n@ IN NS ns1\nns1 IN A 198.51.100.2")
print("*.txt IN TXT " + " ".join('"%s"' % (chr(97 + i % 26) * 250) for i in range(200)))
print("www IN A 198.51.100.10")
PY
lab_auth big big.example. big.zone 198.51.100.2
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "rate_limit = 0" \
	"tcp_idle_timeout = 60" "tcp_message_timeout = 2"
lab_collect

# The client, in the VM: MODE trickle | pause | slowread. Prints "answers BYTES SECONDS
# closed|open": the answer bytes it got, and how long until the resolver closed (or,
# "open", until it stopped waiting).
cat >"$LAB_DIR/client.py" <<'PY'
import socket, struct, sys, time

def query(qid, name, qtype=1):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    q += struct.pack(">HH", qtype, 1)
    return struct.pack(">H", len(q)) + q

mode = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if mode == "slowread":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.connect(("192.168.83.1", 53))
t0 = time.monotonic()
got, closed = 0, False
try:
    if mode == "trickle":
        # 35 bytes, one every half second: 17 s for the whole query
        for b in query(1, "www.big.example"):
            s.send(bytes([b]))
            time.sleep(0.5)
        s.settimeout(10)
        got = len(s.recv(65536))
    elif mode == "pause":
        # two whole queries 4 s apart: longer than the deadline, shorter than idle
        s.settimeout(20)
        for i in (1, 2):
            s.sendall(query(i, "www.big.example"))
            while True:
                pre = s.recv(2, socket.MSG_WAITALL)
                if len(pre) < 2:
                    raise ConnectionError
                n = struct.unpack(">H", pre)[0]
                got += len(s.recv(n, socket.MSG_WAITALL))
                break
            if i == 1:
                time.sleep(4)
    else:
        # three 50 KB answers, read 512 bytes every 0.1 s: 30 s for them all
        s.sendall(b"".join(query(i, "q%d.txt.big.example" % i, 16) for i in (1, 2, 3)))
        s.settimeout(20)
        while got < 3 * 50000:
            d = s.recv(512)
            if not d:
                raise ConnectionError
            got += len(d)
            time.sleep(0.1)
except (ConnectionError, OSError):
    closed = True
if not closed:
    # the resolver closes a connection whose client is done only on its own timeouts
    s.settimeout(1)
    try:
        closed = s.recv(1) == b""
    except OSError:
        pass
print("answers %d %.1f %s" % (got, time.monotonic() - t0, "closed" if closed else "open"))
PY
client() { in_vm python3 "$LAB_DIR/client.py" "$1"; }

# --- a query a byte at a time: closed at its deadline, never answered
read -r _ got secs how < <(client trickle)
echo "# trickle: $got answer bytes, $how after $secs s"
check "trickled query: closed" "$how" closed
check "trickled query: never answered" "$got" 0
check "trickled query: closed long before the 17 s it takes (${secs} s)" \
	"$(python3 -c "print($secs < 12)")" True

# --- a pause between whole queries longer than the deadline: both answered
read -r _ got secs how < <(client pause)
echo "# pause: $got answer bytes, $how after $secs s"
check "a pause between queries: both answered" "$([ "$got" -gt 60 ] && echo yes || echo "$got")" yes

# --- answers read a few hundred bytes at a time: closed long before the last byte
read -r _ got secs how < <(client slowread)
echo "# slow reader: $got answer bytes, $how after $secs s"
check "slow reader: closed" "$how" closed
check "slow reader: closed before it read everything" \
	"$([ "$got" -lt 150000 ] && echo yes || echo "$got")" yes

wait_until 20 sql_is "SELECT value >= 2 FROM counters WHERE name = 'dns_tcp_timeout'" 1 || true
check "both closes counted" "$(sql "SELECT value >= 2 FROM counters WHERE name = 'dns_tcp_timeout'")" 1
check "the pause was not" "$(sql "SELECT value <= 2 FROM counters WHERE name = 'dns_tcp_timeout'")" 1
out=$(in_vm drill -t www.big.example @192.168.83.1 2>&1 || true)
check "TCP still answers" "$(grep -c '198.51.100.10' <<<"$out")" 1
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
