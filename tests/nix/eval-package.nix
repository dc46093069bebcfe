# nix-instantiate --eval --strict --json tests/nix/eval-package.nix --argstr lib DIR
# nix/package.nix called with the stub packages, reduced to what
# tests/nix/package_inputs.sh compares with configure.ac (the source is never read).
{
  lib ? "",
}:
let
  nlib = import (/. + lib + "/lib");
  pkgs = import ./stub-pkgs.nix { lib = nlib; };
  drv = pkgs.callPackage ../../nix/package.nix { };
in
{
  inherit (drv) pname version configureFlags;
  arguments = builtins.functionArgs (import ../../nix/package.nix);
  pkgConfigInputs = builtins.mapAttrs (_: i: {
    package = i.package.name;
    inherit (i) debian;
  }) drv.passthru.pkgConfigInputs;
  libraryInputs = builtins.mapAttrs (_: i: {
    package = i.package.name;
    inherit (i) debian;
  }) drv.passthru.libraryInputs;
  buildInputs = map (p: p.name) drv.buildInputs;
  nativeBuildInputs = map (p: p.name) drv.nativeBuildInputs;
}
