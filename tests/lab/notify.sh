#!/bin/bash
# The collector and its service manager: with a NOTIFY_SOCKET of the test's own (as
# systemd gives a Type=notify unit), READY=1 comes once NFLOG, the sockets and the
# database are open; WATCHDOG=1 comes from the core thread every third of
# WATCHDOG_USEC, and stops while the writer is stuck on a locked database (so systemd's
# WatchdogSec would restart it), then resumes; STOPPING=1 on SIGTERM.
# With JOURNAL_STREAM naming its stderr, log lines carry syslog priorities and no time.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require python3
lab_up
lab_config "[web]" "listen = 127.0.0.1:8383"
sock="$LAB_DIR/notify.sock"
nlog="$LAB_DIR/notify.log"
python3 "$OCA_SRCDIR/tests/lab/notify_listen.py" "$sock" "$nlog" &
LAB_PIDS="$LAB_PIDS $!"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done

: > "$LAB_DIR/collect.log"
export NOTIFY_SOCKET="$sock" WATCHDOG_USEC=900000
JOURNAL_STREAM=$(stat -c '%d:%i' "$LAB_DIR/collect.log")
export JOURNAL_STREAM
lab_collect
unset NOTIFY_SOCKET WATCHDOG_USEC JOURNAL_STREAM
for _ in $(seq 50); do grep -q "READY=1" "$nlog" && break; sleep 0.1; done
check "READY=1 sent" "$(grep -c '^[0-9.]* READY=1$' "$nlog")" 1
check "a status line with it" "$(grep -c '^[0-9.]* STATUS=collecting: NFLOG group 7$' "$nlog")" 1
check "READY=1 once the web socket listens" \
	"$(in_host ss -ltn 'sport = :8383' | grep -c LISTEN)" 1

# --- the watchdog, fed every 0.3 s by the core thread
sleep 3
pings=$(grep -c 'WATCHDOG=1' "$nlog")
check "WATCHDOG=1 every third of WATCHDOG_USEC (9 or so in 3 s)" \
	"$([ "$pings" -ge 7 ] && [ "$pings" -le 16 ] && echo yes || echo "$pings")" yes

# --- a writer stuck on a locked database: no ping while it waits (busy timeout 5 s)
(echo ".timeout 3000"; echo "BEGIN IMMEDIATE;"; sleep 4; echo "COMMIT;") | sqlite3 "$LAB_DB" &
lockpid=$!
sleep 0.5
in_vm bash -c 'exec 3<>/dev/tcp/198.51.100.2/9 || true' 2>/dev/null || true
wait "$lockpid"
before=$(grep -c 'WATCHDOG=1' "$nlog")
sleep 2
after=$(grep -c 'WATCHDOG=1' "$nlog")
gap=$(awk '/WATCHDOG=1/ { if (last && $1 - last > max) max = $1 - last; last = $1 }
	END { printf "%d", max }' "$nlog")
check "no WATCHDOG=1 for 3 s or more while the writer was stuck" \
	"$([ "$gap" -ge 3 ] && echo yes || echo "longest gap ${gap}s")" yes
check "pings resume once it can write (4 or more in 2 s)" \
	"$([ $((after - before)) -ge 4 ] && echo yes || echo $((after - before)))" yes

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "the connection made during the stall stored" \
	"$(sql "SELECT count(*) FROM connections WHERE dport = 9")" 1
check "STOPPING=1 on SIGTERM" "$(grep -c 'STOPPING=1' "$nlog")" 1

# --- the journal's line format
check "log lines carry a syslog priority" \
	"$(grep -c '^<6>info: collecting: NFLOG group 7' "$LAB_DIR/collect.log")" 1
check "and no time stamp of their own" \
	"$(grep -c '^[0-9]\{4\}-' "$LAB_DIR/collect.log" || true)" 0
check "warnings at <4>" "$(grep -c '^<4>warning: ' "$LAB_DIR/collect.log" || true)" \
	"$(grep -c 'warning: ' "$LAB_DIR/collect.log" || true)"
lab_finish
