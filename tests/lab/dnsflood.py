#!/usr/bin/python3
"""dnsflood: long names under a zone the lab serves, each answered with many addresses.

  dnsflood.py zone ZONE N ADDRS     the zone file: N names, each with ADDRS A records;
                                    names n*ADDRS.. share their ADDRS addresses, so each
                                    address is given for ADDRS names (198.18.0.0/15)
  dnsflood.py send ZONE N SERVER RATE [QTYPE]
                                    ask SERVER:53 over UDP for the N names, RATE a second,
                                    whatever comes back (open loop: a flood)
  dnsflood.py ask ZONE N SERVER WINDOW [FIRST]
                                    ask for N names (from name FIRST, default 0) with
                                    at most WINDOW unanswered at
                                    once, again on SERVFAIL or silence (up to 5 times), so
                                    every name gets its answer however slow the lab is;
                                    prints how many did

A name is 246 bytes on the wire: a counter label, then four labels of bytes >= 0x80, which
the presentation form writes as \\DDD: about 900 characters each, the longest text a name
can become. The addresses are data in answers only: nothing is ever sent to them."""
import socket
import struct
import sys
import time


def labels(zone, i):
    out = [b"n%06d" % i]
    for k, ln in enumerate((63, 63, 63, 30)):
        out.append(bytes(0x80 + (i * 31 + k * 17 + j * 7) % 128 for j in range(ln)))
    return out + [p.encode() for p in zone.strip(".").split(".")]


def present(lbls):
    def esc(b):
        return "".join(chr(c) if 0x30 <= c < 0x7f and chr(c).isalnum() else "\\%03d" % c
                       for c in b)
    return ".".join(esc(l) for l in lbls) + "."


def wire(lbls):
    return b"".join(bytes([len(l)]) + l for l in lbls) + b"\0"


def addr(k):
    return "198.%d.%d.%d" % (18 + (k >> 16), (k >> 8) & 255, k & 255)


def zone(z, n, per):
    print("$ORIGIN %s\n$TTL 3600" % z)
    print("@ IN SOA ns1 hostmaster 1 1800 900 604800 300\n@ IN NS ns1\nns1 IN A 198.51.100.2")
    for i in range(n):
        base = (i // per) * per
        print("%s IN A %s" % (present(labels(z, i)), addr(base)))
        for k in range(1, per):
            print("  IN A %s" % addr(base + k))


def send(z, n, server, rate, qtype):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    t0 = time.monotonic()
    for i in range(n):
        q = struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0)
        q += wire(labels(z, i)) + struct.pack(">HH", qtype, 1)
        ahead = t0 + i / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        try:
            s.sendto(q, (server, 53))
        except BlockingIOError:
            pass
        try:
            while True:
                s.recv(65535)
        except BlockingIOError:
            pass


def ask(z, n, server, window, first):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.05)
    todo = list(range(first + n - 1, first - 1, -1))   # popped from the end: in order
    out = {}                            # query id -> (name index, tries, sent at)
    answered = 0
    tries = {}

    def query(i):
        tries[i] = tries.get(i, 0) + 1
        qid = (i + tries[i] * 20011) & 0xffff
        q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire(labels(z, i))
        s.sendto(q + struct.pack(">HH", 1, 1), (server, 53))
        out[qid] = (i, time.monotonic())

    while todo or out:
        while todo and len(out) < window:
            query(todo.pop())
        try:
            r = s.recv(65535)
            qid, flags = struct.unpack(">HH", r[:4])
            if qid in out:
                i, _ = out.pop(qid)
                if flags & 0xf == 0:
                    answered += 1
                elif tries[i] < 5:
                    todo.append(i)
        except socket.timeout:
            pass
        now = time.monotonic()
        for qid, (i, sent) in list(out.items()):
            if now - sent > 2:
                del out[qid]
                if tries[i] < 5:
                    todo.append(i)
    print(answered)


if __name__ == "__main__":
    if sys.argv[1] == "zone":
        zone(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "ask":
        ask(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]),
            int(sys.argv[6]) if len(sys.argv) > 6 else 0)
    else:
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]),
             int(sys.argv[6]) if len(sys.argv) > 6 else 1)
