#!/bin/sh
# nix/package.nix builds with the libraries configure.ac asks for: one input per
# pkg-config module (OCA_DEP) and AC_CHECK_LIB library, with the Debian package
# configure.ac and scripts/deps name; its version is AC_INIT's.
set -eu
. "$(dirname "$0")/lib.sh"
exec python3 "$OCA_SRCDIR/tests/nix/nixcheck.py" package
