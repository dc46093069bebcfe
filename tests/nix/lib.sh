# Sourced by the Nix tests: find nix-instantiate (Debian's nix-bin) and the pinned
# nixpkgs lib, or skip (77) outside CI and fail under CI=true.
# The lib's place comes from OCA_NIXPKGS_LIB (scripts/check sets it, since make
# distcheck runs the tests from another tree), else shared/nixpkgs-lib beside the source
# tree or beside its parent (a worktree in wt/NAME).
OCA_SRCDIR=${OCA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
nix_skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL (CI=true, so no skipping): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}
command -v nix-instantiate >/dev/null ||
	nix_skip "nix-instantiate is not installed (scripts/deps installs nix-bin)"
NIXPKGS_LIB=${OCA_NIXPKGS_LIB:-$OCA_SRCDIR/../shared/nixpkgs-lib}
[ -n "${OCA_NIXPKGS_LIB:-}" ] || [ -d "$NIXPKGS_LIB" ] ||
	NIXPKGS_LIB=$OCA_SRCDIR/../../shared/nixpkgs-lib
[ -f "$NIXPKGS_LIB/lib/default.nix" ] ||
	nix_skip "no nixpkgs lib at $NIXPKGS_LIB: set OCA_NIXPKGS_LIB to the folder" \
		"that holds its lib/ (scripts/check does)"
# nothing is built, so no build users are needed (and Debian's nix.conf names a group
# this machine has not)
NIX_CONFIG='build-users-group ='
export OCA_SRCDIR NIXPKGS_LIB NIX_CONFIG
