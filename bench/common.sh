# bench/common.sh: sourced by every benchmark. Sets BENCH_DIR, SRCDIR, OCA_BUILDDIR (the
# environment's, else the current directory if it holds oc-audit, else SRCDIR/build)
# and OCA_BIN (the environment's, else OCA_BUILDDIR/oc-audit).
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
SRCDIR=$(dirname "$BENCH_DIR")
if [ -z "${OCA_BUILDDIR:-}" ]; then
	if [ -x ./oc-audit ]; then OCA_BUILDDIR=$(pwd); else OCA_BUILDDIR=$SRCDIR/build; fi
fi
OCA_BIN=${OCA_BIN:-$OCA_BUILDDIR/oc-audit}
