#!/bin/bash
# The dashboard in a real browser: Debian's headless Chromium loads every page over a
# database holding hostile names and the rendered DOM must hold them as text only (no
# script, image or handler of theirs). Screenshots are kept in the build directory
# (web-*.png) as artifacts. Chromium runs inside the lab's host namespace.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
lab_require
CHROMIUM=$(command -v chromium || true)
[ -n "$CHROMIUM" ] || lab_skip "chromium is not installed (scripts/deps installs it)"
web_up

export HOME="$LAB_DIR"   # chromium writes its caches under HOME
browse() {   # browse URL ARGS...
	local url=$1
	shift
	in_host timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage --hide-scrollbars \
		--user-data-dir="$(mktemp -d -p "$LAB_DIR")" --virtual-time-budget=4000 "$@" "$url" \
		2>>"$LAB_DIR/chromium.log"
}

for page in overview dns connections finding; do
	case $page in
	overview) path=/ ;;
	finding) path=/findings/1 ;;
	*) path=/$page ;;
	esac
	browse "http://$WEB$path" --dump-dom > "$LAB_DIR/$page.html" || true
	if [ $page = overview ]; then   # capture off: bytes planted on one, unknown elsewhere
		check "overview: bytes sent and received, in units" \
			"$(grep -c '1.2 MiB</td><td class="n">50.0 MiB' "$LAB_DIR/$page.html" || true)" 1
		check "overview: SNI and bytes said unwatched" \
			"$(grep -c 'capture not configured: SNI and bytes are not watched' \
			"$LAB_DIR/$page.html" || true)" 1
	fi
	if python3 "$OCA_SRCDIR/tests/lab/web_domcheck.py" "$LAB_DIR/$page.html" "$page"; then :; else
		FAILED=1
	fi
	# taken in the lab directory and moved: another make check may be writing the same
	# artifact in the same build directory at the same time
	browse "http://$WEB$path" --window-size=1400,1700 \
		--screenshot="$LAB_DIR/web-$page.png" >/dev/null || true
	check "screenshot $page taken" "$([ -s "$LAB_DIR/web-$page.png" ] && echo yes)" yes
	mv -f "$LAB_DIR/web-$page.png" "$OCA_BUILDDIR/web-$page.png" 2>/dev/null || true
done

# a page that stays open: new findings arrive, Acknowledge works, all as text
if python3 "$OCA_SRCDIR/tests/lab/web_live.py" "$NS_HOST" "http://$WEB/" "$LAB_DB" "$CHROMIUM" \
	"$LAB_DIR/web-live.png"; then :; else
	FAILED=1
fi

mv -f "$LAB_DIR/web-live.png" "$OCA_BUILDDIR/web-live.png" 2>/dev/null || true

# the browser's own security checks: a page framed elsewhere or script injected would
# show up as a CSP violation in the console log
check "no CSP violation reported" "$(grep -c 'Content Security Policy' "$LAB_DIR/chromium.log" || true)" 0

lab_stop TERM && rc=0 || rc=$?
check "collector exits 0" "$rc" 0
[ "$FAILED" = 0 ] || cat "$LAB_DIR/chromium.log" | grep -v dbus | tail -20
lab_finish
