# nix-instantiate --eval --strict --json tests/nix/eval.nix --argstr lib DIR --argstr case NAME
# nix/module.nix evaluated with nixpkgs' lib (DIR holds its lib/) in one of cases.nix's
# configurations, reduced to what the tests look at.
{
  lib ? "",
  case ? "default",
}:
let
  nlib = import (/. + lib + "/lib");
  pkgs = import ./stub-pkgs.nix { lib = nlib; };
  eval = nlib.evalModules {
    modules = [
      ../../nix/module.nix
      ./stub-nixos.nix
      { _module.args.pkgs = pkgs; }
      (import ./cases.nix).${case}
    ];
  };
  c = eval.config;
  o = c.services.oc-audit;
  units = c.systemd.services;
  unit = u: {
    inherit (u)
      description
      documentation
      overrideStrategy
      wantedBy
      wants
      requires
      after
      before
      bindsTo
      serviceConfig
      ;
  };
  settingsOptions = eval.options.services.oc-audit.settings.type.getSubOptions [ ];
  options = nlib.filterAttrs (n: v: n != "_module" && nlib.isOption v);
in
{
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
  inherit (c) warnings;
  services = builtins.mapAttrs (_: unit) units;
  nftables = c.networking.nftables.tables;
  firewall = c.networking.firewall.interfaces;
  etc = builtins.mapAttrs (_: e: toString e.source) c.environment.etc;
  packages = map (p: p.name) c.environment.systemPackages;
  ini = if o.enable then o.configFile.text else null;
  configFile = if o.enable then toString o.configFile else null;
  package = toString o.package;
  # the options (settings' keys included) a reader of the manual would find undescribed
  undocumented = map (d: d.name) (
    builtins.filter (d: !d.internal && (d.description or null == null || d.description == "")) (
      nlib.optionAttrSetToDocList eval.options.services.oc-audit
    )
  );
  # each declared key: its default, and its type's description (the bounds of a number)
  keys = builtins.mapAttrs (
    _: section:
    builtins.mapAttrs (_: k: {
      default = k.default;
      type = k.type.description;
    }) (options (section.type.getSubOptions [ ]))
  ) (options settingsOptions);
}
