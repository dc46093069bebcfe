#!/bin/bash
# The dashboard off loopback: refused without the explicit opt-in and a token; with
# them, every page and API call needs the token (Authorization: Bearer, or the cookie
# the login form sets), and POST still needs the same origin or the bearer header.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
lab_require curl
lab_up
TOKEN=0123456789abcdef-lab-token-$RANDOM
echo "$TOKEN" > "$LAB_DIR/token"
echo short > "$LAB_DIR/short"
chmod 600 "$LAB_DIR/token" "$LAB_DIR/short"   # one others can read is refused (web_foreign.sh)

# refusals at startup: one line each, exit 2, nothing left running
try_start() {
	lab_config "[web]" "$@"
	in_host timeout 10 "$OCA_BIN" collect -c "$LAB_CONF" >"$LAB_DIR/start.out" 2>&1 && echo 0 || echo $?
}
check "off loopback without opt-in refused" "$(try_start "listen = 198.51.100.1:8383" "token_file = $LAB_DIR/token")" 2
check "the reason is one line" "$(grep -c 'not a loopback address' "$LAB_DIR/start.out"),$(wc -l < "$LAB_DIR/start.out")" "1,1"
check "opt-in without token refused" "$(try_start "listen = 198.51.100.1:8383" "allow_remote = 1")" 2
check "opt-in bad value refused" "$(try_start "listen = 198.51.100.1:8383" "allow_remote = yes")" 2
check "token too short refused" "$(try_start "listen = 127.0.0.1:8383" "token_file = $LAB_DIR/short")" 2
check "token file missing refused" "$(try_start "listen = 127.0.0.1:8383" "token_file = $LAB_DIR/nope")" 2
check "missing token file named" "$(grep -c "web.token_file: cannot read $LAB_DIR/nope" "$LAB_DIR/start.out")" 1
in_host python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 8383)); s.listen(); time.sleep(60)' &
LAB_PIDS="$LAB_PIDS $!"
for i in $(seq 100); do   # python may take a while to start on a loaded machine
	in_host ss -ltn | grep -q '127.0.0.1:8383 ' && break
	sleep 0.1
done
check "port in use refused" "$(try_start "listen = 127.0.0.1:8383")" 2
check "port in use named" "$(grep -c 'web.listen 127.0.0.1:8383: cannot listen' "$LAB_DIR/start.out")" 1

# with the opt-in and a token, on the host's uplink address
WEB=198.51.100.1:8383
lab_config "[web]" "listen = $WEB" "allow_remote = 1" "token_file = $LAB_DIR/token"
lab_collect
"$DBSQL" "$LAB_DB" < "$OCA_SRCDIR/tests/lab/web_plant.sql"
B="Authorization: Bearer $TOKEN"
O="Origin: http://$WEB"

check "page without token goes to login" "$(hc "http://$WEB/")" 303
check "login location" "$(hdr Location)" /login
check "API without token 401" "$(hc "http://$WEB/api/dns")" 401
check "metrics without token 401" "$(hc "http://$WEB/metrics")" 401
check "report without token 401" "$(hc "http://$WEB/api/report?since=7d")" 401
check "wrong bearer 401" "$(hc -H "Authorization: Bearer ${TOKEN}x" "http://$WEB/api/dns")" 401
check "token in the query string is no token" "$(hc "http://$WEB/api/dns?token=$TOKEN")" 401
check "assets need no token" "$(hc "http://$WEB/assets/style.css")" 200
check "login page 200" "$(hc "http://$WEB/login")" 200
check "bearer 200" "$(hc -H "$B" "http://$WEB/api/dns")" 200
check "bearer: rows" "$(jq_py 'len(j["items"])')" 5
check "listen address is an allowed Host" "$(hc -H "$B" "http://$WEB/")" 200
check "other Host refused" "$(hc -H "$B" -H 'Host: evil.example:8383' "http://$WEB/")" 421
check "from another machine with bearer" "$(in_net curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "$B" "http://$WEB/metrics")" 200
check "from another machine without" "$(in_net curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$WEB/metrics")" 401

check "login wrong token 403" "$(hc -X POST -H "$O" --data-urlencode "token=nope" "http://$WEB/login")" 403
check "login cross-origin 403" "$(hc -X POST -H 'Origin: http://evil.example' --data-urlencode "token=$TOKEN" "http://$WEB/login")" 403
check "login 303" "$(hc -X POST -H "$O" --data-urlencode "token=$TOKEN" "http://$WEB/login")" 303
cookie=$(hdr Set-Cookie)
check "cookie is HttpOnly, SameSite=Strict" "$(echo "$cookie" | grep -c 'HttpOnly; SameSite=Strict')" 1
C="Cookie: ${cookie%%;*}"
check "cookie opens the overview" "$(hc -H "$C" "http://$WEB/")" 200
check "overview escaped" "$(body_has '&lt;script&gt;alert(1)')" yes
check "cookie POST without Origin 403" "$(hc -X POST -H "$C" "http://$WEB/api/findings/1/ack")" 403
check "cookie POST cross-origin 403" "$(hc -X POST -H "$C" -H 'Origin: http://evil.example' "http://$WEB/api/findings/1/ack")" 403
check "POST with Origin but no token 401" "$(hc -X POST -H "$O" "http://$WEB/api/findings/1/ack")" 401
check "cookie POST same origin 202" "$(hc -X POST -H "$C" -H "$O" "http://$WEB/api/findings/1/ack")" 202
check "bearer POST (no browser) 202" "$(hc -X POST -H "$B" "http://$WEB/api/findings/2/ack")" 202
for i in $(seq 30); do
	[ "$(sql "SELECT count(*) FROM findings WHERE acked_us IS NOT NULL")" = 3 ] && break
	sleep 0.1
done
check "both acknowledged" "$(sql "SELECT group_concat(id) FROM findings WHERE acked_us IS NOT NULL")" "1,2,3"

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
