#!/bin/sh
# The man pages say what the binary does: every config key with its default in
# oc-audit.ini(5), every command and option in oc-audit(8), and groff formats both
# cleanly (tests/meta/manpages_check.py says how). Runs on any machine, without root.
set -eu
exec python3 "${OCA_SRCDIR:-.}/tests/meta/manpages_check.py" "${OCA_SRCDIR:-.}" \
	"${OCA_BIN:-./oc-audit}"
