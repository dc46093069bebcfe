#!/bin/sh
# services.oc-audit.settings has every key of the daemon's key table (what
# oc-audit check-config prints, common/confkeys.c's bounds) with its default, and no other.
set -eu
. "$(dirname "$0")/lib.sh"
exec python3 "$OCA_SRCDIR/tests/nix/nixcheck.py" keys
