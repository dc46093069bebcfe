#!/bin/bash
# Precise expectations and canaries, through the real resolver and the real nft rule:
#   - each name is expected on its own proto/ports only (expect, and a rules file);
#   - the rules file is read again within seconds of a change, without a signal; a bad
#     line is rejected with its file, line and rule, and the running rules stay;
#   - check-config prints the effective rules;
#   - a query for a canary name, and a connection to an address it resolved to, are one
#     canary finding, alerted with the severity "critical".
set -eu
. "$(dirname "$0")/lib.sh"
lab_require drill
lab_up "$IIF_RULE"
lab_upstream_dns 'local-zone: "bait.example.com." static' \
	'local-data: "k7q2m9xw4hd3.bait.example.com. 300 IN A 198.51.100.8"'
RULES="$LAB_DIR/rules"
printf '# rules of the watch\ncdn1.example.net udp/123\n' > "$RULES"
chown "$LAB_USER" "$RULES"
lab_config "[dns]" "listen = 192.168.83.1:53" "forward = 198.51.100.2" \
	"[policy]" "expect = api.telegram.org tcp/443, www.example.com tcp/8443" \
	"rules_file = $RULES" "canary_names = *.bait.example.com"

out=$("$OCA_BIN" check-config -c "$LAB_CONF" 2>/dev/null)
check "check-config: the effective rules" "$(sed -n 's/^;   //p' <<<"$out" | tr '\n' ';')" \
	"api.telegram.org tcp/443;www.example.com tcp/8443;cdn1.example.net udp/123;*.bait.example.com;"
lab_collect

q() { in_vm drill "$@" @192.168.83.1 >/dev/null 2>&1 || true; }
# a new connection (NFLOG logs its first packet whether anyone answers or not)
tcp() { in_vm bash -c "timeout 1 bash -c 'exec 3<>/dev/tcp/$1/$2'" 2>/dev/null || true; }
udp() { in_vm bash -c "echo x > /dev/udp/$1/$2" 2>/dev/null || true; }
finding() { sql "SELECT count(*) FROM findings WHERE kind = '$1' AND key = '$2'"; }
settle() { sleep 0.8; }

q www.example.com
q cdn1.example.net
tcp 198.51.100.10 8443       # www.example.com on its port: expected
tcp 198.51.100.10 443        # www.example.com on telegram's port: unexpected-port
udp 198.51.100.20 123        # cdn1 on its port from the rules file: expected
tcp 198.51.100.20 443        # cdn1 elsewhere: unexpected-port
settle
check "expect: a name on its own port is expected" \
	"$(sql "SELECT expected FROM destinations WHERE domain = 'www.example.com' AND port = 8443")" 1
check "expect: not on another name's port" "$(finding unexpected-port 'www.example.com 443/tcp')" 1
check "rules file: its name on its port is expected" \
	"$(sql "SELECT expected FROM destinations WHERE domain = 'cdn1.example.net' AND port = 123")" 1
check "rules file: not elsewhere" "$(finding unexpected-port 'cdn1.example.net 443/tcp')" 1
check "expected names raise no unexpected-domain" \
	"$(sql "SELECT count(*) FROM findings WHERE kind = 'unexpected-domain'")" 0

# --- the rules file changes: read again without a signal
echo "cdn2.example.net tcp/9443" >> "$RULES"
wait_until 20 grep -q "rules file changed: configuration reloaded" "$LAB_DIR/collect.log" ||
	echo "# no reload after the change"
q cdn2.example.net
tcp 198.51.100.20 9443
settle
check "a change is read within seconds" \
	"$(grep -c 'rules file changed: configuration reloaded' "$LAB_DIR/collect.log")" 1
check "the new rule applies: cdn2 resolved without a finding" \
	"$(finding unexpected-domain cdn2.example.net)" 0
check "the new rule applies: cdn2 on its port" \
	"$(sql "SELECT expected FROM destinations WHERE domain = 'cdn2.example.net' AND port = 9443")" 1

# --- a bad line: rejected with file, line and rule; the running rules stay
echo "bad..name tcp/1" >> "$RULES"
wait_until 20 grep -q "rules file changed: the new configuration is rejected" \
	"$LAB_DIR/collect.log" || echo "# no rejection logged"
q cdn2.example.net
settle
check "a bad line is named: file, line, rule" \
	"$(grep -c "rules file changed: $RULES:4: rule 'bad..name tcp/1'" "$LAB_DIR/collect.log")" 1
check "the running rules stay" "$(finding unexpected-domain cdn2.example.net)" 0
check "a bad file is read once, not every time it is looked at" \
	"$(grep -c 'rules file changed: the new configuration is rejected' "$LAB_DIR/collect.log")" 1

# --- a canary: the query and a connection to its address, one finding, critical
q k7q2m9xw4hd3.bait.example.com
tcp 198.51.100.8 443
settle
check "canary: one finding for the name" "$(finding canary k7q2m9xw4hd3.bait.example.com)" 1
check "canary: the query and the connection counted" \
	"$(sql "SELECT count FROM findings WHERE kind = 'canary'")" 2
check "canary: no unexpected-domain for it (the canary says more)" \
	"$(finding unexpected-domain k7q2m9xw4hd3.bait.example.com)" 0
check "canary: its alert is queued as critical" \
	"$(sql "SELECT body->>'severity' FROM alert_outbox o JOIN findings f ON f.id = o.finding_id
		WHERE f.kind = 'canary'")" critical
check "canary: the detail names the pattern" \
	"$(sql "SELECT detail LIKE 'a DNS query named a canary (canary_names: *.bait.example.com)%' FROM findings WHERE kind = 'canary'")" 1
out=$("$OCA_BIN" findings --open -c "$LAB_CONF")
check "findings --open: the canary first" "$(sed -n 2p <<<"$out" | awk '{print $2, $3}')" \
	"critical canary"

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
lab_finish
