#!/bin/sh
# services.oc-audit evaluated offline (lib.evalModules with nixpkgs' lib and a stub
# of the NixOS options) in the configurations of tests/nix/cases.nix: its unit, nftables
# table, firewall port, the VM's unit, credentials, and the assertions with their
# messages; the INI it writes passes oc-audit check-config.
set -eu
. "$(dirname "$0")/lib.sh"
exec python3 "$OCA_SRCDIR/tests/nix/nixcheck.py" module
