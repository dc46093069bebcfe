#!/bin/sh
# Every command the tests run comes from a Debian package that scripts/deps installs
# (tests/meta/deps_check.py says how that is decided). Runs on any machine, without root.
set -eu
exec python3 "${OCA_SRCDIR:-.}/tests/meta/deps_check.py" "${OCA_SRCDIR:-.}"
