#!/usr/bin/env python3
"""enforce_client.py RESOLVER NAMES RATE SECONDS PORT: resolve-then-connect cycles, the
bot's pattern, from the VM namespace (bench/enforce.sh runs it).

Each cycle asks RESOLVER (UDP, no EDNS) for the A record of the next of NAMES (a file,
one name a line, round robin), then opens a TCP connection to the answered address on
PORT at once. Nothing listens there: a RST (connection refused) means the packet passed
the firewall, a timeout (1 s) that it was dropped, a false drop when the name is
expected. RATE cycles per second, paced (0: as fast as one process goes). Prints one
line: cycles, answered, passed, dropped, DNS latency p50/p99/max in microseconds.
"""
import errno
import random
import socket
import struct
import sys
import time


def query(name, qid):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)


def answer_addr(msg, qid):
    """The address of the last A record of a reply (the answer section's last record,
    as the bench's upstream gives one A per name), or None."""
    if len(msg) < 12 + 4 or struct.unpack(">H", msg[:2])[0] != qid:
        return None
    if struct.unpack(">H", msg[6:8])[0] == 0 or msg[3] & 0x0F != 0:
        return None
    return socket.inet_ntoa(msg[-4:])


def main():
    resolver, names_file, rate, seconds, port = sys.argv[1:6]
    rate, seconds, port = float(rate), float(seconds), int(port)
    names = [n.strip() for n in open(names_file) if n.strip()]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.connect((resolver, 53))
    udp.settimeout(2)
    lat, cycles, answered, passed, dropped = [], 0, 0, 0, 0
    start = time.monotonic()
    i = random.randrange(len(names))
    while time.monotonic() - start < seconds:
        if rate > 0:
            due = start + cycles / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        cycles += 1
        qid = cycles & 0xFFFF
        i = (i + 1) % len(names)
        t0 = time.monotonic_ns()
        udp.send(query(names[i], qid))
        try:
            msg = udp.recv(4096)
        except socket.timeout:
            continue
        lat.append((time.monotonic_ns() - t0) // 1000)
        addr = answer_addr(msg, qid)
        if not addr:
            continue
        answered += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1)
        rc = s.connect_ex((addr, port))
        s.close()
        if rc in (0, errno.ECONNREFUSED):
            passed += 1
        else:
            dropped += 1
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] if lat else -1
    print(f"cycles={cycles} answered={answered} passed={passed} dropped={dropped} "
          f"seconds={time.monotonic() - start:.1f} dns_p50_us={pct(0.5)} "
          f"dns_p99_us={pct(0.99)} dns_max_us={lat[-1] if lat else -1}")


if __name__ == "__main__":
    main()
