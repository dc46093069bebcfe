#!/bin/bash
# /api/report holds at most two report files at once (web/api.c, WEB_REPORT_FILES): a
# third request while two are being sent is answered 503 with Retry-After, and the two
# complete. Two reports are kept in flight deterministically by clients that read their
# headers and then nothing: the lab host's TCP send buffers are made small and the
# report (1000 destinations and 1000 names planted) far bigger, so the server cannot
# finish either answer until its client reads it.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
lab_require curl python3
lab_up
# our own namespace's TCP buffers only: the answers stay in flight until read
in_host sh -c 'echo "4096 8192 8192" > /proc/sys/net/ipv4/tcp_wmem'
lab_config "[web]" "listen = $WEB"
lab_collect
# 1000 destinations and 1000 long names seen an hour ago: a report of ~0.6 MB
"$DBSQL" "$LAB_DB" <<'EOF'
CREATE TEMP TABLE t AS SELECT (CAST(strftime('%s', 'now') AS INTEGER) - 3600) * 1000000 AS ts;
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 1000)
INSERT INTO destinations(domain, ip, port, proto, expected, connections, first_us, last_us)
SELECT '', '198.18.' || (n / 250) || '.' || (n % 250), 1000 + n, 6, 0, 1, ts, ts FROM i, t;
INSERT INTO dest_hourly(hour, dest_id, connections, first_us, last_us)
SELECT ts / 3600000000, id, 1, ts, ts FROM destinations, t WHERE ip GLOB '198.18.*';
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 1000)
INSERT INTO dns_names(name, base, expected, queries, first_us, last_us)
SELECT printf('%s%d.n%d.example', substr(hex(zeroblob(100)), 1, 200), n, n),
       oca_base(printf('%s%d.n%d.example', substr(hex(zeroblob(100)), 1, 200), n, n)),
       0, 1, ts, ts
FROM i, t;
INSERT INTO name_hourly(hour, name_id, queries, first_us, last_us)
SELECT ts / 3600000000, id, 1, ts, ts FROM dns_names, t WHERE name GLOB '*.example';
EOF

in_host python3 - "$WEB" >"$LAB_DIR/busy.out" 2>&1 <<'EOF' || true
import json, socket, sys, time
host, port = sys.argv[1].split(':')
# 12 hours: not a long report (one built at a time: server.c), so only the files count
req = ('GET /api/report?since=12h HTTP/1.1\r\nHost: %s\r\nSec-Fetch-Site: same-origin\r\n'
       'Connection: close\r\n\r\n' % sys.argv[1]).encode()

def connect(rcvbuf):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(120)
    s.connect((host, int(port)))
    s.sendall(req)
    return s

def headers(s):
    # byte by byte: read nothing past the headers
    h = b''
    while not h.endswith(b'\r\n\r\n'):
        c = s.recv(1)
        if not c:
            break
        h += c
    return h.decode('latin-1')

slow = []
for i in range(2):
    s = connect(2048)
    h = headers(s)      # its report file is written and its slot taken
    print('slow%d %s' % (i, h.split(' ')[1] if ' ' in h else 'none'))
    slow.append(s)
third = connect(0)
h = headers(third)
print('third %s' % h.split(' ')[1])
print('retry-after %s' % ('Retry-After: ' in h))
third.close()
for i, s in enumerate(slow):
    body = b''
    while True:
        c = s.recv(65536)
        if not c:
            break
        body += c
    j = json.loads(body)
    print('slow%d complete %d bytes, %d destinations, %d names' %
          (i, len(body), len(j['destinations']), len(j['dns'])))
# the slots are given back once the answers are done: a report again (the server
# frees a slot just after the last byte, so a 503 here is retried for a while)
for _ in range(100):
    s = connect(0)
    code = headers(s).split(' ')[1]
    s.close()
    if code != '503':
        break
    time.sleep(0.1)
print('after %s' % code)
EOF
sed 's/^/# /' "$LAB_DIR/busy.out"
check "two slow reports answered 200" "$(grep -c '^slow[01] 200$' "$LAB_DIR/busy.out")" 2
check "a third at once: 503" "$(grep '^third ' "$LAB_DIR/busy.out")" "third 503"
check "with Retry-After" "$(grep '^retry-after ' "$LAB_DIR/busy.out")" "retry-after True"
check "the two complete, whole JSON" \
	"$(grep -c '^slow[01] complete [0-9]* bytes, 1000 destinations, 1000 names$' \
	"$LAB_DIR/busy.out")" 2
check "the slots come back: 200 again" "$(grep '^after ' "$LAB_DIR/busy.out")" "after 200"
lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
