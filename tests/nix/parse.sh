#!/bin/sh
# Every .nix file of the tree parses (nix-instantiate --parse), and the ones the
# flake needs are there (in the tarball too).
set -eu
. "$(dirname "$0")/lib.sh"
exec python3 "$OCA_SRCDIR/tests/nix/nixcheck.py" parse
