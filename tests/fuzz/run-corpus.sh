#!/bin/sh
# run-corpus.sh tests/fuzz/NAME.fuzz: run libFuzzer target fuzz_NAME once over every
# file of its seed corpus (tests/fuzz/corpus/NAME). A crash or sanitizer report fails.
set -eu
name=$(basename "$1" .fuzz)
bin="${OCA_BUILDDIR:-.}/tests/fuzz/fuzz_$name"
corpus="${OCA_SRCDIR:-.}/tests/fuzz/corpus/$name"
[ -x "$bin" ] || { echo "missing $bin"; exit 99; }
[ -d "$corpus" ] || { echo "missing corpus $corpus"; exit 99; }
n=$(ls "$corpus" | wc -l)
echo "running $bin over $n inputs in $corpus"
# libFuzzer's own exit codes for a crash (77) and a timeout (70) would read as SKIP and
# as a plain failure to the test driver: a crash must fail
exec "$bin" -runs=0 -error_exitcode=1 -timeout_exitcode=1 "$corpus"
