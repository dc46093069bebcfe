#!/bin/sh
# The folders keep the layout: each uses only the folders below it, and an include of
# another folder's header names the folder (tests/meta/layout_check.py says how). Runs
# on any machine, without root.
set -eu
exec python3 "${OCA_SRCDIR:-.}/tests/meta/layout_check.py" "${OCA_SRCDIR:-.}"
