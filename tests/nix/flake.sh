#!/bin/sh
# flake.nix's outputs, evaluated with a stand-in nixpkgs: packages.<system>.default
# for x86_64-linux and aarch64-linux, overlays.default, nixosModules.default.
set -eu
. "$(dirname "$0")/lib.sh"
exec python3 "$OCA_SRCDIR/tests/nix/nixcheck.py" flake
