#!/bin/sh
# The module's unit carries the hardening of contrib/oc-audit.service.in, key by key
# (and with capture on, the drop-in the unit's comment gives).
set -eu
. "$(dirname "$0")/lib.sh"
exec python3 "$OCA_SRCDIR/tests/nix/nixcheck.py" unit
