#!/bin/bash
# What a foreign web page (or a stolen cookie, or a guessing client) can make the
# dashboard do. A browser marks every request with Sec-Fetch-Site: anything but
# same-origin or none is refused, GET included (a page the operator visits could
# otherwise make the daemon build reports of any size, over and over). The token file
# must not be readable by others. The login cookie is a session, not the token, with
# Max-Age, HttpOnly and SameSite=Strict. /login takes a few attempts a minute.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
lab_require curl
lab_up
TOKEN=0123456789abcdef-lab-token-$RANDOM
echo "$TOKEN" > "$LAB_DIR/token"

# a token file others can read: refused at start, naming the file
chmod 0644 "$LAB_DIR/token"
lab_config "[web]" "listen = $WEB" "token_file = $LAB_DIR/token"
rc=0
in_host timeout 10 "$OCA_BIN" collect -c "$LAB_CONF" >"$LAB_DIR/start.out" 2>&1 || rc=$?
check "a token file readable by others: refused" "$rc" 2
check "naming the file and the mode" "$(grep -c "web.token_file $LAB_DIR/token.*0644" "$LAB_DIR/start.out")" 1
chmod 0600 "$LAB_DIR/token"
lab_collect
"$DBSQL" "$LAB_DB" < "$OCA_SRCDIR/tests/lab/web_plant.sql"
B="Authorization: Bearer $TOKEN"
O="Origin: http://$WEB"

for site in cross-site same-site; do
	check "GET report, Sec-Fetch-Site: $site: 403" \
		"$(hc -H "$B" -H "Sec-Fetch-Site: $site" "http://$WEB/api/report?since=3650d")" 403
	check "GET page, Sec-Fetch-Site: $site: 403" \
		"$(hc -H "$B" -H "Sec-Fetch-Site: $site" "http://$WEB/")" 403
	check "GET asset, Sec-Fetch-Site: $site: 403" \
		"$(hc -H "Sec-Fetch-Site: $site" "http://$WEB/assets/style.css")" 403
	check "GET login, Sec-Fetch-Site: $site: 403" \
		"$(hc -H "Sec-Fetch-Site: $site" "http://$WEB/login")" 403
done
check "GET report, Sec-Fetch-Site: same-origin: 200" \
	"$(hc -H "$B" -H "Sec-Fetch-Site: same-origin" "http://$WEB/api/report?since=7d")" 200
check "GET page, Sec-Fetch-Site: none (typed in): 200" \
	"$(hc -H "$B" -H "Sec-Fetch-Site: none" "http://$WEB/")" 200
check "GET without the header (not a browser): 200" "$(hc -H "$B" "http://$WEB/api/dns")" 200

check "login 303" "$(hc -X POST -H "$O" -H "Sec-Fetch-Site: same-origin" \
	--data-urlencode "token=$TOKEN" "http://$WEB/login")" 303
cookie=$(hdr Set-Cookie)
value=${cookie%%;*}
value=${value#*=}
check "the cookie is not the token" "$([ "$value" != "$TOKEN" ] && [ -n "$value" ] && echo yes)" yes
check "nor holds it" "$(grep -cF "$TOKEN" <<<"$cookie")" 0
check "HttpOnly" "$(grep -c '; HttpOnly' <<<"$cookie")" 1
check "SameSite=Strict" "$(grep -c '; SameSite=Strict' <<<"$cookie")" 1
check "Max-Age" "$(grep -c '; Max-Age=[1-9][0-9]*' <<<"$cookie")" 1
check "the session opens the overview" "$(hc -H "Cookie: ${cookie%%;*}" "http://$WEB/")" 200
check "the token as a cookie does not" "$(hc -H "Cookie: oca_session=$TOKEN" "http://$WEB/")" 303
check "a forged session does not" "$(hc -H "Cookie: oca_session=1.$(printf 'ab%.0s' $(seq 32))" "http://$WEB/")" 303

# guessing: a few attempts, then 429 for a while, even for the right token
codes=""
for i in $(seq 12); do
	codes="$codes $(hc -X POST -H "$O" --data-urlencode "token=guess$i" "http://$WEB/login")"
done
check "wrong tokens: 403, then 429" "$(tr ' ' '\n' <<<"$codes" | sort -u | xargs)" "403 429"
check "the right token waits too" "$(hc -X POST -H "$O" --data-urlencode "token=$TOKEN" "http://$WEB/login")" 429
check "with Retry-After" "$(hdr Retry-After | grep -c '^[1-9][0-9]*$')" 1
check "the bearer token still works meanwhile" "$(hc -H "$B" "http://$WEB/api/dns")" 200

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
