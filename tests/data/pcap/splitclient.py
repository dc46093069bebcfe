#!/usr/bin/env python3
"""splitclient.py HOST PORT SNI PIECES: a real TLS handshake (Python's ssl, i.e. OpenSSL)
whose ClientHello, made about 1.5 KB by a long ALPN list (standing in for the post-quantum
key share that makes real ones large), the VM sends in PIECES socket writes 50 ms apart,
so in that many TCP segments. (A small MSS would not do: on a veth the capture sees the
segmentation-offload packet before it is cut.)"""
import socket
import ssl
import sys
import time

host, port, sni, pieces = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["h2", "http/1.1"] + ["x-lab-%03d-%s" % (i, "p" * 40) for i in range(24)])
sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sock.settimeout(5)
sock.connect((host, port))
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname=sni)
first = True
while True:
    try:
        tls.do_handshake()
        done = True
    except ssl.SSLWantReadError:
        done = False
    data = out.read()
    if data:
        if first:
            step = -(-len(data) // pieces)
            for i in range(0, len(data), step):
                sock.sendall(data[i:i + step])
                time.sleep(0.05)
        else:
            sock.sendall(data)
        first = False
    if done:
        break
    chunk = sock.recv(65536)
    if not chunk:
        break
    inc.write(chunk)
sock.close()
