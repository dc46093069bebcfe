#!/bin/sh
# The shipped example configuration is valid as shipped: check-config accepts it (exit 0).
# Its paths name the deployed host's; nothing is opened by check-config, so none is overridden.
set -eu
"${OCA_BIN:-./oc-audit}" check-config -c "${OCA_SRCDIR:-.}/contrib/oc-audit.ini" >/dev/null
echo "ok - contrib/oc-audit.ini passes check-config"
