#!/bin/bash
# SIGHUP: the collector rereads its whole configuration. A good one changes the policy
# for the very next query and connection, the dashboard's token and the alert settings,
# loses no event flowing through the reload, and names the keys that need a restart; a
# bad one is rejected with its reason, and the running policy stays.
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill curl
lab_up
lab_upstream_dns
WEB=127.0.0.1:8383
printf 'token-before-the-reload\n' > "$LAB_DIR/webtoken"
chmod 600 "$LAB_DIR/webtoken"   # read again after the drop, as $LAB_USER: its own
chown "$LAB_USER" "$LAB_DIR/webtoken"
conf() {
	lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" "$@" \
		"[web]" "listen = $WEB" "token_file = $LAB_DIR/webtoken"
}
conf
lab_collect
q() { in_vm drill "$1" @192.168.83.1 >/dev/null 2>&1 || true; }
finding_count() {
	sql "SELECT coalesce(max(count), 0) FROM findings WHERE kind = 'unexpected-domain' AND key = '$1'"
}
api() { in_host curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $1" "http://$WEB/api/dns"; }
reloaded() {   # reloaded N: wait for the Nth "configuration reloaded" or "rejected" line
	for _ in $(seq 100); do
		[ "$(grep -c 'SIGHUP: configuration reloaded\|SIGHUP: the new configuration is rejected' \
			"$LAB_DIR/collect.log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "no reload logged"
}

q www.example.com
sleep 0.5
check "before: www.example.com is unexpected" "$(finding_count www.example.com)" 1
check "before: the first token opens the API" "$(api token-before-the-reload)" 200

# --- a good configuration, HUP'd while a stream of flows goes through
conf "[policy]" "expected_domains = api.telegram.org, openrouter.ai, www.example.com" \
	"[dns]" "rate_limit = 100"
printf 'token-after-the-reload\n' > "$LAB_DIR/webtoken"
in_vm "$FLOWGEN" -s 192.168.83.2 -d 198.51.100.7 -n 3000 -r 2000 >/dev/null &
flows=$!
sleep 0.6
kill -HUP "$COLLECT_PID"
reloaded 1
wait "$flows"
q www.example.com
q cdn1.example.net
in_vm bash -c 'timeout 1 bash -c "exec 3<>/dev/tcp/198.51.100.10/443"' 2>/dev/null || true
sleep 0.8
check "the reload is logged with what it applied" \
	"$(grep -c 'SIGHUP: configuration reloaded from .* (token files read again); changed: policy.expected_domains$' \
		"$LAB_DIR/collect.log")" 1
check "what needs a restart is named" \
	"$(grep -c 'takes effect only after a restart: dns.rate_limit' "$LAB_DIR/collect.log")" 1
check "after: the next query for www.example.com is expected (no new finding)" \
	"$(finding_count www.example.com)" 1
check "after: other names are still judged" "$(finding_count cdn1.example.net)" 1
check "after: a connection to www.example.com's address is expected" \
	"$(sql "SELECT expected FROM destinations WHERE domain = 'www.example.com' AND port = 443")" 1
check "after: the old token is refused" "$(api token-before-the-reload)" 401
check "after: the new token opens the API" "$(api token-after-the-reload)" 200

# --- a bad configuration: rejected, the running one stays
printf '[policy]\nexpected_ports = tcp/99999\n' >> "$LAB_CONF"
kill -HUP "$COLLECT_PID"
reloaded 2
q www.example.com
q cdn2.example.net
sleep 0.8
check "a bad file is rejected with its reason" \
	"$(grep -c 'SIGHUP: .*oc-audit.ini:[0-9]*: policy.expected_ports' "$LAB_DIR/collect.log")" 1
check "... and said so" \
	"$(grep -c 'the new configuration is rejected; the running one stays' "$LAB_DIR/collect.log")" 1
check "the running policy stays (www.example.com expected)" "$(finding_count www.example.com)" 1
check "the running policy stays (cdn2.example.net judged)" "$(finding_count cdn2.example.net)" 1
check "the token stays" "$(api token-after-the-reload)" 200

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
check "every flow of the stream through the reload stored" \
	"$(sql "SELECT count(*) FROM connections WHERE dst = '198.51.100.7'")" 3000
check "nothing lost" "$(sql "SELECT coalesce(sum(count), 0) FROM losses")" 0
lab_finish
