# nix-instantiate --eval --strict --json tests/nix/eval-flake.nix --argstr lib DIR
# flake.nix's outputs, called with a stand-in nixpkgs (nixpkgs' lib and the stub
# packages), reduced to what tests/nix/flake.sh checks.
{
  lib ? "",
}:
let
  nlib = import (/. + lib + "/lib");
  pkgs = import ./stub-pkgs.nix { lib = nlib; };
  flake = import ../../flake.nix;
  nixpkgs = {
    lib = nlib;
    # more systems than the flake builds for: it must pick its own
    legacyPackages = nlib.genAttrs [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" ] (_: pkgs);
  };
  self = outputs // {
    outPath = toString ../..;
  };
  outputs = flake.outputs { inherit self nixpkgs; };
  withOverlay = pkgs // outputs.overlays.default withOverlay pkgs;
  host =
    p:
    nlib.evalModules {
      modules = [
        outputs.nixosModules.default
        ./stub-nixos.nix
        { _module.args.pkgs = p; }
        {
          services.oc-audit.enable = true;
          networking.nftables.enable = true;
        }
      ];
    };
  execStart = p: (host p).config.systemd.services.oc-audit.serviceConfig.ExecStart;
in
{
  inherit (flake) description;
  inputs = builtins.mapAttrs (_: i: i.url or null) flake.inputs;
  packages = builtins.mapAttrs (_: ps: builtins.mapAttrs (_: p: p.name) ps) outputs.packages;
  srcIsSelf = builtins.all (ps: ps.default.src == self) (builtins.attrValues outputs.packages);
  overlay = withOverlay.oc-audit.name;
  modulePackage = (host pkgs).config.services.oc-audit.package.name;
  moduleOverlaid = (host withOverlay).config.services.oc-audit.package == withOverlay.oc-audit;
  moduleExecStart = execStart pkgs;
}
