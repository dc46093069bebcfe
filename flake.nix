# oc-audit as a flake: the package for x86_64-linux and aarch64-linux, the NixOS module
# (services.oc-audit) and an overlay. The host's flake takes it as an input, with
# `inputs.nixpkgs.follows = "nixpkgs"` so it builds against the host's nixpkgs (README.md,
# "Deploy on NixOS"). tests/nix/flake.sh evaluates these outputs offline.
{
  description = "oc-audit: egress audit of the OpenClaw microVM (package, NixOS module, overlay)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forEachSystem = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forEachSystem (pkgs: rec {
        oc-audit = pkgs.callPackage ./nix/package.nix { src = self; };
        default = oc-audit;
      });

      overlays.default = final: prev: {
        oc-audit = final.callPackage ./nix/package.nix { src = self; };
      };

      # services.oc-audit.package defaults to pkgs.oc-audit when the overlay is applied,
      # else to this flake's nix/package.nix built with the host's own nixpkgs
      nixosModules.default = ./nix/module.nix;
    };
}
