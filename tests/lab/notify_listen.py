#!/usr/bin/env python3
"""notify_listen.py SOCKET LOG: a service manager's end of sd_notify, for the lab tests.

Binds a datagram socket at SOCKET (mode 0666, so the collector can still send after it
has dropped to an unprivileged user) and writes each message it receives to LOG as one
line per assignment, prefixed with the monotonic time in seconds: "12.345 READY=1".
Runs until killed."""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(log, "a", buffering=1) as out:
    out.write("%.3f LISTENING=1\n" % time.monotonic())
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        now = time.monotonic()
        for line in msg.split("\n"):
            if line:
                out.write("%.3f %s\n" % (now, line))
