#!/bin/bash
# Least privilege, seen on the running collector: after start it runs as an unprivileged
# user with no capability, no_new_privs and a seccomp filter; its helper keeps only
# CAP_NET_ADMIN and answers the nftables ruleset check (the seed rule, the recommended
# iifname rule, none, another group). The helper's death is noticed and logged. A
# missing user and a database directory the user cannot write are one clear line each
# at start (exit 2); what the daemon creates is its user's only.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require
lab_up "$SEED_RULE"
lab_config
lab_collect
status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
helper=$(pgrep -P "$COLLECT_PID" | head -1)

check "collector: Uid is not 0" "$(status "$COLLECT_PID" Uid)" "$(id -u "$LAB_USER")"
check "collector: CapEff = 0" "$(status "$COLLECT_PID" CapEff)" 0000000000000000
check "collector: CapPrm = 0" "$(status "$COLLECT_PID" CapPrm)" 0000000000000000
check "collector: CapBnd = 0" "$(status "$COLLECT_PID" CapBnd)" 0000000000000000
check "collector: NoNewPrivs = 1" "$(status "$COLLECT_PID" NoNewPrivs)" 1
check "collector: Seccomp = 2 (filter)" "$(status "$COLLECT_PID" Seccomp)" 2
bad=0
for t in /proc/"$COLLECT_PID"/task/*; do
	[ "$(awk '$1 == "Seccomp:" { print $2 }' "$t/status")" = 2 ] &&
		[ "$(awk '$1 == "CapEff:" { print $2 }' "$t/status")" = 0000000000000000 ] ||
		bad=$((bad + 1))
done
check "every thread filtered and without capabilities" "$bad" 0
check "helper: Uid is not 0" "$(status "$helper" Uid)" "$(id -u "$LAB_USER")"
check "helper: only CAP_NET_ADMIN" "$(status "$helper" CapEff)" 0000000000001000
check "helper: NoNewPrivs = 1" "$(status "$helper" NoNewPrivs)" 1
check "helper: Seccomp = 2" "$(status "$helper" Seccomp)" 2
check "the database is the user's only" "$(stat -c '%U %a' "$LAB_DB")" "$LAB_USER 600"

# --- the ruleset check: at start, and again on each SIGHUP
logged() { grep "nftables check" "$LAB_DIR/collect.log" | tail -1 | sed 's/^.*nftables check: //'; }
hup() {
	local n
	n=$(grep -c "nftables check" "$LAB_DIR/collect.log")
	kill -HUP "$COLLECT_PID"
	for _ in $(seq 50); do
		[ "$(grep -c "nftables check" "$LAB_DIR/collect.log")" -gt "$n" ] && return
		sleep 0.1
	done
}
check "the seed rule" "$(logged)" \
	"ok: inet openclaw-monitor forward: 'ip saddr 192.168.83.2 ct state new log group 7' (IPv4 only)"
lab_rule "$IIF_RULE"
hup
check "the recommended rule" "$(logged)" \
	"ok: inet openclaw-monitor forward: 'iifname br-openclaw ct state new log group 7'"
lab_rule "ct state established accept"
hup
check "no log rule" "$(logged)" "missing: no rule in a forward-hook chain logs the VM's new connections to NFLOG group 7 (1 rule in forward-hook chains)"
lab_rule 'iifname "br-openclaw" ct state new log prefix "openclaw-vm: " group 8'
hup
check "another group" "$(logged)" "wrong-group: inet openclaw-monitor forward: 'iifname br-openclaw ct state new log group 8' logs the VM's new connections to NFLOG group 8, not 7"

# --- the helper dies: logged, the collector carries on
kill -9 "$helper"
for _ in $(seq 50); do grep -q "privileged helper" "$LAB_DIR/collect.log" && break; sleep 0.1; done
check "the helper's death is logged" \
	"$(grep -c "netadm: the privileged helper (pid $helper) was killed by signal 9" "$LAB_DIR/collect.log")" 1
hup
check "later checks say why they have no answer" "$(logged)" \
	"no answer from the privileged helper: Broken pipe"
lab_rule "$SEED_RULE"
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.2 -n 10 >/dev/null
sleep 0.5
lab_stop TERM && rc=0 || rc=$?
check "the collector still collects and exits 0" "$rc/$(sql "SELECT count(*) FROM connections")" 0/10

# --- a database directory that does not exist yet: made for the user, 0700
LAB_DB="$LAB_DIR/state/audit.db"
lab_collect --set "collector.database=$LAB_DB"
check "a missing directory is made for the user" \
	"$(stat -c '%U %a' "$LAB_DIR/state") $(stat -c '%U %a' "$LAB_DB")" \
	"$LAB_USER 700 $LAB_USER 600"
lab_stop TERM && rc=0 || rc=$?
check "and used" "$rc" 0

# --- start-up refusals, one line each, exit 2
fails() {
	in_host "$OCA_BIN" collect -c "$LAB_CONF" "$@" 2>&1 >/dev/null </dev/null && echo "rc 0" ||
		echo "rc $?"
}
out=$(fails --set collector.user=oca-no-such-user)
check "a missing user: exit 2, one line that says how to create it" "$out" \
	"oc-audit collect: collector.user: there is no user 'oca-no-such-user' on this host to run as after start; create it (useradd --system --no-create-home --shell /usr/sbin/nologin oca-no-such-user) or name another in [collector] user
rc 2"
out=$(fails --set "collector.database=$LAB_DIR/audit.db")
check "a database directory the user cannot write: exit 2, one line" "$out" \
	"oc-audit collect: collector.database: user $LAB_USER cannot create files in $LAB_DIR (SQLite's -wal and -shm): Permission denied; give the directory to it (chown $LAB_USER $LAB_DIR) or put the database in a directory it owns
rc 2"
lab_finish
