#!/usr/bin/env python3
"""bench/hellogen.py: a flood of new TLS connections, each with a ClientHello naming a
name of its own, for bench/pcap.sh (run in the lab's VM namespace only).

  hellogen.py client DST PORT RATE SECONDS PREFIX [WORKERS]
      RATE new connections a second in all (0: as many as WORKERS processes manage) for
      SECONDS; connection i sends a real ClientHello (made once by Python's ssl module,
      TLS 1.3 with its usual extensions) whose SNI is PREFIX-NNNNNNNN.flood.example, waits
      for the server to close, and resets. Prints "sent N errors E seconds S".
  hellogen.py server ADDR PORT [WORKERS]
      accept, read the hello, close: what the flood connects to.

Only the SNI differs between connections (same length, patched into the one template):
the point is what a capture reads from the first segment, not the TLS handshake."""
import multiprocessing
import socket
import ssl
import struct
import sys
import threading
import time

NAME_DIGITS = 8


def template(prefix):
    name = "%s-%s.flood.example" % (prefix, "0" * NAME_DIGITS)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname=name)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    at = hello.find(name.encode())
    if at < 0:
        sys.exit("hellogen: the SNI is not in the ClientHello")
    return bytearray(hello), at + len(prefix) + 1


def client(wid, nworkers, dst, port, rate, seconds, prefix, result):
    hello, at = template(prefix)
    per = rate / nworkers if rate > 0 else 0
    linger = struct.pack("ii", 1, 0)
    sent = errors = 0
    t0 = time.monotonic()
    i = wid
    while True:
        now = time.monotonic() - t0
        if now >= seconds:
            break
        if per and sent + errors >= now * per:
            time.sleep(min(0.001, 1 / per))
            continue
        hello[at:at + NAME_DIGITS] = b"%0*d" % (NAME_DIGITS, i)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        s.settimeout(2)
        try:
            s.connect((dst, port))
            s.sendall(hello)
            s.recv(1)           # the server's close: the hello has arrived
            sent += 1
        except OSError as e:
            errors += 1
            if errors <= 3:
                print("hellogen: connection %d: %s" % (i, e), file=sys.stderr)
        finally:
            s.close()           # linger 0: a reset, no TIME_WAIT, no port shortage
        i += nworkers
    result.put((sent, errors))


def server(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((addr, port))
    s.listen(4096)
    while True:
        c, _ = s.accept()
        try:
            c.settimeout(2)
            c.recv(16384)
        except OSError:
            pass
        c.close()


def main():
    if len(sys.argv) >= 7 and sys.argv[1] == "client":
        dst, port, rate, seconds, prefix = sys.argv[2], int(sys.argv[3]), \
            float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
        nworkers = int(sys.argv[7]) if len(sys.argv) > 7 else 4
        result = multiprocessing.Queue()
        t0 = time.monotonic()
        procs = [multiprocessing.Process(target=client, args=(w, nworkers, dst, port, rate,
                                                                seconds, prefix, result))
                 for w in range(nworkers)]
        for p in procs:
            p.start()
        sent = errors = 0
        for _ in procs:
            s, e = result.get()
            sent += s
            errors += e
        for p in procs:
            p.join()
        print("sent %d errors %d seconds %.2f" % (sent, errors, time.monotonic() - t0))
    elif len(sys.argv) >= 4 and sys.argv[1] == "server":
        # threads of one process: killing it ends them all
        nworkers = int(sys.argv[4]) if len(sys.argv) > 4 else 4
        for _ in range(nworkers - 1):
            threading.Thread(target=server, args=(sys.argv[2], int(sys.argv[3])),
                             daemon=True).start()
        server(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
