#!/bin/bash
# The dashboard over HTTP: every page and endpoint, and every refusal (Host, traversal in
# its encodings, cross-origin POST, oversize, wrong method), over hostile planted rows.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
web_up
# the planted names look like the daemon's: each with its registered domain (schema 18)
check "planted names carry their registered domain" "$(sql "SELECT count(*) FROM dns_names
	WHERE base IS NULL"),$(sql "SELECT base FROM dns_names WHERE name LIKE '<script>%'")" 0,evil.test

O="Origin: http://$WEB"
snapshot() { sql "SELECT group_concat(id || ':' || coalesce(acked_us, '-'), ',') FROM findings; SELECT count(*) FROM connections; SELECT count(*) FROM dns_queries"; }
before=$(snapshot)

# --------------------------------------------------------------- pages
check "overview 200" "$(hc "http://$WEB/")" 200
check "overview is HTML" "$(hdr Content-Type)" "text/html; charset=utf-8"
csp=$(hdr Content-Security-Policy)
check "CSP: scripts only from self" "$(echo "$csp" | grep -c "script-src 'self';")" 1
check "CSP: no unsafe-inline" "$(echo "$csp" | grep -c unsafe)" 0
check "CSP: frame-ancestors none" "$(echo "$csp" | grep -c "frame-ancestors 'none'")" 1
check "nosniff" "$(hdr X-Content-Type-Options)" nosniff
check "no inline script in the page" "$(grep -o '<script[^>]*>' "$LAB_DIR/body" | grep -vc 'src="/assets/app.js"')" 0
check "watch day" "$(body_has 'Day 3 of 7')" yes
check "events lost banner" "$(body_has '5 events were lost')" yes
check "hostile name escaped" "$(body_has '&lt;script&gt;alert(1)&lt;/script&gt;.evil.test')" yes
check "no raw script from the VM" "$(body_has '<script>alert')" no
check "no raw img from the VM" "$(body_has '<img src=x')" no
check "attribute breakout escaped" "$(body_has '&quot;&gt;&lt;img src=x onerror=alert(2)&gt;')" yes
check "expected destination listed" "$(body_has 'api.telegram.org')" yes
check "ack form is a POST" "$(grep -c 'method="post" class="ack" action="/api/findings/1/ack' "$LAB_DIR/body")" 1
check "header: the VM as [collector] vm_subnet has it" \
	"$(body_has '<span class="vm">VM 192.168.83.0/24, fd83::/64 · egress audit</span>')" yes

check "dns page 200" "$(hc "http://$WEB/dns")" 200
check "dns: control bytes escaped" "$(body_has 'ctl\x01\x1b[31m\x07bell.evil.test')" yes
check "dns: 255-byte name" "$(grep -c 'abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abc.abx.com' "$LAB_DIR/body")" 1
check "dns: answer data escaped" "$(body_has '&quot;&lt;/td&gt;&lt;script&gt;alert(3)')" yes
check "dns: no raw script" "$(body_has '<script>alert')" no
check "dns filter by name" "$(hc "http://$WEB/dns?name=evil")" 200
check "dns filter keeps evil" "$(body_has 'bell.evil.test')" yes
check "dns filter drops telegram" "$(body_has 'api.telegram.org')" no
check "dns filter value reflected escaped" "$(hc "http://$WEB/dns?name=%22%3E%3Cb%3Ex")" 200
check "reflected filter escaped" "$(body_has 'value="&quot;&gt;&lt;b&gt;x"')" yes
check "connections page 200" "$(hc "http://$WEB/connections")" 200
check "connections: why" "$(body_has ', TTL 60s, used ')" yes
check "connections: stale marked" "$(body_has 'after the TTL ran out')" yes
check "connections: unattributed" "$(body_has 'no DNS answer gave the VM this address')" yes
check "connections page filter" "$(hc "http://$WEB/connections?port=8080&kind=unexpected&proto=tcp")" 200
check "connections filter applied" "$(body_has '198.51.100.6')" no
check "finding page 200" "$(hc "http://$WEB/findings/1")" 200
check "finding: related DNS" "$(body_has '198.51.100.6 (60s)')" yes
check "finding: seen, plural" "$(body_has '<dd>2 times</dd>')" yes
check "finding: related connections" "$(grep -c '<td class="addr">192.168.83.2' "$LAB_DIR/body")" 2
check "finding: example escaped" "$(body_has '&lt;img src=x onerror=alert(4)&gt;')" yes
check "finding with control bytes" "$(hc "http://$WEB/findings/2")" 200
check "finding: seen once" "$(body_has '<dd>1 time</dd>')" yes
check "finding: DNS answers that gave its address" "$(body_has '198.51.100.9 (300s)')" yes
check "control bytes shown as text" "$(body_has 'ctl\x1b[2J')" yes
check "bidi override shown as text" "$(body_has 'ctl\x1b[2J\u202egnp.exe')" yes
check "no raw bidi override" "$(grep -c "$(printf '\342\200\256')" "$LAB_DIR/body")" 0
check "finding 999 404" "$(hc "http://$WEB/findings/999")" 404
check "finding id junk 404" "$(hc "http://$WEB/findings/1x")" 404
# enforce mode: the header says the mode; a finding it dropped carries a badge
check "header: audit mode" "$(hc "http://$WEB/"; grep -c '<span class="mode audit" id="mode"[^>]*>audit mode</span>' "$LAB_DIR/body")" "2001"
check "overview: blocked badge on the dropped finding" "$(grep -c '<tr id="finding-2".*class="badge blocked"' "$LAB_DIR/body")" 1
check "overview: blocked badge there only" "$(grep -o 'class="badge blocked"' "$LAB_DIR/body" | wc -l)" 1
check "finding page: blocked badge" "$(hc "http://$WEB/findings/2"; grep -c '<h1><span class="kind">direct-ip</span> <span class="badge blocked"' "$LAB_DIR/body")" "2001"
check "finding page: blocked said" "$(body_has 'blocked: enforce mode dropped these attempts')" yes
check "finding page: not blocked, no badge" "$(hc "http://$WEB/findings/1"; body_has 'badge blocked')" "200no"
check "api/findings: blocked" "$(hc "http://$WEB/api/findings"; jq_py '[(i["id"], i["blocked"]) for i in j["items"]]')" "200[(4, False), (3, False), (2, True), (1, False)]"

# --------------------------------------------------------------- API
since=$(date -u -d '-7 days' +%Y-%m-%dT%H:%M:%SZ)
until=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
check "api/report 200" "$(hc "http://$WEB/api/report?since=$since&until=$until")" 200
check "api/report is JSON" "$(hdr Content-Type)" application/json
"$OCA_BIN" report --db "$LAB_DB" --since "$since" --until "$until" --format json > "$LAB_DIR/cli.json"
check "api/report == oc-audit report --format json" "$(cmp -s "$LAB_DIR/body" "$LAB_DIR/cli.json" && echo same || echo differ)" same
check "api/report?since=7d 200" "$(hc "http://$WEB/api/report?since=7d")" 200
check "api/report findings" "$(jq_py 'len(j["findings"])')" 4
check "api/report bad since 400" "$(hc "http://$WEB/api/report?since=yesterday")" 400

check "api/dns 200" "$(hc "http://$WEB/api/dns")" 200
check "api/dns items" "$(jq_py 'len(j["items"])')" 5
check "api/dns name kept exact" "$(jq_py '[i["qname"] for i in j["items"] if i["id"]==4][0]')" "$(printf 'ctl\001\033[31m\007bell.evil.test')"
check "api/dns ip filter" "$(hc "http://$WEB/api/dns?ip=198.51.100.6")" 200
check "api/dns ip filter rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[2]"
hc "http://$WEB/api/dns?ip=198.51.100.6&name=SCRIPT" >/dev/null
check "api/dns ip and name" "$(jq_py '[i["id"] for i in j["items"]]')" "[2]"
hc "http://$WEB/api/dns?ip=198.51.100.6&name=telegram" >/dev/null
check "api/dns ip and another name" "$(jq_py '[i["id"] for i in j["items"]]')" "[]"
hc "http://$WEB/api/dns?ip=198.51.100.9&until=$(date -u -d '-90 min' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
check "api/dns ip in a window" "$(jq_py '[i["id"] for i in j["items"]]')" "[1]"
hc "http://$WEB/api/dns?ip=198.51.100.9&since=1h" >/dev/null
check "api/dns ip outside it" "$(jq_py '[i["id"] for i in j["items"]]')" "[]"
check "api/dns qtype filter" "$(hc "http://$WEB/api/dns?qtype=AAAA")" 200
check "api/dns qtype rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[3]"
check "api/dns: the type's mnemonic beside its number" \
	"$(jq_py '[(i["qtype"], i["rrtype"]) for i in j["items"]]')" "[(28, 'AAAA')]"
check "api/dns kind filter" "$(hc "http://$WEB/api/dns?kind=servfail")" 200
check "api/dns kind rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[5]"
check "api/dns page 1" "$(hc "http://$WEB/api/dns?limit=2")" 200
check "api/dns page 1 rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["next_before"]')" "[5, 4],4"
check "api/dns page 2" "$(hc "http://$WEB/api/dns?limit=2&before=4")" 200
check "api/dns page 2 rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[3, 2]"
check "api/dns page 3" "$(hc "http://$WEB/api/dns?limit=2&before=2")" 200
check "api/dns page 3 rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["next_before"]')" "[1],None"
check "api/dns name page 1" "$(hc "http://$WEB/api/dns?name=EVIL&limit=2")" 200
check "api/dns name page 1 rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["next_before"]')" "[4, 3],3"
check "api/dns name page 2" "$(hc "http://$WEB/api/dns?name=EVIL&limit=2&before=3")" 200
check "api/dns name page 2 rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["next_before"]')" "[2],None"
check "api/dns name + type" "$(hc "http://$WEB/api/dns?name=evil&qtype=TXT")" 200
check "api/dns name + type rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[4]"
check "api/dns time filter" "$(hc "http://$WEB/api/dns?since=40m")" 200
check "api/dns time rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[5, 4]"

check "api/connections 200" "$(hc "http://$WEB/api/connections")" 200
check "api/connections items" "$(jq_py 'len(j["items"])')" 4
check "api/connections why" "$(jq_py '[(i["why"]["ttl"], i["why"]["qname"]) for i in j["items"] if i["id"]==2][0]')" "(60, '<script>alert(1)</script>.evil.test')"
check "api/connections bad domains JSON is null" "$(jq_py '[i["domains"] for i in j["items"] if i["id"]==3][0]')" None
check "api/connections kind" "$(hc "http://$WEB/api/connections?kind=unexpected")" 200
check "api/connections kind rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[4, 3, 2]"
check "api/connections dest-plan page 1" "$(hc "http://$WEB/api/connections?kind=unexpected&limit=2")" 200
check "api/connections dest-plan page 1 rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["next_before"]')" "[4, 3],3"
check "api/connections dest-plan page 2" "$(hc "http://$WEB/api/connections?kind=unexpected&limit=2&before=3")" 200
check "api/connections dest-plan page 2 rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["next_before"]')" "[2],None"
check "api/connections time-plan page" "$(hc "http://$WEB/api/connections?limit=3")" 200
check "api/connections time-plan rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["next_before"]')" "[4, 3, 2],2"
check "api/connections port+proto" "$(hc "http://$WEB/api/connections?port=8080&proto=tcp")" 200
check "api/connections port rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[4]"
check "api/connections name" "$(hc "http://$WEB/api/connections?name=SCRIPT")" 200
check "api/connections name rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[3, 2]"
check "api/connections stale" "$(hc "http://$WEB/api/connections?kind=stale")" 200
check "api/connections stale rows" "$(jq_py '[i["id"] for i in j["items"]]')" "[3]"

check "api/timeline 200" "$(hc "http://$WEB/api/timeline?since=7d")" 200
check "api/timeline hours" "$(jq_py 'len(j["hours"]) >= 50')" True
check "api/timeline hours: bytes up and down last" "$(jq_py 'len(j["hours"][0])')" 7
check "api/timeline findings" "$(jq_py 'len(j["findings"])')" 4
check "api/timeline lost hour" "$(jq_py 'sum(h[4] for h in j["hours"])')" 5
check "api/findings after" "$(hc "http://$WEB/api/findings?after=2")" 200
check "api/findings after rows" "$(jq_py '[i["id"] for i in j["items"]]'),$(jq_py 'j["last_id"]')" "[4, 3],4"

check "metrics 200" "$(hc "http://$WEB/metrics")" 200
check "metrics: queue depth" "$(grep -c '^oc_audit_queue_depth [0-9]' "$LAB_DIR/body")" 1
check "metrics: events lost" "$(grep -c '^oc_audit_events_lost_total{reason="queue_full"} [0-9]' "$LAB_DIR/body")" 1
check "metrics: alert failures" "$(grep -c '^oc_audit_alert_failures_total [0-9]' "$LAB_DIR/body")" 1
check "metrics: dns queries" "$(grep -c '^oc_audit_dns_queries_total{result="allowed"} [0-9]' "$LAB_DIR/body")" 1
check "metrics: findings" "$(awk '$1 ~ /^oc_audit_findings\{/ { n += $2 } END { print n }' "$LAB_DIR/body")" 4

# bad parameters: refused, never half-applied
check "unknown parameter 400" "$(hc "http://$WEB/api/dns?foo=1")" 400
check "limit too big 400" "$(hc "http://$WEB/api/dns?limit=100000")" 400
check "limit twice 400" "$(hc "http://$WEB/api/dns?limit=1&limit=2")" 400
check "NUL in a value 400" "$(hc "http://$WEB/api/dns?name=a%00b")" 400
check "bad ip 400" "$(hc "http://$WEB/api/connections?ip=1.2.3.4.5")" 400
check "bad kind 400" "$(hc "http://$WEB/api/connections?kind=nxdomain")" 400
check "until before since 400" "$(hc "http://$WEB/api/dns?since=1h&until=2h")" 400
check "400 as JSON" "$(jq_py 'j["error"]')" "'until' must be after 'since'"

# --------------------------------------------------------------- assets and traversal
check "app.js 200" "$(hc "http://$WEB/assets/app.js")" 200
check "app.js type" "$(hdr Content-Type)" "text/javascript; charset=utf-8"
check "style.css 200" "$(hc "http://$WEB/assets/style.css")" 200
for p in /assets/../../../etc/passwd /assets/..%2f..%2fetc%2fpasswd /assets/%2e%2e/%2e%2e/etc/passwd \
	/%2e%2e/%2e%2e/etc/passwd /assets/%252e%252e%252fetc%252fpasswd /assets/..%5cweb.h \
	'/assets/..\..\etc\passwd' /assets/%c0%ae%c0%ae/etc/passwd /assets//etc/passwd \
	/assets/app.js%00.txt /assets/app.js/ /assets/.htaccess /assets/ /assets /etc/passwd \
	/web/server.c /web/assets/app.js /schema/001_init.sql /index.html '/?../../etc/passwd/x/..' \
	/api/../etc/passwd /api/findings/1/ack/../../../etc/passwd /./ ; do
	code=$(hc --path-as-is "http://$WEB$p")
	case "$code" in 404|400) ok=yes ;; *) ok="$code" ;; esac
	[ "$p" = '/?../../etc/passwd/x/..' ] && ok=yes   # only a query string: the overview
	check "traversal $p refused" "$ok" yes
	check "traversal $p leaks nothing" "$(grep -c 'root:' "$LAB_DIR/body")" 0
done

# --------------------------------------------------------------- Host (DNS rebinding)
check "Host evil.example refused" "$(hc -H 'Host: evil.example:8383' "http://$WEB/")" 421
check "Host rebinding name refused" "$(hc -H 'Host: attacker.test' "http://$WEB/api/dns")" 421
check "Host other port refused" "$(hc -H 'Host: 127.0.0.1:9999' "http://$WEB/")" 421
check "Host without port refused" "$(hc -H 'Host: localhost' "http://$WEB/")" 421
check "Host missing refused" "$(hc -H 'Host:' "http://$WEB/")" 421
check "Host suffix trick refused" "$(hc -H 'Host: 127.0.0.1:8383.evil.test' "http://$WEB/")" 421
check "Host localhost:8383 ok" "$(hc -H 'Host: localhost:8383' "http://$WEB/")" 200
check "Host LOCALHOST:8383 ok" "$(hc -H 'Host: LOCALHOST:8383' "http://$WEB/")" 200
check "Host [::1]:8383 ok" "$(hc -H 'Host: [::1]:8383' "http://$WEB/")" 200
check "Host refusal carries CSP" "$(hc -H 'Host: evil.example:8383' "http://$WEB/"; hdr X-Content-Type-Options)" "421nosniff"
check "metrics Host checked" "$(hc -H 'Host: evil.example:8383' "http://$WEB/metrics")" 421

# --------------------------------------------------------------- methods, oversize
check "PUT 405" "$(hc -X PUT "http://$WEB/")" 405
check "DELETE 405" "$(hc -X DELETE "http://$WEB/api/findings/1/ack")" 405
check "OPTIONS (preflight) 405" "$(hc -X OPTIONS -H "$O" -H 'Access-Control-Request-Method: POST' "http://$WEB/api/findings/1/ack")" 405
check "no CORS allowed" "$(hdr Access-Control-Allow-Origin)" ""
check "POST to a page 405" "$(hc -X POST -H "$O" "http://$WEB/")" 405
check "POST body too large 413" "$(head -c 20000 /dev/zero | tr '\0' a | hc -X POST -H "$O" --data-binary @- "http://$WEB/api/findings/2/ack")" 413
check "POST chunked body too large 413" "$(head -c 20000 /dev/zero | tr '\0' a | hc -X POST -H "$O" -H 'Transfer-Encoding: chunked' --data-binary @- "http://$WEB/api/findings/2/ack")" 413
code=$(head -c 300000 /dev/zero | tr '\0' a | hc -X POST -H "$O" -H 'Transfer-Encoding: chunked' --data-binary @- "http://$WEB/api/findings/2/ack")
check "a body that goes on is cut off" "$(case $code in 000|413) echo yes;; *) echo $code;; esac)" yes
check "finding 2 not acknowledged by it" "$(sleep 0.3; sql "SELECT acked_us IS NULL FROM findings WHERE id = 2")" 1
big=$(head -c 40000 /dev/zero | tr '\0' a)
code=$(hc -H "X-Big: $big" "http://$WEB/")
check "header too large refused" "$(case $code in 413|431|400) echo yes;; *) echo $code;; esac)" yes
code=$(hc "http://$WEB/dns?name=$big")
check "URL too long refused" "$(case $code in 414|413|431|400) echo yes;; *) echo $code;; esac)" yes
check "still serving after oversize" "$(hc "http://$WEB/")" 200

# --------------------------------------------------------------- GET never changes anything
check "GET on ack is 405" "$(hc "http://$WEB/api/findings/1/ack")" 405
check "GET on ack says POST" "$(hdr Allow)" POST
check "HEAD on ack is 405" "$(hc -I "http://$WEB/api/findings/1/ack")" 405
sleep 0.5
check "all the GETs changed nothing" "$(snapshot)" "$before"

# --------------------------------------------------------------- acknowledge (CSRF)
check "POST ack without Origin 403" "$(hc -X POST "http://$WEB/api/findings/1/ack")" 403
check "POST ack cross-origin 403" "$(hc -X POST -H 'Origin: http://evil.example' "http://$WEB/api/findings/1/ack")" 403
check "POST ack Origin null 403" "$(hc -X POST -H 'Origin: null' "http://$WEB/api/findings/1/ack")" 403
check "POST ack other port 403" "$(hc -X POST -H 'Origin: http://127.0.0.1:9999' "http://$WEB/api/findings/1/ack")" 403
check "POST ack cross-site fetch 403" "$(hc -X POST -H "$O" -H 'Sec-Fetch-Site: cross-site' "http://$WEB/api/findings/1/ack")" 403
check "POST ack same-site fetch 403" "$(hc -X POST -H "$O" -H 'Sec-Fetch-Site: same-site' "http://$WEB/api/findings/1/ack")" 403
check "POST form from elsewhere 403" "$(hc -X POST -H 'Origin: http://evil.example' -d x=1 "http://$WEB/api/findings/1/ack?from=overview")" 403
sleep 0.3
check "refused POSTs changed nothing" "$(snapshot)" "$before"
check "POST ack 999 404" "$(hc -X POST -H "$O" "http://$WEB/api/findings/999/ack")" 404
check "POST ack again: queued, it replaces the first 202" "$(hc -X POST -H "$O" "http://$WEB/api/findings/3/ack")" 202
check "POST ack same-origin 202" "$(hc -X POST -H "$O" -H 'Sec-Fetch-Site: same-origin' "http://$WEB/api/findings/1/ack")" 202
check "ack answer" "$(jq_py 'j["queued"]')" True
check "POST ack form 303" "$(hc -X POST -H "$O" -d '' "http://$WEB/api/findings/2/ack?from=finding")" 303
check "form goes back" "$(hdr Location)" /findings/2
for i in $(seq 30); do
	[ "$(sql "SELECT count(*) FROM findings WHERE id IN (1, 2) AND acked_us IS NOT NULL")" = 2 ] && break
	sleep 0.1
done
check "the core thread applied both acks" "$(sql "SELECT count(*) FROM findings WHERE id IN (1, 2) AND acked_us IS NOT NULL")" 2
check "finding 4 untouched" "$(sql "SELECT acked_us IS NULL FROM findings WHERE id = 4")" 1
check "overview shows acknowledged" "$(hc "http://$WEB/findings/1"; body_has 'acknowledged 20')" "200yes"

# --------------------------------------------------------------- a name in any case
# a finding's key is the name in lower case without the final dot; its page lists the
# queries as asked, whatever their case, and a "*.base" finding the names under base
"$DBSQL" "$LAB_DB" <<<"
CREATE TEMP TABLE t AS SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000000 - 60000000 AS ts;
INSERT INTO dns_names(id, name, base, queries, first_us, last_us)
 SELECT 50, 'Mixed.Case.Test.', oca_base('Mixed.Case.Test.'), 1, ts, ts FROM t
 UNION ALL SELECT 51, 'x.MIXED.case.test', oca_base('x.MIXED.case.test'), 1, ts, ts FROM t;
INSERT INTO dns_queries(id, ts_us, client, qname, qname_wire, qtype, qclass, rcode, transport, name_id)
 SELECT 50, ts, '192.168.83.2', 'Mixed.Case.Test.', x'00', 1, 1, 3, 'udp', 50 FROM t
 UNION ALL SELECT 51, ts + 1, '192.168.83.2', 'x.MIXED.case.test', x'00', 1, 1, 3, 'udp', 51 FROM t;
INSERT INTO findings(id, kind, key, domain, count, first_us, last_us, watch_day, detail)
 SELECT 50, 'unexpected-domain', 'mixed.case.test', 'mixed.case.test', 1, ts, ts, 3, 'one' FROM t
 UNION ALL SELECT 51, 'unexpected-domain', '*.case.test', '*.case.test', 1, ts, ts, 3, 'two' FROM t;"
hc "http://$WEB/findings/50" >/dev/null
check "names in any case: the same registered domain" \
	"$(sql "SELECT group_concat(base) FROM dns_names WHERE id IN (50, 51)")" case.test,case.test
check "finding by name: queries in another case" "$(body_has '>Mixed.Case.Test.<'),$(body_has '>x.MIXED.case.test<')" yes,yes
hc "http://$WEB/findings/51" >/dev/null
check "finding by *.base: the names under it" "$(body_has '>Mixed.Case.Test.<'),$(body_has '>x.MIXED.case.test<')" yes,yes

# "expect this" with no [policy] rules_file: the page shows the rule but no button, and the
# POST is refused with 412, as a form of the page too
hc "http://$WEB/findings/50" >/dev/null
check "expect this: the rule shown" "$(body_has '<code class="rule">mixed.case.test</code>')" yes
check "expect this: the missing rules_file named" "$(body_has 'no <code>[policy] rules_file</code> is configured')" yes
check "expect this: no button without a rules_file" "$(grep -c 'class="expect" action=' "$LAB_DIR/body")" 0
check "expect this without a rules_file 412" "$(hc -X POST -H "$O" "http://$WEB/api/findings/50/expect")" 412
check "412 says why, as JSON" "$(jq_py 'j["error"].startswith("no [policy] rules_file is configured")')" True
check "expect this form without a rules_file 412" "$(hc -X POST -H "$O" -d '' "http://$WEB/api/findings/50/expect?from=finding")" 412
check "412 form: a page that says why" "$(hdr Content-Type),$(body_has 'no [policy] rules_file is configured')" "text/html; charset=utf-8,yes"

# --------------------------------------------------------------- coverage
# The overview judges the window it names as `oc-audit report` over that window does, in
# its words, and lists the same blind stretches; the timeline draws the report's own.
page_verdict() { grep -o '<p class="verdict [a-z]*" id="verdict">[^<]*' "$LAB_DIR/body" | sed 's/^<[^>]*>//'; }
page_window() { grep -o 'oc-audit report --since [^ ]* --until [^<]*' "$LAB_DIR/body" | cut -d' ' -f3-; }
cli_verdict() { "$OCA_BIN" report --db "$LAB_DB" $(page_window) | grep '^Verdict: '; }
check "overview 200 again" "$(hc "http://$WEB/")" 200
check "overview: the window is the watch's" "$(page_window | cut -d' ' -f2)" \
	"$(date -u -d "@$(( $(sql "SELECT value FROM meta WHERE key = 'watch_start_us'") / 1000000 ))" +%Y-%m-%dT%H:%M:%SZ)"
check "overview: the report's verdict, word for word" "$(page_verdict)" "$(cli_verdict)"
check "overview: the blind spots named" "$(page_verdict | grep -c 'FINDINGS (.*blind spots (.*rule-missing.*): see Coverage')" 1
check "coverage: the rule's stretch, its detail escaped" \
	"$(body_has 'no rule logs to group 7 &lt;script&gt;alert(5)&lt;/script&gt; &amp; &quot;x&quot;')" yes
check "coverage: no raw markup from a detail" "$(body_has '<script>alert(5)')" no
check "coverage: the collector's stop, once for every sensor" \
	"$(grep -c '<tr class="gap-off"><td>every sensor</td>.*the collector was stopped at ' "$LAB_DIR/body")" 1
check "coverage: the loss burst" "$(grep -c '<tr class="gap-loss"><td>NFLOG (connections)</td>.*5 events lost (queue_full 5)' "$LAB_DIR/body")" 1
check "coverage: capture said unwatched" "$(body_has '<b>Capture (SNI, bytes)</b> not configured: SNI and bytes are not watched')" yes
src=$(grep -o 'data-src="/api/timeline?[^"]*"' "$LAB_DIR/body" | sed 's/^data-src="//; s/"$//; s/&amp;/\&/')
check "timeline drawn over the same window" "$src" "/api/timeline?since=$(page_window | cut -d' ' -f2)&until=$(page_window | cut -d' ' -f4)"
hc "http://$WEB${src/timeline/report}" >/dev/null
cp "$LAB_DIR/body" "$LAB_DIR/report.json"
check "api/timeline 200 with coverage" "$(hc "http://$WEB$src")" 200
check "api/timeline: the report's coverage, the same" "$(python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
print(a["coverage"] == b["coverage"])' "$LAB_DIR/report.json" "$LAB_DIR/body")" True
check "api/timeline: nflog's stretches" "$(jq_py '[g["reason"] for g in j["coverage"]["nflog"]["gaps"]]')" "['rule-missing', 'not-running', 'loss']"
check "api/timeline: dns not configured, no stretch" "$(jq_py '(j["coverage"]["dns"]["configured"], j["coverage"]["dns"]["gaps"])')" "(False, [])"
# no finding in the window: INCOMPLETE, with the same blind spots
sqlite3 -cmd ".timeout 5000" "$LAB_DB" "UPDATE findings SET first_us = first_us - 864000000000, last_us = last_us - 864000000000"
hc "http://$WEB/" >/dev/null
check "overview: INCOMPLETE when no finding but blind spots" "$(page_verdict | grep -c '^Verdict: INCOMPLETE: no finding, but the record has blind spots (.*rule-missing.*), and events were lost: see Coverage.$')" 1
check "overview: INCOMPLETE, word for word" "$(page_verdict)" "$(cli_verdict)"

# --------------------------------------------------------------- slow clients
STALLED=""
for i in 1 2 3 4 5 6 7 8; do
	in_host bash -c "exec 3<>/dev/tcp/127.0.0.1/8383; printf 'GET / HTTP/1.1\r\nHost: $WEB\r\n' >&3; sleep 30" &
	STALLED="$STALLED $!"
done
LAB_PIDS="$LAB_PIDS $STALLED"
stalled() { in_host ss -tn state established '( dport = :8383 )' | grep -c 8383; }
wait_until 20 at_least 8 stalled || true
check "answers beside 8 stalled clients" "$(hc "http://$WEB/api/findings")" 200
# not by waiting for them: they hold their connections for 30 s
check "answered while the 8 stalled clients still held on" \
	"$(n=0; for p in $STALLED; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; echo $n)" 8
t0=$(date +%s)
in_host timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/8383; printf 'GET / HTTP/1.1\r\nHost: $WEB\r\n' >&3; cat <&3 >/dev/null" || true
took=$(( $(date +%s) - t0 ))
# the dashboard's timeout is 10 s; the test's own gives up at 20
check "a stalled client is dropped after the timeout (${took}s)" "$(( took >= 8 && took < 20 ))" 1

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0 with the dashboard" "$rc" 0
lab_finish
